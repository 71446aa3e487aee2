package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	tandem "github.com/tandem-revops/tandem"
)

// Notifications in storage: webhook subscriptions, the outbox and the deliveries.
//
// The append-only logs are the outbox. EnqueueNotifications reads the events after a cursor, inserts
// one delivery per recipient with a deterministic idempotency key ("registration_event:123:webhook:7")
// and advances the cursor, in one transaction. On PostgreSQL it first takes an advisory lock that every
// transaction writing the log holds shared (a trigger of migration 00004 takes it), so no event can
// commit behind the cursor, and of several instances enqueuing at once one waits for the other and then
// finds nothing new; the unique idempotency key makes a duplicate impossible anyway. Nothing elsewhere
// has to remember to notify.
//
// ClaimDeliveries hands each due delivery to exactly one dispatcher: it bumps the attempt count and
// pushes the due time out by a lease in one UPDATE (FOR UPDATE SKIP LOCKED on PostgreSQL, the single
// writer on SQLite). The attempt number is the claim's fencing token: a dispatcher whose lease ran out
// and whose delivery was claimed again cannot record a stale result.
//
// Recipients are resolved here, scoped in the query: a registration event goes to its partner's users
// and the partner's manager; a conflict event goes to vendor staff only (the deciders of the level),
// while a partner whose registration is in a new conflict gets "overlap under review" and nothing
// else; webhooks (configured by RevOps, the vendor's own integrations) get every event they subscribe to.

// Notification sources: the append-only log an event comes from.
const (
	SourceRegistrationEvent = "registration_event"
	SourceEscalation        = "escalation"
)

// Delivery channels and statuses.
const (
	ChannelEmail   = "email"
	ChannelWebhook = "webhook"

	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed"
)

// EventOverlapUnderReview is the event a partner user is told when its registration is in a new channel
// conflict; it carries no detail of the conflict.
const EventOverlapUnderReview = "registration.overlap_under_review"

// notifyBatch is how many events one enqueue transaction reads.
const notifyBatch = 200

