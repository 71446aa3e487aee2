// Package notify owns notifications: email over SMTP and signed webhooks about registration and
// conflict events, and the background job that sends them.
//
// The store's append-only logs are the outbox (see sqlstore.EnqueueNotifications): every run the
// Dispatcher turns new events into deliveries, then claims the deliveries that are due and sends each
// once, recording success, or the error and when to try again (Backoff), in the database. The job keeps
// no state of its own, so a restart loses nothing and a second replica sends nothing twice; a delivery
// whose sender died mid-send is tried again when its lease runs out, with the same idempotency key.
//
// Webhook requests carry Tandem-Event, Tandem-Idempotency-Key and Tandem-Signature
// ("t=<unix>,v1=<hex HMAC-SHA256 of "<unix>.<body>">"); receivers check the last with Verify.
package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/tandem-revops/tandem/internal/periodic"

	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// Defaults of a Dispatcher.
const (
	DefaultInterval = 30 * time.Second
	// DefaultLease is how long a claimed delivery is kept from other dispatchers; it must outlast a batch
	// of sends (claimBatch × the send timeout).
	DefaultLease       = 5 * time.Minute
	DefaultSendTimeout = 10 * time.Second
	claimBatch         = 10
)

// Store is what the dispatcher needs from the database.
type Store interface {
	EnqueueNotifications(ctx context.Context, now time.Time, opts sqlstore.EnqueueOptions) (int, error)
	ClaimDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]sqlstore.ClaimedDelivery, error)
	CompleteDelivery(ctx context.Context, id int64, attempt int, now time.Time) (bool, error)
	RetryDelivery(ctx context.Context, id int64, attempt int, errText string, retryAt time.Time) (bool, error)
}

// Config is what a Dispatcher needs. Store is required; without a Mailer no email is enqueued.
type Config struct {
	Store   Store
	Mailer  *Mailer        // nil: email is off
	Webhook *WebhookSender // nil: NewWebhookSender(SendTimeout)
	// Backoff is the retry schedule (default DefaultBackoff()).
	Backoff Backoff
	// Rand returns a number in [0, 1) for the jitter (default math/rand/v2).
	Rand func() float64
	// Interval is how often the job runs (default DefaultInterval).
	Interval    time.Duration
	Lease       time.Duration
	SendTimeout time.Duration
	// Now is the clock (default time.Now).
	Now    func() time.Time
	Logger *slog.Logger
	// AppURL, when set, is linked from emails.
	AppURL string
}

// Dispatcher is the notification job. Start it once; Stop waits for a run in progress to end (see
// periodic.Runner). A failed run is logged and tried again at the next tick.
type Dispatcher struct {
	*periodic.Runner
	cfg Config
}

// New returns a dispatcher that has not started.
func New(cfg Config) (*Dispatcher, error) {
	if cfg.Store == nil {
		return nil, errors.New("notification dispatcher: a store is required")
	}
	if cfg.Backoff.MaxAttempts <= 0 {
		cfg.Backoff = DefaultBackoff()
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Float64
	}
	if cfg.Lease <= 0 {
		cfg.Lease = DefaultLease
	}
	if cfg.SendTimeout <= 0 {
		cfg.SendTimeout = DefaultSendTimeout
	}
	if cfg.Webhook == nil {
		cfg.Webhook = NewWebhookSender(cfg.SendTimeout)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler) // deliver logs each failed send
	}
	d := &Dispatcher{cfg: cfg}
	d.Runner = periodic.NewJob("notification run", periodic.Schedule{Interval: cfg.Interval, Now: cfg.Now, Logger: cfg.Logger},
		DefaultInterval, d.RunOnce, "notifications", func(r Result) []any {
			return []any{slog.Int("enqueued", r.Enqueued), slog.Int("delivered", r.Delivered), slog.Int("retrying", r.Retrying), slog.Int("failed", r.Failed)}
		})
	return d, nil
}

// Result counts what one run did.
type Result struct {
	Enqueued, Delivered, Retrying, Failed int
}

// RunOnce enqueues the events logged since the last run and sends every delivery due at now. A failed
// send is recorded and retried later; only a database failure is returned.
func (d *Dispatcher) RunOnce(ctx context.Context, now time.Time) (Result, error) {
	var res Result
	n, err := d.cfg.Store.EnqueueNotifications(ctx, now, sqlstore.EnqueueOptions{Email: d.cfg.Mailer != nil})
	res.Enqueued = n
	if err != nil {
		return res, fmt.Errorf("notify: %w", err)
	}
	for {
		claimed, err := d.cfg.Store.ClaimDeliveries(ctx, now, d.cfg.Lease, claimBatch)
		if err != nil {
			return res, fmt.Errorf("notify: %w", err)
		}
		if len(claimed) == 0 {
			return res, nil
		}
		for _, c := range claimed {
			if err := d.deliver(ctx, c, now, &res); err != nil {
				return res, err
			}
		}
	}
}

// deliver makes one attempt at c and records its outcome.
func (d *Dispatcher) deliver(ctx context.Context, c sqlstore.ClaimedDelivery, now time.Time, res *Result) error {
	sendCtx, cancel := context.WithTimeout(ctx, d.cfg.SendTimeout)
	sendErr := d.send(sendCtx, c, now)
	cancel()
	if sendErr == nil {
		if _, err := d.cfg.Store.CompleteDelivery(ctx, c.ID, c.Attempts, now); err != nil {
			return fmt.Errorf("notify: %w", err)
		}
		res.Delivered++
		return nil
	}
	var retryAt time.Time
	delay, again := d.cfg.Backoff.Delay(c.Attempts, d.cfg.Rand())
	if again && !errors.Is(sendErr, errPermanent) {
		retryAt = now.Add(delay)
		res.Retrying++
	} else {
		res.Failed++
	}
	d.cfg.Logger.WarnContext(ctx, "notification not delivered", slog.Int64("delivery", c.ID), slog.String("channel", c.Channel),
		slog.String("key", c.IdempotencyKey), slog.Int("attempt", c.Attempts), slog.Time("retry_at", retryAt), slog.Any("err", sendErr))
	if _, err := d.cfg.Store.RetryDelivery(ctx, c.ID, c.Attempts, sendErr.Error(), retryAt); err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	return nil
}

// errPermanent marks a failure that retrying cannot cure.
var errPermanent = errors.New("permanent")

func (d *Dispatcher) send(ctx context.Context, c sqlstore.ClaimedDelivery, now time.Time) error {
	switch c.Channel {
	case sqlstore.ChannelWebhook:
		if c.WebhookURL == "" {
			return fmt.Errorf("webhook %d was deleted or disabled (%w)", c.WebhookID, errPermanent)
		}
		return d.cfg.Webhook.Send(ctx, c.WebhookURL, c.WebhookSecret, c.Event, c.IdempotencyKey, c.Payload, now)
	case sqlstore.ChannelEmail:
		if d.cfg.Mailer == nil {
			return fmt.Errorf("email is not configured (%w)", errPermanent)
		}
		var p sqlstore.NotificationPayload
		if err := json.Unmarshal(c.Payload, &p); err != nil {
			return fmt.Errorf("delivery %d payload: %v (%w)", c.ID, err, errPermanent)
		}
		subject, body := Render(&p, d.cfg.AppURL)
		return d.cfg.Mailer.Send(ctx, Message{To: c.Target, Subject: subject, Body: body, IdempotencyKey: c.IdempotencyKey, Date: now})
	}
	return fmt.Errorf("unknown channel %q (%w)", c.Channel, errPermanent)
}
