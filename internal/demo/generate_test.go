package demo

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"testing"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/policy"
)

// generate runs Generate with the built-in policy and fails the test on error.
func generate(t testing.TB, cfg Config) *Dataset {
	t.Helper()
	ds, err := Generate(cfg, PolicyRouter(policy.Default()))
	if err != nil {
		t.Fatalf("Generate(seed %d): %v", cfg.Seed, err)
	}
	return ds
}

// fingerprint hashes everything a dataset holds.
func fingerprint(t testing.TB, ds *Dataset) string {
	t.Helper()
	b, err := json.Marshal(ds)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func smallConfig(seed uint64) Config {
	return Config{Seed: seed, Accounts: 1500, Opportunities: 4000}
}

func TestGenerateIsDeterministic(t *testing.T) {
	t.Parallel()
	a := fingerprint(t, generate(t, smallConfig(7)))
	b := fingerprint(t, generate(t, smallConfig(7)))
	c := fingerprint(t, generate(t, smallConfig(8)))
	if a != b {
		t.Errorf("seed 7 gave two different datasets: %s vs %s", a, b)
	}
	if a == c {
		t.Errorf("seeds 7 and 8 gave the same dataset %s", a)
	}
}

// TestGenerateFullSize checks the default-size company: counts, distributions, integrity, validity
// and routing.
func TestGenerateFullSize(t *testing.T) {
	t.Parallel()
	ds := generate(t, DefaultConfig(1))

	t.Run("counts", func(t *testing.T) {
		roles := map[tandem.Role]int{}
		for _, u := range ds.Users {
			roles[u.Role]++
		}
		atLeast := map[tandem.Role]int{
			tandem.RoleAE: 40, tandem.RoleVPSales: 2, tandem.RolePartnerManager: 4, tandem.RoleVPChannel: 1,
			tandem.RoleRevOps: 1, tandem.RoleCRO: 1, tandem.RoleCEO: 1, tandem.RoleAdmin: 1, tandem.RolePartnerUser: 300,
		}
		for r, n := range atLeast {
			if roles[r] < n {
				t.Errorf("%d users with role %s, want at least %d", roles[r], r, n)
			}
		}
		tiers := map[tandem.Tier]int{}
		probation := 0
		for _, p := range ds.Partners {
			tiers[p.Tier]++
			if p.Standing == tandem.StandingProbation {
				probation++
			}
		}
		wantTiers := map[tandem.Tier]int{tandem.TierPlatinum: 10, tandem.TierGold: 30, tandem.TierSilver: 50, tandem.TierRegistered: 60}
		for tier, n := range wantTiers {
			if tiers[tier] != n {
				t.Errorf("%d %s partners, want %d", tiers[tier], tier, n)
			}
		}
		if probation == 0 || probation > 15 {
			t.Errorf("%d partners on probation, want a few", probation)
		}
		if len(ds.Accounts) != 20000 || len(ds.Opportunities) != 60000 || len(ds.Partners) != 150 {
			t.Errorf("accounts, opportunities, partners = %d, %d, %d; want 20000, 60000, 150",
				len(ds.Accounts), len(ds.Opportunities), len(ds.Partners))
		}
		if len(ds.Registrations) < 10000 || len(ds.Touches) < 20000 {
			t.Errorf("%d registrations and %d touches, want many", len(ds.Registrations), len(ds.Touches))
		}
		if len(ds.SignIns) != 10 {
			t.Errorf("%d sign-ins, want 10", len(ds.SignIns))
		}
	})

	t.Run("distributions", func(t *testing.T) {
		var partnerDeals, won, closed, mid, big, children int
		for _, o := range ds.Opportunities {
			if o.PartnerID != 0 {
				partnerDeals++
			}
			if o.Stage.Closed() {
				closed++
				if o.Stage == tandem.StageClosedWon {
					won++
				}
			}
			usd := int64(o.ACV) * 10000 / usdRateBP[o.Currency] / tandem.MinorUnits
			if usd >= 20000 && usd <= 400000 {
				mid++
			}
			if usd > 1000000 {
				big++
			}
			if usd > 3_000_000 {
				t.Errorf("%s: ACV %s %s is above $3M", o.ExternalID, o.ACV, o.Currency)
			}
		}
		for _, a := range ds.Accounts {
			if a.ParentID != 0 {
				children++
			}
		}
		n := float64(len(ds.Opportunities))
		checks := []struct {
			name   string
			got    float64
			lo, hi float64
		}{
			{"share of deals with a partner", float64(partnerDeals) / n, 0.40, 0.50},
			{"win rate of closed deals", float64(won) / float64(closed), 0.25, 0.35},
			{"share of closed deals", float64(closed) / n, 0.75, 0.95},
			{"share of deals between $20k and $400k", float64(mid) / n, 0.45, 0.70},
			{"share of deals above $1M", float64(big) / n, 0.002, 0.03},
			{"share of accounts with a parent", float64(children) / float64(len(ds.Accounts)), 0.02, 0.10},
		}
		for _, c := range checks {
			if c.got < c.lo || c.got > c.hi {
				t.Errorf("%s = %.3f, want between %.2f and %.2f", c.name, c.got, c.lo, c.hi)
			}
		}
	})

	t.Run("dates fit stages", func(t *testing.T) {
		oldest := quarterStart(Today).AddDate(0, -21, 0)
		for _, o := range ds.Opportunities {
			switch {
			// Open pipeline reaches two quarters past the current one, as in a real CRM.
			case o.CloseDate.Before(oldest) || !o.CloseDate.Before(quarterStart(Today).AddDate(0, 9, 0)):
				t.Fatalf("%s closes %s, outside the eight quarters and the next two", o.ExternalID, o.CloseDate)
			case o.Stage.Closed() != o.CloseDate.Before(Today):
				t.Fatalf("%s: stage %s with close date %s (today %s)", o.ExternalID, o.Stage, o.CloseDate, Today)
			case o.CreatedOn.After(Today):
				t.Fatalf("%s created in the future: %s", o.ExternalID, o.CreatedOn)
			case o.Stage == tandem.StageClosedWon && o.ForecastCategory != tandem.ForecastClosed:
				t.Fatalf("%s won with forecast category %s", o.ExternalID, o.ForecastCategory)
			}
		}
	})

	t.Run("every record validates", func(t *testing.T) {
		validateEach(t, "user", ds.Users, func(u *tandem.User) string { return u.ExternalID })
		validateEach(t, "partner", ds.Partners, func(p *tandem.Partner) string { return p.ExternalID })
		validateEach(t, "product", ds.Products, func(p *tandem.Product) string { return p.ExternalID })
		validateEach(t, "account", ds.Accounts, func(a *tandem.Account) string { return a.ExternalID })
		validateEach(t, "opportunity", ds.Opportunities, func(o *tandem.Opportunity) string { return o.ExternalID })
		validateEach(t, "registration", ds.Registrations, func(r *tandem.Registration) string { return r.ExternalID })
		validateEach(t, "touch", ds.Touches, func(tc *tandem.Touch) string { return tc.ExternalID })
	})

	t.Run("references point at records", func(t *testing.T) {
		inRange := func(what string, id int64, n int, optional bool) {
			t.Helper()
			if (id == 0 && !optional) || id < 0 || id > int64(n) {
				t.Fatalf("%s = %d, want a dataset id in 1..%d", what, id, n)
			}
		}
		users, partners, accounts, opps := len(ds.Users), len(ds.Partners), len(ds.Accounts), len(ds.Opportunities)
		for _, u := range ds.Users {
			inRange(u.ExternalID+" manager", u.ManagerID, users, true)
			inRange(u.ExternalID+" partner", u.PartnerID, partners, true)
			inRange(u.ExternalID+" territory", u.TerritoryID, len(ds.Territories), true)
		}
		for _, p := range ds.Partners {
			inRange(p.ExternalID+" manager", p.ManagerID, users, false)
			if ds.Users[p.ManagerID-1].Role != tandem.RolePartnerManager {
				t.Fatalf("%s is managed by a %s", p.ExternalID, ds.Users[p.ManagerID-1].Role)
			}
		}
		for _, a := range ds.Accounts {
			inRange(a.ExternalID+" parent", a.ParentID, accounts, true)
			inRange(a.ExternalID+" owner", a.OwnerID, users, false)
			if a.ParentID != 0 && ds.Accounts[a.ParentID-1].ParentID != 0 {
				t.Fatalf("%s: parent %d has a parent itself", a.ExternalID, a.ParentID)
			}
		}
		for _, o := range ds.Opportunities {
			inRange(o.ExternalID+" account", o.AccountID, accounts, false)
			inRange(o.ExternalID+" partner", o.PartnerID, partners, true)
			if ds.Users[o.OwnerID-1].Role != tandem.RoleAE {
				t.Fatalf("%s is owned by a %s", o.ExternalID, ds.Users[o.OwnerID-1].Role)
			}
		}
		for _, r := range ds.Registrations {
			inRange(r.ExternalID+" partner", r.PartnerID, partners, false)
			inRange(r.ExternalID+" account", r.AccountID, accounts, true)
			inRange(r.ExternalID+" opportunity", r.OpportunityID, opps, true)
			if r.OpportunityID != 0 && ds.Opportunities[r.OpportunityID-1].PartnerID != r.PartnerID {
				t.Fatalf("%s: partner %d registered %d, a deal of partner %d", r.ExternalID, r.PartnerID,
					r.OpportunityID, ds.Opportunities[r.OpportunityID-1].PartnerID)
			}
		}
		for _, tc := range ds.Touches {
			inRange(tc.ExternalID+" opportunity", tc.OpportunityID, opps, false)
			if ds.Opportunities[tc.OpportunityID-1].PartnerID != tc.PartnerID {
				t.Fatalf("%s: touch by partner %d on a deal of partner %d", tc.ExternalID, tc.PartnerID,
					ds.Opportunities[tc.OpportunityID-1].PartnerID)
			}
		}
	})

	t.Run("identifiers are unique", func(t *testing.T) {
		seen := map[string]bool{}
		add := func(s string) {
			if seen[s] {
				t.Fatalf("%q appears twice", s)
			}
			seen[s] = true
		}
		for _, u := range ds.Users {
			add(u.ExternalID)
			add(u.Email)
		}
		for _, p := range ds.Partners {
			add(p.ExternalID)
		}
		for _, a := range ds.Accounts {
			add(a.ExternalID)
			add("name:" + a.Name)
		}
		for _, o := range ds.Opportunities {
			add(o.ExternalID)
		}
		for _, r := range ds.Registrations {
			add(r.ExternalID)
		}
		for _, tc := range ds.Touches {
			add(tc.ExternalID)
		}
	})

	t.Run("routing", func(t *testing.T) {
		motions := map[tandem.Motion]int{}
		sticky := 0
		for _, o := range ds.Opportunities {
			r := o.Routing
			if !r.Motion.Valid() || r.Rule == "" || r.PolicyVersion == "" || r.Explanation == "" || r.RoutedAt.IsZero() {
				t.Fatalf("%s has incomplete routing %+v", o.ExternalID, r)
			}
			motions[r.Motion]++
			if r.Rule == "sticky-partner-led" && !o.Stage.Closed() {
				sticky++
			}
		}
		// A mid-market vendor under the built-in policy (partner-led below $250k, direct above $1M):
		// most deals partner-led, co-sell common, direct rare but present.
		mix := map[tandem.Motion][2]float64{
			tandem.MotionPartnerLed: {0.80, 0.95}, tandem.MotionCoSell: {0.05, 0.15}, tandem.MotionDirect: {0.002, 0.02},
		}
		for _, m := range tandem.Motions {
			share := float64(motions[m]) / float64(len(ds.Opportunities))
			if share < mix[m][0] || share > mix[m][1] {
				t.Errorf("%.3f of deals routed %s, want between %.2f and %.2f: %v", share, m, mix[m][0], mix[m][1], motions)
			}
		}
		if sticky == 0 {
			t.Errorf("no open deal kept its partner-led motion under an approved registration")
		}
	})

	t.Run("registrations", func(t *testing.T) {
		statuses := map[tandem.RegistrationStatus]int{}
		type key struct {
			account int64
			product tandem.ProductType
		}
		openByKey := map[key]map[int64]bool{}
		for _, r := range ds.Registrations {
			statuses[r.Status]++
			if r.AccountID != 0 && (r.Status == tandem.RegistrationSubmitted || r.Status == tandem.RegistrationApproved) {
				k := key{r.AccountID, r.ProductType}
				if openByKey[k] == nil {
					openByKey[k] = map[int64]bool{}
				}
				openByKey[k][r.PartnerID] = true
			}
		}
		for _, s := range []tandem.RegistrationStatus{tandem.RegistrationApproved, tandem.RegistrationSubmitted,
			tandem.RegistrationRejected, tandem.RegistrationExpired, tandem.RegistrationWon, tandem.RegistrationLost} {
			if statuses[s] == 0 {
				t.Errorf("no registration is %s: %v", s, statuses)
			}
		}
		overlaps := 0
		for _, ps := range openByKey {
			if len(ps) > 1 {
				overlaps++
			}
		}
		if overlaps < 10 {
			t.Errorf("%d accounts with open registrations of two partners, want at least 10", overlaps)
		}
	})
}

func BenchmarkGenerate(b *testing.B) {
	pol := policy.Default()
	for b.Loop() {
		if _, err := Generate(DefaultConfig(1), PolicyRouter(pol)); err != nil {
			b.Fatal(err)
		}
	}
}

// validateEach fails t at the first of items whose Validate fails, naming its kind and external id.
func validateEach[T any, P interface {
	*T
	Validate() error
}](t *testing.T, kind string, items []T, externalID func(*T) string) {
	t.Helper()
	for i := range items {
		if err := P(&items[i]).Validate(); err != nil {
			t.Fatalf("%s %s: %v", kind, externalID(&items[i]), err)
		}
	}
}
