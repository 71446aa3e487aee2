package predict

import "math"

// naiveBayes is the baseline: per-feature bin frequencies by class, Laplace-smoothed, multiplied as if
// the features were independent given the outcome.
type naiveBayes struct {
	prior float64     // log odds of the positive class
	ratio [][]float64 // ratio[feature][bin] = log P(bin|positive) - log P(bin|negative)
}

func trainNaiveBayes(x [][]uint8, nbins []int, y []bool, rows []int32) naiveBayes {
	var npos, nneg float64
	for _, r := range rows {
		if y[r] {
			npos++
		} else {
			nneg++
		}
	}
	nb := naiveBayes{prior: math.Log((npos + 1) / (nneg + 1)), ratio: make([][]float64, len(x))}
	for f, col := range x {
		pos, neg := make([]float64, nbins[f]), make([]float64, nbins[f])
		for _, r := range rows {
			if y[r] {
				pos[col[r]]++
			} else {
				neg[col[r]]++
			}
		}
		k := float64(nbins[f])
		nb.ratio[f] = make([]float64, nbins[f])
		for b := range nb.ratio[f] {
			nb.ratio[f][b] = math.Log((pos[b]+1)/(npos+k)) - math.Log((neg[b]+1)/(nneg+k))
		}
	}
	return nb
}

// logOdds is the baseline's log odds for row r.
func (nb naiveBayes) logOdds(x [][]uint8, r int32) float64 {
	z := nb.prior
	for f, col := range x {
		z += nb.ratio[f][col[r]]
	}
	return z
}
