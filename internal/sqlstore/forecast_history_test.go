package sqlstore

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/compensation"
	"github.com/tandem-revops/tandem/internal/postgres/pgtest"
)

// history returns opportunity id's recorded changes as "field old→new" with their times.
func history(t *testing.T, s *Store, actor tandem.Actor, id int64) []tandem.OpportunityChange {
	t.Helper()
	list, err := s.OpportunityHistory(context.Background(), actor, id)
	must(t, err)
	return list
}

var ignoreChangeID = cmpopts.IgnoreFields(tandem.OpportunityChange{}, "ID")

func micros(t time.Time) string { return strconv.FormatInt(t.UnixMicro(), 10) }

// The API's update: each changed recorded field is one row at the store clock's time; a write that
// changes no recorded field (or nothing) writes none; creating a deal writes none.
func TestHistoryCapturedOnUpdate(t *testing.T) {
	t.Parallel()
	forEachSeeded(t, seed, func(t *testing.T, ctx context.Context, s *Store, f *fixture) {
		clock := newClock()
		s.SetClock(clock.now)
		if got := history(t, s, admin, f.o1.ID); len(got) != 0 {
			t.Fatalf("history after create = %+v, want none", got)
		}
		clock.advance(24 * time.Hour)
		o, err := s.GetOpportunity(ctx, admin, f.o1.ID)
		must(t, err)
		oldClose := o.CloseDate
		o.Stage, o.ACV, o.ForecastCategory = tandem.StageNegotiation, tandem.Major(150000), tandem.ForecastCommit
		o.CloseDate = oldClose.AddDate(0, 1, 0)
		o.OwnerID = 0
		o.Name = "Acme expansion (renamed)" // not a recorded field
		must(t, s.UpdateOpportunity(ctx, admin, o))
		at := clock.now()
		want := []tandem.OpportunityChange{
			{OpportunityID: f.o1.ID, Field: tandem.HistoryStage, Old: "proposal", New: "negotiation"},
			{OpportunityID: f.o1.ID, Field: tandem.HistoryACV, Old: "12000000", New: "15000000"},
			{OpportunityID: f.o1.ID, Field: tandem.HistoryCloseDate, Old: micros(oldClose), New: micros(o.CloseDate)},
			{OpportunityID: f.o1.ID, Field: tandem.HistoryForecastCategory, Old: "best_case", New: "commit"},
			{OpportunityID: f.o1.ID, Field: tandem.HistoryOwner, Old: strconv.FormatInt(f.ae.ID, 10), New: ""},
		}
		for i := range want {
			want[i].ChangedAt, want[i].Source = at, tandem.HistorySourceStore
		}
		got := history(t, s, admin, f.o1.ID)
		sortChanges := cmpopts.SortSlices(func(a, b tandem.OpportunityChange) bool { return a.Field < b.Field })
		if diff := cmp.Diff(want, got, ignoreChangeID, sortChanges); diff != "" {
			t.Errorf("history (-want +got):\n%s", diff)
		}
		clock.advance(time.Hour)
		o.Vertical = "retail"
		must(t, s.UpdateOpportunity(ctx, admin, o))
		if n := len(history(t, s, admin, f.o1.ID)); n != len(want) {
			t.Errorf("%d changes after an update of no recorded field, want %d", n, len(want))
		}
	})
}

