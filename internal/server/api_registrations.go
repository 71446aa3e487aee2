package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/crmvalue"
	"github.com/tandem-revops/tandem/internal/policy"
	"github.com/tandem-revops/tandem/internal/programme"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

type registrationListInput struct {
	Status    tandem.RegistrationStatus `query:"status" enum:"submitted,approved,rejected,expired,won,lost,withdrawn"`
	PartnerID int64                     `query:"partner_id"`
	AccountID int64                     `query:"account_id"`
	Query     string                    `query:"q" maxLength:"200" doc:"account name contains"`
	Sort      string                    `query:"sort" maxLength:"200" doc:"submitted_at, account_name, estimated_acv, expires_at, status or id; a leading - reverses"`
	PageParams
}

type registrationInput struct {
	ExternalID    string             `json:"external_id,omitempty" maxLength:"254"`
	PartnerID     int64              `json:"partner_id,omitempty" doc:"a partner user may leave it out: it registers for its own partner"`
	AccountName   string             `json:"account_name" maxLength:"200" minLength:"1"`
	Website       string             `json:"website,omitempty" maxLength:"254"`
	Country       string             `json:"country" maxLength:"254" doc:"ISO 3166 two-letter code"`
	Vertical      string             `json:"vertical,omitempty" maxLength:"200" doc:"industry, e.g. healthcare; required when the policy in force routes by vertical, unless the company matches an account that has one"`
	ProductType   tandem.ProductType `json:"product_type" enum:"core,addon,services"`
	EstimatedACV  tandem.Money       `json:"estimated_acv" minimum:"0" maximum:"1000000000000" doc:"in minor units (cents), 0 to 10^12 (10 billion)"`
	Currency      string             `json:"currency,omitempty" maxLength:"254" doc:"ISO 4217; default USD"`
	ExpectedClose time.Time          `json:"expected_close,omitzero"`
	ContactName   string             `json:"contact_name,omitempty" maxLength:"200"`
	ContactEmail  string             `json:"contact_email,omitempty" maxLength:"254"`
}

func (s *Server) registerRegistrationAPI() {
	register(s.api, opGet("list-registrations", "/registrations", "List deal registrations", ""),
		pageFor(s, s.store.ListRegistrations, func(in *registrationListInput) sqlstore.RegistrationFilter {
			return sqlstore.RegistrationFilter{Status: in.Status, PartnerID: in.PartnerID, AccountID: in.AccountID,
				Query: in.Query, Sort: in.Sort, Limit: in.Limit, Offset: in.Offset}
		}))
	register(s.api, opGet("get-registration", "/registrations/{id}", "Get a deal registration", ""),
		byID(s, s.store.GetRegistration))
	register(s.api, created(op(http.MethodPost, "create-registration", "/registrations", "Register a deal",
		"The registration starts as submitted. A partner user registers only for its own partner. The answer "+
			"says which motion the rules of engagement give the deal and why; when the policy allows it, a clean "+
			"registration (no overlap, conforming to the policy, partner in good standing) is approved at once.")),
		answerFor(s, func(ctx context.Context, a tandem.Actor, in *struct{ Body registrationInput }) (*registrationCreated, error) {
			return s.submitRegistration(ctx, a, in.Body)
		}))
}

// registrationCreated is a new registration, the motion the rules of engagement give its deal and, when
// it overlaps another claim, "overlap under review" — never with whom.
type registrationCreated struct {
	tandem.Registration
	Review string `json:"review,omitempty" doc:"'overlap under review' when the registration opened a channel conflict"`
	// Motion is empty when the policy cannot route the deal; Explanation then says why.
	Motion        tandem.Motion `json:"motion,omitempty" doc:"the motion the policy in force gives the registered deal"`
	Rule          string        `json:"rule,omitempty" doc:"the id of the policy rule that decided"`
	PolicyVersion string        `json:"policy_version,omitempty"`
	Explanation   string        `json:"explanation" doc:"why, in plain words"`
	AutoApproved  bool          `json:"auto_approved,omitempty" doc:"approved on submission: no overlap, conforms to the policy, partner in good standing"`
	// FieldSources says, for each deal field the policy tests, where the value it decided on came from.
	FieldSources map[string]string `json:"field_sources,omitempty" doc:"for each deal field the policy tests: 'registration' (as filed) or 'account' (taken from the matched account)"`
}

