package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	tandem "github.com/tandem-revops/tandem"
)

// The enablement portfolio's records (issue 12): the spend ledger, MDF funds with their requests and
// event log, curricula and certifications. The rules (which MDF move is legal, what coverage means)
// live in the engines; this file stores what they decide and scopes every read to the actor: a partner
// user sees only its own partner's spend lines, funds, requests, events and certifications.

// Spend motions and kinds, as the ledger's CHECK constraints list them.
var (
	SpendMotions = []string{"partner_sourced", "co_sell", "resell", "direct"}
	SpendKinds   = []string{"training", "certification", "content", "spiff", "event", "mdf"}
)

// SpendLine is one line of the enablement spend ledger. Month is "YYYY-MM".
type SpendLine struct {
	ID          int64        `json:"id"`
	Month       string       `json:"month" doc:"YYYY-MM"`
	Motion      string       `json:"motion" enum:"partner_sourced,co_sell,resell,direct"`
	Segment     string       `json:"segment"`
	Region      string       `json:"region"`
	Product     string       `json:"product"`
	PartnerID   int64        `json:"partner_id,omitempty"`
	PartnerName string       `json:"partner_name,omitempty"`
	Kind        string       `json:"kind" enum:"training,certification,content,spiff,event,mdf"`
	Amount      tandem.Money `json:"amount" doc:"minor units"`
	Currency    string       `json:"currency"`
	Source      string       `json:"source" doc:"where the line came from: api, csv:FILE, comp:PERIOD, mdf:REF, demo"`
	SourceRef   string       `json:"source_ref,omitempty" doc:"the line's key in its source; a source and ref are stored once"`
	Note        string       `json:"note,omitempty"`
	CreatedAt   time.Time    `json:"created_at"`
}

// SpendFilter narrows a spend list. Months are inclusive "YYYY-MM" bounds ("" for open).
type SpendFilter struct {
	FromMonth, ToMonth string
	Motion, Segment    string
	Kind               string
	PartnerID          int64
	Limit, Offset      int
}

// CheckSpendLine checks and normalises a line (motion, kind and currency case) as AddSpendLines will.
func CheckSpendLine(l *SpendLine) error { return validSpendLine(l) }

// validSpendLine checks a line before it is written.
func validSpendLine(l *SpendLine) error {
	l.Motion = strings.TrimSpace(strings.ToLower(l.Motion))
	l.Kind = strings.TrimSpace(strings.ToLower(l.Kind))
	l.Currency = strings.ToUpper(strings.TrimSpace(l.Currency))
	switch {
	case !validMonth(l.Month):
		return tandem.FieldError("month", "%q is not a month (YYYY-MM)", l.Month)
	case !slices.Contains(SpendMotions, l.Motion):
		return tandem.FieldError("motion", "%q is not a motion (%s)", l.Motion, strings.Join(SpendMotions, ", "))
	case !slices.Contains(SpendKinds, l.Kind):
		return tandem.FieldError("kind", "%q is not a spend kind (%s)", l.Kind, strings.Join(SpendKinds, ", "))
	case l.Amount < 0:
		return tandem.FieldError("amount", "%s is negative", l.Amount)
	case len(l.Currency) != 3:
		return tandem.FieldError("currency", "%q is not an ISO currency code", l.Currency)
	case l.Source == "":
		return tandem.FieldError("source", "say where the line comes from")
	}
	return nil
}

func validMonth(s string) bool {
	t, err := time.Parse("2006-01", s)
	return err == nil && t.Format("2006-01") == s
}

// requireStaff refuses partner users: they read their own records but do not write the ledger.
func requireStaffWriter(actor tandem.Actor, what string) error {
	if actor.IsPartner() || actor.Role == tandem.RoleAE {
		return tandem.Errorf(tandem.EFORBIDDEN, "%s: %s users cannot change the enablement ledger", what, actor.Role)
	}
	return nil
}

// AddSpendLines stores lines in one transaction, all or none, with one audit entry. A line whose source
// and ref were stored before is skipped (so a re-run of a sync or an import stores nothing twice); the
// count stored is returned. Partner users and AEs are refused.
func (s *Store) AddSpendLines(ctx context.Context, actor tandem.Actor, lines []SpendLine) (int, error) {
	if err := requireStaffWriter(actor, "add spend"); err != nil {
		return 0, err
	}
	for i := range lines {
		if err := validSpendLine(&lines[i]); err != nil {
			if len(lines) > 1 {
				return 0, fmt.Errorf("spend line %d: %w", i+1, err)
			}
			return 0, err
		}
	}
	var total tandem.Money
	return s.insertNew(ctx, len(lines), func(i int) string { return fmt.Sprintf("spend line %d", i+1) },
		func(tx *sql.Tx, now time.Time, i int) error {
			l := &lines[i]
			err := tx.QueryRowContext(ctx, `INSERT INTO spend_lines (month, motion, segment, region, product, partner_id, kind,
				amount, currency, source, source_ref, note, created_at, created_by)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
				ON CONFLICT DO NOTHING RETURNING id`,
				l.Month, l.Motion, l.Segment, l.Region, l.Product, dbID(l.PartnerID), l.Kind, int64(l.Amount), l.Currency,
				l.Source, l.SourceRef, l.Note, now.UnixMicro(), dbID(actor.UserID)).Scan(&l.ID)
			if err == nil { // not stored before from the same source
				l.CreatedAt = now
				total += l.Amount
			}
			return err
		},
		func(tx *sql.Tx, now time.Time, stored int) error {
			return appendAuditTx(ctx, tx, now, actor, "spend.add", "spend_lines", "", map[string]any{"lines": stored, "total": total})
		})
}

