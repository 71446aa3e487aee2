package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	tandem "github.com/tandem-revops/tandem"
)

// TrendCell is one bucket of a time series: the records of one period and one kind (a motion, or a
// registration status) in one currency, and their summed amount in that currency.
type TrendCell struct {
	Period   int // index into the periods asked for
	Kind     string
	Currency string
	Count    int
	Amount   tandem.Money
}

// bucketCase writes a CASE sorting column into the periods bounds delimit ([bounds[i], bounds[i+1])),
// in plain SQL both engines run, numbering its parameters after w's (the SELECT list may name $5
// before the WHERE names $1).
func bucketCase(w *where, column string, bounds []time.Time) string {
	var b strings.Builder
	b.WriteString("CASE")
	for i := 0; i+1 < len(bounds); i++ {
		w.args = append(w.args, dbTime(bounds[i]), dbTime(bounds[i+1]))
		fmt.Fprintf(&b, " WHEN %s >= $%d AND %s < $%d THEN %d", column, len(w.args)-1, column, len(w.args), i)
	}
	b.WriteString(" END")
	return b.String()
}

// trendSeries is one time series over a table: its rows fall into periods by date, are grouped by kind
// and currency, and their amount summed.
type trendSeries struct {
	what     string // names the series in errors
	from     string // the table and its alias
	date     string // the column that places a row in a period
	kind     string
	currency string                     // a column, or a quoted constant where the table has none
	amount   string                     // the summed amount ("0": counts only)
	scope    func(*where, tandem.Actor) // the rows actor may see; nil: all
	only     func(*where)               // further conditions; nil: none
}

var (
	// pipelineSeries is new pipeline: opportunities by the period they were created in, by motion.
	pipelineSeries = trendSeries{what: "pipeline trend", from: "opportunities o", date: "o.created_on", kind: "o.routing_motion",
		currency: "o.currency", amount: "COALESCE(sum(o.acv), 0)", scope: scopeOpportunities}
	// attributionSeries is new pipeline by attribution ("" before one is decided).
	attributionSeries = trendSeries{what: "attribution trend", from: "opportunities o", date: "o.created_on", kind: "o.attribution",
		currency: "o.currency", amount: "COALESCE(sum(o.acv), 0)", scope: scopeOpportunities}
	// bookingsSeries is won deals by the period they closed in, by motion.
	bookingsSeries = trendSeries{what: "bookings trend", from: "opportunities o", date: "o.close_date", kind: "o.routing_motion",
		currency: "o.currency", amount: "COALESCE(sum(o.acv), 0)", scope: scopeOpportunities,
		only: func(w *where) { w.add("o.stage = ?", string(tandem.StageClosedWon)) }}
	// registrationSeries is registrations by the period they were submitted in, by status.
	registrationSeries = trendSeries{what: "registration trend", from: "registrations r", date: "r.submitted_at", kind: "r.status",
		currency: "r.currency", amount: "COALESCE(sum(r.estimated_acv), 0)", scope: scopeRegistrations}
	// conflictSeries is conflicts by the period they opened in, by cause. Counts only: a conflict keeps
	// its deal size but not its currency.
	conflictSeries = trendSeries{what: "conflict trend", from: "conflicts c", date: "c.opened_at", kind: "c.cause",
		currency: "''", amount: "0"}
)

// PipelineTrend counts the opportunities actor may see created in each period [bounds[i], bounds[i+1]),
// by routing motion and currency. A partner user counts only its own partner's deals.
func (s *Store) PipelineTrend(ctx context.Context, actor tandem.Actor, bounds []time.Time) ([]TrendCell, error) {
	return s.periodTrend(ctx, actor, bounds, pipelineSeries)
}

// RegistrationTrend counts the registrations actor may see submitted in each period, by status and
// currency. A partner user counts only its own.
func (s *Store) RegistrationTrend(ctx context.Context, actor tandem.Actor, bounds []time.Time) ([]TrendCell, error) {
	return s.periodTrend(ctx, actor, bounds, registrationSeries)
}

// BookingsTrend counts and sums the won deals actor may see by the period they closed in, by routing
// motion and currency. A partner user counts only its own partner's.
func (s *Store) BookingsTrend(ctx context.Context, actor tandem.Actor, bounds []time.Time) ([]TrendCell, error) {
	return s.periodTrend(ctx, actor, bounds, bookingsSeries)
}

// AttributionTrend counts and sums the opportunities actor may see created in each period, by
// attribution ("" before one is decided) and currency: the partner-sourced share of new pipeline.
func (s *Store) AttributionTrend(ctx context.Context, actor tandem.Actor, bounds []time.Time) ([]TrendCell, error) {
	return s.periodTrend(ctx, actor, bounds, attributionSeries)
}

// ConflictTrend counts the channel conflicts opened in each period, by cause. EFORBIDDEN
// for partner users, who never see conflicts.
func (s *Store) ConflictTrend(ctx context.Context, actor tandem.Actor, bounds []time.Time) ([]TrendCell, error) {
	if err := forbidPartner(actor, "see channel conflicts"); err != nil {
		return nil, err
	}
	return s.periodTrend(ctx, actor, bounds, conflictSeries)
}

// periodTrend reads series t in the periods [bounds[i], bounds[i+1]) as actor may see it.
func (s *Store) periodTrend(ctx context.Context, actor tandem.Actor, bounds []time.Time, t trendSeries) ([]TrendCell, error) {
	if len(bounds) < 2 {
		return nil, tandem.Errorf(tandem.EINVALID, "periods: need at least two bounds")
	}
	var w where
	if t.scope != nil {
		t.scope(&w, actor)
	}
	if t.only != nil {
		t.only(&w)
	}
	w.add(t.date+" >= ?", dbTime(bounds[0]))
	w.add(t.date+" < ?", dbTime(bounds[len(bounds)-1]))
	bucket := bucketCase(&w, t.date, bounds)
	groupBy := t.kind
	if !strings.HasPrefix(t.currency, "'") { // a constant is no group: PostgreSQL refuses one in GROUP BY
		groupBy += ", " + t.currency
	}
	return s.trend(ctx, t.what, `SELECT `+bucket+`, `+t.kind+`, `+t.currency+`, count(*), `+t.amount+` FROM `+t.from, w, groupBy)
}

// trend runs a bucketed count: sel selects (bucket, kind, currency, count, amount) before w's WHERE.
func (s *Store) trend(ctx context.Context, what, sel string, w where, groupBy string) ([]TrendCell, error) {
	// GROUP BY 1 names the bucket by position: both engines accept it, and it avoids repeating the CASE.
	return queryAll(ctx, s.read, what, sel+w.sql()+` GROUP BY 1, `+groupBy+` ORDER BY 1, `+groupBy, w.args,
		func(scan func(...any) error) (TrendCell, error) {
			var c TrendCell
			err := scan(&c.Period, &c.Kind, &c.Currency, &c.Count, &c.Amount)
			return c, err
		})
}
