package server

import (
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/conflicts"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// The conflict pages, vendor staff only (partner users get 404): the queue by level and status, each
// conflict with its parties, precedents, escalation log and resolve form, and the escalation log of
// every conflict.

// levelLabels name the rungs of the escalation path.
var levelLabels = map[tandem.EscalationLevel]string{
	tandem.LevelAEAndPartnerManager: "AE + partner manager",
	tandem.LevelVPs:                 "VP Sales + VP Channel",
	tandem.LevelCRO:                 "CRO",
	tandem.LevelCEO:                 "CEO",
}

var levels = []tandem.EscalationLevel{tandem.LevelAEAndPartnerManager, tandem.LevelVPs, tandem.LevelCRO, tandem.LevelCEO}

// sortHeader is a sortable (or plain, Link "") column header.
type sortHeader struct {
	Label, Key, Link, Arrow string
	Num, Sorted             bool
}

// sortHeaders builds column headers whose links sort the list at base by their key, keeping the
// other query parameters of q and starting again at the first page. desc lists the keys whose first
// click sorts biggest or latest first.
func sortHeaders(base string, q url.Values, current string, cols []sortHeader, desc ...string) []sortHeader {
	key := strings.TrimPrefix(current, "-")
	out := make([]sortHeader, len(cols))
	for i, c := range cols {
		if c.Key != "" {
			next := c.Key
			if slices.Contains(desc, c.Key) {
				next = "-" + c.Key
			}
			if key == c.Key {
				c.Sorted = true
				if strings.HasPrefix(current, "-") {
					next, c.Arrow = c.Key, " ▼"
				} else {
					next, c.Arrow = "-"+c.Key, " ▲"
				}
			}
			c.Link = withQuery(base, q, func(v url.Values) { v.Set("sort", next); v.Del("offset") })
		}
		out[i] = c
	}
	return out
}

// withQuery returns base with q's non-empty parameters, changed by change.
func withQuery(base string, q url.Values, change func(url.Values)) string {
	v := url.Values{}
	for k, vals := range q {
		if len(vals) > 0 && vals[0] != "" {
			v.Set(k, vals[0])
		}
	}
	change(v)
	if len(v) == 0 {
		return base
	}
	return base + "?" + v.Encode()
}

// userNames maps the users actor may see to their names.
func (s *Server) userNames(r *http.Request, actor tandem.Actor) (map[int64]string, error) {
	return namesByID(func(limit, offset int) ([]tandem.User, int, error) {
		return s.store.ListUsers(r.Context(), actor, sqlstore.UserFilter{Limit: limit, Offset: offset})
	}, func(u tandem.User) (int64, string) { return u.ID, u.Name })
}

// namesByID reads a whole list, a store page at a time, into a map of each record's id to its name.
func namesByID[T any](list func(limit, offset int) ([]T, int, error), idName func(T) (int64, string)) (map[int64]string, error) {
	names := map[int64]string{}
	for offset := 0; ; offset += sqlstore.MaxLimit {
		page, total, err := list(sqlstore.MaxLimit, offset)
		if err != nil {
			return nil, err
		}
		for _, x := range page {
			id, name := idName(x)
			names[id] = name
		}
		if offset+len(page) >= total || len(page) == 0 {
			return names, nil
		}
	}
}

type conflictRow struct {
	sqlstore.ConflictDetail
	Partner, OtherPartner, AE string
	LevelLabel                string
	Left                      countdown
}

type levelTab struct {
	Label, Link  string
	Level, Count int
	On           bool
}

type conflictsData struct {
	Status, Cause, Rule, Segment, From, To string
	Level                                  int
	PartnerID, AEID                        int64
	Filtered                               []string // the filters beyond level and status, in words
	Tabs                                   []levelTab
	Causes                                 []tandem.ConflictCause
	Segments                               []string
	Columns                                []sortHeader
	Rows                                   []conflictRow
	Total                                  int
	TotalText, ClearLink                   string
	Pager                                  pager
}

var conflictColumns = []sortHeader{
	{Label: "#", Key: "id"}, {Label: "Cause", Key: "cause"}, {Label: "Level", Key: "level"}, {Label: "Status", Key: "status"},
	{Label: "Partner"}, {Label: "AE"}, {Label: "ACV", Key: "acv", Num: true}, {Label: "Rule"},
	{Label: "Opened", Key: "opened_at"}, {Label: "Due at level", Key: "level_due_at"}, {Label: "Outcome"},
}

// conflictFilter reads the queue's filters from the query.
func conflictFilter(q url.Values) (sqlstore.ConflictDetailFilter, error) {
	f := sqlstore.ConflictDetailFilter{Status: tandem.ConflictStatus(q.Get("status")), Cause: tandem.ConflictCause(q.Get("cause")),
		Level: tandem.EscalationLevel(queryInt(q, "level")), Rule: q.Get("rule"), Segment: q.Get("segment"),
		Sort: q.Get("sort"), Limit: uiPageSize, Offset: queryInt(q, "offset")}
	if f.Status != "" && f.Status != tandem.ConflictOpen && f.Status != tandem.ConflictResolved {
		f.Status = ""
	}
	if f.Cause != "" && !f.Cause.Valid() {
		f.Cause = ""
	}
	if !f.Level.Valid() {
		f.Level = 0
	}
	if f.Segment != "" && !slices.Contains(tandem.ACVBands, f.Segment) {
		f.Segment = ""
	}
	if !slices.Contains([]string{"id", "cause", "level", "status", "acv", "opened_at", "level_due_at"}, strings.TrimPrefix(f.Sort, "-")) {
		f.Sort = ""
	}
	f.PartnerID, _ = strconv.ParseInt(q.Get("partner_id"), 10, 64)
	f.AEID, _ = strconv.ParseInt(q.Get("ae_id"), 10, 64)
	var err error
	for _, d := range []struct {
		name string
		into *time.Time
	}{{"from", &f.OpenedFrom}, {"to", &f.OpenedTo}} {
		if v := q.Get(d.name); v != "" {
			if *d.into, err = time.Parse(time.DateOnly, v); err != nil {
				return f, tandem.FieldError(d.name, "%q is not a date like 2026-01-01", v)
			}
		}
	}
	return f, nil
}

func (s *Server) conflictsPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	actor := actorFrom(ctx)
	lp := parseList(r)
	q := lp.Query
	f, err := conflictFilter(q)
	if err != nil {
		return err
	}
	items, total, partners, err := partnerListRows(s, r, lp, func(limit, offset int) ([]tandem.ConflictDetail, int, error) {
		f.Limit, f.Offset = limit, offset
		return s.store.ListConflictDetails(ctx, actor, f)
	})
	if err != nil {
		return err
	}
	users, err := s.userNames(r, actor)
	if err != nil {
		return err
	}
	if lp.CSV {
		return writeRowsCSV(w, "conflicts", s.now(), []string{"id", "cause", "level", "status", "partner", "other_partner", "ae",
			"acv", "currency", "segment", "rule", "opened_at", "resolution"}, items, total, func(c tandem.ConflictDetail) []string {
			return []string{strconv.FormatInt(c.ID, 10), string(c.Cause), strconv.Itoa(int(c.Level)), string(c.Status),
				partners[c.PartnerID], partners[c.OtherPartnerID], users[c.AEID], c.ACV.String(), c.Currency, c.Segment, c.Rule,
				c.OpenedAt.UTC().Format(time.RFC3339), string(c.Resolution)}
		})
	}
	d := conflictsData{Pager: lp.Pager(total, len(items)), TotalText: count(total), Status: string(f.Status), Cause: string(f.Cause), Rule: f.Rule, Segment: f.Segment,
		From: q.Get("from"), To: q.Get("to"), Level: int(f.Level), PartnerID: f.PartnerID, AEID: f.AEID,
		Causes: tandem.ConflictCauses, Segments: tandem.ACVBands, Total: total,
		Columns: sortHeaders("/conflicts", q, f.Sort, conflictColumns, "acv", "opened_at")}
	if f.Sort == "" {
		d.Columns = sortHeaders("/conflicts", q, "level_due_at", conflictColumns, "acv", "opened_at")
	}
	// A tab per level, each with how many conflicts it holds under the other filters.
	all := f
	all.Limit, all.Offset, all.Level, all.Sort = 1, 0, 0, ""
	for _, l := range append([]tandem.EscalationLevel{0}, levels...) {
		lf := all
		lf.Level = l
		_, n, err := s.store.ListConflictDetails(ctx, actor, lf)
		if err != nil {
			return err
		}
		tab := levelTab{Label: "All levels", Level: int(l), Count: n, On: f.Level == l,
			Link: withQuery("/conflicts", q, func(v url.Values) { v.Del("offset"); v.Del("level") })}
		if l != 0 {
			tab.Label = fmt.Sprintf("Level %d · %s", l, levelLabels[l])
			tab.Link = withQuery("/conflicts", q, func(v url.Values) { v.Del("offset"); v.Set("level", strconv.Itoa(int(l))) })
		}
		d.Tabs = append(d.Tabs, tab)
	}
	if f.Rule != "" {
		d.Filtered = append(d.Filtered, "rule "+f.Rule)
	}
	if f.PartnerID != 0 {
		d.Filtered = append(d.Filtered, "partner "+cmpOr(partners[f.PartnerID], "#"+strconv.FormatInt(f.PartnerID, 10)))
	}
	if f.AEID != 0 {
		d.Filtered = append(d.Filtered, "AE "+cmpOr(users[f.AEID], "#"+strconv.FormatInt(f.AEID, 10)))
	}
	if d.From != "" || d.To != "" {
		d.Filtered = append(d.Filtered, "opened "+cmpOr(d.From, "…")+" to before "+cmpOr(d.To, "…"))
	}
	now := s.now()
	for _, c := range items {
		row := conflictRow{ConflictDetail: c, Partner: partners[c.PartnerID], OtherPartner: partners[c.OtherPartnerID],
			AE: users[c.AEID], LevelLabel: levelLabels[c.Level]}
		if c.Status == tandem.ConflictOpen {
			row.Left = newCountdown(now, c.LevelDueAt)
		}
		d.Rows = append(d.Rows, row)
	}
	d.ClearLink = "/conflicts?status=open"
	s.render(w, r, http.StatusOK, "conflicts", view{Title: "Conflicts", Nav: "conflicts", Data: d})
	return nil
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

type logRow struct {
	tandem.EscalationEntry
	Who, LevelLabel string
}

type precedentRow struct {
	conflicts.Precedent
	Share, Similarity string
}

type conflictData struct {
	C                               sqlstore.ConflictDetail
	Partner, OtherPartner, AE       string
	PartnerLink, OtherLink, AELink  string
	Account, Opportunity            string
	Registration, OtherRegistration *tandem.Registration
	LevelLabel                      string
	Deciders                        []tandem.Role
	MayResolve                      bool
	Left                            countdown
	Share                           string // a split's partner share, "60 %"
	ResolvedBy                      string
	Log                             []logRow
	Precedents                      []precedentRow
	Resolutions                     []tandem.Resolution
	Form                            resolveForm
}

// resolveForm is what the resolve form was sent with, kept when it is refused.
type resolveForm struct {
	Resolution, Share, Rationale string
	Errors                       formErrors
}

func (s *Server) conflictPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderConflict(w, r, http.StatusOK, resolveForm{}, "")
}

