package mdf

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	tandem "github.com/tandem-revops/tandem"
)

var (
	opens   = time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	expires = time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	during  = time.Date(2026, 8, 15, 9, 0, 0, 0, time.UTC)
	after   = time.Date(2026, 10, 2, 0, 0, 0, 0, time.UTC)
)

func newFund() Fund {
	return Fund{Budget: Budget{Partner: "acme", Period: "2026-Q3", Amount: tandem.Major(50000), Opens: opens, Expires: expires}}
}

// validAction returns an action of kind k on request id that passes every check but the state's,
// at a time that suits it.
func validAction(k ActionKind, id string) Action {
	a := Action{Kind: k, Request: id, At: during, Actor: "someone"}
	switch k {
	case Request:
		a.Activity, a.Amount, a.ExpectedPipeline = "roadshow", tandem.Major(10000), tandem.Major(200000)
	case Reject:
		a.Reason = "no pipeline plan"
	case SubmitProof:
		a.Proof = Proof{Files: []string{"attendees.csv"}, Attendees: 40, Leads: []string{"L-1", "L-2"}}
	case Claim:
		a.Amount = tandem.Major(8000)
	case Expire:
		a.At = after
	}
	return a
}

// pathTo lists the actions that bring a new request to state s.
var pathTo = map[State][]ActionKind{
	Requested:      {Request},
	Approved:       {Request, Approve},
	Rejected:       {Request, Reject},
	ActivityDone:   {Request, Approve, CompleteActivity},
	ProofSubmitted: {Request, Approve, CompleteActivity, SubmitProof},
	Claimed:        {Request, Approve, CompleteActivity, SubmitProof, Claim},
	Paid:           {Request, Approve, CompleteActivity, SubmitProof, Claim, Pay},
	Expired:        {Request, Expire},
}

func fundIn(t *testing.T, s State) Fund {
	t.Helper()
	f := newFund()
	for _, k := range pathTo[s] {
		next, _, err := f.Apply(validAction(k, "R-1"))
		if err != nil {
			t.Fatalf("reaching %s: %s: %v", s, k, err)
		}
		f = next
	}
	if got := f.Requests[0].State; got != s {
		t.Fatalf("reached %s, want %s", got, s)
	}
	return f
}

// TestEveryStateAndAction tries every action from every state: the legal ones move to the state the
// workflow says, every other one is refused with a conflict and leaves the fund as it was.
func TestEveryStateAndAction(t *testing.T) {
	t.Parallel()
	legal := map[State]map[ActionKind]State{
		Requested:      {Approve: Approved, Reject: Rejected, Expire: Expired},
		Approved:       {CompleteActivity: ActivityDone, Expire: Expired},
		ActivityDone:   {SubmitProof: ProofSubmitted, Expire: Expired},
		ProofSubmitted: {Claim: Claimed, Expire: Expired},
		Claimed:        {Pay: Paid},
	}
	count := 0
	for _, s := range States {
		for _, k := range Actions {
			count++
			t.Run(string(s)+"/"+string(k), func(t *testing.T) {
				f := fundIn(t, s)
				before := fundIn(t, s)
				next, ev, err := f.Apply(validAction(k, "R-1"))
				if diff := cmp.Diff(before, f); diff != "" {
					t.Fatalf("Apply changed its receiver (-before +after):\n%s", diff)
				}
				want, ok := legal[s][k]
				if !ok {
					if tandem.ErrorCode(err) != tandem.ECONFLICT {
						t.Fatalf("illegal move returned %v; want a conflict error", err)
					}
					if diff := cmp.Diff(before, next); diff != "" {
						t.Errorf("refused move changed the fund (-before +after):\n%s", diff)
					}
					if !strings.Contains(err.Error(), `request "R-1"`) || (k != Request && !strings.Contains(err.Error(), "the request is "+string(s))) {
						t.Errorf("error %q does not say which request and state", err)
					}
					return
				}
				if err != nil {
					t.Fatalf("legal move refused: %v", err)
				}
				if got := next.Requests[0].State; got != want || ev.From != s || ev.To != want || ev.Action != k {
					t.Errorf("moved to %s with event %+v; want %s → %s", got, ev, s, want)
				}
			})
		}
	}
	if count != len(States)*len(Actions) || count != 64 {
		t.Errorf("tried %d pairs", count)
	}
}

