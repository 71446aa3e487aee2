package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/comp"
	"github.com/tandem-revops/tandem/internal/compensation"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// Compensation: the plan and its versions, periods (open ones calculated live, closed ones frozen),
// statements (each caller sees only the statements the store's scope allows: AEs their own, managers
// their team's, partner users their partner's, revops and executives all), exports as CSV and PDF,
// quotas, payout import and reconciliation, what-if runs of a draft plan, gross profit, and attribution
// (recompute, dispute). Money is always integer minor units of the plan currency.

type compPlanInput struct {
	At string `query:"at" maxLength:"200" doc:"the day the plan is in force, YYYY-MM-DD (UTC); default today"`
}

type compPlanView struct {
	// Version is the stored version in force, absent when the built-in default plan applies.
	Version       *sqlstore.CompPlanVersion `json:"version,omitempty" doc:"the stored version in force; absent when the built-in default plan applies"`
	Name          string                    `json:"name"`
	PlanVersion   string                    `json:"plan_version"`
	EffectiveFrom time.Time                 `json:"effective_from"`
	Currency      string                    `json:"currency"`
	Source        string                    `json:"source" doc:"the plan YAML"`
	DocumentHTML  string                    `json:"document_html" doc:"the plan as the document AEs and partners read, HTML"`
	DocumentMD    string                    `json:"document_markdown" doc:"the same document as Markdown"`
	Findings      []compFinding             `json:"findings" doc:"lint results"`
}

// compFinding and compProblem are comp's lint findings and parse problems under names of their own in
// the OpenAPI document (package policy has a Finding and a Problem too).
type compFinding struct {
	Severity string `json:"severity" enum:"error,warning"`
	Line     int    `json:"line,omitempty"`
	Column   int    `json:"column,omitempty"`
	Field    string `json:"field,omitempty"`
	Message  string `json:"message"`
}

