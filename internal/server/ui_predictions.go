package server

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/policy"
	"github.com/tandem-revops/tandem/internal/predict"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// Predictions in the UI: the models page (every version with its held-out AUC and calibration, promoted
// or not and why, and training on demand for RevOps), the conflict risk on a registration and in the
// approval queue, and the win probability on a deal. Partner users never see any of it; AEs see win
// probability only (the store enforces both; these pages just leave the blocks out).

// scoreView is a score as the pages show it.
type scoreView struct {
	Percent     string
	Probability float64
	Reasons     []string
	Version     string
	ModelID     int64
	ScoredAt    string
	// Grade is "high", "medium" or "low" for a conflict risk, by the risk bands of the programme in
	// force (the policy's predictions.conflict_risk); "" for a win probability.
	Grade string
}

func newScoreView(sc sqlstore.PredictionScore) *scoreView {
	return &scoreView{Percent: scorePercent(sc.Probability), Probability: sc.Probability, Reasons: sc.Reasons,
		Version: sc.ModelVersion, ModelID: sc.ModelID, ScoredAt: sc.ScoredAt.UTC().Format("2006-01-02 15:04 UTC")}
}

// scoresFor returns the latest scores of ids the caller may see, as views; none (and no error) for a
// caller who may not see that kind, so a page renders without the block.
func (s *Server) scoresFor(r *http.Request, entity string, ids []int64) map[int64]*scoreView {
	out := map[int64]*scoreView{}
	scores, err := s.store.LatestScores(r.Context(), actorFrom(r.Context()), entity, ids)
	if err != nil {
		if tandem.ErrorCode(err) != tandem.ENOTFOUND {
			s.log.WarnContext(r.Context(), "prediction scores", slog.Any("err", err))
		}
		return out
	}
	var bands *policy.RiskBands
	if entity == sqlstore.PredictionEntityRegistration && len(scores) > 0 {
		if in, err := s.programme.Current(r.Context()); err == nil {
			bands = &in.RiskBands
		} else {
			// No policy in force to grade by: the page shows the percentage alone.
			s.log.WarnContext(r.Context(), "risk grades", slog.Any("err", err))
		}
	}
	for id, sc := range scores {
		v := newScoreView(sc)
		if bands != nil {
			v.Grade = bands.Grade(sc.Probability)
		}
		out[id] = v
	}
	return out
}

func (s *Server) scoreOf(r *http.Request, entity string, id int64) *scoreView {
	return s.scoresFor(r, entity, []int64{id})[id]
}

// addApprovalRisks puts each queued registration's conflict risk (with its reasons) on its row. The
// order is the store's: by deadline, or with ?sort=risk by risk across the whole queue.
func (s *Server) addApprovalRisks(r *http.Request, d *approvalsData) {
	ids := make([]int64, len(d.Rows))
	for i, row := range d.Rows {
		ids[i] = row.Registration.ID
	}
	risks := s.scoresFor(r, sqlstore.PredictionEntityRegistration, ids)
	for i := range d.Rows {
		d.Rows[i].Risk = risks[d.Rows[i].Registration.ID]
	}
}

// modelRow is one version on the models page.
type modelRow struct {
	sqlstore.ModelVersion
	Metrics      predict.Metrics
	AUC          string
	BaselineAUC  string
	Brier        string
	Calibration  string
	TestRows     int
	PositiveRate string
}

type modelsData struct {
	Kinds    []modelKindView
	CanTrain bool
}

type modelKindView struct {
	Kind     string
	Title    string
	Versions []modelRow
	Current  *modelRow
}

func (s *Server) modelsPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderModels(w, r, http.StatusOK, "", false)
}

// renderModels shows the models page with an optional flash; its error is the page's (see page).
func (s *Server) renderModels(w http.ResponseWriter, r *http.Request, status int, flash string, flashOK bool) error {
	actor := actorFrom(r.Context())
	versions, err := s.store.ListModelVersions(r.Context(), actor, "")
	if err != nil {
		return err
	}
	d := modelsData{CanTrain: actor.Can(tandem.RoleRevOps)}
	titles := map[string]string{sqlstore.PredictionConflictRisk: "Conflict risk of a registration",
		sqlstore.PredictionWinProbability: "Win probability of a deal"}
	for _, kind := range []string{sqlstore.PredictionConflictRisk, sqlstore.PredictionWinProbability} {
		if kind == sqlstore.PredictionConflictRisk && !actor.Can(riskViewers.roles...) {
			continue
		}
		kv := modelKindView{Kind: kind, Title: titles[kind]}
		for _, v := range versions {
			if v.Kind != kind {
				continue
			}
			row := modelRow{ModelVersion: v}
			if err := json.Unmarshal(v.Metrics, &row.Metrics); err == nil {
				t := row.Metrics.Test
				row.AUC, row.BaselineAUC = fmt.Sprintf("%.3f", t.AUC), fmt.Sprintf("%.3f", row.Metrics.Baseline.AUC)
				row.Brier, row.Calibration = fmt.Sprintf("%.3f", t.Brier), fmt.Sprintf("%.3f", t.CalibrationError)
				row.TestRows, row.PositiveRate = t.Rows, scorePercent(t.PositiveRate)
			}
			kv.Versions = append(kv.Versions, row)
		}
		for i := range kv.Versions {
			if kv.Versions[i].State == sqlstore.ModelPromoted {
				kv.Current = &kv.Versions[i]
			}
		}
		d.Kinds = append(d.Kinds, kv)
	}
	s.render(w, r, status, "models", view{Title: "Prediction models", Nav: "models", Flash: flash, FlashOK: flashOK, Data: d})
	return nil
}

// modelTrain trains a version of the posted kind now and shows the page with the outcome.
func (s *Server) modelTrain(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	kind := r.PostFormValue("kind")
	if sqlstore.PredictionEntityOf(kind) == "" {
		return s.renderModels(w, r, http.StatusUnprocessableEntity, fmt.Sprintf("unknown model kind %q", kind), false)
	}
	c := callerFrom(ctx)
	svc := s.predictionService()
	t, err := svc.Train(ctx, kind, "user:"+c.user.Email, c.user.ID)
	if err != nil {
		return s.renderModels(w, r, http.StatusUnprocessableEntity, err.Error(), false)
	}
	n, err := svc.Score(ctx, kind)
	if err != nil {
		s.log.WarnContext(ctx, "score after training", slog.Any("err", err))
	}
	verdict := "promoted"
	if !t.Promotion.Promote {
		verdict = "not promoted"
	}
	return s.renderModels(w, r, http.StatusOK, fmt.Sprintf("Version %d trained and %s: %s. %d open records scored.",
		t.Version.ID, verdict, t.Promotion.Reason, n), t.Promotion.Promote)
}

func (s *Server) registerPredictionUI(mux *http.ServeMux) {
	mux.HandleFunc("GET /models", s.signedIn(s.page(s.modelsPage), staff.roles...))
	mux.HandleFunc("POST /models/train", s.signedIn(s.page(s.modelTrain), tandem.RoleRevOps))
}
