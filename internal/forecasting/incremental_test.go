package forecasting

import (
	"encoding/json"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/forecast"
)

// incrementalCase is a book whose results are kept (as a cache's are) and the records it was built
// from, so that a from-scratch book of the same records can be built after each change.
type incrementalCase struct {
	opps    map[int64]tandem.Opportunity
	changes map[int64][]tandem.OpportunityChange
	book    *Book
	nextID  int64
}

func newIncrementalCase(open, closed int) *incrementalCase {
	opps, changes := benchCompany(open, closed)
	c := &incrementalCase{opps: map[int64]tandem.Opportunity{}, changes: map[int64][]tandem.OpportunityChange{}, nextID: 1_000_000}
	for _, o := range opps {
		c.opps[o.ID] = o
	}
	for _, ch := range changes {
		c.changes[ch.OpportunityID] = append(c.changes[ch.OpportunityID], ch)
	}
	c.book = NewBook(opps, changes)
	c.book.memo, c.book.lin = newMemo(), newLineage()
	return c
}

// apply changes the given opportunities (nil: deleted) through Book.with, as a cache refresh does.
func (c *incrementalCase) apply(changed map[int64]*tandem.Opportunity, history map[int64][]tandem.OpportunityChange) {
	var ch tandem.ForecastChanges
	for id, o := range changed {
		ch.IDs = append(ch.IDs, id)
		c.changes[id] = append(c.changes[id], history[id]...)
		if o == nil {
			delete(c.opps, id)
			delete(c.changes, id)
			continue
		}
		c.opps[id] = *o
		ch.Opportunities = append(ch.Opportunities, *o)
		ch.Changes = append(ch.Changes, c.changes[id]...)
	}
	c.book = c.book.with(ch)
}

// scratch is a book of the same records, computed from nothing.
func (c *incrementalCase) scratch() *Book {
	var opps []tandem.Opportunity
	var changes []tandem.OpportunityChange
	for id, o := range c.opps {
		opps = append(opps, o)
		changes = append(changes, c.changes[id]...)
	}
	return NewBook(opps, changes)
}

// pageResults is everything the forecast page computes from a book, encoded: the forecast, the
// week's movement, and the deals behind past quarters' numbers that the accuracy tables read.
func pageResults(t *testing.T, b *Book) map[string]string {
	t.Helper()
	q, asOf := forecast.Quarter{Year: 2026, Q: 1}, day("2026-02-15")
	out := map[string]string{}
	enc := func(name string, v any, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		data, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		out[name] = string(data)
	}
	f, err := b.Forecast(q, asOf, forecast.Options{Simulations: 500})
	enc("forecast", f, err)
	moves, err := b.Movements(q, asOf-7, asOf)
	enc("movements", moves, err)
	for pq := q.Prev(); pq.Start() > asOf-400; pq = pq.Prev() {
		for _, d := range []forecast.Day{pq.Start() + 28, pq.End()} {
			deals, err := b.QuarterDeals(pq, d)
			enc("deals "+pq.String()+" "+d.String(), deals, err)
		}
	}
	return out
}