func (s *Server) renderConflict(w http.ResponseWriter, r *http.Request, status int, form resolveForm, flash string) error {
	ctx := r.Context()
	actor := actorFrom(ctx)
	c, err := loadByPath(r, "conflict", s.store.GetConflictDetail)
	if err != nil {
		return err
	}
	entries, err := s.store.EscalationLog(ctx, actor, c.ID)
	if err != nil {
		return err
	}
	precedents, err := conflicts.Precedents(ctx, s.store, actor, c.ID, 0)
	if err != nil {
		return err
	}
	partners, err := s.partnerNames(r, actor)
	if err != nil {
		return err
	}
	users, err := s.userNames(r, actor)
	if err != nil {
		return err
	}
	d := conflictData{C: *c, Partner: partners[c.PartnerID], OtherPartner: partners[c.OtherPartnerID], AE: users[c.AEID],
		LevelLabel: levelLabels[c.Level], ResolvedBy: users[c.ResolvedBy], Resolutions: tandem.Resolutions, Form: form}
	if c.PartnerID != 0 {
		d.PartnerLink = "/conflicts?partner_id=" + strconv.FormatInt(c.PartnerID, 10)
	}
	if c.OtherPartnerID != 0 {
		d.OtherLink = "/conflicts?partner_id=" + strconv.FormatInt(c.OtherPartnerID, 10)
	}
	if c.AEID != 0 {
		d.AELink = "/conflicts?ae_id=" + strconv.FormatInt(c.AEID, 10)
	}
	if c.AccountID != 0 {
		if a, err := s.store.GetAccount(ctx, actor, c.AccountID); err == nil {
			d.Account = a.Name
		}
	}
	if c.OpportunityID != 0 {
		if o, err := s.store.GetOpportunity(ctx, actor, c.OpportunityID); err == nil {
			d.Opportunity = o.Name
		}
	}
	if c.RegistrationID != 0 {
		d.Registration, _ = s.store.GetRegistration(ctx, actor, c.RegistrationID)
	}
	if c.OtherRegistrationID != 0 {
		d.OtherRegistration, _ = s.store.GetRegistration(ctx, actor, c.OtherRegistrationID)
	}
	if c.Status == tandem.ConflictOpen {
		d.Deciders = c.Level.Deciders()
		d.MayResolve = c.Level.MayResolve(actor)
		d.Left = newCountdown(s.now(), c.LevelDueAt)
	}
	if c.Resolution == tandem.ResolveSplit {
		d.Share = basisPointsText(c.PartnerShareBasisPoints)
	}
	for _, e := range entries {
		d.Log = append(d.Log, logRow{EscalationEntry: e, Who: cmpOr(users[e.ActorID], "system"), LevelLabel: levelLabels[e.Level]})
	}
	for _, p := range precedents {
		row := precedentRow{Precedent: p, Similarity: fmt.Sprintf("%d %%", int(p.Similarity*100+0.5))}
		if p.Resolution == tandem.ResolveSplit {
			row.Share = basisPointsText(p.PartnerShareBasisPoints)
		}
		d.Precedents = append(d.Precedents, row)
	}
	s.render(w, r, status, "conflict", view{Title: fmt.Sprintf("Conflict %d", c.ID), Nav: "conflicts", Flash: flash, Data: d})
	return nil
}