// The import: an upsert that changes a stored deal's stage and amount is recorded like the API's.
func TestHistoryCapturedOnImport(t *testing.T) {
	t.Parallel()
	forEachSeeded(t, seed, func(t *testing.T, ctx context.Context, s *Store, f *fixture) {
		o, err := s.GetOpportunity(ctx, admin, f.o2.ID)
		must(t, err)
		o.Stage, o.ACV = tandem.StageClosedWon, tandem.Major(31000)
		o.ForecastCategory = tandem.ForecastClosed
		tx, err := s.BeginImport(ctx, admin)
		must(t, err)
		defer tx.Rollback()
		_, err = tx.UpsertOpportunities(ctx, []tandem.Opportunity{*o})
		must(t, err)
		must(t, tx.Commit())
		got := history(t, s, admin, f.o2.ID)
		fields := map[tandem.HistoryField]string{}
		for _, c := range got {
			fields[c.Field] = c.Old + "→" + c.New
		}
		want := map[tandem.HistoryField]string{tandem.HistoryStage: "qualified→closed_won", tandem.HistoryACV: "3000000→3100000",
			tandem.HistoryForecastCategory: "pipeline→closed"}
		if diff := cmp.Diff(want, fields); diff != "" {
			t.Errorf("imported changes (-want +got):\n%s", diff)
		}
	})
}

// Routing by policy (ApplyRouting, what a policy publish and the import's routing call) records the motion.
func TestHistoryCapturedOnRouting(t *testing.T) {
	t.Parallel()
	forEachSeeded(t, seed, func(t *testing.T, ctx context.Context, s *Store, f *fixture) {
		n, err := s.ApplyRouting(ctx, admin, map[int64]tandem.Routing{f.o3.ID: {Motion: tandem.MotionCoSell, Rule: "r2", PolicyVersion: "2"}})
		must(t, err)
		if n != 1 {
			t.Fatalf("routed %d", n)
		}
		got := history(t, s, admin, f.o3.ID)
		if len(got) != 1 || got[0].Field != tandem.HistoryMotion || got[0].Old != "direct" || got[0].New != "co_sell" {
			t.Errorf("history %+v, want one motion change direct→co_sell", got)
		}
	})
}

// A re-route decided in an escalation records the motion change at the decision's time.
func TestHistoryCapturedOnRerouteDecision(t *testing.T) {
	t.Parallel()
	forEachSeeded(t, seedConflicts, func(t *testing.T, ctx context.Context, s *Store, f *conflictFixture) {
		id, opened, err := s.HoldReroute(ctx, f.aeActor, f.crules, f.o1.ID, tandem.Routing{Motion: tandem.MotionDirect, Rule: "core-large"})
		must(t, err)
		if !opened {
			t.Fatal("no conflict opened")
		}
		before := len(history(t, s, admin, f.o1.ID))
		f.clock.advance(time.Hour)
		_, err = s.ResolveConflict(ctx, admin, id, tandem.ResolveDirect, 0, "the AE sourced it")
		must(t, err)
		got := history(t, s, admin, f.o1.ID)[before:]
		if len(got) != 1 || got[0].Field != tandem.HistoryMotion || got[0].New != "direct" || !got[0].ChangedAt.Equal(f.clock.now()) {
			t.Errorf("history after the decision %+v, want one motion change to direct at %s", got, f.clock.now())
		}
	})
}

// A recomputed attribution records the category change.
func TestHistoryCapturedOnAttribution(t *testing.T) {
	t.Parallel()
	forEachSeeded(t, seedComp, func(t *testing.T, ctx context.Context, s *Store, f *compFixture) {
		before := len(history(t, s, admin, f.o1.ID)) // the fixture closes o1
		_, err := compensation.RecomputeAttribution(ctx, s, f.revops, nil, nil)
		must(t, err)
		got := history(t, s, admin, f.o1.ID)[before:]
		if len(got) != 1 || got[0].Field != tandem.HistoryAttribution || got[0].Old != "" || got[0].New != "partner_sourced" {
			t.Errorf("history %+v, want one attribution change to partner_sourced", got)
		}
	})
}