// ListSpend returns spend lines, month then id, and how many match.
func (s *Store) ListSpend(ctx context.Context, actor tandem.Actor, f SpendFilter) ([]SpendLine, int, error) {
	var w where
	w.ownedBy(actor, "l.partner_id")
	if f.FromMonth != "" {
		w.add("l.month >= ?", f.FromMonth)
	}
	if f.ToMonth != "" {
		w.add("l.month <= ?", f.ToMonth)
	}
	addEq(&w, "l.motion", f.Motion)
	addEq(&w, "l.segment", f.Segment)
	addEq(&w, "l.kind", f.Kind)
	addEq(&w, "l.partner_id", f.PartnerID)
	pg := ""
	if f.Limit >= 0 {
		var err error
		if pg, err = page(f.Limit, f.Offset); err != nil {
			return nil, 0, err
		}
	}
	return listCounted(ctx, s, "list spend", `l.id, l.month, l.motion, l.segment, l.region, l.product, l.partner_id,
		COALESCE(p.name, ''), l.kind, l.amount, l.currency, l.source, l.source_ref, l.note, l.created_at`,
		"spend_lines l LEFT JOIN partners p ON p.id = l.partner_id", w, " ORDER BY l.month, l.id"+pg,
		func(scan func(...any) error) (SpendLine, error) {
			var l SpendLine
			var amount int64
			err := scan(&l.ID, &l.Month, &l.Motion, &l.Segment, &l.Region, &l.Product, idCol{&l.PartnerID}, &l.PartnerName,
				&l.Kind, &amount, &l.Currency, &l.Source, &l.SourceRef, &l.Note, timeCol{&l.CreatedAt})
			l.Amount = tandem.Money(amount)
			return l, err
		})
}

// AllSpend is ListSpend without paging, for the returns and the recommendation.
func (s *Store) AllSpend(ctx context.Context, actor tandem.Actor, f SpendFilter) ([]SpendLine, error) {
	f.Limit, f.Offset = -1, 0
	out, _, err := s.ListSpend(ctx, actor, f)
	return out, err
}

// MDFFund is a partner's MDF budget for a period, with its money by where it stands (filled by reads).
type MDFFund struct {
	ID          int64        `json:"id"`
	PartnerID   int64        `json:"partner_id"`
	PartnerName string       `json:"partner_name,omitempty"`
	Period      string       `json:"period" doc:"e.g. 2026-H1"`
	Budget      tandem.Money `json:"budget" doc:"minor units"`
	Currency    string       `json:"currency"`
	OpensOn     time.Time    `json:"opens_on"`
	ExpiresOn   time.Time    `json:"expires_on"`
	// ExpiredAt is when the expiry job marked the fund expired (zero until then).
	ExpiredAt time.Time `json:"expired_at,omitzero"`
	CreatedAt time.Time `json:"created_at"`
}

// MDFRequest is one request against a fund, in its current state.
type MDFRequest struct {
	ID               int64        `json:"id"`
	FundID           int64        `json:"fund_id"`
	PartnerID        int64        `json:"partner_id"`
	PartnerName      string       `json:"partner_name,omitempty"`
	Period           string       `json:"period,omitempty"`
	Currency         string       `json:"currency,omitempty" doc:"the fund's currency"`
	Ref              string       `json:"ref"`
	Activity         string       `json:"activity"`
	Motion           string       `json:"motion"`
	ExpectedPipeline tandem.Money `json:"expected_pipeline"`
	Requested        tandem.Money `json:"requested"`
	Approved         tandem.Money `json:"approved"`
	Claimed          tandem.Money `json:"claimed"`
	Paid             tandem.Money `json:"paid"`
	State            string       `json:"state"`
	RejectReason     string       `json:"reject_reason,omitempty"`
	ProofFiles       []string     `json:"proof_files,omitempty"`
	Attendees        int          `json:"attendees,omitempty"`
	Leads            []string     `json:"leads,omitempty"`
	CreatedAt        time.Time    `json:"created_at"`
	UpdatedAt        time.Time    `json:"updated_at"`
}

