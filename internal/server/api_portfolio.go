package server

import (
	"context"
	"io"
	"math/big"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/enablement"
	"github.com/tandem-revops/tandem/internal/mdf"
	"github.com/tandem-revops/tandem/internal/portfolio"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// The enablement portfolio (issue 12): the spend ledger, MDF funds and requests with their moves,
// certifications, and returns with the budget recommendation. The workflows live in
// internal/enablement; these handlers only translate. A partner user sees only its own partner's
// spend, funds, requests and certificates (the store scopes every query); AEs read; channel staff
// approve and pay.

func (s *Server) enablement() *enablement.Service {
	return &enablement.Service{Store: s.store, Cache: s.portfolio}
}

type spendListInput struct {
	PageParams
	From    string `query:"from" doc:"first month, YYYY-MM"`
	To      string `query:"to" doc:"last month, YYYY-MM, inclusive"`
	Motion  string `query:"motion" enum:"partner_sourced,co_sell,resell,direct,"`
	Segment string `query:"segment"`
	Kind    string `query:"kind" enum:"training,certification,content,spiff,event,mdf,"`
}

type spendCreateInput struct {
	Body struct {
		Lines []sqlstore.SpendLine `json:"lines" minItems:"1" maxItems:"1000" doc:"lines to add, all or none; id, source and created_at are set by the server"`
	}
}

type countBody struct {
	Stored int `json:"stored" doc:"how many lines were new (a line imported before is not stored twice)"`
}

type csvForm struct {
	File huma.FormFile `form:"file" contentType:"text/csv,text/plain,application/octet-stream,application/vnd.ms-excel" required:"true"`
}

type returnsInput struct {
	From     string `query:"from" doc:"first month, YYYY-MM (default: 24 months ending this month)"`
	To       string `query:"to" doc:"last month, YYYY-MM"`
	By       string `query:"by" enum:"month,quarter" default:"quarter"`
	Segments bool   `query:"segments" doc:"one row per motion and segment (default: per motion)"`
}

type returnsBody struct {
	From   string                   `json:"from"`
	To     string                   `json:"to"`
	Rows   []enablement.ReturnsLine `json:"rows"`
	Totals []enablement.ReturnsLine `json:"totals" doc:"each motion over the whole window"`
}

type recommendInput struct {
	From   string   `query:"from" doc:"first month of history, YYYY-MM (default: 24 months ending this month)"`
	To     string   `query:"to" doc:"last month of history; the split is for the month after"`
	Budget int64    `query:"budget" minimum:"0" doc:"next month's total in minor units (default: last month's total)"`
	MaxCut string   `query:"max_cut" doc:"largest cut of a motion in one month, e.g. 20% (default 20%)"`
	Min    []string `query:"min" doc:"a motion's minimum as MOTION=AMOUNT in minor units; repeat for several"`
}

type mdfFundInput struct {
	Body struct {
		PartnerID int64        `json:"partner_id" minimum:"1"`
		Period    string       `json:"period" minLength:"1" doc:"e.g. 2026-H1"`
		Budget    tandem.Money `json:"budget" minimum:"0" doc:"minor units"`
		Currency  string       `json:"currency" minLength:"3" maxLength:"3"`
		OpensOn   string       `json:"opens_on" doc:"YYYY-MM-DD"`
		ExpiresOn string       `json:"expires_on" doc:"YYYY-MM-DD, after opens_on; open requests expire then"`
	}
}

type mdfRequestsInput struct {
	FundID int64  `query:"fund_id" minimum:"0"`
	State  string `query:"state" doc:"one state, or several separated by commas (the approval queue is state=requested,claimed)"`
}

type mdfMoveInput struct {
	IDParam
	Body enablement.Move
}

type mdfSourcedInput struct {
	From string `query:"from" doc:"requests made on or after this day, YYYY-MM-DD"`
	To   string `query:"to" doc:"requests made before this day, YYYY-MM-DD"`
}

type certReportInput struct {
	At string `query:"at" doc:"the day coverage is measured, YYYY-MM-DD (default today)"`
}

type curriculaInput struct {
	Body struct {
		Curricula []sqlstore.Curriculum `json:"curricula" minItems:"1" maxItems:"200"`
	}
}

// registerPortfolioAPI registers the enablement portfolio API: the spend ledger and its returns, MDF
// funds and requests, and certifications.
func (s *Server) registerPortfolioAPI() {
	s.registerSpendAPI()
	s.registerMDFAPI()
	s.registerCertificationAPI()
}

// registerSpendAPI: the spend ledger (listed, added, imported, SPIFFs synced), its returns and next
// month's recommended split.
func (s *Server) registerSpendAPI() {
	register(s.api, opGet("list-spend", "/portfolio/spend", "The enablement spend ledger",
		"Spend lines by month; a partner user sees only lines booked to its partner."),
		pageFor(s, s.store.ListSpend, func(in *spendListInput) sqlstore.SpendFilter {
			return sqlstore.SpendFilter{FromMonth: in.From, ToMonth: in.To, Motion: in.Motion, Segment: in.Segment, Kind: in.Kind,
				Limit: in.Limit, Offset: in.Offset}
		}))
	register(s.api, created(op(http.MethodPost, "create-spend", "/portfolio/spend", "Add spend lines", "All lines or none.")),
		valueFor(s, func(ctx context.Context, a tandem.Actor, in *spendCreateInput) (countBody, error) {
			for i := range in.Body.Lines {
				in.Body.Lines[i].Source, in.Body.Lines[i].SourceRef = "api", ""
			}
			n, err := s.store.AddSpendLines(ctx, a, in.Body.Lines)
			return countBody{Stored: n}, err
		}))
	imp := op(http.MethodPost, "import-spend", "/portfolio/spend/import", "Import a spend CSV",
		"Columns month (YYYY-MM), motion, kind, amount (decimal), currency; optional segment, region, product, partner "+
			"(external id or name), note. Every row or none: a bad row refuses the file (422 naming line, column and reason).")
	register(s.api, s.uploadOp(imp), s.importCSV((*enablement.Service).ImportSpend))
	register(s.api, op(http.MethodPost, "sync-spend-spiffs", "/portfolio/spend/spiffs", "Bring paid SPIFFs into the ledger",
		"Reads the SPIFF lines of every closed compensation period and stores each once as spend (kind spiff)."),
		valueFor(s, func(ctx context.Context, a tandem.Actor, _ *struct{}) (countBody, error) {
			n, err := s.enablement().SyncSPIFFs(ctx, a)
			return countBody{Stored: n}, err
		}))
	register(s.api, opGet("get-portfolio-returns", "/portfolio/returns", "Returns and ROMI by motion and segment",
		"Spend, attributable gross margin (the comp engine's gross profit of won deals), deals, wins, new customers, ROMI "+
			"and CAC per period, motion (and segment), each with the spend lines and deals behind it."),
		func(ctx context.Context, in *returnsInput) (*bodyOutput[returnsBody], error) {
			l, err := s.readLedger(ctx, in.From, in.To)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			by := portfolio.ByQuarter
			if in.By == "month" {
				by = portfolio.ByMonth
			}
			return ok(returnsBody{From: l.Window.From.String(), To: l.Window.To.String(),
				Rows: enablement.Lines(l.Returns(by, in.Segments)), Totals: enablement.Lines(l.Totals())}), nil
		})
	register(s.api, opGet("get-portfolio-recommendation", "/portfolio/recommendation", "Next month's budget split",
		"Fits a diminishing-returns curve per motion to the ledger's monthly history and recommends the split that "+
			"maximises expected gross margin within the budget, the max cut and the minimums, with P10–P90 and an explanation."),
		func(ctx context.Context, in *recommendInput) (*bodyOutput[enablement.RecommendationView], error) {
			opt, err := recommendOptions(in)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			l, err := s.readLedger(ctx, in.From, in.To)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			rec, err := l.Recommend(opt)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			return ok(enablement.View(rec)), nil
		})
}

// registerMDFAPI: MDF funds, requests and their moves and log, and the pipeline MDF sourced.
func (s *Server) registerMDFAPI() {
	register(s.api, opGet("list-mdf-funds", "/mdf/funds", "MDF funds",
		"Each partner's budget per period with its money by state; a partner user sees its own funds only."),
		listFor(s, func(ctx context.Context, a tandem.Actor, _ *struct{}) ([]enablement.FundView, error) {
			return s.enablement().Funds(ctx, a)
		}))
	register(s.api, created(op(http.MethodPost, "create-mdf-fund", "/mdf/funds", "Set a partner's MDF budget for a period", "")),
		answerFor(s, func(ctx context.Context, a tandem.Actor, in *mdfFundInput) (*sqlstore.MDFFund, error) {
			opens, err1 := time.Parse(time.DateOnly, in.Body.OpensOn)
			expires, err2 := time.Parse(time.DateOnly, in.Body.ExpiresOn)
			if err1 != nil || err2 != nil {
				return nil, tandem.FieldError("opens_on", "opens_on and expires_on are dates like 2026-01-01")
			}
			f := sqlstore.MDFFund{PartnerID: in.Body.PartnerID, Period: in.Body.Period, Budget: in.Body.Budget, Currency: in.Body.Currency,
				OpensOn: opens, ExpiresOn: expires}
			return &f, s.store.CreateMDFFund(ctx, a, &f)
		}))
	register(s.api, opGet("list-mdf-requests", "/mdf/requests", "MDF requests",
		"Oldest first, the approval queue's order; a partner user sees its own requests only."),
		listFor(s, func(ctx context.Context, a tandem.Actor, in *mdfRequestsInput) ([]sqlstore.MDFRequest, error) {
			f := sqlstore.MDFRequestFilter{FundID: in.FundID}
			if in.State != "" {
				for _, st := range strings.Split(in.State, ",") {
					if !isMDFState(st) {
						return nil, tandem.FieldError("state", "%q is not an MDF state", st)
					}
					f.States = append(f.States, st)
				}
			}
			return s.store.ListMDFRequests(ctx, a, f)
		}))
	move := op(http.MethodPost, "create-mdf-move", "/mdf/funds/{id}/moves", "Make a move on an MDF request",
		"request (new), approve, reject (with a reason), complete_activity, submit_proof, claim, pay, expire. Partner users "+
			"request, record the activity, submit proof and claim on their own funds; channel managers approve, reject and pay. "+
			"An illegal move is refused (409 or 422) and changes nothing.")
	register(s.api, move, valueFor(s, func(ctx context.Context, a tandem.Actor, in *mdfMoveInput) (sqlstore.MDFChange, error) {
		return s.enablement().MoveMDF(ctx, a, in.ID, in.Body)
	}))
	register(s.api, opGet("list-mdf-request-events", "/mdf/requests/{id}/events", "An MDF request's log",
		"Every move: who, when, from, to, amount and reason."),
		valueFor(s, func(ctx context.Context, a tandem.Actor, in *IDParam) ([]sqlstore.MDFEvent, error) {
			evs, err := s.store.MDFRequestEvents(ctx, a, in.ID)
			if err == nil && len(evs) == 0 {
				err = tandem.NotFound("MDF request", in.ID)
			}
			return evs, err
		}))

	register(s.api, opGet("get-mdf-sourced", "/mdf/sourced", "MDF-sourced pipeline and wins",
		"The opportunities each MDF request's leads became — a lead id equal to an opportunity's external id, or to an "+
			"account's external id or name for that account's deals opened on or after the request — with the pipeline (ACV "+
			"of every linked deal) and won ACV, per request and per motion. A partner user sees its own requests and its own deals."),
		answerFor(s, func(ctx context.Context, a tandem.Actor, in *mdfSourcedInput) (*enablement.SourcedReport, error) {
			from, err := dayOr("from", in.From, "2026-01-01", time.Time{})
			if err != nil {
				return nil, err
			}
			to, err := dayOr("to", in.To, "2026-01-01", time.Time{})
			if err != nil {
				return nil, err
			}
			return s.enablement().MDFSourced(ctx, a, from, to)
		}))
}

// registerCertificationAPI: people's certifications, LMS imports, curricula and the coverage report.
func (s *Server) registerCertificationAPI() {
	register(s.api, opGet("list-certifications", "/certifications", "People's certifications",
		"A partner user sees its own partner's people only."),
		listFor(s, func(ctx context.Context, a tandem.Actor, _ *struct{}) ([]sqlstore.Certification, error) {
			return s.store.ListCertifications(ctx, a, 0)
		}))
	lms := op(http.MethodPost, "import-certifications", "/certifications/import", "Import an LMS CSV",
		"Columns person, curriculum, earned (YYYY-MM-DD); optional partner (external id or name) and expires. All or none.")
	register(s.api, s.uploadOp(lms), s.importCSV((*enablement.Service).ImportLMS))
	register(s.api, opGet("list-curricula", "/certifications/curricula", "Curricula", "Per role, with the verticals and products each certifies for."),
		listFor(s, func(ctx context.Context, _ tandem.Actor, _ *struct{}) ([]sqlstore.Curriculum, error) {
			return s.store.ListCurricula(ctx)
		}))
	register(s.api, op(http.MethodPut, "save-curricula", "/certifications/curricula", "Add or replace curricula", ""),
		valueFor(s, func(ctx context.Context, a tandem.Actor, in *curriculaInput) (countBody, error) {
			return countBody{Stored: len(in.Body.Curricula)}, s.store.SaveCurricula(ctx, a, in.Body.Curricula)
		}))
	register(s.api, opGet("get-certification-report", "/certifications/report", "Coverage, gaps and the certified-versus-uncertified comparison",
		"Each partner's coverage matrix and gaps (a partner user: its own); for staff who see every deal, win rate and cycle "+
			"time of certified versus uncertified partners with confidence intervals."),
		answerFor(s, func(ctx context.Context, a tandem.Actor, in *certReportInput) (*enablement.CertificationReport, error) {
			at, err := dayOr("at", in.At, "2026-07-01", s.now().UTC())
			if err != nil {
				return nil, err
			}
			return s.enablement().Certifications(ctx, a, at)
		}))
}

// uploadOp is op taking a file up to the configured upload size and answering 201 Created.
func (s *Server) uploadOp(op huma.Operation) huma.Operation {
	op.MaxBodyBytes = s.cfg.MaxUpload
	return created(op)
}

// importCSV is the handler of an operation that stores the rows of one uploaded CSV file with an
// enablement import (all rows or none) and answers how many it stored.
func (s *Server) importCSV(store func(svc *enablement.Service, ctx context.Context, actor tandem.Actor, file string, src io.Reader) (int, error)) func(
	context.Context, *struct {
		RawBody huma.MultipartFormFiles[csvForm]
	}) (*bodyOutput[countBody], error) {
	return valueFor(s, func(ctx context.Context, a tandem.Actor, in *struct {
		RawBody huma.MultipartFormFiles[csvForm]
	}) (countBody, error) {
		f := in.RawBody.Data()
		n, err := store(s.enablement(), ctx, a, f.File.Filename, f.File)
		return countBody{Stored: n}, err
	})
}

// recommendOptions reads the recommendation's budget, maximum cut (a percentage) and minimums per motion.
func recommendOptions(in *recommendInput) (enablement.RecommendOptions, error) {
	opt := enablement.RecommendOptions{Budget: tandem.Money(in.Budget), Minimums: map[string]tandem.Money{}}
	if in.MaxCut != "" {
		r, ok := new(big.Rat).SetString(strings.TrimSuffix(strings.TrimSpace(in.MaxCut), "%"))
		if !ok || r.Sign() < 0 || r.Cmp(big.NewRat(100, 1)) > 0 {
			return opt, tandem.FieldError("max_cut", "%q is not between 0%% and 100%%", in.MaxCut)
		}
		opt.MaxCut = r.Quo(r, big.NewRat(100, 1))
	}
	for _, m := range in.Min {
		motion, amount, found := strings.Cut(m, "=")
		v, ok := new(big.Int).SetString(strings.TrimSpace(amount), 10)
		if !found || !ok || !v.IsInt64() || v.Sign() < 0 {
			return opt, tandem.FieldError("min", "%q is not MOTION=AMOUNT (minor units)", m)
		}
		opt.Minimums[strings.TrimSpace(motion)] = tandem.Money(v.Int64())
	}
	return opt, nil
}

func isMDFState(s string) bool {
	for _, st := range mdf.States {
		if string(st) == s {
			return true
		}
	}
	return false
}

// readLedger reads the portfolio ledger for a window given as optional YYYY-MM bounds.
func (s *Server) readLedger(ctx context.Context, from, to string) (*enablement.Ledger, error) {
	w, err := enablement.ParseWindow(from, to, s.now().UTC())
	if err != nil {
		return nil, err
	}
	return s.enablement().ReadLedger(ctx, actorFrom(ctx), w)
}
