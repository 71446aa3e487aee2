package server

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// The channel team's approval queue: submitted registrations, soonest approval-SLA deadline first,
// approved or rejected inline (htmx swaps the row for its outcome).

// countdown is a deadline as a page shows it: the time left (or overdue) at the server's clock, and
// the instants app.js needs to keep it ticking in the browser (data-deadline, data-now: the browser
// applies the skew between its clock and the server's, so an injected server clock is honoured).
type countdown struct {
	At, Now       time.Time
	Text          string
	Overdue, Soon bool // Soon: less than a day left
}

func newCountdown(now, at time.Time) countdown {
	c := countdown{At: at.UTC(), Now: now.UTC()}
	if at.IsZero() {
		return c
	}
	d := at.Sub(now)
	switch {
	case d <= 0:
		c.Overdue, c.Text = true, "overdue by "+shortDuration(-d)
	default:
		c.Soon, c.Text = d < 24*time.Hour, shortDuration(d)+" left"
	}
	return c
}

// shortDuration writes d as a person counts time: "3d 4h", "5h 20m", "35m" (rounded down; under a
// minute is "0m"). app.js writes it the same way.
func shortDuration(d time.Duration) string {
	mins := int64(d / time.Minute)
	days, hours, m := mins/(24*60), mins/60%24, mins%60
	switch {
	case days > 0:
		return fmt.Sprintf("%dd %dh", days, hours)
	case hours > 0:
		return fmt.Sprintf("%dh %dm", hours, m)
	}
	return fmt.Sprintf("%dm", m)
}

// businessHours writes business seconds as hours with one decimal: "12.5 h".
func businessHours(seconds int64) string {
	tenths := (seconds*10 + 1800) / 3600
	return fmt.Sprintf("%d.%d h", tenths/10, tenths%10)
}

type approvalRow struct {
	sqlstore.ApprovalQueueItem
	Partner  string
	Left     countdown
	Waited   string
	Outcome  string // after a decision: what happened
	Error    string // the store's refusal
	Approved bool
	CSRF     string
	Risk     *scoreView // the conflict risk, nil when unscored
	// Why the system did not approve it, the open conflicts it waits on and its account match in
	// review (0 for none): the approver's page is staff-only, so all of it is shown.
	Why           string
	ConflictIDs   []int64
	MatchInReview int64
}

type approvalsData struct {
	Rows              []approvalRow
	Total             int
	TotalText         string
	Breached, AtRisk  int    // in the whole filtered queue, whatever the SLA filter
	BreachedLink      string // the queue filtered to them
	AtRiskLink        string
	SortByRisk        bool   // ?sort=risk: riskiest first, across the whole queue (the store sorts)
	CanSeeRisk        bool   // the caller may see conflict risk (not AEs), so may sort by it
	RiskLink, DueLink string // the queue sorted by risk, and by deadline, with the filters kept
	Query, SLAStatus  string
	ProductType       string
	Partners          []partnerOption
	ProductTypes      []tandem.ProductType
	SLAStatuses       []tandem.SLAStatus
	Filtered          bool // a filter is set: the empty queue says "none match" rather than "nothing waits"
	Pager             pager
}

// approvalsFilter reads the queue's filters from the query: company, partner, product and SLA status.
func approvalsFilter(q url.Values) (sqlstore.ApprovalQueueFilter, error) {
	f := sqlstore.ApprovalQueueFilter{Query: strings.TrimSpace(q.Get("q")), ProductType: tandem.ProductType(q.Get("product_type")),
		SLAStatus: tandem.SLAStatus(q.Get("sla_status"))}
	if f.ProductType != "" && !f.ProductType.Valid() {
		return f, tandem.FieldError("product_type", "%q is not a product type", f.ProductType)
	}
	if f.SLAStatus != "" && !slices.Contains(approvalSLAStatuses, f.SLAStatus) {
		return f, tandem.FieldError("sla_status", "%q is not on_track, at_risk or breached", f.SLAStatus)
	}
	if v := q.Get("partner_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return f, tandem.FieldError("partner_id", "%q is not a partner id", v)
		}
		f.PartnerID = id
	}
	return f, nil
}

var approvalSLAStatuses = []tandem.SLAStatus{tandem.SLABreached, tandem.SLAAtRisk, tandem.SLAOnTrack}

