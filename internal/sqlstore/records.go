package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	tandem "github.com/tandem-revops/tandem"
)

// record describes one entity type (account, partner, user, opportunity, registration, touch, product)
// for the steps its Get, List, Create and Update methods share once the caller has checked who may write
// what.
type record[T any] struct {
	kind    string // "account": the audit entity, "account.create", "update account 7"
	prefix  string // "acct": the prefix of the external ids create makes
	table   string // "accounts": the table, and what a list's errors call the records
	alias   string // "a": the alias columns and scope are written with
	columns string // the columns scan reads, with the alias
	scope   func(*where, tandem.Actor)
	scan    func(func(...any) error) (T, error)
	keys    func(*T) recordKeys
}

// recordKeys points at the fields of a record that the shared steps read and fill.
type recordKeys struct {
	id                   *int64
	externalID           *string
	ident                *string    // how errors name the record: its external id (a user: its email)
	createdAt, updatedAt *time.Time // nil for a type without timestamps
}

// The record types.
var (
	accountRecord = record[tandem.Account]{"account", "acct", "accounts", "a", accountColumns, scopeAccounts, scanAccount,
		func(a *tandem.Account) recordKeys {
			return recordKeys{id: &a.ID, externalID: &a.ExternalID, ident: &a.ExternalID, createdAt: &a.CreatedAt,
				updatedAt: &a.UpdatedAt}
		}}
	partnerRecord = record[tandem.Partner]{"partner", "ptnr", "partners", "p", partnerColumns, ownedThrough("p.id"),
		scanPartner,
		func(p *tandem.Partner) recordKeys {
			return recordKeys{id: &p.ID, externalID: &p.ExternalID, ident: &p.ExternalID, createdAt: &p.CreatedAt,
				updatedAt: &p.UpdatedAt}
		}}
	userRecord = record[tandem.User]{"user", "user", "users", "u", userColumns, ownedThrough("u.partner_id"),
		func(scan func(...any) error) (tandem.User, error) { return scanUser(scan) },
		func(u *tandem.User) recordKeys {
			return recordKeys{id: &u.ID, externalID: &u.ExternalID, ident: &u.Email, createdAt: &u.CreatedAt,
				updatedAt: &u.UpdatedAt}
		}}
	opportunityRecord = record[tandem.Opportunity]{"opportunity", "opp", "opportunities", "o", opportunityColumns,
		scopeOpportunities, func(scan func(...any) error) (tandem.Opportunity, error) { return scanOpportunity(scan) },
		func(o *tandem.Opportunity) recordKeys {
			return recordKeys{id: &o.ID, externalID: &o.ExternalID, ident: &o.ExternalID, createdAt: &o.CreatedAt,
				updatedAt: &o.UpdatedAt}
		}}
	registrationRecord = record[tandem.Registration]{"registration", "reg", "registrations", "r", registrationColumns,
		scopeRegistrations, scanRegistration,
		func(r *tandem.Registration) recordKeys {
			return recordKeys{id: &r.ID, externalID: &r.ExternalID, ident: &r.ExternalID, createdAt: &r.CreatedAt,
				updatedAt: &r.UpdatedAt}
		}}
	touchRecord = record[tandem.Touch]{"touch", "tch", "touches", "t", touchColumns, ownedThrough("t.partner_id"), scanTouch,
		func(t *tandem.Touch) recordKeys {
			return recordKeys{id: &t.ID, externalID: &t.ExternalID, ident: &t.ExternalID}
		}}
	productRecord = record[tandem.Product]{kind: "product", prefix: "prod", keys: func(p *tandem.Product) recordKeys {
		return recordKeys{id: &p.ID, externalID: &p.ExternalID, ident: &p.ExternalID}
	}}
)

// ownedThrough is the scope of a table whose rows belong to a partner through col: a partner user sees
// only its own partner's (ownedBy). The partners table itself is owned through p.id: a partner user
// sees only its own partner; its users and touches through their partner_id.
func ownedThrough(col string) func(*where, tandem.Actor) {
	return func(w *where, actor tandem.Actor) {
		w.ownedBy(actor, col)
	}
}

// get returns the record with id; ENOTFOUND when there is none or actor may not see it.
func (r record[T]) get(ctx context.Context, q querier, actor tandem.Actor, id int64) (*T, error) {
	var w where
	w.add(r.alias+".id = ?", id)
	return r.getWhere(ctx, q, actor, w, id)
}