// A partner user reads only its own partner's deals and their history.
func TestForecastOpportunitiesScoped(t *testing.T) {
	t.Parallel()
	forEachSeeded(t, seed, func(t *testing.T, ctx context.Context, s *Store, f *fixture) {
		for _, o := range []tandem.Opportunity{f.o1, f.o2} {
			o.Stage = tandem.StageNegotiation
			must(t, s.UpdateOpportunity(ctx, admin, &o))
		}
		opps, changes, err := s.ForecastOpportunities(ctx, f.actor1)
		must(t, err)
		if len(opps) != 1 || opps[0].ID != f.o1.ID || len(changes) != 1 || changes[0].OpportunityID != f.o1.ID {
			t.Errorf("partner 1 sees %d deals and %+v", len(opps), changes)
		}
		opps, changes, err = s.ForecastOpportunities(ctx, f.aeActor)
		must(t, err)
		if len(opps) != 3 || len(changes) != 2 {
			t.Errorf("the AE sees %d deals and %d changes, want 3 and 2", len(opps), len(changes))
		}
		_, err = s.OpportunityHistory(ctx, f.actor1, f.o2.ID)
		wantCode(t, err, tandem.ENOTFOUND)
	})
}

// Imported history is stored all or nothing; a change naming no stored deal is refused by its number.
func TestImportOpportunityHistory(t *testing.T) {
	t.Parallel()
	forEachSeeded(t, seed, func(t *testing.T, ctx context.Context, s *Store, f *fixture) {
		at := time.Date(2025, 11, 3, 0, 0, 0, 0, time.UTC)
		good := tandem.OpportunityChange{OpportunityID: f.o1.ID, Field: tandem.HistoryStage, Old: "qualified", New: "proposal", ChangedAt: at}
		_, err := s.ImportOpportunityHistory(ctx, f.actor1, []tandem.OpportunityChange{good})
		wantCode(t, err, tandem.EFORBIDDEN)
		bad := good
		bad.OpportunityID = 99999
		_, err = s.ImportOpportunityHistory(ctx, admin, []tandem.OpportunityChange{good, bad})
		wantCode(t, err, tandem.EINVALID)
		if err == nil || !strings.Contains(err.Error(), "change 2") {
			t.Errorf("error %v does not name change 2", err)
		}
		bad = good
		bad.Field = "name"
		_, err = s.ImportOpportunityHistory(ctx, admin, []tandem.OpportunityChange{bad})
		wantCode(t, err, tandem.EINVALID)
		if n := len(history(t, s, admin, f.o1.ID)); n != 0 {
			t.Fatalf("%d changes stored by refused imports", n)
		}
		n, err := s.ImportOpportunityHistory(ctx, admin, []tandem.OpportunityChange{good})
		must(t, err)
		got := history(t, s, admin, f.o1.ID)
		if n != 1 || len(got) != 1 || got[0].Source != tandem.HistorySourceImport || !got[0].ChangedAt.Equal(at) {
			t.Errorf("imported %d: %+v", n, got)
		}
		// Several statements' worth (100 rows each), with a bad one last: nothing is stored; without
		// it, every change is, with its values.
		var many []tandem.OpportunityChange
		for i := range 250 {
			c := good
			c.OpportunityID = f.o2.ID
			c.Field, c.Old, c.New = tandem.HistoryACV, strconv.Itoa(i), strconv.Itoa(i+1)
			c.ChangedAt = at.Add(time.Duration(i) * time.Minute)
			many = append(many, c)
		}
		_, err = s.ImportOpportunityHistory(ctx, admin, append(slices.Clone(many), bad))
		wantCode(t, err, tandem.EINVALID)
		bad = good
		bad.OpportunityID = 99999
		_, err = s.ImportOpportunityHistory(ctx, admin, append(slices.Clone(many), bad))
		if err == nil || !strings.Contains(err.Error(), "change 251") {
			t.Errorf("error %v does not name change 251", err)
		}
		if n := len(history(t, s, admin, f.o2.ID)); n != 0 {
			t.Fatalf("%d changes stored by refused imports", n)
		}
		n, err = s.ImportOpportunityHistory(ctx, admin, many)
		must(t, err)
		got = history(t, s, admin, f.o2.ID)
		if n != 250 || len(got) != 250 {
			t.Fatalf("imported %d, stored %d; want 250", n, len(got))
		}
		for _, c := range got {
			i, _ := strconv.Atoi(c.Old)
			if c.New != strconv.Itoa(i+1) || !c.ChangedAt.Equal(at.Add(time.Duration(i)*time.Minute)) || c.Field != tandem.HistoryACV {
				t.Fatalf("stored change %+v does not match what was imported", c)
			}
		}
	})
}

