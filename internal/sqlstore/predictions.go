package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	tandem "github.com/tandem-revops/tandem"
)

// Predictions in storage (see internal/prediction for the training and scoring): model versions with
// their held-out metrics and promotion decision, the training claims that make a scheduled training
// happen once across instances, and the scores. Everything here is the vendor's: a partner user can
// read none of it, whatever the entity, so a handler that forgets a check still leaks nothing.
//
// The store keeps the model as opaque JSON text: it does not import the prediction engine.

// Prediction model kinds and the entity each scores.
const (
	PredictionConflictRisk   = "conflict_risk"   // scores registrations
	PredictionWinProbability = "win_probability" // scores opportunities
)

// Prediction entity kinds.
const (
	PredictionEntityRegistration = "registration"
	PredictionEntityOpportunity  = "opportunity"
)

// Model version states.
const (
	ModelPromoted    = "promoted"     // the version in force for its kind (at most one)
	ModelSuperseded  = "superseded"   // was promoted; a later version replaced it
	ModelNotPromoted = "not_promoted" // never in force: worse than the version in force, or unmeasurable
)

// PredictionEntityOf returns the entity a model kind scores, or "" for an unknown kind.
func PredictionEntityOf(kind string) string {
	switch kind {
	case PredictionConflictRisk:
		return PredictionEntityRegistration
	case PredictionWinProbability:
		return PredictionEntityOpportunity
	}
	return ""
}

// ModelVersion is one trained version of a model kind.
type ModelVersion struct {
	ID        int64     `json:"id"`
	Kind      string    `json:"kind" enum:"conflict_risk,win_probability"`
	Version   string    `json:"version" doc:"a digest of the model: equal models, equal versions"`
	TrainedAt time.Time `json:"trained_at"`
	// The training window (the examples' prediction times the trees learnt from) and the held-out later
	// window the metrics come from.
	TrainFrom time.Time `json:"train_from,omitzero"`
	TrainTo   time.Time `json:"train_to,omitzero"`
	TestFrom  time.Time `json:"test_from,omitzero"`
	TestTo    time.Time `json:"test_to,omitzero"`
	Examples  int       `json:"examples"`
	Features  []string  `json:"features"`
	// Metrics is the engine's metrics JSON (held-out AUC, Brier, reliability, the naive Bayes baseline).
	Metrics         json.RawMessage `json:"metrics"`
	State           string          `json:"state" enum:"promoted,superseded,not_promoted"`
	PromotedAt      time.Time       `json:"promoted_at,omitzero"`
	PromotionReason string          `json:"promotion_reason"`
	TriggeredBy     string          `json:"triggered_by" doc:"schedule, cli, or the user who asked"`
	TriggeredUser   int64           `json:"triggered_user,omitempty"`
	// Model is the model itself (JSON), left out of lists and API answers.
	Model []byte `json:"-"`
}

// PredictionScore is one entity's probability from one model version.
type PredictionScore struct {
	EntityKind   string    `json:"entity_kind" enum:"registration,opportunity"`
	EntityID     int64     `json:"entity_id"`
	ModelID      int64     `json:"model_id"`
	ModelKind    string    `json:"model_kind" enum:"conflict_risk,win_probability"`
	ModelVersion string    `json:"model_version"`
	Probability  float64   `json:"probability" doc:"0 to 1"`
	Reasons      []string  `json:"reasons" doc:"the largest contributions, largest first, as short phrases"`
	ScoredAt     time.Time `json:"scored_at"`
}

// errPredictionsHidden is what a partner user gets for any prediction record: they do not exist for it.
func errPredictionsHidden() error { return tandem.NotFound("prediction", "") }

// canReadPrediction says whether actor may read predictions of kind: never a partner user; win
// probability for every vendor role; conflict risk for every vendor role but the AE (who is a party to
// the conflicts it predicts).
func canReadPrediction(actor tandem.Actor, kind string) bool {
	if actor.IsPartner() {
		return false
	}
	if kind == PredictionConflictRisk {
		return actor.Role != tandem.RoleAE
	}
	return true
}

