package predict

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"
)

// synthetic makes n examples whose true log-odds are known:
//
//	z = -1 + 0.05·(amount-50) + {north: +1.2, south: -1.2, east: 0, west: 0}[region] - 0.8·[tier missing]
//
// and "noise" carries nothing. It returns the examples and each one's true probability.
func synthetic(n int, seed uint64) ([]Example, []float64) {
	rng := rand.New(rand.NewPCG(seed, 99))
	regions := []string{"north", "south", "east", "west"}
	effect := map[string]float64{"north": 1.2, "south": -1.2}
	ex := make([]Example, n)
	truth := make([]float64, n)
	for i := range ex {
		amount := rng.Float64() * 100
		region := regions[rng.IntN(len(regions))]
		tier := []string{"gold", "silver", ""}[rng.IntN(3)]
		z := -1 + 0.05*(amount-50) + effect[region]
		if tier == "" {
			z -= 0.8
		}
		p := sigmoid(z)
		truth[i] = p
		ex[i] = Example{
			ID: fmt.Sprintf("E-%d", i), Positive: rng.Float64() < p,
			Fields: Record{
				"amount": strconv.FormatFloat(amount, 'f', 2, 64), "region": region, "tier": tier,
				"noise": strconv.FormatFloat(rng.NormFloat64(), 'f', 3, 64),
			},
		}
	}
	return ex, truth
}

func quickParams() Params {
	p := DefaultParams()
	p.MaxTrees = 300
	p.LearningRate = 0.1
	p.MaxDepth = 3
	return p
}

// heldOutTruth is the AUC the true probabilities reach on the model's test part: the best any model can.
func heldOutTruth(t *testing.T, m *Model, ex []Example, truth []float64) float64 {
	t.Helper()
	if m.Training.Split != "random" {
		t.Fatalf("split %q", m.Training.Split)
	}
	parts := randomParts(ex, m.Seed)
	var p []float64
	var y []bool
	for _, r := range parts.Test {
		p = append(p, truth[r])
		y = append(y, ex[r].Positive)
	}
	return AUC(p, y)
}

