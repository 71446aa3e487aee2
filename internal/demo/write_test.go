package demo

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/auth"
	"github.com/tandem-revops/tandem/internal/conflicts"
	"github.com/tandem-revops/tandem/internal/policy"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

func cheapHasher() *auth.Hasher { return auth.NewHasher(auth.WithParams(auth.CheapParams)) }

func openStore(t *testing.T, path string) *sqlstore.Store {
	t.Helper()
	st, err := sqlstore.Open(t.Context(), path, nil)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// ensureNew writes the demo company of cfg into a new database file and opens it.
func ensureNew(t *testing.T, cfg Config) (*Result, *sqlstore.Store) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "demo.db")
	res, err := Ensure(t.Context(), path, cfg, false, cheapHasher().Hash, nil)
	if err != nil {
		t.Fatal(err)
	}
	return res, openStore(t, path)
}

// companyAtToday writes the small demo company the compensation and portfolio tests read, and opens
// it with the store's clock at the demo's today.
func companyAtToday(t *testing.T) *sqlstore.Store {
	t.Helper()
	_, st := ensureNew(t, Config{Seed: 7, Accounts: 600, Opportunities: 2000})
	st.SetClock(func() time.Time { return Today })
	return st
}

func TestEnsureWritesTheCompany(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	res, st := ensureNew(t, Config{Seed: 3, Accounts: 800, Opportunities: 2500})
	if res.Reused || res.Data == nil {
		t.Fatalf("Ensure on a new file: reused %v, data %v; want a generated company", res.Reused, res.Data != nil)
	}
	ds := res.Data
	actor := tandem.SystemActor

	t.Run("counts", func(t *testing.T) {
		count := func(_ any, n int, err error) int {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		accounts := count(st.ListAccounts(ctx, actor, sqlstore.AccountFilter{Limit: 1}))
		opps := count(st.ListOpportunities(ctx, actor, sqlstore.OpportunityFilter{Limit: 1}))
		partners := count(st.ListPartners(ctx, actor, sqlstore.PartnerFilter{Limit: 1}))
		users := count(st.ListUsers(ctx, actor, sqlstore.UserFilter{Limit: 1}))
		regs := count(st.ListRegistrations(ctx, actor, sqlstore.RegistrationFilter{Limit: 1}))
		touches := count(st.ListTouches(ctx, actor, sqlstore.TouchFilter{Limit: 1}))
		got := []int{accounts, opps, partners, users, regs, touches}
		// The replayed history files more registrations through the lifecycle.
		want := []int{len(ds.Accounts), len(ds.Opportunities), len(ds.Partners), len(ds.Users),
			len(ds.Registrations) + len(ds.History.Filings), len(ds.Touches)}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("stored accounts, opportunities, partners, users, registrations, touches (-generated +stored):\n%s", diff)
		}
	})

	// The replayed history leaves every issue-3 page something to show.
	t.Run("history", func(t *testing.T) {
		if len(ds.History.Filings) == 0 || len(ds.History.Outcomes) == 0 {
			t.Fatal("no history planned")
		}
		today := ds.Config.Today
		entries, err := st.RegistrationEvents(ctx, actor, firstFiled(t, st, ds))
		if err != nil || len(entries) == 0 || entries[0].Event != tandem.EventSubmit || entries[0].At.After(today) {
			t.Errorf("the first filing's log: %+v %v", entries, err)
		}
		review, err := conflicts.Review(ctx, st, actor, today.AddDate(0, 0, -historyDays), today.AddDate(0, 0, 1))
		if err != nil {
			t.Fatal(err)
		}
		var levels int
		for _, l := range review.ResolvedAtLevel {
			if l.Resolved > 0 {
				levels++
			}
		}
		if review.Opened < 10 || review.Resolved == 0 || levels < 2 {
			t.Errorf("conflict review over the history: %d opened, %d resolved at %d levels", review.Opened, review.Resolved, levels)
		}
		// Every escalation level has an open dispute on first start: the planted escalations climbed
		// there as the SLAs of the levels below ran out.
		for _, level := range []tandem.EscalationLevel{tandem.LevelVPs, tandem.LevelCRO, tandem.LevelCEO} {
			_, n, err := st.ListConflicts(ctx, actor, sqlstore.ConflictFilter{Status: tandem.ConflictOpen, Level: level, Limit: 1})
			if err != nil || n == 0 {
				t.Errorf("no open conflict at escalation level %d: %v", level, err)
			}
		}
		matches, _, err := st.ListAccountMatches(ctx, actor, sqlstore.AccountMatchFilter{Status: sqlstore.AccountMatchResolved, Limit: 1})
		if err != nil || len(matches) == 0 {
			t.Errorf("no account match was settled in the history: %v", err)
		}
	})

	t.Run("references and routing survive", func(t *testing.T) {
		o, err := st.GetOpportunityByExternalID(ctx, actor, ds.Opportunities[0].ExternalID)
		if err != nil {
			t.Fatal(err)
		}
		gen := ds.Opportunities[0]
		acc, err := st.GetAccount(ctx, actor, o.AccountID)
		if err != nil {
			t.Fatal(err)
		}
		if acc.ExternalID != ds.Accounts[gen.AccountID-1].ExternalID {
			t.Errorf("%s belongs to %s, want %s", o.ExternalID, acc.ExternalID, ds.Accounts[gen.AccountID-1].ExternalID)
		}
		if o.Routing.Motion != gen.Routing.Motion || o.Routing.Rule != gen.Routing.Rule || o.Routing.PolicyVersion == "" {
			t.Errorf("stored routing %+v, generated %+v", o.Routing, gen.Routing)
		}
		var child *tandem.Account
		for _, a := range ds.Accounts {
			if a.ParentID != 0 {
				child = &a
				break
			}
		}
		if child == nil {
			t.Fatal("no account with a parent was generated")
		}
		accs, _, err := st.ListAccounts(ctx, actor, sqlstore.AccountFilter{Query: child.Domain, Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range accs {
			if a.ExternalID == child.ExternalID && a.ParentID == 0 {
				t.Errorf("%s lost its parent", a.ExternalID)
			}
		}
	})

	t.Run("policy published", func(t *testing.T) {
		pv, err := st.ActivePolicyVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if pv.Version != ds.Opportunities[0].Routing.PolicyVersion {
			t.Errorf("published policy %s, deals routed by %s", pv.Version, ds.Opportunities[0].Routing.PolicyVersion)
		}
	})

	t.Run("sign-ins work and no one else has a password", func(t *testing.T) {
		h := cheapHasher()
		partners := map[int64]bool{}
		for _, s := range res.Marker.SignIns {
			u, hash, err := st.UserByEmail(ctx, s.Email)
			if err != nil {
				t.Fatalf("%s: %v", s.Label, err)
			}
			if ok, err := h.Verify(ctx, Password, hash); err != nil || !ok {
				t.Errorf("%s (%s): password does not verify (%v)", s.Label, s.Email, err)
			}
			if u.ID != s.UserID {
				t.Errorf("%s: marker says user %d, store has %d", s.Email, s.UserID, u.ID)
			}
			if u.Role == tandem.RolePartnerUser {
				partners[u.PartnerID] = true
			}
		}
		if len(partners) != 2 {
			t.Errorf("partner sign-ins belong to %d partners, want 2", len(partners))
		}
		other := ds.Users[len(ds.Users)-1]
		if _, hash, err := st.UserByEmail(ctx, other.Email); err != nil || hash != "" {
			t.Errorf("%s: hash %q, err %v; want no password", other.Email, hash, err)
		}
	})
}

func TestEnsureReusesRegeneratesAndRefuses(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dir := t.TempDir()
	path := filepath.Join(dir, "demo.db")
	cfg := Config{Seed: 5, Accounts: 200, Opportunities: 400, Partners: 30}
	hash := cheapHasher().Hash
	ensure := func(cfg Config, reset bool) *Result {
		t.Helper()
		res, err := Ensure(ctx, path, cfg, reset, hash, nil)
		if err != nil {
			t.Fatalf("Ensure(seed %d, reset %v): %v", cfg.Seed, reset, err)
		}
		return res
	}
	first := ensure(cfg, false)
	second := ensure(cfg, false)
	if !second.Reused {
		t.Error("the same seed regenerated the file; want it reused")
	}
	if diff := cmp.Diff(first.Marker, second.Marker); diff != "" {
		t.Errorf("reused marker differs (-first +second):\n%s", diff)
	}
	if ensure(cfg, true).Reused {
		t.Error("--reset reused the file")
	}
	other := cfg
	other.Seed = 6
	if res := ensure(other, false); res.Reused || res.Marker.Seed != 6 {
		t.Errorf("another seed: reused %v, marker seed %d; want a new company of seed 6", res.Reused, res.Marker.Seed)
	}
	if _, err := os.Stat(path + ".tmp"); !os.IsNotExist(err) {
		t.Errorf("the temporary file is left behind: %v", err)
	}

	// A database that is not a demo is not overwritten without --reset.
	foreign := filepath.Join(dir, "real.db")
	st, err := sqlstore.Open(ctx, foreign, nil)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	if _, err := Ensure(ctx, foreign, cfg, false, hash, nil); tandem.ErrorCode(err) != tandem.EINVALID {
		t.Errorf("Ensure over a non-demo database: %v, want EINVALID", err)
	}
	if res, err := Ensure(ctx, foreign, cfg, true, hash, nil); err != nil || res.Reused {
		t.Errorf("Ensure --reset over a non-demo database: %v, reused %v", err, res != nil && res.Reused)
	}
}

// BenchmarkWrite measures writing the full-size company to a new SQLite file (generation excluded).
func BenchmarkWrite(b *testing.B) {
	ds := generate(b, DefaultConfig(1))
	hash := auth.NewHasher().Hash
	ctx := context.Background()
	for i := 0; b.Loop(); i++ {
		path := filepath.Join(b.TempDir(), "demo.db")
		if _, err := writeFile(ctx, path, ds, policy.Default(), hash, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEnsure measures what a newcomer waits for: generate and write the full-size demo.
func BenchmarkEnsure(b *testing.B) {
	hash := auth.NewHasher().Hash
	ctx := context.Background()
	for b.Loop() {
		path := filepath.Join(b.TempDir(), "demo.db")
		if _, err := Ensure(ctx, path, DefaultConfig(1), false, hash, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// firstFiled returns the store id of the history's first filing.
func firstFiled(t *testing.T, st *sqlstore.Store, ds *Dataset) int64 {
	t.Helper()
	regs, _, err := st.ListRegistrations(t.Context(), tandem.SystemActor, sqlstore.RegistrationFilter{Query: ds.History.Filings[0].Registration.AccountName, Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range regs {
		if r.ExternalID == ds.History.Filings[0].Registration.ExternalID {
			return r.ID
		}
	}
	t.Fatalf("the first filing %s is not stored", ds.History.Filings[0].Registration.ExternalID)
	return 0
}
