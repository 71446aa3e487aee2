package server

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/conflicts"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// Channel conflicts: the vendor's list, each conflict with its precedents and its escalation log,
// resolution by the deciders of the conflict's level, and the quarterly pattern review. Partner users
// never reach these routes; a partner whose registration is in a conflict is told only
// tandem.OverlapUnderReview.

type conflictListInput struct {
	Status tandem.ConflictStatus `query:"status" enum:"open,resolved"`
	Level  int                   `query:"level" minimum:"0" maximum:"4" doc:"1 AE and partner manager, 2 VPs, 3 CRO, 4 CEO"`
	Cause  tandem.ConflictCause  `query:"cause" enum:"partner_overlap,direct_overlap,protected_reroute,cannibalisation,attribution"`
	PageParams
}

type conflictBody struct {
	sqlstore.ConflictDetail
	Deciders   []tandem.Role         `json:"deciders" doc:"who may resolve it at its current level (admins always may)"`
	Precedents []conflicts.Precedent `json:"precedents" doc:"the most similar resolved conflicts, most similar first"`
}

type resolveBody struct {
	Resolution              tandem.Resolution `json:"resolution" enum:"award_partner,award_direct,co_sell,split"`
	PartnerShareBasisPoints int               `json:"partner_share_basis_points,omitempty" minimum:"0" maximum:"10000" doc:"a split's partner share, 1 to 9999 (6000 = 60 %); only for split"`
	Rationale               string            `json:"rationale" maxLength:"4000" doc:"why; required, and shown to later deciders as precedent"`
}

type reviewInput struct {
	From string `query:"from" maxLength:"200" doc:"first day, YYYY-MM-DD (UTC); default the first day of the current quarter"`
	To   string `query:"to" maxLength:"200" doc:"day after the last, YYYY-MM-DD (UTC); default the first day of the next quarter"`
}

func (s *Server) registerConflictAPI() {
	register(s.api, opGet("list-conflicts", "/conflicts", "List channel conflicts", "Oldest first."),
		pageFor(s, s.store.ListConflicts, func(in *conflictListInput) sqlstore.ConflictFilter {
			return sqlstore.ConflictFilter{Status: in.Status, Cause: in.Cause, Level: tandem.EscalationLevel(in.Level),
				Limit: in.Limit, Offset: in.Offset}
		}))
	register(s.api, opGet("get-conflict", "/conflicts/{id}", "Get a channel conflict",
		"With what it is about, who may decide it now, and the most similar past resolutions."),
		func(ctx context.Context, in *IDParam) (*bodyOutput[conflictBody], error) {
			actor := actorFrom(ctx)
			d, err := s.store.GetConflictDetail(ctx, actor, in.ID)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			precedents, err := conflicts.Precedents(ctx, s.store, actor, in.ID, 0)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			deciders := []tandem.Role{}
			if d.Status == tandem.ConflictOpen {
				deciders = d.Level.Deciders()
			}
			return ok(conflictBody{ConflictDetail: *d, Deciders: deciders, Precedents: precedents}), nil
		})
	register(s.api, opGet("list-conflict-log", "/conflicts/{id}/log", "A conflict's escalation log",
		"Every step, oldest first: opened, escalated, resolved. Append-only."),
		valueFor(s, func(ctx context.Context, a tandem.Actor, in *IDParam) ([]tandem.EscalationEntry, error) {
			return s.store.EscalationLog(ctx, a, in.ID)
		}))
	register(s.api, op(http.MethodPost, "resolve-conflict", "/conflicts/{id}/resolve", "Resolve a channel conflict",
		"Only the deciders of the conflict's current level (or an admin): 403 for anyone else. A split needs the "+
			"partner's share; every resolution needs a rationale. A resolved conflict answers 409."),
		answerFor(s, func(ctx context.Context, a tandem.Actor, in *struct {
			IDParam
			Body resolveBody
		}) (*sqlstore.ConflictDetail, error) {
			return s.store.ResolveConflict(ctx, a, in.ID, in.Body.Resolution, in.Body.PartnerShareBasisPoints, in.Body.Rationale)
		}))
	register(s.api, opGet("get-conflict-review", "/conflicts/review", "The conflict pattern review",
		"Conflicts opened in the period by cause, rule, segment (ACV band), partner and AE; the share resolved "+
			"at each level; the median time to resolution. Rules with the most conflicts come first."),
		reviewFor(s, func(ctx context.Context, a tandem.Actor, from, to time.Time) (*tandem.ConflictReview, error) {
			return conflicts.Review(ctx, s.store, a, from, to)
		}))
}

// reviewFor is the handler of a report over the period a reviewInput names: what report gives for the
// caller and that period.
func reviewFor[T any](s *Server, report func(ctx context.Context, a tandem.Actor, from, to time.Time) (*T, error)) func(context.Context, *reviewInput) (*bodyOutput[T], error) {
	return answerFor(s, func(ctx context.Context, a tandem.Actor, in *reviewInput) (*T, error) {
		from, to, err := reviewPeriod(s.now().UTC(), in.From, in.To)
		if err != nil {
			return nil, err
		}
		return report(ctx, a, from, to)
	})
}

// reviewPeriod parses the review's days, defaulting to the quarter now is in.
func reviewPeriod(now time.Time, from, to string) (time.Time, time.Time, error) {
	q := time.Date(now.Year(), (now.Month()-1)/3*3+1, 1, 0, 0, 0, 0, time.UTC)
	start, err := dayOr("from", from, "2026-01-01", q)
	if err != nil {
		return start, start, err
	}
	end, err := dayOr("to", to, "2026-04-01", q.AddDate(0, 3, 0))
	return start, end, err
}

// ConflictRules returns the conflict rules of the programme in force.
func (s *Server) ConflictRules(ctx context.Context) (tandem.ConflictRules, error) {
	return s.programme.ConflictRules(ctx)
}

// detectRegistrationConflicts opens the conflicts a registration just submitted or approved is party
// to and returns how many opened. The registration is stored already, so a detection failure is logged,
// not returned: the partner's filing stands.
func (s *Server) detectRegistrationConflicts(ctx context.Context, actor tandem.Actor, id int64) int {
	rules, err := s.ConflictRules(ctx)
	if err != nil {
		s.log.ErrorContext(ctx, "conflict detection failed", slog.Int64("registration", id), slog.Any("err", err))
		return 0
	}
	return s.detectConflictsUnder(ctx, actor, rules, id)
}

// detectConflictsUnder is detectRegistrationConflicts under rules the caller read already.
func (s *Server) detectConflictsUnder(ctx context.Context, actor tandem.Actor, rules tandem.ConflictRules, id int64) int {
	opened, err := conflicts.DetectRegistration(ctx, s.store, actor, rules, id)
	if err != nil {
		s.log.ErrorContext(ctx, "conflict detection failed", slog.Int64("registration", id), slog.Any("err", err))
		return 0
	}
	return len(opened)
}

// detectOpportunityConflicts opens the conflicts a saved opportunity change causes (before is nil for
// a new one). As above, a failure is logged: the change is stored.
func (s *Server) detectOpportunityConflicts(ctx context.Context, actor tandem.Actor, before, after *tandem.Opportunity) {
	rules, err := s.ConflictRules(ctx)
	if err == nil {
		if _, err = conflicts.DetectOpportunity(ctx, s.store, actor, rules, before, after); err == nil {
			return
		}
	}
	s.log.ErrorContext(ctx, "conflict detection failed", slog.Int64("opportunity", after.ID), slog.Any("err", err))
}