// Where a deal field the policy tests came from.
const (
	sourceRegistration = "registration"
	sourceAccount      = "account"
)

// policyDealFields are the variables a registration supplies itself; the others (partner tier,
// registration status, current motion, stage) follow from the partner and the lifecycle.
var policyDealFields = []string{"acv", "currency", "country", "vertical", "product_type"}

// Auto-approval refusals, kept in the log of why a registration stayed in the queue.
const (
	autoApproveDisabled   = "auto-approval is off in the policy"
	autoApproveOverlap    = "it overlaps another claim"
	autoApproveNoRoute    = "the policy does not route it"
	autoApproveOverLimit  = "its ACV is over the auto-approval limit"
	autoApproveNotInGood  = "the partner is not in good standing"
	autoApproveNotPending = "it is no longer submitted"
	autoApproveAccount    = "its account waits in the account-match review"
)

// submitRegistration files a registration as actor: it is submitted through the lifecycle, routed by the
// policy in force (so the partner learns the motion at once), checked for overlaps, and approved by the
// system when the policy's auto-approval allows. The API, the registration form and the bulk upload
// all come through here. A failure after the registration is stored (detection, auto-approval) is
// logged, not returned: the partner's filing stands and waits in the queue.
func (s *Server) submitRegistration(ctx context.Context, actor tandem.Actor, in registrationInput) (*registrationCreated, error) {
	// The programme in force is read once for the whole filing: the SLA stamp, the routing, the
	// detection and the auto-approval all follow the same version.
	r, partner, prog, sources, err := s.createRegistration(ctx, actor, in)
	if err != nil {
		return nil, err
	}
	out := &registrationCreated{Registration: *r, FieldSources: sources}
	p := prog.Policy
	dec, routeErr := p.Route(registrationDeal(r, partner))
	if routeErr != nil {
		out.Explanation = routeErr.Error()
	} else {
		out.Motion, out.Rule, out.PolicyVersion, out.Explanation = dec.Motion, dec.Rule, dec.PolicyVersion, dec.Explanation
		if sources["vertical"] == sourceAccount {
			out.Explanation += " (The vertical, " + r.Vertical + ", is the matched account's.)"
		}
	}
	opened := s.detectConflictsUnder(ctx, actor, prog.Conflicts, r.ID)
	if opened > 0 {
		out.Review = tandem.OverlapUnderReview
	}
	if approved, reopened := s.tryAutoApprove(ctx, prog, r, partner, routeErr, opened); approved != nil {
		out.Registration, out.AutoApproved = *approved, true
		if reopened > 0 {
			out.Review = tandem.OverlapUnderReview
		}
	}
	return out, nil
}

// tryAutoApprove approves submitted registration r as the system when nothing stands in the way under
// prog (opened is how many conflicts its detection just opened). It returns the approved registration
// and how many conflicts the approval opened, or nil when r waits in the queue; why is logged.
func (s *Server) tryAutoApprove(ctx context.Context, prog *programme.InForce, r *tandem.Registration, partner *tandem.Partner,
	routeErr error, opened int) (*tandem.Registration, int) {
	why, err := s.autoApproveBlocker(ctx, prog.Policy, r, partner, routeErr, opened)
	if err != nil {
		s.log.ErrorContext(ctx, "auto-approval check failed; the registration waits in the queue", slog.Int64("registration", r.ID),
			slog.Any("err", err))
		return nil, 0
	}
	if why != "" {
		s.log.DebugContext(ctx, "registration left in the queue", slog.Int64("registration", r.ID), slog.String("why", why))
		return nil, 0
	}
	reason := tandem.AutoApprovalReason(prog.Policy.Version())
	approved, err := s.store.TransitionRegistration(ctx, tandem.SystemActor, r.ID, tandem.EventApprove, reason, prog.Registration)
	if err != nil {
		s.log.ErrorContext(ctx, "auto-approval failed; the registration waits in the queue", slog.Int64("registration", r.ID),
			slog.Any("err", err))
		return nil, 0
	}
	// Approval can make it party to overlaps a submission is not (a protected deal re-routed).
	return approved, s.detectConflictsUnder(ctx, tandem.SystemActor, prog.Conflicts, r.ID)
}

