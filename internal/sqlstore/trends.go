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

// PipelineTrend counts the opportunities actor may see created in each period [bounds[i], bounds[i+1]),
// by routing motion and currency. A partner user counts only its own partner's deals.
func (s *Store) PipelineTrend(ctx context.Context, actor tandem.Actor, bounds []time.Time) ([]TrendCell, error) {
	if len(bounds) < 2 {
		return nil, tandem.Errorf(tandem.EINVALID, "periods: need at least two bounds")
	}
	var w where
	scopeOpportunities(&w, actor)
	w.add("o.created_on >= ?", dbTime(bounds[0]))
	w.add("o.created_on < ?", dbTime(bounds[len(bounds)-1]))
	bucket := bucketCase(&w, "o.created_on", bounds)
	return s.trend(ctx, "pipeline trend", `SELECT `+bucket+`, o.routing_motion, o.currency, count(*), COALESCE(sum(o.acv), 0)
		FROM opportunities o`, w, `o.routing_motion, o.currency`)
}

// RegistrationTrend counts the registrations actor may see submitted in each period, by status and
// currency. A partner user counts only its own.
func (s *Store) RegistrationTrend(ctx context.Context, actor tandem.Actor, bounds []time.Time) ([]TrendCell, error) {
	if len(bounds) < 2 {
		return nil, tandem.Errorf(tandem.EINVALID, "periods: need at least two bounds")
	}
	var w where
	scopeRegistrations(&w, actor)
	w.add("r.submitted_at >= ?", dbTime(bounds[0]))
	w.add("r.submitted_at < ?", dbTime(bounds[len(bounds)-1]))
	bucket := bucketCase(&w, "r.submitted_at", bounds)
	return s.trend(ctx, "registration trend", `SELECT `+bucket+`, r.status, r.currency, count(*), COALESCE(sum(r.estimated_acv), 0)
		FROM registrations r`, w, `r.status, r.currency`)
}

// BookingsTrend counts and sums the won deals actor may see by the period they closed in, by routing
// motion and currency. A partner user counts only its own partner's.
func (s *Store) BookingsTrend(ctx context.Context, actor tandem.Actor, bounds []time.Time) ([]TrendCell, error) {
	if len(bounds) < 2 {
		return nil, tandem.Errorf(tandem.EINVALID, "periods: need at least two bounds")
	}
	var w where
	scopeOpportunities(&w, actor)
	w.add("o.stage = ?", string(tandem.StageClosedWon))
	w.add("o.close_date >= ?", dbTime(bounds[0]))
	w.add("o.close_date < ?", dbTime(bounds[len(bounds)-1]))
	bucket := bucketCase(&w, "o.close_date", bounds)
	return s.trend(ctx, "bookings trend", `SELECT `+bucket+`, o.routing_motion, o.currency, count(*), COALESCE(sum(o.acv), 0)
		FROM opportunities o`, w, `o.routing_motion, o.currency`)
}

// AttributionTrend counts and sums the opportunities actor may see created in each period, by
// attribution ("" before one is decided) and currency: the partner-sourced share of new pipeline.
func (s *Store) AttributionTrend(ctx context.Context, actor tandem.Actor, bounds []time.Time) ([]TrendCell, error) {
	if len(bounds) < 2 {
		return nil, tandem.Errorf(tandem.EINVALID, "periods: need at least two bounds")
	}
	var w where
	scopeOpportunities(&w, actor)
	w.add("o.created_on >= ?", dbTime(bounds[0]))
	w.add("o.created_on < ?", dbTime(bounds[len(bounds)-1]))
	bucket := bucketCase(&w, "o.created_on", bounds)
	return s.trend(ctx, "attribution trend", `SELECT `+bucket+`, o.attribution, o.currency, count(*), COALESCE(sum(o.acv), 0)
		FROM opportunities o`, w, `o.attribution, o.currency`)
}

// ConflictTrend counts the channel conflicts opened in each period, by cause. EFORBIDDEN
// for partner users, who never see conflicts.
func (s *Store) ConflictTrend(ctx context.Context, actor tandem.Actor, bounds []time.Time) ([]TrendCell, error) {
	if err := forbidPartner(actor, "see channel conflicts"); err != nil {
		return nil, err
	}
	if len(bounds) < 2 {
		return nil, tandem.Errorf(tandem.EINVALID, "periods: need at least two bounds")
	}
	var w where
	w.add("c.opened_at >= ?", dbTime(bounds[0]))
	w.add("c.opened_at < ?", dbTime(bounds[len(bounds)-1]))
	bucket := bucketCase(&w, "c.opened_at", bounds)
	// Counts only: a conflict keeps its deal size but not its currency.
	return s.trend(ctx, "conflict trend", `SELECT `+bucket+`, c.cause, '', count(*), 0 FROM conflicts c`, w, `c.cause`)
}

// trend runs a bucketed count: sel selects (bucket, kind, currency, count, amount) before w's WHERE.
func (s *Store) trend(ctx context.Context, what, sel string, w where, groupBy string) ([]TrendCell, error) {
	// GROUP BY 1 names the bucket by position: both engines accept it, and it avoids repeating the CASE.
	rows, err := s.read.QueryContext(ctx, sel+w.sql()+` GROUP BY 1, `+groupBy+` ORDER BY 1, `+groupBy, w.args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	var out []TrendCell
	for rows.Next() {
		var c TrendCell
		if err := rows.Scan(&c.Period, &c.Kind, &c.Currency, &c.Count, &c.Amount); err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}
