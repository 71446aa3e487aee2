// Package forecasting is the joint forecast inside the product: it reads the store's opportunities and
// their recorded history (tandem.OpportunityChange), rebuilds each deal as it stood at the end of any
// day, turns those into the forecast engine's deals (internal/forecast) and runs the engine, and builds
// the owners' roll-up from their forecast categories. The store returns records only; the engine is
// called here.
//
// # A deal as of a day
//
// A deal exists on day D when it was created on or before D (created_on, else the day of created_at).
// Its fields at the end of D are its current values with every recorded change after D undone, newest
// first. Its forecast category is its attribution as of D (internal/comp's), or, where none was derived
// yet, one read off the routing: no partner → direct, co-sell → partner_led (the hybrid motion),
// partner-led → partner_sourced, any other partner deal → partner_influenced.
//
// A deal closed won or lost as of D closed on its close date; when it has none, on the day its stage
// last changed, else the day of its last update; never before it was created. The engine's own as-of
// rule (forecast.Deal.AsOf) still applies, so a deal imported closed with a later close date is open.
//
// # The roll-up
//
// For the quarter's open deals whose close date falls in it, by the owner's forecast category, summed
// cumulatively as CRMs show it: commit = won to date + commit deals; best case = commit + best-case deals;
// pipeline = best case + pipeline deals. Omitted deals count in none. Amounts are summed as stored in
// minor units: the forecast assumes one plan currency, as compensation does.
package forecasting

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/forecast"
)

// Store is what the forecast reads (the SQL store).
type Store interface {
	ForecastOpportunities(ctx context.Context, actor tandem.Actor) ([]tandem.Opportunity, []tandem.OpportunityChange, error)
}

// Line is one row of the forecast: the engine's line and the owners' roll-up of the same category.
type Line struct {
	forecast.Line
	Commit   tandem.Money
	BestCase tandem.Money
	Pipeline tandem.Money
}

// DealRef is one deal behind a number: a deal won in the quarter so far or open with its close date in
// it, as of the forecast's day.
type DealRef struct {
	ID         int64                   `json:"id"`
	ExternalID string                  `json:"external_id"`
	Name       string                  `json:"name"`
	Category   string                  `json:"category"`
	Forecast   tandem.ForecastCategory `json:"forecast_category"`
	Stage      tandem.Stage            `json:"stage"`
	ACV        tandem.Money            `json:"acv"`
	CloseDate  string                  `json:"close_date"`
	Currency   string                  `json:"currency"`
	OwnerID    int64                   `json:"owner_id,omitempty"`
	PartnerID  int64                   `json:"partner_id,omitempty"`
	Motion     tandem.Motion           `json:"motion,omitempty"`
	Country    string                  `json:"country,omitempty"`
	// LastActivity is the day of the deal's latest recorded change on or before the forecast's day, or
	// its creation; PushedOut counts the changes that moved its close date later (30 days before the
	// forecast's day to it).
	LastActivity string `json:"last_activity"`
	PushedOut    int    `json:"pushed_out"`
}

// Forecast is a quarter's forecast as of a day: one line per category in forecast.Categories order,
// then the total; the deals behind them; and the seed that reproduces the bands.
type Forecast struct {
	// Currency is the plan currency the amounts are in: the one most of the book's deals are in
	// (DefaultCurrency for an empty book).
	Currency string
	Quarter  forecast.Quarter
	AsOf     forecast.Day
	Seed     uint64
	Lines    []Line
	Deals    []DealRef
}

// Load reads the opportunities actor may see and their history.
func Load(ctx context.Context, st Store, actor tandem.Actor) (*Book, error) {
	opps, changes, err := st.ForecastOpportunities(ctx, actor)
	if err != nil {
		return nil, fmt.Errorf("forecast: %w", err)
	}
	return NewBook(opps, changes), nil
}

// Book is the opportunities and their changes, each sorted, to be read as of any day. It is never
// modified once built, so one book serves concurrent requests (Cache).
type Book struct {
	opps []*tandem.Opportunity        // by id
	hist [][]tandem.OpportunityChange // hist[i]: opps[i]'s changes by time, then record

	rankOnce sync.Once
	rank     []int32 // rank[i]: opps[i]'s place in the order of decimal ids, the engine's order

	currencyOnce sync.Once
	currency     string

	memo *memo // a cached book's forecasts; nil: none kept

	lin     *lineage // a cached book's scope: results brought up to date from the changed deals; nil: none
	version uint64   // its place in the lineage

	winProb map[int64]float64 // by opportunity id: the outside win probability its open deal carries
}