// MDFEvent is one line of a request's append-only log.
type MDFEvent struct {
	ID        int64        `json:"id"`
	RequestID int64        `json:"request_id"`
	FundID    int64        `json:"fund_id"`
	At        time.Time    `json:"at"`
	Actor     string       `json:"actor"`
	Action    string       `json:"action"`
	From      string       `json:"from"`
	To        string       `json:"to"`
	Amount    tandem.Money `json:"amount"`
	Reason    string       `json:"reason,omitempty"`
}

// CreateMDFFund stores a partner's budget for a period. Channel staff only; one fund per partner and period.
func (s *Store) CreateMDFFund(ctx context.Context, actor tandem.Actor, f *MDFFund) error {
	if actor.IsPartner() || !actor.Can(tandem.RoleRevOps, tandem.RolePartnerManager, tandem.RoleVPChannel) {
		return tandem.Errorf(tandem.EFORBIDDEN, "create MDF fund: %s users cannot set budgets", actor.Role)
	}
	f.Period = strings.TrimSpace(f.Period)
	f.Currency = strings.ToUpper(strings.TrimSpace(f.Currency))
	switch {
	case f.PartnerID == 0:
		return tandem.FieldError("partner_id", "a fund belongs to a partner")
	case f.Period == "":
		return tandem.FieldError("period", "name the fund's period, e.g. 2026-H1")
	case f.Budget < 0:
		return tandem.FieldError("budget", "%s is negative", f.Budget)
	case len(f.Currency) != 3:
		return tandem.FieldError("currency", "%q is not an ISO currency code", f.Currency)
	case f.OpensOn.IsZero() || !f.ExpiresOn.After(f.OpensOn):
		return tandem.FieldError("expires_on", "a fund expires after it opens")
	}
	return s.inTx(ctx, func(tx *sql.Tx, now time.Time) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO mdf_funds (partner_id, period, budget, currency, opens_on, expires_on,
			created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
			f.PartnerID, f.Period, int64(f.Budget), f.Currency, f.OpensOn.UnixMicro(), f.ExpiresOn.UnixMicro(),
			now.UnixMicro(), dbID(actor.UserID)).Scan(&f.ID)
		if err != nil {
			return s.mapErr(err, "MDF fund")
		}
		f.CreatedAt = now
		return appendAuditTx(ctx, tx, now, actor, "mdf.fund.create", "mdf_funds", fmt.Sprint(f.ID), f)
	})
}

const fundColumns = `f.id, f.partner_id, p.name, f.period, f.budget, f.currency, f.opens_on, f.expires_on, f.expired_at, f.created_at`

func scanFund(scan func(...any) error) (MDFFund, error) {
	var f MDFFund
	var budget int64
	err := scan(&f.ID, &f.PartnerID, &f.PartnerName, &f.Period, &budget, &f.Currency, timeCol{&f.OpensOn}, timeCol{&f.ExpiresOn},
		timeCol{&f.ExpiredAt}, timeCol{&f.CreatedAt})
	f.Budget = tandem.Money(budget)
	return f, err
}

// ListMDFFunds returns the funds the actor may see (a partner user: its own), newest period first.
func (s *Store) ListMDFFunds(ctx context.Context, actor tandem.Actor, partnerID int64) ([]MDFFund, error) {
	var w where
	w.ownedBy(actor, "f.partner_id")
	if partnerID != 0 {
		w.add("f.partner_id = ?", partnerID)
	}
	return queryAll(ctx, s.read, "list MDF funds", `SELECT `+fundColumns+` FROM mdf_funds f JOIN partners p ON p.id = f.partner_id`+
		w.sql()+` ORDER BY f.opens_on DESC, p.name, f.id`, w.args, scanFund)
}

// MarkMDFFundExpired marks fund id expired at now, once: it reports true when this call did it (the
// fund's period is over and no one marked it before), false when the period is still running or
// another instance got there first. The call that marks it writes one audit entry (mdf.fund.expire)
// with the budget that lapsed, in the same transaction. The system or channel staff only.
func (s *Store) MarkMDFFundExpired(ctx context.Context, actor tandem.Actor, id int64, now time.Time, lapsed tandem.Money) (bool, error) {
	if actor.IsPartner() {
		return false, tandem.Errorf(tandem.EFORBIDDEN, "expire MDF fund: partner users cannot expire funds")
	}
	marked := false
	err := s.inTx(ctx, func(tx *sql.Tx, _ time.Time) error {
		ok, err := changedOne(ctx, tx, `UPDATE mdf_funds SET expired_at = $1 WHERE id = $2 AND expired_at IS NULL AND expires_on <= $1`,
			now.UnixMicro(), id)
		if err != nil {
			return fmt.Errorf("expire MDF fund %d: %w", id, err)
		}
		if !ok {
			return nil
		}
		marked = true
		return appendAuditTx(ctx, tx, now, actor, "mdf.fund.expire", "mdf_funds", fmt.Sprint(id), map[string]any{"lapsed": lapsed})
	})
	return marked, err
}

// MDFRequestFilter narrows a request list.
type MDFRequestFilter struct {
	FundID    int64
	PartnerID int64
	States    []string
}