func (s *Server) approvalsPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderApprovals(w, r, http.StatusOK, "", false)
}

func (s *Server) renderApprovals(w http.ResponseWriter, r *http.Request, status int, flash string, flashOK bool) error {
	ctx := r.Context()
	actor := actorFrom(ctx)
	jr, err := s.RegistrationJobRules(ctx)
	if err != nil {
		return err
	}
	sla := jr.Registration.ApprovalSLA
	lp := parseList(r)
	lp.Path = "/approvals" // also rendered after a decision POST
	lp.Filters.Del("done") // the decision a plain form post came back from, not a filter to keep
	f, err := approvalsFilter(lp.Query)
	if err != nil {
		return err
	}
	d := approvalsData{CanSeeRisk: !actor.IsPartner() && actor.Role != tandem.RoleAE, Query: f.Query, SLAStatus: string(f.SLAStatus),
		ProductType: string(f.ProductType), ProductTypes: tandem.ProductTypes, SLAStatuses: approvalSLAStatuses,
		Filtered: f != (sqlstore.ApprovalQueueFilter{})}
	f.ByRisk = d.CanSeeRisk && lp.Sort == "risk"
	d.SortByRisk = f.ByRisk
	items, total, names, err := partnerListRows(s, r, lp, func(limit, offset int) ([]sqlstore.ApprovalQueueItem, int, error) {
		f.Limit, f.Offset = limit, offset
		return s.store.ListApprovalQueue(ctx, actor, sla, jr.WarnFraction, f)
	})
	if err != nil {
		return err
	}
	now := s.now()
	for _, it := range items {
		row := approvalRow{ApprovalQueueItem: it, Partner: names[it.Registration.PartnerID],
			Left: newCountdown(now, it.DueAt), Waited: businessHours(it.BusinessSeconds), CSRF: csrfOf(r)}
		s.explainQueued(r, &row)
		d.Rows = append(d.Rows, row)
	}
	s.addApprovalRisks(r, &d)
	if lp.CSV {
		return writeApprovalsCSV(w, s.now(), d.Rows, total)
	}
	// How many of the filtered queue are breached or at risk, whichever SLA status the page shows.
	counts, err := s.store.ApprovalQueueSLACounts(ctx, actor, sla, jr.WarnFraction, f)
	if err != nil {
		return err
	}
	d.Breached, d.AtRisk = counts[tandem.SLABreached], counts[tandem.SLAAtRisk]
	d.BreachedLink = lp.link(func(v url.Values) { v.Set("sla_status", string(tandem.SLABreached)) })
	d.AtRiskLink = lp.link(func(v url.Values) { v.Set("sla_status", string(tandem.SLAAtRisk)) })
	d.Total, d.TotalText, d.Pager = total, count(total), lp.Pager(total, len(items))
	d.RiskLink = lp.link(func(v url.Values) { v.Set("sort", "risk") })
	d.DueLink = lp.link(func(v url.Values) { v.Del("sort") })
	for id, name := range names {
		d.Partners = append(d.Partners, partnerOption{ID: id, Name: name, Selected: f.PartnerID == id})
	}
	sortPartnerOptions(d.Partners)
	s.render(w, r, status, "approvals", view{Title: "Approvals", Nav: "approvals", Flash: flash, FlashOK: flashOK, Data: d})
	return nil
}

// writeApprovalsCSV writes the queue's rows as the page shows them, with why each waits.
func writeApprovalsCSV(w http.ResponseWriter, now time.Time, rows []approvalRow, total int) error {
	return writeRowsCSV(w, "approvals", now, []string{"id", "account_name", "country", "partner", "product_type", "estimated_acv",
		"currency", "submitted_at", "due_at", "sla_status", "waited_business_hours", "conflict_risk", "not_auto_approved_because"}, rows, total,
		func(row approvalRow) []string {
			reg := row.Registration
			risk := ""
			if row.Risk != nil {
				risk = strconv.FormatFloat(row.Risk.Probability, 'f', 3, 64)
			}
			return []string{strconv.FormatInt(reg.ID, 10), reg.AccountName, reg.Country, row.Partner, string(reg.ProductType),
				reg.EstimatedACV.String(), reg.Currency, dateTimeText(reg.SubmittedAt), dateTimeText(row.DueAt), string(row.SLAStatus),
				strconv.FormatFloat(float64(row.BusinessSeconds)/3600, 'f', 1, 64), risk, row.Why}
		})
}