// basisPointsText writes a share in basis points as a percentage: 6000 → "60 %", 3350 → "33.5 %".
func basisPointsText(bp int) string {
	s := strconv.Itoa(bp / 100)
	if frac := bp % 100; frac != 0 {
		s += strings.TrimRight(fmt.Sprintf(".%02d", frac), "0")
	}
	return s + " %"
}

// parsePercent reads a percentage with at most two decimals ("60", "33.5", "12,25 %") as basis points.
func parsePercent(s string) (int, error) {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "%"))
	s = strings.Replace(s, ",", ".", 1)
	r, ok := new(big.Rat).SetString(s)
	if s == "" || !ok {
		return 0, fmt.Errorf("%q is not a percentage", s)
	}
	r.Mul(r, big.NewRat(100, 1))
	if !r.IsInt() || !r.Num().IsInt64() {
		return 0, fmt.Errorf("%q has more than two decimals", s)
	}
	return int(r.Num().Int64()), nil
}

// conflictResolve resolves a conflict from its page's form. The store decides whether the user may
// (a decider of the conflict's level) and whether the resolution is whole; its refusal is shown on the
// page with the form as it was sent.
func (s *Server) conflictResolve(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, err := pathID(r, "conflict")
	if err != nil {
		return err
	}
	form := resolveForm{Resolution: r.PostFormValue("resolution"), Share: r.PostFormValue("partner_share"),
		Rationale: r.PostFormValue("rationale"), Errors: newFormErrors()}
	res := tandem.Resolution(form.Resolution)
	alias := map[string]string{"partner_share_basis_points": "partner_share"}
	share := 0
	if res == tandem.ResolveSplit {
		if share, err = parsePercent(form.Share); err != nil {
			form.Errors.add("partner_share", err.Error())
		}
	}
	// Every problem of the form at once, before the store is asked.
	form.Errors.addErr(alias, tandem.ResolutionErrors(res, share, form.Rationale)...)
	if len(form.Errors) > 0 {
		return s.renderConflict(w, r, http.StatusUnprocessableEntity, form, "Not resolved: please correct the fields marked below.")
	}
	_, err = s.store.ResolveConflict(ctx, actorFrom(ctx), id, res, share, strings.TrimSpace(form.Rationale))
	if err != nil {
		status, msg := s.uiError(ctx, err)
		form.Errors.addErr(alias, err)
		return s.renderConflict(w, r, status, form, "Not resolved: "+msg)
	}
	http.Redirect(w, r, fmt.Sprintf("/conflicts/%d", id), http.StatusSeeOther)
	return nil
}