// Webhook is a subscription: Tandem POSTs the events it subscribes to, signed with its secret (which is
// shown once, when the webhook is created, and never listed).
type Webhook struct {
	ID  int64  `json:"id"`
	URL string `json:"url"`
	// Events lists the event kinds sent ("registration.approve", "conflict.escalated"); "registration.*"
	// and "conflict.*" take a whole family. Empty: every event.
	Events    []string  `json:"events"`
	Active    bool      `json:"active"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy int64     `json:"created_by,omitempty"`
}

// Wants reports whether the webhook subscribes to event kind.
func (w *Webhook) Wants(kind string) bool {
	if len(w.Events) == 0 {
		return true
	}
	family, _, _ := strings.Cut(kind, ".")
	for _, e := range w.Events {
		if e == kind || e == "*" || e == family+".*" {
			return true
		}
	}
	return false
}

// validate checks the URL and the event filter.
func (w *Webhook) validate() error {
	if errs := w.FieldErrors(); len(errs) > 0 {
		return errs[0]
	}
	return nil
}

// FieldErrors returns every problem of the webhook as given — its URL and its event kinds — each
// naming its field, so that a form shows them all at once.
func (w *Webhook) FieldErrors() []error {
	var errs []error
	u, err := url.Parse(strings.TrimSpace(w.URL))
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		errs = append(errs, tandem.FieldError("url", "%q is not an http:// or https:// URL", w.URL))
	case u.User != nil:
		errs = append(errs, tandem.FieldError("url", "must not carry credentials; the signature authenticates Tandem"))
	}
	for _, e := range w.Events {
		if !slices.Contains(WebhookEventKinds(), e) {
			errs = append(errs, tandem.FieldError("events", "%q is not an event kind (one of %s)", e, strings.Join(WebhookEventKinds(), ", ")))
			break
		}
	}
	return errs
}

// WebhookEventKinds lists every event kind a webhook may subscribe to: each registration event and
// approval-SLA alert, each escalation log action, the two families' wildcards and "*" for all.
func WebhookEventKinds() []string {
	kinds := []string{"*", "registration.*"}
	for _, ev := range []tandem.RegistrationEvent{tandem.EventSubmit, tandem.EventApprove, tandem.EventReject,
		tandem.EventWithdraw, tandem.EventExtend, tandem.EventExpire, tandem.EventWin, tandem.EventLose,
		tandem.EventSLAWarning, tandem.EventSLABreached} {
		kinds = append(kinds, "registration."+string(ev))
	}
	kinds = append(kinds, "conflict.*")
	for _, a := range []string{tandem.EscalationOpened, tandem.EscalationEscalated, tandem.EscalationResolved} {
		kinds = append(kinds, "conflict."+a)
	}
	return kinds
}

// Delivery is one notification to one recipient and how its sending went.
type Delivery struct {
	ID             int64           `json:"id"`
	Source         string          `json:"source" enum:"registration_event,escalation"`
	EventID        int64           `json:"event_id"`
	Event          string          `json:"event" doc:"the event kind, e.g. registration.approve or conflict.escalated"`
	Channel        string          `json:"channel" enum:"email,webhook"`
	Target         string          `json:"target" doc:"the email address, or the webhook's URL"`
	WebhookID      int64           `json:"webhook_id,omitempty"`
	IdempotencyKey string          `json:"idempotency_key"`
	Payload        json.RawMessage `json:"payload"`
	Status         string          `json:"status" enum:"pending,delivered,failed"`
	Attempts       int             `json:"attempts"`
	NextAttemptAt  time.Time       `json:"next_attempt_at,omitzero"`
	LastError      string          `json:"last_error,omitempty"`
	CreatedAt      time.Time       `json:"created_at"`
	DeliveredAt    time.Time       `json:"delivered_at,omitzero"`
}

// ClaimedDelivery is a delivery handed to one dispatcher for one attempt, with what sending needs.
type ClaimedDelivery struct {
	Delivery
	// WebhookURL and WebhookSecret are the webhook's (empty when it was deleted since: fail the delivery).
	WebhookURL    string
	WebhookSecret string
}

// DeliveryFilter narrows ListDeliveries; zero fields do not filter.
type DeliveryFilter struct {
	Status    string
	Channel   string
	WebhookID int64
	Limit     int
	Offset    int
}

// NotificationPayload is what a delivery says: the event and what it is about, as the recipient may see
// it. It is stored as the delivery's JSON payload, is the body of a webhook and is what an email is
// written from.
type NotificationPayload struct {
	Event   string    `json:"event"`
	Source  string    `json:"source"`
	EventID int64     `json:"event_id"`
	At      time.Time `json:"at"`
	// Registration is set for registration events and for "overlap under review".
	Registration *RegistrationNotice `json:"registration,omitempty"`
	// Conflict is set for conflict events; never in what a partner user gets.
	Conflict *ConflictNotice `json:"conflict,omitempty"`
	// Review is tandem.OverlapUnderReview on "registration.overlap_under_review", and all it says.
	Review string `json:"review,omitempty"`
}

// RegistrationNotice is a registration event as its partner may see it.
type RegistrationNotice struct {
	ID          int64                     `json:"id"`
	ExternalID  string                    `json:"external_id"`
	PartnerID   int64                     `json:"partner_id"`
	Partner     string                    `json:"partner"`
	AccountName string                    `json:"account_name"`
	From        tandem.RegistrationStatus `json:"from_status,omitempty"`
	To          tandem.RegistrationStatus `json:"to_status,omitempty"`
	Reason      string                    `json:"reason,omitempty"`
	ExpiresAt   time.Time                 `json:"expires_at,omitzero"`
}

// ConflictNotice is a conflict event as vendor staff see it: it names both sides.
type ConflictNotice struct {
	ID                      int64                  `json:"id"`
	Cause                   tandem.ConflictCause   `json:"cause"`
	Action                  string                 `json:"action"`
	Level                   tandem.EscalationLevel `json:"level" doc:"the level the logged step happened at"`
	Deciders                []tandem.Role          `json:"deciders"`
	Note                    string                 `json:"note,omitempty"`
	Status                  tandem.ConflictStatus  `json:"status"`
	LevelDueAt              time.Time              `json:"level_due_at,omitzero"`
	AccountName             string                 `json:"account_name,omitempty"`
	ProductType             tandem.ProductType     `json:"product_type,omitempty"`
	ACV                     tandem.Money           `json:"acv"`
	Partner                 string                 `json:"partner,omitempty"`
	OtherPartner            string                 `json:"other_partner,omitempty"`
	Registration            string                 `json:"registration,omitempty"`
	OtherRegistration       string                 `json:"other_registration,omitempty"`
	Resolution              tandem.Resolution      `json:"resolution,omitempty"`
	PartnerShareBasisPoints int                    `json:"partner_share_basis_points,omitempty"`
	Rationale               string                 `json:"rationale,omitempty"`
}

// EnqueueOptions say which channels are on.
type EnqueueOptions struct {
	// Email turns email deliveries on; without it only webhooks are enqueued (no SMTP server configured).
	Email bool
}

// CreateWebhook stores a new active webhook with secret (see notify.NewSecret) and audits it, without
// the secret. EFORBIDDEN unless actor is RevOps or an admin; EINVALID for a bad URL or event filter.
func (s *Store) CreateWebhook(ctx context.Context, actor tandem.Actor, w *Webhook, secret string) error {
	if err := forbidNonOps(actor, "manage webhooks"); err != nil {
		return err
	}
	w.URL = strings.TrimSpace(w.URL)
	if err := w.validate(); err != nil {
		return err
	}
	if len(secret) < 16 {
		return tandem.Errorf(tandem.EINVALID, "a webhook secret must have at least 16 characters")
	}
	return s.inTx(ctx, func(tx *sql.Tx, now time.Time) error {
		w.Active, w.CreatedAt, w.CreatedBy = true, now, actor.UserID
		err := tx.QueryRowContext(ctx, `INSERT INTO webhooks (url, secret, events, active, created_at, created_by)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, w.URL, secret, jsonText(w.Events), s.boolValue(true),
			now.UnixMicro(), dbID(actor.UserID)).Scan(&w.ID)
		if err != nil {
			return s.mapErr(fmt.Errorf("create webhook: %w", err), "webhook")
		}
		return appendAuditTx(ctx, tx, now, actor, "webhook.create", "webhook", idString(w.ID),
			map[string]any{"url": w.URL, "events": w.Events})
	})
}

