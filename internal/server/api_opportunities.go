package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

type opportunityListInput struct {
	Motion    tandem.Motion           `query:"motion" enum:"partner_led,co_sell,direct"`
	Stage     tandem.Stage            `query:"stage" enum:"prospecting,qualified,proposal,negotiation,closed_won,closed_lost"`
	Open      bool                    `query:"open" doc:"only deals not yet won or lost"`
	Forecast  tandem.ForecastCategory `query:"forecast_category" enum:"pipeline,best_case,commit,closed,omitted"`
	PartnerID int64                   `query:"partner_id"`
	OwnerID   int64                   `query:"owner_id"`
	AccountID int64                   `query:"account_id"`
	Rule      string                  `query:"rule" maxLength:"200" doc:"the id of the policy rule that routed the deal"`
	Query     string                  `query:"q" maxLength:"200" doc:"name or account name contains (case-insensitive)"`
	Sort      string                  `query:"sort" maxLength:"200" doc:"name, acv, close_date, stage, motion, updated_at, created_at or id; a leading - reverses"`
	// The filters behind the home pages' numbers, so that the CSV of a list opened from a home holds
	// what the list shows.
	Attribution tandem.Attribution `query:"attribution" enum:"direct,partner_sourced,partner_led,partner_influenced"`
	CreatedFrom string             `query:"created_from" format:"date" doc:"created on or after this day (YYYY-MM-DD)"`
	CreatedTo   string             `query:"created_to" format:"date" doc:"created before this day"`
	ClosedFrom  string             `query:"closed_from" format:"date" doc:"closing on or after this day"`
	ClosedTo    string             `query:"closed_to" format:"date" doc:"closing before this day"`
	PageParams
}

func (in *opportunityListInput) filter() sqlstore.OpportunityFilter {
	// The days were checked against format:"date" before the handler runs; empty is no bound.
	day := func(s string) time.Time { t, _ := time.Parse(time.DateOnly, s); return t }
	return sqlstore.OpportunityFilter{Motion: in.Motion, Stage: in.Stage, Open: in.Open, Forecast: in.Forecast, PartnerID: in.PartnerID, OwnerID: in.OwnerID,
		AccountID: in.AccountID, Rule: in.Rule, Query: in.Query, Sort: in.Sort, Limit: in.Limit, Offset: in.Offset,
		Attribution: in.Attribution, CreatedFrom: day(in.CreatedFrom), CreatedTo: day(in.CreatedTo), ClosedFrom: day(in.ClosedFrom), ClosedTo: day(in.ClosedTo)}
}

// opportunityInput is an opportunity as a client writes it; on update, fields left out keep their value.
// Routing is never written by clients: the active policy decides it.
type opportunityInput struct {
	ExternalID          *string                  `json:"external_id,omitempty" maxLength:"254" doc:"the CRM's id; generated when absent"`
	Name                *string                  `json:"name,omitempty" maxLength:"200"`
	AccountID           *int64                   `json:"account_id,omitempty"`
	OwnerID             *int64                   `json:"owner_id,omitempty"`
	PartnerID           *int64                   `json:"partner_id,omitempty" doc:"0 detaches the partner"`
	Product             *string                  `json:"product,omitempty" maxLength:"254"`
	ProductType         *tandem.ProductType      `json:"product_type,omitempty" enum:"core,addon,services"`
	ACV                 *tandem.Money            `json:"acv,omitempty" minimum:"0" maximum:"1000000000000" doc:"annual contract value in minor units (cents), 0 to 10^12 (10 billion)"`
	Currency            *string                  `json:"currency,omitempty" maxLength:"254" doc:"ISO 4217; default USD"`
	Stage               *tandem.Stage            `json:"stage,omitempty" enum:"prospecting,qualified,proposal,negotiation,closed_won,closed_lost"`
	ForecastCategory    *tandem.ForecastCategory `json:"forecast_category,omitempty" enum:"pipeline,best_case,commit,closed,omitted"`
	Country             *string                  `json:"country,omitempty" maxLength:"254"`
	Vertical            *string                  `json:"vertical,omitempty" maxLength:"254"`
	DiscountBasisPoints *int                     `json:"discount_basis_points,omitempty"`
	Attribution         *tandem.Attribution      `json:"attribution,omitempty" enum:"direct,partner_sourced,partner_led,partner_influenced"`
	CreatedOn           *time.Time               `json:"created_on,omitempty"`
	CloseDate           *time.Time               `json:"close_date,omitempty"`
}

func (in *opportunityInput) apply(o *tandem.Opportunity) {
	set(&o.ExternalID, in.ExternalID)
	set(&o.Name, in.Name)
	set(&o.AccountID, in.AccountID)
	set(&o.OwnerID, in.OwnerID)
	set(&o.PartnerID, in.PartnerID)
	set(&o.Product, in.Product)
	set(&o.ProductType, in.ProductType)
	set(&o.ACV, in.ACV)
	set(&o.Currency, in.Currency)
	set(&o.Stage, in.Stage)
	set(&o.ForecastCategory, in.ForecastCategory)
	set(&o.Country, in.Country)
	set(&o.Vertical, in.Vertical)
	set(&o.DiscountBasisPoints, in.DiscountBasisPoints)
	set(&o.Attribution, in.Attribution)
	set(&o.CreatedOn, in.CreatedOn)
	set(&o.CloseDate, in.CloseDate)
}

