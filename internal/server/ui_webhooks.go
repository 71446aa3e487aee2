package server

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/tandem-revops/tandem/internal/notify"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// The webhooks admin page (RevOps): the subscriptions, a form to add one — its signing secret is shown
// once, on the page that answers the form, with how to verify a request — deleting one (after a
// confirmation), and the recent deliveries with their status, attempts and last error.

type webhookForm struct {
	URL, Events string
	Error       string     // a refusal that names no field
	Errors      formErrors // problems next to their fields
}

type webhooksData struct {
	Hooks           []sqlstore.Webhook
	Form            webhookForm
	Created         *sqlstore.Webhook // just created: its secret is shown this once
	Secret          string
	SignatureHeader string
	Deliveries      []sqlstore.Delivery
	DeliveryTotal   int
	DeliveryText    string // the total with separators
	Status          string // the deliveries' status filter
	Statuses        []string
	Channel         string // the deliveries' channel filter
	Channels        []string
	Pager           pager
}

func (s *Server) webhooksPage(w http.ResponseWriter, r *http.Request) error {
	var flash string
	if id, err := strconv.ParseInt(r.URL.Query().Get("deleted"), 10, 64); err == nil && id > 0 {
		flash = fmt.Sprintf("Webhook #%d deleted: nothing more is sent to it.", id)
	}
	return s.renderWebhooks(w, r, http.StatusOK, webhooksData{}, flash, flash != "")
}

func (s *Server) renderWebhooks(w http.ResponseWriter, r *http.Request, status int, d webhooksData, flash string, flashOK bool) error {
	ctx := r.Context()
	actor := actorFrom(ctx)
	hooks, err := s.store.ListWebhooks(ctx, actor)
	if err != nil {
		return err
	}
	d.Hooks, d.SignatureHeader = hooks, notify.HeaderSignature
	d.Statuses = []string{sqlstore.DeliveryPending, sqlstore.DeliveryDelivered, sqlstore.DeliveryFailed}
	if st := r.URL.Query().Get("status"); st == sqlstore.DeliveryPending || st == sqlstore.DeliveryDelivered || st == sqlstore.DeliveryFailed {
		d.Status = st
	}
	d.Channels = []string{"email", "webhook"}
	if ch := r.URL.Query().Get("channel"); slices.Contains(d.Channels, ch) {
		d.Channel = ch
	}
	lp := parseList(r)
	lp.Path = "/webhooks" // also rendered after a form POST
	lp.Filters.Del("deleted")
	d.Deliveries, d.DeliveryTotal, err = listRows(lp, func(limit, offset int) ([]sqlstore.Delivery, int, error) {
		return s.store.ListDeliveries(ctx, actor, sqlstore.DeliveryFilter{Status: d.Status, Channel: d.Channel, Limit: limit, Offset: offset})
	})
	if err != nil {
		return err
	}
	if lp.CSV {
		return writeRowsCSV(w, "deliveries", s.now(), []string{"id", "created_at", "event", "channel", "to", "status", "attempts",
			"next_attempt_at", "delivered_at", "last_error"}, d.Deliveries, d.DeliveryTotal, func(dl sqlstore.Delivery) []string {
			return []string{strconv.FormatInt(dl.ID, 10), dateTimeText(dl.CreatedAt), dl.Event, dl.Channel, dl.Target,
				dl.Status, strconv.Itoa(dl.Attempts), dateTimeText(dl.NextAttemptAt), dateTimeText(dl.DeliveredAt), dl.LastError}
		})
	}
	d.DeliveryText, d.Pager = count(d.DeliveryTotal), lp.Pager(d.DeliveryTotal, len(d.Deliveries))
	s.render(w, r, status, "webhooks", view{Title: "Webhooks", Nav: "webhooks", Flash: flash, FlashOK: flashOK, Data: d})
	return nil
}

// webhookCreate adds a webhook and shows its secret, once. A refused form comes back with its values
// and the reason.
func (s *Server) webhookCreate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	form := webhookForm{URL: strings.TrimSpace(r.PostFormValue("url")), Events: strings.TrimSpace(r.PostFormValue("events"))}
	hook := sqlstore.Webhook{URL: form.URL, Events: splitEvents(form.Events)}
	form.Errors = newFormErrors()
	if form.Errors.addErr(nil, hook.FieldErrors()...); len(form.Errors) > 0 {
		return s.renderWebhooks(w, r, http.StatusUnprocessableEntity, webhooksData{Form: form},
			"Not added: please correct the fields marked below.", false)
	}
	secret := notify.NewSecret()
	if err := s.store.CreateWebhook(ctx, actorFrom(ctx), &hook, secret); err != nil {
		status, msg := s.uiError(ctx, err)
		if len(form.Errors.addErr(nil, err)) > 0 {
			form.Error = msg
		}
		return s.renderWebhooks(w, r, status, webhooksData{Form: form}, msg, false)
	}
	return s.renderWebhooks(w, r, http.StatusCreated, webhooksData{Created: &hook, Secret: secret},
		"Webhook added. Copy its secret now: it is not shown again.", true)
}

// splitEvents reads the event filter as typed: kinds separated by commas, spaces or new lines.
func splitEvents(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' })
}

func (s *Server) webhookDelete(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, err := pathID(r, "webhook")
	if err == nil {
		err = s.store.DeleteWebhook(ctx, actorFrom(ctx), id)
	}
	if err != nil {
		status, msg := s.uiError(ctx, err)
		return s.renderWebhooks(w, r, status, webhooksData{}, msg, false)
	}
	http.Redirect(w, r, "/webhooks?deleted="+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

// registerAdminUI registers the account-match review, the approval-time report and the webhooks pages.
func (s *Server) registerAdminUI(mux *http.ServeMux) {
	mux.HandleFunc("GET /account-matches", s.signedIn(s.page(s.matchesPage), staff.roles...))
	mux.HandleFunc("GET /account-matches/{id}/search", s.signedIn(s.page(s.matchSearch), staff.roles...))
	mux.HandleFunc("POST /account-matches/{id}/resolve", s.signedIn(s.page(s.matchResolve), deciders.roles...))
	mux.HandleFunc("GET /approvals/report", s.signedIn(s.page(s.approvalReportPage), reportViewers.roles...))
	mux.HandleFunc("GET /webhooks", s.signedIn(s.page(s.webhooksPage), ops.roles...))
	mux.HandleFunc("POST /webhooks", s.signedIn(s.page(s.webhookCreate), ops.roles...))
	mux.HandleFunc("POST /webhooks/{id}/delete", s.signedIn(s.page(s.webhookDelete), ops.roles...))
	mux.HandleFunc("GET /users", s.signedIn(s.page(s.usersPage), admins.roles...))
	mux.HandleFunc("POST /users/{id}/revoke-access", s.signedIn(s.page(s.userRevokeAccess), admins.roles...))
}
