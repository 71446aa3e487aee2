package demo

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/conflicts"
	"github.com/tandem-revops/tandem/internal/match"
	"github.com/tandem-revops/tandem/internal/policy"
	"github.com/tandem-revops/tandem/internal/programme"
	"github.com/tandem-revops/tandem/internal/registration"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// matchReviewDays is how long a doubtful account match waits before RevOps settles it in the history;
// the younger ones are left in the review queue.
const matchReviewDays = 6

// replayer replays a History through the store, moving the store's clock to each step's instant.
type replayer struct {
	st *sqlstore.Store
	// submitter files the history's registrations, resolving each company with the demo's matcher.
	submitter *registration.Submitter
	w         *writer
	ds        *Dataset
	now       time.Time
	rules     tandem.RegistrationRules
	crules    tandem.ConflictRules
	warn      float64
	version   string

	byRole    map[tandem.Role][]int64 // store user ids of each vendor role
	conflicts []trackedConflict
	accountOf map[int64]int64 // registration (store id) → the account the partner meant (store id)
	filingOf  map[int64]int   // registration (store id) → its filing in the history
	usdOf     map[int64]int64 // registration (store id) → its estimated ACV in whole US dollars
	nextOut   int
	accounts  *batchedSource // the matcher's view of the accounts
}

// batchedSource is the account source of the replay's matcher. A live matcher asks its source for
// changed accounts before every match; in the replay nothing but the daily jobs can change an account
// (submissions and decisions never do), so the source asks the store only once after each run of the
// jobs and answers "no change" in between: one query per half day instead of one per submission.
type batchedSource struct {
	match.Source
	dirty bool
}

func (b *batchedSource) MatchAccountsChangedSince(ctx context.Context, since match.Cursor) ([]match.Account, match.Cursor, error) {
	if !b.dirty {
		return nil, since, nil
	}
	b.dirty = false
	return b.Source.MatchAccountsChangedSince(ctx, since)
}

type trackedConflict struct {
	id       int64
	openedAt time.Time
	out      ConflictOutcome
	done     bool
}

// step is one instant of the replay.
type step struct {
	at   time.Time
	kind int // 0 the daily jobs, 1 a submission, 2 a decision (the order at one instant)
	i    int // the filing
}

// replayHistory replays ds.History into st, whose import has committed. It leaves the store's clock at
// the demo's today.
func replayHistory(ctx context.Context, st *sqlstore.Store, w *writer, ds *Dataset, pol *policy.Policy) error {
	prog, err := programme.Derive(pol)
	if err != nil {
		return fmt.Errorf("demo: policy calendar: %w", err)
	}
	rp := &replayer{st: st, w: w, ds: ds, warn: prog.WarnFraction, version: pol.Version(),
		rules:     prog.Registration,
		crules:    prog.Conflicts,
		byRole:    map[tandem.Role][]int64{},
		accountOf: map[int64]int64{},
		filingOf:  map[int64]int{},
		usdOf:     map[int64]int64{},
	}
	for i, u := range ds.Users {
		if u.Role != tandem.RolePartnerUser {
			rp.byRole[u.Role] = append(rp.byRole[u.Role], w.users[i+1])
		}
	}
	st.SetClock(func() time.Time { return rp.now })
	defer st.SetClock(func() time.Time { return ds.Config.Today })
	rp.accounts = &batchedSource{Source: st.AccountSource()}
	matcher := match.NewLive(rp.accounts, match.LiveConfig{Now: func() time.Time { return rp.now }})
	rp.submitter = registration.NewSubmitter(st, matcher, nil)

	h := ds.History
	end := ds.Config.Today
	var steps []step
	for d := day(end.AddDate(0, 0, -historyDays)); !d.After(end); d = d.AddDate(0, 0, 1) {
		steps = append(steps, step{at: d.Add(7 * time.Hour)}, step{at: d.Add(17*time.Hour + 30*time.Minute)})
	}
	for i, f := range h.Filings {
		steps = append(steps, step{at: f.SubmitAt, kind: 1, i: i})
		if !f.Auto && f.Decision != "" {
			steps = append(steps, step{at: f.DecideAt, kind: 2, i: i})
		}
	}
	slices.SortStableFunc(steps, func(a, b step) int { return cmp.Or(a.at.Compare(b.at), cmp.Compare(a.kind, b.kind)) })
	regIDs := make([]int64, len(h.Filings))
	for _, s := range steps {
		if s.at.After(end) {
			break
		}
		rp.now = s.at
		switch s.kind {
		case 0:
			err = rp.dailyJobs(ctx)
		case 1:
			regIDs[s.i], err = rp.submit(ctx, s.i)
		case 2:
			err = rp.decide(ctx, s.i, regIDs[s.i])
		}
		if err != nil {
			return fmt.Errorf("demo: history at %s: %w", s.at.Format(time.RFC3339), err)
		}
	}
	return nil
}

