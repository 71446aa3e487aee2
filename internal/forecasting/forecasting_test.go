package forecasting

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/forecast"
)

func day(s string) forecast.Day {
	d, err := forecast.ParseDay(s)
	if err != nil {
		panic(err)
	}
	return d
}

func at(s string) time.Time { return day(s).Time().Add(10 * time.Hour) }

func TestStateAsOfUndoesLaterChanges(t *testing.T) {
	cur := tandem.Opportunity{ID: 7, ExternalID: "O7", Stage: tandem.StageClosedWon, ACV: 500, OwnerID: 3, PartnerID: 0,
		ForecastCategory: tandem.ForecastClosed, CloseDate: at("2026-02-20"), Attribution: tandem.AttributionPartnerLed,
		Routing: tandem.Routing{Motion: tandem.MotionCoSell}}
	ch := func(f tandem.HistoryField, old, new, when string) tandem.OpportunityChange {
		return tandem.OpportunityChange{OpportunityID: 7, Field: f, Old: old, New: new, ChangedAt: at(when)}
	}
	changes := []tandem.OpportunityChange{
		ch(tandem.HistoryStage, "qualified", "proposal", "2026-01-10"),
		ch(tandem.HistoryACV, "300", "400", "2026-01-20"),
		ch(tandem.HistoryCloseDate, strconv.FormatInt(at("2026-03-31").UnixMicro(), 10), strconv.FormatInt(at("2026-02-20").UnixMicro(), 10), "2026-02-01"),
		ch(tandem.HistoryOwner, "", "3", "2026-02-01"),
		ch(tandem.HistoryPartner, "9", "", "2026-02-05"),
		ch(tandem.HistoryMotion, "partner_led", "co_sell", "2026-02-05"),
		ch(tandem.HistoryAttribution, "", "partner_led", "2026-02-06"),
		ch(tandem.HistoryACV, "400", "500", "2026-02-20"),
		ch(tandem.HistoryStage, "proposal", "closed_won", "2026-02-20"),
		ch(tandem.HistoryForecastCategory, "commit", "closed", "2026-02-20"),
	}
	tests := []struct {
		asOf string
		want func(o *tandem.Opportunity)
	}{
		{"2026-03-01", func(o *tandem.Opportunity) {}},
		{"2026-02-19", func(o *tandem.Opportunity) {
			o.Stage, o.ACV, o.ForecastCategory = tandem.StageProposal, 400, tandem.ForecastCommit
		}},
		{"2026-01-31", func(o *tandem.Opportunity) {
			o.Stage, o.ACV, o.ForecastCategory = tandem.StageProposal, 400, tandem.ForecastCommit
			o.CloseDate, o.OwnerID, o.PartnerID, o.Routing.Motion, o.Attribution = at("2026-03-31"), 0, 9, tandem.MotionPartnerLed, ""
		}},
		{"2026-01-05", func(o *tandem.Opportunity) {
			o.Stage, o.ACV, o.ForecastCategory = tandem.StageQualified, 300, tandem.ForecastCommit
			o.CloseDate, o.OwnerID, o.PartnerID, o.Routing.Motion, o.Attribution = at("2026-03-31"), 0, 9, tandem.MotionPartnerLed, ""
		}},
	}
	for _, tt := range tests {
		t.Run(tt.asOf, func(t *testing.T) {
			got, err := StateAsOf(cur, changes, day(tt.asOf))
			if err != nil {
				t.Fatal(err)
			}
			want := cur
			tt.want(&want)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("as of %s (-want +got):\n%s", tt.asOf, diff)
			}
		})
	}
	bad := ch(tandem.HistoryACV, "x", "500", "2026-02-20")
	if _, err := StateAsOf(cur, []tandem.OpportunityChange{bad}, day("2026-01-01")); err == nil {
		t.Error("a change whose old value does not parse was undone silently")
	}
}

func TestCategoryOf(t *testing.T) {
	tests := []struct {
		attr    tandem.Attribution
		partner int64
		motion  tandem.Motion
		want    string
	}{
		{tandem.AttributionPartnerInfluenced, 0, tandem.MotionDirect, "partner_influenced"},
		{"", 0, "", "direct"},
		{"", 4, tandem.MotionDirect, "direct"},
		{"", 4, tandem.MotionCoSell, "partner_led"},
		{"", 4, tandem.MotionPartnerLed, "partner_sourced"},
		{"", 4, "", "partner_influenced"},
	}
	for _, tt := range tests {
		o := tandem.Opportunity{Attribution: tt.attr, PartnerID: tt.partner, Routing: tandem.Routing{Motion: tt.motion}}
		if got := CategoryOf(o); string(got) != tt.want {
			t.Errorf("CategoryOf(%q, partner %d, %q) = %s, want %s", tt.attr, tt.partner, tt.motion, got, tt.want)
		}
	}
}

