package server

import (
	"context"
	"net/http"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/forecast"
	"github.com/tandem-revops/tandem/internal/forecasting"
)

// The joint forecast's API (issue 9). Every number is computed from the opportunities the caller may
// see (the store's visibility rules): a partner user's forecast is its own partner's pipeline only.
// Amounts are minor units.

type forecastParams struct {
	Quarter string `query:"quarter" doc:"YYYYQn; default: the quarter holding as_of"`
	AsOf    string `query:"as_of" doc:"YYYY-MM-DD; default: today"`
}

// resolve returns the quarter and day the parameters name.
func (s *Server) resolveForecast(p forecastParams) (forecast.Quarter, forecast.Day, error) {
	asOf := forecast.DayOf(s.now())
	if p.AsOf != "" {
		d, err := forecast.ParseDay(p.AsOf)
		if err != nil {
			return forecast.Quarter{}, 0, tandem.FieldError("as_of", "%q is not a date (YYYY-MM-DD)", p.AsOf)
		}
		asOf = d
	}
	q := forecast.QuarterOf(asOf)
	if p.Quarter != "" {
		var err error
		if q, err = forecast.ParseQuarter(p.Quarter); err != nil {
			return forecast.Quarter{}, 0, tandem.FieldError("quarter", "%q is not a quarter (YYYYQn)", p.Quarter)
		}
	}
	return q, asOf, nil
}

// ForecastLine is one row of the forecast: a category (or total) with won to date, the owners'
// cumulative roll-up and the statistical band.
type ForecastLine struct {
	Category  string       `json:"category" enum:"direct,partner_sourced,partner_led,partner_influenced,total"`
	WonToDate tandem.Money `json:"won_to_date"`
	Commit    tandem.Money `json:"commit" doc:"won to date plus open deals the owners call commit"`
	BestCase  tandem.Money `json:"best_case" doc:"commit plus best-case deals"`
	Pipeline  tandem.Money `json:"pipeline" doc:"best case plus pipeline deals"`
	P10       tandem.Money `json:"p10"`
	P50       tandem.Money `json:"p50"`
	P90       tandem.Money `json:"p90"`
}

// ForecastBody is a quarter's forecast as of a day.
type ForecastBody struct {
	Quarter string         `json:"quarter"`
	AsOf    string         `json:"as_of"`
	Seed    uint64         `json:"seed" doc:"the Monte Carlo seed; the same seed and data give the same bands"`
	Lines   []ForecastLine `json:"lines"`
}

func forecastBody(f *forecasting.Forecast) ForecastBody {
	b := ForecastBody{Quarter: f.Quarter.String(), AsOf: f.AsOf.String(), Seed: f.Seed}
	for _, l := range f.Lines {
		b.Lines = append(b.Lines, ForecastLine{Category: l.Category, WonToDate: l.WonToDate, Commit: l.Commit, BestCase: l.BestCase,
			Pipeline: l.Pipeline, P10: l.P10, P50: l.P50, P90: l.P90})
	}
	return b
}

// forecastFor runs the forecast the parameters name for the request's caller.
func (s *Server) forecastFor(ctx context.Context, p forecastParams) (*forecasting.Forecast, error) {
	q, asOf, err := s.resolveForecast(p)
	if err != nil {
		return nil, err
	}
	book, err := s.forecasts.Book(ctx, actorFrom(ctx))
	if err != nil {
		return nil, err
	}
	return book.Forecast(q, asOf, forecast.Options{})
}

type forecastDealsInput struct {
	Quarter  string `query:"quarter" doc:"YYYYQn; default: the quarter holding as_of"`
	AsOf     string `query:"as_of" doc:"YYYY-MM-DD; default: today"`
	Category string `query:"category" enum:"direct,partner_sourced,partner_led,partner_influenced,total" default:"total"`
	Number   string `query:"number" enum:"won_to_date,commit,best_case,pipeline" default:"pipeline" doc:"which number's deals"`
}