const requestColumns = `r.id, r.fund_id, r.partner_id, p.name, f.period, f.currency, r.ref, r.activity, r.motion, r.expected_pipeline,
	r.requested, r.approved, r.claimed, r.paid, r.state, r.reject_reason, r.proof_files, r.attendees, r.leads,
	r.created_at, r.updated_at`

func scanRequest(scan func(...any) error) (MDFRequest, error) {
	var r MDFRequest
	var pipe, req, appr, claim, paid int64
	err := scan(&r.ID, &r.FundID, &r.PartnerID, &r.PartnerName, &r.Period, &r.Currency, &r.Ref, &r.Activity, &r.Motion, &pipe, &req, &appr,
		&claim, &paid, &r.State, &r.RejectReason, listCol{&r.ProofFiles}, &r.Attendees, listCol{&r.Leads},
		timeCol{&r.CreatedAt}, timeCol{&r.UpdatedAt})
	r.ExpectedPipeline, r.Requested, r.Approved, r.Claimed, r.Paid =
		tandem.Money(pipe), tandem.Money(req), tandem.Money(appr), tandem.Money(claim), tandem.Money(paid)
	return r, err
}

// ListMDFRequests returns the requests the actor may see, oldest first (the approval queue's order).
func (s *Store) ListMDFRequests(ctx context.Context, actor tandem.Actor, f MDFRequestFilter) ([]MDFRequest, error) {
	var w where
	w.ownedBy(actor, "r.partner_id")
	addEq(&w, "r.fund_id", f.FundID)
	addEq(&w, "r.partner_id", f.PartnerID)
	if len(f.States) > 0 {
		cond, arg := s.inStrings("r.state", w.next(), f.States)
		w.conds, w.args = append(w.conds, cond), append(w.args, arg)
	}
	return s.queryRequests(ctx, s.read, w, "")
}

func (s *Store) queryRequests(ctx context.Context, q querier, w where, suffix string) ([]MDFRequest, error) {
	return queryAll(ctx, q, "list MDF requests", `SELECT `+requestColumns+` FROM mdf_requests r JOIN mdf_funds f ON f.id = r.fund_id
		JOIN partners p ON p.id = r.partner_id`+w.sql()+` ORDER BY r.created_at, r.id`+suffix, w.args, scanRequest)
}

// MDFRequestEvents returns a request's log, oldest first. A partner user sees only its own requests' logs.
func (s *Store) MDFRequestEvents(ctx context.Context, actor tandem.Actor, requestID int64) ([]MDFEvent, error) {
	var w where
	w.add("request_id = ?", requestID)
	w.ownedBy(actor, "partner_id")
	return queryAll(ctx, s.read, "MDF events", `SELECT id, request_id, fund_id, at, actor, action, from_state, to_state, amount, reason
		FROM mdf_events`+w.sql()+` ORDER BY id`, w.args, func(scan func(...any) error) (MDFEvent, error) {
		var e MDFEvent
		var amount int64
		err := scan(&e.ID, &e.RequestID, &e.FundID, timeCol{&e.At}, &e.Actor, &e.Action, &e.From, &e.To, &amount, &e.Reason)
		e.Amount = tandem.Money(amount)
		return e, err
	})
}

// MDFFundState is what a transition decides on: the fund with every request, read in the transaction.
// NewRef is the ref a new request made by the transition takes.
type MDFFundState struct {
	Fund     MDFFund
	Requests []MDFRequest
	NewRef   string
	Now      time.Time
}

// MDFChange is a transition's outcome: the request as it now stands (Ref names it; a new ref inserts
// it) and the event to log. Audit is the audit action, "" for none (money decisions are audited).
type MDFChange struct {
	Request MDFRequest `json:"request"`
	Event   MDFEvent   `json:"event"`
	Audit   string     `json:"audit,omitempty" doc:"the audit action written, when the move was a money decision"`
	// Spend, when set, is written to the ledger in the same transaction (a paid claim is MDF spend).
	Spend *SpendLine `json:"spend,omitempty"`
}

