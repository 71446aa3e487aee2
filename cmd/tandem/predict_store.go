package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/tandem-revops/tandem/internal/prediction"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// tandem predict retrain and rescore: the background job's work on demand, on a database.

const predictRetrainHelp = `retrain trains a new version of each model kind (conflict_risk, win_probability, or the one given
with -kind) on the database's history, evaluates it on the held-out later window, stores it and
promotes it unless its held-out AUC is worse than the version in force; then scores the open
registrations and deals with the promoted versions. It prints one line per kind.`

const predictRescoreHelp = `rescore scores the open registrations and deals the promoted versions have not scored yet, or whose
record changed since, and prints how many of each it scored.`

func runPredictRetrain(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "predict retrain", "[-db URL] [-kind KIND]\n\n"+predictRetrainHelp)
	db := databaseFlag(fs)
	kind := fs.String("kind", "", "conflict_risk or win_probability (default: both)")
	asOf := fs.String("now", "", "train as of this date (2006-01-02; default today): registrations submitted in the 30 days before it are left out, their outcome unknown")
	seed := fs.Uint64("seed", 1, "seed of the training; the same history and seed give the same model")
	if err := parseOnlyFlags(fs, args); err != nil {
		return err
	}
	kinds := prediction.Kinds
	if *kind != "" {
		if !slices.Contains(prediction.Kinds, *kind) {
			return fmt.Errorf("%w: -kind %q: want conflict_risk or win_probability", errUsage, *kind)
		}
		kinds = []string{*kind}
	}
	now, err := predictNow(*asOf)
	if err != nil {
		return err
	}
	return withStore(ctx, env, *db, func(st *sqlstore.Store) error {
		svc := predictionService(st, now)
		svc.Seed = *seed
		for _, k := range kinds {
			t, err := svc.Train(ctx, k, "cli", 0)
			if err != nil {
				return err
			}
			printTrained(env.Stdout, t)
		}
		return rescore(ctx, env, svc, kinds)
	})
}

func runPredictRescore(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "predict rescore", "[-db URL]\n\n"+predictRescoreHelp)
	db := databaseFlag(fs)
	asOf := fs.String("now", "", "score as of this date (2006-01-02; default today)")
	if err := parseOnlyFlags(fs, args); err != nil {
		return err
	}
	now, err := predictNow(*asOf)
	if err != nil {
		return err
	}
	return withStore(ctx, env, *db, func(st *sqlstore.Store) error {
		return rescore(ctx, env, predictionService(st, now), prediction.Kinds)
	})
}

func predictNow(s string) (func() time.Time, error) {
	if s == "" {
		return time.Now, nil
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return nil, fmt.Errorf("%w: -now %q is not a date like 2026-11-15", errUsage, s)
	}
	return func() time.Time { return t }, nil
}

func predictionService(st *sqlstore.Store, now func() time.Time) *prediction.Service {
	svc := prediction.NewService(st, now, nil)
	svc.Thresholds = prediction.ActiveThresholds(st)
	return svc
}

func rescore(ctx context.Context, env *Env, svc *prediction.Service, kinds []string) error {
	var errs []error
	for _, k := range kinds {
		n, err := svc.Score(ctx, k)
		if err != nil {
			errs = append(errs, err)
		}
		fmt.Fprintf(env.Stdout, "%s: scored %d open %s records\n", k, n, sqlstore.PredictionEntityOf(k))
	}
	return errors.Join(errs...)
}

func printTrained(w io.Writer, t *prediction.Trained) {
	v, m := t.Version, t.Metrics
	state := "promoted"
	if !t.Promotion.Promote {
		state = "not promoted"
	}
	fmt.Fprintf(w, "%s: version %d (%s) on %d examples, trained %s to %s, held out %s to %s\n", v.Kind, v.ID,
		shortVersion(v.Version), v.Examples, predictDay(v.TrainFrom), predictDay(v.TrainTo), predictDay(v.TestFrom), predictDay(v.TestTo))
	fmt.Fprintf(w, "  held-out AUC %.4f (naive Bayes %.4f), Brier %.4f, calibration error %.4f, positive rate %.3f on %d rows\n",
		m.Test.AUC, m.Baseline.AUC, m.Test.Brier, m.Test.CalibrationError, m.Test.PositiveRate, m.Test.Rows)
	fmt.Fprintf(w, "  %s: %s\n", state, t.Promotion.Reason)
	if len(m.Importance) > 0 {
		top := m.Importance[:min(3, len(m.Importance))]
		fmt.Fprintf(w, "  strongest features:")
		for _, im := range top {
			fmt.Fprintf(w, " %s (%.3f)", im.Feature, im.MeanAbsLogOdds)
		}
		fmt.Fprintln(w)
	}
}

func shortVersion(v string) string { return v[:min(12, len(v))] }

func predictDay(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Format("2006-01-02")
}
