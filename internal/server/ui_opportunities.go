package server

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/compensation"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// uiPageSize is how many rows a UI table shows per page.
const uiPageSize = 50

type oppRow struct {
	tandem.Opportunity
	Partner string
}

type column struct {
	Label, Key, Link, Arrow string
	Num, Sorted             bool
}

type opportunitiesData struct {
	Query, Motion, Stage, Forecast, Rule, Sort string
	Motions                                    []tandem.Motion
	Stages                                     []tandem.Stage
	Forecasts                                  []tandem.ForecastCategory
	Columns                                    []column
	ShowPartner                                bool // vendor users see whose deal it is; a partner user sees only its own
	Rows                                       []oppRow
	Total                                      int
	TotalText, ExportLink                      string
	Pager                                      pager
	// Narrowed are the filters set by a link (a home's number) that the form has no field for, and
	// Widen the list without them.
	Narrowed []narrowing
	Widen    string
}

// narrowing is one filter a link set: kept by the filter form as a hidden field and named above the list.
type narrowing struct{ Name, Value, Label string }

// narrowingKeys are the list's filters that only links set, in the order they are named.
var narrowingKeys = []string{"owner_id", "partner_id", "attribution", "created_from", "created_to", "closed_from", "closed_to"}

// narrowings names the link-only filters of q; people and partners by name where actor may see them.
func (s *Server) narrowings(r *http.Request, actor tandem.Actor, q url.Values, partners map[int64]string) ([]narrowing, error) {
	var out []narrowing
	for _, k := range narrowingKeys {
		v := q.Get(k)
		if v == "" {
			continue
		}
		id, _ := strconv.ParseInt(v, 10, 64)
		label := map[string]string{"created_from": "created from ", "created_to": "created before ", "closed_from": "closing from ",
			"closed_to": "closing before ", "attribution": "attributed "}[k] + human(v)
		switch k {
		case "owner_id":
			label = "owner #" + v
			if !actor.IsPartner() {
				users, err := s.userNames(r, actor)
				if err != nil {
					return nil, err
				}
				if name, ok := users[id]; ok {
					label = "owner " + name
				}
			}
		case "partner_id":
			label = "partner #" + v
			if name, ok := partners[id]; ok {
				label = "partner " + name
			}
		}
		out = append(out, narrowing{Name: k, Value: v, Label: label})
	}
	return out, nil
}

// openStage is the stage filter value for "any stage but won or lost".
const openStage = "open"

// opportunityColumns are the table's columns; Key is the sort key the store knows ("" not sortable).
var opportunityColumns = []column{
	{Label: "Opportunity", Key: "name"}, {Label: "Partner"}, {Label: "ACV", Key: "acv", Num: true},
	{Label: "Stage", Key: "stage"}, {Label: "Close date", Key: "close_date"}, {Label: "Motion", Key: "motion"},
	{Label: "Rule"}, {Label: "Why"},
}