func TestApplyRefusals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		state State // "" for a new fund
		act   func(a *Action)
		kind  ActionKind
		code  string
		want  string
	}{
		{"unknown action", "", func(a *Action) { a.Kind = "cancel" }, Request, tandem.EINVALID, `"cancel" is not an action`},
		{"no request id", "", func(a *Action) { a.Request = "" }, Request, tandem.EINVALID, "empty request id"},
		{"no time", "", func(a *Action) { a.At = time.Time{} }, Request, tandem.EINVALID, "no time"},
		{"no activity", "", func(a *Action) { a.Activity = " " }, Request, tandem.EINVALID, "say what the funds are for"},
		{"zero amount", "", func(a *Action) { a.Amount = 0 }, Request, tandem.EINVALID, "positive amount"},
		{"negative pipeline", "", func(a *Action) { a.ExpectedPipeline = -1 }, Request, tandem.EINVALID, "expected_pipeline"},
		{"more than the budget", "", func(a *Action) { a.Amount = tandem.Major(50000) + 1 }, Request, tandem.EINVALID, "50000.01 is more than the 50000.00 still available"},
		{"before the period", "", func(a *Action) { a.At = opens.Add(-time.Second) }, Request, tandem.ECONFLICT, "before the budget opens on 2026-07-01"},
		{"after expiry", "", func(a *Action) { a.At = expires }, Request, tandem.ECONFLICT, "the budget expired on 2026-10-01"},
		{"unknown request", "", func(a *Action) { a.Request = "R-9" }, Approve, tandem.ENOTFOUND, `MDF request R-9 not found`},
		{"approve more than requested", Requested, func(a *Action) { a.Amount = tandem.Major(10000) + 1 }, Approve, tandem.EINVALID, "approve between 0.01 and the 10000.00 requested"},
		{"approve after expiry", Requested, func(a *Action) { a.At = after }, Approve, tandem.ECONFLICT, "cannot approve: the budget expired"},
		{"reject without reason", Requested, func(a *Action) { a.Reason = "" }, Reject, tandem.EINVALID, "needs a reason"},
		{"activity after expiry", Approved, func(a *Action) { a.At = after }, CompleteActivity, tandem.ECONFLICT, "cannot record the activity"},
		{"empty proof", ActivityDone, func(a *Action) { a.Proof = Proof{} }, SubmitProof, tandem.EINVALID, "needs files, attendees or generated leads"},
		{"claim more than approved", ProofSubmitted, func(a *Action) { a.Amount = tandem.Major(10001) }, Claim, tandem.EINVALID, "claim between 0.01 and the 10000.00 approved"},
		{"claim nothing", ProofSubmitted, func(a *Action) { a.Amount = 0 }, Claim, tandem.EINVALID, "claim between"},
		{"claim late", ProofSubmitted, func(a *Action) { a.At = after }, Claim, tandem.ECONFLICT, "cannot claim: the budget expired"},
		{"pay a different amount", Claimed, func(a *Action) { a.Amount = tandem.Major(9000) }, Pay, tandem.EINVALID, "pay the 8000.00 claimed"},
		{"expire early", Approved, func(a *Action) { a.At = during }, Expire, tandem.ECONFLICT, "runs until 2026-10-01"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFund()
			if tt.state != "" {
				f = fundIn(t, tt.state)
			}
			a := validAction(tt.kind, "R-1")
			if tt.state == "" && tt.kind != Request {
				a.Request = "R-9"
			}
			tt.act(&a)
			next, _, err := f.Apply(a)
			if tandem.ErrorCode(err) != tt.code || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v (code %s); want code %s saying %q", err, tandem.ErrorCode(err), tt.code, tt.want)
			}
			if diff := cmp.Diff(f, next); diff != "" {
				t.Errorf("refused move changed the fund (-before +after):\n%s", diff)
			}
		})
	}
}

func TestPaidAfterExpiryAndExpireAll(t *testing.T) {
	t.Parallel()
	f := fundIn(t, Claimed)
	for _, k := range []ActionKind{Request, Approve} { // a second request, left approved
		a := validAction(k, "R-2")
		var err error
		if f, _, err = f.Apply(a); err != nil {
			t.Fatal(err)
		}
	}
	if same, evs := f.ExpireAll(during, "job"); len(evs) != 0 || !cmp.Equal(same, f) {
		t.Errorf("ExpireAll before the end expired %v", evs)
	}
	f, evs := f.ExpireAll(after, "job")
	if len(evs) != 1 || evs[0].Request != "R-2" || evs[0].Amount != tandem.Major(10000) || f.Requests[1].State != Expired {
		t.Fatalf("ExpireAll: events %+v, requests %+v; want only R-2 expired, releasing 10000.00", evs, f.Requests)
	}
	// A claim filed in time is still paid after the period.
	f, ev, err := f.Apply(Action{Kind: Pay, Request: "R-1", At: after, Actor: "finance"})
	if err != nil || ev.Amount != tandem.Major(8000) {
		t.Fatalf("pay after expiry: %v, %+v", err, ev)
	}
	want := Totals{Budget: tandem.Major(50000), Paid: tandem.Major(8000), Available: tandem.Major(42000)}
	if diff := cmp.Diff(want, f.Totals()); diff != "" {
		t.Errorf("totals (-want +got):\n%s", diff)
	}
}

