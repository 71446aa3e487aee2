package server

import (
	"context"
	"net/http"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/policy"
	"github.com/tandem-revops/tandem/internal/prediction"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// Predictions: the model versions with their held-out metrics, training on demand, and the scores.
// Partner users see none of it (404 on every route; the store hides the records too); AEs see win
// probability and the win model, not conflict risk, which is about registrations they are party to.

type modelListInput struct {
	Kind string `query:"kind" enum:"conflict_risk,win_probability" doc:"only this kind"`
}

type modelListBody struct {
	Items []sqlstore.ModelVersion `json:"items" doc:"newest first"`
}

type modelTrainInput struct {
	Body struct {
		Kind string `json:"kind" enum:"conflict_risk,win_probability" doc:"the model kind to train"`
	}
}

// modelTrained is a new version, whether it was promoted and why, and how many open records it scored.
type modelTrained struct {
	Version  sqlstore.ModelVersion `json:"version"`
	Promoted bool                  `json:"promoted"`
	Reason   string                `json:"reason"`
	Scored   int                   `json:"scored"`
}

func (s *Server) predictionService() *prediction.Service {
	svc := prediction.NewService(s.store, s.now, s.log)
	svc.Thresholds = prediction.InForceThresholds(func(ctx context.Context) (*policy.Policy, error) {
		in, err := s.programme.Current(ctx)
		if err != nil {
			return nil, err
		}
		return in.Policy, nil
	})
	return svc
}

// scoreFor is the handler of a score route: the latest score of the entity with the path's id.
func (s *Server) scoreFor(entity string) func(context.Context, *IDParam) (*bodyOutput[sqlstore.PredictionScore], error) {
	return valueFor(s, func(ctx context.Context, a tandem.Actor, in *IDParam) (sqlstore.PredictionScore, error) {
		return s.score(ctx, a, entity, in.ID)
	})
}

// score returns the latest score of one entity the actor may see, after checking the entity is visible.
func (s *Server) score(ctx context.Context, actor tandem.Actor, entity string, id int64) (sqlstore.PredictionScore, error) {
	var err error
	if entity == sqlstore.PredictionEntityRegistration {
		_, err = s.store.GetRegistration(ctx, actor, id)
	} else {
		_, err = s.store.GetOpportunity(ctx, actor, id)
	}
	if err != nil {
		return sqlstore.PredictionScore{}, err
	}
	scores, err := s.store.LatestScores(ctx, actor, entity, []int64{id})
	if err != nil {
		return sqlstore.PredictionScore{}, err
	}
	sc, ok := scores[id]
	if !ok {
		return sqlstore.PredictionScore{}, tandem.Errorf(tandem.ENOTFOUND, "%s %d has no score yet: no model is promoted, or the job has not reached it", entity, id)
	}
	return sc, nil
}

func (s *Server) registerPredictionAPI() {
	register(s.api, opGet("list-prediction-models", "/prediction-models", "List model versions",
		"Every trained version, newest first, with its training and held-out windows, features, held-out metrics "+
			"(AUC, Brier, calibration, the naive Bayes baseline) and whether it was promoted and why."),
		func(ctx context.Context, in *modelListInput) (*bodyOutput[modelListBody], error) {
			items, err := s.store.ListModelVersions(ctx, actorFrom(ctx), in.Kind)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			if items == nil {
				items = []sqlstore.ModelVersion{}
			}
			return ok(modelListBody{Items: items}), nil
		})
	register(s.api, opGet("get-prediction-model", "/prediction-models/{id}", "Get a model version",
		"One version with its metrics."),
		valueFor(s, func(ctx context.Context, a tandem.Actor, in *IDParam) (sqlstore.ModelVersion, error) {
			return s.store.GetModelVersion(ctx, a, in.ID)
		}))
	register(s.api, op(http.MethodPost, "train-prediction-model", "/prediction-models", "Train a model version",
		"Trains a new version of the kind on the whole history, evaluates it on the held-out later window, stores it, "+
			"promotes it unless its held-out AUC is worse than the version in force, then scores the open records. "+
			"422 when the history is too short."),
		func(ctx context.Context, in *modelTrainInput) (*bodyOutput[modelTrained], error) {
			if sqlstore.PredictionEntityOf(in.Body.Kind) == "" {
				return nil, s.problem(ctx, tandem.FieldError("kind", "want conflict_risk or win_probability"))
			}
			c := callerFrom(ctx)
			svc := s.predictionService()
			t, err := svc.Train(ctx, in.Body.Kind, "user:"+c.user.Email, c.user.ID)
			if err != nil {
				return nil, s.problem(ctx, tandem.Errorf(tandem.EINVALID, "%v", err))
			}
			n, err := svc.Score(ctx, in.Body.Kind)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			return ok(modelTrained{Version: t.Version, Promoted: t.Promotion.Promote, Reason: t.Promotion.Reason, Scored: n}), nil
		})
	register(s.api, opGet("get-registration-conflict-risk", "/registrations/{id}/conflict-risk", "Conflict risk of a registration",
		"The latest probability that the registration ends in a channel conflict, with its top reasons and the model "+
			"version that gave it. Vendor staff but AEs."),
		s.scoreFor(sqlstore.PredictionEntityRegistration))
	register(s.api, opGet("get-opportunity-win-probability", "/opportunities/{id}/win-probability", "Win probability of a deal",
		"The latest probability that the open deal is won, with its top reasons and the model version that gave it."),
		s.scoreFor(sqlstore.PredictionEntityOpportunity))
}
