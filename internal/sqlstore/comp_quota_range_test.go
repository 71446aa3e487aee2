package sqlstore

import (
	"context"
	"math"
	"testing"

	tandem "github.com/tandem-revops/tandem"
)

// Finding 11.1: a quota of int64 max was accepted; quotas share the money range of every other amount.
func TestCompQuotaOutsideTheMoneyRange(t *testing.T) {
	t.Parallel()
	forEachSeeded(t, seedComp, func(t *testing.T, ctx context.Context, s *Store, f *compFixture) {
		for _, amount := range []tandem.Money{math.MaxInt64, tandem.MaxAmount + 1, -1} {
			err := s.UpsertCompQuotas(ctx, f.revops, []CompQuota{{UserID: f.ae.ID, Period: "2026-Q1", Amount: amount}})
			wantCode(t, err, tandem.EINVALID)
		}
		must(t, s.UpsertCompQuotas(ctx, f.revops, []CompQuota{{UserID: f.ae.ID, Period: "2026-Q1", Amount: tandem.MaxAmount}}))
	})
}
