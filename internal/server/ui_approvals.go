package server

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/programme"
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
	Rows            []approvalRow
	Total, Breached int
	AtRisk          int
	SortByRisk      bool // ?sort=risk: riskiest first, across the whole queue (the store sorts)
	CanSeeRisk      bool // the caller may see conflict risk (not AEs), so may sort by it
	Page, Pages     int  // with SortByRisk: this page (1-based) of approvalsLimit rows, and how many
	// PrevPage and NextPage are the neighbouring pages, 0 for none.
	PrevPage, NextPage int
}

// approvalsLimit is how many queued registrations the page shows; the total says how many wait.
const approvalsLimit = 200

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
	rules := jr.Registration
	d := approvalsData{CanSeeRisk: !actor.IsPartner() && actor.Role != tandem.RoleAE, Page: 1}
	var items []sqlstore.ApprovalQueueItem
	var total int
	if d.CanSeeRisk && r.URL.Query().Get("sort") == "risk" {
		// Sorted by risk in the query, so page 1 holds the riskiest of the whole queue.
		d.SortByRisk = true
		if p, perr := strconv.Atoi(r.URL.Query().Get("page")); perr == nil && p > 1 {
			d.Page = p
		}
		items, total, err = s.store.ApprovalQueueByRisk(ctx, actor, rules.ApprovalSLA, jr.WarnFraction, approvalsLimit, (d.Page-1)*approvalsLimit)
		d.Pages = max(1, (total+approvalsLimit-1)/approvalsLimit)
		if d.Page > 1 {
			d.PrevPage = min(d.Page-1, d.Pages)
		}
		if d.Page < d.Pages {
			d.NextPage = d.Page + 1
		}
	} else {
		items, total, err = s.store.ApprovalQueue(ctx, actor, rules.ApprovalSLA, jr.WarnFraction, approvalsLimit)
	}
	if err != nil {
		return err
	}
	d.Total = total
	names, err := s.partnerNames(r, actor)
	if err != nil {
		return err
	}
	now := s.now()
	for _, it := range items {
		row := approvalRow{ApprovalQueueItem: it, Partner: names[it.Registration.PartnerID],
			Left: newCountdown(now, it.DueAt), Waited: businessHours(it.BusinessSeconds), CSRF: csrfOf(r)}
		s.explainQueued(r, &row)
		d.Rows = append(d.Rows, row)
		switch it.SLAStatus {
		case tandem.SLABreached:
			d.Breached++
		case tandem.SLAAtRisk:
			d.AtRisk++
		}
	}
	s.addApprovalRisks(r, &d)
	s.render(w, r, status, "approvals", view{Title: "Approvals", Nav: "approvals", Flash: flash, FlashOK: flashOK, Data: d})
	return nil
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
			if p, perr := s.store.GetPartner(ctx, actor, row.Registration.PartnerID); perr == nil {
				row.Partner = p.Name
			}
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
	var partner *tandem.Partner
	if err == nil {
		partner, err = s.store.GetPartner(ctx, tandem.SystemActor, reg.PartnerID)
	}
	var prog *programme.InForce
	if err == nil {
		prog, err = s.programme.Current(ctx)
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
	_, routeErr := prog.Policy.Route(registrationDeal(reg, partner))
	row.Why = autoApproveRefusal(prog.Policy, reg, partner, len(review.OpenConflicts) > 0, review.AccountInReview(), routeErr)
	if row.Why == "" {
		row.Why = "filed before auto-approval could decide, or auto-approval failed; nothing stops it now"
	}
}