func snapshotLines(q, asOf string, p50 tandem.Money) []tandem.ForecastSnapshot {
	var lines []tandem.ForecastSnapshot
	for _, c := range tandem.AttributionForecastLines {
		lines = append(lines, tandem.ForecastSnapshot{Quarter: q, AsOf: asOf, Category: c, WonToDate: 100, Commit: 200, BestCase: 300,
			Pipeline: 400, P10: p50 - 10, P50: p50, P90: p50 + 10, Seed: 1 << 63})
	}
	return lines
}

// A week's snapshot is stored once: saving it again stores nothing and keeps the first.
func TestForecastSnapshotOnce(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		stored, err := s.SaveForecastSnapshot(ctx, snapshotLines("2026Q1", "2026-03-02", 1000))
		must(t, err)
		again, err := s.SaveForecastSnapshot(ctx, snapshotLines("2026Q1", "2026-03-02", 2000))
		must(t, err)
		if !stored || again {
			t.Errorf("stored %v, then %v; want true, false", stored, again)
		}
		got, err := s.ForecastSnapshots(ctx, admin, "2026Q1")
		must(t, err)
		if len(got) != 5 || got[4].Category != "total" || got[4].P50 != 1000 || got[4].Seed != 1<<63 {
			t.Errorf("snapshots %+v", got)
		}
		_, err = s.SaveForecastSnapshot(ctx, append(snapshotLines("2026Q1", "2026-03-09", 1), snapshotLines("2026Q1", "2026-03-16", 1)...))
		wantCode(t, err, tandem.EINVALID)
		if got, _ := s.ForecastSnapshots(ctx, admin, "2026Q1"); len(got) != 5 {
			t.Errorf("a refused snapshot left %d lines", len(got))
		}
	})
}

// Two store handles on one PostgreSQL database (two instances) saving the same week at once: exactly
// one stores it.
func TestForecastSnapshotOnceAcrossInstances(t *testing.T) {
	ctx := context.Background()
	url := pgtest.SchemaURL(t, postgresOnly(t))
	a, err := Open(ctx, url, nil)
	must(t, err)
	defer a.Close()
	b, err := Open(ctx, url, nil)
	must(t, err)
	defer b.Close()
	for week := range 10 {
		asOf := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC).AddDate(0, 0, 7*week).Format(time.DateOnly)
		var wg sync.WaitGroup
		results := make([]bool, 2)
		for i, s := range []*Store{a, b} {
			wg.Go(func() {
				stored, err := s.SaveForecastSnapshot(ctx, snapshotLines("2026Q1", asOf, tandem.Money(i+1)))
				if err != nil {
					t.Error(err)
				}
				results[i] = stored
			})
		}
		wg.Wait()
		if results[0] == results[1] {
			t.Errorf("week %s: stored by %v", asOf, results)
		}
	}
	got, err := b.ForecastSnapshots(ctx, admin, "2026Q1")
	must(t, err)
	if len(got) != 50 {
		t.Errorf("%d snapshot lines, want 50", len(got))
	}
}

