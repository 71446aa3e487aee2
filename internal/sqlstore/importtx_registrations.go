package sqlstore

import (
	"context"
	"fmt"
	"strings"

	tandem "github.com/tandem-revops/tandem"
)

// Registration status on import. An import is how RevOps migrates from another PRM, so a new
// registration keeps the status it had there (an approved registration with its protection running, a
// won one for attribution history) and gets one `import` event in registration_events recording the
// status it arrived with; the lifecycle log then says where its history begins. A registration already
// stored is another matter: re-importing it may move its status only along a legal lifecycle
// transition (submitted → approved, approved → won, …), logged as that transition's event; any other
// change of status (approved → submitted, rejected → approved) fails the import naming the row.

// EventImport is the registration_events event of a registration that arrived by import.
const EventImport tandem.RegistrationEvent = "import"

// importTransitions is the lifecycle event that moves a stored registration from one status to another.
var importTransitions = map[[2]tandem.RegistrationStatus]tandem.RegistrationEvent{
	{tandem.RegistrationSubmitted, tandem.RegistrationApproved}:  tandem.EventApprove,
	{tandem.RegistrationSubmitted, tandem.RegistrationRejected}:  tandem.EventReject,
	{tandem.RegistrationSubmitted, tandem.RegistrationWithdrawn}: tandem.EventWithdraw,
	{tandem.RegistrationApproved, tandem.RegistrationWithdrawn}:  tandem.EventWithdraw,
	{tandem.RegistrationApproved, tandem.RegistrationExpired}:    tandem.EventExpire,
	{tandem.RegistrationApproved, tandem.RegistrationWon}:        tandem.EventWin,
	{tandem.RegistrationApproved, tandem.RegistrationLost}:       tandem.EventLose,
}

// pendingEvent is a lifecycle event to log once the import has written its registration.
type pendingEvent struct {
	ext      string
	event    tandem.RegistrationEvent
	from, to tandem.RegistrationStatus
	reason   string
}

// registrationStatusEvents checks the statuses of rows (the ones at idx) against the stored
// registrations and returns the events to log after the upsert. EINVALID, naming the registration and
// the status field, for a change of status no lifecycle transition makes.
func (t *ImportTx) registrationStatusEvents(ctx context.Context, rows []tandem.Registration, idx []int) ([]pendingEvent, error) {
	exts := make([]string, len(idx))
	for j, i := range idx {
		exts[j] = rows[i].ExternalID
	}
	stored := make(map[string]tandem.RegistrationStatus, len(idx))
	err := t.lookup(ctx, exts, "r.external_id", func(join, cond string) string {
		return `SELECT r.external_id, r.status FROM ` + join + `registrations AS r WHERE ` + cond
	}, intoMap(stored))
	if err != nil {
		return nil, fmt.Errorf("stored registration statuses: %w", err)
	}
	var events []pendingEvent
	for _, i := range idx {
		r := &rows[i]
		old, ok := stored[r.ExternalID]
		switch {
		case !ok:
			events = append(events, pendingEvent{ext: r.ExternalID, event: EventImport, to: r.Status,
				reason: "imported as " + string(r.Status)})
		case old == r.Status:
		default:
			ev, legal := importTransitions[[2]tandem.RegistrationStatus{old, r.Status}]
			if !legal {
				return nil, rowError("registration", r.ExternalID, tandem.FieldError("status",
					"is %s and cannot become %s: an import moves a stored registration only along the lifecycle "+
						"(submitted → approved, rejected or withdrawn; approved → withdrawn, expired, won or lost)", old, r.Status))
			}
			events = append(events, pendingEvent{ext: r.ExternalID, event: ev, from: old, to: r.Status, reason: "by import"})
		}
	}
	return events, nil
}

// logRegistrationEvents appends the events once their registrations are written.
func (t *ImportTx) logRegistrationEvents(ctx context.Context, events []pendingEvent) error {
	if len(events) == 0 {
		return nil
	}
	exts := make([]string, len(events))
	for i, e := range events {
		exts[i] = e.ext
	}
	ids, err := t.ResolveIDs(ctx, "registrations", exts)
	if err != nil {
		return err
	}
	// Many events to a statement: one INSERT prepared and run per event took a second of CPU of the
	// demo's creation (15,000 registrations). The rows go in in events' order, so their ids are too.
	const perInsert = 200
	for start := 0; start < len(events); start += perInsert {
		chunk := events[start:min(start+perInsert, len(events))]
		var b strings.Builder
		b.WriteString(`INSERT INTO registration_events (registration_id, at, event, from_status, to_status, actor_id, reason) VALUES `)
		args := make([]any, 0, 7*len(chunk))
		for i, e := range chunk {
			if i > 0 {
				b.WriteString(", ")
			}
			n := len(args)
			fmt.Fprintf(&b, "($%d, $%d, $%d, $%d, $%d, $%d, $%d)", n+1, n+2, n+3, n+4, n+5, n+6, n+7)
			args = append(args, ids[e.ext], t.now.UnixMicro(), string(e.event), string(e.from), string(e.to), dbID(t.actor.UserID), e.reason)
		}
		if _, err := t.tx.ExecContext(ctx, b.String(), args...); err != nil {
			return fmt.Errorf("log the events of %d imported registrations from %s: %w", len(chunk), chunk[0].ext, err)
		}
	}
	return nil
}