// After changes in one category, then in several (a deal moved between categories, one closed won,
// one deleted, one created), and after two refreshes at once, the cached book's forecast, movement and
// past deals are byte for byte those of a book built from scratch; and only the changed categories
// were simulated again.
func TestIncrementalEqualsScratch(t *testing.T) {
	c := newIncrementalCase(3000, 3000)
	q, asOf := forecast.Quarter{Year: 2026, Q: 1}, day("2026-02-15")
	opts := forecast.Options{Simulations: 500, Seed: forecast.DefaultSeed}
	if diff := cmp.Diff(pageResults(t, c.scratch()), pageResults(t, c.book)); diff != "" {
		t.Fatalf("before any change (-scratch +cached):\n%s", diff)
	}
	noon := day("2026-02-15").Time().Add(12 * time.Hour)
	change := func(o *tandem.Opportunity, field tandem.HistoryField, old, nw string) []tandem.OpportunityChange {
		c.nextID++
		return []tandem.OpportunityChange{{ID: c.nextID, OpportunityID: o.ID, Field: field, Old: old, New: nw, ChangedAt: noon}}
	}
	f, err := c.book.Forecast(q, asOf, opts)
	if err != nil {
		t.Fatal(err)
	}
	openInQuarter := func(cat tandem.Attribution) *tandem.Opportunity {
		for _, r := range f.Deals {
			if o := c.opps[r.ID]; o.Attribution == cat && !o.Stage.Closed() {
				return &o
			}
		}
		t.Fatalf("no open %s deal in the quarter", cat)
		return nil
	}
	sims := func() [][]tandem.Money {
		cats, err := c.book.categoryParts(q, asOf, opts)
		if err != nil {
			t.Fatal(err)
		}
		var out [][]tandem.Money
		for _, p := range cats.parts {
			out = append(out, p.Simulations)
		}
		return out
	}

	// One category: a direct deal's amount changes and it is won (which its band must show).
	prev := sims()
	o := openInQuarter(tandem.AttributionDirect)
	h := change(o, tandem.HistoryACV, strconv.FormatInt(int64(o.ACV), 10), strconv.FormatInt(int64(o.ACV)+123_00, 10))
	h = append(h, change(o, tandem.HistoryStage, string(o.Stage), string(tandem.StageClosedWon))...)
	o.ACV += 123_00
	o.Stage, o.ForecastCategory, o.CloseDate = tandem.StageClosedWon, tandem.ForecastClosed, day("2026-02-15").Time()
	c.apply(map[int64]*tandem.Opportunity{o.ID: o}, map[int64][]tandem.OpportunityChange{o.ID: h})
	if diff := cmp.Diff(pageResults(t, c.scratch()), pageResults(t, c.book)); diff != "" {
		t.Fatalf("after one category's change (-scratch +cached):\n%s", diff)
	}
	if f2, err := c.book.Forecast(q, asOf, opts); err != nil || f2.Lines[0].WonToDate != f.Lines[0].WonToDate+o.ACV {
		t.Fatalf("direct won to date %v, want %v (err %v)", f2.Lines[0].WonToDate, f.Lines[0].WonToDate+o.ACV, err)
	}
	now := sims()
	for ci, cat := range forecast.Categories {
		reused := &now[ci][0] == &prev[ci][0]
		if reused != (cat != forecast.Category(tandem.AttributionDirect)) {
			t.Errorf("%s: simulations reused %v after a change in direct only", cat, reused)
		}
	}

	// Several categories: a partner-led deal moves to partner-sourced, a partner-influenced one is won,
	// a direct one is deleted, a new partner-sourced one is created.
	moved := openInQuarter(tandem.AttributionPartnerLed)
	hm := change(moved, tandem.HistoryAttribution, string(moved.Attribution), string(tandem.AttributionPartnerSourced))
	moved.Attribution = tandem.AttributionPartnerSourced
	won := openInQuarter(tandem.AttributionPartnerInfluenced)
	hw := change(won, tandem.HistoryStage, string(won.Stage), string(tandem.StageClosedWon))
	won.Stage, won.ForecastCategory, won.CloseDate = tandem.StageClosedWon, tandem.ForecastClosed, day("2026-02-15").Time()
	gone := openInQuarter(tandem.AttributionDirect)
	created := *moved
	created.ID, created.ExternalID = 900_001, "NEW1"
	created.CreatedOn, created.CreatedAt = day("2026-02-12").Time(), day("2026-02-12").Time()
	c.apply(map[int64]*tandem.Opportunity{moved.ID: moved, won.ID: won, gone.ID: nil, created.ID: &created},
		map[int64][]tandem.OpportunityChange{moved.ID: hm, won.ID: hw})
	if diff := cmp.Diff(pageResults(t, c.scratch()), pageResults(t, c.book)); diff != "" {
		t.Fatalf("after changes in several categories (-scratch +cached):\n%s", diff)
	}

	// Two refreshes before the next request: kept results are two versions behind.
	a, b := openInQuarter(tandem.AttributionPartnerSourced), openInQuarter(tandem.AttributionPartnerLed)
	ha := change(a, tandem.HistoryCloseDate, strconv.FormatInt(a.CloseDate.UnixMicro(), 10), strconv.FormatInt(day("2026-05-01").Time().UnixMicro(), 10))
	a.CloseDate = day("2026-05-01").Time()
	c.apply(map[int64]*tandem.Opportunity{a.ID: a}, map[int64][]tandem.OpportunityChange{a.ID: ha})
	hb := change(b, tandem.HistoryForecastCategory, string(b.ForecastCategory), string(tandem.ForecastOmitted))
	b.ForecastCategory = tandem.ForecastOmitted
	c.apply(map[int64]*tandem.Opportunity{b.ID: b}, map[int64][]tandem.OpportunityChange{b.ID: hb})
	if diff := cmp.Diff(pageResults(t, c.scratch()), pageResults(t, c.book)); diff != "" {
		t.Fatalf("after two refreshes (-scratch +cached):\n%s", diff)
	}
	if !slices.Equal(c.book.IDs(), c.scratch().IDs()) {
		t.Fatal("the books hold different deals")
	}
}

