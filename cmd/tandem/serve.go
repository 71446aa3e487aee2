package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/tandem-revops/tandem/internal/auth"
	"github.com/tandem-revops/tandem/internal/enablement"
	"github.com/tandem-revops/tandem/internal/escalation"
	"github.com/tandem-revops/tandem/internal/forecasting"
	"github.com/tandem-revops/tandem/internal/notify"
	"github.com/tandem-revops/tandem/internal/policy"
	"github.com/tandem-revops/tandem/internal/prediction"
	"github.com/tandem-revops/tandem/internal/programme"
	"github.com/tandem-revops/tandem/internal/regjobs"
	"github.com/tandem-revops/tandem/internal/server"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// serveConfig is the serve command's configuration. Defaults are set in defaultServeConfig, the
// environment overrides them, flags override the environment.
type serveConfig struct {
	Addr          string // listen address; TANDEM_ADDR; port 0 picks a free port
	DB            string // database URL or SQLite path; TANDEM_DB, else ./tandem.db
	LogFormat     string // text or json; TANDEM_LOG_FORMAT
	LogLevel      string // debug, info, warn, error; TANDEM_LOG_LEVEL
	SecureCookies bool   // mark the session cookie Secure (behind HTTPS); TANDEM_SECURE_COOKIES=1
	// EscalationInterval is how often unresolved conflicts past their level's SLA are escalated;
	// TANDEM_ESCALATION_INTERVAL (a Go duration, default 1m).
	EscalationInterval time.Duration
	// Notify is the notification settings: SMTP (TANDEM_SMTP_*) and how often the dispatcher runs.
	Notify notifyConfig
	// RegistrationInterval is how often registrations are expired and approval-SLA alerts recorded;
	// TANDEM_REGISTRATION_INTERVAL (a Go duration, default 1m).
	RegistrationInterval time.Duration
	// RateLimit is the API budget per token and per partner (requests a minute; 0 turns one off);
	// TANDEM_RATE_TOKEN and TANDEM_RATE_PARTNER.
	RateLimit server.RateLimit
	// TrustedProxies are the reverse proxies whose X-Forwarded-Proto is believed (comma-separated
	// addresses or CIDRs); TANDEM_TRUSTED_PROXIES.
	TrustedProxies string
}

// Default API budgets of tandem serve, in requests a minute: ample for a person or a sync script,
// a brake on a runaway loop. A load test sets them to 0.
const (
	defaultRatePerToken   = 1200
	defaultRatePerPartner = 3000
)

func defaultServeConfig(env *Env) serveConfig {
	c := serveConfig{Addr: "127.0.0.1:8080", DB: "", LogFormat: "text", LogLevel: "info",
		EscalationInterval: escalation.DefaultInterval}
	if v, err := time.ParseDuration(env.Getenv("TANDEM_ESCALATION_INTERVAL")); err == nil && v > 0 {
		c.EscalationInterval = v
	}
	c.RegistrationInterval = regjobs.DefaultInterval
	if v, err := time.ParseDuration(env.Getenv("TANDEM_REGISTRATION_INTERVAL")); err == nil && v > 0 {
		c.RegistrationInterval = v
	}
	if v := env.Getenv("TANDEM_ADDR"); v != "" {
		c.Addr = v
	}
	if v := env.Getenv("TANDEM_DB"); v != "" {
		c.DB = v
	}
	if v := env.Getenv("TANDEM_LOG_FORMAT"); v != "" {
		c.LogFormat = v
	}
	if v := env.Getenv("TANDEM_LOG_LEVEL"); v != "" {
		c.LogLevel = v
	}
	c.SecureCookies = env.Getenv("TANDEM_SECURE_COOKIES") == "1"
	c.Notify = defaultNotifyConfig(env)
	c.RateLimit.PerToken.PerMinute, c.RateLimit.PerPartner.PerMinute = defaultRatePerToken, defaultRatePerPartner
	if v, err := strconv.Atoi(env.Getenv("TANDEM_RATE_TOKEN")); err == nil && v >= 0 {
		c.RateLimit.PerToken.PerMinute = v
	}
	if v, err := strconv.Atoi(env.Getenv("TANDEM_RATE_PARTNER")); err == nil && v >= 0 {
		c.RateLimit.PerPartner.PerMinute = v
	}
	c.TrustedProxies = env.Getenv("TANDEM_TRUSTED_PROXIES")
	return c
}

