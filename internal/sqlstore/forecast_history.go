package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	tandem "github.com/tandem-revops/tandem"
)

// The joint forecast's storage: the opportunity history (written by triggers on opportunities, see
// migration 00012_forecast.sql, and by imports of a CRM's history), the weekly snapshots and the managers'
// submissions. The store returns records; the forecasting capability runs the engine on them.

const changeColumns = `h.id, h.opportunity_id, h.field, h.old_value, h.new_value, h.changed_at, h.source`

func scanChange(scan func(...any) error) (tandem.OpportunityChange, error) {
	var c tandem.OpportunityChange
	err := scan(&c.ID, &c.OpportunityID, &c.Field, &c.Old, &c.New, timeCol{&c.ChangedAt}, &c.Source)
	return c, err
}

// forecastColumns are the fields of an opportunity the forecast reads; the rest (routing explanation,
// product, discount…) are left out, which keeps reading a few hundred thousand deals cheap.
const forecastColumns = `o.id, o.external_id, o.name, o.account_id, o.owner_id, o.partner_id, o.acv, o.currency, o.stage,
	o.forecast_category, o.country, o.attribution, o.created_on, o.close_date, o.routing_motion, o.created_at, o.updated_at`

// ForecastOpportunities returns every opportunity actor may see, by id, with the fields the forecast
// reads (forecastColumns; the others are zero), and the recorded changes of those opportunities in the
// order they happened (by opportunity, time, then record).
func (s *Store) ForecastOpportunities(ctx context.Context, actor tandem.Actor) ([]tandem.Opportunity, []tandem.OpportunityChange, error) {
	var w where
	scopeOpportunities(&w, actor)
	opps, err := s.forecastRows(ctx, w)
	if err != nil {
		return nil, nil, err
	}
	changes, err := s.listChanges(ctx, actor, 0)
	if err != nil {
		return nil, nil, err
	}
	return opps, changes, nil
}

// ForecastMark returns the fingerprint of the opportunities and their history (tandem.ForecastMark),
// over every opportunity whoever the caller: it says only whether something changed, never what.
func (s *Store) ForecastMark(ctx context.Context) (tandem.ForecastMark, error) {
	var m tandem.ForecastMark
	err := s.read.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM opportunities), (SELECT COALESCE(max(updated_at), 0) FROM opportunities),
		(SELECT count(*) FROM opportunity_history), (SELECT COALESCE(max(id), 0) FROM opportunity_history)`).
		Scan(&m.Opportunities, &m.LastUpdate, &m.Changes, &m.LastChange)
	if err != nil {
		return m, fmt.Errorf("forecast mark: %w", err)
	}
	return m, nil
}

// ForecastChangedSince returns the opportunities updated at or after since (µs) or with a history record
// whose id is above afterChange (tandem.ForecastChanges).
func (s *Store) ForecastChangedSince(ctx context.Context, actor tandem.Actor, since, afterChange int64) (tandem.ForecastChanges, error) {
	var out tandem.ForecastChanges
	ids, err := queryAll(ctx, s.read, "forecast changes", `SELECT id FROM opportunities WHERE updated_at >= $1
		UNION SELECT opportunity_id FROM opportunity_history WHERE id > $2 ORDER BY 1`, []any{since, afterChange}, scanOne[int64])
	if err != nil {
		return out, err
	}
	out.IDs = ids
	// All records less those above the mark, in one statement (one snapshot): counting the records at
	// or below it walked the whole table; the total is counted from the narrowest index (SQLite keeps
	// no count either) and the records above the mark are a key range.
	if err := s.read.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM opportunity_history) -
		(SELECT count(*) FROM opportunity_history WHERE id > $1)`, afterChange).Scan(&out.Earlier); err != nil {
		return out, fmt.Errorf("forecast changes: %w", err)
	}
	// The rows themselves by id, a chunk at a time: a handful after an edit, many after an import.
	for start := 0; start < len(out.IDs); start += 500 {
		chunk := out.IDs[start:min(start+500, len(out.IDs))]
		var w where
		in, arg := s.inInts("o.id", 1, chunk)
		w.args = append(w.args, arg)
		w.conds = append(w.conds, in)
		scopeOpportunities(&w, actor)
		opps, err := s.forecastRows(ctx, w)
		if err != nil {
			return out, err
		}
		out.Opportunities = append(out.Opportunities, opps...)
		var hw where
		in, arg = s.inInts("h.opportunity_id", 1, chunk)
		hw.args = append(hw.args, arg)
		hw.conds = append(hw.conds, in)
		scopeOpportunities(&hw, actor)
		from := ` FROM opportunity_history h`
		if actor.IsPartner() {
			from += ` JOIN opportunities o ON o.id = h.opportunity_id`
		}
		changes, err := queryAll(ctx, s.read, "forecast changes", `SELECT `+changeColumns+from+hw.sql()+
			` ORDER BY h.opportunity_id, h.changed_at, h.id`, hw.args, scanChange)
		if err != nil {
			return out, err
		}
		out.Changes = append(out.Changes, changes...)
	}
	return out, nil
}

