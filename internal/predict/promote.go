package predict

import (
	"fmt"
	"math"
)

// PromotionTolerance is how far below the current model's held-out AUC a new version's may fall and
// still be promoted. Two trainings on a few thousand held-out rows differ by about this much from noise
// alone (the standard error of an AUC near 0.8 on 5,000 rows is about 0.006), so refusing anything
// below the current value would keep an old model over a newer one that is just as good and knows
// more recent history; anything worse than this is a real loss and is refused.
const PromotionTolerance = 0.005

// Promotion is the decision on a new model version and why.
type Promotion struct {
	Promote bool
	Reason  string
}

// Promote decides whether candidate replaces current (nil when there is none): only when its held-out
// AUC is not worse than current's by more than PromotionTolerance. A candidate whose AUC could not be
// measured is never promoted.
func Promote(current, candidate *Model) Promotion {
	c := candidate.Metrics.Test.AUC
	if math.IsNaN(c) {
		return Promotion{false, "the new version's held-out AUC could not be measured"}
	}
	if current == nil {
		return Promotion{true, fmt.Sprintf("no current version; the new one has held-out AUC %.4f", c)}
	}
	was := current.Metrics.Test.AUC
	if math.IsNaN(was) || c >= was-PromotionTolerance {
		return Promotion{true, fmt.Sprintf("held-out AUC %.4f against the current %.4f (tolerance %.3f)", c, was, PromotionTolerance)}
	}
	return Promotion{false, fmt.Sprintf("held-out AUC %.4f is worse than the current %.4f by more than %.3f", c, was, PromotionTolerance)}
}
