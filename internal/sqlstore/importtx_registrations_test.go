package sqlstore

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	tandem "github.com/tandem-revops/tandem"
)

// TestImportRegistrationStatus: a migrated registration keeps its historical status with an import
// event; a re-import moves a stored one only along the lifecycle.
func TestImportRegistrationStatus(t *testing.T) {
	t.Parallel()
	forEachSeeded(t, seedLifecycle, func(t *testing.T, ctx context.Context, s *Store, f *lifecycleFixture) {
		reg := func(ext string, st tandem.RegistrationStatus) tandem.Registration {
			return tandem.Registration{ExternalID: ext, PartnerID: f.p1.ID, AccountName: "Hooli " + ext, Country: "US",
				ProductType: tandem.ProductCore, EstimatedACV: tandem.Major(10_000), Currency: "USD", Status: st,
				SubmittedAt: f.clock.t}
		}
		upsert := func(rows ...tandem.Registration) error {
			tx, err := s.BeginImport(ctx, f.revops)
			must(t, err)
			defer tx.Rollback()
			if _, err := tx.UpsertRegistrations(ctx, rows); err != nil {
				return err
			}
			return tx.Commit()
		}
		eventsOf := func(ext string) []string {
			t.Helper()
			tx, err := s.BeginImport(ctx, f.revops)
			must(t, err)
			ids, err := tx.ResolveIDs(ctx, "registrations", []string{ext})
			must(t, err)
			must(t, tx.Rollback())
			return pluck(f.events(t, ids[ext]), func(e tandem.RegistrationEntry) string {
				return string(e.Event) + ":" + string(e.From) + ">" + string(e.To) + ":" + e.Reason
			})
		}

		must(t, upsert(reg("M-1", tandem.RegistrationApproved), reg("M-2", tandem.RegistrationWon), reg("M-3", "")))
		for ext, want := range map[string][]string{
			"M-1": {"import:>approved:imported as approved"},
			"M-2": {"import:>won:imported as won"},
			"M-3": {"import:>submitted:imported as submitted"},
		} {
			if diff := cmp.Diff(want, eventsOf(ext)); diff != "" {
				t.Errorf("%s events (-want +got):\n%s", ext, diff)
			}
		}

		// Re-import: unchanged status logs nothing; a legal move logs its transition.
		must(t, upsert(reg("M-1", tandem.RegistrationWon), reg("M-3", tandem.RegistrationSubmitted)))
		if diff := cmp.Diff([]string{"import:>approved:imported as approved", "win:approved>won:by import"}, eventsOf("M-1")); diff != "" {
			t.Errorf("M-1 after re-import (-want +got):\n%s", diff)
		}
		if got := eventsOf("M-3"); len(got) != 1 {
			t.Errorf("M-3 re-imported unchanged logged %v", got)
		}

		// Illegal moves fail the import, naming the row and field, and change nothing.
		for _, tc := range []struct {
			name string
			row  tandem.Registration
		}{
			{"won back to submitted", reg("M-2", tandem.RegistrationSubmitted)},
			{"won to approved", reg("M-2", tandem.RegistrationApproved)},
			{"submitted to won", reg("M-3", tandem.RegistrationWon)},
		} {
			err := upsert(reg("M-9", tandem.RegistrationApproved), tc.row)
			wantCode(t, err, tandem.EINVALID)
			var te *tandem.Error
			if e, ok := err.(*tandem.Error); ok {
				te = e
			}
			if te == nil || te.Field != "status" || !strings.Contains(te.Message, tc.row.ExternalID) {
				t.Errorf("%s: error %v, want one naming %s and the status field", tc.name, err, tc.row.ExternalID)
			}
		}
		if got := f.registrationStatusByExt(t, s, "M-2"); got != tandem.RegistrationWon {
			t.Errorf("M-2 is %s after refused imports", got)
		}
		if got := f.registrationStatusByExt(t, s, "M-9"); got != "" {
			t.Errorf("a refused import stored M-9 (%s)", got)
		}
	})
}

func (f *lifecycleFixture) registrationStatusByExt(t *testing.T, s *Store, ext string) tandem.RegistrationStatus {
	t.Helper()
	var st tandem.RegistrationStatus
	err := s.read.QueryRowContext(context.Background(), `SELECT status FROM registrations WHERE external_id = $1`, ext).Scan(&st)
	if err != nil {
		return ""
	}
	return st
}
