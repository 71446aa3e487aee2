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
	"github.com/tandem-revops/tandem/internal/companyname"
)

// What channel-conflict detection (internal/conflicts) reads and writes: the candidate claims and
// direct deals on a customer, and the conflicts it opens, in one transaction. Detection decides which
// pairs conflict; the store finds the candidates through its indexes and writes.
//
// Detection is idempotent: every conflict about a pair of claims carries a pair key, and a unique index
// over the keys of open conflicts makes a second detection of the same pair insert nothing.
//
// The candidate queries look claims up by account id and by the indexed name and website keys
// (migration 00005) instead of reading every active registration or open deal of a product type:
//   - a registration resolved to account A is compared with the registrations on A, the unresolved
//     registrations whose name or website key equals A's or its own, and the direct deals on A;
//   - an unresolved one (the matcher said new, or it waits for review) with the registrations and
//     direct deals on the accounts whose name or domain key equals its own, and the unresolved
//     registrations with the same keys.
// Detection then compares the candidates exactly (tandem.AccountIdentity.SameAs). Keys not computed yet
// are filled first (fillKeysTx), so a row written by an older version or renamed since is not missed.

// accountIdentity builds the identity detection compares, normalised like the stored match keys.
func accountIdentity(id int64, names, domains []string) tandem.AccountIdentity {
	a := tandem.AccountIdentity{ID: id}
	for _, n := range names {
		if n = companyname.Normalize(n); n != "" && !slices.Contains(a.Names, n) {
			a.Names = append(a.Names, n)
		}
	}
	for _, d := range domains {
		if d = tandem.NormalizeDomain(d); d != "" && !slices.Contains(a.Domains, d) {
			a.Domains = append(a.Domains, d)
		}
	}
	return a
}

// claimColumns read a registration with its account, partner and deal for detection.
const claimColumns = `r.id, r.partner_id, r.account_id, r.opportunity_id, a.owner_id, r.status, r.product_type,
	r.submitted_at, r.expires_at,
	r.estimated_acv, p.tier, COALESCE(o.routing_rule, ''), r.account_name, r.website, COALESCE(a.name, ''),
	COALESCE(a.domain, '')`

const claimFrom = ` FROM registrations r JOIN partners p ON p.id = r.partner_id
	LEFT JOIN accounts a ON a.id = r.account_id LEFT JOIN opportunities o ON o.id = r.opportunity_id`

func scanClaim(scan func(...any) error) (tandem.ConflictClaim, error) {
	var c tandem.ConflictClaim
	var name, website, accName, accDomain string
	err := scan(&c.ID, &c.PartnerID, idCol{&c.AccountID}, idCol{&c.OpportunityID}, idCol{&c.AEID}, &c.Status,
		&c.ProductType, timeCol{&c.SubmittedAt}, timeCol{&c.ExpiresAt}, &c.ACV, &c.Tier, &c.Rule, &name, &website, &accName, &accDomain)
	c.Who = accountIdentity(c.AccountID, []string{name, accName}, []string{website, accDomain})
	return c, err
}

// inList returns "col IN (?, ?, …)" for n values.
func inList(col string, n int) string {
	return col + " IN (?" + strings.Repeat(", ?", n-1) + ")"
}

// identityCondition adds "(idCol IN ids OR nameCol IN names OR domainCol IN domains)" to w, leaving out
// the empty lists and the columns named ""; false when nothing is left (nothing can be the same account).
func identityCondition(w *where, idCol string, ids []int64, nameCol, domainCol string, who tandem.AccountIdentity) bool {
	var terms []string
	var args []any
	in := func(col string, values []any) {
		if col != "" && len(values) > 0 {
			terms = append(terms, inList(col, len(values)))
			args = append(args, values...)
		}
	}
	in(idCol, anySlice(ids))
	in(nameCol, anySlice(who.Names))
	in(domainCol, anySlice(who.Domains))
	if len(terms) == 0 {
		return false
	}
	w.add("("+strings.Join(terms, " OR ")+")", args...)
	return true
}

func anySlice[T any](values []T) []any {
	out := make([]any, len(values))
	for i, v := range values {
		out[i] = v
	}
	return out
}

// conflictCandidates reads detection's candidates through q (the read pool, or a transaction) as actor.
type conflictCandidates struct {
	q     querier
	actor tandem.Actor
	now   time.Time
}

func (c conflictCandidates) Now() time.Time { return c.now }

func (c conflictCandidates) Claim(ctx context.Context, id int64) (tandem.ConflictClaim, error) {
	if _, err := registrationRecord.get(ctx, c.q, c.actor, id); err != nil {
		return tandem.ConflictClaim{}, err
	}
	mine, err := getOne(ctx, c.q, "registration", id, `SELECT `+claimColumns+claimFrom+` WHERE r.id = $1`, []any{id}, scanClaim)
	if err != nil {
		return tandem.ConflictClaim{}, err
	}
	return *mine, nil
}

func (c conflictCandidates) ApprovedClaimsOf(ctx context.Context, opportunityID int64) ([]tandem.ConflictClaim, error) {
	return queryAll(ctx, c.q, fmt.Sprintf("approved registrations of opportunity %d", opportunityID),
		`SELECT `+claimColumns+claimFrom+` WHERE r.opportunity_id = $1
		AND r.status = 'approved' AND (r.expires_at IS NULL OR r.expires_at > $2) ORDER BY r.submitted_at, r.id`,
		[]any{opportunityID, c.now.UnixMicro()}, scanClaim)
}

