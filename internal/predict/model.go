package predict

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"

	"gonum.org/v1/gonum/optimize"
)

// FormatVersion is the version of the model file layout this package writes and reads.
const FormatVersion = 1

// MinExamples is the fewest examples Train accepts: below it the held-out parts are too small to say
// anything.
const MinExamples = 50

// Config is what a training run is told besides the examples.
type Config struct {
	// Provenance, recorded in the model: which column was the outcome, which value counted as positive,
	// the id column, dropped columns and the time column (if the split was by time).
	Target, Positive, IDColumn, TimeColumn string
	Dropped                                []string
	Params                                 Params
	Seed                                   uint64
	// Features, when set, are the only fields used, in this order; otherwise every field name seen in
	// the examples, sorted.
	Features []string
}

// Platt maps the trees' raw log-odds z to calibrated log-odds A·z + B (fitted on the calibration part).
type Platt struct {
	A float64 `json:"a"`
	B float64 `json:"b"`
}

// TrainingInfo says what the model was trained on.
type TrainingInfo struct {
	Rows              int     `json:"rows"`
	TrainRows         int     `json:"train_rows"`
	CalibrationRows   int     `json:"calibration_rows"`
	TestRows          int     `json:"test_rows"`
	Split             string  `json:"split"` // "random" (seeded) or "time" (later rows held out)
	TrainWindow       *Window `json:"train_window,omitempty"`
	CalibrationWindow *Window `json:"calibration_window,omitempty"`
	TestWindow        *Window `json:"test_window,omitempty"`
	TreesTried        int     `json:"trees_tried"`
	TreesKept         int     `json:"trees_kept"`
}

// Metrics are measured on the test part, which neither the trees nor the calibration saw.
type Metrics struct {
	Test     Evaluation `json:"test"`
	Baseline Evaluation `json:"baseline_naive_bayes"`
	// Logistic is L2-regularised logistic regression on the same binned features, trained on the
	// training part: the additive model the trees must beat to be worth their interactions.
	Logistic Evaluation `json:"comparison_logistic_regression"`
	// Importance is each feature's mean absolute contribution to the calibrated log-odds over the test
	// part, largest first: what the model leans on overall.
	Importance []Importance `json:"importance"`
}

// Importance is one feature's mean absolute contribution.
type Importance struct {
	Feature        string  `json:"feature"`
	MeanAbsLogOdds float64 `json:"mean_abs_log_odds"`
}

// importance averages |contribution| per feature over rows, scaled by the calibration's slope.
func importance(features []Feature, trees []Tree, x [][]uint8, rows []int32, a float64) []Importance {
	total := make([]float64, len(features))
	contrib := make([]float64, len(features))
	row := make([]uint8, len(features))
	for _, r := range rows {
		for f := range x {
			row[f] = x[f][r]
		}
		clear(contrib)
		for t := range trees {
			trees[t].contribute(row, contrib)
		}
		for f, c := range contrib {
			total[f] += math.Abs(a * c)
		}
	}
	out := make([]Importance, len(features))
	for f := range features {
		out[f] = Importance{Feature: features[f].Name, MeanAbsLogOdds: total[f] / float64(max(len(rows), 1))}
	}
	slices.SortStableFunc(out, func(p, q Importance) int { return cmp.Compare(q.MeanAbsLogOdds, p.MeanAbsLogOdds) })
	return out
}

// Model is a trained, calibrated, explainable classifier; it is what the model file holds.
type Model struct {
	Format     int             `json:"format"`
	Version    string          `json:"version"` // a digest of everything else: equal models, equal versions
	Method     string          `json:"method"`
	Target     string          `json:"target"`
	Positive   string          `json:"positive"`
	IDColumn   string          `json:"id_column"`
	TimeColumn string          `json:"time_column,omitempty"`
	Dropped    []string        `json:"dropped,omitempty"`
	Skipped    []SkippedColumn `json:"skipped,omitempty"`
	Training   TrainingInfo    `json:"training"`
	Seed       uint64          `json:"seed"`
	Params     Params          `json:"hyper_parameters"`
	Features   []Feature       `json:"features"`
	Metrics    Metrics         `json:"metrics"`
	Platt      Platt           `json:"calibration"`
	Base       float64         `json:"base_log_odds"`
	Trees      []Tree          `json:"trees"`
}

