package sqlstore

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tandem-revops/tandem/internal/conflicts"
	"github.com/tandem-revops/tandem/internal/postgres/pgtest"

	"github.com/google/go-cmp/cmp"

	tandem "github.com/tandem-revops/tandem"
)

// conflictRules are the default conflict settings on a 09:00–17:00 UTC Monday–Friday calendar.
func conflictRules(t *testing.T) tandem.ConflictRules {
	t.Helper()
	return tandem.ConflictRules{Settings: tandem.DefaultConflictSettings(), Calendar: testCalendar(t)}
}

// conflictFixture is the seed with channel staff and a clock the test moves. In the seed, partner 1
// holds an approved registration r1 on Acme (core, deal o1 at proposal, co-sell), partner 2 a submitted
// one r2 on Globex (services), and o3 is a direct core deal on Initech.
type conflictFixture struct {
	*lifecycleFixture
	crules                       tandem.ConflictRules
	vpSales, vpChannel, cro, ceo tandem.Actor
	submit                       func(t *testing.T, actor tandem.Actor, r tandem.Registration) *tandem.Registration
	detect                       func(t *testing.T, id int64) []tandem.Conflict
	log                          func(t *testing.T, id int64) []string
}

func seedConflicts(t *testing.T, s *Store) *conflictFixture {
	t.Helper()
	ctx := context.Background()
	f := &conflictFixture{lifecycleFixture: seedLifecycle(t, s), crules: conflictRules(t)}
	for _, u := range []struct {
		into *tandem.Actor
		role tandem.Role
	}{{&f.vpSales, tandem.RoleVPSales}, {&f.vpChannel, tandem.RoleVPChannel}, {&f.cro, tandem.RoleCRO}, {&f.ceo, tandem.RoleCEO}} {
		user := tandem.User{Email: string(u.role) + "@vendor.test", Name: string(u.role), Role: u.role}
		must(t, s.CreateUser(ctx, admin, &user, ""))
		*u.into = tandem.Actor{UserID: user.ID, Email: user.Email, Role: u.role}
	}
	f.submit = func(t *testing.T, actor tandem.Actor, r tandem.Registration) *tandem.Registration {
		t.Helper()
		if r.Country == "" {
			r.Country, r.Currency, r.EstimatedACV = "US", "USD", tandem.Major(60_000)
		}
		if r.ProductType == "" {
			r.ProductType = tandem.ProductCore
		}
		must(t, s.SubmitRegistration(ctx, actor, &r, f.rules))
		return &r
	}
	f.detect = func(t *testing.T, id int64) []tandem.Conflict {
		t.Helper()
		got, err := conflicts.DetectRegistration(ctx, s, admin, f.crules, id)
		must(t, err)
		return got
	}
	f.log = func(t *testing.T, id int64) []string {
		t.Helper()
		entries, err := s.EscalationLog(ctx, admin, id)
		must(t, err)
		return pluck(entries, func(e tandem.EscalationEntry) string { return e.Action + "@" + string(rune('0'+e.Level)) })
	}
	return f
}

// causes lists the conflicts' causes with the registrations and deal they are about, for comparison.
type conflictSummary struct {
	Cause      tandem.ConflictCause
	Reg, Other int64
	Opp        int64
}

func summarise(list []tandem.Conflict) []conflictSummary {
	out := []conflictSummary{}
	for _, c := range list {
		out = append(out, conflictSummary{c.Cause, c.RegistrationID, c.OtherRegistrationID, c.OpportunityID})
	}
	return out
}

