package predict

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/stat"
)

// Kind is how a feature's values are read.
type Kind string

// The kinds of feature.
const (
	Numeric     Kind = "numeric"
	Categorical Kind = "categorical"
)

// Binning limits. Every feature has at most 64 bins so a split's left side fits in a uint64.
const (
	maxNumericBins = 48 // quantile bins of a numeric feature (plus missing and above-the-last-edge)
	maxLevels      = 60 // levels a categorical feature keeps (plus missing and other)
	minLevelCount  = 5  // a level seen fewer times in training is folded into other
)

// Bins 0 and 1 are reserved: missing for every feature, "other" for categorical ones.
const (
	binMissing = 0
	binOther   = 1
)

// Feature is one input column as the model reads it.
type Feature struct {
	Name string `json:"name"`
	Kind Kind   `json:"kind"`
	// Edges (numeric): a value v falls in bin i+1 for the first i with v <= Edges[i], and in bin
	// len(Edges)+1 when it is above them all. Bin 0 is missing.
	Edges []float64 `json:"edges,omitempty"`
	// Levels (categorical): Levels[i] is bin i+2. Bin 1 is other (rare or never seen), bin 0 missing.
	Levels []string `json:"levels,omitempty"`
	// MissingRows is how many training rows had no value.
	MissingRows int `json:"missing_rows"`

	levelBin map[string]uint8
}

// SkippedColumn is a column that was not used, and why.
type SkippedColumn struct {
	Name   string `json:"name"`
	Reason string `json:"reason"`
}

// numBins is how many bins the feature's values fall into.
func (f *Feature) numBins() int {
	if f.Kind == Numeric {
		return len(f.Edges) + 2
	}
	return len(f.Levels) + 2
}

// parseNumber reads a numeric value; only finite numbers are accepted.
func parseNumber(s string) (float64, bool) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, false
	}
	return v, true
}

// bin returns the bin of a raw value. A numeric feature refuses a value that is not a number.
func (f *Feature) bin(raw string) (uint8, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return binMissing, nil
	}
	if f.Kind == Categorical {
		if b, ok := f.levelBin[raw]; ok {
			return b, nil
		}
		return binOther, nil
	}
	v, ok := parseNumber(raw)
	if !ok {
		return 0, fmt.Errorf("%q is not a number (the model learned %q as numeric)", raw, f.Name)
	}
	i, _ := slices.BinarySearch(f.Edges, v) // first edge >= v
	return uint8(i + 1), nil
}

func (f *Feature) index() {
	f.levelBin = make(map[string]uint8, len(f.Levels))
	for i, l := range f.Levels {
		f.levelBin[l] = uint8(i + 2)
	}
}

// describe renders a raw value for a reason: "Route To Market = Reseller", "Opportunity Amount USD 0".
func (f *Feature) describe(raw string) string {
	switch {
	case raw == "":
		return f.Name + " missing"
	case f.Kind == Numeric:
		return f.Name + " " + raw
	default:
		if b, _ := f.bin(raw); b == binOther {
			return fmt.Sprintf("%s = %s (rare)", f.Name, raw)
		}
		return f.Name + " = " + raw
	}
}

// inferFeatures decides each column's kind and bins from the training examples only.
// The kind is decided over all examples (so a held-out row cannot hold a value its column cannot read);
// bins and levels come from the training rows alone (so nothing about the held-out rows leaks into them).
func inferFeatures(names []string, examples []Example, train []int32) ([]Feature, []SkippedColumn) {
	var features []Feature
	var skipped []SkippedColumn
	for _, name := range names {
		numeric := true
		for _, ex := range examples {
			if v := strings.TrimSpace(ex.Fields[name]); v != "" {
				if _, ok := parseNumber(v); !ok {
					numeric = false
					break
				}
			}
		}
		values := make([]string, len(train))
		missing := 0
		for i, r := range train {
			values[i] = strings.TrimSpace(examples[r].Fields[name])
			if values[i] == "" {
				missing++
			}
		}
		present := len(values) - missing
		if present == 0 {
			skipped = append(skipped, SkippedColumn{name, "always empty in the training rows"})
			continue
		}
		var f Feature
		if numeric {
			f = numericFeature(name, values)
		} else {
			var reason string
			if f, reason = categoricalFeature(name, values, present); reason != "" {
				skipped = append(skipped, SkippedColumn{name, reason})
				continue
			}
		}
		f.MissingRows = missing
		used := map[uint8]bool{}
		for _, v := range values {
			b, _ := f.bin(v)
			used[b] = true
		}
		if len(used) < 2 {
			skipped = append(skipped, SkippedColumn{name, "constant"})
			continue
		}
		features = append(features, f)
	}
	return features, skipped
}

func numericFeature(name string, values []string) Feature {
	var xs []float64
	for _, v := range values {
		if x, ok := parseNumber(v); ok {
			xs = append(xs, x)
		}
	}
	slices.Sort(xs)
	distinct := slices.Compact(slices.Clone(xs))
	f := Feature{Name: name, Kind: Numeric}
	if len(distinct) <= 1 {
		return f
	}
	if len(distinct) <= maxNumericBins {
		// One bin per value; the largest needs no edge of its own (it is "above the last").
		f.Edges = distinct[:len(distinct)-1]
		return f
	}
	for i := 1; i < maxNumericBins; i++ {
		e := stat.Quantile(float64(i)/maxNumericBins, stat.Empirical, xs, nil)
		if e < distinct[len(distinct)-1] && (len(f.Edges) == 0 || e > f.Edges[len(f.Edges)-1]) {
			f.Edges = append(f.Edges, e)
		}
	}
	return f
}

func categoricalFeature(name string, values []string, present int) (Feature, string) {
	counts := map[string]int{}
	for _, v := range values {
		if v != "" {
			counts[v]++
		}
	}
	if len(counts) > 100 && len(counts) > present/2 {
		return Feature{}, fmt.Sprintf("looks like an identifier: %d distinct values in %d rows", len(counts), present)
	}
	levels := make([]string, 0, len(counts))
	for l, n := range counts {
		if n >= minLevelCount {
			levels = append(levels, l)
		}
	}
	slices.SortFunc(levels, func(a, b string) int {
		return cmp.Or(cmp.Compare(counts[b], counts[a]), strings.Compare(a, b))
	})
	if len(levels) > maxLevels {
		levels = levels[:maxLevels]
	}
	slices.Sort(levels)
	f := Feature{Name: name, Kind: Categorical, Levels: levels}
	if len(levels) == 0 {
		return f, "no value seen at least 5 times"
	}
	f.index()
	return f, ""
}