// parseProxies reads a comma-separated list of addresses or CIDR prefixes.
func parseProxies(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(list, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q: want an address or a CIDR like 10.0.0.0/8", f)
		}
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// runServe opens the database and serves the web UI and the API until SIGINT or SIGTERM.
func runServe(ctx context.Context, env *Env, args []string) error {
	cfg := defaultServeConfig(env)
	fs := newFlagSet(env, "serve", "[-addr HOST:PORT] [-db URL] [-log-format text|json]")
	fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "listen address (env TANDEM_ADDR)")
	fs.StringVar(&cfg.DB, "db", cfg.DB, "database: postgres://… or a SQLite file path (env TANDEM_DB, else tandem.db)")
	fs.StringVar(&cfg.LogFormat, "log-format", cfg.LogFormat, "log format: text or json (env TANDEM_LOG_FORMAT)")
	fs.StringVar(&cfg.LogLevel, "log-level", cfg.LogLevel, "log level: debug, info, warn or error (env TANDEM_LOG_LEVEL)")
	fs.BoolVar(&cfg.SecureCookies, "secure-cookies", cfg.SecureCookies, "mark the session cookie Secure; set when users reach Tandem over HTTPS (env TANDEM_SECURE_COOKIES=1)")
	fs.DurationVar(&cfg.EscalationInterval, "escalation-interval", cfg.EscalationInterval, "how often overdue conflicts are escalated (env TANDEM_ESCALATION_INTERVAL)")
	fs.DurationVar(&cfg.RegistrationInterval, "registration-interval", cfg.RegistrationInterval, "how often registrations are expired and approval-SLA alerts recorded (env TANDEM_REGISTRATION_INTERVAL)")
	fs.IntVar(&cfg.RateLimit.PerToken.PerMinute, "rate-token", cfg.RateLimit.PerToken.PerMinute, "API requests a minute per API token, 0 for no limit (env TANDEM_RATE_TOKEN)")
	fs.IntVar(&cfg.RateLimit.PerPartner.PerMinute, "rate-partner", cfg.RateLimit.PerPartner.PerMinute, "requests a minute per partner, all its users together, 0 for no limit (env TANDEM_RATE_PARTNER)")
	fs.StringVar(&cfg.TrustedProxies, "trusted-proxies", cfg.TrustedProxies, "reverse proxies whose X-Forwarded-Proto is believed, e.g. 127.0.0.1,10.0.0.0/8 (env TANDEM_TRUSTED_PROXIES)")
	cfg.Notify.addFlags(fs)
	if err := parseOnlyFlags(fs, args); err != nil {
		return err
	}
	if v := env.Getenv("TANDEM_ESCALATION_INTERVAL"); v != "" {
		if d, err := time.ParseDuration(v); err != nil || d <= 0 {
			return fmt.Errorf("%w: TANDEM_ESCALATION_INTERVAL %q is not a positive duration like 1m", errUsage, v)
		}
	}
	if cfg.EscalationInterval <= 0 {
		return fmt.Errorf("%w: -escalation-interval must be positive", errUsage)
	}
	if v := env.Getenv("TANDEM_REGISTRATION_INTERVAL"); v != "" {
		if d, err := time.ParseDuration(v); err != nil || d <= 0 {
			return fmt.Errorf("%w: TANDEM_REGISTRATION_INTERVAL %q is not a positive duration like 1m", errUsage, v)
		}
	}
	if cfg.RegistrationInterval <= 0 {
		return fmt.Errorf("%w: -registration-interval must be positive", errUsage)
	}
	if cfg.RateLimit.PerToken.PerMinute < 0 || cfg.RateLimit.PerPartner.PerMinute < 0 {
		return fmt.Errorf("%w: -rate-token and -rate-partner cannot be negative", errUsage)
	}
	proxies, err := parseProxies(cfg.TrustedProxies)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	logger, err := newLogger(env.Stderr, cfg.LogFormat, cfg.LogLevel)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	mailer, err := cfg.Notify.mailer(env, logger)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	st, err := openOrCreateStore(ctx, env, cfg.DB, logger)
	if err != nil {
		return err
	}
	defer st.Close()
	return serve(ctx, st, serveOptions{addr: cfg.Addr, logger: logger, secureCookies: cfg.SecureCookies,
		escalationInterval: cfg.EscalationInterval, mailer: mailer, notifyInterval: cfg.Notify.Interval, registrationInterval: cfg.RegistrationInterval,
		rateLimit: cfg.RateLimit, trustedProxies: proxies},
		func(url string) { logger.Info("serving", "url", url) })
}

