package server

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/comp"
)

//go:embed templates
var templateFS embed.FS

// pages are the UI's templates, each page parsed together with the layout at boot.
type pages struct {
	byName map[string]*template.Template
}

// pageNames lists every page template; a missing or broken one fails the boot.
var pageNames = []string{"signin", "dashboard", "opportunities", "opportunity", "registrations", "guide",
	"policy", "simulation", "import", "import_job", "import_progress", "audit", "error",
	"comp_ae", "comp_partner", "comp_plan", "comp_plan_check", "comp_whatif", "comp_whatif_result", "comp_recon",
	"comp_profit", "comp_periods", "comp_close",
	// the partner portal, the approval queue and the conflict pages
	"register", "bulk", "my_registrations", "registration", "approvals", "conflicts", "conflict", "escalations", "review",
	// the account-match review, the approval-time report and the webhooks admin
	"account_matches", "approval_report", "webhooks", "users",
	// predictions
	"models",

	// the enablement portfolio
	"portfolio", "mdf", "certifications", "spend", "curricula",

	// the joint forecast
	"forecast", "forecast_call", "forecast_backtest",
	// the global search
	"search"}

func parsePages(a *assets) (*pages, error) {
	funcs := template.FuncMap{
		"asset": a.url,
		"money": func(m tandem.Money, currency string) string { return m.Format(currency) },
		// amount is a figure whose currency the column or page header already names.
		"amount": func(m tandem.Money) string { return strings.TrimSuffix(m.Format("X"), " X") },
		"date": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.Format("2006-01-02")
		},
		"datetime": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.UTC().Format("2006-01-02 15:04 UTC")
		},
		"human":              func(s any) string { return strings.ReplaceAll(fmt.Sprint(s), "_", " ") },
		"percent":            func(done, total int64) int64 { return percent(done, total) },
		"lines":              func(s string) []string { return strings.Split(strings.TrimSpace(s), "\n") },
		"role":               func(r tandem.Role) string { return r.Label() },
		"band":               tandem.ACVBandLabel,
		"quarter":            comp.PeriodLabel,
		"dict":               dict,
		"scorePct":           scorePercent,
		"overlapUnderReview": func() string { return tandem.OverlapUnderReview },
		"mulf":               func(x float64) float64 { return 100 * x },
	}
	p := &pages{byName: map[string]*template.Template{}}
	for _, name := range pageNames {
		t := template.New(name).Funcs(funcs)
		files := []string{"templates/layout.html", "templates/partials.html", "templates/" + name + ".html"}
		if _, err := fs.Stat(templateFS, files[2]); err != nil {
			return nil, fmt.Errorf("template %s: %w", name, err)
		}
		if strings.HasPrefix(name, "comp_") { // the compensation pages share a few blocks of their own
			files = append(files, "templates/comp_partials.html")
		}
		if strings.HasPrefix(name, "forecast") { // so do the forecast page and the CRO call view
			files = append(files, "templates/forecast_partials.html")
		}
		t, err := t.ParseFS(templateFS, files...)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", name, err)
		}
		p.byName[name] = t
	}
	return p, nil
}

func percent(done, total int64) int64 {
	if total <= 0 {
		return 0
	}
	return min(100, done*100/total)
}

// view is what every page template gets.
type view struct {
	Title   string
	Nav     string // the navigation entry to highlight
	User    *tandem.User
	Partner bool // a partner user: the portal navigation
	CanEdit bool // may change the policy and import
	Decider bool // approves and rejects deal registrations: the approval queue
	// MatchReview is how many account matches wait for review (staff only): the navigation's badge.
	MatchReview int
	Reporter    bool       // may see the approval-time report
	Menus       []NavGroup // the navigation the user's role sees (nav.go)
	CSRF        string
	Flash       string
	FlashOK     bool
	Data        any
}

