package predict

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/optimize"
)

// logisticLambda is the L2 penalty of the logistic-regression comparison, on the summed log loss.
const logisticLambda = 1.0

// logistic is L2-regularised logistic regression on the same bins the trees see, one weight per bin of
// every feature (one-hot), so a numeric feature gets a step function rather than a straight line. It is
// the additive model the trees are compared with: what the trees add over it is the interactions.
type logistic struct {
	offset []int // feature f's weights start at offset[f]
	w      []float64
	bias   float64
}

// trainLogistic fits the weights by L-BFGS (gonum) on the training rows.
func trainLogistic(x [][]uint8, nbins []int, y []bool, rows []int32) (logistic, error) {
	lr := logistic{offset: make([]int, len(nbins)+1)}
	for f, nb := range nbins {
		lr.offset[f+1] = lr.offset[f] + nb
	}
	dim := lr.offset[len(nbins)] + 1 // the last is the intercept
	z := make([]float64, len(rows))
	var at []float64 // the weights z was last computed for: L-BFGS asks for loss and gradient at one point
	eval := func(w []float64) {
		if at != nil && floats.Equal(at, w) {
			return
		}
		at = append(at[:0], w...)
		for i, r := range rows {
			s := w[dim-1]
			for f, col := range x {
				s += w[lr.offset[f]+int(col[r])]
			}
			z[i] = s
		}
	}
	loss := func(w []float64) float64 {
		eval(w)
		var l float64
		for i, r := range rows {
			l += logLoss(sigmoid(z[i]), y[r])
		}
		for _, v := range w[:dim-1] {
			l += logisticLambda / 2 * v * v
		}
		return l
	}
	grad := func(g, w []float64) {
		eval(w)
		clear(g)
		for i, r := range rows {
			d := sigmoid(z[i])
			if y[r] {
				d--
			}
			for f, col := range x {
				g[lr.offset[f]+int(col[r])] += d
			}
			g[dim-1] += d
		}
		for j, v := range w[:dim-1] {
			g[j] += logisticLambda * v
		}
	}
	res, err := optimize.Minimize(optimize.Problem{Func: loss, Grad: grad}, make([]float64, dim),
		&optimize.Settings{GradientThreshold: 1e-6, MajorIterations: 500}, &optimize.LBFGS{})
	if res == nil || math.IsNaN(res.F) {
		return logistic{}, fmt.Errorf("logistic regression: %w", err)
	}
	// A line search that stalls near the optimum reports an error but leaves a usable point.
	lr.w, lr.bias = res.X[:dim-1], res.X[dim-1]
	return lr, nil
}

func (lr logistic) logOdds(x [][]uint8, r int32) float64 {
	z := lr.bias
	for f, col := range x {
		z += lr.w[lr.offset[f]+int(col[r])]
	}
	return z
}
