package conflicts

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"time"

	tandem "github.com/tandem-revops/tandem"
)

// ReviewStore is what the pattern review reads (the SQL store).
type ReviewStore interface {
	// ConflictReviewRows returns the conflicts opened in [from, to); EFORBIDDEN for partner users.
	ConflictReviewRows(ctx context.Context, actor tandem.Actor, from, to time.Time) ([]tandem.ConflictReviewRow, error)
}

// Review returns the pattern review of the conflicts opened from from (inclusive) to to (exclusive):
// how many by cause, rule, segment, partner and AE (most first), where they were resolved and how
// long that took. EFORBIDDEN for partner users; EINVALID when to is not after from.
func Review(ctx context.Context, st ReviewStore, actor tandem.Actor, from, to time.Time) (*tandem.ConflictReview, error) {
	if actor.IsPartner() {
		return nil, tandem.Errorf(tandem.EFORBIDDEN, "partner users cannot see the conflict review")
	}
	if !to.After(from) {
		return nil, tandem.FieldError("to", "must be after from")
	}
	rows, err := st.ConflictReviewRows(ctx, actor, from, to)
	if err != nil {
		return nil, err
	}
	return review(from, to, rows), nil
}

// tally counts the conflicts per value of one dimension, with the name of each value where it has one.
type tally struct {
	counts map[string]int
	names  map[string]string
}

func newTally() *tally { return &tally{counts: map[string]int{}, names: map[string]string{}} }

// addNamed counts one conflict of the partner or AE id (none when 0).
func (t *tally) addNamed(id int64, name string) {
	if id != 0 {
		k := strconv.FormatInt(id, 10)
		t.counts[k]++
		t.names[k] = name
	}
}

// sorted returns the counts most first, by key among equals.
func (t *tally) sorted() []tandem.ReviewCount {
	out := []tandem.ReviewCount{}
	for k, n := range t.counts {
		out = append(out, tandem.ReviewCount{Key: k, Name: t.names[k], Count: n})
	}
	slices.SortFunc(out, func(a, b tandem.ReviewCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Key, b.Key))
	})
	return out
}

// review counts rows, the conflicts opened in [from, to).
func review(from, to time.Time, rows []tandem.ConflictReviewRow) *tandem.ConflictReview {
	rv := &tandem.ConflictReview{From: from.UTC(), To: to.UTC()}
	cause, rule, segment, partner, ae := newTally(), newTally(), newTally(), newTally(), newTally()
	atLevel := map[tandem.EscalationLevel]int{}
	var durations []time.Duration
	for _, r := range rows {
		rv.Opened++
		cause.counts[string(r.Cause)]++
		rule.counts[cmp.Or(r.Rule, "(none)")]++
		segment.counts[tandem.ACVBand(r.ACV)]++
		partner.addNamed(r.PartnerID, r.PartnerName)
		ae.addNamed(r.AEID, r.AEName)
		if r.Status == tandem.ConflictResolved {
			rv.Resolved++
			atLevel[r.Level]++
			durations = append(durations, r.ResolvedAt.Sub(r.OpenedAt))
		} else {
			rv.Open++
		}
	}
	rv.ByCause, rv.ByRule, rv.BySegment, rv.ByPartner, rv.ByAE = cause.sorted(), rule.sorted(), segment.sorted(), partner.sorted(), ae.sorted()
	for l := tandem.LevelAEAndPartnerManager; l <= tandem.LevelCEO; l++ {
		ls := tandem.LevelShare{Level: l, Resolved: atLevel[l]}
		if rv.Resolved > 0 {
			ls.Share = float64(atLevel[l]) / float64(rv.Resolved)
		}
		rv.ResolvedAtLevel = append(rv.ResolvedAtLevel, ls)
	}
	if n := len(durations); n > 0 {
		slices.Sort(durations)
		median := durations[n/2]
		if n%2 == 0 {
			median = (durations[n/2-1] + durations[n/2]) / 2
		}
		rv.MedianSecondsToResolution = int64(median / time.Second)
	}
	return rv
}
