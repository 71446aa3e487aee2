package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/postgres"
)

// ImportTx is one bulk import: a single database transaction for a whole file, so that an import either
// lands completely or not at all. Upserts are keyed by external id, keep existing internal ids, and count
// exactly what they did: a row whose every stored column already equals the given one is unchanged and
// is not written, so importing the same file twice writes nothing the second time.
//
// SQLite looks up which of a call's external ids are stored, inserts the new rows with plain multi-row
// INSERTs and updates the stored ones with multi-row INSERT … ON CONFLICT DO UPDATE … WHERE (columns)
// IS NOT (new columns) statements, all prepared once per import; it runs with foreign-key enforcement
// off and checks the references itself, once per distinct id (see importtx_sqlite.go). PostgreSQL copies
// each call's rows into a temporary staging table with COPY and merges them with one INSERT … SELECT …
// ON CONFLICT per call.
//
// While an ImportTx is open on SQLite it holds the database's only writer: other writes wait for it.
// An ImportTx is not safe for concurrent use.
type ImportTx struct {
	s      *Store
	actor  tandem.Actor
	conn   *sql.Conn
	tx     *sql.Tx
	now    time.Time
	counts map[string]tandem.UpsertCounts
	stmts  map[string]*sql.Stmt // SQLite: prepared upserts by kind and row count
	staged map[string]bool      // PostgreSQL: staging tables created in this transaction
	fk     *sqliteForeignKeys   // SQLite: the references this import checks itself
	bulk   *sqliteBulk          // SQLite: secondary indexes rebuilt by large imports
	// absent holds external ids of opportunities that RoutingStates found not stored, so that the
	// upsert that follows need not look them up again: only the import writes while it is open, and
	// the upsert forgets every id it is given before it writes.
	absent map[string]struct{}
	done   bool
}

// BeginImport starts an import transaction. Call Commit or Rollback when done.
func (s *Store) BeginImport(ctx context.Context, actor tandem.Actor) (*ImportTx, error) {
	if err := forbidPartner(actor, "import"); err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.activeImports++
	s.mu.Unlock()
	t := &ImportTx{s: s, actor: actor, now: s.clock(), counts: map[string]tandem.UpsertCounts{},
		stmts: map[string]*sql.Stmt{}, staged: map[string]bool{}}
	var err error
	if t.conn, err = s.write.Conn(ctx); err == nil && s.dialect.oneWriter() {
		t.fk, t.bulk, t.absent = newSQLiteForeignKeys(), newSQLiteBulk(), map[string]struct{}{}
		err = importConnSettings(ctx, t.conn)
	}
	if err == nil {
		t.tx, err = t.conn.BeginTx(ctx, nil)
	}
	if err != nil {
		t.release(ctx)
		return nil, fmt.Errorf("begin import: %w", err)
	}
	return t, nil
}

// release returns the connection and writes what waited for the import to end.
func (t *ImportTx) release(ctx context.Context) {
	t.done = true
	if t.conn != nil {
		if t.fk != nil {
			restoreConnSettings(ctx, t.conn, t.s.logger)
		}
		t.conn.Close()
	}
	t.s.mu.Lock()
	t.s.activeImports--
	t.s.mu.Unlock()
	t.s.flushPendingJobs(ctx)
}