// ChangeMDFFund runs decide on the fund's current state inside one transaction and stores its outcome:
// the request row, one event in the append-only log and, for money decisions, an audit entry. When
// decide returns an error nothing is written. A partner user reaches only its own partner's funds
// (another partner's fund is ENOTFOUND, as if it did not exist).
func (s *Store) ChangeMDFFund(ctx context.Context, actor tandem.Actor, fundID int64, decide func(MDFFundState) (MDFChange, error)) (MDFChange, error) {
	var out MDFChange
	err := s.inTx(ctx, func(tx *sql.Tx, now time.Time) error {
		var w where
		w.add("f.id = ?", fundID)
		w.ownedBy(actor, "f.partner_id")
		lock := ""
		if s.dialect == DialectPostgres {
			lock = " FOR UPDATE OF f"
		}
		fund, err := scanFund(tx.QueryRowContext(ctx, `SELECT `+fundColumns+` FROM mdf_funds f JOIN partners p ON p.id = f.partner_id`+
			w.sql()+lock, w.args...).Scan)
		if errors.Is(err, sql.ErrNoRows) {
			return tandem.NotFound("MDF fund", fundID)
		}
		if err != nil {
			return fmt.Errorf("MDF fund %d: %w", fundID, err)
		}
		var rw where
		rw.add("r.fund_id = ?", fundID)
		reqs, err := s.queryRequests(ctx, tx, rw, "")
		if err != nil {
			return err
		}
		ch, err := decide(MDFFundState{Fund: fund, Requests: reqs, NewRef: newExternalID("mdf"), Now: now})
		if err != nil {
			return err
		}
		r := ch.Request
		r.FundID, r.PartnerID, r.PartnerName, r.Period, r.Currency, r.UpdatedAt = fund.ID, fund.PartnerID, fund.PartnerName, fund.Period, fund.Currency, now
		existing := -1
		for i, x := range reqs {
			if x.Ref == r.Ref {
				existing = i
			}
		}
		if existing < 0 {
			r.CreatedAt = now
			err = tx.QueryRowContext(ctx, `INSERT INTO mdf_requests (fund_id, partner_id, ref, activity, motion, expected_pipeline,
				requested, approved, claimed, paid, state, reject_reason, proof_files, attendees, leads, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16) RETURNING id`,
				r.FundID, r.PartnerID, r.Ref, r.Activity, r.Motion, int64(r.ExpectedPipeline), int64(r.Requested), int64(r.Approved),
				int64(r.Claimed), int64(r.Paid), r.State, r.RejectReason, jsonText(r.ProofFiles), r.Attendees, jsonText(r.Leads),
				now.UnixMicro()).Scan(&r.ID)
		} else {
			r.ID, r.CreatedAt = reqs[existing].ID, reqs[existing].CreatedAt
			_, err = tx.ExecContext(ctx, `UPDATE mdf_requests SET approved = $1, claimed = $2, paid = $3, state = $4,
				reject_reason = $5, proof_files = $6, attendees = $7, leads = $8, updated_at = $9 WHERE id = $10`,
				int64(r.Approved), int64(r.Claimed), int64(r.Paid), r.State, r.RejectReason, jsonText(r.ProofFiles), r.Attendees,
				jsonText(r.Leads), now.UnixMicro(), r.ID)
		}
		if err != nil {
			return s.mapErr(err, "MDF request")
		}
		e := ch.Event
		e.RequestID, e.FundID, e.At = r.ID, fund.ID, now
		if e.Actor == "" {
			e.Actor = actor.Email
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO mdf_events (request_id, fund_id, partner_id, at, actor_id, actor, action,
			from_state, to_state, amount, reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
			e.RequestID, e.FundID, fund.PartnerID, now.UnixMicro(), dbID(actor.UserID), e.Actor, e.Action, e.From, e.To,
			int64(e.Amount), e.Reason).Scan(&e.ID)
		if err != nil {
			return fmt.Errorf("MDF event: %w", err)
		}
		if ch.Audit != "" {
			if err := appendAuditTx(ctx, tx, now, actor, ch.Audit, "mdf_requests", r.Ref, e); err != nil {
				return err
			}
		}
		if l := ch.Spend; l != nil {
			l.PartnerID = fund.PartnerID
			if err := validSpendLine(l); err != nil {
				return fmt.Errorf("MDF spend line: %w", err)
			}
			err := tx.QueryRowContext(ctx, `INSERT INTO spend_lines (month, motion, segment, region, product, partner_id, kind,
				amount, currency, source, source_ref, note, created_at, created_by)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id`,
				l.Month, l.Motion, l.Segment, l.Region, l.Product, dbID(l.PartnerID), l.Kind, int64(l.Amount), l.Currency,
				l.Source, l.SourceRef, l.Note, now.UnixMicro(), dbID(actor.UserID)).Scan(&l.ID)
			if err != nil {
				return s.mapErr(err, "MDF spend line")
			}
		}
		out = MDFChange{Request: r, Event: e, Audit: ch.Audit, Spend: ch.Spend}
		return nil
	})
	return out, err
}

// Curriculum is a course of study for one role, certifying for some verticals and products.
type Curriculum struct {
	ID        string   `json:"id"`
	Name      string   `json:"name"`
	Role      string   `json:"role" enum:"partner_sales,partner_technical,ae,se"`
	Verticals []string `json:"verticals"`
	Products  []string `json:"products"`
}

// Certification is one person's certificate; PartnerID is 0 for the vendor's own people.
type Certification struct {
	ID           int64     `json:"id"`
	Person       string    `json:"person"`
	PartnerID    int64     `json:"partner_id,omitempty"`
	PartnerName  string    `json:"partner_name,omitempty"`
	UserID       int64     `json:"user_id,omitempty"`
	CurriculumID string    `json:"curriculum"`
	Role         string    `json:"role"`
	CertifiedOn  time.Time `json:"certified_on"`
	ExpiresOn    time.Time `json:"expires_on,omitzero"`
	Source       string    `json:"source,omitempty"`
}

// SaveCurricula inserts or replaces curricula. Channel staff only.
func (s *Store) SaveCurricula(ctx context.Context, actor tandem.Actor, cs []Curriculum) error {
	if err := requireStaffWriter(actor, "save curricula"); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx, now time.Time) error {
		for _, c := range cs {
			if c.ID == "" {
				return tandem.FieldError("id", "a curriculum needs an id")
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO curricula (id, name, role, verticals, products) VALUES ($1, $2, $3, $4, $5)
				ON CONFLICT (id) DO UPDATE SET name = excluded.name, role = excluded.role, verticals = excluded.verticals,
				products = excluded.products`, c.ID, c.Name, c.Role, jsonText(c.Verticals), jsonText(c.Products))
			if err != nil {
				return s.mapErr(err, "curriculum "+c.ID)
			}
		}
		return appendAuditTx(ctx, tx, now, actor, "curricula.save", "curricula", "", map[string]int{"curricula": len(cs)})
	})
}

// ListCurricula returns every curriculum by id.
func (s *Store) ListCurricula(ctx context.Context) ([]Curriculum, error) {
	return queryAll(ctx, s.read, "list curricula", `SELECT id, name, role, verticals, products FROM curricula ORDER BY id`, nil,
		func(scan func(...any) error) (Curriculum, error) {
			var c Curriculum
			err := scan(&c.ID, &c.Name, &c.Role, listCol{&c.Verticals}, listCol{&c.Products})
			return c, err
		})
}

// AddCertifications stores certificates in one transaction, all or none; a certificate already stored
// (same person, curriculum and date) is skipped. It returns how many were new. Channel staff only.
func (s *Store) AddCertifications(ctx context.Context, actor tandem.Actor, source string, certs []Certification) (int, error) {
	if err := requireStaffWriter(actor, "import certifications"); err != nil {
		return 0, err
	}
	return s.insertNew(ctx, len(certs),
		func(i int) string {
			return fmt.Sprintf("certificate %d (%s, %s)", i+1, certs[i].Person, certs[i].CurriculumID)
		},
		func(tx *sql.Tx, now time.Time, i int) error {
			c := certs[i]
			if c.Person == "" || c.CurriculumID == "" || c.CertifiedOn.IsZero() {
				return tandem.FieldError("certifications", "certificate %d needs a person, a curriculum and a date", i+1)
			}
			var id int64
			return tx.QueryRowContext(ctx, `INSERT INTO certifications (person, partner_id, user_id, curriculum_id, certified_on,
				expires_on, source, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING RETURNING id`,
				c.Person, dbID(c.PartnerID), dbID(c.UserID), c.CurriculumID, c.CertifiedOn.UnixMicro(), dbTime(c.ExpiresOn),
				source, now.UnixMicro()).Scan(&id)
		},
		func(tx *sql.Tx, now time.Time, stored int) error {
			return appendAuditTx(ctx, tx, now, actor, "certifications.import", "certifications", "", map[string]any{"source": source, "new": stored})
		})
}

// ListCertifications returns the certificates the actor may see (a partner user: its own partner's),
// by partner, person and curriculum.
func (s *Store) ListCertifications(ctx context.Context, actor tandem.Actor, partnerID int64) ([]Certification, error) {
	var w where
	w.ownedBy(actor, "c.partner_id")
	if partnerID != 0 {
		w.add("c.partner_id = ?", partnerID)
	}
	return queryAll(ctx, s.read, "list certifications", `SELECT c.id, c.person, c.partner_id, COALESCE(p.name, ''), c.user_id, c.curriculum_id,
		cu.role, c.certified_on, c.expires_on, c.source
		FROM certifications c JOIN curricula cu ON cu.id = c.curriculum_id LEFT JOIN partners p ON p.id = c.partner_id`+
		w.sql()+` ORDER BY COALESCE(p.name, ''), c.person, c.curriculum_id, c.id`, w.args,
		func(scan func(...any) error) (Certification, error) {
			var c Certification
			err := scan(&c.ID, &c.Person, idCol{&c.PartnerID}, &c.PartnerName, idCol{&c.UserID}, &c.CurriculumID, &c.Role,
				timeCol{&c.CertifiedOn}, timeCol{&c.ExpiresOn}, &c.Source)
			return c, err
		})
}

// PortfolioDeal is one closed deal as the portfolio's returns read it.
type PortfolioDeal struct {
	ID          int64         `json:"id"`
	ExternalID  string        `json:"external_id"`
	Name        string        `json:"name"`
	Motion      tandem.Motion `json:"motion"`
	PartnerID   int64         `json:"partner_id,omitempty"`
	PartnerType string        `json:"partner_type,omitempty"`
	ACV         tandem.Money  `json:"acv"`
	Won         bool          `json:"won"`
	CreatedOn   time.Time     `json:"created_on"`
	CloseDate   time.Time     `json:"close_date"`
	FirstWin    bool          `json:"first_win" doc:"won, and the account's first won deal: a new customer"`
	Attribution string        `json:"attribution,omitempty"`
	AccountID   int64         `json:"account_id"`
	Vertical    string        `json:"vertical,omitempty"`
	ProductType string        `json:"product_type,omitempty"`
}

// PortfolioDeals returns the deals closed (won or lost) in [from, to), by close date. Like gross
// profit, it is for those who see all of compensation (revops and executives).
func (s *Store) PortfolioDeals(ctx context.Context, actor tandem.Actor, from, to time.Time) ([]PortfolioDeal, error) {
	if !compSeesAll(actor) {
		return nil, tandem.Errorf(tandem.EFORBIDDEN, "portfolio returns: %s users cannot read every deal's margin", actor.Role)
	}
	// An account's first won deal (earliest close, then lowest id) brings a new customer.
	first := map[int64]int64{}
	frows, err := s.read.QueryContext(ctx, `SELECT account_id, id FROM opportunities WHERE stage = 'closed_won'
		ORDER BY account_id, close_date, id`)
	if err != nil {
		return nil, fmt.Errorf("portfolio deals: %w", err)
	}
	for frows.Next() {
		var account, id int64
		if err := frows.Scan(&account, &id); err != nil {
			frows.Close()
			return nil, fmt.Errorf("portfolio deals: %w", err)
		}
		if _, ok := first[account]; !ok {
			first[account] = id
		}
	}
	frows.Close()
	if err := frows.Err(); err != nil {
		return nil, fmt.Errorf("portfolio deals: %w", err)
	}
	return queryAll(ctx, s.read, "portfolio deals", `SELECT o.id, o.external_id, o.name, o.routing_motion, o.partner_id, COALESCE(p.type, ''),
		o.acv, o.stage, o.created_on, o.close_date, o.attribution, o.account_id, o.vertical, o.product_type
		FROM opportunities o LEFT JOIN partners p ON p.id = o.partner_id
		WHERE o.stage IN ('closed_won', 'closed_lost') AND o.close_date >= $1 AND o.close_date < $2
		ORDER BY o.close_date, o.id`, []any{from.UnixMicro(), to.UnixMicro()},
		func(scan func(...any) error) (PortfolioDeal, error) {
			var d PortfolioDeal
			var acv int64
			var stage string
			err := scan(&d.ID, &d.ExternalID, &d.Name, &d.Motion, idCol{&d.PartnerID}, &d.PartnerType, &acv, &stage,
				timeCol{&d.CreatedOn}, timeCol{&d.CloseDate}, &d.Attribution, &d.AccountID, &d.Vertical, &d.ProductType)
			d.ACV, d.Won = tandem.Money(acv), stage == string(tandem.StageClosedWon)
			d.FirstWin = d.Won && first[d.AccountID] == d.ID
			return d, err
		})
}

// SellingScope is what a partner sells, as its deals show: its deals' accounts' verticals and its
// deals' product types.
type SellingScope struct {
	Verticals []string
	Products  []string
}

// PartnerSellingScopes returns each visible partner's selling scope (a partner user: its own).
func (s *Store) PartnerSellingScopes(ctx context.Context, actor tandem.Actor) (map[int64]SellingScope, error) {
	var w where
	w.add("o.partner_id IS NOT NULL")
	w.ownedBy(actor, "o.partner_id")
	rows, err := s.read.QueryContext(ctx, `SELECT DISTINCT o.partner_id, COALESCE(NULLIF(o.vertical, ''), a.vertical), o.product_type
		FROM opportunities o JOIN accounts a ON a.id = o.account_id`+w.sql()+` ORDER BY 1, 2, 3`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("partner selling scopes: %w", err)
	}
	defer rows.Close()
	out := map[int64]SellingScope{}
	for rows.Next() {
		var id int64
		var vertical, product string
		if err := rows.Scan(&id, &vertical, &product); err != nil {
			return nil, fmt.Errorf("partner selling scopes: %w", err)
		}
		sc := out[id]
		if vertical != "" && !slices.Contains(sc.Verticals, vertical) {
			sc.Verticals = append(sc.Verticals, vertical)
		}
		if product != "" && !slices.Contains(sc.Products, product) {
			sc.Products = append(sc.Products, product)
		}
		out[id] = sc
	}
	return out, rows.Err()
}

// PortfolioDataVersion returns a fingerprint of what the portfolio's returns and the certification
// comparison are computed from: the audit log's last entry (plans, periods, quotas, partners, routing,
// spend, MDF decisions and certificate imports are all audited), the deals' count, last change, total
// ACV and closed count, and the certificates' count. Equal fingerprints mean equal inputs, so a caller
// may cache what it computed from them. Like PortfolioDeals, it is for those who see all of
// compensation (EFORBIDDEN otherwise).
func (s *Store) PortfolioDataVersion(ctx context.Context, actor tandem.Actor) (string, error) {
	if !compSeesAll(actor) {
		return "", tandem.Errorf(tandem.EFORBIDDEN, "portfolio returns: %s users cannot read every deal's margin", actor.Role)
	}
	// The conflict engine flags a deal for cannibalisation with neither an audit entry nor a new
	// updated_at: the flagged deals' count and id sum catch that change.
	var audit, deals, changed, acv, closed, certs, flagged, flaggedIDs int64
	err := s.read.QueryRowContext(ctx, `SELECT
		COALESCE((SELECT max(id) FROM audit_log), 0),
		(SELECT count(*) FROM opportunities),
		COALESCE((SELECT max(updated_at) FROM opportunities), 0),
		COALESCE((SELECT sum(acv) FROM opportunities), 0),
		(SELECT count(*) FROM opportunities WHERE stage IN ('closed_won', 'closed_lost')),
		(SELECT count(*) FROM certifications),
		(SELECT count(*) FROM opportunities WHERE cannibalisation_flag),
		COALESCE((SELECT sum(id) FROM opportunities WHERE cannibalisation_flag), 0)`).
		Scan(&audit, &deals, &changed, &acv, &closed, &certs, &flagged, &flaggedIDs)
	if err != nil {
		return "", fmt.Errorf("portfolio data version: %w", err)
	}
	return fmt.Sprintf("a%d.d%d.u%d.v%d.c%d.x%d.f%d.%d", audit, deals, changed, acv, closed, certs, flagged, flaggedIDs), nil
}

// LeadMatch is an opportunity an MDF lead may have become: matched by the opportunity's external id,
// or by its account's external id or name (lower-cased in Keys).
type LeadMatch struct {
	OpportunityID int64        `json:"opportunity_id"`
	ExternalID    string       `json:"external_id"`
	Name          string       `json:"name"`
	ACV           tandem.Money `json:"acv"`
	Currency      string       `json:"currency"`
	Stage         string       `json:"stage"`
	CreatedOn     time.Time    `json:"created_on"`
	// ByDeal is the lower-cased opportunity external id; ByAccount the account's external id and name.
	ByDeal    string    `json:"-"`
	ByAccount [2]string `json:"-"`
}

// MDFLeadMatches returns the opportunities whose external id, or whose account's external id or name,
// equals one of leads (account ids and names ignoring case; a deal's external id as typed, in lower or in
// upper case). A partner user gets only its own partner's opportunities,
// so a lead that became another partner's or a direct deal shows it nothing.
func (s *Store) MDFLeadMatches(ctx context.Context, actor tandem.Actor, leads []string) ([]LeadMatch, error) {
	keys := make([]string, 0, len(leads))
	for _, l := range leads {
		if l = strings.ToLower(strings.TrimSpace(l)); l != "" && !slices.Contains(keys, l) {
			keys = append(keys, l)
		}
	}
	if len(keys) == 0 {
		return nil, nil
	}
	// Two lookups that use indexes, not one OR across the join: deals by external id (as typed, in lower
	// and in upper case, through the unique index), and the accounts named by id or name (a scan of
	// accounts only, case-insensitive) whose deals come through the account_id index.
	variants := make([]string, 0, 3*len(keys))
	for _, l := range leads {
		if l = strings.TrimSpace(l); l != "" {
			variants = append(variants, l, strings.ToLower(l), strings.ToUpper(l))
		}
	}
	var aw where
	c1, a1 := s.inStrings("lower(external_id)", 1, keys)
	c2, a2 := s.inStrings("lower(name)", 2, keys)
	aw.conds, aw.args = append(aw.conds, "("+c1+" OR "+c2+")"), append(aw.args, a1, a2)
	accounts, err := queryAll(ctx, s.read, "MDF lead matches", `SELECT id FROM accounts`+aw.sql(), aw.args, scanOne[int64])
	if err != nil {
		return nil, err
	}
	var w where
	cd, ad := s.inStrings("o.external_id", 1, variants)
	ca, aa := s.inInts("o.account_id", 2, accounts)
	w.conds, w.args = append(w.conds, "("+cd+" OR "+ca+")"), append(w.args, ad, aa)
	w.ownedBy(actor, "o.partner_id")
	return queryAll(ctx, s.read, "MDF lead matches", `SELECT o.id, o.external_id, o.name, o.acv, o.currency, o.stage, o.created_on,
		lower(o.external_id), lower(a.external_id), lower(a.name)
		FROM opportunities o JOIN accounts a ON a.id = o.account_id`+w.sql()+` ORDER BY o.created_on, o.id`, w.args,
		func(scan func(...any) error) (LeadMatch, error) {
			var m LeadMatch
			var acv int64
			err := scan(&m.OpportunityID, &m.ExternalID, &m.Name, &acv, &m.Currency, &m.Stage, timeCol{&m.CreatedOn},
				&m.ByDeal, &m.ByAccount[0], &m.ByAccount[1])
			m.ACV = tandem.Money(acv)
			return m, err
		})
}