func TestDetectRegistrationConflicts(t *testing.T) {
	t.Parallel()
	forEachSeeded(t, seedConflicts, func(t *testing.T, ctx context.Context, s *Store, f *conflictFixture) {
		// A partner does not conflict with itself.
		again := f.submit(t, f.actor1, tandem.Registration{AccountName: "Acme Corp"})
		if got := f.detect(t, again.ID); len(got) != 0 {
			t.Errorf("the same partner again: opened %v", summarise(got))
		}
		_, err := s.TransitionRegistration(ctx, f.actor1, again.ID, tandem.EventWithdraw, "", f.rules)
		must(t, err)

		// Partner 2 registers Acme by name and website only: it overlaps partner 1's approved r1.
		f.clock.advance(time.Hour)
		mine := f.submit(t, f.actor2, tandem.Registration{AccountName: "ACME Corporation", Website: "acme.com"})
		got := f.detect(t, mine.ID)
		want := []conflictSummary{{tandem.CausePartnerOverlap, f.r1.ID, mine.ID, f.o1.ID}}
		if diff := cmp.Diff(want, summarise(got)); diff != "" {
			t.Fatalf("partner overlap (-want +got):\n%s", diff)
		}
		c := got[0]
		if c.Level != tandem.LevelAEAndPartnerManager || c.Status != tandem.ConflictOpen || c.Rule != "core-large" ||
			c.AccountID != f.a1.ID || c.ProductType != tandem.ProductCore {
			t.Errorf("opened %+v", c)
		}
		// Opened Monday 10:30; three business days of 09:00–17:00 end Thursday 10:30.
		if wantDue := time.Date(2026, 3, 5, 10, 30, 0, 0, time.UTC); !c.LevelDueAt.Equal(wantDue) {
			t.Errorf("level 1 due %s, want %s", c.LevelDueAt, wantDue)
		}
		if diff := cmp.Diff([]string{"opened@1"}, f.log(t, c.ID)); diff != "" {
			t.Errorf("log (-want +got):\n%s", diff)
		}
		// Detection is idempotent, from either side.
		if again := f.detect(t, mine.ID); len(again) != 0 {
			t.Errorf("second detection opened %v", summarise(again))
		}
		if again := f.detect(t, f.r1.ID); len(again) != 0 {
			t.Errorf("detection from the other side opened %v", summarise(again))
		}
		list, total, err := s.ListConflicts(ctx, admin, ConflictFilter{Status: tandem.ConflictOpen})
		must(t, err)
		if total != 1 || len(list) != 1 {
			t.Errorf("%d open conflicts, want 1", total)
		}

		quiet := []struct {
			name string
			reg  tandem.Registration
			as   tandem.Actor
		}{
			{"another product type", tandem.Registration{AccountName: "Acme Corp", ProductType: tandem.ProductAddon}, f.actor2},
			{"another customer", tandem.Registration{AccountName: "Umbrella Corp", Website: "umbrella.test"}, f.actor2},
		}
		for _, tt := range quiet {
			r := f.submit(t, tt.as, tt.reg)
			if got := f.detect(t, r.ID); len(got) != 0 {
				t.Errorf("%s: opened %v", tt.name, summarise(got))
			}
		}

		// A registration on Initech core overlaps the direct deal o3.
		initech := f.submit(t, f.actor1, tandem.Registration{AccountName: "Initech Inc."})
		want = []conflictSummary{{tandem.CauseDirectOverlap, initech.ID, 0, f.o3.ID}}
		if diff := cmp.Diff(want, summarise(f.detect(t, initech.ID))); diff != "" {
			t.Errorf("direct overlap (-want +got):\n%s", diff)
		}

		// A withdrawn registration, and an approved one whose protection has run out, claim nothing.
		gone := f.submit(t, f.actor2, tandem.Registration{AccountName: "Initech"})
		_, err = s.TransitionRegistration(ctx, f.actor2, gone.ID, tandem.EventWithdraw, "", f.rules)
		must(t, err)
		if got := f.detect(t, gone.ID); len(got) != 0 {
			t.Errorf("withdrawn registration opened %v", summarise(got))
		}
		old := tandem.Registration{ExternalID: "R-OLD", PartnerID: f.p2.ID, AccountID: f.a3.ID, AccountName: "Initech",
			Country: "US", ProductType: tandem.ProductServices, EstimatedACV: 1, Currency: "USD",
			Status: tandem.RegistrationApproved, ExpiresAt: f.clock.t.Add(-time.Hour)}
		must(t, s.CreateRegistration(ctx, admin, &old))
		fresh := f.submit(t, f.actor1, tandem.Registration{AccountName: "Initech", ProductType: tandem.ProductServices})
		if got := f.detect(t, fresh.ID); len(got) != 0 {
			t.Errorf("an expired registration counted: %v", summarise(got))
		}

		// A partner user may run detection on its own registration, never on another's.
		if _, err := conflicts.DetectRegistration(ctx, s, f.actor1, f.crules, f.r2.ID); tandem.ErrorCode(err) != tandem.ENOTFOUND {
			t.Errorf("detection on another partner's registration: %v", err)
		}
	})
}