// forecastRows returns the opportunities w selects (forecastColumns), by id.
func (s *Store) forecastRows(ctx context.Context, w where) ([]tandem.Opportunity, error) {
	return queryAll(ctx, s.read, "forecast opportunities", `SELECT `+forecastColumns+` FROM opportunities o`+w.sql()+
		` ORDER BY o.id`, w.args, func(scan func(...any) error) (tandem.Opportunity, error) {
		var o tandem.Opportunity
		err := scan(&o.ID, &o.ExternalID, &o.Name, &o.AccountID, idCol{&o.OwnerID}, idCol{&o.PartnerID}, &o.ACV, &o.Currency,
			&o.Stage, &o.ForecastCategory, &o.Country, &o.Attribution, timeCol{&o.CreatedOn}, timeCol{&o.CloseDate},
			&o.Routing.Motion, timeCol{&o.CreatedAt}, timeCol{&o.UpdatedAt})
		return o, err
	})
}

// OpportunityHistory returns the recorded changes of one opportunity, oldest first; ENOTFOUND when
// actor cannot see it.
func (s *Store) OpportunityHistory(ctx context.Context, actor tandem.Actor, id int64) ([]tandem.OpportunityChange, error) {
	if _, err := s.GetOpportunity(ctx, actor, id); err != nil {
		return nil, err
	}
	return s.listChanges(ctx, actor, id)
}

func (s *Store) listChanges(ctx context.Context, actor tandem.Actor, id int64) ([]tandem.OpportunityChange, error) {
	var w where
	scopeOpportunities(&w, actor)
	if id != 0 {
		w.add("h.opportunity_id = ?", id)
	}
	from := ` FROM opportunity_history h`
	if actor.IsPartner() {
		from += ` JOIN opportunities o ON o.id = h.opportunity_id`
	}
	return queryAll(ctx, s.read, "opportunity history", `SELECT `+changeColumns+from+w.sql()+
		` ORDER BY h.opportunity_id, h.changed_at, h.id`, w.args, scanChange)
}

// ImportOpportunityHistory stores changes read from a CRM's history export (source "import"), all or
// nothing, and returns how many it stored. Each change must name a stored opportunity and a recorded
// field; EINVALID names the first that does not. Partner users cannot import: EFORBIDDEN.
func (s *Store) ImportOpportunityHistory(ctx context.Context, actor tandem.Actor, changes []tandem.OpportunityChange) (int, error) {
	if err := forbidPartner(actor, "import opportunity history"); err != nil {
		return 0, err
	}
	err := s.inTx(ctx, func(tx *sql.Tx, now time.Time) error {
		return s.storeHistoryTx(ctx, tx, now, actor, changes, nil)
	})
	if err != nil {
		return 0, err
	}
	return len(changes), nil
}

// SaveForecastSnapshot stores one forecast (its lines for one quarter and as-of day) unless that
// quarter and day are stored already, and reports whether it stored it. Two instances saving the same
// week race on the unique key: one stores, the other stores nothing — the weekly job's exactly once.
func (s *Store) SaveForecastSnapshot(ctx context.Context, lines []tandem.ForecastSnapshot) (bool, error) {
	if len(lines) == 0 {
		return false, nil
	}
	stored := false
	err := s.inTx(ctx, func(tx *sql.Tx, now time.Time) error {
		for i, l := range lines {
			if l.Quarter != lines[0].Quarter || l.AsOf != lines[0].AsOf {
				return tandem.Errorf(tandem.EINVALID, "snapshot line %d: is for %s as of %s, not %s as of %s", i+1, l.Quarter, l.AsOf, lines[0].Quarter, lines[0].AsOf)
			}
			res, err := tx.ExecContext(ctx, `INSERT INTO forecast_snapshots (quarter, as_of, category, won_to_date, commit_amount,
				best_case, pipeline, p10, p50, p90, seed, taken_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
				ON CONFLICT (quarter, as_of, category) DO NOTHING`,
				l.Quarter, l.AsOf, l.Category, l.WonToDate, l.Commit, l.BestCase, l.Pipeline, l.P10, l.P50, l.P90, int64(l.Seed), now.UnixMicro())
			if err != nil {
				return s.mapErr(fmt.Errorf("save forecast snapshot %s %s %s: %w", l.Quarter, l.AsOf, l.Category, err), "forecast snapshot")
			}
			n, err := res.RowsAffected()
			if err != nil {
				return fmt.Errorf("save forecast snapshot: %w", err)
			}
			if i == 0 {
				stored = n == 1
			}
			if !stored {
				return nil // another instance stored this week
			}
		}
		return nil
	})
	return stored, err
}

