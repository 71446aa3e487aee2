package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/tandem-revops/tandem/internal/predict"
)

// predictTrainHelp and predictScoreHelp explain each subcommand; predict -h shows both.
const (
	predictTrainHelp = `train learns the probability that COLUMN equals VALUE from the other columns of FILE.csv (numbers and
categories are told apart automatically; empty values are allowed and count as missing), writes the
model file OUT (JSON: version, training rows and windows, features and their encodings,
hyper-parameters, seed, held-out metrics) and prints the held-out AUC, Brier score and reliability
against a naive Bayes baseline (and a logistic regression on the same features). Held out: 20% of the
rows for calibration and early stopping and 20% for the test, drawn with --seed (rows sharing an id
stay together), or with --time the latest rows (training rows are always earlier).`

	predictScoreHelp = `score prints one JSON object per row of FILE.csv, in order: {"id", "probability", "reasons"}, where
reasons are the largest contributions to that row's probability as short phrases. FILE.csv needs the
model's id column and every column the model uses (empty values count as missing; column names match
in any case); other columns are ignored. Nothing is printed if any row cannot be scored.`

	predictSynopsis = `train|score [flags]

  tandem predict train --data FILE.csv --target COLUMN --positive VALUE --id COLUMN --model OUT
  tandem predict score --model OUT --data FILE.csv
  tandem predict retrain [-db URL] [-kind KIND]     (on the database's history)
  tandem predict rescore [-db URL]

` + predictTrainHelp + "\n\n" + predictScoreHelp
)

func runPredict(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintf(env.Stderr, "Usage: tandem predict %s\n\nRun 'tandem predict train -h' or 'tandem predict score -h' for the flags.\n", predictSynopsis)
		if len(args) == 0 {
			return fmt.Errorf("%w: say train or score", errUsage)
		}
		return flag.ErrHelp
	}
	return verbCommand{name: "predict", hint: "train, score, retrain or rescore", verbs: []subcommand{
		{"train", runPredictTrain},
		{"score", runPredictScore},
		{"retrain", runPredictRetrain},
		{"rescore", runPredictRescore},
	}}.runVerb(ctx, env, args[0], args[1:])
}

func runPredictTrain(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "predict train", "--data FILE.csv --target COLUMN --positive VALUE --id COLUMN --model OUT [flags]\n\n"+predictTrainHelp)
	data := fs.String("data", "", "the training CSV, header line first (required)")
	target := fs.String("target", "", "the outcome column (required)")
	positive := fs.String("positive", "", "the outcome value to predict; every other value counts as negative (required)")
	id := fs.String("id", "", "the identifier column, never used as a feature (required)")
	out := fs.String("model", "", "where to write the model file (required)")
	drop := fs.String("drop", "", "comma-separated columns not to use, e.g. ones only known after the outcome")
	timeCol := fs.String("time", "", "column holding when each prediction is made (2006-01-02 or RFC 3339): hold out the latest rows instead of random ones; never used as a feature")
	asOf := fs.String("as-of", "", "comma-separated FEATURE=COLUMN pairs: COLUMN holds when FEATURE's value became known; training is refused if it is after the --time value (needs --time)")
	seed := fs.Uint64("seed", 1, "seed for the held-out split and the row sampling; the same data and seed give the same model")
	params := predict.DefaultParams()
	fs.IntVar(&params.MaxTrees, "max-trees", params.MaxTrees, "most trees to grow (early stopping usually ends sooner)")
	fs.Float64Var(&params.LearningRate, "learning-rate", params.LearningRate, "shrinkage of each tree")
	fs.IntVar(&params.MaxDepth, "max-depth", params.MaxDepth, "depth of each tree")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	for _, req := range []struct{ name, value string }{{"data", *data}, {"target", *target}, {"positive", *positive}, {"id", *id}, {"model", *out}} {
		if req.value == "" {
			return fmt.Errorf("%w: --%s is required", errUsage, req.name)
		}
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	spec := predict.ExampleSpec{Target: *target, Positive: *positive, ID: *id, Drop: splitList(*drop), Time: *timeCol}
	if *asOf != "" {
		spec.AsOf = map[string]string{}
		for _, pair := range splitList(*asOf) {
			feature, col, ok := strings.Cut(pair, "=")
			if !ok || strings.TrimSpace(feature) == "" || strings.TrimSpace(col) == "" {
				return fmt.Errorf("%w: --as-of wants FEATURE=COLUMN pairs, not %q", errUsage, pair)
			}
			spec.AsOf[strings.TrimSpace(feature)] = strings.TrimSpace(col)
		}
		if *timeCol == "" {
			return fmt.Errorf("%w: --as-of needs --time", errUsage)
		}
	}
	table, err := readTable(*data)
	if err != nil {
		return err
	}
	examples, err := table.Examples(spec)
	if err != nil {
		return err
	}
	model, err := predict.Train(ctx, examples, predict.Config{
		Target: *target, Positive: *positive, IDColumn: *id, TimeColumn: *timeCol, Dropped: spec.Drop,
		Params: params, Seed: *seed, Features: featureOrder(table.Header, spec),
	})
	if err != nil {
		return fmt.Errorf("%s: %w", *data, err)
	}
	if err := writeModel(*out, model); err != nil {
		return err
	}
	printTrainingReport(env.Stdout, *out, model)
	return nil
}