func TestDetectOpportunityConflicts(t *testing.T) {
	t.Parallel()
	forEachSeeded(t, seedConflicts, func(t *testing.T, ctx context.Context, s *Store, f *conflictFixture) {
		detect := func(t *testing.T, before, after *tandem.Opportunity) []conflictSummary {
			t.Helper()
			got, err := conflicts.DetectOpportunity(ctx, s, f.aeActor, f.crules, before, after)
			must(t, err)
			return summarise(got)
		}
		flagged := func(t *testing.T, id int64) bool {
			t.Helper()
			got, err := s.CannibalisationFlagged(ctx, admin, id)
			must(t, err)
			return got
		}
		change := func(o tandem.Opportunity, fn func(*tandem.Opportunity)) *tandem.Opportunity {
			fn(&o)
			return &o
		}

		// A change of motion is no conflict for detection: past the protected stage the caller holds the
		// re-route and opens its conflict with HoldReroute (TestHoldReroute).
		early := change(f.o2, func(o *tandem.Opportunity) { o.Routing.Motion = tandem.MotionDirect })
		if got := detect(t, &f.o2, early); len(got) != 0 {
			t.Errorf("re-route at qualified opened %v", got)
		}
		rerouted := change(f.o1, func(o *tandem.Opportunity) { o.Routing.Motion = tandem.MotionDirect })
		if got := detect(t, &f.o1, rerouted); len(got) != 0 {
			t.Errorf("a stored re-route opened %v", got)
		}
		var want []conflictSummary

		// o1 is co-sell with r1 approved: a 20 % discount is within the guardrail, 20.01 % undercuts.
		within := change(f.o1, func(o *tandem.Opportunity) { o.DiscountBasisPoints = 2000 })
		if got := detect(t, &f.o1, within); len(got) != 0 || flagged(t, f.o1.ID) {
			t.Errorf("discount within the guardrail opened %v", got)
		}
		beyond := change(f.o1, func(o *tandem.Opportunity) { o.DiscountBasisPoints = 2001 })
		want = []conflictSummary{{tandem.CauseCannibalisation, f.r1.ID, 0, f.o1.ID}}
		if diff := cmp.Diff(want, detect(t, within, beyond)); diff != "" {
			t.Errorf("discount beyond the guardrail (-want +got):\n%s", diff)
		}
		if !flagged(t, f.o1.ID) {
			t.Error("the undercut deal is not flagged")
		}
		// Lowering the discount again undercuts nobody.
		if got := detect(t, beyond, within); len(got) != 0 {
			t.Errorf("lowering the discount opened %v", got)
		}
		// A deal without an approved registration has no guardrail to break.
		if got := detect(t, &f.o3, change(f.o3, func(o *tandem.Opportunity) { o.DiscountBasisPoints = 5000 })); len(got) != 0 {
			t.Errorf("discount on a direct deal opened %v", got)
		}

		// A direct deal on Acme core competes with r1 (approved): cannibalisation, flagged. On Globex
		// services it meets r2, still submitted: a direct overlap, not flagged.
		steal := tandem.Opportunity{ExternalID: "O-STEAL", Name: "Acme direct", AccountID: f.a1.ID, OwnerID: f.ae.ID,
			ProductType: tandem.ProductCore, ACV: tandem.Major(90_000), Currency: "USD", Stage: tandem.StageQualified,
			ForecastCategory: tandem.ForecastPipeline, Routing: tandem.Routing{Motion: tandem.MotionDirect, Rule: "core-mid"}}
		must(t, s.CreateOpportunity(ctx, f.aeActor, &steal))
		want = []conflictSummary{{tandem.CauseCannibalisation, f.r1.ID, 0, steal.ID}}
		if diff := cmp.Diff(want, detect(t, nil, &steal)); diff != "" {
			t.Errorf("competing direct deal (-want +got):\n%s", diff)
		}
		if !flagged(t, steal.ID) {
			t.Error("the competing direct deal is not flagged")
		}
		globex := tandem.Opportunity{ExternalID: "O-GLOBEX", Name: "Globex direct", AccountID: f.a2.ID,
			ProductType: tandem.ProductServices, ACV: tandem.Major(20_000), Currency: "EUR", Stage: tandem.StageQualified,
			ForecastCategory: tandem.ForecastPipeline, Routing: tandem.Routing{Motion: tandem.MotionDirect}}
		must(t, s.CreateOpportunity(ctx, f.aeActor, &globex))
		want = []conflictSummary{{tandem.CauseDirectOverlap, f.r2.ID, 0, globex.ID}}
		if diff := cmp.Diff(want, detect(t, nil, &globex)); diff != "" {
			t.Errorf("direct deal on a submitted registration (-want +got):\n%s", diff)
		}
		if flagged(t, globex.ID) {
			t.Error("a direct overlap with a submitted registration is flagged")
		}
		// Detecting from the registration's side finds the same pair open: nothing new.
		if got := f.detect(t, f.r2.ID); len(got) != 0 {
			t.Errorf("registration-side detection of an open pair opened %v", summarise(got))
		}

		if _, err := conflicts.DetectOpportunity(ctx, s, f.actor1, f.crules, nil, &steal); tandem.ErrorCode(err) != tandem.EFORBIDDEN {
			t.Errorf("partner user detection: %v", err)
		}
	})
}

