package server

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	tandem "github.com/tandem-revops/tandem"
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
	Total, From, To                            int
	TotalText, FromText, ToText                string
	PrevLink, NextLink, ExportLink             string
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
	q := r.URL.Query()
	f := sqlstore.OpportunityFilter{Motion: tandem.Motion(q.Get("motion")), Stage: tandem.Stage(q.Get("stage")),
		Forecast: tandem.ForecastCategory(q.Get("forecast_category")), Rule: q.Get("rule"), Query: q.Get("q"),
		Sort: q.Get("sort"), Limit: uiPageSize, Offset: queryInt(q, "offset")}
	if f.Stage == openStage {
		f.Stage, f.Open = "", true
	}
	var err error
	if f.CreatedFrom, err = dayParam(q, "created_from"); err != nil {
		return err
	}
	if f.CreatedTo, err = dayParam(q, "created_to"); err != nil {
		return err
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
		ShowPartner: !actor.IsPartner(), Total: total, TotalText: count(total)}
	if f.Open {
		d.Stage = openStage
	}
	for _, o := range items {
		d.Rows = append(d.Rows, oppRow{Opportunity: o, Partner: names[o.PartnerID]})
	}
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
			c.Link = link(func(v url.Values) { v.Set("sort", next); v.Del("offset") })
		}
		d.Columns = append(d.Columns, c)
	}
	if total > 0 {
		d.From, d.To = f.Offset+1, f.Offset+len(items)
		d.FromText, d.ToText = count(d.From), count(d.To)
	}
	if f.Offset > 0 {
		d.PrevLink = link(func(v url.Values) { v.Set("offset", fmt.Sprint(max(0, f.Offset-uiPageSize))) })
	}
	if f.Offset+len(items) < total {
		d.NextLink = link(func(v url.Values) { v.Set("offset", fmt.Sprint(f.Offset+uiPageSize)) })
	}
	d.ExportLink = strings.Replace(link(func(v url.Values) {
		v.Del("offset")
		if f.Open { // the API says "open" with a flag of its own
			v.Del("stage")
			v.Set("open", "true")
		}
	}), "/opportunities?", APIPrefix+"/opportunities.csv?", 1)
	s.render(w, r, http.StatusOK, "opportunities", view{Title: "Opportunities", Nav: "opportunities", Data: d})
	return nil
}

// partnerNames maps the partners the actor may see to their names (a partner user sees its own).
func (s *Server) partnerNames(r *http.Request, actor tandem.Actor) (map[int64]string, error) {
	names := map[int64]string{}
	for offset := 0; ; offset += sqlstore.MaxLimit {
		ps, total, err := s.store.ListPartners(r.Context(), actor, sqlstore.PartnerFilter{Limit: sqlstore.MaxLimit, Offset: offset})
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			names[p.ID] = p.Name
		}
		if offset+len(ps) >= total || len(ps) == 0 {
			return names, nil
		}
	}
}

type opportunityData struct {
	Opp              *tandem.Opportunity
	Account, Partner string
	Win              *scoreView // the win probability; nil for partner users, or when unscored
}

func (s *Server) opportunityPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	actor := actorFrom(ctx)
	id, err := pathID(r, "opportunity")
	if err != nil {
		return err
	}
	o, err := s.store.GetOpportunity(ctx, actor, id)
	if err != nil {
		return err
	}
	d := opportunityData{Opp: o, Account: fmt.Sprintf("#%d", o.AccountID)}
	if a, err := s.store.GetAccount(ctx, actor, o.AccountID); err == nil {
		d.Account = a.Name
	}
	if o.PartnerID != 0 {
		d.Partner = fmt.Sprintf("#%d", o.PartnerID)
		if p, err := s.store.GetPartner(ctx, actor, o.PartnerID); err == nil {
			d.Partner = p.Name
		}
	}
	d.Win = s.scoreOf(r, sqlstore.PredictionEntityOpportunity, o.ID)
	s.render(w, r, http.StatusOK, "opportunity", view{Title: o.Name, Nav: "opportunities", Data: d})
	return nil
}
