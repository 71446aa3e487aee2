package server

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/enablement"
	"github.com/tandem-revops/tandem/internal/portfolio"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// The spend ledger's page (filters, sortable table, formula-safe CSV; the returns' "spend lines" link
// here) and the curricula page (per role, with what each certifies for; channel staff add curricula).

func (s *Server) registerPortfolioSpendUI(mux *http.ServeMux) {
	mux.HandleFunc("GET /portfolio/spend", s.signedIn(s.page(s.spendPage)))
	mux.HandleFunc("GET /portfolio/spend.csv", s.signedIn(s.page(s.spendCSV)))
	mux.HandleFunc("GET /certifications/curricula", s.signedIn(s.page(s.curriculaPage)))
	mux.HandleFunc("POST /certifications/curricula", s.signedIn(s.page(s.curriculumSubmit), channel.roles...))
}

// spendView is the spend ledger page.
type spendView struct {
	Filter   spendFilterForm
	Lines    []sqlstore.SpendLine
	Total    string // how many lines match, with separators
	Pager    pager
	Sum      tandem.Money
	Currency string
	Partners []tandem.Partner
	Motions  []string
	Kinds    []string
	CSVLink  string
}

// spendFilterForm is the page's filters as typed (and as the returns' drill-down links write them).
type spendFilterForm struct {
	From, To, Month, Motion, Segment, Kind, Partner string
}

// spendFilter reads the page's query: from/to (or one month), motion, segment, kind and partner id.
func spendFilter(q url.Values) (sqlstore.SpendFilter, spendFilterForm, error) {
	form := spendFilterForm{From: q.Get("from"), To: q.Get("to"), Month: q.Get("month"), Motion: q.Get("motion"),
		Segment: q.Get("segment"), Kind: q.Get("kind"), Partner: q.Get("partner")}
	f := sqlstore.SpendFilter{FromMonth: form.From, ToMonth: form.To, Motion: form.Motion, Segment: form.Segment, Kind: form.Kind}
	if form.Month != "" {
		f.FromMonth, f.ToMonth = form.Month, form.Month
	}
	for field, v := range map[string]string{"from": f.FromMonth, "to": f.ToMonth} {
		if v != "" {
			if _, err := portfolio.ParseMonth(v); err != nil {
				return f, form, tandem.FieldError(field, "%q is not a month like 2026-03", v)
			}
		}
	}
	if form.Motion != "" && !slices.Contains(sqlstore.SpendMotions, form.Motion) {
		return f, form, tandem.FieldError("motion", "%q is not a motion (%s)", form.Motion, strings.Join(sqlstore.SpendMotions, ", "))
	}
	if form.Kind != "" && !slices.Contains(sqlstore.SpendKinds, form.Kind) {
		return f, form, tandem.FieldError("kind", "%q is not a spend kind (%s)", form.Kind, strings.Join(sqlstore.SpendKinds, ", "))
	}
	if form.Partner != "" {
		id, err := strconv.ParseInt(form.Partner, 10, 64)
		if err != nil || id <= 0 {
			return f, form, tandem.FieldError("partner", "%q is not a partner id", form.Partner)
		}
		f.PartnerID = id
	}
	return f, form, nil
}

func (s *Server) spendPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	actor := actorFrom(ctx)
	f, form, err := spendFilter(r.URL.Query())
	if err != nil {
		return err
	}
	lines, err := s.store.AllSpend(ctx, actor, f)
	if err != nil {
		return err
	}
	lp := parseList(r)
	if lp.CSV {
		return writeSpendCSV(w, lines)
	}
	partners, _, err := s.store.ListPartners(ctx, actor, sqlstore.PartnerFilter{Limit: sqlstore.MaxLimit})
	if err != nil {
		return err
	}
	v := spendView{Filter: form, Total: count(len(lines)), Currency: "USD", Partners: partners, Motions: sqlstore.SpendMotions,
		Kinds: sqlstore.SpendKinds, CSVLink: "/portfolio/spend.csv?" + r.URL.RawQuery}
	for _, l := range lines {
		v.Sum += l.Amount
	}
	if len(lines) > 0 {
		v.Currency = lines[0].Currency
	}
	// The ledger is read whole for its sum; the page is cut here.
	from := min(lp.Offset(), len(lines))
	v.Lines = lines[from:min(from+lp.Size, len(lines))]
	v.Pager = lp.Pager(len(lines), len(v.Lines))
	s.render(w, r, http.StatusOK, "spend", view{Title: "Spend lines", Nav: "portfolio", Data: v})
	return nil
}

