package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	tandem "github.com/tandem-revops/tandem"
)

// This file converts between Go values and the representation described in the package doc.

// dbTime returns t as unix microseconds, or nil (NULL) for the zero time.
func dbTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMicro()
}

// dbID returns id, or nil (NULL) for 0.
func dbID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// jsonText encodes a list as a JSON array; a nil list is "[]".
func jsonText[T any](list []T) string {
	if len(list) == 0 {
		return "[]"
	}
	b, err := json.Marshal(list)
	if err != nil {
		panic(fmt.Sprintf("sqlstore: encode list: %v", err)) // lists of strings and ints always encode
	}
	return string(b)
}

// timeCol scans unix microseconds (or NULL) into a time.Time in UTC.
type timeCol struct{ t *time.Time }

func (c timeCol) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*c.t = time.Time{}
	case int64:
		*c.t = time.UnixMicro(v).UTC()
	default:
		return fmt.Errorf("time column holds %T", src)
	}
	return nil
}

// idCol scans an integer or NULL (as 0).
type idCol struct{ p *int64 }

func (c idCol) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*c.p = 0
	case int64:
		*c.p = v
	default:
		return fmt.Errorf("id column holds %T", src)
	}
	return nil
}

// boolCol scans a PostgreSQL boolean or a SQLite 0/1.
type boolCol struct{ p *bool }

func (c boolCol) Scan(src any) error {
	switch v := src.(type) {
	case bool:
		*c.p = v
	case int64:
		*c.p = v != 0
	case nil:
		*c.p = false
	default:
		return fmt.Errorf("boolean column holds %T", src)
	}
	return nil
}

// listCol scans a JSON array of strings.
type listCol struct{ p *[]string }

func (c listCol) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case string:
		b = []byte(v)
	case []byte:
		b = v
	case nil:
		*c.p = nil
		return nil
	default:
		return fmt.Errorf("list column holds %T", src)
	}
	var list []string
	if err := json.Unmarshal(b, &list); err != nil {
		return fmt.Errorf("list column: %w", err)
	}
	if len(list) == 0 {
		list = nil
	}
	*c.p = list
	return nil
}

// newExternalID returns an external id for a record created without one, e.g. "acct_6f1c9a0b2d3e4f50".
func newExternalID(prefix string) string {
	var b [8]byte
	rand.Read(b[:])
	return prefix + "_" + hex.EncodeToString(b[:])
}

// where accumulates the conditions and arguments of a WHERE clause. Conditions are written with "?"
// where an argument goes; add numbers them $1, $2… in order.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	var b strings.Builder
	i := 0
	for _, r := range cond {
		if r == '?' {
			w.args = append(w.args, args[i])
			i++
			b.WriteString("$" + strconv.Itoa(len(w.args)))
			continue
		}
		b.WriteRune(r)
	}
	w.conds = append(w.conds, b.String())
}

// search adds cond, a case-insensitive "contains" test of q with a likePattern for each "?", unless q is
// empty. A search string is bounded (EINVALID past tandem.MaxQueryLength): past it, LIKE patterns get
// slow or refused by the engine.
func (w *where) search(q, cond string) error {
	if err := tandem.CheckLine("q", q, tandem.MaxQueryLength); err != nil {
		return err
	}
	if q != "" {
		args := make([]any, strings.Count(cond, "?"))
		for i := range args {
			args[i] = likePattern(q)
		}
		w.add(cond, args...)
	}
	return nil
}

// ownedBy limits the query to the rows of actor's partner, the one col names, when actor is a partner
// user.
func (w *where) ownedBy(actor tandem.Actor, col string) {
	if actor.IsPartner() {
		w.add(col+" = ?", actor.PartnerID)
	}
}

// addEq adds "col = ?" with v unless v is its type's zero value: a filter field left empty matches
// anything.
func addEq[T comparable](w *where, col string, v T) {
	var zero T
	if v != zero {
		w.add(col+" = ?", v)
	}
}

