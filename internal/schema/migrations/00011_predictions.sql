-- Predictions (internal/prediction): model versions learnt from the company's own history and the
-- scores they gave.
--
-- prediction_models: every trained version of a model kind (conflict_risk on registrations,
-- win_probability on opportunities) with its training and held-out windows, the features it reads, its
-- metrics on the held-out later window (JSON: AUC, calibration, the naive Bayes baseline), the model
-- itself (predict.Model as JSON) and the promotion decision: at most one version per kind is
-- 'promoted' (the one that scores), an earlier promoted one becomes 'superseded', a version worse than
-- the one in force stays 'not_promoted' with the reason.
-- prediction_training_claims: one row per kind and scheduled slot; the instance whose insert lands
-- trains, so a scheduled training happens once however many instances run the job.
-- prediction_scores: one probability per entity and model version with its reasons (JSON list of
-- phrases); the newest row of an entity is its current score.

-- +goose Up
CREATE TABLE prediction_models (
    id               {{.AutoID}},
    kind             TEXT NOT NULL CHECK (kind IN ('conflict_risk', 'win_probability')),
    version          TEXT NOT NULL,
    trained_at       {{.Int}} NOT NULL,
    train_from       {{.Int}},
    train_to         {{.Int}},
    test_from        {{.Int}},
    test_to          {{.Int}},
    examples         {{.Int}} NOT NULL CHECK (examples >= 0),
    features         TEXT NOT NULL DEFAULT '[]',
    metrics          TEXT NOT NULL DEFAULT '{}',
    model            TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('promoted', 'superseded', 'not_promoted')),
    promoted_at      {{.Int}},
    promotion_reason TEXT NOT NULL DEFAULT '',
    triggered_by     TEXT NOT NULL,
    triggered_user   {{.Int}} REFERENCES users (id)
);
CREATE INDEX prediction_models_kind ON prediction_models (kind, id);
CREATE UNIQUE INDEX prediction_models_one_promoted ON prediction_models (kind) WHERE state = 'promoted';

CREATE TABLE prediction_training_claims (
    kind       TEXT NOT NULL,
    slot       {{.Int}} NOT NULL,
    claimed_at {{.Int}} NOT NULL,
    PRIMARY KEY (kind, slot)
);

CREATE TABLE prediction_scores (
    id          {{.AutoID}},
    entity_kind TEXT NOT NULL CHECK (entity_kind IN ('registration', 'opportunity')),
    entity_id   {{.Int}} NOT NULL,
    model_id    {{.Int}} NOT NULL REFERENCES prediction_models (id),
    probability {{.Float}} NOT NULL CHECK (probability >= 0 AND probability <= 1),
    reasons     TEXT NOT NULL DEFAULT '[]',
    scored_at   {{.Int}} NOT NULL,
    UNIQUE (entity_kind, entity_id, model_id)
);
CREATE INDEX prediction_scores_entity ON prediction_scores (entity_kind, entity_id, scored_at);

-- +goose Down
DROP TABLE prediction_scores;
DROP TABLE prediction_training_claims;
DROP TABLE prediction_models;
