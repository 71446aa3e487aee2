package enablement

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/mdf"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// Service runs the portfolio's workflows against the store.
type Service struct {
	Store *sqlstore.Store
	// Cache, when set, keeps the deal history's figures per data version (see Cache); nil reads afresh.
	Cache *Cache
}

// ChannelApprovers may approve, reject and pay MDF requests and set budgets.
var ChannelApprovers = []tandem.Role{tandem.RolePartnerManager, tandem.RoleVPChannel, tandem.RoleRevOps}

// partnerActions are the moves a partner makes on its own fund (channel staff may make them for it).
var partnerActions = []mdf.ActionKind{mdf.Request, mdf.CompleteActivity, mdf.SubmitProof, mdf.Claim}

// auditedActions are the money decisions: they go to the audit log as well as the request's log.
var auditedActions = []mdf.ActionKind{mdf.Approve, mdf.Reject, mdf.Claim, mdf.Pay, mdf.Expire}

// Move is one MDF move as a person asks for it. Request is the request's ref ("" for a new request).
type Move struct {
	Action           mdf.ActionKind `json:"action" enum:"request,approve,reject,complete_activity,submit_proof,claim,pay,expire"`
	Request          string         `json:"request,omitempty" doc:"the request's ref; empty for a new request"`
	Activity         string         `json:"activity,omitempty"`
	Motion           string         `json:"motion,omitempty" doc:"new requests: the motion the activity serves (partner_sourced when empty)"`
	Amount           tandem.Money   `json:"amount,omitempty" doc:"minor units"`
	ExpectedPipeline tandem.Money   `json:"expected_pipeline,omitempty" doc:"minor units"`
	Reason           string         `json:"reason,omitempty"`
	Files            []string       `json:"files,omitempty"`
	Attendees        int            `json:"attendees,omitempty"`
	Leads            []string       `json:"leads,omitempty" doc:"ids of the leads the activity generated"`
}

// mayMove says whether actor may make action: partner users their own fund's partner moves (the store
// scopes the fund), channel approvers every move, AEs and others none.
func mayMove(actor tandem.Actor, action mdf.ActionKind) error {
	switch {
	case actor.IsPartner() && slices.Contains(partnerActions, action):
		return nil
	case actor.IsPartner():
		return tandem.Errorf(tandem.EFORBIDDEN, "MDF: a partner user cannot %s a request; a channel manager does", action)
	case actor.Can(ChannelApprovers...):
		return nil
	}
	return tandem.Errorf(tandem.EFORBIDDEN, "MDF: %s users only read MDF", actor.Role)
}

// MoveMDF makes one move on fund fundID: the fund and its requests are read in one transaction,
// internal/mdf decides, and the request, its log line, the audit entry for a money decision and (for
// a payment) the ledger's spend line are written in that same transaction. An illegal move leaves
// everything as it was and returns mdf's error.
func (s *Service) MoveMDF(ctx context.Context, actor tandem.Actor, fundID int64, m Move) (sqlstore.MDFChange, error) {
	if err := mayMove(actor, m.Action); err != nil {
		return sqlstore.MDFChange{}, err
	}
	return s.Store.ChangeMDFFund(ctx, actor, fundID, s.decide(actor, m))
}

// decide is move m by actor as a store transition: internal/mdf decides on the fund's state read in
// the transaction.
func (s *Service) decide(actor tandem.Actor, m Move) func(sqlstore.MDFFundState) (sqlstore.MDFChange, error) {
	return func(st sqlstore.MDFFundState) (sqlstore.MDFChange, error) {
		fund := toFund(st)
		ref := m.Request
		if m.Action == mdf.Request {
			ref = st.NewRef
		}
		name := actor.Email
		if name == "" {
			name = "system"
		}
		next, ev, err := fund.Apply(mdf.Action{Kind: m.Action, Request: ref, At: st.Now, Actor: name, Activity: m.Activity,
			Amount: m.Amount, ExpectedPipeline: m.ExpectedPipeline, Reason: m.Reason,
			Proof: mdf.Proof{Files: m.Files, Attendees: m.Attendees, Leads: m.Leads}})
		if err != nil {
			return sqlstore.MDFChange{}, err
		}
		var after mdf.FundRequest
		for _, r := range next.Requests {
			if r.ID == ref {
				after = r
			}
		}
		stored := fromRequest(after, st.Requests)
		if m.Action == mdf.Request {
			stored.Motion = m.Motion
			if stored.Motion == "" {
				stored.Motion = "partner_sourced"
			}
			if !slices.Contains(sqlstore.SpendMotions, stored.Motion) {
				return sqlstore.MDFChange{}, tandem.FieldError("motion", "%q is not a motion", stored.Motion)
			}
		}
		ch := sqlstore.MDFChange{Request: stored, Event: sqlstore.MDFEvent{Actor: ev.Actor, Action: string(ev.Action),
			From: string(ev.From), To: string(ev.To), Amount: ev.Amount, Reason: ev.Reason}}
		if slices.Contains(auditedActions, m.Action) {
			ch.Audit = "mdf." + string(m.Action)
		}
		if m.Action == mdf.Pay {
			ch.Spend = &sqlstore.SpendLine{Month: st.Now.Format("2006-01"), Motion: stored.Motion, Kind: "mdf", Amount: ev.Amount,
				Currency: st.Fund.Currency, Source: "mdf", SourceRef: ref, Note: stored.Activity}
		}
		return ch, nil
	}
}

// ExpiryResult is what one expiry run did: requests moved to expired and funds marked expired.
type ExpiryResult struct {
	Requests int `json:"requests"`
	Funds    int `json:"funds"`
}