// TestBudgetNeverExceeded drives random sequences of actions at a fund and checks after every step
// that the money held stays within the budget, each request's amounts only narrow (paid ≤ claimed ≤
// approved ≤ requested), and refused moves change nothing.
func TestBudgetNeverExceeded(t *testing.T) {
	t.Parallel()
	reached := map[State]bool{}
	for seed := range uint64(200) {
		rng := rand.New(rand.NewPCG(seed, 3))
		f := newFund()
		f.Budget.Amount = tandem.Money(rng.Int64N(5_000_000) + 1)
		for step := range 60 {
			a := Action{Kind: Actions[rng.IntN(len(Actions))], Request: []string{"A", "B", "C", "D", "E"}[rng.IntN(5)],
				At: opens.Add(time.Duration(rng.Int64N(int64(expires.Sub(opens) + 48*time.Hour)))), Actor: "x",
				Activity: "webinar", Amount: tandem.Money(rng.Int64N(int64(f.Budget.Amount)/2 + 2)), Reason: "r",
				Proof: Proof{Attendees: rng.IntN(3)}}
			if rng.IntN(4) == 0 {
				a.Amount = 0
			}
			// Most steps follow the workflow, so the walks reach its late states; the rest are random.
			if i := slices.IndexFunc(f.Requests, func(r FundRequest) bool { return r.ID == a.Request }); i >= 0 && rng.IntN(3) > 0 {
				for _, k := range Actions {
					if _, ok := Next(f.Requests[i].State, k); ok && rng.IntN(2) == 0 {
						a.Kind = k
						break
					}
				}
				if a.Kind == Claim || a.Kind == Pay {
					a.Amount = f.Requests[i].Approved - tandem.Money(rng.Int64N(2))
				}
			}
			next, _, err := f.Apply(a)
			if err != nil {
				if !cmp.Equal(next, f) {
					t.Fatalf("seed %d step %d: refused %s changed the fund", seed, step, a.Kind)
				}
				continue
			}
			f = next
			tot := f.Totals()
			if tot.Available < 0 || tot.Requested+tot.Approved+tot.Claimed+tot.Paid > tot.Budget {
				t.Fatalf("seed %d step %d: after %s totals %+v exceed the budget", seed, step, a.Kind, tot)
			}
			for _, r := range f.Requests {
				reached[r.State] = true
				if r.Paid > r.Claimed || r.Claimed > r.Approved || r.Approved > r.Requested || r.Paid < 0 {
					t.Fatalf("seed %d step %d: request %+v amounts out of order", seed, step, r)
				}
			}
		}
	}
	for _, s := range States {
		if !reached[s] {
			t.Errorf("the random walks never reached %s; the property is not exercised there", s)
		}
	}
}

// TestTotalsWorkedExample follows one request through partial approval and a partial claim, checking
// the budget arithmetic to the cent after every step.
func TestTotalsWorkedExample(t *testing.T) {
	t.Parallel()
	m := tandem.Major
	steps := []struct {
		action Action
		want   Totals
	}{
		{Action{Kind: Request, Activity: "roadshow", Amount: m(10000)}, Totals{Budget: m(50000), Requested: m(10000), Available: m(40000)}},
		{Action{Kind: Approve, Amount: m(7500)}, Totals{Budget: m(50000), Approved: m(7500), Available: m(42500)}},
		{Action{Kind: CompleteActivity}, Totals{Budget: m(50000), Approved: m(7500), Available: m(42500)}},
		{Action{Kind: SubmitProof, Proof: Proof{Leads: []string{"L-7"}}}, Totals{Budget: m(50000), Approved: m(7500), Available: m(42500)}},
		{Action{Kind: Claim, Amount: m(7000) + 1}, Totals{Budget: m(50000), Claimed: m(7000) + 1, Available: m(43000) - 1}},
		{Action{Kind: Pay}, Totals{Budget: m(50000), Paid: m(7000) + 1, Available: m(43000) - 1}},
	}
	f := newFund()
	for _, s := range steps {
		s.action.Request, s.action.At = "R-1", during
		next, _, err := f.Apply(s.action)
		if err != nil {
			t.Fatalf("%s: %v", s.action.Kind, err)
		}
		f = next
		if diff := cmp.Diff(s.want, f.Totals()); diff != "" {
			t.Errorf("after %s (-want +got):\n%s", s.action.Kind, diff)
		}
	}
}