// Train fits a model to the examples. With times on the examples the held-out parts are the latest
// (see TimeParts) and leaking features are refused (see CheckLeaks); without, they are drawn with the
// seed. The same examples, config and seed give the same model, byte for byte. Cancelling ctx stops
// training between trees with ctx's error.
func Train(ctx context.Context, examples []Example, cfg Config) (*Model, error) {
	if err := cfg.Params.Validate(); err != nil {
		return nil, fmt.Errorf("hyper-parameters: %w", err)
	}
	if len(examples) < MinExamples {
		return nil, fmt.Errorf("%d examples are too few to train and hold out a test part: at least %d are needed", len(examples), MinExamples)
	}
	timed := 0
	for _, ex := range examples {
		if !ex.At.IsZero() {
			timed++
		}
	}
	var parts Parts
	split := "random"
	switch {
	case timed == len(examples):
		var err error
		if parts, err = TimeParts(examples); err != nil {
			return nil, err
		}
		split = "time"
	case timed > 0:
		return nil, fmt.Errorf("%d of %d examples have a time: give every example one or none", timed, len(examples))
	default:
		parts = randomParts(examples, cfg.Seed)
	}
	y := make([]bool, len(examples))
	for i, ex := range examples {
		y[i] = ex.Positive
	}
	for _, p := range []struct {
		name string
		rows []int32
	}{{"training", parts.Train}, {"calibration", parts.Calibration}, {"test", parts.Test}} {
		if !bothClasses(y, p.rows) {
			return nil, fmt.Errorf("the %s part (%d rows) holds only one outcome: more examples of the rarer outcome are needed", p.name, len(p.rows))
		}
	}

	names := cfg.Features
	if len(names) == 0 {
		seen := map[string]bool{}
		for _, ex := range examples {
			for k := range ex.Fields {
				seen[k] = true
			}
		}
		names = slices.Sorted(maps.Keys(seen))
	}
	use := make(map[string]bool, len(names))
	for _, n := range names {
		use[n] = true
	}
	if err := checkLeaks(examples, use); err != nil {
		return nil, err
	}
	features, skipped := inferFeatures(names, examples, parts.Train)
	if len(features) == 0 {
		return nil, fmt.Errorf("no usable feature: %s", describeSkipped(skipped))
	}
	x, nbins, kinds, err := encode(features, examples)
	if err != nil {
		return nil, err
	}

	var npos float64
	for _, r := range parts.Train {
		if y[r] {
			npos++
		}
	}
	base := math.Log(npos / (float64(len(parts.Train)) - npos))
	trees, tried, err := boost(ctx, x, nbins, kinds, y, parts.Train, parts.Calibration, base, cfg.Params, cfg.Seed)
	if err != nil {
		return nil, fmt.Errorf("training: %w", err)
	}

	raw := func(rows []int32) []float64 {
		z := make([]float64, len(rows))
		for i, r := range rows {
			z[i] = base
			for t := range trees {
				z[i] += trees[t].leafValueCol(x, int(r))
			}
		}
		return z
	}
	platt, err := fitPlatt(raw(parts.Calibration), pick(y, parts.Calibration))
	if err != nil {
		return nil, err
	}
	testZ := raw(parts.Test)
	testY := pick(y, parts.Test)
	probs := make([]float64, len(testZ))
	for i, z := range testZ {
		probs[i] = sigmoid(platt.A*z + platt.B)
	}
	nb := trainNaiveBayes(x, nbins, y, parts.Train)
	nbProbs := make([]float64, len(parts.Test))
	for i, r := range parts.Test {
		nbProbs[i] = sigmoid(nb.logOdds(x, r))
	}

	lr, err := trainLogistic(x, nbins, y, parts.Train)
	if err != nil {
		return nil, err
	}
	lrProbs := make([]float64, len(parts.Test))
	for i, r := range parts.Test {
		lrProbs[i] = sigmoid(lr.logOdds(x, r))
	}

	m := &Model{
		Format: FormatVersion, Method: "gradient-boosted trees, Platt-calibrated; naive Bayes baseline",
		Target: cfg.Target, Positive: cfg.Positive, IDColumn: cfg.IDColumn, TimeColumn: cfg.TimeColumn,
		Dropped: cfg.Dropped, Skipped: skipped, Seed: cfg.Seed, Params: cfg.Params, Features: features,
		Training: TrainingInfo{
			Rows: len(examples), TrainRows: len(parts.Train), CalibrationRows: len(parts.Calibration),
			TestRows: len(parts.Test), Split: split, TreesTried: tried, TreesKept: len(trees),
		},
		Metrics: Metrics{
			Test: Evaluate(probs, testY), Baseline: Evaluate(nbProbs, testY), Logistic: Evaluate(lrProbs, testY),
			Importance: importance(features, trees, x, parts.Test, platt.A),
		},
		Platt: platt, Base: base, Trees: trees,
	}
	if split == "time" {
		m.Training.TrainWindow = window(examples, parts.Train)
		m.Training.CalibrationWindow = window(examples, parts.Calibration)
		m.Training.TestWindow = window(examples, parts.Test)
	}
	if m.Version, err = m.digest(); err != nil {
		return nil, err
	}
	return m, nil
}