// dealsBehind returns the deals behind one number of a forecast (the roll-up is cumulative).
func dealsBehind(f *forecasting.Forecast, category, number string) []forecasting.DealRef {
	counts := map[string][]tandem.ForecastCategory{
		"won_to_date": {tandem.ForecastClosed},
		"commit":      {tandem.ForecastClosed, tandem.ForecastCommit},
		"best_case":   {tandem.ForecastClosed, tandem.ForecastCommit, tandem.ForecastBestCase},
		"pipeline":    {tandem.ForecastClosed, tandem.ForecastCommit, tandem.ForecastBestCase, tandem.ForecastPipeline},
	}[number]
	out := []forecasting.DealRef{}
	for _, d := range f.Deals {
		if category != forecast.Total && d.Category != category {
			continue
		}
		bucket := d.Forecast
		if d.Stage == tandem.StageClosedWon {
			bucket = tandem.ForecastClosed
		}
		for _, c := range counts {
			if bucket == c {
				out = append(out, d)
				break
			}
		}
	}
	return out
}

type forecastMovementInput struct {
	Quarter string `query:"quarter" doc:"YYYYQn; default: the quarter holding to"`
	From    string `query:"from" doc:"YYYY-MM-DD; default: 7 days before to"`
	To      string `query:"to" doc:"YYYY-MM-DD; default: today"`
}

// MovementBody is the week-over-week waterfall of a quarter's open pipeline, per category then total.
type MovementBody struct {
	Quarter   string         `json:"quarter"`
	From      string         `json:"from"`
	To        string         `json:"to"`
	Movements []MovementLine `json:"movements"`
}

// MovementLine is one category's waterfall: end = start + added + pulled_in − pushed_out − won − lost −
// removed + amount_changed (minor units), with the number of deals in each step.
type MovementLine struct {
	Category       string       `json:"category"`
	Start          tandem.Money `json:"start"`
	Added          tandem.Money `json:"added"`
	PulledIn       tandem.Money `json:"pulled_in"`
	PushedOut      tandem.Money `json:"pushed_out"`
	Won            tandem.Money `json:"won"`
	Lost           tandem.Money `json:"lost"`
	Removed        tandem.Money `json:"removed"`
	AmountChanged  tandem.Money `json:"amount_changed"`
	End            tandem.Money `json:"end"`
	AddedDeals     int          `json:"added_deals"`
	PulledInDeals  int          `json:"pulled_in_deals"`
	PushedOutDeals int          `json:"pushed_out_deals"`
	WonDeals       int          `json:"won_deals"`
	LostDeals      int          `json:"lost_deals"`
	RemovedDeals   int          `json:"removed_deals"`
	ChangedDeals   int          `json:"changed_deals"`
}

func movementLines(moves []forecast.Movement) []MovementLine {
	out := make([]MovementLine, len(moves))
	for i, m := range moves {
		out[i] = MovementLine{Category: m.Category, Start: m.Start, Added: m.Added, PulledIn: m.PulledIn, PushedOut: m.PushedOut,
			Won: m.Won, Lost: m.Lost, Removed: m.Removed, AmountChanged: m.AmountChanged, End: m.End, AddedDeals: m.AddedDeals,
			PulledInDeals: m.PulledInDeals, PushedOutDeals: m.PushedOutDeals, WonDeals: m.WonDeals, LostDeals: m.LostDeals,
			RemovedDeals: m.RemovedDeals, ChangedDeals: m.ChangedDeals}
	}
	return out
}

type forecastSubmissionInput struct {
	Body struct {
		Quarter    string                 `json:"quarter" example:"2026Q2"`
		Level      tandem.SubmissionLevel `json:"level" enum:"team,region,partner_tier,company"`
		Scope      string                 `json:"scope,omitempty" doc:"the team's manager id, the region or the partner tier; empty for company"`
		Category   string                 `json:"category" enum:"direct,partner_sourced,partner_led,partner_influenced,total"`
		RollUp     tandem.Money           `json:"roll_up" doc:"the roll-up the manager was shown, minor units"`
		Adjustment tandem.Money           `json:"adjustment" doc:"the manager's change on top of it, minor units, may be negative"`
		Reason     string                 `json:"reason,omitempty" doc:"why; required with an adjustment"`
	}
}

