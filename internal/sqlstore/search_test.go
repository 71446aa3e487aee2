package sqlstore

import (
	"context"
	"testing"

	tandem "github.com/tandem-revops/tandem"
)

// The global search finds each kind by name, and a partner user only what its lists show it: its own
// partner, its deals, its registrations and their accounts — never another partner's, nor people.
func TestSearch(t *testing.T) {
	forEachSeeded(t, seed, func(t *testing.T, ctx context.Context, s *Store, f *fixture) {
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

// The search's deals are the opportunity list's, largest first, and its total counts every match past
// the limit, for staff and for a partner user alike.
func TestSearchOpportunitiesMatchTheList(t *testing.T) {
	forEachSeeded(t, seed, func(t *testing.T, ctx context.Context, s *Store, f *fixture) {
		beyond := 0 // cases whose total passes the limit
		for _, actor := range []tandem.Actor{admin, f.actor1} {
			for _, q := range []string{"ac", "in", "co", "ex", "zz-none"} {
				for _, limit := range []int{1, 2, 10} {
					if len([]rune(q)) < MinSearchLength {
						continue
					}
					res, err := s.Search(ctx, actor, q, limit)
					must(t, err)
					list, total, err := s.ListOpportunities(ctx, actor, OpportunityFilter{Query: q, Sort: "-acv", Limit: limit})
					must(t, err)
					if res.OpportunitiesTotal != total || len(res.Opportunities) != len(list) {
						t.Fatalf("%s q=%q limit %d: search %d of %d, list %d of %d", actor.Email, q, limit,
							len(res.Opportunities), res.OpportunitiesTotal, len(list), total)
					}
					if total > limit {
						beyond++
					}
					for i := range list {
						if res.Opportunities[i].ID != list[i].ID {
							t.Errorf("%s q=%q limit %d: row %d is %d, the list's %d", actor.Email, q, limit, i, res.Opportunities[i].ID, list[i].ID)
						}
					}
				}
			}
		}
		if beyond == 0 {
			t.Fatal("no search matched more deals than its limit")
		}
	})
}