// openDueConflicts opens n conflicts at level 1 due at due, as detection would.
func openDueConflicts(t *testing.T, s *Store, n int, due time.Time, opp, reg int64) []int64 {
	t.Helper()
	ids := make([]int64, n)
	for i := range n {
		c := tandem.Conflict{Cause: tandem.CauseDirectOverlap, OpportunityID: opp, RegistrationID: reg, LevelDueAt: due}
		must(t, s.CreateConflict(context.Background(), admin, &c))
		ids[i] = c.ID
	}
	return ids
}

func TestEscalateDue(t *testing.T) {
	t.Parallel()
	forEachSeeded(t, seedConflicts, func(t *testing.T, ctx context.Context, s *Store, f *conflictFixture) {
		mine := f.submit(t, f.actor2, tandem.Registration{AccountName: "Acme Corp"})
		opened := f.detect(t, mine.ID)
		if len(opened) != 1 {
			t.Fatalf("opened %d conflicts", len(opened))
		}
		id := opened[0].ID
		level := func() (tandem.EscalationLevel, time.Time) {
			c, err := s.GetConflict(ctx, admin, id)
			must(t, err)
			return c.Level, c.LevelDueAt
		}
		due1 := time.Date(2026, 3, 5, 9, 30, 0, 0, time.UTC) // Monday 09:30 + 3 business days

		steps := []struct {
			name  string
			now   time.Time
			moved int
			level tandem.EscalationLevel
			due   time.Time
		}{
			{"a microsecond early", due1.Add(-time.Microsecond), 0, 1, due1},
			{"level 1 ran out", due1, 1, 2, time.Date(2026, 3, 9, 9, 30, 0, 0, time.UTC)}, // Thu → Mon (2 days)
			{"run again at once", due1, 0, 2, time.Date(2026, 3, 9, 9, 30, 0, 0, time.UTC)},
			// Long overdue: it climbs level by level, each level's clock starting when the last ran out,
			// and stops at the CEO.
			{"weeks later", time.Date(2026, 4, 1, 12, 0, 0, 0, time.UTC), 2, 4, time.Date(2026, 3, 12, 9, 30, 0, 0, time.UTC)},
			{"the CEO is the last level", time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC), 0, 4, time.Date(2026, 3, 12, 9, 30, 0, 0, time.UTC)},
		}
		for _, st := range steps {
			n, err := s.EscalateDue(ctx, st.now, f.crules)
			must(t, err)
			gotLevel, gotDue := level()
			if n != st.moved || gotLevel != st.level || !gotDue.Equal(st.due) {
				t.Errorf("%s: moved %d to level %d due %s; want %d, level %d due %s", st.name, n, gotLevel, gotDue,
					st.moved, st.level, st.due)
			}
		}
		if diff := cmp.Diff([]string{"opened@1", "escalated@2", "escalated@3", "escalated@4"}, f.log(t, id)); diff != "" {
			t.Errorf("log (-want +got):\n%s", diff)
		}
		// The log is append-only.
		if _, err := s.write.ExecContext(ctx, `UPDATE escalation_log SET note = 'rewritten' WHERE conflict_id = $1`, id); err == nil {
			t.Error("the escalation log accepted an UPDATE")
		}
	})
}