// ListWebhooks returns the webhooks not deleted, oldest first, without their secrets. EFORBIDDEN unless
// actor is RevOps or an admin.
func (s *Store) ListWebhooks(ctx context.Context, actor tandem.Actor) ([]Webhook, error) {
	if err := forbidNonOps(actor, "see webhooks"); err != nil {
		return nil, err
	}
	return listWebhooks(ctx, s.read, false)
}

func listWebhooks(ctx context.Context, q querier, activeOnly bool) ([]Webhook, error) {
	query := `SELECT id, url, events, active, created_at, created_by FROM webhooks WHERE deleted_at IS NULL`
	if activeOnly {
		query += ` AND active`
	}
	out := []Webhook{}
	err := eachRow(ctx, q, query+` ORDER BY id`, nil, func(scan func(...any) error) error {
		var w Webhook
		if err := scan(&w.ID, &w.URL, listCol{&w.Events}, boolCol{&w.Active}, timeCol{&w.CreatedAt}, idCol{&w.CreatedBy}); err != nil {
			return err
		}
		out = append(out, w)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list webhooks: %w", err)
	}
	return out, nil
}

// DeleteWebhook deletes webhook id: nothing more is enqueued for it and its pending deliveries fail with
// "webhook deleted"; its past deliveries stay listed. ENOTFOUND when there is no such webhook (or it is
// deleted already); EFORBIDDEN unless actor is RevOps or an admin.
func (s *Store) DeleteWebhook(ctx context.Context, actor tandem.Actor, id int64) error {
	if err := forbidNonOps(actor, "manage webhooks"); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx, now time.Time) error {
		var u string
		err := tx.QueryRowContext(ctx, `UPDATE webhooks SET deleted_at = $1, active = $2, secret = ''
			WHERE id = $3 AND deleted_at IS NULL RETURNING url`, now.UnixMicro(), s.boolValue(false), id).Scan(&u)
		if errors.Is(err, sql.ErrNoRows) {
			return tandem.NotFound("webhook", id)
		}
		if err != nil {
			return fmt.Errorf("delete webhook %d: %w", id, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE deliveries SET status = 'failed', last_error = 'webhook deleted'
			WHERE webhook_id = $1 AND status = 'pending'`, id); err != nil {
			return fmt.Errorf("delete webhook %d: %w", id, err)
		}
		return appendAuditTx(ctx, tx, now, actor, "webhook.delete", "webhook", idString(id), map[string]any{"url": u})
	})
}

const deliveryColumns = `id, source, event_id, event, channel, target, webhook_id, idempotency_key, payload, status,
	attempts, next_attempt_at, last_error, created_at, delivered_at`

func scanDelivery(scan func(...any) error) (Delivery, error) {
	var d Delivery
	var payload string
	err := scan(&d.ID, &d.Source, &d.EventID, &d.Event, &d.Channel, &d.Target, idCol{&d.WebhookID}, &d.IdempotencyKey,
		&payload, &d.Status, &d.Attempts, timeCol{&d.NextAttemptAt}, &d.LastError, timeCol{&d.CreatedAt}, timeCol{&d.DeliveredAt})
	d.Payload = json.RawMessage(payload)
	if d.Status != DeliveryPending {
		d.NextAttemptAt = time.Time{}
	}
	return d, err
}

// ListDeliveries returns deliveries, newest first, and how many match. EFORBIDDEN unless actor is RevOps
// or an admin; EINVALID for an unknown status or channel.
func (s *Store) ListDeliveries(ctx context.Context, actor tandem.Actor, f DeliveryFilter) ([]Delivery, int, error) {
	if err := forbidNonOps(actor, "see deliveries"); err != nil {
		return nil, 0, err
	}
	var w where
	if f.Status != "" {
		if !slices.Contains([]string{DeliveryPending, DeliveryDelivered, DeliveryFailed}, f.Status) {
			return nil, 0, tandem.FieldError("status", "%q is not one of pending, delivered, failed", f.Status)
		}
		w.add("status = ?", f.Status)
	}
	if f.Channel != "" {
		if f.Channel != ChannelEmail && f.Channel != ChannelWebhook {
			return nil, 0, tandem.FieldError("channel", "%q is not one of email, webhook", f.Channel)
		}
		w.add("channel = ?", f.Channel)
	}
	addEq(&w, "webhook_id", f.WebhookID)
	items, total, err := listRecords(ctx, s, "deliveries", deliveryColumns, "deliveries", w, " ORDER BY id DESC", f.Limit, f.Offset, scanDelivery)
	if items == nil {
		items = []Delivery{}
	}
	return items, total, err
}

// forbidNonOps refuses anyone but RevOps and admins.
func forbidNonOps(actor tandem.Actor, what string) error {
	if actor.IsPartner() || !actor.Can(tandem.RoleRevOps) {
		return tandem.Errorf(tandem.EFORBIDDEN, "only RevOps can %s", what)
	}
	return nil
}

// boolValue is a boolean parameter in the dialect's representation.
func (s *Store) boolValue(b bool) any { return s.dialect.boolValue(b) }

// EnqueueNotifications turns every event logged since the last call into deliveries (due at now) and
// returns how many it enqueued. Several processes may call it at once on one database: each event is
// enqueued exactly once.
func (s *Store) EnqueueNotifications(ctx context.Context, now time.Time, opts EnqueueOptions) (int, error) {
	now = now.UTC().Truncate(time.Microsecond)
	total := 0
	for _, source := range []string{SourceRegistrationEvent, SourceEscalation} {
		for {
			events, enqueued, err := s.enqueueBatch(ctx, now, source, opts)
			total += enqueued
			if err != nil {
				return total, fmt.Errorf("enqueue %s notifications: %w", source, err)
			}
			if events < notifyBatch {
				break
			}
		}
	}
	return total, nil
}

// outboxEvent is one event read from a log, with its recipients' deliveries to be.
type outboxEvent struct {
	id int64
	// ids read with the event, to resolve recipients
	partnerID, otherPartnerID, regID, otherRegID, aeID int64
	level                                              tandem.EscalationLevel
	payload                                            NotificationPayload
}

// enqueueBatch enqueues up to notifyBatch events of source in one transaction and reports how many
// events it read and how many deliveries it inserted.
func (s *Store) enqueueBatch(ctx context.Context, now time.Time, source string, opts EnqueueOptions) (int, int, error) {
	pg := !s.dialect.oneWriter()
	var read, inserted int
	err := s.inTx(ctx, func(tx *sql.Tx, _ time.Time) error {
		if pg {
			// Wait for every transaction writing to the log to end, and hold new ones off (migration 00004).
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1, hashtext(current_schema()))`,
				outboxLockKey[source]); err != nil {
				return fmt.Errorf("lock the %s log: %w", source, err)
			}
		}
		var lastID int64
		if err := tx.QueryRowContext(ctx, `SELECT last_id FROM notification_cursor WHERE source = $1`+s.forUpdate(),
			source).Scan(&lastID); err != nil {
			return fmt.Errorf("read cursor: %w", err)
		}
		var events []outboxEvent
		var err error
		if source == SourceRegistrationEvent {
			events, err = s.registrationEventsTx(ctx, tx, lastID)
		} else {
			events, err = s.escalationEventsTx(ctx, tx, lastID)
		}
		if err != nil {
			return err
		}
		read = len(events)
		if read == 0 {
			return nil
		}
		hooks, err := listWebhooks(ctx, tx, true)
		if err != nil {
			return err
		}
		for i := range events {
			n, err := s.enqueueEventTx(ctx, tx, now, source, &events[i], hooks, opts)
			if err != nil {
				return err
			}
			inserted += n
		}
		if _, err := tx.ExecContext(ctx, `UPDATE notification_cursor SET last_id = $1 WHERE source = $2`,
			events[len(events)-1].id, source); err != nil {
			return fmt.Errorf("advance cursor: %w", err)
		}
		return nil
	})
	return read, inserted, err
}