func bothClasses(y []bool, rows []int32) bool {
	var pos, neg bool
	for _, r := range rows {
		if y[r] {
			pos = true
		} else {
			neg = true
		}
	}
	return pos && neg
}

func pick(y []bool, rows []int32) []bool {
	out := make([]bool, len(rows))
	for i, r := range rows {
		out[i] = y[r]
	}
	return out
}

func describeSkipped(s []SkippedColumn) string {
	if len(s) == 0 {
		return "the examples have no fields"
	}
	var out string
	for i, c := range s {
		if i > 0 {
			out += "; "
		}
		out += fmt.Sprintf("%q %s", c.Name, c.Reason)
	}
	return out
}

// encode bins every example's fields, column-major.
func encode(features []Feature, examples []Example) ([][]uint8, []int, []Kind, error) {
	x := make([][]uint8, len(features))
	nbins := make([]int, len(features))
	kinds := make([]Kind, len(features))
	for f := range features {
		feat := &features[f]
		nbins[f], kinds[f] = feat.numBins(), feat.Kind
		x[f] = make([]uint8, len(examples))
		for r, ex := range examples {
			b, err := feat.bin(ex.Fields[feat.Name])
			if err != nil {
				return nil, nil, nil, fmt.Errorf("example %s: %w", describeExample(ex), err)
			}
			x[f][r] = b
		}
	}
	return x, nbins, kinds, nil
}

// fitPlatt finds A, B minimising the log loss of sigmoid(A·z + B), by L-BFGS from the identity map.
func fitPlatt(z []float64, y []bool) (Platt, error) {
	loss := func(w []float64) float64 {
		var s float64
		for i := range z {
			s += logLoss(sigmoid(w[0]*z[i]+w[1]), y[i])
		}
		return s / float64(len(z))
	}
	grad := func(g, w []float64) {
		g[0], g[1] = 0, 0
		for i := range z {
			d := sigmoid(w[0]*z[i] + w[1])
			if y[i] {
				d--
			}
			g[0] += d * z[i]
			g[1] += d
		}
		g[0] /= float64(len(z))
		g[1] /= float64(len(z))
	}
	start := []float64{1, 0}
	res, err := optimize.Minimize(optimize.Problem{Func: loss, Grad: grad}, start, nil, &optimize.LBFGS{})
	// A line search that cannot improve any further ends with an error but with its best point, which
	// is kept when it is no worse than the identity map (the trees are close to calibrated already).
	if res == nil || math.IsNaN(res.F) || math.IsNaN(res.X[0]) || math.IsNaN(res.X[1]) || res.F > loss(start) {
		if err == nil {
			err = fmt.Errorf("no improvement")
		}
		return Platt{}, fmt.Errorf("calibration: %w", err)
	}
	return Platt{A: res.X[0], B: res.X[1]}, nil
}

// digest is the version: a hash of the model's JSON with the version left empty.
func (m *Model) digest() (string, error) {
	c := *m
	c.Version = ""
	b, err := json.Marshal(&c)
	if err != nil {
		return "", fmt.Errorf("model digest: %w", err)
	}
	sum := sha256.Sum256(b)
	return "m-" + hex.EncodeToString(sum[:6]), nil
}

// Encode writes the model file (JSON).
func (m *Model) Encode(w io.Writer) error {
	if err := json.NewEncoder(w).Encode(m); err != nil {
		return fmt.Errorf("writing the model: %w", err)
	}
	return nil
}

// Decode reads and checks a model file; name is used in error messages.
func Decode(name string, r io.Reader) (*Model, error) {
	var m Model
	dec := json.NewDecoder(r)
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%s: not a model file: %w", name, err)
	}
	if m.Format != FormatVersion {
		return nil, fmt.Errorf("%s: model format %d, this version of tandem reads format %d", name, m.Format, FormatVersion)
	}
	if err := m.check(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	for i := range m.Features {
		if m.Features[i].Kind == Categorical {
			m.Features[i].index()
		}
	}
	return &m, nil
}