// TestEscalateDueExactlyOnceAcrossInstances runs two stores on one database — two `tandem serve`
// instances — calling EscalateDue at the same moment, then a third opened after both closed (a restart).
func TestEscalateDueExactlyOnceAcrossInstances(t *testing.T) {
	t.Parallel()
	type engine struct {
		name string
		url  func(t *testing.T) string
	}
	engines := []engine{{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "tandem.db") }}}
	if pg := os.Getenv("TANDEM_TEST_POSTGRES"); pg != "" {
		engines = append(engines, engine{"postgres", func(t *testing.T) string { return pgtest.SchemaURL(t, pg) }})
	}
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			dbURL := e.url(t)
			open := func() *Store {
				s, err := Open(ctx, dbURL, nil)
				must(t, err)
				s.SetClock(newClock().now)
				return s
			}
			a, b := open(), open()
			f := seed(t, a)
			rules := conflictRules(t)
			start := newClock().t
			const n = 120
			ids := openDueConflicts(t, a, n, start.Add(-time.Hour), f.o1.ID, f.r1.ID)

			now := start.Add(time.Minute)
			var wg sync.WaitGroup
			moved := make([]int, 6)
			errs := make([]error, 6)
			for i := range 6 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					st := a
					if i%2 == 1 {
						st = b
					}
					moved[i], errs[i] = st.EscalateDue(ctx, now, rules)
				}()
			}
			wg.Wait()
			total := 0
			for i := range moved {
				must(t, errs[i])
				total += moved[i]
			}
			if total != n {
				t.Errorf("two instances made %d moves, want %d (one per conflict)", total, n)
			}
			checkLevels(t, a, ids, 2, 1)
			must(t, a.Close())
			must(t, b.Close())

			// Restart: a new process finds the next deadlines in the database.
			c := open()
			t.Cleanup(func() { c.Close() })
			if n2, err := c.EscalateDue(ctx, now, rules); err != nil || n2 != 0 {
				t.Fatalf("after restart, before the next deadline: %d moves, %v", n2, err)
			}
			later := time.Date(2026, 3, 3, 18, 0, 0, 0, time.UTC) // level 2 ran out Tuesday 17:00; level 3 runs to Wednesday
			n2, err := c.EscalateDue(ctx, later, rules)
			must(t, err)
			if n2 != n {
				t.Errorf("after restart %d moves, want %d", n2, n)
			}
			checkLevels(t, c, ids, 3, 2)
		})
	}
}

// checkLevels asserts every conflict is at level and has exactly escalations "escalated" log rows.
func checkLevels(t *testing.T, s *Store, ids []int64, level tandem.EscalationLevel, escalations int) {
	t.Helper()
	ctx := context.Background()
	for _, id := range ids {
		c, err := s.GetConflict(ctx, admin, id)
		must(t, err)
		entries, err := s.EscalationLog(ctx, admin, id)
		must(t, err)
		got := 0
		for _, e := range entries {
			if e.Action == tandem.EscalationEscalated {
				got++
			}
		}
		if c.Level != level || got != escalations {
			t.Fatalf("conflict %d at level %d with %d escalation rows; want level %d with %d", id, c.Level, got, level, escalations)
		}
	}
}

