package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/companyname"
)

// The conflict engine: detection of channel conflicts when registrations and opportunities change,
// the timer that escalates unresolved conflicts up the four-level path, resolution, precedent and the
// quarterly pattern review.
//
// Detection is idempotent: every conflict about a pair of claims carries a pair key, and a unique index
// over the keys of open conflicts makes a second detection of the same pair insert nothing.
//
// Escalation fires exactly once per move however many processes run it: the due time lives in the
// database, each move is a conditional UPDATE (… WHERE level = the level read AND status = 'open') and,
// on PostgreSQL, the due rows are read FOR UPDATE SKIP LOCKED so that a second instance skips rather
// than waits for the rows the first is moving. A restarted process finds the due rows where they were.

// ConflictDetail is a conflict with what it was about when it opened (see tandem.ConflictDetail).
type ConflictDetail = tandem.ConflictDetail

const conflictDetailColumns = conflictColumns + `, partner_id, other_partner_id, ae_id, acv, partner_tier,
	COALESCE((SELECT o.currency FROM opportunities o WHERE o.id = conflicts.opportunity_id),
		(SELECT r.currency FROM registrations r WHERE r.id = conflicts.registration_id), '')`

func scanConflictDetail(scan func(...any) error) (ConflictDetail, error) {
	var d ConflictDetail
	c, err := scanConflict(func(dest ...any) error {
		return scan(append(dest, idCol{&d.PartnerID}, idCol{&d.OtherPartnerID}, idCol{&d.AEID}, &d.ACV, &d.PartnerTier, &d.Currency)...)
	})
	d.Conflict = c
	d.Segment = tandem.ACVBand(d.ACV)
	return d, err
}

// GetConflictDetail returns conflict id with what it was about. ENOTFOUND when there is none or actor
// is a partner user.
func (s *Store) GetConflictDetail(ctx context.Context, actor tandem.Actor, id int64) (*ConflictDetail, error) {
	return getConflictDetail(ctx, s.read, actor, id)
}

func getConflictDetail(ctx context.Context, q querier, actor tandem.Actor, id int64) (*ConflictDetail, error) {
	if actor.IsPartner() {
		return nil, tandem.NotFound("conflict", id)
	}
	d, err := scanConflictDetail(q.QueryRowContext(ctx, `SELECT `+conflictDetailColumns+` FROM conflicts WHERE id = $1`, id).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, tandem.NotFound("conflict", id)
	}
	if err != nil {
		return nil, fmt.Errorf("get conflict %d: %w", id, err)
	}
	return &d, nil
}

// openConflictTx opens d at level 1 unless an open conflict with the same pair key exists, logs the
// opening and audits it. It reports whether a conflict was opened.
func (s *Store) openConflictTx(ctx context.Context, tx *sql.Tx, now time.Time, actor tandem.Actor, rules tandem.ConflictRules,
	d *ConflictDetail, pairKey string) (bool, error) {
	return s.openConflictNoteTx(ctx, tx, now, actor, rules, d, pairKey, string(d.Cause))
}

// openConflictNoteTx is openConflictTx with the opening log entry's note.
func (s *Store) openConflictNoteTx(ctx context.Context, tx *sql.Tx, now time.Time, actor tandem.Actor, rules tandem.ConflictRules,
	d *ConflictDetail, pairKey, note string) (bool, error) {
	d.Level, d.Status, d.OpenedAt = tandem.LevelAEAndPartnerManager, tandem.ConflictOpen, now
	d.LevelDueAt = rules.DueAt(d.Level, now)
	d.Segment = tandem.ACVBand(d.ACV)
	err := tx.QueryRowContext(ctx, `INSERT INTO conflicts (cause, account_id, product_type, opportunity_id,
		registration_id, other_registration_id, rule, level, status, opened_at, level_due_at, pair_key, partner_id,
		other_partner_id, ae_id, acv, partner_tier)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
		ON CONFLICT DO NOTHING RETURNING id`,
		string(d.Cause), dbID(d.AccountID), string(d.ProductType), dbID(d.OpportunityID), dbID(d.RegistrationID),
		dbID(d.OtherRegistrationID), d.Rule, int64(d.Level), string(d.Status), now.UnixMicro(), d.LevelDueAt.UnixMicro(),
		pairKey, dbID(d.PartnerID), dbID(d.OtherPartnerID), dbID(d.AEID), int64(d.ACV), string(d.PartnerTier)).Scan(&d.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil // already open for this pair
	}
	if err != nil {
		return false, s.mapErr(fmt.Errorf("open %s conflict: %w", d.Cause, err), "conflict")
	}
	entry := tandem.EscalationEntry{ConflictID: d.ID, At: now, Level: d.Level, Action: tandem.EscalationOpened,
		ActorID: actor.UserID, Note: note}
	if err := appendEscalationTx(ctx, tx, &entry); err != nil {
		return false, err
	}
	return true, appendAuditTx(ctx, tx, now, actor, "conflict.open", "conflict", idString(d.ID), d)
}

