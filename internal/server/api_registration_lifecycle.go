package server

import (
	"context"
	"net/http"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/regjobs"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// The deal-registration lifecycle: decisions, withdrawal, extension, the log of every transition and
// the channel team's approval queue. The store checks who may do what; the permission table only
// closes the routes a role can never use.

type transitionBody struct {
	Reason string `json:"reason,omitempty" maxLength:"4000" doc:"why; required to reject"`
}

type transitionInput struct {
	IDParam
	Body *transitionBody
}

type queueInput struct {
	Limit  int    `query:"limit" minimum:"0" maximum:"1000" doc:"how many to return, soonest deadline first (default 50)"`
	Sort   string `query:"sort" enum:"deadline,risk" doc:"deadline (default): soonest approval-SLA deadline first; risk: highest latest conflict-risk score first across the whole queue, unscored last, each item with its risk (not for AEs or partner users: 403)"`
	Offset int    `query:"offset" minimum:"0" doc:"with sort=risk: how many registrations to skip, for the next pages"`
}

func (s *Server) registerRegistrationLifecycleAPI() {
	transitions := []struct {
		ev      tandem.RegistrationEvent
		summary string
		desc    string
	}{
		{tandem.EventApprove, "Approve a deal registration",
			"Protects the partner's deal for the policy's protection days from now. Only a submitted registration can be approved."},
		{tandem.EventReject, "Reject a deal registration", "A reason is required. Only a submitted registration can be rejected."},
		{tandem.EventWithdraw, "Withdraw a deal registration",
			"A partner user withdraws its own submitted or approved registration; channel staff may for it."},
		{tandem.EventExtend, "Extend a registration's protection",
			"Adds the policy's extension days, while extensions remain and the deal shows recent activity."},
	}
	for _, tr := range transitions {
		ev := tr.ev
		o := op(http.MethodPost, string(ev)+"-registration", "/registrations/{id}/"+string(ev), tr.summary,
			tr.desc+" Illegal transitions answer 409 and change nothing.")
		register(s.api, o, func(ctx context.Context, in *transitionInput) (*bodyOutput[tandem.Registration], error) {
			rules, err := s.registrationRules(ctx)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			var reason string
			if in.Body != nil {
				reason = in.Body.Reason
			}
			r, err := s.store.TransitionRegistration(ctx, actorFrom(ctx), in.ID, ev, reason, rules)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			if ev == tandem.EventApprove {
				s.detectRegistrationConflicts(ctx, actorFrom(ctx), r.ID)
			}
			return ok(*r), nil
		})
	}
	register(s.api, opGet("list-registration-events", "/registrations/{id}/events", "A registration's lifecycle log",
		"Every transition, oldest first, timestamped in UTC; the submission proves who registered first."),
		valueFor(s, func(ctx context.Context, a tandem.Actor, in *IDParam) ([]tandem.RegistrationEntry, error) {
			return s.store.RegistrationEvents(ctx, a, in.ID)
		}))
	register(s.api, opGet("get-registration-queue", "/registrations/queue", "The approval queue",
		"Submitted registrations, soonest approval-SLA deadline first (or with sort=risk, highest conflict risk first, paged with offset), each with its deadline, the instant "+
			"the policy's warning share of the SLA is used (75 % by default) and whether it is on_track, at_risk or breached."),
		func(ctx context.Context, in *queueInput) (*listOutput[sqlstore.ApprovalQueueItem], error) {
			jr, err := s.RegistrationJobRules(ctx)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			var items []sqlstore.ApprovalQueueItem
			var total int
			if in.Sort == "risk" {
				items, total, err = s.store.ApprovalQueueByRisk(ctx, actorFrom(ctx), jr.Registration.ApprovalSLA, jr.WarnFraction, in.Limit, in.Offset)
			} else if in.Offset > 0 {
				err = tandem.FieldError("offset", "pages are for sort=risk; the deadline order returns the most urgent")
			} else {
				items, total, err = s.store.ApprovalQueue(ctx, actorFrom(ctx), jr.Registration.ApprovalSLA, jr.WarnFraction, in.Limit)
			}
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			return newList(items, total, PageParams{Limit: in.Limit, Offset: in.Offset}), nil
		})
	register(s.api, opGet("get-registration-approval-report", "/registrations/approval-report", "The approval-time report",
		"How fast registrations decided in the period were decided, in business hours of the policy's calendar: "+
			"how many, the share auto-approved, the median and 90th percentile hours from submission to decision, "+
			"the share within the approval SLA and the breaches — overall, by partner manager and by month. "+
			"The period defaults to the current quarter."),
		reviewFor(s, func(ctx context.Context, a tandem.Actor, from, to time.Time) (*sqlstore.ApprovalReport, error) {
			rules, err := s.registrationRules(ctx)
			if err != nil {
				return nil, err
			}
			return s.store.ApprovalReport(ctx, a, from, to, rules.ApprovalSLA)
		}))
}

// RegistrationJobRules returns what the registration background job needs from the programme in
// force: the lifecycle settings, the approval SLA and the share of it after which a waiting
// registration is warned about.
func (s *Server) RegistrationJobRules(ctx context.Context) (regjobs.Rules, error) {
	in, err := s.programme.Current(ctx)
	if err != nil {
		return regjobs.Rules{}, err
	}
	return regjobs.Rules{Registration: in.Registration, WarnFraction: in.WarnFraction}, nil
}

// registrationRules returns the lifecycle settings and approval SLA of the programme in force.
func (s *Server) registrationRules(ctx context.Context) (tandem.RegistrationRules, error) {
	in, err := s.programme.Current(ctx)
	if err != nil {
		return tandem.RegistrationRules{}, err
	}
	return in.Registration, nil
}
