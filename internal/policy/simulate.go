package policy

import (
	"iter"
	"sort"

	tandem "github.com/tandem-revops/tandem"
)

// SimulationResult compares how two policies route the same deals.
type SimulationResult struct {
	OldVersion   string       `json:"old_version"`
	DraftVersion string       `json:"draft_version"`
	Deals        int          `json:"deals"`        // open deals simulated
	Closed       int          `json:"closed"`       // won and lost deals left out: they keep the motion they were sold in
	Changed      int          `json:"changed"`      // deals whose motion or partner attachment changes
	Transitions  []Transition `json:"transitions"`  // from→to counts over every deal routed by both
	Changes      []Change     `json:"changes"`      // the deals that change, in input order
	Failures     []Failure    `json:"failures"`     // deals one of the policies cannot route
	Unchanged    int          `json:"unchanged"`    // deals routed the same way by both
	RuleChanges  int          `json:"rule_changes"` // deals with the same outcome but decided by another rule
}

// Transition counts the deals that move from one motion to another (From == To: they stay).
type Transition struct {
	From  tandem.Motion `json:"from"`
	To    tandem.Motion `json:"to"`
	Count int           `json:"count"`
}

// Change is one deal the draft routes differently.
type Change struct {
	DealID  string   `json:"deal_id"`
	Account string   `json:"account,omitempty"`
	Old     Decision `json:"old"`
	New     Decision `json:"new"`
}

// Failure is a deal one of the two policies could not route.
type Failure struct {
	DealID string `json:"deal_id"`
	Policy string `json:"policy"` // "old" or "draft"
	Error  string `json:"error"`
}

// Count returns how many deals move from one motion to another.
func (r SimulationResult) Count(from, to tandem.Motion) int {
	for _, t := range r.Transitions {
		if t.From == from && t.To == to {
			return t.Count
		}
	}
	return 0
}

// Simulate routes every deal through the policy in force (old) and a draft, and reports what the
// draft would change. Only open deals count: a won or lost deal is not re-routed by a new policy, so
// it is left out (and counted in Closed). Deals either policy cannot route are listed as failures, not
// counted as changes.
func Simulate(old, draft *Policy, deals iter.Seq[Deal]) SimulationResult {
	res := SimulationResult{OldVersion: old.Version(), DraftVersion: draft.Version()}
	counts := map[[2]tandem.Motion]int{}
	ro, rd := old.NewRouter(), draft.NewRouter()
	for d := range deals {
		if d.Stage.Closed() {
			res.Closed++
			continue
		}
		res.Deals++
		before, errOld := ro.Route(&d)
		after, errNew := rd.Route(&d)
		if errOld != nil {
			res.Failures = append(res.Failures, Failure{DealID: d.ID, Policy: "old", Error: tandem.ErrorMessage(errOld)})
		}
		if errNew != nil {
			res.Failures = append(res.Failures, Failure{DealID: d.ID, Policy: "draft", Error: tandem.ErrorMessage(errNew)})
		}
		if errOld != nil || errNew != nil {
			continue
		}
		counts[[2]tandem.Motion{before.Motion, after.Motion}]++
		switch {
		case before.Motion != after.Motion || before.PartnerAttached != after.PartnerAttached:
			res.Changed++
			res.Changes = append(res.Changes, Change{DealID: d.ID, Account: d.Account, Old: before, New: after})
		case before.Rule != after.Rule:
			res.Unchanged++
			res.RuleChanges++
		default:
			res.Unchanged++
		}
	}
	for k, n := range counts {
		res.Transitions = append(res.Transitions, Transition{From: k[0], To: k[1], Count: n})
	}
	rank := func(m tandem.Motion) int {
		for i, x := range tandem.Motions {
			if x == m {
				return i
			}
		}
		return len(tandem.Motions)
	}
	sort.Slice(res.Transitions, func(i, j int) bool {
		a, b := res.Transitions[i], res.Transitions[j]
		if rank(a.From) != rank(b.From) {
			return rank(a.From) < rank(b.From)
		}
		return rank(a.To) < rank(b.To)
	})
	return res
}
