package sqlstore

import (
	"context"
	"time"

	tandem "github.com/tandem-revops/tandem"
)

// The lists behind the conflict pages: the conflict queue filtered by every dimension of the pattern
// review (so that each count of the review opens the conflicts behind it), and the escalation log of
// all conflicts. Vendor staff only, like everything about conflicts.

// ConflictDetailFilter selects conflicts with what they were about. Zero fields match anything.
type ConflictDetailFilter struct {
	Status    tandem.ConflictStatus
	Cause     tandem.ConflictCause
	Level     tandem.EscalationLevel
	Rule      string // "(none)" selects conflicts without a rule, as the review counts them
	Segment   string // an ACV band, tandem.ACVBands
	PartnerID int64  // the partner of the conflict's registration
	AEID      int64
	// OpportunityID selects the conflicts about one deal (0 for any).
	OpportunityID int64
	// OpenedFrom (inclusive) and OpenedTo (exclusive) bound when the conflicts opened.
	OpenedFrom, OpenedTo time.Time
	Sort                 string // opened_at, level_due_at, level, acv, cause, status, id; a leading - reverses
	Limit, Offset        int
}

// acvBandBounds are the [low, high) ACV bounds of each band in minor units; high 0 means no bound.
var acvBandBounds = map[string][2]tandem.Money{
	tandem.BandSmall:     {0, tandem.Major(50_000)},
	tandem.BandMid:       {tandem.Major(50_000), tandem.Major(250_000)},
	tandem.BandLarge:     {tandem.Major(250_000), tandem.Major(1_000_000)},
	tandem.BandStrategic: {tandem.Major(1_000_000), 0},
}

// ListConflictDetails returns a page of the conflicts matching f, soonest due first by default, and how
// many match. EFORBIDDEN for partner users; EINVALID for an unknown sort key or segment.
func (s *Store) ListConflictDetails(ctx context.Context, actor tandem.Actor, f ConflictDetailFilter) ([]ConflictDetail, int, error) {
	if err := forbidPartner(actor, "see channel conflicts"); err != nil {
		return nil, 0, err
	}
	var w where
	addEq(&w, "status", string(f.Status))
	addEq(&w, "cause", string(f.Cause))
	addEq(&w, "level", int64(f.Level))
	switch f.Rule {
	case "":
	case "(none)":
		w.add("rule = ''")
	default:
		w.add("rule = ?", f.Rule)
	}
	if f.Segment != "" {
		b, ok := acvBandBounds[f.Segment]
		if !ok {
			return nil, 0, tandem.FieldError("segment", "%q is not an ACV band", f.Segment)
		}
		// The review puts negative amounts in the smallest band too.
		if f.Segment != tandem.BandSmall {
			w.add("acv >= ?", int64(b[0]))
		}
		if b[1] != 0 {
			w.add("acv < ?", int64(b[1]))
		}
	}
	addEq(&w, "partner_id", f.PartnerID)
	addEq(&w, "ae_id", f.AEID)
	addEq(&w, "opportunity_id", f.OpportunityID)
	w.during("opened_at", f.OpenedFrom, f.OpenedTo)
	order, err := orderBy(f.Sort, "level_due_at", map[string]string{
		"opened_at": "opened_at", "level_due_at": "level_due_at", "level": "level", "acv": "acv", "cause": "cause",
		"status": "status", "id": "id",
	}, "id")
	if err != nil {
		return nil, 0, err
	}
	pg, err := page(f.Limit, f.Offset)
	if err != nil {
		return nil, 0, err
	}
	return listCounted(ctx, s, "list conflicts", conflictDetailColumns, "conflicts", w, order+pg, scanConflictDetail)
}

// EscalationFilter selects escalation log entries. Zero fields match anything.
type EscalationFilter struct {
	ConflictID int64
	Level      tandem.EscalationLevel
	Action     string // opened, escalated, resolved
	// From (inclusive) and Before (exclusive) bound when the entries were written; zero for no bound.
	From, Before  time.Time
	Limit, Offset int
}

// ListEscalations returns a page of the escalation log of every conflict, newest first, and how many
// entries match. EFORBIDDEN for partner users.
func (s *Store) ListEscalations(ctx context.Context, actor tandem.Actor, f EscalationFilter) ([]tandem.EscalationEntry, int, error) {
	if err := forbidPartner(actor, "see the escalation log"); err != nil {
		return nil, 0, err
	}
	var w where
	addEq(&w, "conflict_id", f.ConflictID)
	addEq(&w, "level", int64(f.Level))
	addEq(&w, "action", f.Action)
	w.during("at", f.From, f.Before)
	pg, err := page(f.Limit, f.Offset)
	if err != nil {
		return nil, 0, err
	}
	return listCounted(ctx, s, "escalation log", "id, conflict_id, at, level, action, actor_id, note", "escalation_log", w,
		" ORDER BY at DESC, id DESC"+pg, func(scan func(...any) error) (tandem.EscalationEntry, error) {
			var e tandem.EscalationEntry
			err := scan(&e.ID, &e.ConflictID, timeCol{&e.At}, &e.Level, &e.Action, idCol{&e.ActorID}, &e.Note)
			return e, err
		})
}