// during adds the bounds of a time filter on col: from inclusive, to exclusive, each only when set.
func (w *where) during(col string, from, to time.Time) {
	if !from.IsZero() {
		w.add(col+" >= ?", dbTime(from))
	}
	if !to.IsZero() {
		w.add(col+" < ?", dbTime(to))
	}
}

// next returns the number of the next argument, for clauses written after the conditions.
func (w *where) next() int { return len(w.args) + 1 }

func (w *where) sql() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// likePattern returns a case-insensitive "contains" LIKE pattern for q with LIKE's wildcards escaped;
// use with "lower(col) LIKE ? ESCAPE '\'".
func likePattern(q string) string {
	q = strings.ToLower(strings.TrimSpace(q))
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(q) + "%"
}

// orderBy compiles a sort key ("name", "-acv") against the allowed columns; "" takes def. Ties break on
// the table's id so that pages are stable.
func orderBy(sort, def string, allowed map[string]string, idCol string) (string, error) {
	if sort == "" {
		sort = def
	}
	dir := "ASC"
	key := sort
	if strings.HasPrefix(key, "-") {
		dir, key = "DESC", key[1:]
	}
	col, ok := allowed[key]
	if !ok {
		names := slices.Sorted(maps.Keys(allowed))
		return "", tandem.FieldError("sort", "cannot sort by %q (one of %s, optionally with a leading -)", key, strings.Join(names, ", "))
	}
	return fmt.Sprintf(" ORDER BY %s %s, %s %s", col, dir, idCol, dir), nil
}

// page returns the LIMIT/OFFSET clause for a list: limit 0 means the default, more than MaxLimit is cut
// to MaxLimit.
func page(limit, offset int) (string, error) {
	if limit < 0 {
		return "", tandem.FieldError("limit", "cannot be negative")
	}
	if offset < 0 {
		return "", tandem.FieldError("offset", "cannot be negative")
	}
	if limit == 0 {
		limit = DefaultLimit
	}
	limit = min(limit, MaxLimit)
	return fmt.Sprintf(" LIMIT %d OFFSET %d", limit, offset), nil
}

// joinColumns lists column names for an INSERT or a row-value SET.
func joinColumns(cols []string) string { return strings.Join(cols, ", ") }

// placeholders returns "$from, $from+1, …" for n parameters.
func placeholders(from, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("$" + strconv.Itoa(from+i))
	}
	return b.String()
}

// getOne runs a query for one record and scans it: no row is ENOTFOUND for kind and id (never
// (nil, nil)), any other failure is wrapped with both.
func getOne[T any](ctx context.Context, q querier, kind string, id any, query string, args []any,
	scan func(func(...any) error) (T, error)) (*T, error) {
	v, err := scan(q.QueryRowContext(ctx, query, args...).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, tandem.NotFound(kind, id)
	}
	if err != nil {
		return nil, fmt.Errorf("get %s %v: %w", kind, id, err)
	}
	return &v, nil
}

// queryAll runs a query for many records and scans each row with scan, in the order the query gives;
// nil when there is none. Any failure is wrapped with what.
func queryAll[T any](ctx context.Context, q querier, what, query string, args []any,
	scan func(func(...any) error) (T, error)) ([]T, error) {
	out, err := scanAll(ctx, q, query, args, scan)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// scanAll is queryAll for a caller that wraps the failure itself: the driver's error comes back as is.
func scanAll[T any](ctx context.Context, q querier, query string, args []any,
	scan func(func(...any) error) (T, error)) ([]T, error) {
	var out []T
	err := eachRow(ctx, q, query, args, func(rowScan func(...any) error) error {
		v, err := scan(rowScan)
		if err == nil {
			out = append(out, v)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// eachRow runs a query and calls fn with each row's Scan, in the order the query gives, stopping at
// fn's first error. The error, fn's or the driver's, comes back as is for the caller to wrap.
func eachRow(ctx context.Context, q querier, query string, args []any, fn func(scan func(...any) error) error) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}

// scanOne scans a row of one column, for queryAll.
func scanOne[T any](scan func(...any) error) (T, error) {
	var v T
	err := scan(&v)
	return v, err
}