// outboxLockKey is, per source, the first key of the advisory lock that the triggers of migration 00004
// take shared when a transaction writes the log; the second is a hash of the schema.
var outboxLockKey = map[string]int32{SourceRegistrationEvent: 1852797801, SourceEscalation: 1852797802}

// forUpdate locks the rows read, on PostgreSQL (SQLite's single writer needs no row locks).
func (s *Store) forUpdate() string { return s.dialect.forUpdate() }

// afterCursor is the condition and order that tail a log from the cursor.
func afterCursor(alias string, lastID int64) (string, []any) {
	return fmt.Sprintf(` WHERE %[1]s.id > $1 ORDER BY %[1]s.id LIMIT %[2]d`, alias, notifyBatch), []any{lastID}
}

func (s *Store) registrationEventsTx(ctx context.Context, tx *sql.Tx, lastID int64) ([]outboxEvent, error) {
	cond, args := afterCursor("e", lastID)
	return queryAll(ctx, tx, "read registration events", `SELECT e.id, e.at, e.event, e.from_status, e.to_status, e.reason,
		r.id, r.external_id, r.partner_id, p.name, r.account_name, r.expires_at
		FROM registration_events e JOIN registrations r ON r.id = e.registration_id JOIN partners p ON p.id = r.partner_id`+cond, args,
		func(scan func(...any) error) (outboxEvent, error) {
			var e outboxEvent
			var kind string
			n := &RegistrationNotice{}
			err := scan(&e.id, timeCol{&e.payload.At}, &kind, &n.From, &n.To, &n.Reason, &n.ID, &n.ExternalID,
				&n.PartnerID, &n.Partner, &n.AccountName, timeCol{&n.ExpiresAt})
			e.partnerID, e.regID = n.PartnerID, n.ID
			e.payload.Event, e.payload.Source, e.payload.EventID, e.payload.Registration = "registration."+kind, SourceRegistrationEvent, e.id, n
			return e, err
		})
}