// book builds a company of n deals over two years with history: each deal is created in pipeline,
// moves to commit after a while, changes amount once, and closes (won or lost) or stays open.
func book(n int, seed uint64) ([]tandem.Opportunity, []tandem.OpportunityChange, forecast.Day) {
	rng := rand.New(rand.NewPCG(seed, 1))
	start := day("2024-01-01")
	last := day("2026-01-31")
	var opps []tandem.Opportunity
	var changes []tandem.OpportunityChange
	attrs := tandem.Attributions
	for i := range n {
		created := start + forecast.Day(rng.IntN(int(last-start)))
		first := tandem.Money(1000 * (1 + rng.IntN(50)))
		o := tandem.Opportunity{ID: int64(i + 1), ExternalID: fmt.Sprintf("O%d", i+1), Stage: tandem.StageQualified, ACV: first,
			ForecastCategory: tandem.ForecastPipeline, CreatedOn: created.Time(), CreatedAt: created.Time(), Attribution: attrs[i%len(attrs)],
			CloseDate: (created + forecast.Day(30+rng.IntN(120))).Time(), Country: []string{"US", "DE"}[rng.IntN(2)]}
		add := func(f tandem.HistoryField, old, new string, when forecast.Day) {
			changes = append(changes, tandem.OpportunityChange{ID: int64(len(changes) + 1), OpportunityID: o.ID, Field: f, Old: old, New: new,
				ChangedAt: when.Time().Add(time.Duration(rng.IntN(86400)) * time.Second), Source: tandem.HistorySourceStore})
		}
		when := created + forecast.Day(5+rng.IntN(20))
		if when <= last {
			add(tandem.HistoryForecastCategory, "pipeline", "commit", when)
			o.ForecastCategory = tandem.ForecastCommit
			second := first + tandem.Money(100*rng.IntN(30))
			add(tandem.HistoryACV, strconv.FormatInt(int64(first), 10), strconv.FormatInt(int64(second), 10), when)
			o.ACV = second
		}
		closeOn := forecast.DayOf(o.CloseDate)
		if closeOn <= last && closeOn > when {
			stage := tandem.StageClosedLost
			if rng.Float64() < []float64{0.3, 0.5, 0.4, 0.2}[i%4] {
				stage = tandem.StageClosedWon
			}
			add(tandem.HistoryStage, string(o.Stage), string(stage), closeOn)
			add(tandem.HistoryForecastCategory, string(o.ForecastCategory), "closed", closeOn)
			o.Stage, o.ForecastCategory = stage, tandem.ForecastClosed
		}
		o.UpdatedAt = last.Time()
		opps = append(opps, o)
	}
	return opps, changes, last
}

// What happened after the as-of day changes nothing: the forecast from the full history equals the
// one from a history cut at that day (deals created later dropped, changes after it dropped, every
// deal's fields as they stood then).
func TestForecastSeesNothingAfterAsOf(t *testing.T) {
	opps, changes, last := book(3000, 1)
	asOf := day("2025-08-15")
	q := forecast.QuarterOf(asOf)
	full, err := NewBook(slices.Clone(opps), slices.Clone(changes)).Forecast(q, asOf, forecast.Options{Simulations: 500})
	if err != nil {
		t.Fatal(err)
	}
	var cutOpps []tandem.Opportunity
	var cutChanges []tandem.OpportunityChange
	byOpp := map[int64][]tandem.OpportunityChange{}
	for _, c := range changes {
		byOpp[c.OpportunityID] = append(byOpp[c.OpportunityID], c)
	}
	for _, o := range opps {
		if createdDay(o) > asOf {
			continue
		}
		st, err := StateAsOf(o, byOpp[o.ID], asOf)
		if err != nil {
			t.Fatal(err)
		}
		cutOpps = append(cutOpps, st)
	}
	for _, c := range changes {
		if c.ChangedAt.Before(endOf(asOf)) {
			cutChanges = append(cutChanges, c)
		}
	}
	// Shuffled input: order must not matter either.
	rand.New(rand.NewPCG(9, 9)).Shuffle(len(cutOpps), func(i, j int) { cutOpps[i], cutOpps[j] = cutOpps[j], cutOpps[i] })
	cut, err := NewBook(cutOpps, cutChanges).Forecast(q, asOf, forecast.Options{Simulations: 500})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(full, cut); diff != "" {
		t.Errorf("forecast from the full history differs from the one cut at %s (-full +cut):\n%s", asOf, diff)
	}
	if full.Lines[4].P90 <= full.Lines[4].P10 || full.Lines[4].WonToDate == 0 || len(full.Deals) == 0 {
		t.Errorf("degenerate forecast %+v", full.Lines[4])
	}
	_ = last
}