type quarterInput struct {
	Quarter string `query:"quarter" required:"true" doc:"YYYYQn"`
}

func (s *Server) registerForecastAPI() {
	register(s.api, opGet("get-forecast", "/forecast", "A quarter's joint forecast",
		"Per attribution category and in total: won to date, the owners' roll-up (commit, best case, pipeline) and the statistical P10/P50/P90, as of the end of a day."),
		func(ctx context.Context, in *forecastParams) (*bodyOutput[ForecastBody], error) {
			f, err := s.forecastFor(ctx, *in)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			return ok(forecastBody(f)), nil
		})
	register(s.api, opGet("list-forecast-deals", "/forecast/deals", "The deals behind a forecast number",
		"The won and open deals of the quarter counted in one number of one line."),
		func(ctx context.Context, in *forecastDealsInput) (*bodyOutput[[]forecasting.DealRef], error) {
			f, err := s.forecastFor(ctx, forecastParams{Quarter: in.Quarter, AsOf: in.AsOf})
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			return ok(dealsBehind(f, in.Category, in.Number)), nil
		})
	register(s.api, opGet("get-forecast-movement", "/forecast/movement", "Week-over-week movement of the pipeline",
		"A waterfall of the quarter's open pipeline between two days: added, pulled in, pushed out, won, lost, removed, amount changed."),
		func(ctx context.Context, in *forecastMovementInput) (*bodyOutput[MovementBody], error) {
			q, to, err := s.resolveForecast(forecastParams{Quarter: in.Quarter, AsOf: in.To})
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			from := to - 7
			if in.From != "" {
				if from, err = forecast.ParseDay(in.From); err != nil {
					return nil, s.problem(ctx, tandem.FieldError("from", "%q is not a date (YYYY-MM-DD)", in.From))
				}
			}
			book, err := s.forecasts.Book(ctx, actorFrom(ctx))
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			moves, err := book.Movements(q, from, to)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			return ok(MovementBody{Quarter: q.String(), From: from.String(), To: to.String(), Movements: movementLines(moves)}), nil
		})
	register(s.api, opGet("list-forecast-submissions", "/forecast/submissions", "A quarter's forecast submissions",
		"Managers' submissions, oldest first: the roll-up, the adjustment, who and why."),
		listFor(s, func(ctx context.Context, a tandem.Actor, in *quarterInput) ([]tandem.ForecastSubmission, error) {
			return s.store.ForecastSubmissions(ctx, a, in.Quarter)
		}))
	register(s.api, op(http.MethodPost, "create-forecast-submission", "/forecast/submissions", "Submit a forecast",
		"A manager's number: the roll-up plus an adjustment with its reason; audited."),
		answerFor(s, func(ctx context.Context, a tandem.Actor, in *forecastSubmissionInput) (*tandem.ForecastSubmission, error) {
			b := in.Body
			sub := tandem.ForecastSubmission{Quarter: b.Quarter, Level: b.Level, Scope: b.Scope, Category: b.Category, RollUp: b.RollUp,
				Adjustment: b.Adjustment, Reason: b.Reason}
			return &sub, s.store.SubmitForecast(ctx, a, &sub)
		}))
	register(s.api, opGet("list-forecast-snapshots", "/forecast/snapshots", "A quarter's weekly forecast snapshots",
		"The stored weekly forecasts of the quarter, by day then category."),
		listFor(s, func(ctx context.Context, a tandem.Actor, in *quarterInput) ([]tandem.ForecastSnapshot, error) {
			return s.store.ForecastSnapshots(ctx, a, in.Quarter)
		}))
	register(s.api, opGet("list-opportunity-history", "/opportunities/{id}/history", "An opportunity's recorded changes",
		"Every change of stage, amount, close date, forecast category, owner, partner, motion and attribution, oldest first."),
		listFor(s, func(ctx context.Context, a tandem.Actor, in *IDParam) ([]tandem.OpportunityChange, error) {
			return s.store.OpportunityHistory(ctx, a, in.ID)
		}))
	s.registerForecastReviewAPI()
}

