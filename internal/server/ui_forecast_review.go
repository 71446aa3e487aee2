package server

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/forecast"
	"github.com/tandem-revops/tandem/internal/forecasting"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// The forecast's review sections, shared by the CRO forecast page and the weekly CRO call view:
// roll-ups by team (the owner's manager), region (the territory of the deal's country) and partner
// tier; the deals at risk with their win probability; the top deals that moved this week; accuracy
// per rep, manager and category; and the managers' submissions with the form to add one.
//
// Deals at risk (the list): a close date already passed, a close date pushed out in the last
// 30 days, a co-sell deal with no recorded change for 21 days, and a deal whose owner's category
// disagrees strongly with the model (commit below a 25 % win probability, best case below 10 %).
// Partner users never reach these pages; win probabilities are read through the store, which hides
// them from partners. An AE sees the deals at risk of their own team only: theirs and those of the
// AEs who share their manager.

// riskWin and riskBestCase are the win probabilities below which a commit or best-case deal is at risk.
const (
	riskWin       = 0.25
	riskBestCase  = 0.10
	riskQuietDays = 21
	riskRows      = 25
	movedRows     = 10
	accuracyWeek  = 4 // accuracy scores each past quarter's numbers as of its fourth week
	accuracyYears = 2 // over the last eight quarters
)

type riskRow struct {
	Deal    forecasting.DealRef
	Owner   string
	HasWin  bool
	Win     float64 // 0..1
	Reasons []string
}

// WinPercent is the win probability in whole percent, for display.
func (r riskRow) WinPercent() string { return strconv.FormatFloat(r.Win*100, 'f', 0, 64) + "%" }

type movedRow struct {
	Deal          forecasting.DealRef
	Before, After tandem.Money // the deal's value in the quarter's pipeline (0: not in it)
	Change        string
	moved         tandem.Money
}

type accuracyRow struct {
	Group       string
	Lines       int
	MAPE, Bias  string // percent, for display
	Coverage    string // statistical only
	ZeroActuals int
}

type submitForm struct {
	Level, Scope, Category, Adjustment, Reason string
	Errors                                     map[string]string
}

type scopeOption struct{ Value, Label string }

type forecastReview struct {
	Currency                                     string
	Teams, Regions, Tiers                        []forecasting.GroupLine
	Risk                                         []riskRow
	Moved                                        []movedRow
	RepAccuracy, ManagerAccuracy, CommitAccuracy []accuracyRow
	StatAccuracy                                 []accuracyRow
	Submissions                                  []submissionRow
	Form                                         submitForm
	TeamOptions, RegionOptions, TierOptions      []scopeOption
	Categories                                   []string
	Levels                                       []string
}

type submissionRow struct {
	tandem.ForecastSubmission
	ScopeLabel string
	Who        string
}

// directory is who and where: users by id, each country's territory, each partner's tier.
type directory struct {
	users     map[int64]tandem.User
	territory map[string]string
	tier      map[int64]tandem.Tier
}

func (s *Server) loadDirectory(ctx context.Context, actor tandem.Actor) (*directory, error) {
	d := &directory{users: map[int64]tandem.User{}, territory: map[string]string{}, tier: map[int64]tandem.Tier{}}
	for off := 0; ; off += sqlstore.MaxLimit {
		list, _, err := s.store.ListUsers(ctx, actor, sqlstore.UserFilter{Limit: sqlstore.MaxLimit, Offset: off})
		if err != nil {
			return nil, err
		}
		for _, u := range list {
			d.users[u.ID] = u
		}
		if len(list) < sqlstore.MaxLimit {
			break
		}
	}
	for off := 0; ; off += sqlstore.MaxLimit {
		list, _, err := s.store.ListPartners(ctx, actor, sqlstore.PartnerFilter{Limit: sqlstore.MaxLimit, Offset: off})
		if err != nil {
			return nil, err
		}
		for _, p := range list {
			d.tier[p.ID] = p.Tier
		}
		if len(list) < sqlstore.MaxLimit {
			break
		}
	}
	terrs, _, err := s.store.ListTerritories(ctx, actor, sqlstore.TerritoryFilter{Limit: sqlstore.MaxLimit})
	if err != nil {
		return nil, err
	}
	for _, t := range terrs {
		for _, c := range t.Countries {
			d.territory[c] = t.Name
		}
	}
	return d, nil
}