// WithWinProbabilities returns a book reading the same records whose open deals carry the given win
// probabilities (by opportunity id; internal/prediction's stored scores) as forecast.Deal.WinProbability.
// The engine reads them only with Options.WinProbabilityWeight above zero. b is left as it was.
func (b *Book) WithWinProbabilities(p map[int64]float64) *Book {
	nb := &Book{opps: b.opps, hist: b.hist, winProb: p}
	if b.memo != nil {
		nb.memo = newMemo()
	}
	return nb
}

// NewBook takes the opportunities and their changes; the order either comes in does not matter. It
// sorts them in place when they are not sorted already (the store returns them sorted), so the caller
// hands them over. Changes of opportunities not in opps are dropped.
func NewBook(opps []tandem.Opportunity, changes []tandem.OpportunityChange) *Book {
	byID := func(x, y tandem.Opportunity) int { return cmp.Compare(x.ID, y.ID) }
	if !slices.IsSortedFunc(opps, byID) {
		slices.SortFunc(opps, byID)
	}
	if !slices.IsSortedFunc(changes, changeOrder) {
		slices.SortFunc(changes, changeOrder)
	}
	b := &Book{opps: make([]*tandem.Opportunity, len(opps)), hist: make([][]tandem.OpportunityChange, len(opps))}
	next := 0
	for i := range opps {
		b.opps[i] = &opps[i]
		b.hist[i], next = changesOf(changes, opps[i].ID, next)
	}
	return b
}

func changeOrder(x, y tandem.OpportunityChange) int {
	return cmp.Or(cmp.Compare(x.OpportunityID, y.OpportunityID), x.ChangedAt.Compare(y.ChangedAt), cmp.Compare(x.ID, y.ID))
}

// changesOf returns the changes of opportunity id, starting the search at from (changes are sorted by
// opportunity), and where the next search starts.
func changesOf(changes []tandem.OpportunityChange, id int64, from int) ([]tandem.OpportunityChange, int) {
	for from < len(changes) && changes[from].OpportunityID < id {
		from++
	}
	end := from
	for end < len(changes) && changes[end].OpportunityID == id {
		end++
	}
	return changes[from:end:end], end
}

// IDs returns the ids of the book's opportunities, in order.
func (b *Book) IDs() []int64 {
	out := make([]int64, len(b.opps))
	for i, o := range b.opps {
		out[i] = o.ID
	}
	return out
}

// Len returns how many opportunities the book holds.
func (b *Book) Len() int { return len(b.opps) }

// with returns a new book: b with the opportunities ch names replaced by those it returns (with their
// whole history), dropped where ch returns none. b is left as it was; unchanged records are shared.
func (b *Book) with(ch tandem.ForecastChanges) *Book {
	byID := func(x, y tandem.Opportunity) int { return cmp.Compare(x.ID, y.ID) }
	if !slices.IsSortedFunc(ch.Opportunities, byID) {
		slices.SortFunc(ch.Opportunities, byID)
	}
	if !slices.IsSortedFunc(ch.Changes, changeOrder) {
		slices.SortFunc(ch.Changes, changeOrder)
	}
	slices.Sort(ch.IDs)
	nb := &Book{opps: make([]*tandem.Opportunity, 0, len(b.opps)+len(ch.Opportunities)),
		hist: make([][]tandem.OpportunityChange, 0, len(b.opps)+len(ch.Opportunities)), memo: newMemo(),
		lin: b.lin, version: b.version + 1}
	changed := slices.Clone(ch.IDs)
	for _, o := range ch.Opportunities {
		changed = append(changed, o.ID)
	}
	nb.lin.record(nb.version, changed)
	i, k, next := 0, 0, 0
	add := func(o *tandem.Opportunity) {
		var h []tandem.OpportunityChange
		h, next = changesOf(ch.Changes, o.ID, next)
		nb.opps, nb.hist = append(nb.opps, o), append(nb.hist, h)
	}
	for i < len(b.opps) || k < len(ch.Opportunities) {
		switch {
		case k == len(ch.Opportunities) || (i < len(b.opps) && b.opps[i].ID < ch.Opportunities[k].ID):
			if _, changed := slices.BinarySearch(ch.IDs, b.opps[i].ID); !changed {
				nb.opps, nb.hist = append(nb.opps, b.opps[i]), append(nb.hist, b.hist[i])
			}
			i++
		default:
			if i < len(b.opps) && b.opps[i].ID == ch.Opportunities[k].ID {
				i++
			}
			add(&ch.Opportunities[k])
			k++
		}
	}
	return nb
}