// ForecastSnapshots returns the stored snapshot lines of a quarter, by as-of day then category order
// of storing. Partner users see none: a snapshot is the company's number.
func (s *Store) ForecastSnapshots(ctx context.Context, actor tandem.Actor, quarter string) ([]tandem.ForecastSnapshot, error) {
	if actor.IsPartner() {
		return nil, nil
	}
	return queryAll(ctx, s.read, "forecast snapshots "+quarter, `SELECT quarter, as_of, category, won_to_date, commit_amount, best_case, pipeline,
		p10, p50, p90, seed, taken_at FROM forecast_snapshots WHERE quarter = $1 ORDER BY as_of, id`, []any{quarter},
		func(scan func(...any) error) (tandem.ForecastSnapshot, error) {
			var l tandem.ForecastSnapshot
			var seed int64
			err := scan(&l.Quarter, &l.AsOf, &l.Category, &l.WonToDate, &l.Commit, &l.BestCase, &l.Pipeline,
				&l.P10, &l.P50, &l.P90, &seed, timeCol{&l.TakenAt})
			l.Seed = uint64(seed)
			return l, err
		})
}

// SubmitForecast stores a manager's submission (Amount = RollUp + Adjustment) and audits it — who, how
// much, why — in the same transaction. Partner users cannot submit: EFORBIDDEN.
func (s *Store) SubmitForecast(ctx context.Context, actor tandem.Actor, sub *tandem.ForecastSubmission) error {
	if err := forbidPartner(actor, "submit a forecast"); err != nil {
		return err
	}
	if err := sub.Validate(); err != nil {
		return err
	}
	sub.Amount = sub.RollUp + sub.Adjustment
	return s.inTx(ctx, func(tx *sql.Tx, now time.Time) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO forecast_submissions (quarter, level, scope, category, roll_up, adjustment,
			amount, reason, submitted_by, submitted_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
			sub.Quarter, string(sub.Level), sub.Scope, sub.Category, sub.RollUp, sub.Adjustment, sub.Amount, sub.Reason,
			dbID(actor.UserID), now.UnixMicro()).Scan(&sub.ID)
		if err != nil {
			return s.mapErr(fmt.Errorf("submit forecast %s: %w", sub.Quarter, err), "forecast submission")
		}
		sub.SubmittedBy, sub.SubmittedAt = actor.UserID, now
		return appendAuditTx(ctx, tx, now, actor, "forecast.submit", "forecast_submission", idString(sub.ID), sub)
	})
}

// ForecastSubmissions returns a quarter's submissions, oldest first. Partner users see none.
func (s *Store) ForecastSubmissions(ctx context.Context, actor tandem.Actor, quarter string) ([]tandem.ForecastSubmission, error) {
	if actor.IsPartner() {
		return nil, nil
	}
	return queryAll(ctx, s.read, "forecast submissions "+quarter, `SELECT id, quarter, level, scope, category, roll_up, adjustment, amount, reason,
		submitted_by, submitted_at FROM forecast_submissions WHERE quarter = $1 ORDER BY submitted_at, id`, []any{quarter},
		func(scan func(...any) error) (tandem.ForecastSubmission, error) {
			var x tandem.ForecastSubmission
			err := scan(&x.ID, &x.Quarter, &x.Level, &x.Scope, &x.Category, &x.RollUp, &x.Adjustment, &x.Amount,
				&x.Reason, idCol{&x.SubmittedBy}, timeCol{&x.SubmittedAt})
			return x, err
		})
}

// ForecastSnapshotTaken reports whether the snapshot of quarter as of day asOf is stored, so that a
// job can skip the forecast when another instance took it already.
func (s *Store) ForecastSnapshotTaken(ctx context.Context, quarter, asOf string) (bool, error) {
	var n int
	if err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM forecast_snapshots WHERE quarter = $1 AND as_of = $2`,
		quarter, asOf).Scan(&n); err != nil {
		return false, fmt.Errorf("forecast snapshot %s %s: %w", quarter, asOf, err)
	}
	return n > 0, nil
}
