package server

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// The partner portal: register a deal, upload many from a CSV, and follow one's registrations with
// their protection countdown, approval deadline, history, withdrawal and extension. Channel staff use
// the same forms, choosing the partner.

type partnerOption struct {
	ID       int64
	Name     string
	Selected bool
}

// registerForm is the registration form as sent, kept when it is refused, with an error per field.
type registerForm struct {
	PartnerID                                                 int64
	AccountName, Website, Country, Vertical, ProductType, ACV string
	Currency, ExpectedClose, ContactName, ContactEmail        string
	Errors                                                    map[string]string
}

type registerData struct {
	Form         registerForm
	Partners     []partnerOption // for channel staff: whose deal it is
	ProductTypes []tandem.ProductType
	Result       *registerResult
}

// registerResult is what the partner learns at once on submitting.
type registerResult struct {
	*registrationCreated
	Partner  string
	Deadline countdown // approved: protection left; submitted: the approval deadline
	Expires  bool
}

func (s *Server) partnerOptions(r *http.Request, actor tandem.Actor, selected int64) ([]partnerOption, error) {
	if actor.IsPartner() {
		return nil, nil
	}
	names, err := s.partnerNames(r, actor)
	if err != nil {
		return nil, err
	}
	var out []partnerOption
	for id, name := range names {
		out = append(out, partnerOption{ID: id, Name: name, Selected: id == selected})
	}
	slices.SortFunc(out, func(a, b partnerOption) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

func (s *Server) registerPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderRegister(w, r, http.StatusOK, registerForm{Currency: "USD", ProductType: string(tandem.ProductCore)}, nil, "")
}

func (s *Server) renderRegister(w http.ResponseWriter, r *http.Request, status int, form registerForm, res *registerResult, flash string) error {
	opts, err := s.partnerOptions(r, actorFrom(r.Context()), form.PartnerID)
	if err != nil {
		return err
	}
	s.render(w, r, status, "register", view{Title: "Register a deal", Nav: "register", Flash: flash,
		Data: registerData{Form: form, Partners: opts, ProductTypes: tandem.ProductTypes, Result: res}})
	return nil
}

// registerSubmit files the form through submitRegistration and shows the result at once: the status,
// the motion the policy gives the deal and why, and "overlap under review" when it opened a conflict.
func (s *Server) registerSubmit(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	actor := actorFrom(ctx)
	form := registerForm{AccountName: strings.TrimSpace(r.PostFormValue("account_name")),
		Website: strings.TrimSpace(r.PostFormValue("website")), Country: strings.ToUpper(strings.TrimSpace(r.PostFormValue("country"))),
		Vertical:    strings.TrimSpace(r.PostFormValue("vertical")),
		ProductType: r.PostFormValue("product_type"), ACV: strings.TrimSpace(r.PostFormValue("estimated_acv")),
		Currency: strings.ToUpper(strings.TrimSpace(r.PostFormValue("currency"))), ExpectedClose: r.PostFormValue("expected_close"),
		ContactName: strings.TrimSpace(r.PostFormValue("contact_name")), ContactEmail: strings.TrimSpace(r.PostFormValue("contact_email")),
		Errors: map[string]string{}}
	in := registrationInput{AccountName: form.AccountName, Website: form.Website, Country: form.Country, Vertical: form.Vertical,
		ProductType: tandem.ProductType(form.ProductType), Currency: form.Currency, ContactName: form.ContactName,
		ContactEmail: form.ContactEmail}
	if !actor.IsPartner() {
		id, err := strconv.ParseInt(r.PostFormValue("partner_id"), 10, 64)
		if err != nil || id <= 0 {
			form.Errors["partner_id"] = "choose the partner whose deal it is"
		}
		form.PartnerID, in.PartnerID = id, id
	}
	if form.ACV == "" {
		form.Errors["estimated_acv"] = "is required"
	} else if acv, cur, err := tandem.ParseMoney(form.ACV); err != nil {
		form.Errors["estimated_acv"] = "is not an amount like 120000 or 120,000.00"
	} else if acv < 0 {
		form.Errors["estimated_acv"] = "cannot be negative"
	} else {
		in.EstimatedACV = acv
		if cur != "" && in.Currency == "" {
			in.Currency = cur
		}
	}
	if form.ExpectedClose != "" {
		d, err := time.Parse(time.DateOnly, form.ExpectedClose)
		if err != nil {
			form.Errors["expected_close"] = "is not a date like 2026-06-30"
		}
		in.ExpectedClose = d
	}
	if len(form.Errors) > 0 {
		addTypedFieldErrors(form.Errors, in)
		return s.renderRegister(w, r, http.StatusUnprocessableEntity, form, nil, "Not registered: please correct the fields marked below.")
	}
	created, err := s.submitRegistration(ctx, actor, in)
	if err != nil {
		status, msg := s.uiError(ctx, err)
		var te *tandem.Error
		if errors.As(err, &te) && te.Field != "" {
			form.Errors[te.Field] = te.Message
			addTypedFieldErrors(form.Errors, in)
			msg = "please correct the fields marked below."
		}
		return s.renderRegister(w, r, status, form, nil, "Not registered: "+msg)
	}
	res := &registerResult{registrationCreated: created}
	res.Partner = s.partnerName(ctx, actor, created.PartnerID)
	res.Deadline, res.Expires = s.registrationDeadline(r, &created.Registration)
	// A fresh form under the result, for the next deal.
	next := registerForm{Currency: form.Currency, ProductType: string(tandem.ProductCore), PartnerID: form.PartnerID}
	return s.renderRegister(w, r, http.StatusOK, next, res, "")
}

// addTypedFieldErrors adds to errs every domain error about a field the user typed into the form and errs
// does not already explain, so a refused form shows all its mistakes at once, not one per submit. Fields
// the server fills in when left empty (partner, currency, country from the account) are left to the submit.
func addTypedFieldErrors(errs map[string]string, in registrationInput) {
	reg := tandem.Registration{AccountName: in.AccountName, Website: in.Website, Country: in.Country,
		ProductType: in.ProductType, EstimatedACV: in.EstimatedACV, Currency: in.Currency, ContactName: in.ContactName,
		ContactEmail: in.ContactEmail, Status: tandem.RegistrationSubmitted}
	typed := map[string]bool{"account_name": true, "website": true, "contact_name": true, "contact_email": true,
		"country": in.Country != "", "currency": in.Currency != "", "product_type": in.ProductType != ""}
	for _, err := range reg.FieldErrors() {
		var fe *tandem.Error
		if errors.As(err, &fe) && typed[fe.Field] && errs[fe.Field] == "" {
			errs[fe.Field] = fe.Message
		}
	}
}

// registrationDeadline is the countdown a registration lives by: an approved one's protection until it
// expires, a submitted one's approval SLA deadline. expires tells which; the zero countdown for others.
func (s *Server) registrationDeadline(r *http.Request, reg *tandem.Registration) (countdown, bool) {
	now := s.now()
	switch reg.Status {
	case tandem.RegistrationApproved:
		if !reg.ExpiresAt.IsZero() {
			return newCountdown(now, reg.ExpiresAt), true
		}
	case tandem.RegistrationSubmitted:
		rules, err := s.registrationRules(r.Context())
		if err == nil && rules.ApprovalSLA.Calendar != nil {
			start := reg.SubmittedAt
			if start.IsZero() {
				start = reg.CreatedAt
			}
			return newCountdown(now, rules.ApprovalSLA.Deadline(start)), false
		}
	}
	return countdown{}, false
}

type myRegistrationRow struct {
	tandem.Registration
	Partner             string
	Deadline            countdown
	Expires             bool
	CanWithdraw, CanExt bool
}

type myRegistrationsData struct {
	Status          string
	Statuses        []tandem.RegistrationStatus
	ShowPartner     bool
	Columns         []sortHeader
	Rows            []myRegistrationRow
	Total           int
	TotalText       string
	CSRF            string
	Query, From, To string // the company, submitted_from and submitted_to filters
	Partners        []partnerOption
	Pager           pager
	// ExpiresFrom and ExpiresTo narrow the list to registrations expiring then (a partner home's link);
	// Widen is the list without them.
	ExpiresFrom, ExpiresTo, Widen string
}

var myRegistrationColumns = []sortHeader{
	{Label: "Account", Key: "account_name"}, {Label: "Partner"}, {Label: "Product"},
	{Label: "Estimated ACV", Key: "estimated_acv", Num: true}, {Label: "Status", Key: "status"},
	{Label: "Submitted", Key: "submitted_at"}, {Label: "Protected until", Key: "expires_at"}, {Label: "Deadline"}, {Label: ""},
}

// canWithdraw and canExtend say which buttons a registration shows; the store decides in the end.
func canWithdraw(st tandem.RegistrationStatus) bool {
	return st == tandem.RegistrationSubmitted || st == tandem.RegistrationApproved
}
func canExtend(st tandem.RegistrationStatus) bool { return st == tandem.RegistrationApproved }

func (s *Server) myRegistrationsPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderMyRegistrations(w, r, http.StatusOK, "", false)
}