func (s *Server) opportunitiesPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	actor := actorFrom(ctx)
	lp := parseList(r)
	q := lp.Query
	f := sqlstore.OpportunityFilter{Motion: tandem.Motion(q.Get("motion")), Stage: tandem.Stage(q.Get("stage")),
		Forecast: tandem.ForecastCategory(q.Get("forecast_category")), Rule: q.Get("rule"), Query: q.Get("q"),
		Sort: q.Get("sort"), Limit: lp.Size, Offset: lp.Offset()}
	if f.Stage == openStage {
		f.Stage, f.Open = "", true
	}
	err := dayParams(q, dayInto{"created_from", &f.CreatedFrom}, dayInto{"created_to", &f.CreatedTo},
		dayInto{"closed_from", &f.ClosedFrom}, dayInto{"closed_to", &f.ClosedTo})
	if err != nil {
		return err
	}
	if f.Attribution = tandem.Attribution(q.Get("attribution")); f.Attribution != "" && !f.Attribution.Valid() {
		return tandem.FieldError("attribution", "%q is not one of direct, partner_sourced, partner_led, partner_influenced", f.Attribution)
	}
	if v := q.Get("owner_id"); v != "" {
		if f.OwnerID, err = strconv.ParseInt(v, 10, 64); err != nil {
			return tandem.FieldError("owner_id", "%q is not a user id", v)
		}
	}
	if f.Forecast != "" && !f.Forecast.Valid() {
		f.Forecast = ""
	}
	if v := q.Get("partner_id"); v != "" {
		f.PartnerID, _ = strconv.ParseInt(v, 10, 64)
	}
	if f.Motion != "" && !f.Motion.Valid() {
		f.Motion = ""
	}
	if f.Stage != "" && !f.Stage.Valid() {
		f.Stage = ""
	}
	// The CSV of what is shown is the API's streaming export (names, every row, no 50,000 cap).
	export := url.Values{}
	for k := range lp.Filters {
		export.Set(k, lp.Filters.Get(k))
	}
	if f.Open { // the API says "open" with a flag of its own
		export.Del("stage")
		export.Set("open", "true")
	}
	exportLink := APIPrefix + "/opportunities.csv?" + export.Encode()
	if lp.CSV {
		http.Redirect(w, r, exportLink, http.StatusSeeOther)
		return nil
	}
	items, total, err := s.store.ListOpportunities(ctx, actor, f)
	if err != nil {
		return err
	}
	names, err := s.partnerNames(r, actor)
	if err != nil {
		return err
	}
	d := opportunitiesData{Query: f.Query, Motion: string(f.Motion), Stage: string(f.Stage), Forecast: string(f.Forecast),
		Rule: f.Rule, Sort: f.Sort, Motions: tandem.Motions, Stages: tandem.Stages, Forecasts: tandem.ForecastCategories,
		ShowPartner: !actor.IsPartner(), Total: total, TotalText: count(total), Pager: lp.Pager(total, len(items)), ExportLink: exportLink}
	d.Pager.CSV = exportLink
	if f.Open {
		d.Stage = openStage
	}
	for _, o := range items {
		d.Rows = append(d.Rows, oppRow{Opportunity: o, Partner: names[o.PartnerID]})
	}
	if d.Narrowed, err = s.narrowings(r, actor, q, names); err != nil {
		return err
	}
	d.Widen = withQuery("/opportunities", q, func(v url.Values) {
		for _, k := range narrowingKeys {
			v.Del(k)
		}
		v.Del("page")
	})
	// Links keep every filter; sorting starts again at the first page.
	link := func(change func(url.Values)) string {
		v := url.Values{}
		for k, vals := range q {
			if len(vals) > 0 && vals[0] != "" {
				v.Set(k, vals[0])
			}
		}
		change(v)
		return "/opportunities?" + v.Encode()
	}
	current := strings.TrimPrefix(f.Sort, "-")
	for _, c := range opportunityColumns {
		if c.Label == "Partner" && !d.ShowPartner {
			continue
		}
		if c.Key != "" {
			next := c.Key
			if c.Key == "acv" || c.Key == "close_date" {
				next = "-" + c.Key // money and dates: biggest and latest first on the first click
			}
			if current == c.Key {
				c.Sorted = true
				if strings.HasPrefix(f.Sort, "-") {
					next, c.Arrow = c.Key, " ▼"
				} else {
					next, c.Arrow = "-"+c.Key, " ▲"
				}
			}
			c.Link = link(func(v url.Values) { v.Set("sort", next); v.Del("offset"); v.Del("page") })
		}
		d.Columns = append(d.Columns, c)
	}
	s.render(w, r, http.StatusOK, "opportunities", view{Title: "Opportunities", Nav: "opportunities", Data: d})
	return nil
}

// partnerNames maps the partners the actor may see to their names (a partner user sees its own).
func (s *Server) partnerNames(r *http.Request, actor tandem.Actor) (map[int64]string, error) {
	return namesByID(func(limit, offset int) ([]tandem.Partner, int, error) {
		return s.store.ListPartners(r.Context(), actor, sqlstore.PartnerFilter{Limit: limit, Offset: offset})
	}, func(p tandem.Partner) (int64, string) { return p.ID, p.Name })
}

// partnerName is partner id's name as actor may see it; "" when it cannot be read.
func (s *Server) partnerName(ctx context.Context, actor tandem.Actor, id int64) string {
	if p, err := s.store.GetPartner(ctx, actor, id); err == nil {
		return p.Name
	}
	return ""
}