// The accuracy tables read the deals behind past quarters' numbers on past days. A change made today
// leaves those days' states as they were: the kept lists are served again as they are, not rebuilt,
// and still equal the lists computed from scratch.
func TestPastDealsKeptAcrossChanges(t *testing.T) {
	c := newIncrementalCase(2000, 4000)
	pq := forecast.Quarter{Year: 2025, Q: 4}
	days := []forecast.Day{pq.Start() + 28, pq.End()}
	var before [][]DealRef
	for _, d := range days {
		deals, err := c.book.QuarterDeals(pq, d)
		if err != nil || len(deals) == 0 {
			t.Fatalf("%s: %d deals, %v", d, len(deals), err)
		}
		before = append(before, deals)
	}
	// A deal behind the past quarter's numbers changes today: its amount and owner.
	o := c.opps[before[1][0].ID]
	noon := day("2026-02-15").Time().Add(12 * time.Hour)
	h := []tandem.OpportunityChange{
		{ID: 2_000_001, OpportunityID: o.ID, Field: tandem.HistoryACV, Old: strconv.FormatInt(int64(o.ACV), 10), New: strconv.FormatInt(int64(o.ACV)+1, 10), ChangedAt: noon},
		{ID: 2_000_002, OpportunityID: o.ID, Field: tandem.HistoryOwner, Old: "", New: "7", ChangedAt: noon},
	}
	o.ACV, o.OwnerID = o.ACV+1, 7
	c.apply(map[int64]*tandem.Opportunity{o.ID: &o}, map[int64][]tandem.OpportunityChange{o.ID: h})
	scratch := c.scratch()
	for i, d := range days {
		got, err := c.book.QuarterDeals(pq, d)
		if err != nil {
			t.Fatal(err)
		}
		if &got[0] != &before[i][0] {
			t.Errorf("%s: the past deals were rebuilt after a change made today", d)
		}
		want, err := scratch.QuarterDeals(pq, d)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (-scratch +kept):\n%s", d, diff)
		}
	}
	// Today's list does show the change.
	now, err := c.book.QuarterDeals(forecast.Quarter{Year: 2026, Q: 1}, day("2026-02-15"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := scratch.QuarterDeals(forecast.Quarter{Year: 2026, Q: 1}, day("2026-02-15"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, now); diff != "" {
		t.Errorf("today (-scratch +kept):\n%s", diff)
	}
}