const modelVersionColumns = `id, kind, version, trained_at, train_from, train_to, test_from, test_to, examples, features,
	metrics, state, promoted_at, promotion_reason, triggered_by, triggered_user`

func scanModelVersion(sc interface{ Scan(...any) error }, withModel bool) (ModelVersion, error) {
	var m ModelVersion
	var metrics string
	dest := []any{&m.ID, &m.Kind, &m.Version, timeCol{&m.TrainedAt}, timeCol{&m.TrainFrom}, timeCol{&m.TrainTo},
		timeCol{&m.TestFrom}, timeCol{&m.TestTo}, &m.Examples, listCol{&m.Features}, &metrics, &m.State,
		timeCol{&m.PromotedAt}, &m.PromotionReason, &m.TriggeredBy, idCol{&m.TriggeredUser}}
	var model string
	if withModel {
		dest = append(dest, &model)
	}
	if err := sc.Scan(dest...); err != nil {
		return m, err
	}
	m.Metrics = json.RawMessage(metrics)
	if withModel {
		m.Model = []byte(model)
	}
	return m, nil
}

func validModelKind(kind string) error {
	if PredictionEntityOf(kind) == "" {
		return tandem.FieldError("kind", "model kind %q: want conflict_risk or win_probability", kind)
	}
	return nil
}

