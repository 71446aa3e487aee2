// Package server is Tandem's HTTP face: the REST JSON API under /api/v1 (huma on the standard
// ServeMux, OpenAPI 3.1 at /api/v1/openapi.json, RFC 9457 problem errors), the server-rendered web UI
// (html/template and embedded, content-hashed assets), authentication (browser sessions, CSRF
// protection, bearer API tokens), per-route role permissions, /healthz and Prometheus /metrics.
//
// Partner isolation is the store's job: every store call takes the request's tandem.Actor and the store
// restricts its queries to a partner user's own partner. The server only ever passes the actor through;
// it never widens it. Routes closed to partner users answer them 404, as if the route did not exist, so
// the partner portal reveals nothing of the vendor's side.
//
// The server routes every created or updated opportunity with the active published policy. It caches
// the parsed policy and re-reads the active version id at most once per Config.PolicyTTL (default two
// seconds), so when several instances share one PostgreSQL database, a version published on one is in
// force on the others within that time; the instance that publishes switches at once.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/auth"
	"github.com/tandem-revops/tandem/internal/compensation"
	"github.com/tandem-revops/tandem/internal/enablement"
	"github.com/tandem-revops/tandem/internal/forecast"
	"github.com/tandem-revops/tandem/internal/forecasting"
	"github.com/tandem-revops/tandem/internal/match"
	"github.com/tandem-revops/tandem/internal/periodic"
	"github.com/tandem-revops/tandem/internal/programme"
	"github.com/tandem-revops/tandem/internal/registration"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// Config is what a Server needs. Store is required; every other field has a default.
type Config struct {
	Store  *sqlstore.Store
	Logger *slog.Logger
	// Hasher hashes and verifies passwords (default: argon2id with auth.DefaultParams).
	Hasher *auth.Hasher
	// Now is the clock (default time.Now).
	Now func() time.Time
	// SecureCookies marks the session cookie Secure; set it when the server is reached over HTTPS.
	SecureCookies bool
	// SessionTTL is how long a browser session lasts (default 12 hours).
	SessionTTL time.Duration
	// PolicyTTL is how long the active policy is trusted before the store is asked again (default 2s).
	PolicyTTL time.Duration
	// CompWarmInterval is how often the compensation and portfolio caches are brought up to date in the
	// background after writes, so the reconciliation's and the portfolio's first views find them computed
	// (compensation.Cache.Warm, enablement.Service.Warm);
	// 0 (tests) warms nothing.
	CompWarmInterval time.Duration
	// Programme is the programme in force, shared with the background jobs (default: one of the
	// server's own over Store, trusted for PolicyTTL).
	Programme *programme.Loader
	// SignInFailures failed sign-ins per email and IP within SignInWindow lock further tries out
	// until the window ends (defaults 10 and 15 minutes).
	SignInFailures int
	SignInWindow   time.Duration
	// MaxUpload is the largest CSV import accepted, in bytes (default 512 MiB).
	MaxUpload int64
	// TrustedOrigins are extra origins allowed to make cross-origin state-changing requests.
	TrustedOrigins []string
	// TrustedProxies are the addresses of reverse proxies whose X-Forwarded-Proto is believed (for
	// HSTS); a request from anywhere else is HTTPS only when it arrived over TLS itself.
	TrustedProxies []netip.Prefix
	// RateLimit limits API requests per token and per partner (zero: no limit); see ratelimit.go.
	RateLimit RateLimit
}

