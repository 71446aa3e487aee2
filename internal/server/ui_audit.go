package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

type auditData struct {
	Entity, Action string
	From, To       string // the days the entries were written, both inclusive
	Rows           []auditRow
	Total          string
	Pager          pager
}

func (s *Server) auditPage(w http.ResponseWriter, r *http.Request) error {
	lp := parseList(r)
	q := lp.Query
	f := sqlstore.AuditFilter{Entity: q.Get("entity"), Action: q.Get("action")}
	var err error
	if f.From, f.Before, err = dayRange(q, "from", "to"); err != nil {
		return err
	}
	items, total, err := listRows(lp, func(limit, offset int) ([]tandem.AuditEntry, int, error) {
		f.Limit, f.Offset = limit, offset
		return s.store.ListAudit(r.Context(), actorFrom(r.Context()), f)
	})
	if err != nil {
		return err
	}
	if lp.CSV {
		return writeRowsCSV(w, "audit", s.now(), []string{"id", "at", "actor", "action", "entity", "entity_id", "detail"}, items, total,
			func(e tandem.AuditEntry) []string {
				return []string{strconv.FormatInt(e.ID, 10), e.At.UTC().Format(time.RFC3339), e.Actor, e.Action, e.Entity, e.EntityID, e.Detail}
			})
	}
	d := auditData{Entity: f.Entity, Action: f.Action, From: q.Get("from"), To: q.Get("to"), Total: count(total), Pager: lp.Pager(total, len(items))}
	for _, e := range items {
		d.Rows = append(d.Rows, auditRow{AuditEntry: e, Fields: auditFields(e.Detail), Link: auditLink(e)})
	}
	s.render(w, r, http.StatusOK, "audit", view{Title: "Audit log", Nav: "audit", Data: d})
	return nil
}

// auditRow is an audit entry as the page shows it: the detail as readable fields rather than JSON, and
// a link to the record when the UI has a page for it.
type auditRow struct {
	tandem.AuditEntry
	Fields []auditField
	Link   string
}

type auditField struct{ Key, Value string }

// auditFields flattens an entry's JSON detail into sorted "key: value" pairs (nested keys joined with
// dots). A detail that is not a JSON object is shown as it is.
func auditFields(detail string) []auditField {
	if strings.TrimSpace(detail) == "" {
		return nil
	}
	var v any
	dec := json.NewDecoder(strings.NewReader(detail))
	dec.UseNumber() // money in minor units and ids stay exact
	if err := dec.Decode(&v); err != nil {
		return []auditField{{Key: "detail", Value: detail}}
	}
	var out []auditField
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch t := v.(type) {
		case map[string]any:
			for k, x := range t {
				key := k
				if prefix != "" {
					key = prefix + "." + k
				}
				walk(key, x)
			}
		case []any:
			parts := make([]string, len(t))
			for i, x := range t {
				b, _ := json.Marshal(x)
				parts[i] = strings.Trim(string(b), `"`)
			}
			out = append(out, auditField{prefix, strings.Join(parts, ", ")})
		case nil:
			out = append(out, auditField{prefix, "—"})
		default:
			out = append(out, auditField{prefix, fmt.Sprint(t)})
		}
	}
	walk("", v)
	if len(out) == 1 && out[0].Key == "" {
		out[0].Key = "detail"
	}
	slices.SortFunc(out, func(a, b auditField) int { return strings.Compare(a.Key, b.Key) })
	return out
}

// auditLink is the page of the entry's record, or "" when the UI has none.
func auditLink(e tandem.AuditEntry) string {
	if _, err := strconv.ParseInt(e.EntityID, 10, 64); err != nil {
		return ""
	}
	switch e.Entity {
	case "opportunity":
		return "/opportunities/" + e.EntityID
	case "import":
		return "/import/" + e.EntityID
	case "registration":
		return "/registrations/" + e.EntityID
	case "conflict":
		return "/conflicts/" + e.EntityID
	}
	return ""
}