// AddModelVersion stores a newly trained version. When promote is true it becomes the promoted version
// of its kind and the one in force before it is superseded, in one transaction; otherwise it is stored
// as not promoted. m.ID, TrainedAt, State and PromotedAt are set.
func (s *Store) AddModelVersion(ctx context.Context, m *ModelVersion, promote bool) error {
	if err := validModelKind(m.Kind); err != nil {
		return err
	}
	if len(m.Model) == 0 || !json.Valid(m.Model) {
		return tandem.FieldError("model", "the model must be JSON")
	}
	if len(m.Metrics) == 0 {
		m.Metrics = json.RawMessage("{}")
	}
	if !json.Valid(m.Metrics) {
		return tandem.FieldError("metrics", "the metrics must be JSON")
	}
	return s.inTx(ctx, func(tx *sql.Tx, now time.Time) error {
		m.TrainedAt, m.State, m.PromotedAt = now, ModelNotPromoted, time.Time{}
		if promote {
			if _, err := tx.ExecContext(ctx, `UPDATE prediction_models SET state = 'superseded'
				WHERE kind = $1 AND state = 'promoted'`, m.Kind); err != nil {
				return fmt.Errorf("add model version: supersede: %w", err)
			}
			m.State, m.PromotedAt = ModelPromoted, now
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO prediction_models (kind, version, trained_at, train_from, train_to,
			test_from, test_to, examples, features, metrics, model, state, promoted_at, promotion_reason, triggered_by,
			triggered_user) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id`,
			m.Kind, m.Version, now.UnixMicro(), dbTime(m.TrainFrom), dbTime(m.TrainTo), dbTime(m.TestFrom), dbTime(m.TestTo),
			m.Examples, jsonText(m.Features), string(m.Metrics), string(m.Model), m.State, dbTime(m.PromotedAt),
			m.PromotionReason, m.TriggeredBy, dbID(m.TriggeredUser)).Scan(&m.ID)
		if err != nil {
			return s.mapErr(fmt.Errorf("add model version: %w", err), "model version")
		}
		return nil
	})
}

// ListModelVersions returns the versions of kind ("" for every kind), newest first, without the models.
func (s *Store) ListModelVersions(ctx context.Context, actor tandem.Actor, kind string) ([]ModelVersion, error) {
	if actor.IsPartner() {
		return nil, errPredictionsHidden()
	}
	q, args := `SELECT `+modelVersionColumns+` FROM prediction_models`, []any{}
	if kind != "" {
		if err := validModelKind(kind); err != nil {
			return nil, err
		}
		q, args = q+` WHERE kind = $1`, append(args, kind)
	}
	rows, err := s.read.QueryContext(ctx, q+` ORDER BY id DESC`, args...)
	if err != nil {
		return nil, fmt.Errorf("list model versions: %w", err)
	}
	defer rows.Close()
	var out []ModelVersion
	for rows.Next() {
		m, err := scanModelVersion(rows, false)
		if err != nil {
			return nil, fmt.Errorf("list model versions: %w", err)
		}
		if canReadPrediction(actor, m.Kind) {
			out = append(out, m)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list model versions: %w", err)
	}
	return out, nil
}

// GetModelVersion returns one version with its model.
func (s *Store) GetModelVersion(ctx context.Context, actor tandem.Actor, id int64) (ModelVersion, error) {
	m, err := scanModelVersion(s.read.QueryRowContext(ctx, `SELECT `+modelVersionColumns+`, model FROM prediction_models
		WHERE id = $1`, id), true)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !canReadPrediction(actor, m.Kind)) {
		return ModelVersion{}, tandem.NotFound("model version", id)
	}
	if err != nil {
		return ModelVersion{}, fmt.Errorf("get model version %d: %w", id, err)
	}
	return m, nil
}

// PromotedModel returns the version of kind in force, with its model; ok is false when none is.
// It is the jobs' read and takes no actor.
func (s *Store) PromotedModel(ctx context.Context, kind string) (m ModelVersion, ok bool, err error) {
	m, err = scanModelVersion(s.read.QueryRowContext(ctx, `SELECT `+modelVersionColumns+`, model FROM prediction_models
		WHERE kind = $1 AND state = 'promoted'`, kind), true)
	if errors.Is(err, sql.ErrNoRows) {
		return ModelVersion{}, false, nil
	}
	if err != nil {
		return ModelVersion{}, false, fmt.Errorf("promoted %s model: %w", kind, err)
	}
	return m, true, nil
}

// ClaimTraining claims the scheduled training of kind in slot (the schedule's period, e.g. its start
// in unix seconds) and reports whether this caller won the claim: of several instances running the
// job, exactly one trains each slot.
func (s *Store) ClaimTraining(ctx context.Context, kind string, slot int64) (bool, error) {
	if err := validModelKind(kind); err != nil {
		return false, err
	}
	claimed, err := changedOne(ctx, s.write, `INSERT INTO prediction_training_claims (kind, slot, claimed_at)
		VALUES ($1, $2, $3) ON CONFLICT (kind, slot) DO NOTHING`, kind, slot, s.clock().UnixMicro())
	if err != nil {
		return false, fmt.Errorf("claim %s training: %w", kind, err)
	}
	return claimed, nil
}

// SaveScores stores scores. A score of the same entity by the same model version is replaced (one row
// per entity and version, so two instances scoring the same entity leave one score, and a rescore of a
// changed record is no longer stale). It returns how many it wrote.
func (s *Store) SaveScores(ctx context.Context, scores []PredictionScore) (int, error) {
	added := 0
	err := s.inTx(ctx, func(tx *sql.Tx, now time.Time) error {
		for _, sc := range scores {
			if sc.Probability < 0 || sc.Probability > 1 || sc.Probability != sc.Probability {
				return tandem.FieldError("probability", "entity %s %d: probability %v is not in 0..1", sc.EntityKind, sc.EntityID, sc.Probability)
			}
			at := sc.ScoredAt
			if at.IsZero() {
				at = now
			}
			res, err := tx.ExecContext(ctx, `INSERT INTO prediction_scores (entity_kind, entity_id, model_id, probability,
				reasons, scored_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (entity_kind, entity_id, model_id)
				DO UPDATE SET probability = excluded.probability, reasons = excluded.reasons, scored_at = excluded.scored_at`,
				sc.EntityKind, sc.EntityID, sc.ModelID, sc.Probability, jsonText(sc.Reasons), at.UTC().UnixMicro())
			if err != nil {
				return s.mapErr(fmt.Errorf("save score of %s %d: %w", sc.EntityKind, sc.EntityID, err), "score")
			}
			n, _ := res.RowsAffected()
			added += int(n)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return added, nil
}

// LatestScores returns the newest score of each of ids of entityKind that actor may see, by id; ids
// with no score are absent.
func (s *Store) LatestScores(ctx context.Context, actor tandem.Actor, entityKind string, ids []int64) (map[int64]PredictionScore, error) {
	kind := PredictionConflictRisk
	if entityKind == PredictionEntityOpportunity {
		kind = PredictionWinProbability
	} else if entityKind != PredictionEntityRegistration {
		return nil, tandem.FieldError("entity_kind", "entity kind %q: want registration or opportunity", entityKind)
	}
	if !canReadPrediction(actor, kind) {
		return nil, errPredictionsHidden()
	}
	out := map[int64]PredictionScore{}
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(start+500, len(ids))]
		in, arg := s.inInts("ps.entity_id", 2, chunk)
		rows, err := s.read.QueryContext(ctx, `SELECT ps.entity_id, ps.model_id, pm.kind, pm.version, ps.probability,
			ps.reasons, ps.scored_at FROM prediction_scores ps JOIN prediction_models pm ON pm.id = ps.model_id
			WHERE ps.entity_kind = $1 AND `+in+` ORDER BY ps.entity_id, ps.scored_at, ps.id`, entityKind, arg)
		if err != nil {
			return nil, fmt.Errorf("latest scores: %w", err)
		}
		for rows.Next() {
			sc := PredictionScore{EntityKind: entityKind}
			if err := rows.Scan(&sc.EntityID, &sc.ModelID, &sc.ModelKind, &sc.ModelVersion, &sc.Probability,
				listCol{&sc.Reasons}, timeCol{&sc.ScoredAt}); err != nil {
				rows.Close()
				return nil, fmt.Errorf("latest scores: %w", err)
			}
			out[sc.EntityID] = sc // ordered by time: the last one wins
		}
		if err := rows.Close(); err != nil {
			return nil, fmt.Errorf("latest scores: %w", err)
		}
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("latest scores: %w", err)
		}
	}
	return out, nil
}

// Unscored returns up to limit open entities of the kind the model scores (submitted or approved
// registrations; opportunities not closed) that have no score from modelID, or whose record changed
// after their score from it, oldest first.
func (s *Store) Unscored(ctx context.Context, entityKind string, modelID int64, limit int) ([]int64, error) {
	var q string
	switch entityKind {
	case PredictionEntityRegistration:
		q = `SELECT e.id FROM registrations e LEFT JOIN prediction_scores ps ON ps.entity_kind = 'registration'
			AND ps.entity_id = e.id AND ps.model_id = $1
			WHERE e.status IN ('submitted', 'approved') AND (ps.id IS NULL OR ps.scored_at < e.updated_at)`
	case PredictionEntityOpportunity:
		q = `SELECT e.id FROM opportunities e LEFT JOIN prediction_scores ps ON ps.entity_kind = 'opportunity'
			AND ps.entity_id = e.id AND ps.model_id = $1
			WHERE e.stage NOT IN ('closed_won', 'closed_lost') AND (ps.id IS NULL OR ps.scored_at < e.updated_at)`
	default:
		return nil, tandem.FieldError("entity_kind", "entity kind %q: want registration or opportunity", entityKind)
	}
	return queryAll(ctx, s.read, "unscored "+entityKind+"s", q+` ORDER BY e.id LIMIT `+strconv.Itoa(limit), []any{modelID},
		scanOne[int64])
}