// The roll-up: won to date plus commit, then best case, then pipeline, per category and in total;
// omitted deals and deals closing in another quarter count in none and are behind no number.
func TestRollUp(t *testing.T) {
	q, _ := forecast.ParseQuarter("2026Q1")
	asOf := day("2026-02-10")
	mk := func(id int64, attr tandem.Attribution, stage tandem.Stage, fc tandem.ForecastCategory, acv tandem.Money, closeOn string) tandem.Opportunity {
		return tandem.Opportunity{ID: id, ExternalID: fmt.Sprint("O", id), Attribution: attr, Stage: stage, ForecastCategory: fc, ACV: acv,
			CreatedOn: at("2025-12-01"), CreatedAt: at("2025-12-01"), CloseDate: at(closeOn), UpdatedAt: at("2026-02-01")}
	}
	opps := []tandem.Opportunity{
		mk(1, tandem.AttributionDirect, tandem.StageClosedWon, tandem.ForecastClosed, 1000, "2026-01-15"),
		mk(2, tandem.AttributionDirect, tandem.StageNegotiation, tandem.ForecastCommit, 200, "2026-03-01"),
		mk(3, tandem.AttributionDirect, tandem.StageProposal, tandem.ForecastBestCase, 30, "2026-03-15"),
		mk(4, tandem.AttributionDirect, tandem.StageQualified, tandem.ForecastPipeline, 4, "2026-03-20"),
		mk(5, tandem.AttributionDirect, tandem.StageQualified, tandem.ForecastOmitted, 50000, "2026-03-20"),
		mk(6, tandem.AttributionDirect, tandem.StageNegotiation, tandem.ForecastCommit, 70000, "2026-04-20"),
		mk(7, tandem.AttributionPartnerLed, tandem.StageNegotiation, tandem.ForecastCommit, 500, "2026-03-02"),
		mk(8, tandem.AttributionPartnerLed, tandem.StageClosedWon, tandem.ForecastClosed, 9000, "2026-02-20"), // won after as-of: open then
	}
	f, err := NewBook(opps, nil).Forecast(q, asOf, forecast.Options{Simulations: 200})
	if err != nil {
		t.Fatal(err)
	}
	type roll struct{ Won, Commit, BestCase, Pipeline tandem.Money }
	got := map[string]roll{}
	for _, l := range f.Lines {
		got[l.Category] = roll{l.WonToDate, l.Commit, l.BestCase, l.Pipeline}
	}
	want := map[string]roll{
		"direct":             {1000, 1200, 1230, 1234},
		"partner_led":        {0, 500, 500, 500},
		"partner_sourced":    {},
		"partner_influenced": {},
		"total":              {1000, 1700, 1730, 1734},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("roll-up (-want +got):\n%s", diff)
	}
	var ids []int64
	for _, d := range f.Deals {
		ids = append(ids, d.ID)
	}
	if diff := cmp.Diff([]int64{1, 2, 3, 4, 7}, ids); diff != "" {
		t.Errorf("deals behind the numbers (-want +got):\n%s", diff)
	}
}

// The waterfall from the history reconciles and sees a deal won between the two days.
func TestMovementsFromHistory(t *testing.T) {
	opps, changes, _ := book(2000, 3)
	q, _ := forecast.ParseQuarter("2025Q3")
	b := NewBook(opps, changes)
	moves, err := b.Movements(q, day("2025-08-01"), day("2025-08-08"))
	if err != nil {
		t.Fatal(err)
	}
	total := moves[len(moves)-1]
	if total.Category != forecast.Total {
		t.Fatalf("last movement is %q", total.Category)
	}
	for _, m := range moves {
		if !m.Reconciles() {
			t.Errorf("%s does not reconcile: %+v", m.Category, m)
		}
	}
	if total.WonDeals+total.LostDeals == 0 || total.Start == 0 {
		t.Errorf("a week of a busy quarter with nothing closed: %+v", total)
	}
}

// The backtest on the database forecasts each week from the deals as they stood that day: each of its
// lines is that day's forecast, though the deals' amounts changed after it (book's deals change
// amount some days after creation), and its actual is what the quarter won.
func TestBacktestIsEachDaysForecast(t *testing.T) {
	opps, changes, last := book(3000, 4)
	opts := forecast.Options{Simulations: 300}
	lines, hist, err := NewBook(slices.Clone(opps), slices.Clone(changes)).Backtest(last, []int{1, 5}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != len(hist.BacktestQuarters())*2*5 || len(lines) == 0 {
		t.Fatalf("%d lines for quarters %v", len(lines), hist.BacktestQuarters())
	}
	for i := 0; i < len(lines); i += 5 {
		q, asOf := lines[i].Quarter, lines[i].Quarter.Start()+forecast.Day(7*lines[i].Week)
		f, err := NewBook(slices.Clone(opps), slices.Clone(changes)).Forecast(q, asOf, opts)
		if err != nil {
			t.Fatal(err)
		}
		end, err := NewBook(slices.Clone(opps), slices.Clone(changes)).Forecast(q, q.End(), opts)
		if err != nil {
			t.Fatal(err)
		}
		for k, l := range lines[i : i+5] {
			want := f.Lines[k]
			if l.Category != want.Category || l.P10 != want.P10 || l.P50 != want.P50 || l.P90 != want.P90 || l.Actual != end.Lines[k].WonToDate {
				t.Errorf("%s week %d %s: backtest %s/%s/%s actual %s; forecast of %s %s/%s/%s, won %s", q, l.Week, l.Category,
					l.P10, l.P50, l.P90, l.Actual, asOf, want.P10, want.P50, want.P90, end.Lines[k].WonToDate)
			}
		}
	}
}