func (d *directory) name(id int64) string {
	if u, ok := d.users[id]; ok {
		return u.Name
	}
	if id == 0 {
		return "unassigned"
	}
	return "user " + strconv.FormatInt(id, 10)
}

// team is a deal's team: its owner's manager's id, as a submission's scope names it.
func (d *directory) team(r forecasting.DealRef) string {
	if u, ok := d.users[r.OwnerID]; ok && u.ManagerID != 0 {
		return strconv.FormatInt(u.ManagerID, 10)
	}
	return "none"
}

// partnerTier is the tier of the deal's partner; "direct" without one.
func (d *directory) partnerTier(r forecasting.DealRef) string {
	if r.PartnerID == 0 {
		return "direct"
	}
	if t, ok := d.tier[r.PartnerID]; ok {
		return string(t)
	}
	return "unknown"
}

func (d *directory) teamLabel(scope string) string {
	id, err := strconv.ParseInt(scope, 10, 64)
	if err != nil {
		return scope
	}
	return d.name(id) + "'s team"
}

// region is the territory of the deal's country.
func (d *directory) region(r forecasting.DealRef) string {
	if t, ok := d.territory[r.Country]; ok {
		return t
	}
	return "other"
}

// review builds the sections for quarter q as of asOf from the book's forecast f.
func (s *Server) review(ctx context.Context, book *forecasting.Book, f *forecasting.Forecast, form submitForm) (*forecastReview, error) {
	actor := actorFrom(ctx)
	dir, err := s.loadDirectory(ctx, actor)
	if err != nil {
		return nil, err
	}
	q, asOf := f.Quarter, f.AsOf
	d := &forecastReview{Currency: f.Currency, Form: form, Categories: tandem.AttributionForecastLines,
		Levels: []string{string(tandem.SubmissionCompany), string(tandem.SubmissionTeam), string(tandem.SubmissionRegion), string(tandem.SubmissionPartnerTier)}}
	if d.Form.Errors == nil {
		d.Form.Errors = map[string]string{}
	}
	region := dir.region
	d.Teams = forecasting.RollUpBy(f.Deals, dir.team)
	d.Regions = forecasting.RollUpBy(f.Deals, region)
	d.Tiers = forecasting.RollUpBy(f.Deals, dir.partnerTier)
	for i := range d.Teams {
		d.TeamOptions = append(d.TeamOptions, scopeOption{d.Teams[i].Group, dir.teamLabel(d.Teams[i].Group)})
		d.Teams[i].Group = dir.teamLabel(d.Teams[i].Group)
	}
	for _, g := range d.Regions {
		d.RegionOptions = append(d.RegionOptions, scopeOption{g.Group, g.Group})
	}
	for _, g := range d.Tiers {
		d.TierOptions = append(d.TierOptions, scopeOption{g.Group, g.Group})
	}

	if d.Risk, err = s.dealsAtRisk(ctx, dir, f); err != nil {
		return nil, err
	}
	if d.Moved, err = topMoved(book, q, asOf-7, asOf); err != nil {
		return nil, err
	}

	var quarters []forecast.Quarter
	for pq := q.Prev(); len(quarters) < 4*accuracyYears; pq = pq.Prev() {
		quarters = append(quarters, pq)
	}
	slices.Reverse(quarters)
	score := func(key func(forecasting.DealRef) string, label func(string) string) ([]accuracyRow, error) {
		acc, err := book.CommitAccuracy(quarters, accuracyWeek, asOf, key)
		if err != nil {
			return nil, err
		}
		return accuracyRows(acc, label, false), nil
	}
	owner := func(r forecasting.DealRef) string { return strconv.FormatInt(r.OwnerID, 10) }
	idName := func(g string) string {
		id, _ := strconv.ParseInt(g, 10, 64)
		return dir.name(id)
	}
	if d.RepAccuracy, err = score(owner, idName); err != nil {
		return nil, err
	}
	if d.ManagerAccuracy, err = score(dir.team, dir.teamLabel); err != nil {
		return nil, err
	}
	if d.CommitAccuracy, err = score(func(r forecasting.DealRef) string { return r.Category }, humanize); err != nil {
		return nil, err
	}
	if d.StatAccuracy, err = s.statAccuracy(ctx, book, quarters, asOf); err != nil {
		return nil, err
	}

	subs, err := s.store.ForecastSubmissions(ctx, actor, q.String())
	if err != nil {
		return nil, err
	}
	for i := len(subs) - 1; i >= 0; i-- { // newest first
		sub := subs[i]
		row := submissionRow{ForecastSubmission: sub, ScopeLabel: sub.Scope, Who: dir.name(sub.SubmittedBy)}
		switch sub.Level {
		case tandem.SubmissionTeam:
			row.ScopeLabel = dir.teamLabel(sub.Scope)
		case tandem.SubmissionCompany:
			row.ScopeLabel = "company"
		}
		d.Submissions = append(d.Submissions, row)
	}
	return d, nil
}