func (s *Server) renderMyRegistrations(w http.ResponseWriter, r *http.Request, status int, flash string, flashOK bool) error {
	ctx := r.Context()
	actor := actorFrom(ctx)
	lp := parseList(r)
	lp.Path = "/portal/registrations" // also rendered after a withdraw or extend POST
	q := lp.Query
	f := sqlstore.RegistrationFilter{Status: tandem.RegistrationStatus(q.Get("status")), Query: q.Get("q"), Sort: lp.Sort}
	if f.Status != "" && !f.Status.Valid() {
		return tandem.FieldError("status", "%q is not a registration status", f.Status)
	}
	if !slices.Contains([]string{"account_name", "estimated_acv", "status", "submitted_at", "expires_at"}, strings.TrimPrefix(f.Sort, "-")) {
		f.Sort = "-submitted_at"
	}
	page, err := s.readRegistrationPage(r, lp, &f)
	if err != nil {
		return err
	}
	items, total, names := page.items, page.total, page.names
	if lp.CSV {
		return page.writeCSV(w, s, "my-registrations")
	}
	cols := myRegistrationColumns
	if actor.IsPartner() {
		cols = slices.DeleteFunc(slices.Clone(cols), func(c sortHeader) bool { return c.Label == "Partner" })
	}
	d := myRegistrationsData{Status: string(f.Status), Statuses: tandem.RegistrationStatuses, ShowPartner: !actor.IsPartner(),
		Columns: sortHeaders("/portal/registrations", q, f.Sort, cols, "estimated_acv", "submitted_at", "expires_at"),
		Total:   total, TotalText: count(total), CSRF: csrfOf(r), Query: f.Query, From: q.Get("submitted_from"), To: q.Get("submitted_to"),
		Pager: lp.Pager(total, len(items)), ExpiresFrom: q.Get("expires_from"), ExpiresTo: q.Get("expires_to"),
		Widen: withQuery("/portal/registrations", q, func(v url.Values) { v.Del("expires_from"); v.Del("expires_to"); v.Del("page") })}
	if !actor.IsPartner() {
		for id, name := range names {
			d.Partners = append(d.Partners, partnerOption{ID: id, Name: name, Selected: f.PartnerID == id})
		}
		sortPartnerOptions(d.Partners)
	}
	for _, reg := range items {
		row := myRegistrationRow{Registration: reg, Partner: names[reg.PartnerID], CanWithdraw: canWithdraw(reg.Status),
			CanExt: canExtend(reg.Status)}
		row.Deadline, row.Expires = s.registrationDeadline(r, &reg)
		d.Rows = append(d.Rows, row)
	}
	title := "My registrations"
	if !actor.IsPartner() {
		title = "Partner registrations"
	}
	s.render(w, r, status, "my_registrations", view{Title: title, Nav: "my-registrations", Flash: flash, FlashOK: flashOK, Data: d})
	return nil
}