type escalationsData struct {
	ConflictID int64
	Level      int
	Action     string
	From, To   string // the days the entries were written, both inclusive
	Actions    []string
	Levels     []tandem.EscalationLevel
	Rows       []logRow
	Total      int
	TotalText  string
	Pager      pager
}

func (s *Server) escalationsPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	actor := actorFrom(ctx)
	lp := parseList(r)
	q := lp.Query
	f := sqlstore.EscalationFilter{Level: tandem.EscalationLevel(queryInt(q, "level")), Action: q.Get("action")}
	f.ConflictID, _ = strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(q.Get("conflict")), "#"), 10, 64)
	if !f.Level.Valid() {
		f.Level = 0
	}
	var err error
	if f.From, f.Before, err = dayRange(q, "from", "to"); err != nil {
		return err
	}
	actions := []string{tandem.EscalationOpened, tandem.EscalationEscalated, tandem.EscalationResolved}
	if !slices.Contains(actions, f.Action) {
		f.Action = ""
	}
	items, total, err := listRows(lp, func(limit, offset int) ([]tandem.EscalationEntry, int, error) {
		f.Limit, f.Offset = limit, offset
		return s.store.ListEscalations(ctx, actor, f)
	})
	if err != nil {
		return err
	}
	users, err := s.userNames(r, actor)
	if err != nil {
		return err
	}
	if lp.CSV {
		return writeRowsCSV(w, "escalations", s.now(), []string{"id", "at", "conflict_id", "level", "level_label", "action", "who", "note"}, items, total,
			func(e tandem.EscalationEntry) []string {
				return []string{strconv.FormatInt(e.ID, 10), e.At.UTC().Format(time.RFC3339), strconv.FormatInt(e.ConflictID, 10),
					strconv.Itoa(int(e.Level)), levelLabels[e.Level], e.Action, cmpOr(users[e.ActorID], "system"), e.Note}
			})
	}
	d := escalationsData{ConflictID: f.ConflictID, Level: int(f.Level), Action: f.Action, From: q.Get("from"), To: q.Get("to"), Actions: actions, Levels: levels,
		Total: total, TotalText: count(total), Pager: lp.Pager(total, len(items))}
	for _, e := range items {
		d.Rows = append(d.Rows, logRow{EscalationEntry: e, Who: cmpOr(users[e.ActorID], "system"), LevelLabel: levelLabels[e.Level]})
	}
	s.render(w, r, http.StatusOK, "escalations", view{Title: "Escalation log", Nav: "escalations", Data: d})
	return nil
}