func humanize(s string) string { return strings.ReplaceAll(s, "_", " ") }

func pctOf(x float64) string { return strconv.FormatFloat(100*x, 'f', 1, 64) + "%" }

func accuracyRows(acc []forecast.Accuracy, label func(string) string, band bool) []accuracyRow {
	out := make([]accuracyRow, 0, len(acc))
	for _, a := range acc {
		row := accuracyRow{Group: label(a.Group), Lines: a.Lines, ZeroActuals: a.ZeroActuals, MAPE: "—", Bias: "—"}
		if a.Lines > a.ZeroActuals {
			row.MAPE, row.Bias = pctOf(a.MAPE), pctOf(a.Bias)
		}
		if band {
			row.Coverage = pctOf(a.Coverage)
		}
		out = append(out, row)
	}
	slices.SortStableFunc(out, func(x, y accuracyRow) int { return cmp.Compare(x.Group, y.Group) })
	return out
}

// statAccuracy scores the stored weekly snapshots (the statistical P50 and band, per category and
// total) of the past quarters, the first one taken in each quarter's fourth week or later, against
// the won value of the quarter.
func (s *Server) statAccuracy(ctx context.Context, book *forecasting.Book, quarters []forecast.Quarter, today forecast.Day) ([]accuracyRow, error) {
	var preds []forecast.Prediction
	for _, q := range quarters {
		if q.End() > today {
			continue
		}
		snaps, err := s.store.ForecastSnapshots(ctx, actorFrom(ctx), q.String())
		if err != nil {
			return nil, err
		}
		day := ""
		for _, sn := range snaps {
			if d, err := forecast.ParseDay(sn.AsOf); err == nil && d >= q.Start()+7*accuracyWeek && (day == "" || sn.AsOf < day) {
				day = sn.AsOf
			}
		}
		if day == "" {
			continue
		}
		end, err := book.QuarterDeals(q, q.End())
		if err != nil {
			return nil, err
		}
		actual := map[string]tandem.Money{}
		for _, r := range end {
			if r.Stage == tandem.StageClosedWon {
				actual[r.Category] += r.ACV
				actual[forecast.Total] += r.ACV
			}
		}
		for _, sn := range snaps {
			if sn.AsOf == day {
				preds = append(preds, forecast.Prediction{Group: sn.Category, Forecast: sn.P50, Actual: actual[sn.Category], HasBand: true, P10: sn.P10, P90: sn.P90})
			}
		}
	}
	return accuracyRows(forecast.ScorePredictions(preds), humanize, true), nil
}

// dealsAtRisk lists the quarter's open deals at risk (see the file comment), largest first.
func (s *Server) dealsAtRisk(ctx context.Context, dir *directory, f *forecasting.Forecast) ([]riskRow, error) {
	actor := actorFrom(ctx)
	if actor.IsPartner() {
		return nil, nil // never computed for a partner user
	}
	inTeam := func(owner int64) bool { return true }
	if actor.Role == tandem.RoleAE {
		me := dir.users[actor.UserID]
		inTeam = func(owner int64) bool {
			u := dir.users[owner]
			return owner == actor.UserID || (me.ManagerID != 0 && u.ManagerID == me.ManagerID)
		}
	}
	var open []forecasting.DealRef
	var ids []int64
	for _, r := range f.Deals {
		if r.Stage != tandem.StageClosedWon && inTeam(r.OwnerID) {
			open = append(open, r)
			ids = append(ids, r.ID)
		}
	}
	scores, err := s.store.LatestScores(ctx, actor, sqlstore.PredictionEntityOpportunity, ids)
	if err != nil {
		return nil, err
	}
	var out []riskRow
	for _, r := range open {
		row := riskRow{Deal: r, Owner: dir.name(r.OwnerID)}
		if sc, ok := scores[r.ID]; ok {
			row.HasWin, row.Win = true, sc.Probability
		}
		if cd, err := forecast.ParseDay(r.CloseDate); err == nil && cd < f.AsOf {
			row.Reasons = append(row.Reasons, fmt.Sprintf("close date %s has passed", r.CloseDate))
		}
		if r.PushedOut > 0 {
			row.Reasons = append(row.Reasons, fmt.Sprintf("close date pushed out %d× in 30 days", r.PushedOut))
		}
		if last, err := forecast.ParseDay(r.LastActivity); err == nil && r.Motion == tandem.MotionCoSell && f.AsOf-last >= riskQuietDays {
			row.Reasons = append(row.Reasons, fmt.Sprintf("co-sell deal quiet for %d days", f.AsOf-last))
		}
		switch {
		case row.HasWin && r.Forecast == tandem.ForecastCommit && row.Win < riskWin:
			row.Reasons = append(row.Reasons, "commit, but the model gives "+row.WinPercent())
		case row.HasWin && r.Forecast == tandem.ForecastBestCase && row.Win < riskBestCase:
			row.Reasons = append(row.Reasons, "best case, but the model gives "+row.WinPercent())
		}
		if len(row.Reasons) > 0 {
			out = append(out, row)
		}
	}
	slices.SortStableFunc(out, func(x, y riskRow) int {
		return cmp.Or(cmp.Compare(y.Deal.ACV, x.Deal.ACV), cmp.Compare(x.Deal.ID, y.Deal.ID))
	})
	return out[:min(len(out), riskRows)], nil
}