// ForecastRiskDeal is one deal at risk: the deal, its owner, its latest win probability and why it is
// at risk (see ui_forecast_review.go for the rules).
type ForecastRiskDeal struct {
	Deal           forecasting.DealRef `json:"deal"`
	Owner          string              `json:"owner"`
	WinProbability *float64            `json:"win_probability,omitempty" doc:"0 to 1, the latest stored score; absent when the deal has none"`
	Reasons        []string            `json:"reasons"`
}

// ForecastGroupLine is one group's roll-up: won to date and the owners' cumulative commit, best case and pipeline.
type ForecastGroupLine struct {
	Group     string       `json:"group"`
	Deals     int          `json:"deals"`
	WonToDate tandem.Money `json:"won_to_date"`
	Commit    tandem.Money `json:"commit"`
	BestCase  tandem.Money `json:"best_case"`
	Pipeline  tandem.Money `json:"pipeline"`
}

// ForecastRollUps is a quarter's roll-up by team (the owner's manager id), region (territory) and
// partner tier ("direct" for deals without a partner).
type ForecastRollUps struct {
	Quarter     string              `json:"quarter"`
	AsOf        string              `json:"as_of"`
	Currency    string              `json:"currency"`
	Team        []ForecastGroupLine `json:"team"`
	Region      []ForecastGroupLine `json:"region"`
	PartnerTier []ForecastGroupLine `json:"partner_tier"`
}

func groupLines(ls []forecasting.GroupLine) []ForecastGroupLine {
	out := make([]ForecastGroupLine, len(ls))
	for i, l := range ls {
		out[i] = ForecastGroupLine{Group: l.Group, Deals: l.Deals, WonToDate: l.WonToDate, Commit: l.Commit, BestCase: l.BestCase, Pipeline: l.Pipeline}
	}
	return out
}

func (s *Server) registerForecastReviewAPI() {
	register(s.api, opGet("list-forecast-risk", "/forecast/risk", "The quarter's deals at risk",
		"Open deals of the quarter at risk — close date passed or pushed out, a quiet co-sell deal, an owner's category the win "+
			"probability disagrees with — largest first, with each deal's win probability. An AE gets their own team's only."),
		func(ctx context.Context, in *forecastParams) (*bodyOutput[[]ForecastRiskDeal], error) {
			f, err := s.forecastFor(ctx, *in)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			dir, err := s.loadDirectory(ctx, actorFrom(ctx))
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			rows, err := s.dealsAtRisk(ctx, dir, f)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			out := []ForecastRiskDeal{}
			for _, r := range rows {
				d := ForecastRiskDeal{Deal: r.Deal, Owner: r.Owner, Reasons: r.Reasons}
				if r.HasWin {
					w := r.Win
					d.WinProbability = &w
				}
				out = append(out, d)
			}
			return ok(out), nil
		})
	register(s.api, opGet("get-forecast-rollups", "/forecast/rollups", "The quarter's roll-up by team, region and partner tier",
		"Won to date and the owners' cumulative commit, best case and pipeline of the quarter's deals, by team, region and partner tier."),
		func(ctx context.Context, in *forecastParams) (*bodyOutput[ForecastRollUps], error) {
			f, err := s.forecastFor(ctx, *in)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			dir, err := s.loadDirectory(ctx, actorFrom(ctx))
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			return ok(ForecastRollUps{Quarter: f.Quarter.String(), AsOf: f.AsOf.String(), Currency: f.Currency,
				Team: groupLines(forecasting.RollUpBy(f.Deals, dir.team)), Region: groupLines(forecasting.RollUpBy(f.Deals, dir.region)),
				PartnerTier: groupLines(forecasting.RollUpBy(f.Deals, dir.partnerTier))}), nil
		})
}
