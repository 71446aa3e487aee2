package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	mail "github.com/wneessen/go-mail"
)

// TLS policies of the SMTP connection.
const (
	TLSStartTLS = "starttls" // STARTTLS required (the default)
	TLSImplicit = "tls"      // TLS from the first byte (SMTPS, usually port 465)
	TLSNone     = "none"     // plain text; only for a local relay or a test sink
)

// SMTPConfig is how to reach the mail server.
type SMTPConfig struct {
	Addr     string // host:port
	Username string // empty: no authentication
	Password string
	From     string // the sender address
	TLS      string // TLSStartTLS (default), TLSImplicit or TLSNone
	// Timeout bounds one connection (default 30 s).
	Timeout time.Duration
}

// Mailer sends plain-text email over SMTP.
type Mailer struct {
	cfg  SMTPConfig
	host string
	port int
}

// NewMailer checks cfg and returns a mailer. It does not connect.
func NewMailer(cfg SMTPConfig) (*Mailer, error) {
	host, portText, err := net.SplitHostPort(cfg.Addr)
	if err != nil || host == "" {
		return nil, fmt.Errorf("smtp address %q: want host:port", cfg.Addr)
	}
	port, err := strconv.Atoi(portText)
	if err != nil || port < 1 || port > 65535 {
		return nil, fmt.Errorf("smtp address %q: bad port", cfg.Addr)
	}
	if cfg.From == "" {
		return nil, errors.New("smtp: a sender address (from) is required")
	}
	switch cfg.TLS {
	case "":
		cfg.TLS = TLSStartTLS
	case TLSStartTLS, TLSImplicit, TLSNone:
	default:
		return nil, fmt.Errorf("smtp tls %q: want starttls, tls or none", cfg.TLS)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	return &Mailer{cfg: cfg, host: host, port: port}, nil
}

// Message is one email.
type Message struct {
	To      string
	Subject string
	Body    string
	// IdempotencyKey goes out as the Message-ID's local part and a Tandem-Idempotency-Key header, so a
	// retried email can be recognised.
	IdempotencyKey string
	Date           time.Time
}

// Send delivers m.
func (m *Mailer) Send(ctx context.Context, msg Message) error {
	e := mail.NewMsg()
	if err := e.From(m.cfg.From); err != nil {
		return fmt.Errorf("email from %q: %w", m.cfg.From, err)
	}
	if err := e.To(msg.To); err != nil {
		return fmt.Errorf("email to %q: %w", msg.To, err)
	}
	e.Subject(msg.Subject)
	e.SetBodyString(mail.TypeTextPlain, msg.Body)
	if !msg.Date.IsZero() {
		e.SetDateWithValue(msg.Date)
	}
	if msg.IdempotencyKey != "" {
		e.SetGenHeader(mail.Header(HeaderIdempotencyKey), msg.IdempotencyKey)
		e.SetMessageIDWithValue(strings.NewReplacer(":", ".", "@", "=").Replace(msg.IdempotencyKey) + "@tandem")
	}
	opts := []mail.Option{mail.WithPort(m.port), mail.WithTimeout(m.cfg.Timeout)}
	switch m.cfg.TLS {
	case TLSImplicit:
		opts = append(opts, mail.WithSSL())
	case TLSNone:
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	default:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	}
	if m.cfg.Username != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover), mail.WithUsername(m.cfg.Username),
			mail.WithPassword(m.cfg.Password))
	}
	c, err := mail.NewClient(m.host, opts...)
	if err != nil {
		return fmt.Errorf("smtp client: %w", err)
	}
	if err := c.DialAndSendWithContext(ctx, e); err != nil {
		return fmt.Errorf("send email to %s via %s: %w", msg.To, m.cfg.Addr, err)
	}
	return nil
}

// WebhookSender POSTs signed JSON to webhooks.
type WebhookSender struct {
	Client *http.Client
}

// NewWebhookSender returns a sender whose requests time out after timeout and never follow redirects
// (a redirect is a failed attempt: the signed body goes only where it was configured to go).
func NewWebhookSender(timeout time.Duration) *WebhookSender {
	return &WebhookSender{Client: &http.Client{Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// Send POSTs body to url with the event, the idempotency key and a signature made with secret at now.
// Only a 2xx response is success.
func (w *WebhookSender) Send(ctx context.Context, url, secret, event, key string, body []byte, now time.Time) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("webhook request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Tandem-Webhooks/1")
	req.Header.Set(HeaderEvent, event)
	req.Header.Set(HeaderIdempotencyKey, key)
	req.Header.Set(HeaderSignature, Sign(secret, body, now))
	res, err := w.Client.Do(req)
	if err != nil {
		return fmt.Errorf("webhook POST: %w", err)
	}
	defer res.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(res.Body, 200))
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return fmt.Errorf("webhook POST: HTTP %d: %s", res.StatusCode, strings.TrimSpace(string(snippet)))
	}
	return nil
}

// Backoff is the retry schedule: after failed attempt n the next is due Base·2^(n-1), capped at Max,
// less a random part of up to half of it (jitter, so that receivers coming back from an outage are not
// hit by every retry at once); after MaxAttempts failed attempts the delivery has failed for good.
type Backoff struct {
	Base        time.Duration
	Max         time.Duration
	MaxAttempts int
}

// DefaultBackoff retries after about 30 s, 1, 2, 4, 8, 16, 32 minutes and then hourly, for 10 attempts
// over about three and a half hours.
func DefaultBackoff() Backoff {
	return Backoff{Base: 30 * time.Second, Max: time.Hour, MaxAttempts: 10}
}

// Delay returns how long to wait after failed attempt n (1 for the first) given r in [0, 1), and false
// when no attempt is left.
func (b Backoff) Delay(attempt int, r float64) (time.Duration, bool) {
	if attempt >= b.MaxAttempts {
		return 0, false
	}
	d := b.Max
	if shift := attempt - 1; shift < 62 {
		if f := float64(b.Base) * math.Pow(2, float64(shift)); f < float64(b.Max) {
			d = time.Duration(f)
		}
	}
	return d - time.Duration(float64(d/2)*r), true
}