// Server serves the API and the UI. Build it with New; it is safe for concurrent use.
type Server struct {
	store      *sqlstore.Store
	log        *slog.Logger
	hasher     *auth.Hasher
	now        func() time.Time
	cfg        Config
	limiter    *auth.Limiter
	metrics    *metrics
	assets     *assets
	pages      *pages
	api        huma.API
	handler    http.Handler
	programme  *programme.Loader
	imports    sync.WaitGroup // background import jobs
	importCtx  context.Context
	stopImport context.CancelFunc
	accounts   *match.Live      // the account matcher registrations are resolved with on submit
	compWarm   *periodic.Runner // nil: the comp cache is computed by the views alone
	// registrations files registrations: account resolution, then the store's lifecycle.
	registrations *registration.Submitter
	draining      atomic.Bool // a graceful shutdown has begun (health.go)
	// portfolio keeps the enablement portfolio's deal-history figures per data version.
	portfolio *enablement.Cache

	forecasts *forecasting.Cache // the forecast's books, refreshed from the store's changes
	// comp keeps open periods' whole results and gross profit per comp data version.
	comp *compensation.Cache
}

// APIPrefix is where the REST API lives.
const APIPrefix = "/api/v1"

// New builds a Server: it parses the templates, hashes the assets and registers every route, so a
// broken template or a route conflict fails here, at boot.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil {
		return nil, errors.New("server: no store")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Hasher == nil {
		cfg.Hasher = auth.NewHasher()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.SessionTTL == 0 {
		cfg.SessionTTL = 12 * time.Hour
	}
	if cfg.PolicyTTL == 0 {
		cfg.PolicyTTL = 2 * time.Second
	}
	if cfg.SignInFailures == 0 {
		cfg.SignInFailures = 10
	}
	if cfg.SignInWindow == 0 {
		cfg.SignInWindow = 15 * time.Minute
	}
	if cfg.MaxUpload == 0 {
		cfg.MaxUpload = 512 << 20
	}
	s := &Server{
		store:   cfg.Store,
		log:     cfg.Logger,
		hasher:  cfg.Hasher,
		now:     cfg.Now,
		cfg:     cfg,
		limiter: auth.NewLimiter(cfg.SignInFailures, cfg.SignInWindow, cfg.Now),
		metrics: newMetrics(),
	}
	s.portfolio = enablement.NewCache()
	s.forecasts = forecasting.NewCache(cfg.Store, 0)
	s.comp = compensation.NewCache(cfg.Store.CompDataVersion)
	s.programme = cfg.Programme
	if s.programme == nil {
		s.programme = programme.NewLoader(programme.Config{Store: cfg.Store, TTL: cfg.PolicyTTL, Now: cfg.Now, Logger: cfg.Logger})
	}
	// One account index per server process, loaded in the background and kept current (see match.Live);
	// each submitted registration's company is resolved with it before the store files it.
	s.accounts = match.NewLive(cfg.Store.AccountSource(), match.LiveConfig{Logger: cfg.Logger, Now: cfg.Now})
	s.registrations = registration.NewSubmitter(cfg.Store, s.accounts, cfg.Logger)
	s.importCtx, s.stopImport = context.WithCancel(context.Background())
	s.accounts.Start(s.importCtx)
	if cfg.CompWarmInterval > 0 {
		s.compWarm = periodic.New(cfg.CompWarmInterval, s.warmCaches)
		s.compWarm.Start(s.importCtx)
	}
	var err error
	if s.assets, err = loadAssets(); err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	if s.pages, err = parsePages(s.assets); err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}

	mux := http.NewServeMux()
	config := huma.DefaultConfig("Tandem API", "1.0.0")
	config.Info.Description = "Tandem's REST API: accounts, partners, opportunities routed by the rules of " +
		"engagement, deal registrations, partner touches, the policy and its versions, imports and the audit log. " +
		"Authenticate with `Authorization: Bearer tdm_...` (see `tandem token create`)."
	config.OpenAPIPath = "/openapi"
	config.DocsPath = "" // the docs page loads scripts from a CDN, which the CSP forbids
	config.SchemasPath = "/schemas"
	config.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"bearer": {Type: "http", Scheme: "bearer", Description: "an API token from `tandem token create`"},
		"cookie": {Type: "apiKey", In: "cookie", Name: sessionCookie, Description: "a browser session"},
	}
	config.Security = []map[string][]string{{"bearer": {}}, {"cookie": {}}}
	s.api = humago.NewWithPrefix(mux, APIPrefix, config)
	s.api.UseMiddleware(s.authorize)
	s.registerAPI()

	mux.Handle("GET /assets/", s.assets)
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /metrics", s.metrics.handler())
	s.registerUI(mux)

	cop := http.NewCrossOriginProtection()
	for _, o := range cfg.TrustedOrigins {
		if err := cop.AddTrustedOrigin(o); err != nil {
			return nil, fmt.Errorf("server: trusted origin: %w", err)
		}
	}
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "cross-origin request refused", http.StatusForbidden)
	}))
	var h http.Handler = recordPattern(mux)
	h = s.rateLimited(h)
	h = s.authenticate(h)
	h = cop.Handler(h)
	h = s.securityHeaders(h)
	h = s.accessLog(h)
	h = s.metrics.instrument(h, s.now)
	s.handler = h
	return s, nil
}