// topMoved compares the deals behind the quarter's numbers at the ends of from and to and returns the
// ones that moved most: added to or dropped from the quarter, won, recategorised or changed in amount.
func topMoved(book *forecasting.Book, q forecast.Quarter, from, to forecast.Day) ([]movedRow, error) {
	before, err := book.QuarterDeals(q, from)
	if err != nil {
		return nil, err
	}
	after, err := book.QuarterDeals(q, to)
	if err != nil {
		return nil, err
	}
	was := map[int64]forecasting.DealRef{}
	for _, r := range before {
		was[r.ID] = r
	}
	var out []movedRow
	for _, r := range after {
		b, ok := was[r.ID]
		delete(was, r.ID)
		row := movedRow{Deal: r, After: r.ACV}
		switch {
		case !ok:
			row.Change, row.moved = "added to the quarter", r.ACV
		case b.Stage != tandem.StageClosedWon && r.Stage == tandem.StageClosedWon:
			row.Before, row.Change, row.moved = b.ACV, "won", r.ACV
		case b.Forecast != r.Forecast:
			row.Before, row.Change, row.moved = b.ACV, humanize(string(b.Forecast))+" → "+humanize(string(r.Forecast)), r.ACV
		case b.ACV != r.ACV:
			row.Before, row.Change = b.ACV, "amount changed"
			row.moved = r.ACV - b.ACV
		case b.CloseDate != r.CloseDate:
			row.Before, row.Change = b.ACV, "close date "+b.CloseDate+" → "+r.CloseDate
		default:
			continue
		}
		out = append(out, row)
	}
	for _, b := range was {
		out = append(out, movedRow{Deal: b, Before: b.ACV, Change: "left the quarter (pushed out, lost or omitted)", moved: b.ACV})
	}
	abs := func(m tandem.Money) tandem.Money { return max(m, -m) }
	slices.SortFunc(out, func(x, y movedRow) int {
		return cmp.Or(cmp.Compare(abs(y.moved), abs(x.moved)), cmp.Compare(x.Deal.ID, y.Deal.ID))
	})
	return out[:min(len(out), movedRows)], nil
}

// rollUpFor returns the commit roll-up a submission of level and scope for category starts from: the
// won to date and commit deals of the quarter in that scope.
func (s *Server) rollUpFor(ctx context.Context, f *forecasting.Forecast, level tandem.SubmissionLevel, scope, category string) (tandem.Money, error) {
	actor := actorFrom(ctx)
	dir, err := s.loadDirectory(ctx, actor)
	if err != nil {
		return 0, err
	}
	region := dir.region
	var in []forecasting.DealRef
	for _, r := range f.Deals {
		if category != forecast.Total && r.Category != category {
			continue
		}
		match := true
		switch level {
		case tandem.SubmissionTeam:
			match = dir.team(r) == scope
		case tandem.SubmissionRegion:
			match = region(r) == scope
		case tandem.SubmissionPartnerTier:
			match = dir.partnerTier(r) == scope
		}
		if match {
			in = append(in, r)
		}
	}
	var sum tandem.Money
	for _, g := range forecasting.RollUpBy(in, func(forecasting.DealRef) string { return "all" }) {
		sum = g.Commit
	}
	return sum, nil
}