type eventRow struct {
	tandem.RegistrationEntry
	Who string
}

type registrationDetail struct {
	Reg                 tandem.Registration
	Partner             string
	Deadline            countdown
	Expires             bool
	CanWithdraw, CanExt bool
	Events              []eventRow
	CSRF                string
	Risk                *scoreView // the conflict risk; nil for partner users and AEs, or when unscored
	Back, BackText      string     // the list this page was reached from
	OthersMay           bool       // it can be withdrawn or extended, but not by this reader
}

// doneMessages are the flashes a registration page shows after a transition (?done=…).
var doneMessages = map[string]string{
	"withdraw": "Withdrawn: the registration no longer protects the deal.",
	"extend":   "Extended: the protection runs longer.",
}

func (s *Server) registrationDetailPage(w http.ResponseWriter, r *http.Request) error {
	msg, ok := doneMessages[r.URL.Query().Get("done")]
	return s.renderRegistrationDetail(w, r, http.StatusOK, msg, ok)
}

func (s *Server) renderRegistrationDetail(w http.ResponseWriter, r *http.Request, status int, flash string, flashOK bool) error {
	ctx := r.Context()
	actor := actorFrom(ctx)
	reg, err := loadByPath(r, "registration", s.store.GetRegistration)
	if err != nil {
		return err
	}
	events, err := s.store.RegistrationEvents(ctx, actor, reg.ID)
	if err != nil {
		return err
	}
	// Only a holder (its partner's users, or channel staff for them) may withdraw or extend: no one else
	// is shown a button that would answer 403.
	holder := slices.Contains(holders.roles, actor.Role)
	d := registrationDetail{Reg: *reg, CanWithdraw: holder && canWithdraw(reg.Status), CanExt: holder && canExtend(reg.Status),
		CSRF: csrfOf(r), Back: "/portal/registrations", BackText: "My registrations",
		OthersMay: !holder && (canWithdraw(reg.Status) || canExtend(reg.Status))}
	nav := "my-registrations"
	if !actor.IsPartner() {
		d.Back, d.BackText, nav = "/registrations", "Registrations", "registrations"
	}
	d.Deadline, d.Expires = s.registrationDeadline(r, reg)
	d.Risk = s.scoreOf(r, sqlstore.PredictionEntityRegistration, reg.ID)
	d.Partner = s.partnerName(ctx, actor, reg.PartnerID)
	// A partner user sees who acted only when it was one of its own colleagues; the vendor's people are
	// "the channel team".
	users := map[int64]string{}
	if !actor.IsPartner() {
		if users, err = s.userNames(r, actor); err != nil {
			return err
		}
	}
	for _, e := range events {
		who := users[e.ActorID]
		switch {
		case e.ActorID == 0:
			who = "Tandem (automatic)"
		case e.ActorID == actor.UserID:
			who = "you"
		case who == "":
			who = "the channel team"
			if u, err := s.store.GetUser(ctx, actor, e.ActorID); err == nil {
				who = u.Name
			}
		}
		d.Events = append(d.Events, eventRow{RegistrationEntry: e, Who: who})
	}
	s.render(w, r, status, "registration", view{Title: reg.AccountName, Nav: nav, Flash: flash, FlashOK: flashOK, Data: d})
	return nil
}