// render writes a full page (the layout around the page's content) or, for htmx requests to fragment
// templates, the fragment alone. The page is rendered to a buffer first so that a template error is a
// clean 500, not half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, v view) {
	c := callerFrom(r.Context())
	v.User = c.user
	if c.user != nil {
		v.Partner = c.user.Role == tandem.RolePartnerUser
		v.CanEdit = c.actor().Can(ops.roles...)
		v.Decider = c.actor().Can(deciders.roles...)
		v.Reporter = c.actor().Can(reportViewers.roles...)
		v.MatchReview = s.matchReviewCount(r, c.actor())
		v.Menus = navFor(c.user.Role, v.Nav, map[string]int{"account-matches": v.MatchReview})
	}
	if c.session != nil {
		v.CSRF = c.session.CSRFToken
	}
	t, ok := s.pages.byName[name]
	if !ok {
		s.log.ErrorContext(r.Context(), "no such page", slog.String("page", name))
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	entry := "layout"
	if t.Lookup("layout") == nil || t.Lookup("fragment") != nil {
		entry = "fragment"
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, entry, v); err != nil {
		s.log.ErrorContext(r.Context(), "render page", slog.String("page", name), slog.Any("err", err))
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// fail renders the error page for err.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := s.uiError(r.Context(), err)
	s.render(w, r, status, "error", view{Title: http.StatusText(status), Data: msg})
}

// signedIn wraps a page handler: anonymous visitors go to the sign-in page; a signed-in user whose
// role is not in roles gets 404 (partner users) or 403 (others). No roles means everyone signed in.
func (s *Server) signedIn(h http.HandlerFunc, roles ...tandem.Role) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c := callerFrom(r.Context())
		if !c.signedIn() {
			if r.Header.Get("HX-Request") != "" {
				w.Header().Set("HX-Redirect", "/signin")
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			http.Redirect(w, r, "/signin?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		if len(roles) > 0 && !c.actor().Can(roles...) {
			if c.user.Role == tandem.RolePartnerUser {
				s.fail(w, r, tandem.Errorf(tandem.ENOTFOUND, "page not found"))
				return
			}
			s.fail(w, r, tandem.Errorf(tandem.EFORBIDDEN, "your role (%s) may not see this page", c.user.Role.Label()))
			return
		}
		h(w, r)
	}
}

func (s *Server) registerUI(mux *http.ServeMux) {
	mux.HandleFunc("GET /signin", s.signinPage)
	mux.HandleFunc("POST /signin", s.signinSubmit)
	mux.HandleFunc("POST /signout", s.page(s.signout))
	mux.HandleFunc("POST /signout/everywhere", s.signedIn(s.signoutEverywhere))
	mux.HandleFunc("GET /{$}", s.signedIn(s.page(s.dashboardPage)))
	mux.HandleFunc("GET /opportunities", s.signedIn(s.page(s.opportunitiesPage)))
	mux.HandleFunc("GET /opportunities/{id}", s.signedIn(s.page(s.opportunityPage)))
	mux.HandleFunc("POST /opportunities/{id}/dispute", s.signedIn(s.page(s.opportunityDispute), disputers.roles...))
	mux.HandleFunc("GET /registrations", s.signedIn(s.page(s.registrationsPage)))
	mux.HandleFunc("GET /search", s.signedIn(s.page(s.searchPage)))
	mux.HandleFunc("GET /guide", s.signedIn(s.page(s.guidePage)))
	mux.HandleFunc("GET /policy", s.signedIn(s.page(s.policyPage), staff.roles...))
	mux.HandleFunc("POST /policy/simulate", s.signedIn(s.policySimulate, ops.roles...))
	mux.HandleFunc("POST /policy/publish", s.signedIn(s.page(s.policyPublish), ops.roles...))
	mux.HandleFunc("GET /import", s.signedIn(s.page(s.importPage), ops.roles...))
	mux.HandleFunc("POST /import", s.signedIn(s.page(s.importSubmit), ops.roles...))
	mux.HandleFunc("GET /import/{id}", s.signedIn(s.page(dataPage(s, "import_job", "Import", "import", s.importJob)), ops.roles...))
	mux.HandleFunc("GET /import/{id}/progress", s.signedIn(s.importProgress, ops.roles...))
	mux.HandleFunc("GET /import/{id}/rejects.csv", s.signedIn(s.page(s.importRejects), ops.roles...))
	mux.HandleFunc("GET /audit", s.signedIn(s.page(s.auditPage), staff.roles...))
	mux.HandleFunc("GET /forecast", s.signedIn(s.page(s.forecastPage), staff.roles...))
	mux.HandleFunc("GET /forecast.csv", s.signedIn(s.page(s.forecastCSV), staff.roles...))
	mux.HandleFunc("GET /forecast.pdf", s.signedIn(s.page(s.forecastPDF), staff.roles...))
	mux.HandleFunc("POST /forecast/submit", s.signedIn(s.page(s.forecastSubmit), staff.roles...))
	mux.HandleFunc("GET /forecast/call", s.signedIn(s.page(s.forecastCallPage), staff.roles...))
	mux.HandleFunc("GET /forecast/backtest", s.signedIn(s.page(dataPage(s, "forecast_backtest", "Forecast backtest", "forecast", s.backtest)), staff.roles...))
	mux.HandleFunc("GET /forecast/backtest.md", s.signedIn(s.page(s.forecastBacktestMarkdown), staff.roles...))
	mux.HandleFunc("GET /forecast/backtest.csv", s.signedIn(s.page(s.forecastBacktestCSV), staff.roles...))
	s.registerCompUI(mux)
	s.registerPortalUI(mux)
	s.registerAdminUI(mux)
	s.registerPredictionUI(mux)
	s.registerPortfolioUI(mux)
}

// pathID reads the {id} path value; a malformed one is "not found".
func pathID(r *http.Request, kind string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, tandem.NotFound(kind, r.PathValue("id"))
	}
	return id, nil
}

// loadByPath reads what the request path's {id} names with get, as the caller; a malformed id is
// "not found" like a missing one.
func loadByPath[T any](r *http.Request, kind string, get func(context.Context, tandem.Actor, int64) (T, error)) (T, error) {
	id, err := pathID(r, kind)
	if err != nil {
		var none T
		return none, err
	}
	return get(r.Context(), actorFrom(r.Context()), id)
}

// queryInt reads a non-negative integer query parameter, 0 when absent or malformed.
func queryInt(q url.Values, name string) int {
	n, err := strconv.Atoi(q.Get(name))
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// pageHandler is a UI page that returns its error instead of rendering it; page renders it.
type pageHandler func(w http.ResponseWriter, r *http.Request) error

// page adapts a pageHandler: an error it returns is shown as the error page (see fail), so a handler
// says "return err" where it would otherwise render the error and return by hand.
func (s *Server) page(h pageHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.fail(w, r, err)
		}
	}
}

// dataPage is the handler of a page that only shows what load reads from the request: the template
// name, titled title, with the navigation entry nav highlighted.
func dataPage[T any](s *Server, name, title, nav string, load func(*http.Request) (T, error)) pageHandler {
	return func(w http.ResponseWriter, r *http.Request) error {
		d, err := load(r)
		if err != nil {
			return err
		}
		s.render(w, r, http.StatusOK, name, view{Title: title, Nav: nav, Data: d})
		return nil
	}
}
