package prediction

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/predict"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// Store is what the prediction workflows read and write (the SQL store).
type Store interface {
	ReadPredictionHistory(ctx context.Context) (*sqlstore.PredictionHistory, error)
	PromotedModel(ctx context.Context, kind string) (sqlstore.ModelVersion, bool, error)
	AddModelVersion(ctx context.Context, m *sqlstore.ModelVersion, promote bool) error
	ClaimTraining(ctx context.Context, kind string, slot int64) (bool, error)
	Unscored(ctx context.Context, entityKind string, modelID int64, limit int) ([]int64, error)
	SaveScores(ctx context.Context, scores []sqlstore.PredictionScore) (int, error)
}

// Kinds are the model kinds, in the order the job trains them.
var Kinds = []string{sqlstore.PredictionConflictRisk, sqlstore.PredictionWinProbability}

// Service trains and scores. Seed makes training deterministic; Thresholds returns the policy's ACV
// thresholds (nil: none).
type Service struct {
	Store      Store
	Now        func() time.Time
	Seed       uint64
	Params     predict.Params
	Thresholds func(ctx context.Context) (Thresholds, error)
	Logger     *slog.Logger
}

// NewService returns a service with the defaults filled in.
func NewService(st Store, now func() time.Time, logger *slog.Logger) *Service {
	if now == nil {
		now = time.Now
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Service{Store: st, Now: now, Seed: 1, Params: predict.DefaultParams(), Logger: logger}
}

// ErrTooFewExamples is returned when the history is too short to train a kind.
var ErrTooFewExamples = errors.New("too few examples")

// Trained is the outcome of one training: the stored version and the promotion decision.
type Trained struct {
	Version   sqlstore.ModelVersion
	Promotion predict.Promotion
	// Metrics are the held-out metrics of the new version (the stored JSON, decoded).
	Metrics predict.Metrics
}

// Examples builds the training examples of kind from the history as of now.
func (s *Service) Examples(ctx context.Context, kind string, h *sqlstore.PredictionHistory) ([]predict.Example, []string, error) {
	switch kind {
	case sqlstore.PredictionConflictRisk:
		var th Thresholds
		if s.Thresholds != nil {
			var err error
			if th, err = s.Thresholds(ctx); err != nil {
				return nil, nil, fmt.Errorf("%s: policy thresholds: %w", kind, err)
			}
		}
		return ConflictExamples(h, s.Now(), th), ConflictFeatures, nil
	case sqlstore.PredictionWinProbability:
		return WinExamples(h), WinFeatures, nil
	}
	return nil, nil, tandem.FieldError("kind", "model kind %q: want conflict_risk or win_probability", kind)
}

// Train trains a new version of kind on the whole history, evaluates it on the held-out later window,
// stores it and promotes it unless it is worse than the version in force (predict.Promote).
// triggeredBy says who or what asked ("schedule", "cli", "user:ada@vendor.test"); userID is the user's
// id when a user asked.
func (s *Service) Train(ctx context.Context, kind, triggeredBy string, userID int64) (*Trained, error) {
	h, err := s.Store.ReadPredictionHistory(ctx)
	if err != nil {
		return nil, fmt.Errorf("train %s: %w", kind, err)
	}
	examples, features, err := s.Examples(ctx, kind, h)
	if err != nil {
		return nil, fmt.Errorf("train %s: %w", kind, err)
	}
	if len(examples) < predict.MinExamples {
		return nil, fmt.Errorf("train %s: %w: %d in the history, at least %d needed", kind, ErrTooFewExamples, len(examples), predict.MinExamples)
	}
	model, err := predict.Train(ctx, examples, predict.Config{Target: kind, Positive: "true", IDColumn: "id",
		TimeColumn: "at", Params: s.Params, Seed: s.Seed, Features: features})
	if err != nil {
		return nil, fmt.Errorf("train %s: %w", kind, err)
	}
	var current *predict.Model
	cur, ok, err := s.Store.PromotedModel(ctx, kind)
	if err != nil {
		return nil, fmt.Errorf("train %s: %w", kind, err)
	}
	if ok {
		if current, err = predict.Decode("model version "+cur.Version, strings.NewReader(string(cur.Model))); err != nil {
			// A version in force that cannot be read is replaced, and the log says why.
			s.Logger.WarnContext(ctx, "the promoted model cannot be read; replacing it", slog.String("kind", kind), slog.Any("err", err))
			current = nil
		}
	}
	promotion := predict.Promote(onSameWindow(current, model, examples), model)
	var blob strings.Builder
	if err := model.Encode(&blob); err != nil {
		return nil, fmt.Errorf("train %s: encode: %w", kind, err)
	}
	metrics, err := json.Marshal(model.Metrics)
	if err != nil {
		return nil, fmt.Errorf("train %s: metrics: %w", kind, err)
	}
	v := sqlstore.ModelVersion{Kind: kind, Version: model.Version, Examples: len(examples), Features: model.FeatureNames(),
		Metrics: metrics, Model: []byte(blob.String()), PromotionReason: promotion.Reason, TriggeredBy: triggeredBy,
		TriggeredUser: userID}
	if w := model.Training.TrainWindow; w != nil {
		v.TrainFrom, v.TrainTo = w.From, w.To
	}
	if w := model.Training.TestWindow; w != nil {
		v.TestFrom, v.TestTo = w.From, w.To
	}
	if err := s.Store.AddModelVersion(ctx, &v, promotion.Promote); err != nil {
		return nil, fmt.Errorf("train %s: store: %w", kind, err)
	}
	s.Logger.InfoContext(ctx, "prediction model trained", slog.String("kind", kind), slog.Int64("id", v.ID),
		slog.Float64("auc", model.Metrics.Test.AUC), slog.Bool("promoted", promotion.Promote), slog.String("why", promotion.Reason))
	return &Trained{Version: v, Promotion: promotion, Metrics: model.Metrics}, nil
}

// scoreBatch is how many entities one scoring pass stores at once.
const scoreBatch = 500

// Score scores every open entity of kind that the promoted version has not scored, or whose record
// changed since, and returns how many scores it stored. Registrations are scored as of their submit
// (what the model learnt), opportunities as of now. Nothing is scored while no version is promoted.
func (s *Service) Score(ctx context.Context, kind string) (int, error) {
	cur, ok, err := s.Store.PromotedModel(ctx, kind)
	if err != nil || !ok {
		return 0, err
	}
	model, err := predict.Decode("model version "+cur.Version, strings.NewReader(string(cur.Model)))
	if err != nil {
		return 0, fmt.Errorf("score %s: %w", kind, err)
	}
	entity := sqlstore.PredictionEntityOf(kind)
	var h *sqlstore.PredictionHistory
	var ix *index
	var th Thresholds
	total := 0
	for {
		ids, err := s.Store.Unscored(ctx, entity, cur.ID, scoreBatch)
		if err != nil {
			return total, fmt.Errorf("score %s: %w", kind, err)
		}
		if len(ids) == 0 {
			return total, nil
		}
		if h == nil {
			if h, err = s.Store.ReadPredictionHistory(ctx); err != nil {
				return total, fmt.Errorf("score %s: %w", kind, err)
			}
			ix = newIndex(h)
			if s.Thresholds != nil && kind == sqlstore.PredictionConflictRisk {
				if th, err = s.Thresholds(ctx); err != nil {
					return total, fmt.Errorf("score %s: policy thresholds: %w", kind, err)
				}
			}
		}
		now := s.Now().UTC()
		scores, err := s.scoreIDs(kind, model, cur, ix, h, ids, now, th)
		if err != nil {
			return total, err
		}
		n, err := s.Store.SaveScores(ctx, scores)
		total += n
		if err != nil {
			return total, fmt.Errorf("score %s: %w", kind, err)
		}
		if len(ids) < scoreBatch || len(scores) == 0 {
			// len(scores) == 0: the ids are newer than the history read; the next run scores them.
			return total, nil
		}
	}
}

func (s *Service) scoreIDs(kind string, model *predict.Model, cur sqlstore.ModelVersion, ix *index, h *sqlstore.PredictionHistory,
	ids []int64, now time.Time, th Thresholds) ([]sqlstore.PredictionScore, error) {
	want := make(map[int64]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	var out []sqlstore.PredictionScore
	add := func(id int64, rec predict.Record) error {
		p, err := model.Score(rec)
		if err != nil {
			return fmt.Errorf("score %s %d: %w", kind, id, err)
		}
		out = append(out, sqlstore.PredictionScore{EntityKind: sqlstore.PredictionEntityOf(kind), EntityID: id, ModelID: cur.ID,
			Probability: p.Probability, Reasons: p.Reasons, ScoredAt: now})
		return nil
	}
	switch kind {
	case sqlstore.PredictionConflictRisk:
		for _, r := range h.Registrations {
			if want[r.ID] {
				at := r.SubmittedAt
				if at.IsZero() {
					at = now
				}
				if err := add(r.ID, ix.conflictRecord(r, at, th)); err != nil {
					return nil, err
				}
			}
		}
	case sqlstore.PredictionWinProbability:
		for _, o := range h.Opportunities {
			if want[o.ID] {
				if err := add(o.ID, ix.winRecord(o, now)); err != nil {
					return nil, err
				}
			}
		}
	}
	return out, nil
}

// onSameWindow returns the version in force with its held-out AUC measured again on the new version's
// held-out window, so that promotion compares the two on the same, latest records rather than each on
// the window it was trained for. When the version in force cannot score those records (or there is
// none) it is returned as it is.
func onSameWindow(current, candidate *predict.Model, examples []predict.Example) *predict.Model {
	w := candidate.Training.TestWindow
	if current == nil || w == nil {
		return current
	}
	var probs []float64
	var positive []bool
	for _, ex := range examples {
		if ex.At.Before(w.From) || ex.At.After(w.To) {
			continue
		}
		p, err := current.Score(ex.Fields)
		if err != nil {
			return current
		}
		probs, positive = append(probs, p.Probability), append(positive, ex.Positive)
	}
	again := *current
	again.Metrics.Test = predict.Evaluate(probs, positive)
	return &again
}