// featureOrder is the file's column order less the target, id, time, as-of and dropped columns, so the
// model file lists features as the CSV does.
func featureOrder(header []string, spec predict.ExampleSpec) []string {
	skip := map[string]bool{strings.ToLower(spec.Target): true, strings.ToLower(spec.ID): true, strings.ToLower(spec.Time): true}
	for _, d := range spec.Drop {
		skip[strings.ToLower(d)] = true
	}
	for _, c := range spec.AsOf {
		skip[strings.ToLower(c)] = true
	}
	var out []string
	for _, h := range header {
		if !skip[strings.ToLower(h)] {
			out = append(out, h)
		}
	}
	return out
}

func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

func readTable(path string) (*predict.Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return predict.ReadCSV(path, f)
}

// writeModel writes the model next to path and renames it into place, so a failure leaves no
// half-written model behind.
func writeModel(path string, m *predict.Model) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("writing the model: %w", err)
	}
	w := bufio.NewWriter(tmp)
	err = m.Encode(w)
	if err == nil {
		err = w.Flush()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("writing the model to %s: %w", path, err)
	}
	return nil
}

func printTrainingReport(w io.Writer, path string, m *predict.Model) {
	tr, test, base := m.Training, m.Metrics.Test, m.Metrics.Baseline
	fmt.Fprintf(w, "model %s written to %s\n", m.Version, path)
	fmt.Fprintf(w, "rows: %d (train %d, calibration %d, test %d; %s split, seed %d)\n",
		tr.Rows, tr.TrainRows, tr.CalibrationRows, tr.TestRows, tr.Split, m.Seed)
	if tr.TestWindow != nil {
		fmt.Fprintf(w, "windows: train %s to %s, test %s to %s\n", tr.TrainWindow.From.Format("2006-01-02"),
			tr.TrainWindow.To.Format("2006-01-02"), tr.TestWindow.From.Format("2006-01-02"), tr.TestWindow.To.Format("2006-01-02"))
	}
	var feats []string
	for _, f := range m.Features {
		feats = append(feats, fmt.Sprintf("%s (%s)", f.Name, f.Kind))
	}
	fmt.Fprintf(w, "features: %s\n", strings.Join(feats, ", "))
	for _, s := range m.Skipped {
		fmt.Fprintf(w, "skipped: %s: %s\n", s.Name, s.Reason)
	}
	fmt.Fprintf(w, "trees: %d kept of %d grown\n", tr.TreesKept, tr.TreesTried)
	var imp []string
	for _, i := range m.Metrics.Importance {
		imp = append(imp, fmt.Sprintf("%s %.3f", i.Feature, i.MeanAbsLogOdds))
	}
	fmt.Fprintf(w, "importance (mean |log-odds| on the test part): %s\n", strings.Join(imp, ", "))
	fmt.Fprintf(w, "held-out AUC %.4f  Brier %.4f  log loss %.4f  calibration error %.4f  (positive rate %.3f)\n",
		test.AUC, test.Brier, test.LogLoss, test.CalibrationError, test.PositiveRate)
	fmt.Fprintf(w, "baseline (naive Bayes) AUC %.4f  Brier %.4f  log loss %.4f  calibration error %.4f\n",
		base.AUC, base.Brier, base.LogLoss, base.CalibrationError)
	lr := m.Metrics.Logistic
	fmt.Fprintf(w, "comparison (logistic regression on the same bins) AUC %.4f  Brier %.4f  log loss %.4f\n", lr.AUC, lr.Brier, lr.LogLoss)
	fmt.Fprintln(w, "reliability (held-out): band  rows  predicted  observed")
	for _, b := range test.Reliability {
		fmt.Fprintf(w, "  %.1f-%.1f %6d  %.3f  %.3f\n", b.From, b.To, b.Count, b.MeanPredicted, b.ObservedRate)
	}
}

// scoredRow is one line of score's output: the exact contract of the issue.
type scoredRow struct {
	ID          string   `json:"id"`
	Probability float64  `json:"probability"`
	Reasons     []string `json:"reasons"`
}

func runPredictScore(_ context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "predict score", "--model OUT --data FILE.csv\n\n"+predictScoreHelp)
	modelPath := fs.String("model", "", "the model file written by 'tandem predict train' (required)")
	data := fs.String("data", "", "the CSV of rows to score, with the model's id column (required)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *modelPath == "" || *data == "" {
		return fmt.Errorf("%w: --model and --data are required", errUsage)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	mf, err := os.Open(*modelPath)
	if err != nil {
		return err
	}
	model, err := predict.Decode(*modelPath, bufio.NewReader(mf))
	mf.Close()
	if err != nil {
		return err
	}
	table, err := readTable(*data)
	if err != nil {
		return err
	}
	ids, lines, records, err := table.Records(model.IDColumn, model.FeatureNames())
	if err != nil {
		return err
	}
	// Everything is scored before anything is printed: a bad row fails the command with no output.
	var buf strings.Builder
	enc := json.NewEncoder(&buf)
	for i, rec := range records {
		p, err := model.Score(rec)
		if err != nil {
			var ve *predict.ValueError
			if errors.As(err, &ve) {
				return &predict.LineError{File: *data, Line: lines[i], Column: ve.Feature, Reason: ve.Reason}
			}
			return fmt.Errorf("%s: line %d: %w", *data, lines[i], err)
		}
		if err := enc.Encode(scoredRow{ID: ids[i], Probability: p.Probability, Reasons: p.Reasons}); err != nil {
			return err
		}
	}
	_, err = io.WriteString(env.Stdout, buf.String())
	return err
}