func (s *Store) escalationEventsTx(ctx context.Context, tx *sql.Tx, lastID int64) ([]outboxEvent, error) {
	cond, args := afterCursor("l", lastID)
	return queryAll(ctx, tx, "read escalation log", `SELECT l.id, l.at, l.level, l.action, l.note,
		c.id, c.cause, c.status, c.level_due_at, c.product_type, c.acv, c.resolution, c.partner_share_basis_points, c.rationale,
		COALESCE(c.partner_id, 0), COALESCE(p1.name, ''), COALESCE(c.other_partner_id, 0), COALESCE(p2.name, ''),
		COALESCE(c.registration_id, 0), COALESCE(r1.external_id, ''), COALESCE(c.other_registration_id, 0),
		COALESCE(r2.external_id, ''), COALESCE(c.ae_id, 0), COALESCE(a.name, r1.account_name, '')
		FROM escalation_log l JOIN conflicts c ON c.id = l.conflict_id
		LEFT JOIN partners p1 ON p1.id = c.partner_id LEFT JOIN partners p2 ON p2.id = c.other_partner_id
		LEFT JOIN registrations r1 ON r1.id = c.registration_id LEFT JOIN registrations r2 ON r2.id = c.other_registration_id
		LEFT JOIN accounts a ON a.id = c.account_id`+cond, args, func(scan func(...any) error) (outboxEvent, error) {
		var e outboxEvent
		c := &ConflictNotice{}
		err := scan(&e.id, timeCol{&e.payload.At}, &c.Level, &c.Action, &c.Note, &c.ID, &c.Cause, &c.Status,
			timeCol{&c.LevelDueAt}, &c.ProductType, &c.ACV, &c.Resolution, &c.PartnerShareBasisPoints, &c.Rationale,
			&e.partnerID, &c.Partner, &e.otherPartnerID, &c.OtherPartner, &e.regID, &c.Registration, &e.otherRegID,
			&c.OtherRegistration, &e.aeID, &c.AccountName)
		e.level = c.Level
		c.Deciders = c.Level.Deciders()
		e.payload.Event, e.payload.Source, e.payload.EventID, e.payload.Conflict = "conflict."+c.Action, SourceEscalation, e.id, c
		return e, err
	})
}