// spendCSV exports the filtered ledger, every line, through csvio (a cell starting with = + - @ is
// quoted so a spreadsheet never runs it).
func (s *Server) spendCSV(w http.ResponseWriter, r *http.Request) error {
	f, _, err := spendFilter(r.URL.Query())
	if err != nil {
		return err
	}
	lines, err := s.store.AllSpend(r.Context(), actorFrom(r.Context()), f)
	if err != nil {
		return err
	}
	return writeSpendCSV(w, lines)
}

// writeSpendCSV writes spend lines as the ledger's CSV.
func writeSpendCSV(w http.ResponseWriter, lines []sqlstore.SpendLine) error {
	return writeCSVDownload(w, "spend-lines.csv", []string{"id", "month", "motion", "segment", "region", "product", "partner", "kind", "amount", "currency", "source", "source_ref", "note"},
		lines, func(l sqlstore.SpendLine) []string {
			return []string{"s" + strconv.FormatInt(l.ID, 10), l.Month, l.Motion, l.Segment, l.Region, l.Product, l.PartnerName, l.Kind,
				l.Amount.String(), l.Currency, l.Source, l.SourceRef, l.Note}
		})
}

// curriculaView is the curricula page: each role's curricula and what they certify for.
type curriculaView struct {
	Roles    []curriculaRole
	CanAdd   bool
	CSRF     string
	Done     string
	AllRoles []string
}

type curriculaRole struct {
	Role      string
	Required  bool // the coverage requirement asks for this role
	Curricula []sqlstore.Curriculum
}

func (s *Server) curriculaPage(w http.ResponseWriter, r *http.Request) error {
	cs, err := s.store.ListCurricula(r.Context())
	if err != nil {
		return err
	}
	actor := actorFrom(r.Context())
	v := curriculaView{CanAdd: !actor.IsPartner() && actor.Can(channel.roles...), CSRF: csrfOf(r), Done: r.URL.Query().Get("done"),
		AllRoles: enablement.CurriculumRoles}
	for _, role := range enablement.CurriculumRoles {
		cr := curriculaRole{Role: role, Required: enablement.RoleRequired(role)}
		for _, c := range cs {
			if c.Role == role {
				cr.Curricula = append(cr.Curricula, c)
			}
		}
		v.Roles = append(v.Roles, cr)
	}
	s.render(w, r, http.StatusOK, "curricula", view{Title: "Curricula", Nav: "certifications", Data: v})
	return nil
}

// curriculumSubmit adds (or replaces) one curriculum from the page's form.
func (s *Server) curriculumSubmit(w http.ResponseWriter, r *http.Request) error {
	list := func(field string) []string {
		out := []string{}
		for _, x := range strings.Split(r.PostFormValue(field), ",") {
			if x = strings.TrimSpace(x); x != "" {
				out = append(out, x)
			}
		}
		return out
	}
	c := sqlstore.Curriculum{ID: strings.TrimSpace(r.PostFormValue("id")), Name: strings.TrimSpace(r.PostFormValue("name")),
		Role: r.PostFormValue("role"), Verticals: list("verticals"), Products: list("products")}
	if err := enablement.CheckCurriculum(c); err != nil {
		return err
	}
	if err := s.store.SaveCurricula(r.Context(), actorFrom(r.Context()), []sqlstore.Curriculum{c}); err != nil {
		return err
	}
	http.Redirect(w, r, "/certifications/curricula?done="+url.QueryEscape(c.ID), http.StatusSeeOther)
	return nil
}