// ranks returns each opportunity's place in the order of decimal ids (the engine sorts deals by their
// string id), computed once per book.
func (b *Book) ranks() []int32 {
	b.rankOnce.Do(func() {
		ids := make([]string, len(b.opps))
		order := make([]int32, len(b.opps))
		for i, o := range b.opps {
			ids[i], order[i] = strconv.FormatInt(o.ID, 10), int32(i)
		}
		slices.SortFunc(order, func(x, y int32) int { return cmp.Compare(ids[x], ids[y]) })
		b.rank = make([]int32, len(b.opps))
		for r, i := range order {
			b.rank[i] = int32(r)
		}
	})
	return b.rank
}

// DefaultCurrency is the plan currency of a book with no deals.
const DefaultCurrency = "USD"

// Currency returns the plan currency: the one most of the book's deals are in, the first by name on a
// tie; DefaultCurrency when there are none.
func (b *Book) Currency() string {
	b.currencyOnce.Do(func() {
		count := map[string]int{}
		for _, o := range b.opps {
			if o.Currency != "" {
				count[o.Currency]++
			}
		}
		b.currency = DefaultCurrency
		best := 0
		for c, n := range count {
			if n > best || (n == best && c < b.currency) {
				b.currency, best = c, n
			}
		}
	})
	return b.currency
}

// endOf returns the first instant after day d.
func endOf(d forecast.Day) time.Time { return (d + 1).Time() }

// StateAsOf returns o as it stood at the end of day d: its current fields with every change recorded
// after d undone, newest first. A value that does not parse is an error naming the change.
func StateAsOf(o tandem.Opportunity, changes []tandem.OpportunityChange, d forecast.Day) (tandem.Opportunity, error) {
	end := endOf(d)
	for i := len(changes) - 1; i >= 0; i-- {
		c := changes[i]
		if c.ChangedAt.Before(end) {
			break
		}
		if err := undo(&o, c); err != nil {
			return o, fmt.Errorf("opportunity %s: change %d of %s at %s: %w", o.ExternalID, c.ID, c.Field, c.ChangedAt.Format(time.RFC3339), err)
		}
	}
	return o, nil
}

// undo sets the field c changed back to its old value.
func undo(o *tandem.Opportunity, c tandem.OpportunityChange) error {
	id := func(s string) (int64, error) {
		if s == "" {
			return 0, nil
		}
		return strconv.ParseInt(s, 10, 64)
	}
	var err error
	switch c.Field {
	case tandem.HistoryStage:
		o.Stage = tandem.Stage(c.Old)
	case tandem.HistoryACV:
		var v int64
		v, err = strconv.ParseInt(c.Old, 10, 64)
		o.ACV = tandem.Money(v)
	case tandem.HistoryCloseDate:
		var v int64
		if v, err = id(c.Old); err == nil {
			o.CloseDate = time.Time{}
			if c.Old != "" {
				o.CloseDate = time.UnixMicro(v).UTC()
			}
		}
	case tandem.HistoryForecastCategory:
		o.ForecastCategory = tandem.ForecastCategory(c.Old)
	case tandem.HistoryOwner:
		o.OwnerID, err = id(c.Old)
	case tandem.HistoryPartner:
		o.PartnerID, err = id(c.Old)
	case tandem.HistoryMotion:
		o.Routing.Motion = tandem.Motion(c.Old)
	case tandem.HistoryAttribution:
		o.Attribution = tandem.Attribution(c.Old)
	default:
		return fmt.Errorf("%q is not a recorded field", c.Field)
	}
	if err != nil {
		return fmt.Errorf("old value %q: %w", c.Old, err)
	}
	return nil
}