func (rp *replayer) submit(ctx context.Context, i int) (int64, error) {
	f := rp.ds.History.Filings[i]
	r := f.Registration
	r.PartnerID = rp.w.partners[r.PartnerID]
	actor := tandem.Actor{UserID: rp.w.users[f.SubmittedBy], Role: tandem.RolePartnerUser, PartnerID: r.PartnerID}
	if err := rp.submitter.Submit(ctx, actor, &r, rp.rules); err != nil {
		return 0, fmt.Errorf("file %s: %w", r.ExternalID, err)
	}
	rp.accountOf[r.ID] = rp.w.accounts[f.Account]
	rp.filingOf[r.ID] = i
	rp.usdOf[r.ID] = int64(r.EstimatedACV) * 10000 / usdRateBP[r.Currency] / tandem.MinorUnits
	opened, err := rp.detect(ctx, r.ID)
	if err != nil {
		return 0, err
	}
	if f.Auto && opened == 0 {
		if _, err := rp.st.TransitionRegistration(ctx, tandem.SystemActor, r.ID, tandem.EventApprove,
			tandem.AutoApprovalReason(rp.version), rp.rules); err != nil {
			return 0, fmt.Errorf("auto-approve %s: %w", r.ExternalID, err)
		}
	}
	return r.ID, nil
}

// decide applies a person's decision; a registration no longer waiting (auto-approved) is left alone.
func (rp *replayer) decide(ctx context.Context, i int, id int64) error {
	f := rp.ds.History.Filings[i]
	uid := rp.w.users[f.DeciderID]
	actor := tandem.Actor{UserID: uid, Role: rp.ds.Users[f.DeciderID-1].Role}
	_, err := rp.st.TransitionRegistration(ctx, actor, id, f.Decision, f.Reason, rp.rules)
	if tandem.ErrorCode(err) == tandem.ECONFLICT {
		return nil
	}
	if err != nil {
		return fmt.Errorf("%s %s: %w", f.Decision, f.Registration.ExternalID, err)
	}
	if f.Decision == tandem.EventApprove {
		_, err = rp.detect(ctx, id)
	}
	return err
}

// detect runs conflict detection for registration id and gives each conflict it opens its outcome.
func (rp *replayer) detect(ctx context.Context, id int64) (int, error) {
	opened, err := conflicts.DetectRegistration(ctx, rp.st, tandem.SystemActor, rp.crules, id)
	if err != nil {
		return 0, fmt.Errorf("detect conflicts of registration %d: %w", id, err)
	}
	outs := rp.ds.History.Outcomes
	f, filed := rp.filingOf[id]
	for _, c := range opened {
		if filed && rp.ds.History.Filings[f].Escalated != nil {
			rp.conflicts = append(rp.conflicts, trackedConflict{id: c.ID, openedAt: rp.now, out: *rp.ds.History.Filings[f].Escalated})
			continue
		}
		out := outs[rp.nextOut%len(outs)].forDeal(rp.usdOf[id], rp.now, rp.ds.Config.Today)
		rp.conflicts = append(rp.conflicts, trackedConflict{id: c.ID, openedAt: rp.now, out: out})
		rp.nextOut++
	}
	return len(opened), nil
}

