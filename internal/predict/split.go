package predict

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// Parts are the three disjoint groups of example indices training uses: trees learn from Train,
// early stopping and calibration use Calibration, and the reported metrics come from Test alone.
type Parts struct {
	Train, Calibration, Test []int32
}

// Shares of the examples held out for calibration and for test.
const (
	calibrationShare = 0.2
	testShare        = 0.2
)

// randomParts shuffles the examples' distinct ids with the seed and cuts them about 60/20/20 by rows.
// Rows sharing an id (a record exported twice, a deal seen at two stages) always land in the same part,
// so the test part never holds a copy of a training row.
func randomParts(examples []Example, seed uint64) Parts {
	groups := map[string][]int32{}
	var ids []string
	for i, ex := range examples {
		if _, ok := groups[ex.ID]; !ok {
			ids = append(ids, ex.ID)
		}
		groups[ex.ID] = append(groups[ex.ID], int32(i))
	}
	rng := rand.New(rand.NewPCG(seed, ^seed))
	rng.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	n := len(examples)
	nTest := int(float64(n) * testShare)
	nCal := int(float64(n) * calibrationShare)
	var p Parts
	for _, id := range ids {
		switch {
		case len(p.Test) < nTest:
			p.Test = append(p.Test, groups[id]...)
		case len(p.Calibration) < nCal:
			p.Calibration = append(p.Calibration, groups[id]...)
		default:
			p.Train = append(p.Train, groups[id]...)
		}
	}
	return p
}

// TimeParts orders the examples by At and cuts them so that every training example is strictly
// earlier than every calibration example, and every calibration example strictly earlier than every
// test example: the latest ~20% are the test window, the ~20% before them the calibration window.
// Examples sharing a time stay together on the earlier side of a cut. It fails when an example has no
// time or the times are too few to make three non-empty parts.
func TimeParts(examples []Example) (Parts, error) {
	idx := make([]int32, len(examples))
	for i := range idx {
		idx[i] = int32(i)
		if examples[i].At.IsZero() {
			return Parts{}, fmt.Errorf("example %s has no time: a time split needs one on every example", describeExample(examples[i]))
		}
	}
	slices.SortStableFunc(idx, func(a, b int32) int { return examples[a].At.Compare(examples[b].At) })
	// cut returns the first position at or after want whose time differs from the one before it.
	cut := func(want int) int {
		for want > 0 && want < len(idx) && examples[idx[want]].At.Equal(examples[idx[want-1]].At) {
			want++
		}
		return want
	}
	n := len(idx)
	testFrom := cut(n - int(float64(n)*testShare))
	calFrom := cut(n - int(float64(n)*(testShare+calibrationShare)))
	if calFrom <= 0 || testFrom <= calFrom || testFrom >= n {
		return Parts{}, fmt.Errorf("the %d examples' times are too few or too bunched to split into earlier training, calibration and later test windows", n)
	}
	return Parts{Train: idx[:calFrom], Calibration: idx[calFrom:testFrom], Test: idx[testFrom:]}, nil
}

// Window is the span of times of one part of a time split.
type Window struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

func window(examples []Example, part []int32) *Window {
	if len(part) == 0 || examples[part[0]].At.IsZero() {
		return nil
	}
	w := Window{From: examples[part[0]].At, To: examples[part[0]].At}
	for _, i := range part {
		at := examples[i].At
		if at.Before(w.From) {
			w.From = at
		}
		if at.After(w.To) {
			w.To = at
		}
	}
	return &w
}

// LeakError names features whose values were known only after the moment of prediction.
type LeakError struct {
	Features []FeatureLeak
}

// FeatureLeak is one leaking feature, with how often and a first example.
type FeatureLeak struct {
	Feature string
	Rows    int
	Example string // the first offending example: its id (and line), prediction time and known time
}

func (e *LeakError) Error() string {
	var parts []string
	for _, f := range e.Features {
		parts = append(parts, fmt.Sprintf("feature %q is known only after the prediction on %d row(s) (first: %s)", f.Feature, f.Rows, f.Example))
	}
	return "refusing features that leak the outcome: " + strings.Join(parts, "; ")
}

// CheckLeaks reports features whose KnownAt is after the example's At on any example.
func CheckLeaks(examples []Example) error { return checkLeaks(examples, nil) }

// checkLeaks is CheckLeaks limited to the features in use (all when use is nil).
func checkLeaks(examples []Example, use map[string]bool) error {
	leaks := map[string]*FeatureLeak{}
	for _, ex := range examples {
		for f, known := range ex.KnownAt {
			if ex.At.IsZero() || !known.After(ex.At) || use != nil && !use[f] {
				continue
			}
			l := leaks[f]
			if l == nil {
				l = &FeatureLeak{Feature: f, Example: fmt.Sprintf("%s predicted at %s, known at %s",
					describeExample(ex), ex.At.Format(time.RFC3339), known.Format(time.RFC3339))}
				leaks[f] = l
			}
			l.Rows++
		}
	}
	if len(leaks) == 0 {
		return nil
	}
	e := &LeakError{}
	for _, l := range leaks {
		e.Features = append(e.Features, *l)
	}
	slices.SortFunc(e.Features, func(a, b FeatureLeak) int { return cmp.Compare(a.Feature, b.Feature) })
	return e
}

func describeExample(ex Example) string {
	if ex.Line > 0 {
		return fmt.Sprintf("%s (line %d)", ex.ID, ex.Line)
	}
	return ex.ID
}
