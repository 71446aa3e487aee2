package sqlstore

import (
	"context"
	"testing"

	tandem "github.com/tandem-revops/tandem"
)

// TestPartnerIsolation checks every read, list and write a partner user can reach: records of another
// partner are ENOTFOUND and never returned.
func TestPartnerIsolation(t *testing.T) {
	t.Parallel()
	forEachSeeded(t, seed, func(t *testing.T, ctx context.Context, s *Store, f *fixture) {
		me := f.actor1
		terr := tandem.Territory{Name: "NA", Countries: []string{"US"}}
		must(t, s.CreateTerritory(ctx, admin, &terr))
		conflict := tandem.Conflict{Cause: tandem.CauseDirectOverlap, OpportunityID: f.o1.ID, RegistrationID: f.r1.ID}
		must(t, s.CreateConflict(ctx, admin, &conflict))

		hidden := []struct {
			name string
			get  func() (any, error)
		}{
			{"other partner's opportunity", func() (any, error) { return s.GetOpportunity(ctx, me, f.o2.ID) }},
			{"direct opportunity", func() (any, error) { return s.GetOpportunity(ctx, me, f.o3.ID) }},
			{"other partner's opportunity by external id", func() (any, error) { return s.GetOpportunityByExternalID(ctx, me, "O2") }},
			{"other partner's registration", func() (any, error) { return s.GetRegistration(ctx, me, f.r2.ID) }},
			{"other partner's touch", func() (any, error) { return s.GetTouch(ctx, me, f.t2.ID) }},
			{"other partner's account", func() (any, error) { return s.GetAccount(ctx, me, f.a2.ID) }},
			{"account of nobody's", func() (any, error) { return s.GetAccount(ctx, me, f.a3.ID) }},
			{"vendor user", func() (any, error) { return s.GetUser(ctx, me, f.ae.ID) }},
			{"other partner's user", func() (any, error) { return s.GetUser(ctx, me, f.pu2.ID) }},
			{"other partner", func() (any, error) { return s.GetPartner(ctx, me, f.p2.ID) }},
			{"territory", func() (any, error) { return s.GetTerritory(ctx, me, terr.ID) }},
			{"conflict", func() (any, error) { return s.GetConflict(ctx, me, conflict.ID) }},
		}
		for _, c := range hidden {
			got, err := c.get()
			if tandem.ErrorCode(err) != tandem.ENOTFOUND {
				t.Errorf("%s: error %v, want not found", c.name, err)
			}
			if got != nil && !isNilPointer(got) {
				t.Errorf("%s: returned data %+v", c.name, got)
			}
		}

		visible := []struct {
			name string
			get  func() (any, error)
		}{
			{"own opportunity", func() (any, error) { return s.GetOpportunity(ctx, me, f.o1.ID) }},
			{"own registration", func() (any, error) { return s.GetRegistration(ctx, me, f.r1.ID) }},
			{"own touch", func() (any, error) { return s.GetTouch(ctx, me, f.t1.ID) }},
			{"account with own deal", func() (any, error) { return s.GetAccount(ctx, me, f.a1.ID) }},
			{"own user", func() (any, error) { return s.GetUser(ctx, me, f.pu1.ID) }},
			{"own partner", func() (any, error) { return s.GetPartner(ctx, me, f.p1.ID) }},
		}
		for _, c := range visible {
			if _, err := c.get(); err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
		}

		lists := []struct {
			name string
			list func() (ext []string, total int, err error)
			want []string
		}{
			{"opportunities", func() ([]string, int, error) {
				l, n, err := s.ListOpportunities(ctx, me, OpportunityFilter{})
				return pluck(l, func(o tandem.Opportunity) string { return o.ExternalID }), n, err
			}, []string{"O1"}},
			{"opportunities filtered to the other partner", func() ([]string, int, error) {
				l, n, err := s.ListOpportunities(ctx, me, OpportunityFilter{PartnerID: f.p2.ID})
				return pluck(l, func(o tandem.Opportunity) string { return o.ExternalID }), n, err
			}, nil},
			{"registrations", func() ([]string, int, error) {
				l, n, err := s.ListRegistrations(ctx, me, RegistrationFilter{})
				return pluck(l, func(r tandem.Registration) string { return r.ExternalID }), n, err
			}, []string{"R1"}},
			{"touches", func() ([]string, int, error) {
				l, n, err := s.ListTouches(ctx, me, TouchFilter{})
				return pluck(l, func(t tandem.Touch) string { return t.ExternalID }), n, err
			}, []string{"T1"}},
			{"accounts", func() ([]string, int, error) {
				l, n, err := s.ListAccounts(ctx, me, AccountFilter{})
				return pluck(l, func(a tandem.Account) string { return a.ExternalID }), n, err
			}, []string{"A1"}},
			{"users", func() ([]string, int, error) {
				l, n, err := s.ListUsers(ctx, me, UserFilter{})
				return pluck(l, func(u tandem.User) string { return u.ExternalID }), n, err
			}, []string{"U-P1"}},
			{"partners", func() ([]string, int, error) {
				l, n, err := s.ListPartners(ctx, me, PartnerFilter{})
				return pluck(l, func(p tandem.Partner) string { return p.ExternalID }), n, err
			}, []string{"P1"}},
			{"territories", func() ([]string, int, error) {
				l, n, err := s.ListTerritories(ctx, me, TerritoryFilter{})
				return pluck(l, func(t tandem.Territory) string { return t.Name }), n, err
			}, nil},
			{"conflicts", func() ([]string, int, error) {
				l, n, err := s.ListConflicts(ctx, me, ConflictFilter{})
				return pluck(l, func(c tandem.Conflict) string { return c.Rule }), n, err
			}, nil},
		}
		for _, c := range lists {
			got, total, err := c.list()
			if err != nil {
				t.Errorf("list %s: %v", c.name, err)
				continue
			}
			if len(got) != len(c.want) || total != len(c.want) || (len(got) > 0 && got[0] != c.want[0]) {
				t.Errorf("list %s: got %v (total %d), want %v", c.name, got, total, c.want)
			}
		}

		// Writes to another partner's records are not found and change nothing.
		o2, r2, t2, a2, p2, u2 := f.o2, f.r2, f.t2, f.a2, f.p2, f.pu2
		o2.ACV, r2.EstimatedACV, t2.Note, a2.Name, p2.Name, u2.Name = 1, 1, "mine", "mine", "mine", "mine"
		writes := []struct {
			name  string
			write func() error
		}{
			{"update other's opportunity", func() error { return s.UpdateOpportunity(ctx, me, &o2) }},
			{"update other's registration", func() error { return s.UpdateRegistration(ctx, me, &r2) }},
			{"update other's touch", func() error { return s.UpdateTouch(ctx, me, &t2) }},
			{"update other's account", func() error { return s.UpdateAccount(ctx, me, &a2) }},
			{"update other partner", func() error { return s.UpdatePartner(ctx, me, &p2) }},
			{"update other's user", func() error { return s.UpdateUser(ctx, me, &u2) }},
			{"update territory", func() error { return s.UpdateTerritory(ctx, me, &terr) }},
			{"route other's opportunity", func() error {
				_, err := s.ApplyRouting(ctx, me, map[int64]tandem.Routing{f.o2.ID: {Motion: tandem.MotionDirect}})
				return err
			}},
		}
		for _, c := range writes {
			if err := c.write(); tandem.ErrorCode(err) != tandem.ENOTFOUND {
				t.Errorf("%s: error %v, want not found", c.name, err)
			}
		}
		o, _ := s.GetOpportunity(ctx, admin, f.o2.ID)
		r, _ := s.GetRegistration(ctx, admin, f.r2.ID)
		if o.ACV != f.o2.ACV || r.EstimatedACV != f.r2.EstimatedACV {
			t.Errorf("a refused write changed data: acv %v, estimated %v", o.ACV, r.EstimatedACV)
		}

		// A partner user's new registration and touch are always its own partner's.
		reg := tandem.Registration{PartnerID: f.p2.ID, AccountName: "Hooli", Country: "US", ProductType: tandem.ProductAddon,
			EstimatedACV: tandem.Major(5000), Currency: "USD"}
		must(t, s.CreateRegistration(ctx, me, &reg))
		if reg.PartnerID != f.p1.ID {
			t.Errorf("partner user created a registration for partner %d", reg.PartnerID)
		}
		touch := tandem.Touch{PartnerID: f.p2.ID, OpportunityID: f.o1.ID, Kind: tandem.TouchCoSell, OccurredAt: f.t1.OccurredAt}
		must(t, s.CreateTouch(ctx, me, &touch))
		if touch.PartnerID != f.p1.ID {
			t.Errorf("partner user created a touch for partner %d", touch.PartnerID)
		}
		// And it can update its own registration, but not move it to another partner.
		reg.PartnerID = f.p2.ID
		reg.ContactName = "Gavin"
		must(t, s.UpdateRegistration(ctx, me, &reg))
		if got, err := s.GetRegistration(ctx, admin, reg.ID); err != nil || got.PartnerID != f.p1.ID {
			t.Errorf("registration after partner update: %+v %v", got, err)
		}
		// Vendor-only writes are forbidden.
		acct := tandem.Account{Name: "X"}
		wantCode(t, s.CreateAccount(ctx, me, &acct), tandem.EFORBIDDEN)
		opp := f.o1
		wantCode(t, s.CreateOpportunity(ctx, me, &opp), tandem.EFORBIDDEN)
		own := f.o1
		own.ACV++
		wantCode(t, s.UpdateOpportunity(ctx, me, &own), tandem.EFORBIDDEN)
		_, err := s.BeginImport(ctx, me)
		wantCode(t, err, tandem.EFORBIDDEN)
	})
}

// pluck returns what of each item of list, in order; nil for an empty list.
func pluck[T, V any](list []T, what func(T) V) []V {
	var out []V
	for _, x := range list {
		out = append(out, what(x))
	}
	return out
}

// isNilPointer reports whether v is a typed nil pointer (what a getter returns with an error).
func isNilPointer(v any) bool {
	switch p := v.(type) {
	case *tandem.Opportunity:
		return p == nil
	case *tandem.Registration:
		return p == nil
	case *tandem.Touch:
		return p == nil
	case *tandem.Account:
		return p == nil
	case *tandem.User:
		return p == nil
	case *tandem.Partner:
		return p == nil
	case *tandem.Territory:
		return p == nil
	case *tandem.Conflict:
		return p == nil
	}
	return false
}