func appendEscalationTx(ctx context.Context, tx querier, e *tandem.EscalationEntry) error {
	err := tx.QueryRowContext(ctx, `INSERT INTO escalation_log (conflict_id, at, level, action, actor_id, note)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		e.ConflictID, e.At.UnixMicro(), int64(e.Level), e.Action, dbID(e.ActorID), e.Note).Scan(&e.ID)
	if err != nil {
		return fmt.Errorf("log conflict %d %s: %w", e.ConflictID, e.Action, err)
	}
	return nil
}

// pairKey names a pair of claims (two registrations, or a registration and an opportunity) so that only
// one conflict can be open about it, whatever its cause.
func pairKey(kind string, a, b int64) string {
	if kind == "regs" && b < a {
		a, b = b, a
	}
	return kind + ":" + strconv.FormatInt(a, 10) + "-" + strconv.FormatInt(b, 10)
}

// accountIdentity is how detection recognises one customer across records: by account id when both
// sides are resolved to an account, otherwise by normalised name or website domain.
type accountIdentity struct {
	id      int64
	names   []string
	domains []string
}

func newAccountIdentity(id int64, names, domains []string) accountIdentity {
	a := accountIdentity{id: id}
	for _, n := range names {
		if n = companyname.Normalize(n); n != "" && !slices.Contains(a.names, n) {
			a.names = append(a.names, n)
		}
	}
	for _, d := range domains {
		if d = tandem.NormalizeDomain(d); d != "" && !slices.Contains(a.domains, d) {
			a.domains = append(a.domains, d)
		}
	}
	return a
}

func (a accountIdentity) sameAs(b accountIdentity) bool {
	if a.id != 0 && b.id != 0 {
		return a.id == b.id
	}
	for _, n := range a.names {
		if slices.Contains(b.names, n) {
			return true
		}
	}
	for _, d := range a.domains {
		if slices.Contains(b.domains, d) {
			return true
		}
	}
	return false
}

// claim is an active registration as detection sees it.
type claim struct {
	id, partnerID, accountID, oppID, aeID int64
	status                                tandem.RegistrationStatus
	productType                           tandem.ProductType
	submittedAt, expiresAt                time.Time
	acv                                   tandem.Money
	tier                                  tandem.Tier
	rule                                  string
	who                                   accountIdentity
}

// claimColumns read a registration with its account, partner and deal for detection.
const claimColumns = `r.id, r.partner_id, r.account_id, r.opportunity_id, a.owner_id, r.status, r.product_type,
	r.submitted_at, r.expires_at,
	r.estimated_acv, p.tier, COALESCE(o.routing_rule, ''), r.account_name, r.website, COALESCE(a.name, ''),
	COALESCE(a.domain, '')`

const claimFrom = ` FROM registrations r JOIN partners p ON p.id = r.partner_id
	LEFT JOIN accounts a ON a.id = r.account_id LEFT JOIN opportunities o ON o.id = r.opportunity_id`

func scanClaims(rows *sql.Rows) ([]claim, error) {
	defer rows.Close()
	var out []claim
	for rows.Next() {
		var c claim
		var name, website, accName, accDomain string
		if err := rows.Scan(&c.id, &c.partnerID, idCol{&c.accountID}, idCol{&c.oppID}, idCol{&c.aeID}, &c.status,
			&c.productType, timeCol{&c.submittedAt}, timeCol{&c.expiresAt}, &c.acv, &c.tier, &c.rule, &name, &website, &accName, &accDomain); err != nil {
			return nil, err
		}
		c.who = newAccountIdentity(c.accountID, []string{name, accName}, []string{website, accDomain})
		out = append(out, c)
	}
	return out, rows.Err()
}

// The detection queries look claims up by account id and by the indexed name and website keys
// (migration 00005) instead of reading every active registration or open deal of a product type:
//   - a registration resolved to account A is compared with the registrations on A, the unresolved
//     registrations whose name or website key equals A's or its own, and the direct deals on A;
//   - an unresolved one (the matcher said new, or it waits for review) with the registrations and
//     direct deals on the accounts whose name or domain key equals its own, and the unresolved
//     registrations with the same keys.
// The candidates are then compared exactly (accountIdentity.sameAs). Keys not computed yet are filled
// first (fillKeysTx), so a row written by an older version or renamed since is not missed.

// inList returns "col IN (?, ?, …)" for n values.
func inList(col string, n int) string {
	return col + " IN (?" + strings.Repeat(", ?", n-1) + ")"
}

// identityCondition adds "(r.account_id IN ids OR r.name_key IN names OR r.domain_key IN domains)" to
// w, leaving out the empty lists; false when all are empty (nothing can be the same account).
func identityCondition(w *where, ids []int64, who accountIdentity) bool {
	var terms []string
	var args []any
	if len(ids) > 0 {
		terms = append(terms, inList("r.account_id", len(ids)))
		for _, id := range ids {
			args = append(args, id)
		}
	}
	if len(who.names) > 0 {
		terms = append(terms, inList("r.name_key", len(who.names)))
		for _, n := range who.names {
			args = append(args, n)
		}
	}
	if len(who.domains) > 0 {
		terms = append(terms, inList("r.domain_key", len(who.domains)))
		for _, d := range who.domains {
			args = append(args, d)
		}
	}
	if len(terms) == 0 {
		return false
	}
	w.add("("+strings.Join(terms, " OR ")+")", args...)
	return true
}

// accountsOfTx returns the accounts who may be: its own when resolved, otherwise the accounts whose
// normalised name or domain is one of its keys.
func accountsOfTx(ctx context.Context, tx querier, who accountIdentity) ([]int64, error) {
	if who.id != 0 {
		return []int64{who.id}, nil
	}
	var w where
	var terms []string
	var args []any
	if len(who.names) > 0 {
		terms = append(terms, inList("name_key", len(who.names)))
		for _, n := range who.names {
			args = append(args, n)
		}
	}
	if len(who.domains) > 0 {
		terms = append(terms, inList("domain", len(who.domains)))
		for _, d := range who.domains {
			args = append(args, d)
		}
	}
	if len(terms) == 0 {
		return nil, nil
	}
	w.add("("+strings.Join(terms, " OR ")+")", args...)
	rows, err := tx.QueryContext(ctx, `SELECT id FROM accounts`+w.sql()+` ORDER BY id`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("accounts by name and domain: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("accounts by name and domain: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// activeClaimsTx returns the active registrations (submitted, or approved and not expired at now) of
// product type pt on the account who is.
func activeClaimsTx(ctx context.Context, tx querier, now time.Time, pt tandem.ProductType, who accountIdentity) ([]claim, error) {
	ids, err := accountsOfTx(ctx, tx, who)
	if err != nil {
		return nil, err
	}
	// Only the identity is in the WHERE clause, so that both engines read it through the key and account
	// indexes (a condition on status would tempt the planner into scanning every submitted
	// registration); product type and activity are checked on the few rows that come back.
	var w where
	if !identityCondition(&w, ids, who) {
		return nil, nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+claimColumns+claimFrom+w.sql()+` ORDER BY r.submitted_at, r.id`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("active registrations: %w", err)
	}
	all, err := scanClaims(rows)
	if err != nil {
		return nil, fmt.Errorf("active registrations: %w", err)
	}
	var out []claim
	for _, c := range all {
		active := c.status == tandem.RegistrationSubmitted ||
			(c.status == tandem.RegistrationApproved && (c.expiresAt.IsZero() || c.expiresAt.After(now)))
		if c.productType == pt && active && c.who.sameAs(who) {
			out = append(out, c)
		}
	}
	return out, nil
}

// directDeal is an open opportunity without a partner, as detection sees it.
type directDeal struct {
	id, accountID, ownerID int64
	acv                    tandem.Money
	rule                   string
	who                    accountIdentity
}

// openDirectDealsTx returns the open opportunities without a partner of product type pt on the account
// who is.
func openDirectDealsTx(ctx context.Context, tx querier, pt tandem.ProductType, who accountIdentity) ([]directDeal, error) {
	ids, err := accountsOfTx(ctx, tx, who)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	var w where
	w.add("o.partner_id IS NULL")
	w.add("o.product_type = ?", string(pt))
	w.add("o.stage NOT IN ('closed_won', 'closed_lost')")
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	w.add(inList("o.account_id", len(ids)), args...)
	rows, err := tx.QueryContext(ctx, `SELECT o.id, o.account_id, COALESCE(o.owner_id, a.owner_id), o.acv, o.routing_rule,
		a.name, a.domain FROM opportunities o JOIN accounts a ON a.id = o.account_id`+w.sql()+` ORDER BY o.id`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("open direct deals: %w", err)
	}
	defer rows.Close()
	var out []directDeal
	for rows.Next() {
		var d directDeal
		var name, domain string
		if err := rows.Scan(&d.id, &d.accountID, idCol{&d.ownerID}, &d.acv, &d.rule, &name, &domain); err != nil {
			return nil, fmt.Errorf("open direct deals: %w", err)
		}
		d.who = newAccountIdentity(d.accountID, []string{name}, []string{domain})
		if d.who.sameAs(who) {
			out = append(out, d)
		}
	}
	return out, rows.Err()
}

// DetectRegistrationConflicts opens the conflicts registration id is party to, and returns the ones it
// opened (none when they are open already): a partner_overlap with each other partner's active
// registration on the same account and product type, and a direct_overlap with each open direct
// opportunity there. Call it after a registration is submitted or approved; a registration that is not
// active (decided against, withdrawn, expired, closed) opens nothing. The conflicts are the vendor's:
// a partner user calling this learns only how many opened. ENOTFOUND when actor cannot see the
// registration.
func (s *Store) DetectRegistrationConflicts(ctx context.Context, actor tandem.Actor, rules tandem.ConflictRules, id int64) ([]tandem.Conflict, error) {
	if err := rules.Validate(); err != nil {
		return nil, err
	}
	// Most filings overlap nothing: look on the read pool first, and take the writer (SQLite's one
	// connection, or PostgreSQL locks) only when there is something to open or a key to fill. This
	// cannot miss an overlap filed at the same moment: each of two overlapping registrations is looked
	// at after its own insert committed, so the later look of the two sees the other and opens the
	// conflict in the transaction below, which checks everything again.
	if may, err := s.registrationMayOverlap(ctx, actor, id); err != nil || !may {
		return nil, err
	}
	var opened []tandem.Conflict
	err := s.inTx(ctx, func(tx *sql.Tx, now time.Time) error {
		if _, err := getRegistration(ctx, tx, actor, id); err != nil {
			return err
		}
		if _, err := fillKeysTx(ctx, tx, 0); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT `+claimColumns+claimFrom+` WHERE r.id = $1`, id)
		if err != nil {
			return fmt.Errorf("detect conflicts of registration %d: %w", id, err)
		}
		mine, err := scanClaims(rows)
		if err != nil {
			return fmt.Errorf("detect conflicts of registration %d: %w", id, err)
		}
		if len(mine) != 1 {
			return tandem.NotFound("registration", id)
		}
		reg, pt := mine[0], mine[0].productType
		active := reg.status == tandem.RegistrationSubmitted ||
			(reg.status == tandem.RegistrationApproved && (reg.expiresAt.IsZero() || reg.expiresAt.After(now)))
		if !active {
			return nil
		}
		others, err := activeClaimsTx(ctx, tx, now, pt, reg.who)
		if err != nil {
			return err
		}
		for _, other := range others {
			if other.id == reg.id || other.partnerID == reg.partnerID {
				continue
			}
			// The first to register is the conflict's registration: precedence is its claim to make.
			first, second := reg, other
			if other.submittedAt.Before(reg.submittedAt) || (other.submittedAt.Equal(reg.submittedAt) && other.id < reg.id) {
				first, second = other, reg
			}
			d := ConflictDetail{Conflict: tandem.Conflict{Cause: tandem.CausePartnerOverlap,
				AccountID: cmp.Or(first.accountID, second.accountID), ProductType: pt, OpportunityID: first.oppID,
				RegistrationID: first.id, OtherRegistrationID: second.id, Rule: cmp.Or(first.rule, second.rule)},
				PartnerID: first.partnerID, OtherPartnerID: second.partnerID, AEID: cmp.Or(first.aeID, second.aeID),
				ACV: first.acv, PartnerTier: first.tier}
			if err := s.openAndCollect(ctx, tx, now, actor, rules, &d, pairKey("regs", first.id, second.id), &opened); err != nil {
				return err
			}
		}
		deals, err := openDirectDealsTx(ctx, tx, pt, reg.who)
		if err != nil {
			return err
		}
		for _, deal := range deals {
			if deal.id == reg.oppID {
				continue // the registration's own deal
			}
			d := ConflictDetail{Conflict: tandem.Conflict{Cause: tandem.CauseDirectOverlap, AccountID: deal.accountID,
				ProductType: pt, OpportunityID: deal.id, RegistrationID: reg.id, Rule: deal.rule},
				PartnerID: reg.partnerID, AEID: deal.ownerID, ACV: max(deal.acv, reg.acv), PartnerTier: reg.tier}
			if err := s.openAndCollect(ctx, tx, now, actor, rules, &d, pairKey("reg-opp", reg.id, deal.id), &opened); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return opened, nil
}

// registrationMayOverlap reports whether detecting registration id's conflicts may open one, reading
// without a transaction: false when it is not active or no other partner's active claim or open direct
// deal shares its account and product type, and no account or registration waits for its match keys
// (detection fills those first). ENOTFOUND when actor cannot see the registration.
func (s *Store) registrationMayOverlap(ctx context.Context, actor tandem.Actor, id int64) (bool, error) {
	if _, err := getRegistration(ctx, s.read, actor, id); err != nil {
		return false, err
	}
	for _, q := range []string{`SELECT id FROM accounts WHERE name_key IS NULL LIMIT 1`,
		`SELECT id FROM registrations WHERE name_key IS NULL LIMIT 1`} {
		var probe int64
		switch err := s.read.QueryRowContext(ctx, q).Scan(&probe); {
		case err == nil:
			return true, nil
		case !errors.Is(err, sql.ErrNoRows):
			return false, fmt.Errorf("detect conflicts of registration %d: keys: %w", id, err)
		}
	}
	rows, err := s.read.QueryContext(ctx, `SELECT `+claimColumns+claimFrom+` WHERE r.id = $1`, id)
	if err != nil {
		return false, fmt.Errorf("detect conflicts of registration %d: %w", id, err)
	}
	mine, err := scanClaims(rows)
	if err != nil {
		return false, fmt.Errorf("detect conflicts of registration %d: %w", id, err)
	}
	if len(mine) != 1 {
		return true, nil // the transaction reports it
	}
	now := s.clock()
	reg, pt := mine[0], mine[0].productType
	active := reg.status == tandem.RegistrationSubmitted ||
		(reg.status == tandem.RegistrationApproved && (reg.expiresAt.IsZero() || reg.expiresAt.After(now)))
	if !active {
		return false, nil
	}
	others, err := activeClaimsTx(ctx, s.read, now, pt, reg.who)
	if err != nil {
		return false, err
	}
	for _, other := range others {
		if other.id != reg.id && other.partnerID != reg.partnerID {
			return true, nil
		}
	}
	deals, err := openDirectDealsTx(ctx, s.read, pt, reg.who)
	if err != nil {
		return false, err
	}
	for _, deal := range deals {
		if deal.id != reg.oppID {
			return true, nil
		}
	}
	return false, nil
}

func (s *Store) openAndCollect(ctx context.Context, tx *sql.Tx, now time.Time, actor tandem.Actor, rules tandem.ConflictRules,
	d *ConflictDetail, key string, opened *[]tandem.Conflict) error {
	ok, err := s.openConflictTx(ctx, tx, now, actor, rules, d, key)
	if ok {
		*opened = append(*opened, d.Conflict)
	}
	return err
}

// DetectOpportunityConflicts opens the conflicts a change of an opportunity causes, and returns the ones
// it opened. before is the opportunity as it was (nil when after was just created), after as it is now,
// routed. It opens
//   - cannibalisation when the discount of a deal with an approved registration rose above the
//     guardrail of its motion, or when a direct deal (no partner) is created on, or moved onto, an
//     account and product type with another partner's approved registration — and flags the
//     opportunity for commission forfeit and performance review;
//   - direct_overlap when such a direct deal meets a registration still awaiting a decision.
//
// A re-route past the protected stage is not a change here: the caller holds it and opens its
// protected_reroute conflict with HoldReroute.
//
// EFORBIDDEN for partner users.
func (s *Store) DetectOpportunityConflicts(ctx context.Context, actor tandem.Actor, rules tandem.ConflictRules,
	before, after *tandem.Opportunity) ([]tandem.Conflict, error) {
	if err := forbidPartner(actor, "change opportunities"); err != nil {
		return nil, err
	}
	if err := rules.Validate(); err != nil {
		return nil, err
	}
	if after == nil || after.ID == 0 {
		return nil, tandem.Errorf(tandem.EINVALID, "conflict detection needs a stored opportunity")
	}
	set := rules.Settings
	var opened []tandem.Conflict
	err := s.inTx(ctx, func(tx *sql.Tx, now time.Time) error {
		if _, err := fillKeysTx(ctx, tx, 0); err != nil {
			return err
		}
		var aeID int64
		var name, domain string
		if err := tx.QueryRowContext(ctx, `SELECT owner_id, name, domain FROM accounts WHERE id = $1`, after.AccountID).
			Scan(idCol{&aeID}, &name, &domain); err != nil {
			return fmt.Errorf("detect conflicts of opportunity %d: account: %w", after.ID, err)
		}
		aeID = cmp.Or(after.OwnerID, aeID)
		base := func(cause tandem.ConflictCause) ConflictDetail {
			return ConflictDetail{Conflict: tandem.Conflict{Cause: cause, AccountID: after.AccountID,
				ProductType: after.ProductType, OpportunityID: after.ID, Rule: after.Routing.Rule},
				PartnerID: after.PartnerID, AEID: aeID, ACV: after.ACV}
		}
		// The deal's own approved registration, if any: the claim a reroute or a discount hurts.
		var own claim
		rows, err := tx.QueryContext(ctx, `SELECT `+claimColumns+claimFrom+` WHERE r.opportunity_id = $1
			AND r.status = 'approved' AND (r.expires_at IS NULL OR r.expires_at > $2) ORDER BY r.submitted_at, r.id`,
			after.ID, now.UnixMicro())
		if err != nil {
			return fmt.Errorf("detect conflicts of opportunity %d: %w", after.ID, err)
		}
		owns, err := scanClaims(rows)
		if err != nil {
			return fmt.Errorf("detect conflicts of opportunity %d: %w", after.ID, err)
		}
		if len(owns) > 0 {
			own = owns[0]
		}

		if own.id != 0 && after.DiscountBasisPoints > set.Guardrail(after.Routing.Motion) &&
			(before == nil || after.DiscountBasisPoints > before.DiscountBasisPoints) {
			d := base(tandem.CauseCannibalisation)
			d.RegistrationID, d.PartnerID, d.PartnerTier = own.id, own.partnerID, own.tier
			if err := s.openAndFlag(ctx, tx, now, actor, rules, &d, pairKey("discount", after.ID, 0), &opened); err != nil {
				return err
			}
		}

		moved := before == nil || before.PartnerID != 0 || before.AccountID != after.AccountID ||
			before.ProductType != after.ProductType || before.Stage.Closed()
		if after.PartnerID == 0 && !after.Stage.Closed() && moved {
			claims, err := activeClaimsTx(ctx, tx, now, after.ProductType,
				newAccountIdentity(after.AccountID, []string{name}, []string{domain}))
			if err != nil {
				return err
			}
			for _, c := range claims {
				if c.oppID == after.ID {
					continue
				}
				cause := tandem.CauseDirectOverlap
				if c.status == tandem.RegistrationApproved {
					cause = tandem.CauseCannibalisation
				}
				d := base(cause)
				d.RegistrationID, d.PartnerID, d.PartnerTier, d.ACV = c.id, c.partnerID, c.tier, max(after.ACV, c.acv)
				key := pairKey("reg-opp", c.id, after.ID)
				if cause == tandem.CauseCannibalisation {
					err = s.openAndFlag(ctx, tx, now, actor, rules, &d, key, &opened)
				} else {
					err = s.openAndCollect(ctx, tx, now, actor, rules, &d, key, &opened)
				}
				if err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return opened, nil
}

// openAndFlag opens a cannibalisation conflict and flags its opportunity for the compensation run.
func (s *Store) openAndFlag(ctx context.Context, tx *sql.Tx, now time.Time, actor tandem.Actor, rules tandem.ConflictRules,
	d *ConflictDetail, key string, opened *[]tandem.Conflict) error {
	if _, err := tx.ExecContext(ctx, `UPDATE opportunities SET cannibalisation_flag = $1 WHERE id = $2`, true, d.OpportunityID); err != nil {
		return fmt.Errorf("flag opportunity %d: %w", d.OpportunityID, err)
	}
	return s.openAndCollect(ctx, tx, now, actor, rules, d, key, opened)
}

// CannibalisationFlagged reports whether opportunity id is flagged for undercutting a partner's
// registered deal (commission forfeit and performance review). ENOTFOUND when actor cannot see it.
func (s *Store) CannibalisationFlagged(ctx context.Context, actor tandem.Actor, id int64) (bool, error) {
	if err := forbidPartner(actor, "see compensation flags"); err != nil {
		return false, err
	}
	var flagged bool
	err := s.read.QueryRowContext(ctx, `SELECT cannibalisation_flag FROM opportunities WHERE id = $1`, id).Scan(boolCol{&flagged})
	if errors.Is(err, sql.ErrNoRows) {
		return false, tandem.NotFound("opportunity", id)
	}
	if err != nil {
		return false, fmt.Errorf("cannibalisation flag of opportunity %d: %w", id, err)
	}
	return flagged, nil
}

// escalationBatch is how many due conflicts one escalation transaction moves.
const escalationBatch = 500

// EscalateDue moves every open conflict whose level's time ran out by now up one level (a conflict
// overdue by several levels' SLAs climbs as far as its deadlines say), sets the new level's deadline
// from the old one on the business calendar, and writes one escalation-log row per move. It returns how
// many moves it made. Conflicts with the CEO stay there, open and overdue. Several processes may call it
// at once on one database: each move happens exactly once.
func (s *Store) EscalateDue(ctx context.Context, now time.Time, rules tandem.ConflictRules) (int, error) {
	if err := rules.Validate(); err != nil {
		return 0, err
	}
	now = now.UTC().Truncate(time.Microsecond)
	total := 0
	for {
		n, err := s.escalateBatch(ctx, now, rules)
		total += n
		if err != nil || n == 0 {
			return total, err
		}
	}
}

func (s *Store) escalateBatch(ctx context.Context, now time.Time, rules tandem.ConflictRules) (int, error) {
	lock := s.dialect.skipLocked()
	moved := 0
	err := s.inTx(ctx, func(tx *sql.Tx, _ time.Time) error {
		rows, err := tx.QueryContext(ctx, `SELECT id, level, level_due_at FROM conflicts
			WHERE status = 'open' AND level < 4 AND level_due_at <= $1 ORDER BY level_due_at, id LIMIT `+
			strconv.Itoa(escalationBatch)+lock, now.UnixMicro())
		if err != nil {
			return fmt.Errorf("escalate: due conflicts: %w", err)
		}
		var due []tandem.Conflict
		for rows.Next() {
			c := tandem.Conflict{Status: tandem.ConflictOpen}
			if err := rows.Scan(&c.ID, &c.Level, timeCol{&c.LevelDueAt}); err != nil {
				rows.Close()
				return fmt.Errorf("escalate: due conflicts: %w", err)
			}
			due = append(due, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("escalate: due conflicts: %w", err)
		}
		for _, c := range due {
			from, ranOut := c.Level, c.LevelDueAt
			// The next level's clock starts when this one ran out, so a late run does not give it extra time.
			entry, err := c.Escalate(now, rules.DueAt(from+1, ranOut))
			if err != nil {
				return err
			}
			res, err := tx.ExecContext(ctx, `UPDATE conflicts SET level = $1, level_due_at = $2
				WHERE id = $3 AND level = $4 AND status = 'open'`, int64(c.Level), c.LevelDueAt.UnixMicro(), c.ID, int64(from))
			if err != nil {
				return fmt.Errorf("escalate conflict %d: %w", c.ID, err)
			}
			if n, err := res.RowsAffected(); err != nil {
				return fmt.Errorf("escalate conflict %d: %w", c.ID, err)
			} else if n != 1 {
				continue // another process moved or resolved it first
			}
			entry.Note += "; due " + c.LevelDueAt.Format(time.RFC3339)
			if err := appendEscalationTx(ctx, tx, &entry); err != nil {
				return err
			}
			if err := appendAuditTx(ctx, tx, now, tandem.SystemActor, "conflict.escalate", "conflict", idString(c.ID),
				map[string]any{"from_level": from, "to_level": c.Level, "level_due_at": c.LevelDueAt}); err != nil {
				return err
			}
			moved++
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return moved, nil
}

// ResolveConflict decides conflict id as actor and returns it as it now is. ENOTFOUND when there is no
// such conflict or actor is a partner user; EFORBIDDEN when actor is not a decider of the conflict's
// current level (nor an admin); ECONFLICT when it is resolved already or moved meanwhile; EINVALID for
// a bad resolution (see tandem.Conflict.Resolve). On any error nothing is written.
func (s *Store) ResolveConflict(ctx context.Context, actor tandem.Actor, id int64, res tandem.Resolution,
	partnerShareBP int, rationale string) (*ConflictDetail, error) {
	var out *ConflictDetail
	err := s.inTx(ctx, func(tx *sql.Tx, now time.Time) error {
		d, err := getConflictDetail(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		if d.Status == tandem.ConflictOpen && !d.Level.MayResolve(actor) {
			return tandem.Errorf(tandem.EFORBIDDEN, "%s may not resolve a conflict at level %d", actor.Role.Label(), d.Level)
		}
		old := d.Conflict
		entry, err := d.Resolve(res, partnerShareBP, rationale, actor.UserID, now)
		if err != nil {
			return err
		}
		r, err := tx.ExecContext(ctx, `UPDATE conflicts SET status = $1, resolution = $2, partner_share_basis_points = $3,
			rationale = $4, resolved_at = $5, resolved_by = $6 WHERE id = $7 AND status = 'open' AND level = $8`,
			string(d.Status), string(d.Resolution), int64(d.PartnerShareBasisPoints), d.Rationale, now.UnixMicro(),
			dbID(d.ResolvedBy), id, int64(old.Level))
		if err != nil {
			return s.mapErr(fmt.Errorf("resolve conflict %d: %w", id, err), "conflict")
		}
		if n, err := r.RowsAffected(); err != nil {
			return fmt.Errorf("resolve conflict %d: %w", id, err)
		} else if n != 1 {
			return tandem.Errorf(tandem.ECONFLICT, "conflict %d changed while it was being resolved; look again", id)
		}
		if err := appendEscalationTx(ctx, tx, &entry); err != nil {
			return err
		}
		if err := appendAuditTx(ctx, tx, now, actor, "conflict.resolve", "conflict", idString(id), map[string]any{
			"level": d.Level, "resolution": d.Resolution, "partner_share_basis_points": d.PartnerShareBasisPoints,
			"rationale": d.Rationale}); err != nil {
			return err
		}
		if err := applyAttributionDecisionTx(ctx, tx, now, actor, d); err != nil { // attribution.go
			return err
		}
		if err := applyRerouteDecisionTx(ctx, tx, now, actor, d); err != nil { // reroute.go
			return err
		}
		out = d
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// EscalationLog returns the append-only log of conflict id, oldest first. ENOTFOUND when there is no
// such conflict or actor is a partner user.
func (s *Store) EscalationLog(ctx context.Context, actor tandem.Actor, id int64) ([]tandem.EscalationEntry, error) {
	if _, err := s.GetConflictDetail(ctx, actor, id); err != nil {
		return nil, err
	}
	rows, err := s.read.QueryContext(ctx, `SELECT id, conflict_id, at, level, action, actor_id, note FROM escalation_log
		WHERE conflict_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("conflict %d log: %w", id, err)
	}
	defer rows.Close()
	out := []tandem.EscalationEntry{}
	for rows.Next() {
		var e tandem.EscalationEntry
		if err := rows.Scan(&e.ID, &e.ConflictID, timeCol{&e.At}, &e.Level, &e.Action, idCol{&e.ActorID}, &e.Note); err != nil {
			return nil, fmt.Errorf("conflict %d log: %w", id, err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("conflict %d log: %w", id, err)
	}
	return out, nil
}

// ResolvedConflicts returns the latest resolved conflicts but exceptID, newest first, at most limit:
// what the precedent search (internal/conflicts) weighs. ENOTFOUND for partner users: conflicts are
// the vendor's.
func (s *Store) ResolvedConflicts(ctx context.Context, actor tandem.Actor, exceptID int64, limit int) ([]ConflictDetail, error) {
	if actor.IsPartner() {
		return nil, tandem.NotFound("conflict", exceptID)
	}
	rows, err := s.read.QueryContext(ctx, `SELECT `+conflictDetailColumns+` FROM conflicts
		WHERE status = 'resolved' AND id <> $1 ORDER BY resolved_at DESC, id DESC LIMIT `+strconv.Itoa(limit), exceptID)
	if err != nil {
		return nil, fmt.Errorf("resolved conflicts: %w", err)
	}
	defer rows.Close()
	var out []ConflictDetail
	for rows.Next() {
		d, err := scanConflictDetail(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("resolved conflicts: %w", err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("resolved conflicts: %w", err)
	}
	return out, nil
}

// ReviewCount is how many conflicts share one value of a dimension of the pattern review.
type ReviewCount struct {
	Key   string `json:"key"`
	Name  string `json:"name,omitempty" doc:"the partner's or AE's name"`
	Count int    `json:"count"`
}

// LevelShare is how many of the resolved conflicts were resolved at one level, and their share.
type LevelShare struct {
	Level    tandem.EscalationLevel `json:"level"`
	Resolved int                    `json:"resolved"`
	Share    float64                `json:"share" doc:"of all resolved conflicts, 0 to 1 (about 0.9 expected at level 1)"`
}

// ConflictReview is the quarterly pattern review of the conflicts opened in [From, To).
type ConflictReview struct {
	From      time.Time     `json:"from"`
	To        time.Time     `json:"to"`
	Opened    int           `json:"opened"`
	Resolved  int           `json:"resolved"`
	Open      int           `json:"open"`
	ByCause   []ReviewCount `json:"by_cause"`
	ByRule    []ReviewCount `json:"by_rule" doc:"most conflicts first: the rules to look at changing"`
	BySegment []ReviewCount `json:"by_segment"`
	ByPartner []ReviewCount `json:"by_partner"`
	ByAE      []ReviewCount `json:"by_ae"`
	// ResolvedAtLevel has one row per level, 1 to 4.
	ResolvedAtLevel []LevelShare `json:"resolved_at_level"`
	// MedianSecondsToResolution is the median wall-clock time from opening to resolution (0 when none).
	MedianSecondsToResolution int64 `json:"median_seconds_to_resolution"`
}

// ConflictReview returns the pattern review of the conflicts opened from from (inclusive) to to
// (exclusive). EFORBIDDEN for partner users; EINVALID when to is not after from.
func (s *Store) ConflictReview(ctx context.Context, actor tandem.Actor, from, to time.Time) (*ConflictReview, error) {
	if err := forbidPartner(actor, "see the conflict review"); err != nil {
		return nil, err
	}
	if !to.After(from) {
		return nil, tandem.FieldError("to", "must be after from")
	}
	rows, err := s.read.QueryContext(ctx, `SELECT c.cause, c.rule, c.acv, c.status, c.level, c.opened_at, c.resolved_at,
		COALESCE(c.partner_id, 0), COALESCE(p.name, ''), COALESCE(c.ae_id, 0), COALESCE(u.name, '')
		FROM conflicts c LEFT JOIN partners p ON p.id = c.partner_id LEFT JOIN users u ON u.id = c.ae_id
		WHERE c.opened_at >= $1 AND c.opened_at < $2`, from.UTC().UnixMicro(), to.UTC().UnixMicro())
	if err != nil {
		return nil, fmt.Errorf("conflict review: %w", err)
	}
	defer rows.Close()
	rv := &ConflictReview{From: from.UTC(), To: to.UTC()}
	type tally struct {
		counts map[string]int
		names  map[string]string
	}
	newTally := func() *tally { return &tally{counts: map[string]int{}, names: map[string]string{}} }
	cause, rule, segment, partner, ae := newTally(), newTally(), newTally(), newTally(), newTally()
	atLevel := map[tandem.EscalationLevel]int{}
	var durations []time.Duration
	for rows.Next() {
		var (
			c                 tandem.Conflict
			acv               tandem.Money
			partnerID, aeID   int64
			partnerN, aeN     string
			opened, resolved  time.Time
			causeS, ruleS, st string
		)
		if err := rows.Scan(&causeS, &ruleS, &acv, &st, &c.Level, timeCol{&opened}, timeCol{&resolved}, &partnerID,
			&partnerN, &aeID, &aeN); err != nil {
			return nil, fmt.Errorf("conflict review: %w", err)
		}
		rv.Opened++
		cause.counts[causeS]++
		if ruleS == "" {
			ruleS = "(none)"
		}
		rule.counts[ruleS]++
		segment.counts[tandem.ACVBand(acv)]++
		if partnerID != 0 {
			k := strconv.FormatInt(partnerID, 10)
			partner.counts[k]++
			partner.names[k] = partnerN
		}
		if aeID != 0 {
			k := strconv.FormatInt(aeID, 10)
			ae.counts[k]++
			ae.names[k] = aeN
		}
		if tandem.ConflictStatus(st) == tandem.ConflictResolved {
			rv.Resolved++
			atLevel[c.Level]++
			durations = append(durations, resolved.Sub(opened))
		} else {
			rv.Open++
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("conflict review: %w", err)
	}
	sorted := func(t *tally) []ReviewCount {
		out := []ReviewCount{}
		for k, n := range t.counts {
			out = append(out, ReviewCount{Key: k, Name: t.names[k], Count: n})
		}
		slices.SortFunc(out, func(a, b ReviewCount) int { return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Key, b.Key)) })
		return out
	}
	rv.ByCause, rv.ByRule, rv.BySegment, rv.ByPartner, rv.ByAE = sorted(cause), sorted(rule), sorted(segment), sorted(partner), sorted(ae)
	for l := tandem.LevelAEAndPartnerManager; l <= tandem.LevelCEO; l++ {
		ls := LevelShare{Level: l, Resolved: atLevel[l]}
		if rv.Resolved > 0 {
			ls.Share = float64(atLevel[l]) / float64(rv.Resolved)
		}
		rv.ResolvedAtLevel = append(rv.ResolvedAtLevel, ls)
	}
	if n := len(durations); n > 0 {
		slices.Sort(durations)
		median := durations[n/2]
		if n%2 == 0 {
			median = (durations[n/2-1] + durations[n/2]) / 2
		}
		rv.MedianSecondsToResolution = int64(median / time.Second)
	}
	return rv, nil
}
