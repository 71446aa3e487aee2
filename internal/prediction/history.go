package prediction

import (
	"cmp"
	"slices"
	"sort"
	"time"

	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// timeline is a sorted list of instants, each optionally carrying a flag (a win, a conflict), so
// that "how many before t" and "how many flagged before t" are two binary searches. Every history
// feature is one of these counts taken strictly before the moment of prediction, which is what keeps
// the future out of the features.
type timeline struct {
	at      []time.Time
	flagged []int // flagged[i] is how many of at[:i] are flagged
}

type event struct {
	at   time.Time
	flag bool
}

func newTimeline(events []event) timeline {
	slices.SortStableFunc(events, func(a, b event) int { return a.at.Compare(b.at) })
	tl := timeline{at: make([]time.Time, len(events)), flagged: make([]int, len(events)+1)}
	for i, e := range events {
		tl.at[i] = e.at
		tl.flagged[i+1] = tl.flagged[i]
		if e.flag {
			tl.flagged[i+1]++
		}
	}
	return tl
}

// before returns how many events, and how many flagged events, happened strictly before t.
func (tl timeline) before(t time.Time) (all, flagged int) {
	if len(tl.at) == 0 {
		return 0, 0 // the zero timeline: nothing happened
	}
	n := sort.Search(len(tl.at), func(i int) bool { return !tl.at[i].Before(t) })
	return n, tl.flagged[n]
}

// last returns the latest event strictly before t, or the zero time.
func (tl timeline) last(t time.Time) time.Time {
	n := sort.Search(len(tl.at), func(i int) bool { return !tl.at[i].Before(t) })
	if n == 0 {
		return time.Time{}
	}
	return tl.at[n-1]
}

// index is the history arranged for the feature builders: lookups by id and timelines by partner,
// account and owner.
type index struct {
	partners map[int64]sqlstore.HistoryPartner
	accounts map[int64]sqlstore.HistoryAccount
	// conflictOpened is the first time each registration was party to a conflict.
	conflictOpened map[int64]time.Time
	// Per partner: registrations submitted, conflicts opened on its registrations, deals closed (flag:
	// won).
	partnerRegs, partnerConflicts, partnerClosed map[int64]timeline
	// Per account: registrations submitted (any partner), partner touches, direct deals opened.
	accountRegs, accountTouches, accountDirect map[int64]timeline
	// accountRegPartners lists, per account, the registrations' submit times and partners, for "another
	// partner registered this account before".
	accountRegPartners map[int64][]regMark
	// Per owner (AE): conflicts on the accounts they own, deals closed (flag: won).
	ownerConflicts, ownerClosed map[int64]timeline
	// Per opportunity: partner touches.
	oppTouches map[int64]timeline
}

type regMark struct {
	at      time.Time
	partner int64
}

// opened is when a deal started, as far as anyone knew: the CRM's creation date, else when Tandem
// first stored it.
func opened(o sqlstore.HistoryOpportunity) time.Time {
	return cmp.Or(o.CreatedOn, o.CreatedAt)
}

// closedWon reports whether a deal is closed and whether it was won.
func closedWon(o sqlstore.HistoryOpportunity) (closed, won bool) {
	switch o.Stage {
	case "closed_won":
		return true, true
	case "closed_lost":
		return true, false
	}
	return false, false
}

func newIndex(h *sqlstore.PredictionHistory) *index {
	ix := &index{partners: map[int64]sqlstore.HistoryPartner{}, accounts: map[int64]sqlstore.HistoryAccount{},
		conflictOpened: map[int64]time.Time{}, accountRegPartners: map[int64][]regMark{}}
	for _, p := range h.Partners {
		ix.partners[p.ID] = p
	}
	for _, a := range h.Accounts {
		ix.accounts[a.ID] = a
	}
	regByID := map[int64]sqlstore.HistoryRegistration{}
	partnerRegs, accountRegs := map[int64][]event{}, map[int64][]event{}
	for _, r := range h.Registrations {
		regByID[r.ID] = r
		if r.SubmittedAt.IsZero() {
			continue
		}
		partnerRegs[r.PartnerID] = append(partnerRegs[r.PartnerID], event{at: r.SubmittedAt})
		if r.AccountID != 0 {
			accountRegs[r.AccountID] = append(accountRegs[r.AccountID], event{at: r.SubmittedAt})
			ix.accountRegPartners[r.AccountID] = append(ix.accountRegPartners[r.AccountID], regMark{r.SubmittedAt, r.PartnerID})
		}
	}
	partnerConflicts, ownerConflicts := map[int64][]event{}, map[int64][]event{}
	for _, c := range h.Conflicts {
		for _, rid := range []int64{c.RegistrationID, c.OtherRegistrationID} {
			if rid == 0 {
				continue
			}
			if first, ok := ix.conflictOpened[rid]; !ok || c.OpenedAt.Before(first) {
				ix.conflictOpened[rid] = c.OpenedAt
			}
			if r, ok := regByID[rid]; ok {
				partnerConflicts[r.PartnerID] = append(partnerConflicts[r.PartnerID], event{at: c.OpenedAt})
			}
		}
		if a, ok := ix.accounts[c.AccountID]; ok && a.OwnerID != 0 {
			ownerConflicts[a.OwnerID] = append(ownerConflicts[a.OwnerID], event{at: c.OpenedAt})
		}
	}
	oppAccount := map[int64]int64{}
	partnerClosed, ownerClosed, accountDirect := map[int64][]event{}, map[int64][]event{}, map[int64][]event{}
	for _, o := range h.Opportunities {
		oppAccount[o.ID] = o.AccountID
		if o.PartnerID == 0 {
			accountDirect[o.AccountID] = append(accountDirect[o.AccountID], event{at: opened(o)})
		}
		closed, won := closedWon(o)
		if !closed || o.CloseDate.IsZero() {
			continue
		}
		// A deal's outcome is known from its close date on.
		if o.PartnerID != 0 {
			partnerClosed[o.PartnerID] = append(partnerClosed[o.PartnerID], event{o.CloseDate, won})
		}
		if o.OwnerID != 0 {
			ownerClosed[o.OwnerID] = append(ownerClosed[o.OwnerID], event{o.CloseDate, won})
		}
	}
	accountTouches, oppTouches := map[int64][]event{}, map[int64][]event{}
	for _, t := range h.Touches {
		oppTouches[t.OpportunityID] = append(oppTouches[t.OpportunityID], event{at: t.OccurredAt})
		if a, ok := oppAccount[t.OpportunityID]; ok {
			accountTouches[a] = append(accountTouches[a], event{at: t.OccurredAt})
		}
	}
	build := func(m map[int64][]event) map[int64]timeline {
		out := make(map[int64]timeline, len(m))
		for k, ev := range m {
			out[k] = newTimeline(ev)
		}
		return out
	}
	ix.partnerRegs, ix.partnerConflicts, ix.partnerClosed = build(partnerRegs), build(partnerConflicts), build(partnerClosed)
	ix.accountRegs, ix.accountTouches, ix.accountDirect = build(accountRegs), build(accountTouches), build(accountDirect)
	ix.ownerConflicts, ix.ownerClosed, ix.oppTouches = build(ownerConflicts), build(ownerClosed), build(oppTouches)
	return ix
}

// otherPartnerRegs counts registrations of the account by other partners submitted in the window
// before t.
func (ix *index) otherPartnerRegs(account, partner int64, t time.Time, window time.Duration) int {
	n := 0
	for _, m := range ix.accountRegPartners[account] {
		if m.partner != partner && m.at.Before(t) && !m.at.Before(t.Add(-window)) {
			n++
		}
	}
	return n
}