// approvalDecide approves or rejects a registration from the queue. An htmx request gets the row back
// with the outcome or the store's refusal; a plain form post goes back to the queue.
func (s *Server) approvalDecide(ev tandem.RegistrationEvent) http.HandlerFunc {
	return s.page(func(w http.ResponseWriter, r *http.Request) error {
		ctx := r.Context()
		actor := actorFrom(ctx)
		row := approvalRow{CSRF: csrfOf(r)}
		id, err := pathID(r, "registration")
		if err == nil {
			var rules tandem.RegistrationRules
			if rules, err = s.registrationRules(ctx); err == nil {
				var reg *tandem.Registration
				reg, err = s.store.TransitionRegistration(ctx, actor, id, ev, strings.TrimSpace(r.PostFormValue("reason")), rules)
				if err == nil {
					if ev == tandem.EventApprove {
						s.detectRegistrationConflicts(ctx, actor, reg.ID)
					}
					row.Registration, row.Approved = *reg, ev == tandem.EventApprove
					row.Outcome = "Approved"
					if ev == tandem.EventReject {
						row.Outcome = "Rejected: " + reg.RejectionReason
					}
				}
			}
		}
		if err != nil {
			_, row.Error = s.uiError(ctx, err)
			// Show the refused registration as it is, when it can be read.
			if reg, gerr := s.store.GetRegistration(ctx, actor, id); gerr == nil {
				row.Registration = *reg
			}
		}
		if row.Registration.ID != 0 {
			row.Partner = s.partnerName(ctx, actor, row.Registration.PartnerID)
		}
		if r.Header.Get("HX-Request") != "" {
			return s.renderFragment(w, r, "approvals", "approval-row", row)
		}
		if err != nil {
			status, _ := s.uiError(ctx, err)
			return s.renderApprovals(w, r, status, row.Error, false)
		}
		http.Redirect(w, r, "/approvals?"+url.Values{"done": {fmt.Sprint(id)}}.Encode(), http.StatusSeeOther)
		return nil
	})
}

// renderFragment writes one named template of a page's set, for htmx to swap in. Always 200: htmx 2
// does not swap error responses, and the fragment carries the error itself.
func (s *Server) renderFragment(w http.ResponseWriter, r *http.Request, page, name string, data any) error {
	t, ok := s.pages.byName[page]
	if !ok || t.Lookup(name) == nil {
		return fmt.Errorf("no fragment %s in page %s", name, page)
	}
	var b strings.Builder
	if err := t.ExecuteTemplate(&b, name, data); err != nil {
		return fmt.Errorf("render %s/%s: %w", page, name, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte(b.String()))
	return nil
}

// csrfOf returns the session's CSRF token for the forms of a fragment.
func csrfOf(r *http.Request) string {
	if c := callerFrom(r.Context()); c.session != nil {
		return c.session.CSRFToken
	}
	return ""
}

// explainQueued fills why row's registration waits for a person: what stopped the auto-approval under
// the policy in force now, the open conflicts and the account match in review. A failure is logged and
// leaves the row without an explanation rather than the page without a queue.
func (s *Server) explainQueued(r *http.Request, row *approvalRow) {
	ctx := r.Context()
	reg := &row.Registration
	review, err := s.store.RegistrationReview(ctx, tandem.SystemActor, reg.ID)
	var rt routedRegistration
	if err == nil {
		rt, err = s.routeNow(ctx, reg)
	}
	if err != nil {
		s.log.ErrorContext(ctx, "approval queue: why a registration waits", slog.Int64("registration", reg.ID), slog.Any("err", err))
		return
	}
	for _, c := range review.OpenConflicts {
		row.ConflictIDs = append(row.ConflictIDs, c.ID)
	}
	if review.AccountInReview() {
		row.MatchInReview = review.AccountMatch.ID
	}
	row.Why = autoApproveRefusal(rt.prog.Policy, reg, rt.partner, len(review.OpenConflicts) > 0, review.AccountInReview(), rt.routeErr)
	if row.Why == "" {
		row.Why = "filed before auto-approval could decide, or auto-approval failed; nothing stops it now"
	}
}