// autoApproveBlocker returns why registration r may not be approved by the system now, "" when it may:
// the policy's checks plus what the store knows — an open conflict it is party to (opened counts the
// ones detection just opened) or its company waiting in the account-match review.
func (s *Server) autoApproveBlocker(ctx context.Context, p *policy.Policy, r *tandem.Registration, partner *tandem.Partner,
	routeErr error, opened int) (string, error) {
	review, err := s.store.RegistrationReview(ctx, tandem.SystemActor, r.ID)
	if err != nil {
		return "", fmt.Errorf("review state of registration %d: %w", r.ID, err)
	}
	overlap := opened > 0 || len(review.OpenConflicts) > 0
	return autoApproveRefusal(p, r, partner, overlap, review.AccountInReview(), routeErr), nil
}

// autoApproveAfterResolution runs the auto-approval again for registration id once a person resolved
// its account: the registration waited for that alone or for more (then it stays in the queue). It
// reports whether the system approved it; failures are logged, the resolution stands.
func (s *Server) autoApproveAfterResolution(ctx context.Context, id int64, opened int) bool {
	r, err := s.store.GetRegistration(ctx, tandem.SystemActor, id)
	if err == nil && r.Status != tandem.RegistrationSubmitted {
		return false
	}
	var rt routedRegistration
	if err == nil {
		rt, err = s.routeNow(ctx, r)
	}
	if err != nil {
		s.log.ErrorContext(ctx, "auto-approval after account resolution failed", slog.Int64("registration", id), slog.Any("err", err))
		return false
	}
	approved, _ := s.tryAutoApprove(ctx, rt.prog, r, rt.partner, rt.routeErr, opened)
	return approved != nil
}

// routedRegistration is a registration's partner, the programme in force and what routing its deal
// under that programme's policy refused (nil when the policy routes it).
type routedRegistration struct {
	partner  *tandem.Partner
	prog     *programme.InForce
	routeErr error
}

// routeNow reads registration r's partner (as the system) and the programme in force, and routes r's
// deal under it, as the auto-approval would now.
func (s *Server) routeNow(ctx context.Context, r *tandem.Registration) (routedRegistration, error) {
	partner, err := s.store.GetPartner(ctx, tandem.SystemActor, r.PartnerID)
	if err != nil {
		return routedRegistration{}, err
	}
	prog, err := s.programme.Current(ctx)
	if err != nil {
		return routedRegistration{}, err
	}
	_, routeErr := prog.Policy.Route(registrationDeal(r, partner))
	return routedRegistration{partner: partner, prog: prog, routeErr: routeErr}, nil
}

// autoApproveRefusal returns why registration r may not be approved on submission, "" when it may.
func autoApproveRefusal(p *policy.Policy, r *tandem.Registration, partner *tandem.Partner, overlap, accountInReview bool,
	routeErr error) string {
	auto := p.Settings().AutoApprove
	switch {
	case !auto.Enabled:
		return autoApproveDisabled
	case r.Status != tandem.RegistrationSubmitted:
		return autoApproveNotPending
	case accountInReview:
		// Overlap detection compares accounts: until the account is known, "no overlap" is not known.
		return autoApproveAccount
	case overlap:
		return autoApproveOverlap
	case routeErr != nil:
		return autoApproveNoRoute
	case partner.Standing == tandem.StandingSuspended,
		auto.RequireGoodStanding && partner.Standing != tandem.StandingGood:
		return autoApproveNotInGood
	}
	if limit := p.AutoApproveLimit(); limit > 0 {
		acv, err := p.Convert(r.EstimatedACV, r.Currency)
		if err != nil {
			return autoApproveNoRoute
		}
		if acv > limit {
			return autoApproveOverLimit
		}
	}
	return ""
}