// Commit appends one audit entry summarising the import (when it changed anything) and commits.
func (t *ImportTx) Commit() error {
	if t.done {
		return fmt.Errorf("commit import: %w", sql.ErrTxDone)
	}
	ctx := context.Background()
	defer t.release(ctx)
	changed := false
	for _, c := range t.counts {
		changed = changed || c.Inserted > 0 || c.Updated > 0
	}
	if t.fk != nil {
		err := t.bulk.rebuildIndexes(ctx, t.tx)
		if err == nil {
			err = t.fk.checkDeferred(ctx, t.tx)
		}
		if err != nil {
			t.tx.Rollback()
			return t.s.mapErr(fmt.Errorf("commit import: %w", err), "imported record")
		}
	}
	if changed {
		if err := appendAuditTx(ctx, t.tx, t.now, t.actor, "import.commit", "import", "", t.counts); err != nil {
			t.tx.Rollback()
			return err
		}
	}
	if err := chainPendingAuditTx(ctx, t.tx); err != nil {
		t.tx.Rollback()
		return err
	}
	if err := t.tx.Commit(); err != nil {
		return t.s.mapErr(fmt.Errorf("commit import: %w", err), "imported record")
	}
	return nil
}

// Rollback abandons the import. After Commit it does nothing, so it can be deferred.
func (t *ImportTx) Rollback() error {
	if t.done {
		return nil
	}
	defer t.release(context.Background())
	if err := t.tx.Rollback(); err != nil {
		return fmt.Errorf("rollback import: %w", err)
	}
	return nil
}

// resolveChunk bounds the size of one lookup query's list.
const resolveChunk = 5000

var tableOfKind = map[string]string{
	"accounts": "accounts", "partners": "partners", "users": "users", "opportunities": "opportunities",
	"registrations": "registrations", "touches": "touches", "products": "products",
}

