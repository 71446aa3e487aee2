package main

import (
	"flag"
	"fmt"
	"log/slog"
	"time"

	"github.com/tandem-revops/tandem/internal/notify"
)

// notifyConfig is the serve command's notification settings. The SMTP password is read from the
// environment only, so that it never shows in a process list.
type notifyConfig struct {
	SMTP notify.SMTPConfig // TANDEM_SMTP_ADDR (host:port; empty: email off), TANDEM_SMTP_USER,
	// TANDEM_SMTP_PASSWORD, TANDEM_SMTP_FROM, TANDEM_SMTP_TLS (starttls, tls or none; default starttls)
	// Interval is how often notifications are enqueued and sent; TANDEM_NOTIFY_INTERVAL (default 30s).
	Interval time.Duration
}

func defaultNotifyConfig(env *Env) notifyConfig {
	c := notifyConfig{Interval: notify.DefaultInterval, SMTP: notify.SMTPConfig{
		Addr: env.Getenv("TANDEM_SMTP_ADDR"), Username: env.Getenv("TANDEM_SMTP_USER"),
		Password: env.Getenv("TANDEM_SMTP_PASSWORD"), From: env.Getenv("TANDEM_SMTP_FROM"), TLS: env.Getenv("TANDEM_SMTP_TLS")}}
	if v, err := time.ParseDuration(env.Getenv("TANDEM_NOTIFY_INTERVAL")); err == nil && v > 0 {
		c.Interval = v
	}
	return c
}

func (c *notifyConfig) addFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.SMTP.Addr, "smtp-addr", c.SMTP.Addr, "SMTP server host:port for notification email; empty turns email off (env TANDEM_SMTP_ADDR)")
	fs.StringVar(&c.SMTP.Username, "smtp-user", c.SMTP.Username, "SMTP user name; the password comes from env TANDEM_SMTP_PASSWORD (env TANDEM_SMTP_USER)")
	fs.StringVar(&c.SMTP.From, "smtp-from", c.SMTP.From, "sender address of notification email (env TANDEM_SMTP_FROM)")
	fs.StringVar(&c.SMTP.TLS, "smtp-tls", c.SMTP.TLS, "SMTP TLS: starttls (default), tls or none (env TANDEM_SMTP_TLS)")
	fs.DurationVar(&c.Interval, "notify-interval", c.Interval, "how often notifications are enqueued and sent (env TANDEM_NOTIFY_INTERVAL)")
}

// mailer checks the settings and returns the mailer, or nil with email off (said once in the log).
func (c *notifyConfig) mailer(env *Env, logger *slog.Logger) (*notify.Mailer, error) {
	if v := env.Getenv("TANDEM_NOTIFY_INTERVAL"); v != "" {
		if d, err := time.ParseDuration(v); err != nil || d <= 0 {
			return nil, fmt.Errorf("TANDEM_NOTIFY_INTERVAL %q is not a positive duration like 30s", v)
		}
	}
	if c.Interval <= 0 {
		return nil, fmt.Errorf("-notify-interval must be positive")
	}
	if c.SMTP.Addr == "" {
		logger.Info("email notifications are off: no SMTP server (set TANDEM_SMTP_ADDR); webhooks still work")
		return nil, nil
	}
	m, err := notify.NewMailer(c.SMTP)
	if err != nil {
		return nil, err
	}
	logger.Info("email notifications on", "smtp", c.SMTP.Addr, "from", c.SMTP.From, "tls", c.SMTP.TLS)
	return m, nil
}