// Handler returns the server's root handler.
func (s *Server) Handler() http.Handler { return s.handler }

// API returns the huma API, whose OpenAPI document lists every API route.
func (s *Server) API() huma.API { return s.api }

// Close cancels running import jobs and waits for them to record their end.
func (s *Server) Close() error {
	s.stopImport()
	s.imports.Wait()
	s.accounts.Stop()
	if s.compWarm != nil {
		s.compWarm.Stop()
	}
	return nil
}

// warmCaches brings the compensation, portfolio and forecast caches up to date with the data, in that
// order (the portfolio's gross profit reads the comp engine's results the first warms), so the first
// view after a write finds its figures computed.
func (s *Server) warmCaches(ctx context.Context) {
	s.warmComp(ctx)
	if err := s.enablement().Warm(ctx, s.now()); err != nil && ctx.Err() == nil {
		s.log.ErrorContext(ctx, "warming the portfolio cache failed", slog.Any("err", err))
	}
	if err := s.warmForecast(ctx); err != nil && ctx.Err() == nil {
		s.log.ErrorContext(ctx, "warming the forecast cache failed", slog.Any("err", err))
	}
}

// warmForecast brings the staff's forecast book up to date and computes what the forecast page opens
// on — this quarter as of today, the week's movement and the review — which the book keeps; with nothing changed it
// reads the store's mark and finds both kept. Partner users' books (one per partner) warm on first view.
func (s *Server) warmForecast(ctx context.Context) error {
	q, asOf, err := s.resolveForecast(forecastParams{})
	if err != nil {
		return err
	}
	book, err := s.forecasts.Book(ctx, tandem.SystemActor)
	if err != nil {
		return err
	}
	if _, err := book.Movements(q, asOf-7, asOf); err != nil {
		return err
	}
	f, err := book.Forecast(q, asOf, forecast.Options{})
	if err != nil {
		return err
	}
	// The review below the chart (roll-ups, deals at risk, commit accuracy over past quarters) is
	// computed as the system, whose view holds every deal; the book keeps the quarters' deal lists it
	// reads, which every viewer's review shares.
	system := context.WithValue(ctx, callerKey{}, &caller{user: &tandem.User{Email: tandem.SystemActor.Email, Role: tandem.SystemActor.Role}})
	_, err = s.review(system, book, f, submitForm{})
	return err
}

// warmComp brings the compensation cache up to date with the data (see Config.CompWarmInterval).
func (s *Server) warmComp(ctx context.Context) {
	if err := s.comp.Warm(ctx, s.store, s.now()); err != nil && ctx.Err() == nil {
		s.log.ErrorContext(ctx, "warming the compensation cache failed", slog.Any("err", err))
	}
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		s.log.ErrorContext(ctx, "health check failed", slog.Any("err", err))
		http.Error(w, "database unavailable", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

func (s *Server) accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := s.now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		s.log.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.Int("status", sw.status), slog.Duration("duration", s.now().Sub(start)))
	})
}