// pendingDelivery is a delivery about to be inserted.
type pendingDelivery struct {
	channel, target string
	webhookID       int64
	payload         *NotificationPayload
}

// enqueueEventTx inserts the deliveries of one event and returns how many were new.
func (s *Store) enqueueEventTx(ctx context.Context, tx *sql.Tx, now time.Time, source string, e *outboxEvent,
	hooks []Webhook, opts EnqueueOptions) (int, error) {
	var list []pendingDelivery
	for _, h := range hooks {
		if h.Wants(e.payload.Event) {
			list = append(list, pendingDelivery{channel: ChannelWebhook, target: h.URL, webhookID: h.ID, payload: &e.payload})
		}
	}
	if opts.Email {
		emails, err := s.emailDeliveriesTx(ctx, tx, source, e)
		if err != nil {
			return 0, err
		}
		list = append(list, emails...)
	}
	n := 0
	for _, d := range list {
		body, err := json.Marshal(d.payload)
		if err != nil {
			return n, fmt.Errorf("encode event %d payload: %w", e.id, err)
		}
		target := d.target
		if d.channel == ChannelWebhook {
			target = idString(d.webhookID)
		}
		key := source + ":" + idString(e.id) + ":" + d.channel + ":" + target
		res, err := tx.ExecContext(ctx, `INSERT INTO deliveries (source, event_id, event, channel, target, webhook_id,
			idempotency_key, payload, status, attempts, next_attempt_at, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', 0, $9, $9) ON CONFLICT (idempotency_key) DO NOTHING`,
			source, e.id, d.payload.Event, d.channel, d.target, dbID(d.webhookID), key, string(body), now.UnixMicro())
		if err != nil {
			return n, fmt.Errorf("enqueue %s: %w", key, err)
		}
		if k, err := res.RowsAffected(); err != nil {
			return n, fmt.Errorf("enqueue %s: %w", key, err)
		} else {
			n += int(k)
		}
	}
	return n, nil
}

