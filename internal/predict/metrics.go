package predict

import (
	"cmp"
	"math"
	"slices"
)

// AUC is the area under the ROC curve: the chance that a random positive scores above a random
// negative, ties counting half (the Mann–Whitney statistic). It is NaN when either class is absent.
func AUC(scores []float64, positive []bool) float64 {
	idx := make([]int, len(scores))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(scores[a], scores[b]) })
	var rankSum float64
	pos := 0
	for i := 0; i < len(idx); {
		j := i
		for j < len(idx) && scores[idx[j]] == scores[idx[i]] {
			j++
		}
		mid := float64(i+j+1) / 2 // average 1-based rank of the tied run
		for k := i; k < j; k++ {
			if positive[idx[k]] {
				rankSum += mid
				pos++
			}
		}
		i = j
	}
	neg := len(scores) - pos
	if pos == 0 || neg == 0 {
		return math.NaN()
	}
	return (rankSum - float64(pos)*float64(pos+1)/2) / (float64(pos) * float64(neg))
}

// Brier is the mean squared difference between probability and outcome (0 is perfect; always saying the
// base rate r scores r(1-r)).
func Brier(probs []float64, positive []bool) float64 {
	if len(probs) == 0 {
		return math.NaN()
	}
	var s float64
	for i, p := range probs {
		d := p
		if positive[i] {
			d = p - 1
		}
		s += d * d
	}
	return s / float64(len(probs))
}

// LogLoss is the mean negative log-likelihood of the outcomes (probabilities clipped to [1e-15, 1-1e-15]).
func LogLoss(probs []float64, positive []bool) float64 {
	if len(probs) == 0 {
		return math.NaN()
	}
	var s float64
	for i, p := range probs {
		s += logLoss(p, positive[i])
	}
	return s / float64(len(probs))
}

// ReliabilityBin is one band of predicted probability and what actually happened in it.
type ReliabilityBin struct {
	From          float64 `json:"from"`
	To            float64 `json:"to"`
	Count         int     `json:"count"`
	MeanPredicted float64 `json:"mean_predicted"`
	ObservedRate  float64 `json:"observed_rate"`
}

// Reliability groups predictions into n equal-width probability bands (the last includes 1) and gives,
// for each non-empty band, the mean predicted probability and the observed positive rate. A calibrated
// model has the two close in every band.
func Reliability(probs []float64, positive []bool, n int) []ReliabilityBin {
	bins := make([]ReliabilityBin, n)
	for i := range bins {
		bins[i].From, bins[i].To = float64(i)/float64(n), float64(i+1)/float64(n)
	}
	for i, p := range probs {
		k := min(int(p*float64(n)), n-1)
		bins[k].Count++
		bins[k].MeanPredicted += p
		if positive[i] {
			bins[k].ObservedRate++
		}
	}
	out := bins[:0]
	for _, b := range bins {
		if b.Count > 0 {
			b.MeanPredicted /= float64(b.Count)
			b.ObservedRate /= float64(b.Count)
			out = append(out, b)
		}
	}
	return out
}

// Evaluation is how a model did on held-out rows.
type Evaluation struct {
	Rows         int     `json:"rows"`
	PositiveRate float64 `json:"positive_rate"`
	AUC          float64 `json:"auc"`
	Brier        float64 `json:"brier"`
	LogLoss      float64 `json:"log_loss"`
	// CalibrationError is the expected calibration error: the row-weighted mean gap between predicted
	// and observed rate over the reliability bands (0 is perfectly calibrated).
	CalibrationError float64          `json:"calibration_error"`
	Reliability      []ReliabilityBin `json:"reliability"`
}

// Evaluate measures probabilities against outcomes with ten reliability bands.
func Evaluate(probs []float64, positive []bool) Evaluation {
	pos := 0
	for _, p := range positive {
		if p {
			pos++
		}
	}
	e := Evaluation{
		Rows: len(probs), AUC: AUC(probs, positive), Brier: Brier(probs, positive),
		LogLoss: LogLoss(probs, positive), Reliability: Reliability(probs, positive, 10),
	}
	if len(probs) > 0 {
		e.PositiveRate = float64(pos) / float64(len(probs))
		for _, b := range e.Reliability {
			e.CalibrationError += float64(b.Count) * math.Abs(b.MeanPredicted-b.ObservedRate)
		}
		e.CalibrationError /= float64(len(probs))
	}
	return e
}