// dailyJobs runs what the background jobs would have (escalation, SLA alerts), settles the conflicts
// whose time has come and the account matches waiting longer than matchReviewDays.
func (rp *replayer) dailyJobs(ctx context.Context) error {
	if _, err := rp.st.EscalateDue(ctx, rp.now, rp.crules); err != nil {
		return fmt.Errorf("escalate: %w", err)
	}
	if _, err := rp.st.AlertDue(ctx, rp.now, rp.rules, rp.warn); err != nil {
		return fmt.Errorf("SLA alerts: %w", err)
	}
	for k := range rp.conflicts {
		c := &rp.conflicts[k]
		if c.done || c.out.Never || rp.now.Before(c.openedAt.Add(c.out.After)) {
			continue
		}
		c.done = true
		d, err := rp.st.GetConflictDetail(ctx, tandem.SystemActor, c.id)
		if err != nil {
			return err
		}
		if d.Status != tandem.ConflictOpen {
			continue
		}
		actor := rp.decider(d)
		if _, err := rp.st.ResolveConflict(ctx, actor, c.id, c.out.Resolution, c.out.ShareBP, c.out.Rationale); err != nil {
			if tandem.ErrorCode(err) == tandem.ECONFLICT {
				continue
			}
			return fmt.Errorf("resolve conflict %d at level %d: %w", c.id, d.Level, err)
		}
	}
	rp.accounts.dirty = true // the jobs and the settled matches may have touched accounts
	return rp.settleMatches(ctx)
}

// decider is who settles conflict d at its level: the AE on the deal (or a partner manager), the VP of
// the side that lost (alternating), the CRO, the CEO.
func (rp *replayer) decider(d *sqlstore.ConflictDetail) tandem.Actor {
	pick := func(r tandem.Role) tandem.Actor {
		ids := rp.byRole[r]
		return tandem.Actor{UserID: ids[int(d.ID)%len(ids)], Role: r}
	}
	switch d.Level {
	case tandem.LevelAEAndPartnerManager:
		if d.AEID != 0 {
			return tandem.Actor{UserID: d.AEID, Role: tandem.RoleAE}
		}
		return pick(tandem.RolePartnerManager)
	case tandem.LevelVPs:
		if d.ID%2 == 0 {
			return pick(tandem.RoleVPChannel)
		}
		return pick(tandem.RoleVPSales)
	case tandem.LevelCRO:
		return pick(tandem.RoleCRO)
	}
	return pick(tandem.RoleCEO)
}

// settleMatches resolves the account matches waiting longer than matchReviewDays to the account the
// partner meant (or as a new account), as RevOps would, and runs detection again for them.
func (rp *replayer) settleMatches(ctx context.Context) error {
	waiting, _, err := rp.st.ListAccountMatches(ctx, tandem.SystemActor, sqlstore.AccountMatchFilter{Limit: sqlstore.MaxLimit})
	if err != nil {
		return err
	}
	revops := tandem.Actor{UserID: rp.byRole[tandem.RoleRevOps][0], Role: tandem.RoleRevOps}
	for _, m := range waiting {
		if rp.now.Sub(m.CreatedAt) < matchReviewDays*24*time.Hour {
			continue
		}
		if _, err := rp.st.ResolveAccountMatch(ctx, revops, m.ID, rp.accountOf[m.RegistrationID]); err != nil {
			return fmt.Errorf("resolve account match %d: %w", m.ID, err)
		}
		if _, err := rp.detect(ctx, m.RegistrationID); err != nil {
			return err
		}
	}
	return nil
}