// registrationTransition withdraws or extends a registration from the portal. The store decides
// whether the lifecycle allows it; its refusal is shown on the registration's page.
func (s *Server) registrationTransition(ev tandem.RegistrationEvent) http.HandlerFunc {
	return s.page(func(w http.ResponseWriter, r *http.Request) error {
		ctx := r.Context()
		id, err := pathID(r, "registration")
		if err != nil {
			return err
		}
		rules, err := s.registrationRules(ctx)
		if err == nil {
			_, err = s.store.TransitionRegistration(ctx, actorFrom(ctx), id, ev, strings.TrimSpace(r.PostFormValue("reason")), rules)
		}
		if err != nil {
			status, msg := s.uiError(ctx, err)
			if status == http.StatusNotFound {
				return err
			}
			return s.renderRegistrationDetail(w, r, status, fmt.Sprintf("Could not %s: %s", ev, msg), false)
		}
		http.Redirect(w, r, fmt.Sprintf("/portal/registrations/%d?done=%s", id, ev), http.StatusSeeOther)
		return nil
	})
}

type bulkData struct {
	Columns, Required []string
	Max               int
	Partner           bool
	FileName          string
	Result            *bulkResult
	Error             string
}

func (s *Server) bulkPage(w http.ResponseWriter, r *http.Request) {
	s.renderBulk(w, r, http.StatusOK, bulkData{})
}

