package conflicts

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	tandem "github.com/tandem-revops/tandem"
)

// TestReviewCounts: counts per dimension most first (by key among equals), a conflict without a rule
// counted as "(none)", partners and AEs named, shares per level and the median of an even number of
// resolution times (the mean of the middle two).
func TestReviewCounts(t *testing.T) {
	t.Parallel()
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	opened := from.Add(24 * time.Hour)
	row := func(cause tandem.ConflictCause, rule string, partner int64, resolvedAfter time.Duration, level tandem.EscalationLevel) tandem.ConflictReviewRow {
		r := tandem.ConflictReviewRow{Cause: cause, Rule: rule, ACV: tandem.Major(60_000), Status: tandem.ConflictOpen,
			Level: level, OpenedAt: opened, PartnerID: partner, PartnerName: "P" + string(rune('0'+partner)), AEID: 7, AEName: "Ada"}
		if resolvedAfter > 0 {
			r.Status, r.ResolvedAt = tandem.ConflictResolved, opened.Add(resolvedAfter)
		}
		return r
	}
	rv := review(from, from.AddDate(0, 3, 0), []tandem.ConflictReviewRow{
		row(tandem.CauseDirectOverlap, "", 2, time.Hour, 1),
		row(tandem.CausePartnerOverlap, "core", 1, 3*time.Hour, 1),
		row(tandem.CausePartnerOverlap, "core", 1, 0, 2),
		row(tandem.CauseDirectOverlap, "core", 0, 10*time.Hour, 2),
		row(tandem.CausePartnerOverlap, "addon", 2, 6*time.Hour, 1),
	})
	if rv.Opened != 5 || rv.Resolved != 4 || rv.Open != 1 {
		t.Errorf("opened %d resolved %d open %d, want 5, 4, 1", rv.Opened, rv.Resolved, rv.Open)
	}
	want := []tandem.ReviewCount{{Key: "partner_overlap", Count: 3}, {Key: "direct_overlap", Count: 2}}
	if diff := cmp.Diff(want, rv.ByCause); diff != "" {
		t.Errorf("by cause (-want +got):\n%s", diff)
	}
	want = []tandem.ReviewCount{{Key: "core", Count: 3}, {Key: "(none)", Count: 1}, {Key: "addon", Count: 1}}
	if diff := cmp.Diff(want, rv.ByRule); diff != "" {
		t.Errorf("by rule (-want +got):\n%s", diff)
	}
	want = []tandem.ReviewCount{{Key: "1", Name: "P1", Count: 2}, {Key: "2", Name: "P2", Count: 2}}
	if diff := cmp.Diff(want, rv.ByPartner); diff != "" {
		t.Errorf("by partner (-want +got):\n%s", diff)
	}
	wantLevels := []tandem.LevelShare{{Level: 1, Resolved: 3, Share: 0.75}, {Level: 2, Resolved: 1, Share: 0.25}, {Level: 3}, {Level: 4}}
	if diff := cmp.Diff(wantLevels, rv.ResolvedAtLevel); diff != "" {
		t.Errorf("resolved at level (-want +got):\n%s", diff)
	}
	if rv.MedianSecondsToResolution != int64(4.5*3600) {
		t.Errorf("median %d s, want 4.5 h", rv.MedianSecondsToResolution)
	}
}

// TestReviewRefuses: partner users and an empty period are refused before the store is read.
func TestReviewRefuses(t *testing.T) {
	t.Parallel()
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var st unreadStore
	if _, err := Review(context.Background(), st, tandem.Actor{Role: tandem.RolePartnerUser, PartnerID: 1}, from, from.AddDate(0, 3, 0)); tandem.ErrorCode(err) != tandem.EFORBIDDEN {
		t.Errorf("partner user: %v, want EFORBIDDEN", err)
	}
	if _, err := Review(context.Background(), st, tandem.SystemActor, from, from); tandem.ErrorCode(err) != tandem.EINVALID {
		t.Errorf("empty period: %v, want EINVALID", err)
	}
}

// unreadStore answers EINTERNAL, so a refusal that read the store shows as the wrong code.
type unreadStore struct{}

func (unreadStore) ConflictReviewRows(context.Context, tandem.Actor, time.Time, time.Time) ([]tandem.ConflictReviewRow, error) {
	return nil, tandem.Errorf(tandem.EINTERNAL, "the review read the store")
}