// emailDeliveriesTx resolves who is emailed about an event, each address once.
func (s *Store) emailDeliveriesTx(ctx context.Context, tx *sql.Tx, source string, e *outboxEvent) ([]pendingDelivery, error) {
	var out []pendingDelivery
	seen := map[string]bool{}
	add := func(emails []string, p *NotificationPayload) {
		for _, addr := range emails {
			addr = strings.ToLower(strings.TrimSpace(addr))
			if addr != "" && !seen[addr] {
				seen[addr] = true
				out = append(out, pendingDelivery{channel: ChannelEmail, target: addr, payload: p})
			}
		}
	}
	if source == SourceRegistrationEvent {
		if e.payload.Event == "registration.import" {
			return nil, nil // records brought over from another system in bulk: no one is emailed about them
		}
		// The partner's users and the partner's manager: the registration is theirs to know about.
		emails, err := queryEmails(ctx, tx, `SELECT email FROM users WHERE role = 'partner_user' AND partner_id = $1 AND NOT disabled
			UNION SELECT u.email FROM partners p JOIN users u ON u.id = p.manager_id
			WHERE p.id = $1 AND u.role <> 'partner_user' AND NOT u.disabled`, e.partnerID)
		if err != nil {
			return nil, err
		}
		add(emails, &e.payload)
		return out, nil
	}
	// Conflict events: vendor staff only. Level 1 is the conflict's own AE and partner managers; above,
	// everyone holding the level's roles. Never a partner user, whatever the data says.
	var staff []string
	var err error
	if e.level == tandem.LevelAEAndPartnerManager {
		staff, err = queryEmails(ctx, tx, `SELECT u.email FROM users u WHERE u.role <> 'partner_user' AND NOT u.disabled AND (u.id = $1
			OR u.id IN (SELECT manager_id FROM partners WHERE id = $2 OR id = $3))`, e.aeID, e.partnerID, e.otherPartnerID)
		if err != nil {
			return nil, err
		}
	}
	if len(staff) == 0 {
		roles := make([]string, 0, 4)
		for _, r := range e.level.Deciders() {
			roles = append(roles, string(r))
		}
		cond, arg := s.inStrings("role", 1, roles)
		staff, err = queryEmails(ctx, tx, `SELECT email FROM users WHERE role <> 'partner_user' AND NOT disabled AND `+cond, arg)
		if err != nil {
			return nil, err
		}
	}
	add(staff, &e.payload)
	if e.payload.Conflict.Action == tandem.EscalationOpened {
		// A partner whose registration is in the new conflict is told it is under review, and nothing else.
		for _, regID := range []int64{e.regID, e.otherRegID} {
			if regID == 0 {
				continue
			}
			p, emails, err := overlapNoticeTx(ctx, tx, e, regID)
			if err != nil {
				return nil, err
			}
			add(emails, p)
		}
	}
	return out, nil
}

// overlapNoticeTx returns the "overlap under review" notice of registration regID and its partner
// users' addresses.
func overlapNoticeTx(ctx context.Context, tx *sql.Tx, e *outboxEvent, regID int64) (*NotificationPayload, []string, error) {
	n := &RegistrationNotice{}
	err := tx.QueryRowContext(ctx, `SELECT r.id, r.external_id, r.partner_id, p.name, r.account_name, r.status
		FROM registrations r JOIN partners p ON p.id = r.partner_id WHERE r.id = $1`, regID).
		Scan(&n.ID, &n.ExternalID, &n.PartnerID, &n.Partner, &n.AccountName, &n.To)
	if err != nil {
		return nil, nil, fmt.Errorf("registration %d of conflict %d: %w", regID, e.payload.Conflict.ID, err)
	}
	emails, err := queryEmails(ctx, tx, `SELECT email FROM users WHERE role = 'partner_user' AND partner_id = $1 AND NOT disabled`, n.PartnerID)
	if err != nil {
		return nil, nil, err
	}
	p := &NotificationPayload{Event: EventOverlapUnderReview, Source: e.payload.Source, EventID: e.id, At: e.payload.At,
		Registration: n, Review: tandem.OverlapUnderReview}
	return p, emails, nil
}

func queryEmails(ctx context.Context, tx *sql.Tx, query string, args ...any) ([]string, error) {
	return queryAll(ctx, tx, "notification recipients", query+` ORDER BY 1`, args, scanOne[string])
}