func (s *Server) renderBulk(w http.ResponseWriter, r *http.Request, status int, d bulkData) {
	d.Columns, d.Max, d.Partner = bulkColumns, maxBulkRows, actorFrom(r.Context()).IsPartner()
	d.Required = bulkRequired
	if !d.Partner {
		d.Required = append([]string{"partner_id"}, bulkRequired...)
	}
	flash := ""
	if d.Error != "" {
		flash = "Nothing registered: " + d.Error
	}
	s.render(w, r, status, "bulk", view{Title: "Bulk upload", Nav: "bulk", Flash: flash, Data: d})
}

// bulkSubmit registers the rows of an uploaded CSV, all or nothing, and shows what became of each
// row or every problem of the file.
func (s *Server) bulkSubmit(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	r.Body = http.MaxBytesReader(w, r.Body, maxBulkBytes)
	if err := r.ParseMultipartForm(maxBulkBytes); err != nil {
		s.renderBulk(w, r, http.StatusBadRequest, bulkData{Error: "the upload could not be read (at most 8 MiB): " + err.Error()})
		return
	}
	file, header, err := r.FormFile("file")
	if err != nil {
		s.renderBulk(w, r, http.StatusUnprocessableEntity, bulkData{Error: "choose a CSV file to upload."})
		return
	}
	defer file.Close()
	res, err := s.bulkRegister(ctx, actorFrom(ctx), file)
	if err != nil {
		status, msg := s.uiError(ctx, err)
		s.renderBulk(w, r, status, bulkData{FileName: header.Filename, Error: msg})
		return
	}
	d := bulkData{FileName: header.Filename, Result: res}
	status := http.StatusOK
	if len(res.Errors) > 0 && res.Registered == 0 {
		status = http.StatusUnprocessableEntity
		d.Error = fmt.Sprintf("%s has %d problems; fix them and upload the whole file again.", header.Filename, len(res.Errors))
	}
	s.renderBulk(w, r, status, d)
}

// registerPortalUI registers the portal, approval and conflict pages. Staff pages answer partner users
// 404; the store refuses what a role may not do on the rest.
func (s *Server) registerPortalUI(mux *http.ServeMux) {
	mux.HandleFunc("GET /portal/register", s.signedIn(s.page(s.registerPage), registrars.roles...))
	mux.HandleFunc("POST /portal/register", s.signedIn(s.page(s.registerSubmit), registrars.roles...))
	mux.HandleFunc("GET /portal/bulk", s.signedIn(s.bulkPage, registrars.roles...))
	mux.HandleFunc("POST /portal/bulk", s.signedIn(s.bulkSubmit, registrars.roles...))
	mux.HandleFunc("GET /portal/registrations", s.signedIn(s.page(s.myRegistrationsPage)))
	mux.HandleFunc("GET /portal/registrations/{id}", s.signedIn(s.page(s.registrationDetailPage)))
	// The vendor's own address for a registration: the same facts and history, the staff navigation.
	mux.HandleFunc("GET /registrations/{id}", s.signedIn(s.page(s.registrationDetailPage), staff.roles...))
	mux.HandleFunc("POST /portal/registrations/{id}/withdraw", s.signedIn(s.registrationTransition(tandem.EventWithdraw), holders.roles...))
	mux.HandleFunc("POST /portal/registrations/{id}/extend", s.signedIn(s.registrationTransition(tandem.EventExtend), holders.roles...))
	mux.HandleFunc("GET /approvals", s.signedIn(s.page(s.approvalsPage), deciders.roles...))
	mux.HandleFunc("POST /approvals/{id}/approve", s.signedIn(s.approvalDecide(tandem.EventApprove), deciders.roles...))
	mux.HandleFunc("POST /approvals/{id}/reject", s.signedIn(s.approvalDecide(tandem.EventReject), deciders.roles...))
	mux.HandleFunc("GET /conflicts", s.signedIn(s.page(s.conflictsPage), staff.roles...))
	mux.HandleFunc("GET /conflicts/{id}", s.signedIn(s.page(s.conflictPage), staff.roles...))
	mux.HandleFunc("POST /conflicts/{id}/resolve", s.signedIn(s.page(s.conflictResolve), staff.roles...))
	mux.HandleFunc("GET /escalations", s.signedIn(s.page(s.escalationsPage), staff.roles...))
	mux.HandleFunc("GET /review", s.signedIn(s.page(s.reviewPage), staff.roles...))
}