// getWhere returns the one record w selects among those actor may see; ENOTFOUND, naming id, when there
// is none.
func (r record[T]) getWhere(ctx context.Context, q querier, actor tandem.Actor, w where, id any) (*T, error) {
	r.scope(&w, actor)
	return getOne(ctx, q, r.kind, id, `SELECT `+r.columns+` FROM `+r.table+` `+r.alias+w.sql(), w.args, r.scan)
}

// scoped starts the WHERE clause of a list: the records actor may see.
func (r record[T]) scoped(actor tandem.Actor) where {
	var w where
	r.scope(&w, actor)
	return w
}

// list returns the page of the records w selects, in the order sort names among sortable (orderBy; def
// when sort is empty), and how many w selects (listRecords).
func (r record[T]) list(ctx context.Context, s *Store, w where, sort, def string, sortable map[string]string,
	limit, offset int) ([]T, int, error) {
	order, err := orderBy(sort, def, sortable, r.alias+".id")
	if err != nil {
		return nil, 0, err
	}
	return listRecords(ctx, s, r.table, r.columns, r.table+` `+r.alias, w, order, limit, offset, r.scan)
}

// update reads the stored record of rec's id as actor sees it (ENOTFOUND otherwise), lets check refuse
// the change or complete rec from it, and writes rec over it as updateTx does, write being the UPDATE.
func (r record[T]) update(ctx context.Context, s *Store, actor tandem.Actor, rec *T, check func(old *T) error,
	write func(tx *sql.Tx, now time.Time) error) error {
	return s.inTx(ctx, func(tx *sql.Tx, now time.Time) error {
		old, err := r.get(ctx, tx, actor, *r.keys(rec).id)
		if err != nil {
			return err
		}
		if err := check(old); err != nil {
			return err
		}
		return r.updateTx(ctx, s, tx, now, actor, old, rec, func() error { return write(tx, now) })
	})
}

// create refuses rec when validate does, gives it an external id when it has none and inserts it in a
// transaction of its own as insertTx does, insert being the INSERT … RETURNING id.
func (r record[T]) create(ctx context.Context, s *Store, actor tandem.Actor, rec *T, validate func() error,
	insert func(tx *sql.Tx, now time.Time) *sql.Row) error {
	if err := validate(); err != nil {
		return err
	}
	if k := r.keys(rec); *k.externalID == "" {
		*k.externalID = newExternalID(r.prefix)
	}
	return s.inTx(ctx, func(tx *sql.Tx, now time.Time) error {
		return r.insertTx(ctx, s, tx, now, actor, rec, insert(tx, now))
	})
}

// insertTx scans the id that insert (an INSERT … RETURNING id of rec) returns into rec, sets rec's
// timestamps to now and audits the creation. A constraint the row breaks is mapped to the tandem error
// that names rec.
func (r record[T]) insertTx(ctx context.Context, s *Store, tx *sql.Tx, now time.Time, actor tandem.Actor, rec *T,
	insert *sql.Row) error {
	k := r.keys(rec)
	if err := insert.Scan(k.id); err != nil {
		return s.mapErr(fmt.Errorf("create %s %q: %w", r.kind, *k.ident, err), r.kind+" "+*k.ident)
	}
	if k.createdAt != nil {
		*k.createdAt, *k.updatedAt = now, now
	}
	return appendAuditTx(ctx, tx, now, actor, r.kind+".create", r.kind, idString(*k.id), rec)
}

// updateTx writes rec over old, the stored record of rec's id that the caller has read as actor and
// validated rec against. rec keeps old's external id when it has none, and old's timestamps; when no
// field differs nothing is written. Otherwise update runs (the UPDATE of rec's row, with now as its
// updated_at), rec's UpdatedAt becomes now and the fields that changed are audited.
func (r record[T]) updateTx(ctx context.Context, s *Store, tx *sql.Tx, now time.Time, actor tandem.Actor, old, rec *T,
	update func() error) error {
	k, was := r.keys(rec), r.keys(old)
	if *k.externalID == "" {
		*k.externalID = *was.externalID
	}
	if k.createdAt != nil {
		*k.createdAt, *k.updatedAt = *was.createdAt, *was.updatedAt
	}
	diff := changes(old, rec)
	if len(diff) == 0 {
		return nil
	}
	if err := update(); err != nil {
		return s.mapErr(fmt.Errorf("update %s %d: %w", r.kind, *k.id, err), r.kind+" "+*k.ident)
	}
	if k.updatedAt != nil {
		*k.updatedAt = now
	}
	return appendAuditTx(ctx, tx, now, actor, r.kind+".update", r.kind, idString(*k.id), diff)
}