// CategoryOf returns the forecast category of a deal (see the package comment).
func CategoryOf(o tandem.Opportunity) forecast.Category {
	if o.Attribution.Valid() {
		return forecast.Category(o.Attribution)
	}
	switch {
	case o.PartnerID == 0 || o.Routing.Motion == tandem.MotionDirect:
		return forecast.Category(tandem.AttributionDirect)
	case o.Routing.Motion == tandem.MotionCoSell:
		return forecast.Category(tandem.AttributionPartnerLed)
	case o.Routing.Motion == tandem.MotionPartnerLed:
		return forecast.Category(tandem.AttributionPartnerSourced)
	}
	return forecast.Category(tandem.AttributionPartnerInfluenced)
}

func createdDay(o tandem.Opportunity) forecast.Day {
	if !o.CreatedOn.IsZero() {
		return forecast.DayOf(o.CreatedOn)
	}
	return forecast.DayOf(o.CreatedAt)
}

// closedDay is when a deal closed (see the package comment); changes are its own, oldest first.
func closedDay(o tandem.Opportunity, changes []tandem.OpportunityChange, end time.Time) forecast.Day {
	day := forecast.DayOf(o.UpdatedAt)
	if !o.CloseDate.IsZero() {
		day = forecast.DayOf(o.CloseDate)
	} else {
		for _, c := range changes {
			if c.Field == tandem.HistoryStage && c.ChangedAt.Before(end) {
				day = forecast.DayOf(c.ChangedAt)
			}
		}
	}
	return max(day, createdDay(o))
}

// state is one deal as of a day, with the engine's record of it.
type state struct {
	opp  *tandem.Opportunity // the book's own when no change was undone
	idx  int32               // its place in the book
	deal forecast.Deal
}

// statesAsOf returns the deals that existed at the end of day d, as they stood then.
func (b *Book) statesAsOf(d forecast.Day) ([]state, error) {
	end := endOf(d)
	out := make([]state, 0, len(b.opps))
	for i := range b.opps {
		st, ok, err := b.stateOf(i, d, end)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, st)
		}
	}
	return out, nil
}

// stateOf returns opps[i] as it stood at the end of day d (end: endOf(d)), and whether it existed then.
func (b *Book) stateOf(i int, d forecast.Day, end time.Time) (state, bool, error) {
	cur, changes := b.opps[i], b.hist[i]
	if createdDay(*cur) > d {
		return state{}, false, nil
	}
	o := cur
	if len(changes) > 0 && !changes[len(changes)-1].ChangedAt.Before(end) {
		past, err := StateAsOf(*cur, changes, d)
		if err != nil {
			return state{}, false, err
		}
		o = &past
	}
	deal := forecast.Deal{ID: strconv.FormatInt(o.ID, 10), Category: CategoryOf(*o), Created: createdDay(*o),
		Amount: o.ACV, AmountKnown: o.ACV > 0, Segment: o.Country}
	switch o.Stage {
	case tandem.StageClosedWon:
		deal.Outcome, deal.AmountKnown = forecast.Won, true
		deal.Closed = closedDay(*o, changes, end)
	case tandem.StageClosedLost:
		deal.Outcome = forecast.Lost
		deal.Closed = closedDay(*o, changes, end)
	}
	if deal.Outcome == forecast.Open {
		deal.WinProbability = b.winProb[o.ID]
	}
	deal, ok := deal.AsOf(d)
	if !ok {
		return state{}, false, nil
	}
	if deal.Outcome == forecast.Open && o.Stage.Closed() {
		open := *o
		open.Stage = tandem.StageNegotiation // closed only later: it was open on d
		o = &open
	}
	return state{opp: o, idx: int32(i), deal: deal}, true, nil
}

// DealsAsOf returns the engine's deals as they stood at the end of day d, in the engine's order (by
// category, then id).
func (b *Book) DealsAsOf(d forecast.Day) ([]forecast.Deal, error) {
	states, err := b.statesAsOf(d)
	if err != nil {
		return nil, err
	}
	return b.engineDeals(states), nil
}

// engineDeals returns the states' deals ordered as forecast.NewHistory keeps them — by category, then
// id as a string — by placing each at its rank rather than comparing strings: the sort was most of a
// large book's forecast.
func (b *Book) engineDeals(states []state) []forecast.Deal {
	rank := b.ranks()
	at := make([]int32, len(b.opps)) // at[r]: 1 + the state of the opportunity ranked r; 0 none
	for si, st := range states {
		at[rank[st.idx]] = int32(si) + 1
	}
	deals := make([]forecast.Deal, 0, len(states))
	for _, c := range forecast.Categories {
		for _, si := range at {
			if si > 0 && states[si-1].deal.Category == c {
				deals = append(deals, states[si-1].deal)
			}
		}
	}
	if len(deals) != len(states) { // a category the engine does not know: let it say which
		deals = deals[:0]
		for _, st := range states {
			deals = append(deals, st.deal)
		}
	}
	return deals
}

