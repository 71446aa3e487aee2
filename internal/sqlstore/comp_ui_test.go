package sqlstore

import (
	"context"
	"strings"
	"testing"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/comp"
	"github.com/tandem-revops/tandem/internal/compensation"
)

// TestCompPayeesAndPayouts checks the pickers of the compensation pages and the payouts shown on a
// statement against the statement scope: each actor lists exactly the payees whose statements it may
// open, and reads payouts only of those.
func TestCompPayeesAndPayouts(t *testing.T) {
	t.Parallel()
	forEachSeeded(t, seedComp, func(t *testing.T, ctx context.Context, s *Store, f *compFixture) {
		cro := tandem.Actor{Email: "cro@vendor.test", Role: tandem.RoleCRO}
		ids := func(a tandem.Actor, kind comp.PayeeKind) []int64 {
			t.Helper()
			ps, err := s.CompPayees(ctx, a, kind)
			must(t, err)
			out := []int64{}
			for _, p := range ps {
				if p.Name == "" || p.Kind != kind {
					t.Errorf("payee %+v", p)
				}
				out = append(out, p.ID)
			}
			return out
		}
		cases := []struct {
			name          string
			actor         tandem.Actor
			aes, partners []int64
		}{
			{"ae", f.aeActor, []int64{f.ae.ID}, nil},
			{"other ae", f.ae2Actor, []int64{f.ae2.ID}, nil},
			{"manager", f.mgrActor, []int64{f.ae.ID, f.manager.ID}, nil},
			{"partner user", f.actor1, nil, []int64{f.p1.ID}},
			{"cro", cro, []int64{f.ae.ID, f.manager.ID, f.ae2.ID}, []int64{f.p1.ID, f.p2.ID}},
		}
		for _, tc := range cases {
			if got := ids(tc.actor, comp.PayeeAE); !sameIDs(got, tc.aes) {
				t.Errorf("%s: AEs %v, want %v", tc.name, got, tc.aes)
			}
			if got := ids(tc.actor, comp.PayeePartner); !sameIDs(got, tc.partners) {
				t.Errorf("%s: partners %v, want %v", tc.name, got, tc.partners)
			}
		}
		_, err := s.CompPayees(ctx, cro, "boss")
		wantCode(t, err, tandem.EINVALID)

		_, err = compensation.ImportPayouts(ctx, s, f.revops, "p.csv", strings.NewReader("period,payee_kind,payee,amount,reference\n"+
			"2026-Q1,ae,ada@vendor.test,10.00,PAY-1\n2026-Q1,ae,ada@vendor.test,0.50,PAY-2\n2026-Q1,ae,bo@vendor.test,3.00,PAY-3\n"))
		must(t, err)
		ps, err := s.CompPayouts(ctx, f.aeActor, "2026-q1", comp.PayeeAE, f.ae.ID)
		must(t, err)
		if len(ps) != 2 || ps[0].Reference != "PAY-1" || ps[0].Amount+ps[1].Amount != 1050 || ps[0].Line != 2 || ps[0].ImportedAt.IsZero() {
			t.Errorf("the AE's payouts %+v", ps)
		}
		_, err = s.CompPayouts(ctx, f.aeActor, f.q1, comp.PayeeAE, f.ae2.ID)
		wantCode(t, err, tandem.ENOTFOUND)
		_, err = s.CompPayouts(ctx, f.actor1, f.q1, comp.PayeeAE, f.ae.ID)
		wantCode(t, err, tandem.ENOTFOUND)
		_, err = s.CompPayouts(ctx, f.aeActor, "2026-Q9", comp.PayeeAE, f.ae.ID)
		wantCode(t, err, tandem.EINVALID)
		if ps, err := s.CompPayouts(ctx, f.actor1, f.q1, comp.PayeePartner, f.p1.ID); err != nil || len(ps) != 0 {
			t.Errorf("partner 1's payouts: %v %v", ps, err)
		}
	})
}