// A submission stores the roll-up, the adjustment and why, derives the amount and is audited.
func TestSubmitForecast(t *testing.T) {
	t.Parallel()
	forEachSeeded(t, seed, func(t *testing.T, ctx context.Context, s *Store, f *fixture) {
		sub := tandem.ForecastSubmission{Quarter: "2026Q2", Level: tandem.SubmissionTeam, Scope: idString(f.ae.ID), Category: "partner_led",
			RollUp: tandem.Major(100000), Adjustment: -tandem.Major(15000), Reason: "Globex slips to Q3"}
		wantCode(t, s.SubmitForecast(ctx, f.actor1, &sub), tandem.EFORBIDDEN)
		noReason := sub
		noReason.Reason = ""
		wantCode(t, s.SubmitForecast(ctx, f.aeActor, &noReason), tandem.EINVALID)
		badQuarter := sub
		badQuarter.Quarter = "2026-Q2"
		wantCode(t, s.SubmitForecast(ctx, f.aeActor, &badQuarter), tandem.EINVALID)
		must(t, s.SubmitForecast(ctx, f.aeActor, &sub))
		if sub.Amount != tandem.Major(85000) || sub.SubmittedBy != f.ae.ID {
			t.Errorf("submission %+v", sub)
		}
		list, err := s.ForecastSubmissions(ctx, admin, "2026Q2")
		wantSame(t, "stored (-want +got)", []tandem.ForecastSubmission{sub}, list, err)
		if list, _ := s.ForecastSubmissions(ctx, f.actor1, "2026Q2"); len(list) != 0 {
			t.Errorf("a partner user sees %d submissions", len(list))
		}
		audit, _, err := s.ListAudit(ctx, admin, AuditFilter{Action: "forecast.submit"})
		must(t, err)
		if len(audit) != 1 || audit[0].ActorID != f.ae.ID || !strings.Contains(audit[0].Detail, "Globex slips to Q3") ||
			!strings.Contains(audit[0].Detail, `"adjustment":-1500000`) {
			t.Errorf("audit %+v", audit)
		}
	})
}

// ForecastChangedSince's Earlier counts the records at or below the mark's highest id: unchanged by
// records above it, one more for a record that became visible late with a lower id (a transaction that
// took its id before the mark and committed after it), which a cached forecast must reload for.
func TestForecastChangedSinceEarlier(t *testing.T) {
	t.Parallel()
	forEachSeeded(t, seed, func(t *testing.T, ctx context.Context, s *Store, f *fixture) {
		clock := newClock()
		s.SetClock(clock.now)
		for _, acv := range []int64{130000, 140000, 150000} {
			clock.advance(time.Hour)
			o, err := s.GetOpportunity(ctx, admin, f.o1.ID)
			must(t, err)
			o.ACV = tandem.Major(acv)
			must(t, s.UpdateOpportunity(ctx, admin, o))
		}
		mark, err := s.ForecastMark(ctx)
		must(t, err)
		if mark.Changes < 3 {
			t.Fatalf("mark counts %d records, want at least the 3 updates", mark.Changes)
		}
		earlier := func() int {
			ch, err := s.ForecastChangedSince(ctx, admin, mark.LastUpdate+1, mark.LastChange)
			must(t, err)
			return ch.Earlier
		}
		if got := earlier(); got != mark.Changes {
			t.Errorf("nothing changed: Earlier %d, want %d", got, mark.Changes)
		}
		clock.advance(time.Hour)
		o, err := s.GetOpportunity(ctx, admin, f.o1.ID)
		must(t, err)
		o.ACV = tandem.Major(160000)
		must(t, s.UpdateOpportunity(ctx, admin, o))
		if got := earlier(); got != mark.Changes {
			t.Errorf("a record above the mark: Earlier %d, want %d", got, mark.Changes)
		}
		// The late record: an id below every other (the transaction took it before the others).
		var low int64
		must(t, s.write.QueryRowContext(ctx, `SELECT min(id) - 1 FROM opportunity_history`).Scan(&low))
		_, err = s.write.ExecContext(ctx, `INSERT INTO opportunity_history (id, opportunity_id, field, old_value, new_value, changed_at, source)
			VALUES ($1, $2, 'acv', '1', '2', $3, 'store')`, low, f.o1.ID, clock.now().UnixMicro())
		must(t, err)
		if got := earlier(); got != mark.Changes+1 {
			t.Errorf("a record committed late below the mark: Earlier %d, want %d", got, mark.Changes+1)
		}
	})
}