func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("log level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch strings.ToLower(format) {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("log format %q: want text or json", format)
}

// serveStore serves an already-open store on addr until ctx ends (the demo command calls it). Port 0
// picks a free port; ready, when not nil, gets the server's URL once it accepts connections. now is the
// clock of the server, its jobs and the store (nil: the real clock). The caller closes the store.
func serveStore(ctx context.Context, env *Env, st *sqlstore.Store, addr string, now func() time.Time, ready func(url string)) error {
	logger := slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if now != nil {
		st.SetClock(now)
	}
	return serve(ctx, st, serveOptions{addr: addr, logger: logger, now: now}, ready)
}

type serveOptions struct {
	addr          string
	logger        *slog.Logger
	secureCookies bool
	hasher        *auth.Hasher // nil: the default argon2id parameters
	now           func() time.Time
	// mailer sends notification email (nil: email off); notifyInterval is how often the dispatcher runs
	// (0: notify.DefaultInterval).
	mailer         *notify.Mailer
	notifyInterval time.Duration
	// escalationInterval is how often the conflict-escalation job runs (0: escalation.DefaultInterval).
	escalationInterval time.Duration
	// registrationInterval is how often the registration job runs (0: regjobs.DefaultInterval).
	registrationInterval time.Duration
	rateLimit            server.RateLimit
	trustedProxies       []netip.Prefix
	// Test hooks: wrap wraps the server's handler; shuttingDown is called when a shutdown begins,
	// before in-flight requests are drained.
	wrap         func(http.Handler) http.Handler
	shuttingDown func()
	// predictionInterval is how often the prediction job scores (0: prediction.DefaultInterval).
	predictionInterval time.Duration
}

// compWarmInterval is how often the server brings its compensation and portfolio caches up to date
// after writes: a few seconds after a change, the reconciliation and the portfolio open computed (a look
// that finds nothing changed reads a handful of indexes).
const compWarmInterval = 5 * time.Second

// serve builds the server on st, makes sure a policy is in force, starts the background jobs, listens
// and serves until ctx ends, then shuts down in order: stop accepting, finish requests in flight (up
// to 10 s), stop the jobs (last started, first stopped), then close the server, which stops import
// jobs and waits for them to record their end.

func serve(ctx context.Context, st *sqlstore.Store, o serveOptions, ready func(url string)) error {
	// One programme in force for the server and the jobs: the policy is parsed and its calendar built
	// once per published version, whoever asks.
	prog := programme.NewLoader(programme.Config{Store: st, Now: o.now, Logger: o.logger})
	srv, err := server.New(server.Config{Store: st, Logger: o.logger, Hasher: o.hasher, Now: o.now, SecureCookies: o.secureCookies,
		Programme: prog, RateLimit: o.rateLimit, TrustedProxies: o.trustedProxies, CompWarmInterval: compWarmInterval})
	if err != nil {
		return err
	}
	defer srv.Close()
	if err := prog.Ensure(ctx); err != nil {
		return err
	}
	// The jobs run while the store is open; deferred after the server's Close, they stop first.
	jobs, err := startJobs(ctx, st, prog, o)
	defer jobs.stop()
	if err != nil {
		return err
	}
	return listenAndServe(ctx, srv, o, ready)
}