// forecastSubmit is the manager's submission form: the roll-up of the chosen scope is computed here,
// not taken from the form; the adjustment is in major units of the plan currency. A refusal shows the
// page again with each error next to its field.
func (s *Server) forecastSubmit(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q, asOf, err := s.resolveForecast(forecastParams{Quarter: r.PostFormValue("quarter"), AsOf: r.PostFormValue("as_of")})
	if err != nil {
		return err
	}
	form := submitForm{Level: r.PostFormValue("level"), Scope: strings.TrimSpace(r.PostFormValue("scope")),
		Category: r.PostFormValue("category"), Adjustment: strings.TrimSpace(r.PostFormValue("adjustment")),
		Reason: strings.TrimSpace(r.PostFormValue("reason")), Errors: map[string]string{}}
	level := tandem.SubmissionLevel(form.Level)
	if level == tandem.SubmissionCompany {
		form.Scope = ""
	}
	var adj tandem.Money
	if form.Adjustment != "" {
		if adj, _, err = tandem.ParseMoney(form.Adjustment); err != nil {
			form.Errors["adjustment"] = fmt.Sprintf("%q is not an amount like -250000.00", form.Adjustment)
		} else if err := tandem.CheckSignedAmount("adjustment", adj); err != nil {
			form.Errors["adjustment"] = fieldMessage(err)
		}
	}
	book, err := s.forecasts.Book(ctx, actorFrom(ctx))
	if err != nil {
		return err
	}
	f, err := book.Forecast(q, asOf, forecast.Options{})
	if err != nil {
		return err
	}
	sub := tandem.ForecastSubmission{Quarter: q.String(), Level: level, Scope: form.Scope, Category: form.Category,
		Adjustment: adj, Reason: form.Reason}
	if len(form.Errors) == 0 {
		if err := sub.Validate(); err != nil {
			var te *tandem.Error
			if errors.As(err, &te) && te.Field != "" {
				form.Errors[te.Field] = te.Message
			} else {
				return err
			}
		}
	}
	if len(form.Errors) == 0 {
		if sub.RollUp, err = s.rollUpFor(ctx, f, level, form.Scope, form.Category); err != nil {
			return err
		}
		if err := s.store.SubmitForecast(ctx, actorFrom(ctx), &sub); err != nil {
			var te *tandem.Error
			if !errors.As(err, &te) || te.Field == "" {
				return err
			}
			form.Errors[te.Field] = te.Message
		}
	}
	if len(form.Errors) > 0 {
		return s.renderForecast(w, r, book, f, http.StatusUnprocessableEntity, form, "Not submitted: see the fields marked below.")
	}
	v := url.Values{"quarter": {q.String()}, "as_of": {asOf.String()}}
	http.Redirect(w, r, "/forecast?"+v.Encode()+"#submissions", http.StatusSeeOther)
	return nil
}

func fieldMessage(err error) string {
	var te *tandem.Error
	if errors.As(err, &te) {
		return te.Message
	}
	return err.Error()
}

// requestedForecast is the forecast page's data for the quarter and as-of day the request names
// (defaults as on the page), read from the viewer's cached book; the PDF and the call view share it.
func (s *Server) requestedForecast(r *http.Request) (*forecastPageData, forecast.Quarter, error) {
	ctx := r.Context()
	q, asOf, err := s.resolveForecast(forecastParams{Quarter: r.URL.Query().Get("quarter"), AsOf: r.URL.Query().Get("as_of")})
	if err != nil {
		return nil, q, err
	}
	book, err := s.forecasts.Book(ctx, actorFrom(ctx))
	if err != nil {
		return nil, q, err
	}
	f, err := book.Forecast(q, asOf, forecast.Options{})
	if err != nil {
		return nil, q, err
	}
	d, err := s.forecastData(ctx, r, book, f, submitForm{})
	return d, q, err
}

// forecastCallPage is the weekly CRO call view: one printable page with the quarter's number by
// category and its bands, commit against statistical, the week's movement, the top deals that moved,
// the deals at risk and the submissions with their adjustments.
func (s *Server) forecastCallPage(w http.ResponseWriter, r *http.Request) error {
	d, q, err := s.requestedForecast(r)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "forecast_call", view{Title: "CRO call " + q.String(), Nav: "forecast", Data: d})
	return nil
}