// accountsOf returns the accounts who may be: its own when resolved, otherwise the accounts whose
// normalised name or domain is one of its keys.
func (c conflictCandidates) accountsOf(ctx context.Context, who tandem.AccountIdentity) ([]int64, error) {
	if who.ID != 0 {
		return []int64{who.ID}, nil
	}
	var w where
	if !identityCondition(&w, "", nil, "name_key", "domain", who) {
		return nil, nil
	}
	return queryAll(ctx, c.q, "accounts by name and domain", `SELECT id FROM accounts`+w.sql()+` ORDER BY id`, w.args, scanOne[int64])
}

func (c conflictCandidates) ClaimsOn(ctx context.Context, who tandem.AccountIdentity) ([]tandem.ConflictClaim, error) {
	ids, err := c.accountsOf(ctx, who)
	if err != nil {
		return nil, err
	}
	// Only the identity is in the WHERE clause, so that both engines read it through the key and account
	// indexes (a condition on status would tempt the planner into scanning every submitted
	// registration); detection checks product type and activity on the few rows that come back.
	var w where
	if !identityCondition(&w, "r.account_id", ids, "r.name_key", "r.domain_key", who) {
		return nil, nil
	}
	return queryAll(ctx, c.q, "active registrations", `SELECT `+claimColumns+claimFrom+w.sql()+` ORDER BY r.submitted_at, r.id`,
		w.args, scanClaim)
}

func (c conflictCandidates) OpenDirectDealsOn(ctx context.Context, pt tandem.ProductType, who tandem.AccountIdentity) ([]tandem.DirectDeal, error) {
	ids, err := c.accountsOf(ctx, who)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	var w where
	w.add("o.partner_id IS NULL")
	w.add("o.product_type = ?", string(pt))
	w.add("o.stage NOT IN ('closed_won', 'closed_lost')")
	w.add(inList("o.account_id", len(ids)), anySlice(ids)...)
	return queryAll(ctx, c.q, "open direct deals", `SELECT o.id, o.account_id, COALESCE(o.owner_id, a.owner_id), o.acv,
		o.routing_rule, a.name, a.domain FROM opportunities o JOIN accounts a ON a.id = o.account_id`+w.sql()+` ORDER BY o.id`,
		w.args, func(scan func(...any) error) (tandem.DirectDeal, error) {
			var d tandem.DirectDeal
			var name, domain string
			err := scan(&d.ID, &d.AccountID, idCol{&d.OwnerID}, &d.ACV, &d.Rule, &name, &domain)
			d.Who = accountIdentity(d.AccountID, []string{name}, []string{domain})
			return d, err
		})
}

func (c conflictCandidates) Account(ctx context.Context, id int64) (int64, tandem.AccountIdentity, error) {
	var ownerID int64
	var name, domain string
	if err := c.q.QueryRowContext(ctx, `SELECT owner_id, name, domain FROM accounts WHERE id = $1`, id).
		Scan(idCol{&ownerID}, &name, &domain); err != nil {
		return 0, tandem.AccountIdentity{}, fmt.Errorf("account %d: %w", id, err)
	}
	return ownerID, accountIdentity(id, []string{name}, []string{domain}), nil
}

// conflictDetectionTx is conflictCandidates in the write transaction that opens the conflicts.
type conflictDetectionTx struct {
	conflictCandidates
	s     *Store
	tx    *sql.Tx
	rules tandem.ConflictRules
}

func (c conflictDetectionTx) OpenConflict(ctx context.Context, d *ConflictDetail, pairKey string) (bool, error) {
	return c.s.openConflictTx(ctx, c.tx, c.now, c.actor, c.rules, d, pairKey)
}

func (c conflictDetectionTx) FlagCannibalisation(ctx context.Context, opportunityID int64) error {
	if _, err := c.tx.ExecContext(ctx, `UPDATE opportunities SET cannibalisation_flag = $1 WHERE id = $2`, true, opportunityID); err != nil {
		return fmt.Errorf("flag opportunity %d: %w", opportunityID, err)
	}
	return nil
}

// ReadConflictCandidates runs look as actor on the read pool, outside any transaction, at the store's
// clock: for a first look that takes the writer only when there may be something to open.
func (s *Store) ReadConflictCandidates(ctx context.Context, actor tandem.Actor, look func(tandem.ConflictCandidates) error) error {
	return look(conflictCandidates{q: s.read, actor: actor, now: s.clock()})
}

// ConflictMatchKeysPending reports whether an account or registration waits for its match keys (the
// detection transaction fills them first, so a read outside it may miss a candidate).
func (s *Store) ConflictMatchKeysPending(ctx context.Context) (bool, error) {
	for _, q := range []string{`SELECT id FROM accounts WHERE name_key IS NULL LIMIT 1`,
		`SELECT id FROM registrations WHERE name_key IS NULL LIMIT 1`} {
		var probe int64
		switch err := s.read.QueryRowContext(ctx, q).Scan(&probe); {
		case err == nil:
			return true, nil
		case !errors.Is(err, sql.ErrNoRows):
			return false, fmt.Errorf("conflict match keys: %w", err)
		}
	}
	return false, nil
}

// DetectConflictsTx runs detect as actor in one write transaction, after filling the match keys not
// computed yet; the conflicts detect opens take their deadlines from rules. An error from detect
// writes nothing.
func (s *Store) DetectConflictsTx(ctx context.Context, actor tandem.Actor, rules tandem.ConflictRules,
	detect func(tandem.ConflictDetectionTx) error) error {
	return s.inTx(ctx, func(tx *sql.Tx, now time.Time) error {
		if _, err := fillKeysTx(ctx, tx, 0); err != nil {
			return err
		}
		return detect(conflictDetectionTx{conflictCandidates: conflictCandidates{q: tx, actor: actor, now: now},
			s: s, tx: tx, rules: rules})
	})
}
