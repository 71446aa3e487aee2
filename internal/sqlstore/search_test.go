package sqlstore

import (
	"context"
	"testing"

	tandem "github.com/tandem-revops/tandem"
)

// The global search finds each kind by name, and a partner user only what its lists show it: its own
// partner, its deals, its registrations and their accounts — never another partner's, nor people.
func TestSearch(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		f := seed(t, s)
		ctx := context.Background()
		type counts struct{ accounts, opps, regs, partners, people int }
		cases := []struct {
			name  string
			actor tandem.Actor
			q     string
			want  counts
		}{
			{"staff finds every kind", admin, "acme", counts{1, 1, 1, 0, 0}},
			{"staff finds the other partner's deal", admin, "globex", counts{1, 1, 1, 0, 0}},
			{"staff finds partners and their people by email", admin, "contoso", counts{0, 0, 0, 1, 1}},
			{"staff finds people", admin, "quinn", counts{0, 0, 0, 0, 1}},
			{"a partner finds its own", f.actor1, "acme", counts{1, 1, 1, 0, 0}},
			{"a partner finds itself", f.actor1, "northwind", counts{0, 0, 0, 1, 0}},
			{"not the other partner's account, deal or registration", f.actor1, "globex", counts{}},
			{"not the other partner", f.actor1, "contoso", counts{}},
			{"not people", f.actor1, "pat", counts{}},
			{"not a direct deal", f.actor1, "initech", counts{}},
			{"the other partner its own", f.actor2, "globex", counts{1, 1, 1, 0, 0}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				res, err := s.Search(ctx, c.actor, c.q, 5)
				must(t, err)
				got := counts{res.AccountsTotal, res.OpportunitiesTotal, res.RegistrationsTotal, res.PartnersTotal, res.PeopleTotal}
				if got != c.want {
					t.Errorf("Search(%q) totals %+v, want %+v", c.q, got, c.want)
				}
				if len(res.Accounts) != got.accounts || len(res.Opportunities) != got.opps || len(res.Registrations) != got.regs ||
					len(res.Partners) != got.partners || len(res.People) != got.people {
					t.Errorf("Search(%q) rows do not match totals: %+v", c.q, res)
				}
				for _, r := range res.Registrations {
					if c.actor.IsPartner() && (r.PartnerID != c.actor.PartnerID || r.AccountID != 0) {
						t.Errorf("partner search shows registration %+v", r)
					}
				}
			})
		}
		for _, q := range []string{"", " a ", "x"} {
			_, err := s.Search(ctx, admin, q, 5)
			wantCode(t, err, tandem.EINVALID)
		}
	})
}