// Forecast forecasts quarter q as of the end of day asOf from what was known then, with the roll-up
// and the deals behind the numbers. A cached book's forecast is shared: it must not be modified.
func (b *Book) Forecast(q forecast.Quarter, asOf forecast.Day, opts forecast.Options) (*Forecast, error) {
	key := memoKey{kind: "forecast", q: q, to: asOf, opts: opts}
	if v, ok := b.memo.get(key); ok {
		return v.(*Forecast), nil
	}
	f, err := b.forecast(q, asOf, opts)
	if err != nil {
		return nil, err
	}
	b.memo.put(key, f)
	return f, nil
}

func (b *Book) forecast(q forecast.Quarter, asOf forecast.Day, opts forecast.Options) (*Forecast, error) {
	if opts.Seed == 0 {
		opts.Seed = forecast.DefaultSeed
	}
	cats, err := b.categoryParts(q, asOf, opts)
	if err != nil {
		return nil, err
	}
	if cats.empty() { // nothing existed yet: every number is zero
		f := &Forecast{Currency: b.Currency(), Quarter: q, AsOf: asOf, Seed: opts.Seed}
		for _, c := range forecast.Categories {
			f.Lines = append(f.Lines, Line{Line: forecast.Line{Category: string(c), Quarter: q, AsOf: asOf}})
		}
		f.Lines = append(f.Lines, Line{Line: forecast.Line{Category: forecast.Total, Quarter: q, AsOf: asOf}})
		return f, nil
	}
	deals, err := b.QuarterDeals(q, asOf)
	if err != nil {
		return nil, err
	}
	res := forecast.Combine(q, asOf, cats.parts)
	f := &Forecast{Currency: b.Currency(), Quarter: q, AsOf: asOf, Seed: opts.Seed, Lines: make([]Line, len(res.Lines)), Deals: deals}
	for i, l := range res.Lines {
		f.Lines[i] = Line{Line: l}
	}
	b.rollUp(f)
	return f, nil
}

// rollUp adds the owners' commit, best case and pipeline of f's deals to its lines, on top of the
// won to date.
func (b *Book) rollUp(f *Forecast) {
	total := len(forecast.Categories)
	for _, r := range f.Deals {
		if r.won() {
			continue
		}
		ci := slices.Index(forecast.Categories[:], forecast.Category(r.Category))
		for _, l := range []*Line{&f.Lines[ci], &f.Lines[total]} {
			switch r.Forecast {
			case tandem.ForecastCommit:
				l.Commit += r.ACV
			case tandem.ForecastBestCase:
				l.BestCase += r.ACV
			case tandem.ForecastPipeline:
				l.Pipeline += r.ACV
			}
		}
	}
	// Cumulative, as CRMs show it: commit includes what is won; best case includes commit; pipeline best case.
	for i := range f.Lines {
		l := &f.Lines[i]
		l.Commit += l.WonToDate
		l.BestCase += l.Commit
		l.Pipeline += l.BestCase
	}
}

// dealRef is a state's line in the deals behind the numbers, as of day d.
func (b *Book) dealRef(s state, d forecast.Day) DealRef {
	closeDate := ""
	if s.deal.Outcome == forecast.Won {
		closeDate = s.deal.Closed.String()
	} else {
		closeDate = forecast.DayOf(s.opp.CloseDate).String()
	}
	ref := DealRef{ID: s.opp.ID, ExternalID: s.opp.ExternalID, Name: s.opp.Name, Category: string(s.deal.Category),
		Forecast: s.opp.ForecastCategory, Stage: s.opp.Stage, ACV: s.opp.ACV, CloseDate: closeDate, Currency: s.opp.Currency,
		OwnerID: s.opp.OwnerID, PartnerID: s.opp.PartnerID, Motion: s.opp.Routing.Motion, Country: s.opp.Country}
	last := createdDay(*s.opp)
	end := endOf(d)
	for _, c := range b.hist[s.idx] {
		if !c.ChangedAt.Before(end) {
			break
		}
		last = max(last, forecast.DayOf(c.ChangedAt))
		if c.Field == tandem.HistoryCloseDate && forecast.DayOf(c.ChangedAt) > d-30 {
			old, err1 := strconv.ParseInt(c.Old, 10, 64)
			nw, err2 := strconv.ParseInt(c.New, 10, 64)
			if err1 == nil && err2 == nil && c.Old != "" && nw > old {
				ref.PushedOut++
			}
		}
	}
	ref.LastActivity = last.String()
	return ref
}

