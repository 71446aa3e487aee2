package server

import (
	"context"
	"net/http"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/notify"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// Webhook subscriptions and the delivery log (RevOps only). A webhook's secret is generated here and
// shown once, in the answer to its creation; receivers check each request's Tandem-Signature with it.

type webhookCreateBody struct {
	URL    string   `json:"url" maxLength:"2048" doc:"where to POST events: an http:// or https:// URL"`
	Events []string `json:"events,omitempty" maxItems:"50" doc:"event kinds to send, e.g. registration.approve, conflict.escalated, registration.* or conflict.*; none: every event"`
}

type webhookCreated struct {
	sqlstore.Webhook
	Secret string `json:"secret" doc:"the signing secret: shown this once, never again"`
}

type deliveryListInput struct {
	Status    string `query:"status" enum:"pending,delivered,failed"`
	Channel   string `query:"channel" enum:"email,webhook"`
	WebhookID int64  `query:"webhook_id" minimum:"0"`
	PageParams
}

func (s *Server) registerWebhookAPI() {
	register(s.api, opGet("list-webhooks", "/webhooks", "List webhooks", "Oldest first; secrets are never listed."),
		valueFor(s, func(ctx context.Context, a tandem.Actor, _ *struct{}) ([]sqlstore.Webhook, error) {
			return s.store.ListWebhooks(ctx, a)
		}))
	register(s.api, created(op(http.MethodPost, "create-webhook", "/webhooks", "Create a webhook",
		"Returns the webhook with its signing secret, which is shown only in this answer.")),
		func(ctx context.Context, in *struct{ Body webhookCreateBody }) (*bodyOutput[webhookCreated], error) {
			w := sqlstore.Webhook{URL: in.Body.URL, Events: in.Body.Events}
			secret := notify.NewSecret()
			if err := s.store.CreateWebhook(ctx, actorFrom(ctx), &w, secret); err != nil {
				return nil, s.problem(ctx, err)
			}
			if w.Events == nil {
				w.Events = []string{}
			}
			return ok(webhookCreated{Webhook: w, Secret: secret}), nil
		})
	del := op(http.MethodDelete, "delete-webhook", "/webhooks/{id}", "Delete a webhook",
		"Nothing more is sent to it; its pending deliveries fail. Its past deliveries stay listed.")
	del.DefaultStatus = http.StatusNoContent
	register(s.api, del,
		func(ctx context.Context, in *IDParam) (*struct{}, error) {
			if err := s.store.DeleteWebhook(ctx, actorFrom(ctx), in.ID); err != nil {
				return nil, s.problem(ctx, err)
			}
			return nil, nil
		})
	register(s.api, opGet("list-deliveries", "/webhooks/deliveries", "List notification deliveries",
		"Emails and webhook calls, newest first, with their status, attempts and last error."),
		pageFor(s, s.store.ListDeliveries, func(in *deliveryListInput) sqlstore.DeliveryFilter {
			return sqlstore.DeliveryFilter{Status: in.Status, Channel: in.Channel, WebhookID: in.WebhookID,
				Limit: in.Limit, Offset: in.Offset}
		}))
}