func TestModelFindsTheKnownSignal(t *testing.T) {
	t.Parallel()
	ex, truth := synthetic(20000, 1)
	m, err := Train(context.Background(), ex, Config{Params: quickParams(), Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	best := heldOutTruth(t, m, ex, truth)
	got := m.Metrics.Test.AUC
	t.Logf("held-out AUC %.4f, Bayes-optimal %.4f, naive Bayes %.4f, logistic %.4f, Brier %.4f", got, best, m.Metrics.Baseline.AUC, m.Metrics.Logistic.AUC, m.Metrics.Test.Brier)
	if lr := m.Metrics.Logistic.AUC; lr < best-0.015 {
		t.Errorf("logistic regression AUC %.4f on an additive signal, want within 0.015 of %.4f", lr, best)
	}
	if got < best-0.015 || got > best+0.01 {
		t.Errorf("held-out AUC %.4f, want within 0.015 of the Bayes-optimal %.4f", got, best)
	}
	// Calibration: each well-populated reliability band predicts what happened, within three standard
	// errors of the observed rate (plus a little for the band's width).
	for _, b := range m.Metrics.Test.Reliability {
		se := math.Sqrt(b.MeanPredicted * (1 - b.MeanPredicted) / float64(b.Count))
		if b.Count >= 100 && math.Abs(b.MeanPredicted-b.ObservedRate) > 3*se+0.02 {
			t.Errorf("band %.1f–%.1f: predicted %.3f, observed %.3f over %d rows", b.From, b.To, b.MeanPredicted, b.ObservedRate, b.Count)
		}
	}
	if imp := m.Metrics.Importance; len(imp) != 4 || imp[3].Feature != "noise" {
		t.Errorf("importance %+v: want noise last of four", imp)
	}
	kinds := map[string]Kind{}
	for _, f := range m.Features {
		kinds[f.Name] = f.Kind
	}
	if kinds["amount"] != Numeric || kinds["region"] != Categorical || kinds["tier"] != Categorical || kinds["noise"] != Numeric {
		t.Errorf("kinds = %v", kinds)
	}

	// Contributions have the true signs, and the noise column matters least.
	tests := []struct {
		name    string
		rec     Record
		feature string
		sign    float64
	}{
		{"north raises", Record{"amount": "50", "region": "north", "tier": "gold", "noise": "0"}, "region", +1},
		{"south lowers", Record{"amount": "50", "region": "south", "tier": "gold", "noise": "0"}, "region", -1},
		{"large amount raises", Record{"amount": "95", "region": "east", "tier": "gold", "noise": "0"}, "amount", +1},
		{"small amount lowers", Record{"amount": "4", "region": "east", "tier": "gold", "noise": "0"}, "amount", -1},
		{"missing tier lowers", Record{"amount": "50", "region": "east", "tier": "", "noise": "0"}, "tier", -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := m.Score(tc.rec)
			if err != nil {
				t.Fatal(err)
			}
			c := contributionOf(p, tc.feature)
			if c*tc.sign <= 0.1 {
				t.Errorf("%s contributes %.3f, want sign %+.0f and size > 0.1 (contributions %+v)", tc.feature, c, tc.sign, p.Contributions)
			}
			if n := contributionOf(p, "noise"); math.Abs(n) >= math.Abs(c) {
				t.Errorf("noise contributes %.3f, as much as %s %.3f", n, tc.feature, c)
			}
			// The contributions add up to the calibrated log-odds.
			sum := p.Base
			for _, c := range p.Contributions {
				sum += c.LogOdds
			}
			if math.Abs(sigmoid(sum)-p.Probability) > 1e-9 {
				t.Errorf("base + contributions give %.6f, probability %.6f", sigmoid(sum), p.Probability)
			}
			if len(p.Reasons) == 0 || !strings.HasPrefix(p.Reasons[0], p.Contributions[0].Feature) {
				t.Errorf("reasons %q do not lead with the largest contribution %+v", p.Reasons, p.Contributions[0])
			}
		})
	}
	p, _ := m.Score(Record{"amount": "50", "region": "north", "tier": "gold", "noise": "0"})
	if !containsString(p.Reasons, "region = north raises the odds") {
		t.Errorf("reasons %q lack the region phrase", p.Reasons)
	}
	p, _ = m.Score(Record{"amount": "3", "region": "east", "tier": "gold", "noise": "0"})
	if !containsString(p.Reasons, "amount 3 lowers the odds") {
		t.Errorf("reasons %q lack the amount phrase", p.Reasons)
	}
}

func contributionOf(p Prediction, feature string) float64 {
	for _, c := range p.Contributions {
		if c.Feature == feature {
			return c.LogOdds
		}
	}
	return 0
}

func containsString(s []string, want string) bool {
	for _, x := range s {
		if x == want {
			return true
		}
	}
	return false
}

func TestShuffledTargetHasNoSignal(t *testing.T) {
	t.Parallel()
	ex, _ := synthetic(10000, 2)
	rng := rand.New(rand.NewPCG(5, 5))
	rng.Shuffle(len(ex), func(i, j int) { ex[i].Positive, ex[j].Positive = ex[j].Positive, ex[i].Positive })
	m, err := Train(context.Background(), ex, Config{Params: quickParams(), Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("shuffled target: held-out AUC %.4f, naive Bayes %.4f, trees kept %d", m.Metrics.Test.AUC, m.Metrics.Baseline.AUC, m.Training.TreesKept)
	if auc := m.Metrics.Test.AUC; auc < 0.45 || auc > 0.55 {
		t.Errorf("held-out AUC %.4f on a shuffled target, want about 0.5", auc)
	}
}

func TestTrainingIsDeterministic(t *testing.T) {
	t.Parallel()
	ex, _ := synthetic(3000, 4)
	encode := func(seed uint64) (string, []byte) {
		m, err := Train(context.Background(), ex, Config{Params: quickParams(), Seed: seed, Target: "won", Positive: "yes", IDColumn: "id"})
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := m.Encode(&b); err != nil {
			t.Fatal(err)
		}
		return m.Version, b.Bytes()
	}
	v1, a := encode(11)
	v2, b := encode(11)
	if v1 != v2 || !bytes.Equal(a, b) {
		t.Errorf("two trainings with seed 11 differ: versions %s and %s", v1, v2)
	}
	v3, _ := encode(12)
	if v3 == v1 {
		t.Errorf("seed 12 gave the same version %s as seed 11", v3)
	}
}

func TestModelFileRoundTrip(t *testing.T) {
	t.Parallel()
	ex, _ := synthetic(2000, 6)
	m, err := Train(context.Background(), ex, Config{Params: quickParams(), Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := m.Encode(&b); err != nil {
		t.Fatal(err)
	}
	back, err := Decode("model.json", &b)
	if err != nil {
		t.Fatal(err)
	}
	if back.Version != m.Version {
		t.Errorf("version %s after decoding, %s before", back.Version, m.Version)
	}
	if v, _ := back.digest(); v != m.Version {
		t.Errorf("decoded model digests to %s, not %s", v, m.Version)
	}
	for _, e := range ex[:50] {
		p1, err1 := m.Score(e.Fields)
		p2, err2 := back.Score(e.Fields)
		if err1 != nil || err2 != nil || p1.Probability != p2.Probability || strings.Join(p1.Reasons, "|") != strings.Join(p2.Reasons, "|") {
			t.Fatalf("%s: %v/%v before, %v/%v after decoding", e.ID, p1, err1, p2, err2)
		}
	}
	for _, bad := range []struct{ name, json, want string }{
		{"not json", "nope", "not a model file"},
		{"other format", `{"format": 9}`, "format 9"},
		{"node out of range", `{"format":1,"features":[{"name":"a","kind":"numeric","edges":[1]}],"trees":[{"nodes":[{"f":0,"l":"1","y":5,"n":6,"v":0}]}]}`, "points outside"},
		{"unknown kind", `{"format":1,"features":[{"name":"a","kind":"text"}]}`, "unknown kind"},
	} {
		if _, err := Decode("m.json", strings.NewReader(bad.json)); err == nil || !strings.Contains(err.Error(), bad.want) || !strings.Contains(err.Error(), "m.json") {
			t.Errorf("%s: error %v, want one naming m.json and %q", bad.name, err, bad.want)
		}
	}
}

func TestMixedAndMissingTypes(t *testing.T) {
	t.Parallel()
	const csv = "id,won,code,score,stage,blank,const\n"
	var b strings.Builder
	b.WriteString(csv)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 400 {
		code := strconv.Itoa(rng.IntN(5))
		if i%7 == 0 {
			code = "X" + code // one non-number turns the column categorical
		}
		score := strconv.Itoa(rng.IntN(100))
		if i%5 == 0 {
			score = "" // empty values stay numeric, as missing
		}
		stage := []string{"discover", "propose", ""}[rng.IntN(3)]
		won := "no"
		if rng.IntN(100) < 30+len(score) {
			won = "yes"
		}
		fmt.Fprintf(&b, "ID-%d,%s,%s,%s,%s,,same\n", i, won, code, score, stage)
	}
	table, err := ReadCSV("mixed.csv", strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	ex, err := table.Examples(ExampleSpec{Target: "won", Positive: "yes", ID: "id"})
	if err != nil {
		t.Fatal(err)
	}
	m, err := Train(context.Background(), ex, Config{Params: quickParams(), Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range m.Features {
		got[f.Name] = string(f.Kind)
		if f.Name == "score" && f.MissingRows == 0 {
			t.Error("score has no missing rows counted")
		}
	}
	for _, s := range m.Skipped {
		got[s.Name] = "skipped: " + s.Reason
	}
	want := map[string]string{
		"code": "categorical", "score": "numeric", "stage": "categorical",
		"blank": "skipped: always empty in the training rows", "const": "skipped: constant",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("column %s: %q, want %q", k, got[k], v)
		}
	}
	if _, err := m.Score(Record{"score": "abc"}); err == nil || !strings.Contains(err.Error(), `"abc" is not a number`) {
		t.Errorf("scoring a non-number: %v", err)
	}
	if p, err := m.Score(Record{"code": "never-seen", "stage": "new-stage"}); err != nil || p.Probability <= 0 || p.Probability >= 1 {
		t.Errorf("scoring unseen levels and missing numbers: %v, %v", p, err)
	}
}

func TestExamplesRefuseBadRows(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, csv string
		spec      ExampleSpec
		want      string
	}{
		{"empty outcome", "id,won,a\n1,yes,2\n2,,3\n", ExampleSpec{Target: "won", Positive: "yes", ID: "id"}, `f.csv: line 3: column "won": the outcome is empty`},
		{"empty id", "id,won,a\n1,yes,2\n,no,3\n", ExampleSpec{Target: "won", Positive: "yes", ID: "id"}, `f.csv: line 3: column "id": the id is empty`},
		{"no target column", "id,a\n1,2\n", ExampleSpec{Target: "won", Positive: "yes", ID: "id"}, `f.csv: line 1: no target column "won"`},
		{"positive never seen", "id,won,a\n1,no,2\n2,no,3\n", ExampleSpec{Target: "won", Positive: "yes", ID: "id"}, `never holds the positive value "yes" (it holds "no")`},
		{"bad time", "id,won,a,at\n1,yes,2,2026-01-01\n2,no,3,soon\n", ExampleSpec{Target: "won", Positive: "yes", ID: "id", Time: "at"}, `f.csv: line 3: column "at": "soon" is not a date`},
		{"short row", "id,won,a\n1,yes\n", ExampleSpec{Target: "won", Positive: "yes", ID: "id"}, `f.csv: line 2: column "a"`},
		{"duplicate header", "id,won,id\n1,yes,2\n", ExampleSpec{Target: "won", Positive: "yes", ID: "id"}, `f.csv: line 1: column "id" appears twice`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			table, err := ReadCSV("f.csv", strings.NewReader(tc.csv))
			if err == nil {
				_, err = table.Examples(tc.spec)
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// timed gives the synthetic examples one day each, in order, and a feature "closed_reason" that is
// the outcome itself, recorded when the deal closed (30 days after the prediction).
func timed(ex []Example, leakKnownAt bool) {
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range ex {
		ex[i].At = start.Add(time.Duration(i/10) * 24 * time.Hour) // ten examples share each day
		reason := "lost-on-price"
		if ex[i].Positive {
			reason = "signed"
		}
		ex[i].Fields["closed_reason"] = reason
		if leakKnownAt {
			ex[i].KnownAt = map[string]time.Time{"closed_reason": ex[i].At.Add(30 * 24 * time.Hour), "amount": ex[i].At}
		}
	}
}

func TestTimeSplitRefusesFutureDatedFeature(t *testing.T) {
	t.Parallel()
	ex, _ := synthetic(2000, 8)
	timed(ex, true)
	_, err := Train(context.Background(), ex, Config{Params: quickParams(), Seed: 1})
	var leak *LeakError
	if !errors.As(err, &leak) {
		t.Fatalf("Train accepted a feature known 30 days after the prediction: err = %v", err)
	}
	if len(leak.Features) != 1 || leak.Features[0].Feature != "closed_reason" || leak.Features[0].Rows != 2000 {
		t.Errorf("leaks = %+v, want closed_reason on 2000 rows only", leak.Features)
	}
	if !strings.Contains(err.Error(), "E-0 predicted at 2025-01-01T00:00:00Z, known at 2025-01-31T00:00:00Z") {
		t.Errorf("error %q does not name the first offending example", err)
	}

	// A leaking field the model is not told to use does not stop training.
	if _, err := Train(context.Background(), ex, Config{Params: quickParams(), Seed: 1, Features: []string{"amount", "region", "tier", "noise"}}); err != nil {
		t.Errorf("training without the leaking field: %v", err)
	}

	// Without as-of dates the feature is not caught, and the held-out AUC shows the leak: this is the
	// case CheckLeaks exists for.
	ex2, _ := synthetic(2000, 8)
	timed(ex2, false)
	m, err := Train(context.Background(), ex2, Config{Params: quickParams(), Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if m.Metrics.Test.AUC < 0.99 {
		t.Errorf("the outcome as a feature gave AUC %.3f; the test of the leak guard rests on it being near 1", m.Metrics.Test.AUC)
	}
}

func TestTimePartsNeverTrainOnLaterRows(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for trial := range 50 {
		n := 10 + rng.IntN(500)
		days := 3 + rng.IntN(60) // few distinct days: many ties at the cuts
		ex := make([]Example, n)
		for i := range ex {
			ex[i] = Example{ID: strconv.Itoa(i), At: start.AddDate(0, 0, rng.IntN(days))}
		}
		parts, err := TimeParts(ex)
		if err != nil {
			continue // too bunched is a legitimate refusal
		}
		if len(parts.Train)+len(parts.Calibration)+len(parts.Test) != n {
			t.Fatalf("trial %d: parts hold %d+%d+%d of %d examples", trial, len(parts.Train), len(parts.Calibration), len(parts.Test), n)
		}
		latest := func(p []int32) time.Time {
			var m time.Time
			for _, i := range p {
				if ex[i].At.After(m) {
					m = ex[i].At
				}
			}
			return m
		}
		earliest := func(p []int32) time.Time {
			m := ex[p[0]].At
			for _, i := range p {
				if ex[i].At.Before(m) {
					m = ex[i].At
				}
			}
			return m
		}
		if !latest(parts.Train).Before(earliest(parts.Calibration)) || !latest(parts.Calibration).Before(earliest(parts.Test)) {
			t.Fatalf("trial %d: windows overlap: train to %s, calibration %s–%s, test from %s", trial,
				latest(parts.Train), earliest(parts.Calibration), latest(parts.Calibration), earliest(parts.Test))
		}
	}
}

func TestTrainWithTimeSplitRecordsWindows(t *testing.T) {
	t.Parallel()
	ex, _ := synthetic(3000, 9)
	timed(ex, false)
	for i := range ex {
		delete(ex[i].Fields, "closed_reason")
	}
	m, err := Train(context.Background(), ex, Config{Params: quickParams(), Seed: 1, TimeColumn: "at"})
	if err != nil {
		t.Fatal(err)
	}
	tr := m.Training
	if tr.Split != "time" || tr.TrainWindow == nil || tr.TestWindow == nil || !tr.TrainWindow.To.Before(tr.CalibrationWindow.From) || !tr.CalibrationWindow.To.Before(tr.TestWindow.From) {
		t.Errorf("training info %+v: want a time split with ordered windows", tr)
	}
	if m.Metrics.Test.AUC < 0.7 {
		t.Errorf("held-out AUC %.3f on the later window", m.Metrics.Test.AUC)
	}
	ex[5].At = time.Time{}
	if _, err := Train(context.Background(), ex, Config{Params: quickParams(), Seed: 1}); err == nil || !strings.Contains(err.Error(), "2999 of 3000 examples have a time") {
		t.Errorf("a partly timed set: %v", err)
	}
}

func TestRandomPartsKeepAnIDTogether(t *testing.T) {
	t.Parallel()
	var ex []Example
	for i := range 1000 {
		ex = append(ex, Example{ID: fmt.Sprintf("D-%d", i/3)}) // every id three times
	}
	p := randomParts(ex, 5)
	part := map[string]string{}
	for name, rows := range map[string][]int32{"train": p.Train, "calibration": p.Calibration, "test": p.Test} {
		for _, r := range rows {
			if was, ok := part[ex[r].ID]; ok && was != name {
				t.Fatalf("id %s is in both %s and %s", ex[r].ID, was, name)
			}
			part[ex[r].ID] = name
		}
	}
	if n := len(p.Train) + len(p.Calibration) + len(p.Test); n != 1000 {
		t.Errorf("parts hold %d rows, want 1000", n)
	}
	if len(p.Test) < 195 || len(p.Test) > 205 || len(p.Calibration) < 195 || len(p.Calibration) > 205 {
		t.Errorf("test %d and calibration %d rows, want about 200 each", len(p.Test), len(p.Calibration))
	}
}

// TestTreesFindAnInteraction: the outcome depends on whether two features agree, which no additive
// model can express. The trees find it; the naive Bayes baseline and the logistic regression cannot.
func TestTreesFindAnInteraction(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(21, 21))
	ex := make([]Example, 6000)
	for i := range ex {
		a, b := rng.IntN(2), rng.Float64()
		agree := (a == 1) == (b > 0.5)
		p := 0.2
		if agree {
			p = 0.8
		}
		ex[i] = Example{ID: strconv.Itoa(i), Positive: rng.Float64() < p,
			Fields: Record{"route": []string{"direct", "partner"}[a], "score": strconv.FormatFloat(b, 'f', 3, 64)}}
	}
	m, err := Train(context.Background(), ex, Config{Params: quickParams(), Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	mt, nb, lr := m.Metrics.Test.AUC, m.Metrics.Baseline.AUC, m.Metrics.Logistic.AUC
	t.Logf("interaction: trees %.4f, naive Bayes %.4f, logistic %.4f (Bayes-optimal 0.80)", mt, nb, lr)
	if mt < 0.76 || nb > 0.56 || lr > 0.56 {
		t.Errorf("AUC trees %.4f (want >= 0.76), naive Bayes %.4f and logistic %.4f (want <= 0.56)", mt, nb, lr)
	}
}

func TestTrainStopsWhenCancelled(t *testing.T) {
	t.Parallel()
	ex, _ := synthetic(1000, 10)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Train(ctx, ex, Config{Params: quickParams(), Seed: 1}); !errors.Is(err, context.Canceled) {
		t.Errorf("Train with a cancelled context: %v, want context.Canceled", err)
	}
}

func TestScoreTrimsValues(t *testing.T) {
	t.Parallel()
	ex, _ := synthetic(2000, 12)
	m, err := Train(context.Background(), ex, Config{Params: quickParams(), Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	a, err1 := m.Score(Record{"amount": "80", "region": "north", "tier": "gold"})
	b, err2 := m.Score(Record{"amount": " 80 ", "region": " north", "tier": "gold\t"})
	if err1 != nil || err2 != nil || a.Probability != b.Probability {
		t.Errorf("padded values score %v (%v), plain ones %v (%v)", b.Probability, err2, a.Probability, err1)
	}
}