func TestResolveConflict(t *testing.T) {
	t.Parallel()
	forEachSeeded(t, seedConflicts, func(t *testing.T, ctx context.Context, s *Store, f *conflictFixture) {
		mine := f.submit(t, f.actor2, tandem.Registration{AccountName: "Acme Corp"})
		id := f.detect(t, mine.ID)[0].ID

		refusals := []struct {
			name      string
			actor     tandem.Actor
			res       tandem.Resolution
			share     int
			rationale string
			code      string
		}{
			{"a partner user", f.actor1, tandem.ResolvePartner, 0, "mine", tandem.ENOTFOUND},
			{"a VP at level 1", f.vpSales, tandem.ResolveDirect, 0, "ours", tandem.EFORBIDDEN},
			{"revops", f.revops, tandem.ResolveDirect, 0, "ours", tandem.EFORBIDDEN},
			{"a split of everything", f.pm, tandem.ResolveSplit, 10000, "all", tandem.EINVALID},
			{"no rationale", f.pm, tandem.ResolveCoSell, 0, "", tandem.EINVALID},
		}
		for _, tt := range refusals {
			_, err := s.ResolveConflict(ctx, tt.actor, id, tt.res, tt.share, tt.rationale)
			if tandem.ErrorCode(err) != tt.code {
				t.Errorf("%s: error %v, want %s", tt.name, err, tt.code)
			}
		}
		if diff := cmp.Diff([]string{"opened@1"}, f.log(t, id)); diff != "" {
			t.Fatalf("refusals wrote to the log (-want +got):\n%s", diff)
		}

		// Escalated to the VPs: the AE's turn is over.
		_, err := s.EscalateDue(ctx, time.Date(2026, 3, 6, 0, 0, 0, 0, time.UTC), f.crules)
		must(t, err)
		if _, err := s.ResolveConflict(ctx, f.aeActor, id, tandem.ResolveDirect, 0, "mine"); tandem.ErrorCode(err) != tandem.EFORBIDDEN {
			t.Errorf("an AE at level 2: %v", err)
		}
		f.clock.t = time.Date(2026, 3, 6, 10, 0, 0, 0, time.UTC)
		got, err := s.ResolveConflict(ctx, f.vpChannel, id, tandem.ResolveSplit, 6000, "partner 1 registered first; partner 2 brought the buyer")
		must(t, err)
		if got.Status != tandem.ConflictResolved || got.Resolution != tandem.ResolveSplit || got.PartnerShareBasisPoints != 6000 ||
			got.ResolvedBy != f.vpChannel.UserID || !got.ResolvedAt.Equal(f.clock.t) || got.Level != tandem.LevelVPs {
			t.Errorf("resolved %+v", got)
		}
		if _, err := s.ResolveConflict(ctx, admin, id, tandem.ResolvePartner, 0, "again"); tandem.ErrorCode(err) != tandem.ECONFLICT {
			t.Errorf("resolving twice: %v", err)
		}
		if diff := cmp.Diff([]string{"opened@1", "escalated@2", "resolved@2"}, f.log(t, id)); diff != "" {
			t.Errorf("log (-want +got):\n%s", diff)
		}
		// Resolved conflicts never escalate.
		if n, err := s.EscalateDue(ctx, time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), f.crules); err != nil || n != 0 {
			t.Errorf("escalated a resolved conflict: %d, %v", n, err)
		}
		audit, _, err := s.ListAudit(ctx, admin, AuditFilter{Entity: "conflict", EntityID: idString(id)})
		must(t, err)
		var actions []string
		for _, a := range audit {
			actions = append(actions, a.Action)
		}
		if diff := cmp.Diff([]string{"conflict.resolve", "conflict.escalate", "conflict.open"}, actions); diff != "" {
			t.Errorf("audit (-want +got):\n%s", diff)
		}
	})
}