// backgroundJob is a job serve runs beside the server until ctx ends.
type backgroundJob interface {
	Start(ctx context.Context)
	Stop()
}

// runningJobs are the jobs started so far, in the order they started.
type runningJobs []backgroundJob

// stop stops the jobs, the last started first: the notification dispatcher, which sends what the
// jobs before it log, stops before them.
func (jobs runningJobs) stop() {
	for i := len(jobs) - 1; i >= 0; i-- {
		jobs[i].Stop()
	}
}

// startJobs starts serve's background jobs. On an error it returns the jobs already started, for the
// caller to stop.
func startJobs(ctx context.Context, st *sqlstore.Store, prog *programme.Loader, o serveOptions) (runningJobs, error) {
	var jobs runningJobs
	start := func(job backgroundJob, err error) error {
		if err != nil {
			return err
		}
		job.Start(ctx)
		jobs = append(jobs, job)
		return nil
	}
	// Overdue conflicts escalate.
	if err := start(escalation.New(escalation.Config{Store: st, Rules: prog.ConflictRules, Interval: o.escalationInterval,
		Now: o.now, Logger: o.logger})); err != nil {
		return jobs, err
	}
	// The notification dispatcher sends what the logs record.
	if err := start(notify.New(notify.Config{Store: st, Mailer: o.mailer, Interval: o.notifyInterval, Now: o.now, Logger: o.logger})); err != nil {
		return jobs, err
	}
	// The registration job: expiry, approval-SLA alerts.
	if err := start(regjobs.New(regjobs.Config{Store: st, Rules: func(ctx context.Context) (regjobs.Rules, error) {
		in, err := prog.Current(ctx)
		if err != nil {
			return regjobs.Rules{}, err
		}
		return regjobs.Rules{Registration: in.Registration, WarnFraction: in.WarnFraction}, nil
	}, Interval: o.registrationInterval, Now: o.now, Logger: o.logger})); err != nil {
		return jobs, err
	}
	// The prediction job scores new registrations and deals within a minute and retrains daily.
	predictSvc := prediction.NewService(st, o.now, o.logger)
	predictSvc.Thresholds = prediction.InForceThresholds(func(ctx context.Context) (*policy.Policy, error) {
		in, err := prog.Current(ctx)
		if err != nil {
			return nil, err
		}
		return in.Policy, nil
	})
	if err := start(prediction.NewJob(predictSvc, o.predictionInterval, 0)); err != nil {
		return jobs, err
	}
	// MDF past its period expires in the background, each move once however many instances run.
	if err := start(enablement.NewExpiryJob(&enablement.Service{Store: st}, 0, o.now, o.logger)); err != nil {
		return jobs, err
	}
	// The weekly forecast snapshot: stored once per week however many instances run it.
	return jobs, start(forecasting.NewSnapshotJob(forecasting.SnapshotConfig{Store: st, Now: o.now, Logger: o.logger}))
}

// listenAndServe serves srv on o.addr until ctx ends, then drains it and shuts the listener down.
func listenAndServe(ctx context.Context, srv *server.Server, o serveOptions, ready func(url string)) error {
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", o.addr, err)
	}
	handler := srv.Handler()
	if o.wrap != nil {
		handler = o.wrap(handler)
	}
	hs := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(o.logger.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	if ready != nil {
		ready("http://" + ln.Addr().String())
	}
	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	// Stop being ready first (a balancer polling /readyz moves on), then stop accepting and drain. The
	// background jobs saw ctx end too and stop on their own; their deferred Stops wait for them.
	o.logger.Info("shutting down")
	srv.Drain()
	if o.shuttingDown != nil {
		o.shuttingDown()
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shut down: %w", err)
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}