// registrationDeal is what the policy sees of a registered deal: the partner's claim, not yet an
// opportunity, so with no stage or current motion.
func registrationDeal(r *tandem.Registration, partner *tandem.Partner) policy.Deal {
	return policy.Deal{
		ID:                 r.ExternalID,
		Account:            r.AccountName,
		ACV:                r.EstimatedACV,
		Currency:           r.Currency,
		Country:            r.Country,
		Vertical:           crmvalue.Code(r.Vertical), // rules test the code, as policy.DealOf does for opportunities
		ProductType:        r.ProductType,
		PartnerID:          fmt.Sprint(r.PartnerID),
		PartnerTier:        partner.Tier,
		RegistrationStatus: r.Status,
	}
}

// createRegistration validates and files b as actor. Every deal field the policy in force tests must
// be there: the vertical, when the partner left it out, is taken from the account the company matches
// (sources says so), and a registration without one is refused rather than routed as if it had none.
func (s *Server) createRegistration(ctx context.Context, actor tandem.Actor, b registrationInput) (*tandem.Registration, *tandem.Partner,
	*programme.InForce, map[string]string, error) {
	if actor.IsPartner() {
		switch b.PartnerID {
		case 0:
			b.PartnerID = actor.PartnerID
		case actor.PartnerID:
		default:
			// Another partner's id: to this partner it does not exist.
			return nil, nil, nil, nil, tandem.NotFound("partner", b.PartnerID)
		}
	}
	if b.Currency == "" {
		b.Currency = "USD"
	}
	now := s.now().UTC()
	r := &tandem.Registration{ExternalID: b.ExternalID, PartnerID: b.PartnerID, AccountName: b.AccountName,
		Website: b.Website, Country: b.Country, Vertical: verticalCode(b.Vertical), ProductType: b.ProductType,
		EstimatedACV: b.EstimatedACV, Currency: b.Currency, ExpectedClose: b.ExpectedClose, ContactName: b.ContactName,
		ContactEmail: b.ContactEmail, Status: tandem.RegistrationSubmitted, SubmittedAt: now}
	if err := r.Validate(); err != nil {
		return nil, nil, nil, nil, err
	}
	partner, err := s.store.GetPartner(ctx, actor, r.PartnerID)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	prog, err := s.programme.Current(ctx)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	// The currency must be one the policy in force can price; the same check tandem route and import make.
	if err := prog.Policy.CheckCurrency(r.Currency); err != nil {
		return nil, nil, nil, nil, err
	}
	resolved, sources, err := s.fillTestedFields(ctx, prog.Policy, r)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	// Submitted through the lifecycle: logged, and its approval deadline stamped from the policy.
	if err := s.registrations.SubmitResolved(ctx, actor, r, prog.Registration, resolved); err != nil {
		return nil, nil, nil, nil, err
	}
	if len(sources) == 0 {
		sources = nil
	}
	return r, partner, prog, sources, nil
}

// fillTestedFields resolves r's company to an account and makes sure r carries every deal field policy
// p tests: a vertical left out is taken from the matched account. It returns the resolution (to file
// with) and where each tested field came from; EINVALID naming the field when one is missing.
func (s *Server) fillTestedFields(ctx context.Context, p *policy.Policy, r *tandem.Registration) (*tandem.AccountResolution,
	map[string]string, error) {
	resolved := s.registrations.Resolve(ctx, r)
	sources := make(map[string]string)
	for _, v := range p.TestedVariables() {
		if slices.Contains(policyDealFields, v) {
			sources[v] = sourceRegistration
		}
	}
	if _, tested := sources["vertical"]; tested && r.Vertical == "" {
		if resolved != nil && resolved.Decision == tandem.AccountDecisionMatch {
			if a, err := s.store.GetAccount(ctx, tandem.SystemActor, resolved.AccountID); err == nil && a.Vertical != "" {
				r.Vertical, sources["vertical"] = verticalCode(a.Vertical), sourceAccount
			}
		}
		if r.Vertical == "" {
			return nil, nil, tandem.FieldError("vertical", "is required: the policy in force routes deals by industry "+
				"vertical (healthcare, for one, is partner-led at any size)")
		}
	}
	return resolved, sources, nil
}

// verticalCode writes a vertical as the policy names verticals: "Financial Services" is
// financial_services.
func verticalCode(v string) string {
	return strings.Join(strings.FieldsFunc(strings.ToLower(strings.TrimSpace(v)), func(r rune) bool {
		return r == ' ' || r == '-' || r == '_'
	}), "_")
}