func TestPrecedentsAndReview(t *testing.T) {
	t.Parallel()
	forEachSeeded(t, seedConflicts, func(t *testing.T, ctx context.Context, s *Store, f *conflictFixture) {
		resolve := func(t *testing.T, id int64, actor tandem.Actor, res tandem.Resolution, share int, why string) {
			t.Helper()
			_, err := s.ResolveConflict(ctx, actor, id, res, share, why)
			must(t, err)
		}
		// Past conflicts: a partner overlap on Acme (core, 60K, gold partner, rule core-large) split,
		// a direct overlap on Initech awarded to direct, a re-route co-sold.
		acme := f.submit(t, f.actor2, tandem.Registration{AccountName: "Acme Corp"})
		overlap := f.detect(t, acme.ID)[0].ID
		initech := f.submit(t, f.actor1, tandem.Registration{AccountName: "Initech"})
		direct := f.detect(t, initech.ID)[0].ID
		reroute, _, err := s.HoldReroute(ctx, f.aeActor, f.crules, f.o1.ID,
			tandem.Routing{Motion: tandem.MotionDirect, Rule: f.o1.Routing.Rule, PolicyVersion: "2026.2"})
		must(t, err)
		f.clock.advance(4 * time.Hour)
		resolve(t, overlap, f.pm, tandem.ResolveSplit, 5000, "both partners worked the buyer")
		f.clock.advance(4 * time.Hour)
		resolve(t, direct, f.aeActor, tandem.ResolveDirect, 0, "the AE had the deal at negotiation first")
		_, err = s.EscalateDue(ctx, time.Date(2026, 3, 6, 0, 0, 0, 0, time.UTC), f.crules)
		must(t, err)
		f.clock.advance(72 * time.Hour)
		resolve(t, reroute, f.vpSales, tandem.ResolveCoSell, 0, "re-route stands, partner keeps co-sell credit")

		// A new partner overlap on Acme core: the past partner overlap is the closest precedent.
		thirdPartner := tandem.Partner{ExternalID: "P3", Name: "Third Wave", Tier: tandem.TierGold, Type: tandem.PartnerReseller, Standing: tandem.StandingGood}
		must(t, s.CreatePartner(ctx, admin, &thirdPartner))
		third := f.submit(t, admin, tandem.Registration{PartnerID: thirdPartner.ID, AccountName: "Acme Corp"})
		// It overlaps r1 and partner 2's registration, still active although their conflict is resolved.
		opened := f.detect(t, third.ID)
		if len(opened) != 2 || opened[0].RegistrationID != f.r1.ID {
			t.Fatalf("third registration opened %v", summarise(opened))
		}
		precedents, err := conflicts.Precedents(ctx, s, f.pm, opened[0].ID, 0)
		must(t, err)
		var order []int64
		for _, p := range precedents {
			order = append(order, p.ConflictID)
		}
		if diff := cmp.Diff([]int64{overlap, reroute, direct}, order); diff != "" {
			t.Errorf("precedent order (-want +got):\n%s", diff)
		}
		// The re-route's decision routed o1 by the rule "escalation", which the new overlap now carries:
		// alike in all but the rule.
		if opened[0].Rule != tandem.EscalationRule {
			t.Errorf("new overlap's rule %q, want %q", opened[0].Rule, tandem.EscalationRule)
		}
		if p := precedents[0]; p.Similarity != 0.8 || p.Resolution != tandem.ResolveSplit || p.PartnerShareBasisPoints != 5000 ||
			p.Rationale != "both partners worked the buyer" {
			t.Errorf("best precedent %+v", p)
		}

		rv, err := conflicts.Review(ctx, s, f.vpSales, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC))
		must(t, err)
		if rv.Opened != 5 || rv.Resolved != 3 || rv.Open != 2 {
			t.Errorf("review counts opened %d resolved %d open %d", rv.Opened, rv.Resolved, rv.Open)
		}
		wantCauses := []tandem.ReviewCount{{Key: "partner_overlap", Count: 3}, {Key: "direct_overlap", Count: 1}, {Key: "protected_reroute", Count: 1}}
		if diff := cmp.Diff(wantCauses, rv.ByCause); diff != "" {
			t.Errorf("by cause (-want +got):\n%s", diff)
		}
		if rv.ByRule[0] != (tandem.ReviewCount{Key: "core-large", Count: 3}) || !slices.Contains(rv.ByRule, tandem.ReviewCount{Key: tandem.EscalationRule, Count: 1}) {
			t.Errorf("by rule %+v", rv.ByRule)
		}
		wantLevels := []tandem.LevelShare{{Level: 1, Resolved: 2, Share: 2.0 / 3}, {Level: 2, Resolved: 1, Share: 1.0 / 3}, {Level: 3}, {Level: 4}}
		if diff := cmp.Diff(wantLevels, rv.ResolvedAtLevel); diff != "" {
			t.Errorf("resolved at level (-want +got):\n%s", diff)
		}
		// Resolved after 4 h, 8 h and 80 h: the median is 8 hours.
		if rv.MedianSecondsToResolution != 8*3600 {
			t.Errorf("median %d s, want %d", rv.MedianSecondsToResolution, 8*3600)
		}
		if len(rv.ByAE) == 0 || rv.ByAE[0].Name != "Ada AE" || len(rv.ByPartner) == 0 {
			t.Errorf("by AE %+v, by partner %+v", rv.ByAE, rv.ByPartner)
		}

		// None of it is a partner's to see.
		if _, err := conflicts.Precedents(ctx, s, f.actor1, overlap, 0); tandem.ErrorCode(err) != tandem.ENOTFOUND {
			t.Errorf("partner precedents: %v", err)
		}
		if _, err := s.EscalationLog(ctx, f.actor1, overlap); tandem.ErrorCode(err) != tandem.ENOTFOUND {
			t.Errorf("partner escalation log: %v", err)
		}
		if _, err := s.GetConflictDetail(ctx, f.actor1, overlap); tandem.ErrorCode(err) != tandem.ENOTFOUND {
			t.Errorf("partner conflict detail: %v", err)
		}
		if _, err := conflicts.Review(ctx, s, f.actor1, rv.From, rv.To); tandem.ErrorCode(err) != tandem.EFORBIDDEN {
			t.Errorf("partner review: %v", err)
		}
	})
}