// QuarterDeals returns the deals behind quarter q's numbers as of the end of day d — as Forecast's
// Deals, without running the engine — for roll-ups and accuracy over many days.
func (b *Book) QuarterDeals(q forecast.Quarter, d forecast.Day) ([]DealRef, error) {
	key := memoKey{kind: "deals", q: q, to: d}
	if v, ok := b.memo.get(key); ok {
		return v.([]DealRef), nil
	}
	var out []DealRef
	if v, changed, ok := b.lin.get(key, b.version, b.incrementalLimit()); ok {
		fresh, err := b.freshStates(changed, d)
		if err != nil {
			return nil, err
		}
		out, _ = patch(v.([]DealRef), func(r *DealRef) int64 { return r.ID }, changed, func(id int64) (DealRef, bool, error) {
			s, ok := fresh[id]
			if !ok || !inQuarterDeals(s, q) {
				return DealRef{}, false, nil
			}
			return b.dealRef(s, d), true, nil
		})
	} else {
		states, err := b.statesAsOf(d)
		if err != nil {
			return nil, err
		}
		for _, s := range states {
			if inQuarterDeals(s, q) {
				out = append(out, b.dealRef(s, d))
			}
		}
	}
	b.lin.put(key, b.version, out)
	b.memo.put(key, out)
	return out, nil
}

// inQuarterDeals reports whether a state is behind quarter q's numbers: won in it, or open with its
// close date in it and counted in the roll-up.
func inQuarterDeals(s state, q forecast.Quarter) bool {
	inQuarter := func(x forecast.Day) bool { return x >= q.Start() && x <= q.End() }
	switch {
	case s.deal.Outcome == forecast.Won && inQuarter(s.deal.Closed):
		return true
	case s.deal.Outcome == forecast.Open && !s.opp.CloseDate.IsZero() && inQuarter(forecast.DayOf(s.opp.CloseDate)):
		f := s.opp.ForecastCategory
		return f == tandem.ForecastCommit || f == tandem.ForecastBestCase || f == tandem.ForecastPipeline
	}
	return false
}

// GroupLine is one group's roll-up of a quarter: its deals' won to date and the owners' commit, best
// case and pipeline, cumulative as the forecast's lines.
type GroupLine struct {
	Group     string
	Deals     int
	WonToDate tandem.Money
	Commit    tandem.Money
	BestCase  tandem.Money
	Pipeline  tandem.Money
}

// won reports whether a deal behind the numbers counts as won to date.
func (d DealRef) won() bool { return d.Stage == tandem.StageClosedWon }

// RollUpBy sums deals (the deals behind a quarter's numbers) by group, groups by name; a deal whose
// group is "" is left out.
func RollUpBy(deals []DealRef, group func(DealRef) string) []GroupLine {
	by := map[string]*GroupLine{}
	for _, d := range deals {
		g := group(d)
		if g == "" {
			continue
		}
		l := by[g]
		if l == nil {
			l = &GroupLine{Group: g}
			by[g] = l
		}
		l.Deals++
		switch {
		case d.won():
			l.WonToDate += d.ACV
		case d.Forecast == tandem.ForecastCommit:
			l.Commit += d.ACV
		case d.Forecast == tandem.ForecastBestCase:
			l.BestCase += d.ACV
		case d.Forecast == tandem.ForecastPipeline:
			l.Pipeline += d.ACV
		}
	}
	out := make([]GroupLine, 0, len(by))
	for _, l := range by {
		l.Commit += l.WonToDate
		l.BestCase += l.Commit
		l.Pipeline += l.BestCase
		out = append(out, *l)
	}
	slices.SortFunc(out, func(x, y GroupLine) int { return cmp.Compare(x.Group, y.Group) })
	return out
}