func (s *Server) registerOpportunityAPI() {
	register(s.api, opGet("list-opportunities", "/opportunities", "List opportunities",
		"With their routing (motion, rule, policy version, explanation); total counts every match."),
		pageFor(s, s.store.ListOpportunities, (*opportunityListInput).filter))
	register(s.api, opGet("get-opportunity", "/opportunities/{id}", "Get an opportunity", ""), byID(s, s.store.GetOpportunity))
	register(s.api, created(op(http.MethodPost, "create-opportunity", "/opportunities", "Create an opportunity",
		"The active policy routes it; the response carries the motion, the rule, the policy version and the explanation.")),
		func(ctx context.Context, in *struct{ Body opportunityInput }) (*bodyOutput[tandem.Opportunity], error) {
			actor := actorFrom(ctx)
			o := tandem.Opportunity{Currency: "USD", ProductType: tandem.ProductCore, Stage: tandem.StageProspecting,
				ForecastCategory: tandem.ForecastPipeline, CreatedOn: s.now().UTC().Truncate(24 * time.Hour)}
			in.Body.apply(&o)
			if err := s.saveOpportunity(ctx, actor, &o); err != nil {
				return nil, s.problem(ctx, err)
			}
			s.detectOpportunityConflicts(ctx, actor, nil, &o)
			return ok(o), nil
		})
	register(s.api, op(http.MethodPatch, "update-opportunity", "/opportunities/{id}", "Update an opportunity",
		"Fields left out keep their value. The active policy routes the result again, except that a deal at or "+
			"past the protected stage (policy conflicts.protected_stage) keeps its motion: the re-route is held, "+
			"held_reroute says what the policy proposed, and a protected_reroute conflict decides it."),
		func(ctx context.Context, in *struct {
			IDParam
			Body opportunityInput
		}) (*bodyOutput[updatedOpportunity], error) {
			actor := actorFrom(ctx)
			o, err := s.store.GetOpportunity(ctx, actor, in.ID)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			before := *o
			in.Body.apply(o)
			held, err := s.updateOpportunity(ctx, actor, &before, o)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			s.detectOpportunityConflicts(ctx, actor, &before, o)
			return ok(updatedOpportunity{Opportunity: *o, HeldReroute: held}), nil
		})
}

// updatedOpportunity is an opportunity as an update left it, with the re-route it held, if any.
type updatedOpportunity struct {
	tandem.Opportunity
	HeldReroute *heldReroute `json:"held_reroute,omitempty" doc:"set when the deal kept its motion past the protected stage"`
}

// heldReroute is a re-route the protected stage held back.
type heldReroute struct {
	Proposed   tandem.Routing `json:"proposed" doc:"the routing the policy proposed and the deal did not take"`
	ConflictID int64          `json:"conflict_id,omitempty" doc:"the open protected_reroute conflict that decides it"`
	Note       string         `json:"note" maxLength:"4000"`
}

// updateOpportunity validates o, routes it with the active policy and stores it over before. When the
// deal is or goes at or past the protected stage and the policy would change its motion, it keeps its
// routing and the re-route is held: a protected_reroute conflict opens (unless the routing is an
// escalation decision already, which stands) and the hold is returned.
func (s *Server) updateOpportunity(ctx context.Context, actor tandem.Actor, before, o *tandem.Opportunity) (*heldReroute, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if err := s.route(ctx, actor, o); err != nil {
		return nil, err
	}
	rules, err := s.ConflictRules(ctx)
	if err != nil {
		return nil, err
	}
	if !rules.Settings.HoldsReroute(before.Routing.Motion, before.Stage, o.Routing.Motion, o.Stage) {
		return nil, s.store.UpdateOpportunity(ctx, actor, o)
	}
	proposed := o.Routing
	o.Routing = before.Routing
	if err := s.store.UpdateOpportunity(ctx, actor, o); err != nil {
		return nil, err
	}
	return s.holdReroute(ctx, actor, rules, o, proposed), nil
}

// holdReroute opens the protected_reroute conflict of stored deal o, which kept its routing although
// the policy proposed proposed, and says so. The deal is stored already, so a failure is logged.
func (s *Server) holdReroute(ctx context.Context, actor tandem.Actor, rules tandem.ConflictRules, o *tandem.Opportunity,
	proposed tandem.Routing) *heldReroute {
	h := &heldReroute{Proposed: proposed}
	id, _, err := s.store.HoldReroute(ctx, actor, rules, o.ID, proposed)
	switch {
	case err != nil:
		s.log.ErrorContext(ctx, "opening the protected re-route conflict failed", slog.Int64("opportunity", o.ID), slog.Any("err", err))
		h.Note = fmt.Sprintf("The deal is at %s, at or past the protected stage (%s): it stays %s; the policy would make it %s.",
			o.Stage, rules.Settings.ProtectedStage, o.Routing.Motion, proposed.Motion)
	case id == 0:
		h.Note = fmt.Sprintf("The deal stays %s as an escalation decided; the policy would make it %s.",
			o.Routing.Motion, proposed.Motion)
	default:
		h.ConflictID = id
		h.Note = fmt.Sprintf("The deal is at %s, at or past the protected stage (%s): it stays %s until conflict %d decides "+
			"whether it becomes %s (policy %s rule %s).", o.Stage, rules.Settings.ProtectedStage, o.Routing.Motion, id,
			proposed.Motion, proposed.PolicyVersion, proposed.Rule)
	}
	return h
}

// saveOpportunity validates o, routes it with the active policy and creates or updates it.
func (s *Server) saveOpportunity(ctx context.Context, actor tandem.Actor, o *tandem.Opportunity) error {
	if err := o.Validate(); err != nil {
		return err
	}
	if err := s.route(ctx, actor, o); err != nil {
		return err
	}
	if o.ID == 0 {
		return s.store.CreateOpportunity(ctx, actor, o)
	}
	return s.store.UpdateOpportunity(ctx, actor, o)
}