// lookup runs a query whose one parameter is a list over list in chunks and calls each for every row.
// query gets what restricts expr to the list's values: a join to put in front of the table in the FROM
// clause, and a condition. SQLite joins the list, read with json_each (whose columns, such as id and
// type, make the query's own column names ambiguous unless qualified); an IN (SELECT … FROM json_each)
// would first copy the list into a temporary index. PostgreSQL needs no join (see Store.inStrings).
func (t *ImportTx) lookup(ctx context.Context, list []string, expr string, query func(join, cond string) string,
	each func(scan func(...any) error) error) error {
	for start := 0; start < len(list); start += resolveChunk {
		chunk := list[start:min(start+resolveChunk, len(list))]
		join, cond, arg := "", "", any(nil)
		if t.s.dialect.oneWriter() {
			join, cond, arg = `json_each($1) AS j JOIN `, expr+` = j.value`, jsonText(chunk)
		} else {
			cond, arg = t.s.inStrings(expr, 1, chunk)
		}
		rows, err := t.tx.QueryContext(ctx, query(join, cond), arg)
		if err != nil {
			return err
		}
		for rows.Next() {
			if err := each(rows.Scan); err != nil {
				rows.Close()
				return err
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// intoMap returns the row reader of a lookup whose rows are (key, value) pairs: it sets m[key] = value.
func intoMap[V any](m map[string]V) func(scan func(...any) error) error {
	return func(scan func(...any) error) error {
		var key string
		var v V
		if err := scan(&key, &v); err != nil {
			return err
		}
		m[key] = v
		return nil
	}
}

// ResolveIDs maps external ids of one kind ("accounts", "partners", "users", "opportunities",
// "registrations", "touches", "products") to internal ids; ids not stored are absent from the map.
func (t *ImportTx) ResolveIDs(ctx context.Context, kind string, externalIDs []string) (map[string]int64, error) {
	table, ok := tableOfKind[kind]
	if !ok {
		return nil, tandem.Errorf(tandem.EINVALID, "cannot resolve ids of %q", kind)
	}
	out := make(map[string]int64, len(externalIDs))
	err := t.lookup(ctx, externalIDs, "t.external_id", func(join, cond string) string {
		return `SELECT t.external_id, t.id FROM ` + join + table + ` AS t WHERE ` + cond
	}, intoMap(out))
	if err != nil {
		return nil, fmt.Errorf("resolve %s ids: %w", kind, err)
	}
	return out, nil
}

// ResolveUserEmails maps emails (matched case-insensitively; keys are the lower-cased emails) to user ids.
func (t *ImportTx) ResolveUserEmails(ctx context.Context, emails []string) (map[string]int64, error) {
	lower := make([]string, len(emails))
	for i, e := range emails {
		lower[i] = normalizeEmail(e)
	}
	out := make(map[string]int64, len(emails))
	err := t.lookup(ctx, lower, "u.email", func(join, cond string) string {
		return `SELECT u.email, u.id FROM ` + join + `users AS u WHERE ` + cond
	}, intoMap(out))
	if err != nil {
		return nil, fmt.Errorf("resolve user emails: %w", err)
	}
	return out, nil
}

// ResolveAccountNames maps account names, matched case-insensitively, to account ids; the keys are the
// names as given. When several accounts share a name the oldest (lowest id) wins.
func (t *ImportTx) ResolveAccountNames(ctx context.Context, names []string) (map[string]int64, error) {
	lower := make([]string, len(names))
	for i, n := range names {
		lower[i] = strings.ToLower(n)
	}
	byLower := map[string]int64{}
	err := t.lookup(ctx, lower, "lower(a.name)", func(join, cond string) string {
		return `SELECT lower(a.name), min(a.id) FROM ` + join + `accounts AS a WHERE ` + cond + ` GROUP BY lower(a.name)`
	}, intoMap(byLower))
	if err != nil {
		return nil, fmt.Errorf("resolve account names: %w", err)
	}
	out := make(map[string]int64, len(names))
	for i, n := range names {
		if id, ok := byLower[lower[i]]; ok {
			out[n] = id
		}
	}
	return out, nil
}

// PartnerTiers returns every partner's tier by partner id.
func (t *ImportTx) PartnerTiers(ctx context.Context) (map[int64]tandem.Tier, error) {
	rows, err := t.tx.QueryContext(ctx, `SELECT id, tier FROM partners`)
	if err != nil {
		return nil, fmt.Errorf("partner tiers: %w", err)
	}
	defer rows.Close()
	out := map[int64]tandem.Tier{}
	for rows.Next() {
		var id int64
		var tier tandem.Tier
		if err := rows.Scan(&id, &tier); err != nil {
			return nil, fmt.Errorf("partner tiers: %w", err)
		}
		out[id] = tier
	}
	return out, rows.Err()
}

// RoutingStates returns, for the stored opportunities among the given external ids, what routing needs
// to know about them, with their stored stage and routing.
func (t *ImportTx) RoutingStates(ctx context.Context, opportunityExternalIDs []string) (map[string]tandem.RoutingState, error) {
	out := make(map[string]tandem.RoutingState, len(opportunityExternalIDs))
	clear(t.absent)
	err := t.lookup(ctx, opportunityExternalIDs, "o.external_id", func(join, cond string) string {
		return `SELECT o.external_id, o.id, o.routing_motion, ` + routingStateColumns + `, o.stage,
			o.routing_partner_attached, o.routing_rule, o.routing_policy_version, o.routing_explanation, o.routed_at
			FROM ` + join + `opportunities o LEFT JOIN partners p ON p.id = o.partner_id WHERE ` + cond
	}, func(scan func(...any) error) error {
		var ext string
		var st tandem.RoutingState
		r := &st.Routing
		if err := scan(&ext, &st.OpportunityID, &st.Motion, &st.PartnerTier, &st.RegistrationStatus, &st.Stage,
			boolCol{&r.PartnerAttached}, &r.Rule, &r.PolicyVersion, &r.Explanation, timeCol{&r.RoutedAt}); err != nil {
			return err
		}
		r.Motion = st.Motion
		out[ext] = st
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("routing states: %w", err)
	}
	if t.absent != nil {
		for _, ext := range opportunityExternalIDs {
			if _, ok := out[ext]; !ok {
				t.absent[ext] = struct{}{}
			}
		}
	}
	return out, nil
}

// LinkAccountParents sets parent accounts by external id once both sides are stored. An external id
// that is not stored is EINVALID naming it.
func (t *ImportTx) LinkAccountParents(ctx context.Context, childToParent map[string]string) error {
	if len(childToParent) == 0 {
		return nil
	}
	ids := make([]string, 0, 2*len(childToParent))
	for c, p := range childToParent {
		ids = append(ids, c, p)
	}
	resolved, err := t.ResolveIDs(ctx, "accounts", ids)
	if err != nil {
		return err
	}
	stmt, err := t.tx.PrepareContext(ctx, `UPDATE accounts SET parent_id = $1, updated_at = $2
		WHERE id = $3 AND parent_id `+t.s.distinct()+` $1`)
	if err != nil {
		return fmt.Errorf("link account parents: %w", err)
	}
	defer stmt.Close()
	c := t.counts["accounts"]
	for child, parent := range childToParent {
		cid, ok := resolved[child]
		if !ok {
			return tandem.FieldError("parent", "account %q is not stored", child)
		}
		pid, ok := resolved[parent]
		if !ok {
			return tandem.FieldError("parent", "account %q (parent of %q) is not stored", parent, child)
		}
		if cid == pid {
			return tandem.FieldError("parent", "account %q cannot be its own parent", child)
		}
		res, err := stmt.ExecContext(ctx, pid, t.now.UnixMicro(), cid)
		if err != nil {
			return fmt.Errorf("link account %q to parent %q: %w", child, parent, err)
		}
		if n, _ := res.RowsAffected(); n > 0 && c.Unchanged > 0 {
			// The account was counted unchanged by its upsert; linking changed it after all.
			c.Unchanged--
			c.Updated++
		}
	}
	t.counts["accounts"] = c
	return nil
}

// upsertSpec describes how one kind of record is upserted.
type upsertSpec struct {
	kind, table string
	cols        []string             // written columns, external_id first; not id, created_at, updated_at
	timestamps  bool                 // the table has created_at and updated_at
	set         map[string]string    // SET expressions other than "excluded.col", by column; "excluded" and "t" are the rows
	compare     map[string][2]string // stored and incoming expressions compared instead of t.col and excluded.col
	noCompare   map[string]bool      // columns not compared
}

// dedupe returns the indexes of rows to write: the last copy of each external id (a row repeated within
// one call is applied once, the last copy winning; earlier copies are not counted).
func dedupe(n int, ext func(i int) string) []int {
	last := make(map[string]int, n)
	for i := range n {
		last[ext(i)] = i
	}
	if len(last) == n {
		idx := make([]int, n)
		for i := range idx {
			idx[i] = i
		}
		return idx
	}
	idx := make([]int, 0, len(last))
	for i := range n {
		if last[ext(i)] == i {
			idx = append(idx, i)
		}
	}
	return idx
}

// upsert writes rows[i] for i in idx, values(i) giving the columns of spec.cols.
func (t *ImportTx) upsert(ctx context.Context, spec *upsertSpec, idx []int, values func(i int) []any) (tandem.UpsertCounts, error) {
	if t.done {
		return tandem.UpsertCounts{}, fmt.Errorf("upsert %s: %w", spec.kind, sql.ErrTxDone)
	}
	var c tandem.UpsertCounts
	var err error
	if t.s.dialect.oneWriter() {
		c, err = t.upsertSQLite(ctx, spec, idx, values)
	} else {
		c, err = t.upsertPostgres(ctx, spec, idx, values)
	}
	if err != nil {
		return tandem.UpsertCounts{}, t.s.mapErr(fmt.Errorf("import %s: %w", spec.kind, err), "an imported "+singular(spec.kind))
	}
	total := t.counts[spec.kind]
	total.Add(c)
	t.counts[spec.kind] = total
	return c, nil
}

// conflictClause returns "ON CONFLICT … DO UPDATE SET … WHERE (stored) differs (new)".
func (t *ImportTx) conflictClause(spec *upsertSpec) string {
	var set, stored, incoming []string
	for _, col := range spec.cols[1:] {
		if e, ok := spec.set[col]; ok {
			set = append(set, col+" = "+e)
		} else {
			set = append(set, col+" = excluded."+col)
		}
		if spec.noCompare[col] {
			continue
		}
		if e, ok := spec.compare[col]; ok {
			stored = append(stored, e[0])
			incoming = append(incoming, e[1])
		} else {
			stored = append(stored, "t."+col)
			incoming = append(incoming, "excluded."+col)
		}
	}
	if spec.timestamps {
		set = append(set, "updated_at = excluded.updated_at")
	}
	return ` ON CONFLICT (external_id) DO UPDATE SET ` + strings.Join(set, ", ") +
		` WHERE (` + strings.Join(stored, ", ") + `) ` + t.s.distinct() + ` (` + strings.Join(incoming, ", ") + `)`
}

func (t *ImportTx) insertColumns(spec *upsertSpec) string {
	cols := joinColumns(spec.cols)
	if spec.timestamps {
		cols += ", created_at, updated_at"
	}
	return cols
}

func (t *ImportTx) upsertPostgres(ctx context.Context, spec *upsertSpec, idx []int, values func(i int) []any) (tandem.UpsertCounts, error) {
	var c tandem.UpsertCounts
	if len(idx) == 0 {
		return c, nil
	}
	stage := "import_stage_" + spec.table
	if !t.staged[spec.table] {
		_, err := t.tx.ExecContext(ctx, `CREATE TEMP TABLE `+stage+` ON COMMIT DROP AS SELECT `+joinColumns(spec.cols)+
			` FROM `+spec.table+` WITH NO DATA`)
		if err != nil {
			return c, err
		}
		t.staged[spec.table] = true
	} else if _, err := t.tx.ExecContext(ctx, `TRUNCATE `+stage); err != nil {
		return c, err
	}
	rows := make([][]any, len(idx))
	for j, i := range idx {
		rows[j] = values(i)
	}
	if _, err := postgres.CopyFrom(ctx, t.conn, stage, spec.cols, rows); err != nil {
		return c, err
	}
	sel := joinColumns(spec.cols)
	if spec.timestamps {
		sel += ", $1::bigint, $1::bigint"
	}
	q := `WITH up AS (INSERT INTO ` + spec.table + ` AS t (` + t.insertColumns(spec) + `) SELECT ` + sel + ` FROM ` + stage +
		t.conflictClause(spec) + ` RETURNING (xmax = 0) AS inserted)
		SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up`
	var args []any
	if spec.timestamps {
		args = append(args, t.now.UnixMicro())
	}
	var ins, upd int
	if err := t.tx.QueryRowContext(ctx, q, args...).Scan(&ins, &upd); err != nil {
		return c, err
	}
	c.Inserted, c.Updated, c.Unchanged = ins, upd, len(idx)-ins-upd
	return c, nil
}

var accountSpec = &upsertSpec{
	kind: "accounts", table: "accounts", timestamps: true,
	cols: []string{"external_id", "name", "domain", "country", "vertical", "parent_id", "owner_id", "territory_id"},
	// An import never clears a parent: parents are linked after the accounts are stored
	// (LinkAccountParents), so a row without one keeps the stored one.
	set:     map[string]string{"parent_id": "COALESCE(excluded.parent_id, t.parent_id)"},
	compare: map[string][2]string{"parent_id": {"t.parent_id", "COALESCE(excluded.parent_id, t.parent_id)"}},
}

// UpsertAccounts inserts or updates accounts by external id.
func (t *ImportTx) UpsertAccounts(ctx context.Context, rows []tandem.Account) (tandem.UpsertCounts, error) {
	for i := range rows {
		rows[i].Domain = tandem.NormalizeDomain(rows[i].Domain)
	}
	idx, err := importRows("account", rows, func(a *tandem.Account) string { return a.ExternalID }, nil)
	if err != nil {
		return tandem.UpsertCounts{}, err
	}
	return t.upsert(ctx, accountSpec, idx, func(i int) []any {
		a := &rows[i]
		return []any{a.ExternalID, a.Name, a.Domain, a.Country, a.Vertical, dbID(a.ParentID), dbID(a.OwnerID), dbID(a.TerritoryID)}
	})
}

var partnerSpec = &upsertSpec{
	kind: "partners", table: "partners", timestamps: true,
	cols: []string{"external_id", "name", "tier", "type", "countries", "verticals", "certifications", "manager_id", "standing"},
}

// UpsertPartners inserts or updates partners by external id.
func (t *ImportTx) UpsertPartners(ctx context.Context, rows []tandem.Partner) (tandem.UpsertCounts, error) {
	idx, err := importRows("partner", rows, func(p *tandem.Partner) string { return p.ExternalID }, nil)
	if err != nil {
		return tandem.UpsertCounts{}, err
	}
	return t.upsert(ctx, partnerSpec, idx, func(i int) []any {
		p := &rows[i]
		return []any{p.ExternalID, p.Name, string(p.Tier), string(p.Type), jsonText(p.Countries), jsonText(p.Verticals),
			jsonText(p.Certifications), dbID(p.ManagerID), string(p.Standing)}
	})
}

var userSpec = &upsertSpec{
	kind: "users", table: "users", timestamps: true,
	cols: []string{"external_id", "email", "name", "role", "partner_id", "manager_id", "territory_id", "disabled"},
}

// UpsertUsers inserts or updates users by external id; passwords are never touched. Emails are stored
// lower-cased.
func (t *ImportTx) UpsertUsers(ctx context.Context, rows []tandem.User) (tandem.UpsertCounts, error) {
	for i := range rows {
		rows[i].Email = normalizeEmail(rows[i].Email)
	}
	idx, err := importRows("user", rows, func(u *tandem.User) string { return u.ExternalID }, nil)
	if err != nil {
		return tandem.UpsertCounts{}, err
	}
	return t.upsert(ctx, userSpec, idx, func(i int) []any {
		u := &rows[i]
		return []any{u.ExternalID, u.Email, u.Name, string(u.Role), dbID(u.PartnerID), dbID(u.ManagerID), dbID(u.TerritoryID), u.Disabled}
	})
}

var opportunitySpec = &upsertSpec{
	kind: "opportunities", table: "opportunities", timestamps: true, cols: opportunityWriteColumns,
	// routed_at records when the routing last changed, so a re-import that routes a deal the same way
	// keeps the old time and leaves the row unchanged.
	set: map[string]string{"routed_at": `CASE WHEN (t.routing_motion, t.routing_partner_attached, t.routing_rule,
		t.routing_policy_version, t.routing_explanation) %s (excluded.routing_motion, excluded.routing_partner_attached,
		excluded.routing_rule, excluded.routing_policy_version, excluded.routing_explanation)
		THEN excluded.routed_at ELSE t.routed_at END`},
	noCompare: map[string]bool{"routed_at": true},
}

// opportunitySpecFor fills the dialect's operator into the routed_at expression.
func (t *ImportTx) opportunitySpecFor() *upsertSpec {
	spec := *opportunitySpec
	spec.set = map[string]string{"routed_at": fmt.Sprintf(opportunitySpec.set["routed_at"], t.s.distinct())}
	return &spec
}

// UpsertOpportunities inserts or updates opportunities by external id, routing included.
func (t *ImportTx) UpsertOpportunities(ctx context.Context, rows []tandem.Opportunity) (tandem.UpsertCounts, error) {
	idx, err := importRows("opportunity", rows, func(o *tandem.Opportunity) string { return o.ExternalID },
		func(o *tandem.Opportunity) error {
			if o.Routing.Motion != "" && !o.Routing.Motion.Valid() {
				return tandem.FieldError("routing.motion", "%q is not a motion", o.Routing.Motion)
			}
			return nil
		})
	if err != nil {
		return tandem.UpsertCounts{}, err
	}
	return t.upsert(ctx, t.opportunitySpecFor(), idx, func(i int) []any { return opportunityValues(&rows[i]) })
}

var registrationSpec = &upsertSpec{kind: "registrations", table: "registrations", timestamps: true, cols: registrationWriteColumns}

// UpsertRegistrations inserts or updates registrations by external id. EINVALID for a stored
// registration whose status the rows change other than along the lifecycle.
func (t *ImportTx) UpsertRegistrations(ctx context.Context, rows []tandem.Registration) (tandem.UpsertCounts, error) {
	for i := range rows {
		if rows[i].Status == "" {
			rows[i].Status = tandem.RegistrationSubmitted
		}
	}
	idx, err := importRows("registration", rows, func(r *tandem.Registration) string { return r.ExternalID }, nil)
	if err != nil {
		return tandem.UpsertCounts{}, err
	}
	// A new registration keeps its historical status; a stored one moves only along the lifecycle
	// (importtx_registrations.go).
	events, err := t.registrationStatusEvents(ctx, rows, idx)
	if err != nil {
		return tandem.UpsertCounts{}, err
	}
	c, err := t.upsert(ctx, registrationSpec, idx, func(i int) []any { return registrationValues(&rows[i]) })
	if err != nil {
		return c, err
	}
	return c, t.logRegistrationEvents(ctx, events)
}

var touchSpec = &upsertSpec{
	kind: "touches", table: "touches",
	cols: []string{"external_id", "partner_id", "opportunity_id", "kind", "occurred_at", "note"},
}

// UpsertTouches inserts or updates partner touches by external id.
func (t *ImportTx) UpsertTouches(ctx context.Context, rows []tandem.Touch) (tandem.UpsertCounts, error) {
	idx, err := importRows("touch", rows, func(tc *tandem.Touch) string { return tc.ExternalID }, nil)
	if err != nil {
		return tandem.UpsertCounts{}, err
	}
	return t.upsert(ctx, touchSpec, idx, func(i int) []any {
		tc := &rows[i]
		return []any{tc.ExternalID, tc.PartnerID, tc.OpportunityID, string(tc.Kind), dbTime(tc.OccurredAt), tc.Note}
	})
}

// importRows requires every row's external id and checks the row (its Validate, then check when given),
// and returns the indexes of the rows to write: the last of each external id. The error names the
// row's kind and its position or external id.
func importRows[T any, PT interface {
	*T
	Validate() error
}](kind string, rows []T, externalID func(*T) string, check func(*T) error) ([]int, error) {
	for i := range rows {
		ext := externalID(&rows[i])
		if err := requireExternalID(kind, i, ext); err != nil {
			return nil, err
		}
		if err := PT(&rows[i]).Validate(); err != nil {
			return nil, rowError(kind, ext, err)
		}
		if check == nil {
			continue
		}
		if err := check(&rows[i]); err != nil {
			return nil, rowError(kind, ext, err)
		}
	}
	return dedupe(len(rows), func(i int) string { return externalID(&rows[i]) }), nil
}

func requireExternalID(kind string, i int, ext string) error {
	if strings.TrimSpace(ext) == "" {
		return tandem.FieldError("external_id", "%s in row %d of the batch has no external id", kind, i+1)
	}
	return nil
}

// rowError names the record a validation error belongs to.
func rowError(kind, ext string, err error) error {
	if te, ok := err.(*tandem.Error); ok {
		return &tandem.Error{Code: te.Code, Field: te.Field, Message: fmt.Sprintf("%s %q: %s", kind, ext, te.Message)}
	}
	return fmt.Errorf("%s %q: %w", kind, ext, err)
}