// CommitAccuracy scores the owners' commit against what was won: for each quarter, each group's
// commit (RollUpBy) as of quarter start + 7·week days against its won to date at the quarter's end,
// as forecast.ScorePredictions does (MAPE and bias; groups in order of first appearance). Quarters not
// ended by today are skipped.
func (b *Book) CommitAccuracy(quarters []forecast.Quarter, week int, today forecast.Day, group func(DealRef) string) ([]forecast.Accuracy, error) {
	var preds []forecast.Prediction
	for _, q := range quarters {
		if q.End() > today {
			continue
		}
		at, err := b.QuarterDeals(q, q.Start()+forecast.Day(7*week))
		if err != nil {
			return nil, err
		}
		end, err := b.QuarterDeals(q, q.End())
		if err != nil {
			return nil, err
		}
		actual := map[string]tandem.Money{}
		for _, l := range RollUpBy(end, group) {
			actual[l.Group] = l.WonToDate
		}
		seen := map[string]bool{}
		for _, l := range RollUpBy(at, group) {
			seen[l.Group] = true
			preds = append(preds, forecast.Prediction{Group: l.Group, Forecast: l.Commit, Actual: actual[l.Group]})
		}
		for _, l := range RollUpBy(end, group) {
			if !seen[l.Group] { // won without a commit: a miss of the whole amount
				preds = append(preds, forecast.Prediction{Group: l.Group, Actual: l.WonToDate})
			}
		}
	}
	return forecast.ScorePredictions(preds), nil
}

// Backtest replays the history the store holds as forecast.History.Backtest does for an export: the
// quarters and their actuals from today's view of every deal, each week's forecast from the deals as
// they stood that day (Forecast's lines for that day).
func (b *Book) Backtest(today forecast.Day, weeks []int, opts forecast.Options) ([]forecast.BacktestLine, *forecast.History, error) {
	type result struct {
		lines []forecast.BacktestLine
		hist  *forecast.History
	}
	key := memoKey{kind: fmt.Sprint("backtest", weeks), to: today, opts: opts}
	if v, ok := b.memo.get(key); ok {
		r := v.(result)
		return r.lines, r.hist, nil
	}
	lines, hist, err := b.backtest(today, weeks, opts)
	if err != nil {
		return nil, nil, err
	}
	b.memo.put(key, result{lines, hist})
	return lines, hist, nil
}

func (b *Book) backtest(today forecast.Day, weeks []int, opts forecast.Options) ([]forecast.BacktestLine, *forecast.History, error) {
	deals, err := b.DealsAsOf(today)
	if err != nil {
		return nil, nil, err
	}
	hist, err := forecast.NewHistory(deals)
	if err != nil {
		return nil, nil, fmt.Errorf("forecast backtest: %w", err)
	}
	if err := forecast.CheckWeeks(weeks); err != nil {
		return nil, nil, fmt.Errorf("forecast backtest: %w", err)
	}
	if opts.Seed == 0 {
		opts.Seed = forecast.DefaultSeed
	}
	// Each week is forecast from the deals as they stood that day — their amounts and categories then,
	// rebuilt from the history — exactly as the forecast of that day is: today's view of a deal open
	// then would show the amount it was won or lost at.
	var lines []forecast.BacktestLine
	for _, q := range hist.BacktestQuarters() {
		actual := hist.Actuals(q)
		for _, w := range weeks {
			asOf := q.Start() + forecast.Day(7*w)
			cats, err := b.categoryParts(q, asOf, opts)
			if err != nil {
				return nil, nil, err
			}
			res := forecast.Combine(q, asOf, cats.parts)
			for i, l := range res.Lines {
				lines = append(lines, forecast.BacktestLine{Quarter: q, Week: w, Category: l.Category,
					P10: l.P10, P50: l.P50, P90: l.P90, Actual: actual[i]})
			}
		}
	}
	return lines, hist, nil
}

// Movements returns the week-over-week waterfall of quarter q's open pipeline between the ends of days
// from and to, per category then the total (forecast.Movements), from the history.
func (b *Book) Movements(q forecast.Quarter, from, to forecast.Day) ([]forecast.Movement, error) {
	key := memoKey{kind: "movements", q: q, from: from, to: to}
	if v, ok := b.memo.get(key); ok {
		return v.([]forecast.Movement), nil
	}
	moves, err := b.movements(q, from, to)
	if err != nil {
		return nil, err
	}
	b.memo.put(key, moves)
	return moves, nil
}

// snapEntry is one deal of a movement's snapshot, by opportunity id.
type snapEntry struct {
	id   int64
	deal forecast.SnapshotDeal
}