type opportunityData struct {
	Opp              *tandem.Opportunity
	Account, Partner string
	Owner            string     // the AE's name; "" when there is none or the viewer may not see users
	Win              *scoreView // the win probability; nil for partner users, or when unscored
	Registrations    []oppRegistration
	Conflicts        []sqlstore.ConflictDetail
	ShowConflicts    bool // vendor staff: partner users do not see channel conflicts
	Comp             []oppCompLine
	Period           string // the compensation quarter of a won deal, "" otherwise
	History          []oppChange
	CanDispute       bool
	Disputed         bool // the viewer just disputed the attribution
	Reason           string
	Errors           formErrors
}

// oppRegistration is a registration of the deal with the link the viewer may follow.
type oppRegistration struct {
	tandem.Registration
	Link string
}

// oppCompLine is one compensation line about the deal, with the statement it belongs to.
type oppCompLine struct {
	tandem.CompLine
	Payee, Link string
}

// oppChange is one recorded change of the deal, its ids named.
type oppChange struct {
	tandem.OpportunityChange
	Old, New string
}

func (s *Server) opportunityPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderOpportunity(w, r, http.StatusOK, "", newFormErrors(), "")
}

// renderOpportunity shows a deal: its routing and facts, owner, registrations, conflicts (staff),
// compensation lines of the statements the viewer may see, recorded history, win probability and the
// attribution dispute form. reason and errs refill a refused dispute.
func (s *Server) renderOpportunity(w http.ResponseWriter, r *http.Request, status int, flash string, errs formErrors, reason string) error {
	ctx := r.Context()
	actor := actorFrom(ctx)
	o, err := loadByPath(r, "opportunity", s.store.GetOpportunity)
	if err != nil {
		return err
	}
	d := opportunityData{Opp: o, Account: fmt.Sprintf("#%d", o.AccountID), Errors: errs, Reason: reason,
		ShowConflicts: !actor.IsPartner(), Disputed: r.URL.Query().Get("disputed") != "",
		CanDispute: actor.Can(disputers.roles...) && (actor.Role != tandem.RoleAE || o.OwnerID == actor.UserID)}
	if a, err := s.store.GetAccount(ctx, actor, o.AccountID); err == nil {
		d.Account = a.Name
	}
	partners, err := s.partnerNames(r, actor)
	if err != nil {
		return err
	}
	if o.PartnerID != 0 {
		d.Partner = cmp.Or(partners[o.PartnerID], fmt.Sprintf("#%d", o.PartnerID))
	}
	users := s.userLookup(r, actor)
	d.Owner = users(o.OwnerID)
	d.Win = s.scoreOf(r, sqlstore.PredictionEntityOpportunity, o.ID)

	regs, _, err := s.store.ListRegistrations(ctx, actor, sqlstore.RegistrationFilter{OpportunityID: o.ID, Limit: 20})
	if err != nil {
		return err
	}
	for _, reg := range regs {
		link := fmt.Sprintf("/registrations/%d", reg.ID)
		if actor.IsPartner() {
			link = fmt.Sprintf("/portal/registrations/%d", reg.ID)
		}
		d.Registrations = append(d.Registrations, oppRegistration{Registration: reg, Link: link})
	}
	if d.ShowConflicts {
		if d.Conflicts, _, err = s.store.ListConflictDetails(ctx, actor, sqlstore.ConflictDetailFilter{OpportunityID: o.ID,
			Sort: "-opened_at", Limit: 20}); err != nil {
			return err
		}
	}
	if d.Comp, d.Period, err = s.opportunityComp(r, actor, o, partners, users); err != nil {
		return err
	}
	changes, err := s.store.OpportunityHistory(ctx, actor, o.ID)
	if err != nil {
		return err
	}
	for _, c := range changes {
		oc := oppChange{OpportunityChange: c, Old: c.Old, New: c.New}
		switch c.Field {
		case tandem.HistoryOwner:
			oc.Old, oc.New = idName(c.Old, users), idName(c.New, users)
		case tandem.HistoryPartner:
			lookup := func(id int64) string { return partners[id] }
			oc.Old, oc.New = idName(c.Old, lookup), idName(c.New, lookup)
		}
		d.History = append(d.History, oc)
	}
	s.render(w, r, status, "opportunity", view{Title: o.Name, Nav: "opportunities", Flash: flash, Data: d})
	return nil
}