// errNotExpirable says a request moved on (another instance expired it, or a claim came in) between
// the list and the locked move: nothing to do.
var errNotExpirable = errors.New("request no longer expirable")

// ExpireDue expires, at now, every open request of every fund whose period is over (one move per
// request, each in its fund's locked transaction, so two instances running at once never move one
// request twice: the second finds it expired and skips it), then marks each such fund expired once
// (its unspent budget lapses; sqlstore.MarkMDFFundExpired). The job and the command line run it as
// the system.
func (s *Service) ExpireDue(ctx context.Context, now time.Time) (ExpiryResult, error) {
	var res ExpiryResult
	funds, err := s.Store.ListMDFFunds(ctx, tandem.SystemActor, 0)
	if err != nil {
		return res, err
	}
	for _, f := range funds {
		if now.Before(f.ExpiresOn) || !f.ExpiredAt.IsZero() {
			continue
		}
		reqs, err := s.Store.ListMDFRequests(ctx, tandem.SystemActor, sqlstore.MDFRequestFilter{FundID: f.ID})
		if err != nil {
			return res, err
		}
		for _, r := range reqs {
			if _, ok := mdf.Next(mdf.State(r.State), mdf.Expire); !ok {
				continue
			}
			n, err := s.expireRequest(ctx, f.ID, r.Ref)
			if err != nil {
				return res, fmt.Errorf("expire MDF request %s: %w", r.Ref, err)
			}
			res.Requests += n
		}
		views, err := s.Funds(ctx, tandem.SystemActor)
		if err != nil {
			return res, err
		}
		var lapsed tandem.Money
		for _, v := range views {
			if v.ID == f.ID {
				lapsed = v.Totals.Available
			}
		}
		marked, err := s.Store.MarkMDFFundExpired(ctx, tandem.SystemActor, f.ID, now, lapsed)
		if err != nil {
			return res, err
		}
		if marked {
			res.Funds++
		}
	}
	return res, nil
}

// expireRequest expires one request if it is still open when its fund is locked; it returns 1 when it did.
func (s *Service) expireRequest(ctx context.Context, fundID int64, ref string) (int, error) {
	_, err := s.Store.ChangeMDFFund(ctx, tandem.SystemActor, fundID, func(st sqlstore.MDFFundState) (sqlstore.MDFChange, error) {
		for _, r := range st.Requests {
			if r.Ref == ref {
				if _, ok := mdf.Next(mdf.State(r.State), mdf.Expire); !ok {
					return sqlstore.MDFChange{}, errNotExpirable
				}
			}
		}
		return s.decide(tandem.SystemActor, Move{Action: mdf.Expire, Request: ref})(st)
	})
	switch {
	case errors.Is(err, errNotExpirable):
		return 0, nil
	case err != nil:
		return 0, err
	}
	return 1, nil
}

// toFund is the stored fund as internal/mdf sees it.
func toFund(st sqlstore.MDFFundState) mdf.Fund {
	f := mdf.Fund{Budget: mdf.Budget{Partner: st.Fund.PartnerName, Period: st.Fund.Period, Amount: st.Fund.Budget,
		Opens: st.Fund.OpensOn, Expires: st.Fund.ExpiresOn}}
	for _, r := range st.Requests {
		f.Requests = append(f.Requests, mdf.FundRequest{ID: r.Ref, Activity: r.Activity, ExpectedPipeline: r.ExpectedPipeline,
			Requested: r.Requested, Approved: r.Approved, Claimed: r.Claimed, Paid: r.Paid, State: mdf.State(r.State),
			RejectReason: r.RejectReason, Proof: mdf.Proof{Files: r.ProofFiles, Attendees: r.Attendees, Leads: r.Leads}})
	}
	return f
}

// fromRequest is mdf's request as the store keeps it, keeping what mdf does not know (the motion).
func fromRequest(r mdf.FundRequest, before []sqlstore.MDFRequest) sqlstore.MDFRequest {
	out := sqlstore.MDFRequest{Ref: r.ID, Activity: r.Activity, ExpectedPipeline: r.ExpectedPipeline, Requested: r.Requested,
		Approved: r.Approved, Claimed: r.Claimed, Paid: r.Paid, State: string(r.State), RejectReason: r.RejectReason,
		ProofFiles: r.Proof.Files, Attendees: r.Proof.Attendees, Leads: r.Proof.Leads}
	for _, b := range before {
		if b.Ref == r.ID {
			out.Motion = b.Motion
		}
	}
	return out
}

// FundView is a fund with its money by where it stands, for lists and pages.
type FundView struct {
	sqlstore.MDFFund
	Totals mdf.Totals `json:"totals"`
}

// Funds returns the funds actor may see with their totals.
func (s *Service) Funds(ctx context.Context, actor tandem.Actor) ([]FundView, error) {
	funds, err := s.Store.ListMDFFunds(ctx, actor, 0)
	if err != nil {
		return nil, err
	}
	reqs, err := s.Store.ListMDFRequests(ctx, actor, sqlstore.MDFRequestFilter{})
	if err != nil {
		return nil, err
	}
	out := make([]FundView, 0, len(funds))
	for _, f := range funds {
		var mine []sqlstore.MDFRequest
		for _, r := range reqs {
			if r.FundID == f.ID {
				mine = append(mine, r)
			}
		}
		out = append(out, FundView{MDFFund: f, Totals: toFund(sqlstore.MDFFundState{Fund: f, Requests: mine}).Totals()})
	}
	return out, nil
}