// ClaimDeliveries hands up to limit deliveries due at now to the caller for one attempt each: their
// attempt count goes up by one and they are not due again until now+lease, so no other dispatcher takes
// them meanwhile and a dispatcher that dies mid-send leaves them to be retried. Record the outcome with
// CompleteDelivery or RetryDelivery, passing the claimed attempt number. Oldest due first.
func (s *Store) ClaimDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]ClaimedDelivery, error) {
	if lease <= 0 || limit <= 0 {
		return nil, tandem.Errorf(tandem.EINVALID, "claim deliveries: lease and limit must be positive")
	}
	now = now.UTC().Truncate(time.Microsecond)
	lock := s.dialect.skipLocked()
	var out []ClaimedDelivery
	err := s.inTx(ctx, func(tx *sql.Tx, _ time.Time) error {
		err := eachRow(ctx, tx, `UPDATE deliveries SET attempts = attempts + 1, next_attempt_at = $1
			WHERE id IN (SELECT id FROM deliveries WHERE status = 'pending' AND next_attempt_at <= $2
				ORDER BY next_attempt_at, id LIMIT `+strconv.Itoa(limit)+lock+`)
			RETURNING `+deliveryColumns, []any{now.Add(lease).UnixMicro(), now.UnixMicro()}, func(scan func(...any) error) error {
			d, err := scanDelivery(scan)
			if err != nil {
				return err
			}
			out = append(out, ClaimedDelivery{Delivery: d})
			return nil
		})
		if err != nil {
			return fmt.Errorf("claim deliveries: %w", err)
		}
		for i := range out {
			d := &out[i]
			if d.WebhookID == 0 {
				continue
			}
			err := tx.QueryRowContext(ctx, `SELECT url, secret FROM webhooks WHERE id = $1 AND deleted_at IS NULL AND active`,
				d.WebhookID).Scan(&d.WebhookURL, &d.WebhookSecret)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("claim delivery %d: webhook %d: %w", d.ID, d.WebhookID, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b ClaimedDelivery) int {
		return cmp.Or(a.NextAttemptAt.Compare(b.NextAttemptAt), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// CompleteDelivery records that attempt of delivery id succeeded at now. It reports false, writing
// nothing, when the claim is stale (the delivery was claimed again after the lease ran out, or is no
// longer pending).
func (s *Store) CompleteDelivery(ctx context.Context, id int64, attempt int, now time.Time) (bool, error) {
	return s.finishDelivery(ctx, id, attempt, `status = 'delivered', delivered_at = $1, last_error = ''`,
		now.UTC().Truncate(time.Microsecond).UnixMicro())
}

// RetryDelivery records that attempt of delivery id failed with errText: the delivery is due again at
// retryAt, or, when retryAt is the zero time, has failed for good. It reports false, writing nothing,
// when the claim is stale.
func (s *Store) RetryDelivery(ctx context.Context, id int64, attempt int, errText string, retryAt time.Time) (bool, error) {
	errText = storableError(errText, 1000)
	if retryAt.IsZero() {
		return s.finishDelivery(ctx, id, attempt, `status = 'failed', last_error = $1`, errText)
	}
	return s.finishDelivery(ctx, id, attempt, `last_error = $1, next_attempt_at = $2`, errText,
		retryAt.UTC().Truncate(time.Microsecond).UnixMicro())
}

// storableError makes an error text safe for a TEXT column: valid UTF-8 (a receiver's response may be
// anything, and PostgreSQL refuses invalid UTF-8, which would leave the delivery stuck) and at most max
// bytes, cut on a character boundary.
func storableError(text string, max int) string {
	text = strings.ToValidUTF8(text, "\uFFFD")
	if len(text) <= max {
		return text
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(text[cut]) {
		cut--
	}
	return text[:cut]
}

func (s *Store) finishDelivery(ctx context.Context, id int64, attempt int, set string, args ...any) (bool, error) {
	n := len(args)
	var done bool
	err := s.inTx(ctx, func(tx *sql.Tx, _ time.Time) error {
		ok, err := changedOne(ctx, tx, `UPDATE deliveries SET `+set+fmt.Sprintf(` WHERE id = $%d AND attempts = $%d AND status = 'pending'`, n+1, n+2),
			append(args, id, attempt)...)
		if err != nil {
			return fmt.Errorf("record delivery %d: %w", id, err)
		}
		done = ok
		return nil
	})
	return done, err
}