// check makes sure a decoded model cannot make Score index out of range.
func (m *Model) check() error {
	if len(m.Features) == 0 {
		return fmt.Errorf("the model has no features")
	}
	for _, f := range m.Features {
		if f.Kind != Numeric && f.Kind != Categorical {
			return fmt.Errorf("feature %q has unknown kind %q", f.Name, f.Kind)
		}
		if f.numBins() > 64 {
			return fmt.Errorf("feature %q has %d bins, at most 64 are allowed", f.Name, f.numBins())
		}
		if !slices.IsSorted(f.Edges) {
			return fmt.Errorf("feature %q: bin edges out of order", f.Name)
		}
	}
	for t, tr := range m.Trees {
		if len(tr.Nodes) == 0 {
			return fmt.Errorf("tree %d is empty", t)
		}
		for i, n := range tr.Nodes {
			if n.Feature < 0 {
				continue
			}
			if n.Feature >= len(m.Features) || int(n.Yes) <= i || int(n.No) <= i || int(n.Yes) >= len(tr.Nodes) || int(n.No) >= len(tr.Nodes) {
				return fmt.Errorf("tree %d node %d points outside the model", t, i)
			}
		}
	}
	return nil
}

// FeatureNames returns the names of the columns the model reads, in order.
func (m *Model) FeatureNames() []string {
	out := make([]string, len(m.Features))
	for i, f := range m.Features {
		out[i] = f.Name
	}
	return out
}

// Contribution is how much one feature's value moved one prediction's calibrated log-odds.
type Contribution struct {
	Feature string  `json:"feature"`
	Value   string  `json:"value"`
	LogOdds float64 `json:"log_odds"`
}

// Prediction is a calibrated probability with its explanation. Base plus the contributions equals
// the calibrated log-odds of Probability.
type Prediction struct {
	Probability   float64        `json:"probability"`
	Base          float64        `json:"base_log_odds"`
	Contributions []Contribution `json:"contributions"` // largest effect first
	Reasons       []string       `json:"reasons"`
}

// ReasonCount is how many reasons a prediction gives at most; ReasonMinLogOdds is the least effect
// worth naming (about a 1% change in the odds).
const (
	ReasonCount      = 3
	ReasonMinLogOdds = 0.01
)

// ValueError is a field value the model cannot read.
type ValueError struct {
	Feature string
	Reason  string
}

func (e *ValueError) Error() string { return fmt.Sprintf("column %q: %s", e.Feature, e.Reason) }

// Score predicts one record and explains it. Fields the model does not use are ignored; a field it
// uses that is absent counts as missing. A numeric feature holding a non-number is a *ValueError.
func (m *Model) Score(r Record) (Prediction, error) {
	row := make([]uint8, len(m.Features))
	for f := range m.Features {
		b, err := m.Features[f].bin(r[m.Features[f].Name])
		if err != nil {
			return Prediction{}, &ValueError{Feature: m.Features[f].Name, Reason: err.Error()}
		}
		row[f] = b
	}
	contrib := make([]float64, len(m.Features))
	z := m.Base
	for t := range m.Trees {
		z += m.Trees[t].contribute(row, contrib)
	}
	p := Prediction{Base: m.Platt.A*z + m.Platt.B}
	total := p.Base
	for f, c := range contrib {
		c *= m.Platt.A
		total += c
		if c != 0 {
			p.Contributions = append(p.Contributions, Contribution{Feature: m.Features[f].Name, Value: r[m.Features[f].Name], LogOdds: c})
		}
	}
	p.Probability = sigmoid(total)
	slices.SortStableFunc(p.Contributions, func(a, b Contribution) int {
		return cmp.Compare(math.Abs(b.LogOdds), math.Abs(a.LogOdds))
	})
	p.Reasons = []string{}
	for _, c := range p.Contributions {
		if len(p.Reasons) == ReasonCount || math.Abs(c.LogOdds) < ReasonMinLogOdds {
			break
		}
		p.Reasons = append(p.Reasons, m.reason(c))
	}
	return p, nil
}

// reason phrases a contribution: "Route To Market = Reseller raises the odds".
func (m *Model) reason(c Contribution) string {
	var desc string
	for i := range m.Features {
		if m.Features[i].Name == c.Feature {
			desc = m.Features[i].describe(c.Value)
		}
	}
	if c.LogOdds > 0 {
		return desc + " raises the odds"
	}
	return desc + " lowers the odds"
}
