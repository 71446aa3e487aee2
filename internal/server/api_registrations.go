package server

import (
	"context"
	"net/http"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

type registrationListInput struct {
	Status    tandem.RegistrationStatus `query:"status" enum:"submitted,approved,rejected,expired,won,lost,withdrawn"`
	PartnerID int64                     `query:"partner_id"`
	AccountID int64                     `query:"account_id"`
	Query     string                    `query:"q" doc:"account name contains"`
	Sort      string                    `query:"sort" doc:"submitted_at, account_name, estimated_acv, expires_at, status or id; a leading - reverses"`
	PageParams
}

type registrationInput struct {
	ExternalID    string             `json:"external_id,omitempty"`
	PartnerID     int64              `json:"partner_id,omitempty" doc:"a partner user may leave it out: it registers for its own partner"`
	AccountName   string             `json:"account_name" minLength:"1"`
	Website       string             `json:"website,omitempty"`
	Country       string             `json:"country" doc:"ISO 3166 two-letter code"`
	ProductType   tandem.ProductType `json:"product_type" enum:"core,addon,services"`
	EstimatedACV  tandem.Money       `json:"estimated_acv" doc:"in minor units (cents)"`
	Currency      string             `json:"currency,omitempty" doc:"ISO 4217; default USD"`
	ExpectedClose time.Time          `json:"expected_close,omitzero"`
	ContactName   string             `json:"contact_name,omitempty"`
	ContactEmail  string             `json:"contact_email,omitempty"`
}

func (s *Server) registerRegistrationAPI() {
	register(s.api, opGet("list-registrations", "/registrations", "List deal registrations", ""),
		func(ctx context.Context, in *registrationListInput) (*listOutput[tandem.Registration], error) {
			items, total, err := s.store.ListRegistrations(ctx, actorFrom(ctx), sqlstore.RegistrationFilter{
				Status: in.Status, PartnerID: in.PartnerID, AccountID: in.AccountID, Query: in.Query, Sort: in.Sort,
				Limit: in.Limit, Offset: in.Offset})
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			return newList(items, total, in.PageParams), nil
		})
	register(s.api, opGet("get-registration", "/registrations/{id}", "Get a deal registration", ""),
		func(ctx context.Context, in *IDParam) (*bodyOutput[tandem.Registration], error) {
			r, err := s.store.GetRegistration(ctx, actorFrom(ctx), in.ID)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			return ok(*r), nil
		})
	create := op(http.MethodPost, "create-registration", "/registrations", "Register a deal",
		"The registration starts as submitted. A partner user registers only for its own partner.")
	create.DefaultStatus = http.StatusCreated
	register(s.api, create,
		func(ctx context.Context, in *struct{ Body registrationInput }) (*bodyOutput[registrationCreated], error) {
			actor := actorFrom(ctx)
			r, err := s.createRegistration(ctx, actor, in.Body)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			out := registrationCreated{Registration: *r}
			if s.detectRegistrationConflicts(ctx, actor, r.ID) > 0 {
				out.Review = tandem.OverlapUnderReview
			}
			return ok(out), nil
		})
}

// registrationCreated is a new registration and, when it overlaps another claim, "overlap under
// review" — never with whom.
type registrationCreated struct {
	tandem.Registration
	Review string `json:"review,omitempty" doc:"'overlap under review' when the registration opened a channel conflict"`
}

func (s *Server) createRegistration(ctx context.Context, actor tandem.Actor, b registrationInput) (*tandem.Registration, error) {
	if actor.IsPartner() {
		switch b.PartnerID {
		case 0:
			b.PartnerID = actor.PartnerID
		case actor.PartnerID:
		default:
			// Another partner's id: to this partner it does not exist.
			return nil, tandem.NotFound("partner", b.PartnerID)
		}
	}
	if b.Currency == "" {
		b.Currency = "USD"
	}
	now := s.now().UTC()
	r := &tandem.Registration{ExternalID: b.ExternalID, PartnerID: b.PartnerID, AccountName: b.AccountName,
		Website: b.Website, Country: b.Country, ProductType: b.ProductType, EstimatedACV: b.EstimatedACV,
		Currency: b.Currency, ExpectedClose: b.ExpectedClose, ContactName: b.ContactName, ContactEmail: b.ContactEmail,
		Status: tandem.RegistrationSubmitted, SubmittedAt: now}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	if _, err := s.store.GetPartner(ctx, actor, r.PartnerID); err != nil {
		return nil, err
	}
	rules, err := s.registrationRules(ctx)
	if err != nil {
		return nil, err
	}
	// Submitted through the lifecycle: logged, and its approval deadline stamped from the policy.
	if err := s.store.SubmitRegistration(ctx, actor, r, rules); err != nil {
		return nil, err
	}
	return r, nil
}