// idName names the id written in a history value by name; the value itself when it names no one known.
func idName(v string, name func(int64) string) string {
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id == 0 {
		return v
	}
	return cmp.Or(name(id), "#"+v)
}

// userLookup returns a lookup of user names the actor may see (partner users see their own partner's
// users only, so a vendor AE stays unnamed to them), each user read once.
func (s *Server) userLookup(r *http.Request, actor tandem.Actor) func(int64) string {
	seen := map[int64]string{}
	return func(id int64) string {
		if id == 0 {
			return ""
		}
		if n, ok := seen[id]; ok {
			return n
		}
		if u, err := s.store.GetUser(r.Context(), actor, id); err == nil {
			seen[id] = u.Name
		} else {
			seen[id] = ""
		}
		return seen[id]
	}
}

// opportunityComp returns the lines about a won deal on the statements of its quarter the actor may see:
// its AE's and its partner's (the store decides which the actor sees; one it may not see is left out).
func (s *Server) opportunityComp(r *http.Request, actor tandem.Actor, o *tandem.Opportunity, partners map[int64]string,
	users func(int64) string) ([]oppCompLine, string, error) {
	if o.Stage != tandem.StageClosedWon || o.CloseDate.IsZero() {
		return nil, "", nil
	}
	period := tandem.QuarterOf(o.CloseDate).ID
	type payee struct {
		kind tandem.PayeeKind
		id   int64
		name string
		link string
	}
	var payees []payee
	if o.OwnerID != 0 {
		payees = append(payees, payee{tandem.PayeeAE, o.OwnerID, users(o.OwnerID),
			"/comp?" + url.Values{"period": {period}, "ae": {strconv.FormatInt(o.OwnerID, 10)}}.Encode()})
	}
	if o.PartnerID != 0 {
		payees = append(payees, payee{tandem.PayeePartner, o.PartnerID, partners[o.PartnerID],
			"/comp/partner?" + url.Values{"partner": {strconv.FormatInt(o.PartnerID, 10)}, "period": {period}}.Encode()})
	}
	// The two statements are calculated apart (each from its payee's deals of the quarter): at once.
	stmts := make([]*tandem.CompStatement, len(payees))
	errs := make([]error, len(payees))
	var wg sync.WaitGroup
	for i, p := range payees {
		wg.Go(func() {
			stmts[i], errs[i] = compensation.PayeeStatement(r.Context(), s.store, actor, period, p.kind, p.id)
		})
	}
	wg.Wait()
	var out []oppCompLine
	for i, p := range payees {
		switch code := tandem.ErrorCode(errs[i]); {
		case errs[i] == nil:
		case code == tandem.ENOTFOUND || code == tandem.EFORBIDDEN:
			continue // not the viewer's to see, or no plan or period for the quarter
		default:
			return nil, "", errs[i]
		}
		for _, l := range stmts[i].Lines {
			if l.OpportunityID == o.ID {
				out = append(out, oppCompLine{CompLine: l, Payee: cmp.Or(stmts[i].Name, p.name), Link: p.link})
			}
		}
	}
	return out, period, nil
}

// opportunityDispute disputes the deal's attribution from its page: a channel conflict opens and goes
// up the escalation path (the store decides who may: the deal's AE, its partner, partner managers).
func (s *Server) opportunityDispute(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, err := pathID(r, "opportunity")
	if err != nil {
		return err
	}
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	errs := newFormErrors()
	rules, err := s.ConflictRules(ctx)
	if err == nil {
		_, err = s.store.DisputeAttribution(ctx, actorFrom(ctx), rules, id, reason)
	}
	if err != nil {
		status, msg := s.uiError(ctx, err)
		if status == http.StatusNotFound {
			return err
		}
		if len(errs.addErr(nil, err)) == 0 {
			msg = "please correct the field marked below."
		}
		return s.renderOpportunity(w, r, status, "Not disputed: "+msg, errs, reason)
	}
	http.Redirect(w, r, fmt.Sprintf("/opportunities/%d?disputed=1", id), http.StatusSeeOther)
	return nil
}