type compProblem struct {
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

func compFindings(fs []comp.Finding) []compFinding {
	out := make([]compFinding, 0, len(fs))
	for _, f := range fs {
		out = append(out, compFinding{Severity: string(f.Severity), Line: f.Line, Column: f.Column, Field: f.Field, Message: f.Message})
	}
	return out
}

type compSourceInput struct {
	Source string `json:"source" minLength:"1" doc:"the compensation plan YAML"`
}

type compCheckResult struct {
	OK       bool          `json:"ok" doc:"true when the plan parses and has no error findings"`
	Problems []compProblem `json:"problems" doc:"why the plan does not parse: line, column, field, reason"`
	Findings []compFinding `json:"findings" doc:"lint results of a plan that parses"`
}

// CompPeriodParam is the period in a compensation path.
type CompPeriodParam struct {
	Period string `path:"period" pattern:"^[0-9]{4}-[qQ][1-4]$" doc:"a quarter such as 2026-Q3"`
}

// CompStatementParams name one statement: period, payee kind and payee id.
type CompStatementParams struct {
	CompPeriodParam
	Kind comp.PayeeKind `path:"kind" enum:"ae,partner" doc:"ae or partner"`
	ID   int64          `path:"id" minimum:"1" doc:"the AE's user id or the partner's id"`
}

type compExportInput struct {
	CompStatementParams
	Format string `query:"format" enum:"csv,pdf" default:"csv" doc:"csv (money as plain numbers, safe against formula injection) or pdf"`
	Accept string `header:"Accept" doc:"a browser's text/html gets an HTML error page rather than problem JSON"`
}

type quotasInput struct {
	Quotas []sqlstore.CompQuota `json:"quotas" minItems:"1" maxItems:"5000" doc:"each AE's quota for one period; all are set or none"`
}

type quotaListInput struct {
	Period string `query:"period" maxLength:"200" required:"true" doc:"a quarter such as 2026-Q3"`
}

type payoutForm struct {
	File huma.FormFile `form:"file" contentType:"text/csv,text/plain,application/octet-stream,application/vnd.ms-excel" required:"true" doc:"columns period, payee_kind (ae or partner), payee (AE email; partner external id or name), amount, reference"`
}

type whatIfInput struct {
	Source string `json:"source" minLength:"1" doc:"the draft plan YAML"`
	From   string `json:"from" maxLength:"254" doc:"first quarter, e.g. 2025-Q1"`
	To     string `json:"to" maxLength:"254" doc:"last quarter, inclusive, e.g. 2025-Q4 (at most eight quarters)"`
}

type grossProfitInput struct {
	CompPeriodParam
	By string `query:"by" enum:"deal,rep,territory,partner,motion" default:"deal" doc:"per deal, or rolled up"`
}

type disputeInput struct {
	Reason string `json:"reason" maxLength:"4000" minLength:"1" doc:"why the attribution is wrong"`
}

type recomputeInput struct {
	OpportunityIDs []int64 `json:"opportunity_ids,omitempty" doc:"the opportunities to derive again; every opportunity when empty"`
}

// registerCompAPI registers the compensation API: the plan, the periods and their statements, quotas,
// payouts and their reconciliation, what-ifs and gross profit, and the attribution behind the pay.
func (s *Server) registerCompAPI() {
	s.registerCompPlanAPI()
	s.registerCompPeriodAPI()
	s.registerCompPayoutAPI()
	s.registerAttributionAPI()
}

// registerCompPlanAPI: the plan in force, its versions, drafts, publishing and checking.
func (s *Server) registerCompPlanAPI() {
	register(s.api, opGet("get-comp-plan", "/comp/plan", "The compensation plan in force",
		"The version in force on the day (default today) with its source, the plan document rendered for AEs and "+
			"partners, and the lint findings."),
		answerFor(s, func(ctx context.Context, _ tandem.Actor, in *compPlanInput) (*compPlanView, error) {
			at, err := dayOr("at", in.At, "2026-07-01", s.now().UTC())
			if err != nil {
				return nil, err
			}
			return s.compPlanView(ctx, at)
		}))
	register(s.api, opGet("list-comp-plan-versions", "/comp/plan/versions", "List compensation plan versions", "Newest first."),
		valueFor(s, func(ctx context.Context, a tandem.Actor, _ *struct{}) ([]sqlstore.CompPlanVersion, error) {
			return s.store.ListCompPlanVersions(ctx, a)
		}))
	register(s.api, created(op(http.MethodPost, "create-comp-plan-draft", "/comp/plan/versions", "Save a draft compensation plan",
		"The YAML must parse (422 naming line, column, field and reason); name, version and effective date come from it.")),
		answerFor(s, func(ctx context.Context, a tandem.Actor, in *struct{ Body compSourceInput }) (*sqlstore.CompPlanVersion, error) {
			return compensation.CreateCompPlanDraft(ctx, s.store, a, in.Body.Source)
		}))
	register(s.api, op(http.MethodPost, "publish-comp-plan-version", "/comp/plan/versions/{id}/publish",
		"Publish a draft compensation plan", "It is in force from its effective date; the version published before is superseded "+
			"(and stays in force for the periods before). A plan with error findings is refused (422); anything but a draft is 409."),
		answerFor(s, func(ctx context.Context, a tandem.Actor, in *IDParam) (*sqlstore.CompPlanVersion, error) {
			return compensation.PublishCompPlanVersion(ctx, s.store, a, in.ID)
		}))
	register(s.api, op(http.MethodPost, "check-comp-plan", "/comp/plan/check", "Check a compensation plan",
		"Parses and lints the YAML without saving it: parse problems, or lint findings (gaps and overlaps in SPIFF bands, "+
			"accelerators not ascending, rates out of range, …)."),
		func(ctx context.Context, in *struct{ Body compSourceInput }) (*bodyOutput[compCheckResult], error) {
			out := compCheckResult{Problems: []compProblem{}}
			p, err := comp.Parse("plan.yaml", []byte(in.Body.Source))
			var perr *comp.Error
			if errors.As(err, &perr) {
				for _, pr := range perr.Problems {
					out.Problems = append(out.Problems, compProblem(pr))
				}
				out.Findings = []compFinding{}
				return ok(out), nil
			}
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			out.Findings = compFindings(comp.Check(p))
			out.OK = true
			for _, f := range out.Findings {
				out.OK = out.OK && f.Severity != string(comp.SeverityError)
			}
			return ok(out), nil
		})
}

// registerCompPeriodAPI: the periods, closing one, and the statements with their export.
func (s *Server) registerCompPeriodAPI() {
	register(s.api, opGet("list-comp-periods", "/comp/periods", "List compensation periods",
		"Newest first: every closed quarter and every quarter from the first deal won to now. adjustments_land marks the "+
			"open period that pays the adjustments and clawbacks of closed periods."),
		valueFor(s, func(ctx context.Context, a tandem.Actor, _ *struct{}) ([]sqlstore.CompPeriod, error) {
			return s.store.ListCompPeriods(ctx, a)
		}))
	register(s.api, opGet("get-comp-period", "/comp/periods/{period}", "Get a compensation period",
		"Open, or closed with its plan version and the SHA-256 of its frozen result."),
		answerFor(s, func(ctx context.Context, a tandem.Actor, in *CompPeriodParam) (*sqlstore.CompPeriod, error) {
			return s.store.GetCompPeriod(ctx, a, in.Period)
		}))
	register(s.api, op(http.MethodPost, "close-comp-period", "/comp/periods/{period}/close", "Close a compensation period",
		"Freezes its input, adjustments, plan version and result (with SHA-256). Periods close in order, after they end; "+
			"a closed period never changes: closing it again is 409."),
		answerFor(s, func(ctx context.Context, a tandem.Actor, in *CompPeriodParam) (*sqlstore.CompPeriod, error) {
			return compensation.ClosePeriod(ctx, s.store, a, in.Period)
		}))
	register(s.api, opGet("list-comp-statements", "/comp/periods/{period}/statements", "List a period's statements",
		"The statements the caller may see: an AE their own, a manager their team's, a partner manager the partners they "+
			"manage, a partner user its partner's, revops and executives all (with gross profit per deal in profit)."),
		answerFor(s, func(ctx context.Context, a tandem.Actor, in *CompPeriodParam) (*comp.Result, error) {
			return compensation.ListCompStatements(ctx, s.store, a, in.Period)
		}))
	register(s.api, opGet("get-comp-statement", "/comp/periods/{period}/statements/{kind}/{id}", "Get one statement",
		"Every line with its deal, rule, plan version and explanation; the total equals the sum of the lines. 404 when the "+
			"caller may not see it."),
		answerFor(s, func(ctx context.Context, a tandem.Actor, in *CompStatementParams) (*comp.Statement, error) {
			return compensation.PayeeStatement(ctx, s.store, a, in.Period, in.Kind, in.ID)
		}))
	exp := opGet("export-comp-statement", "/comp/periods/{period}/statements/{kind}/{id}/export", "Export one statement",
		"CSV (one row per line and a total row; money as plain numbers; text cells safe against formula injection) or, "+
			"with format=pdf, a PDF holding every line and the total.")
	exp.Responses = map[string]*huma.Response{"200": {Description: "the statement", Content: map[string]*huma.MediaType{
		"text/csv": {}, "application/pdf": {}}}}
	register(s.api, exp, s.exportStatement)
}

// registerCompPayoutAPI: quotas, payouts made and their reconciliation, what-ifs and gross profit.
func (s *Server) registerCompPayoutAPI() {
	register(s.api, opGet("list-comp-quotas", "/comp/quotas", "List quotas of a period",
		"The quotas of the AEs whose statements the caller may see. AEs without one are paid against the plan's default quota."),
		valueFor(s, func(ctx context.Context, a tandem.Actor, in *quotaListInput) ([]sqlstore.CompQuota, error) {
			return s.store.ListCompQuotas(ctx, a, in.Period)
		}))
	register(s.api, op(http.MethodPut, "upsert-comp-quotas", "/comp/quotas", "Set quotas",
		"Each AE's quota for a period, in minor units; all or none. A closed period's quotas are frozen (409)."),
		func(ctx context.Context, in *struct{ Body quotasInput }) (*bodyOutput[[]sqlstore.CompQuota], error) {
			if err := s.store.UpsertCompQuotas(ctx, actorFrom(ctx), in.Body.Quotas); err != nil {
				return nil, s.problem(ctx, err)
			}
			return ok(in.Body.Quotas), nil
		})
	payouts := op(http.MethodPost, "create-comp-payouts", "/comp/payouts", "Import payouts made",
		"A CSV file (multipart field file) of the payouts actually made; every row or none: a bad row refuses the file "+
			"(422 naming line, column and reason), a payment imported before is 409.")
	register(s.api, s.uploadOp(payouts), answerFor(s, func(ctx context.Context, a tandem.Actor, in *struct {
		RawBody huma.MultipartFormFiles[payoutForm]
	}) (*sqlstore.PayoutImport, error) {
		f := in.RawBody.Data()
		return compensation.ImportPayouts(ctx, s.store, a, f.File.Filename, f.File)
	}))
	register(s.api, opGet("get-comp-reconciliation", "/comp/periods/{period}/reconciliation", "Reconcile payouts",
		"The period's statements against the payouts imported for it: every difference (underpaid, overpaid, paid but not "+
			"owed, owed but not paid) with expected, paid and the difference."),
		answerFor(s, func(ctx context.Context, a tandem.Actor, in *CompPeriodParam) (*compensation.Reconciliation, error) {
			return s.comp.Reconcile(ctx, s.store, a, in.Period)
		}))
	register(s.api, op(http.MethodPost, "create-comp-whatif", "/comp/whatif", "What-if: a draft plan on past deals",
		"Pays the closed-won deals of the quarters from..to under the plan in force then (a closed quarter: its frozen "+
			"input and plan) and under the draft, and reports the change in AE pay, partner margin and cost of sale per "+
			"person and in total. Nothing is saved."),
		answerFor(s, func(ctx context.Context, a tandem.Actor, in *struct{ Body whatIfInput }) (*compensation.WhatIfReport, error) {
			return compensation.WhatIf(ctx, s.store, a, in.Body.Source, in.Body.From, in.Body.To)
		}))
	register(s.api, opGet("get-gross-profit", "/comp/periods/{period}/gross-profit", "Gross profit",
		"ACV − discount − partner margin − SPIFFs − MDF share − cost of goods, per deal or rolled up per rep, territory, "+
			"partner or motion, with the period's total."),
		answerFor(s, func(ctx context.Context, a tandem.Actor, in *grossProfitInput) (*compensation.GrossProfitReport, error) {
			return s.comp.GrossProfit(ctx, s.store, a, in.Period, in.By)
		}))
}

// registerAttributionAPI: disputing a deal's attribution and deriving it again.
func (s *Server) registerAttributionAPI() {
	register(s.api, op(http.MethodPost, "dispute-attribution", "/opportunities/{id}/attribution/dispute", "Dispute an attribution",
		"Opens a channel conflict (cause attribution) about the deal, which goes up the escalation path. The deal's AE, a "+
			"partner manager or the deal's partner may dispute; 409 when it is already under dispute.", "opportunities"),
		answerFor(s, func(ctx context.Context, a tandem.Actor, in *struct {
			IDParam
			Body disputeInput
		}) (*tandem.Conflict, error) {
			rules, err := s.ConflictRules(ctx)
			if err != nil {
				return nil, err
			}
			return s.store.DisputeAttribution(ctx, a, rules, in.ID, in.Body.Reason)
		}))
	register(s.api, op(http.MethodPost, "recompute-attribution", "/comp/attribution/recompute", "Recompute attribution",
		"Derives the attribution of the given opportunities (all when none are given) with the rules of the plan in force "+
			"and stores each one that changed, audited."),
		answerFor(s, func(ctx context.Context, a tandem.Actor, in *struct{ Body recomputeInput }) (*sqlstore.AttributionRun, error) {
			return compensation.RecomputeAttribution(ctx, s.store, a, nil, in.Body.OpportunityIDs)
		}))
}

// exportStatement streams one statement as CSV or, with format=pdf, as PDF.
func (s *Server) exportStatement(ctx context.Context, in *compExportInput) (*huma.StreamResponse, error) {
	st, err := s.payeeStatementOrEmpty(ctx, in.Period, in.Kind, in.ID)
	if err != nil {
		// The export is linked from the pages: a browser following the link gets an error page.
		if strings.Contains(in.Accept, "text/html") {
			return &huma.StreamResponse{Body: func(hctx huma.Context) {
				r, w := humago.Unwrap(hctx)
				s.fail(w, r, err)
			}}, nil
		}
		return nil, s.problem(ctx, err)
	}
	name := fmt.Sprintf("statement-%s-%s-%d", st.Period, st.PayeeKind, st.PayeeID)
	contentType, ext := "text/csv; charset=utf-8", ".csv"
	write := func(w io.Writer) error { return comp.WriteStatementCSV(w, *st) }
	if in.Format == "pdf" {
		contentType, ext = "application/pdf", ".pdf"
		write = func(w io.Writer) error { return writeStatementPDF(w, st) }
	}
	return &huma.StreamResponse{Body: func(hctx huma.Context) {
		hctx.SetHeader("Content-Type", contentType)
		hctx.SetHeader("Content-Disposition", `attachment; filename="`+name+ext+`"`)
		hctx.SetStatus(http.StatusOK)
		if err := write(hctx.BodyWriter()); err != nil {
			s.log.ErrorContext(ctx, "export statement", slog.String("statement", name), slog.Any("err", err))
		}
	}}, nil
}

// compPlanView returns the plan in force at at, rendered.
func (s *Server) compPlanView(ctx context.Context, at time.Time) (*compPlanView, error) {
	plan, v, err := compensation.CompPlanAt(ctx, s.store, at)
	if err != nil {
		return nil, err
	}
	html, err := comp.RenderHTML(plan)
	if err != nil {
		return nil, fmt.Errorf("render the compensation plan: %w", err)
	}
	md, err := comp.RenderMarkdown(plan)
	if err != nil {
		return nil, fmt.Errorf("render the compensation plan: %w", err)
	}
	findings := compFindings(comp.Check(plan))
	return &compPlanView{Version: v, Name: plan.Name(), PlanVersion: plan.Version(), EffectiveFrom: plan.EffectiveFrom(),
		Currency: plan.Currency(), Source: string(plan.Source()), DocumentHTML: string(html), DocumentMD: string(md),
		Findings: findings}, nil
}

// payeeStatementOrEmpty is a payee's statement of period; a payee the caller may see that earned
// nothing in the period has an empty statement (downloaded as such), not a 404.
func (s *Server) payeeStatementOrEmpty(ctx context.Context, period string, kind comp.PayeeKind, id int64) (*comp.Statement, error) {
	actor := actorFrom(ctx)
	st, err := compensation.PayeeStatement(ctx, s.store, actor, period, kind, id)
	if tandem.ErrorCode(err) != tandem.ENOTFOUND {
		return st, err
	}
	p, perr := comp.ParsePeriod(period)
	if perr != nil {
		return nil, err
	}
	payees, perr := s.store.CompPayees(ctx, actor, kind)
	if perr != nil {
		return nil, fmt.Errorf("statement of %s %d: %w", kind, id, perr)
	}
	i := slices.IndexFunc(payees, func(p sqlstore.CompPayee) bool { return p.ID == id })
	if i < 0 {
		return nil, err
	}
	return &comp.Statement{Period: p.ID, PayeeKind: kind, PayeeID: id, Name: payees[i].Name, Lines: []comp.Line{}}, nil
}