// snapshots is what a movement keeps: the quarter's relevant deals on each of its two days, by id,
// and their waterfall.
type snapshots struct {
	before, after []snapEntry
	moves         []forecast.Movement
}

func (b *Book) movements(q forecast.Quarter, from, to forecast.Day) ([]forecast.Movement, error) {
	// Only deals in the quarter's open pipeline on either day move it: the others are left out before
	// the comparison, which would index every deal by its id.
	inQuarter := func(s state) bool {
		return s.deal.Outcome == forecast.Open && !s.opp.CloseDate.IsZero() &&
			forecast.DayOf(s.opp.CloseDate) >= q.Start() && forecast.DayOf(s.opp.CloseDate) <= q.End()
	}
	entry := func(s state) snapEntry {
		sd := forecast.SnapshotDeal{ID: s.deal.ID, Category: s.deal.Category, Outcome: s.deal.Outcome, Amount: s.opp.ACV}
		switch {
		case s.deal.Outcome != forecast.Open:
			sd.CloseDate = s.deal.Closed
		case !s.opp.CloseDate.IsZero():
			sd.CloseDate = forecast.DayOf(s.opp.CloseDate)
		}
		return snapEntry{id: s.opp.ID, deal: sd}
	}
	key := memoKey{kind: "snapshots", q: q, from: from, to: to}
	var snaps snapshots
	if v, changed, ok := b.lin.get(key, b.version, b.incrementalLimit()); ok {
		old := v.(snapshots)
		before, err := b.freshStates(changed, from)
		if err != nil {
			return nil, err
		}
		after, err := b.freshStates(changed, to)
		if err != nil {
			return nil, err
		}
		relevant := func(id int64) bool {
			s1, ok1 := before[id]
			s2, ok2 := after[id]
			return (ok1 && inQuarter(s1)) || (ok2 && inQuarter(s2))
		}
		fresh := func(states map[int64]state) func(int64) (snapEntry, bool, error) {
			return func(id int64) (snapEntry, bool, error) {
				s, ok := states[id]
				if !ok || !relevant(id) {
					return snapEntry{}, false, nil
				}
				return entry(s), true, nil
			}
		}
		byID := func(e *snapEntry) int64 { return e.id }
		snaps.before, _ = patch(old.before, byID, changed, fresh(before))
		snaps.after, _ = patch(old.after, byID, changed, fresh(after))
		// Each deal's part of the waterfall depends on its own two snapshots: take the changed deals'
		// old parts out and put their new ones in, rather than compare every deal again.
		find := func(es []snapEntry, id int64) *forecast.SnapshotDeal {
			if i, ok := slices.BinarySearchFunc(es, id, func(e snapEntry, id int64) int { return cmp.Compare(e.id, id) }); ok {
				return &es[i].deal
			}
			return nil
		}
		snaps.moves = old.moves
		for _, id := range changed {
			was := [2]*forecast.SnapshotDeal{find(old.before, id), find(old.after, id)}
			now := [2]*forecast.SnapshotDeal{find(snaps.before, id), find(snaps.after, id)}
			if was[0] != nil || was[1] != nil || now[0] != nil || now[1] != nil {
				snaps.moves = forecast.UpdateMovements(snaps.moves, q, was, now)
			}
		}
	} else {
		before, err := b.statesAsOf(from)
		if err != nil {
			return nil, err
		}
		after, err := b.statesAsOf(to)
		if err != nil {
			return nil, err
		}
		relevant := make([]bool, len(b.opps))
		for _, states := range [][]state{before, after} {
			for _, s := range states {
				if inQuarter(s) {
					relevant[s.idx] = true
				}
			}
		}
		snap := func(states []state) []snapEntry {
			var out []snapEntry
			for _, s := range states {
				if relevant[s.idx] {
					out = append(out, entry(s))
				}
			}
			return out
		}
		snaps = snapshots{before: snap(before), after: snap(after)}
		deals := func(es []snapEntry) []forecast.SnapshotDeal {
			out := make([]forecast.SnapshotDeal, len(es))
			for i, e := range es {
				out[i] = e.deal
			}
			return out
		}
		if snaps.moves, err = forecast.Movements(deals(snaps.before), deals(snaps.after), q); err != nil {
			return nil, err
		}
	}
	b.lin.put(key, b.version, snaps)
	return snaps.moves, nil
}
