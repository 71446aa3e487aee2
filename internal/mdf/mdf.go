// Package mdf owns the market development funds workflow: a partner's budget for a period that expires,
// and the life of each request against it:
//
//	requested → approved → activity_done → proof_submitted → claimed → paid
//	requested → rejected (with a reason)
//	requested, approved, activity_done, proof_submitted → expired (once the budget's period has ended)
//
// Fund.Apply is the one transition function: it refuses every illegal move with an error and then
// leaves the fund exactly as it was, and it returns the event to log for every legal one. Money is held
// against the budget from the moment it is requested (the requested amount), then the approved amount,
// then the claimed amount, then the paid amount; rejected and expired requests hold nothing. The held
// amounts never exceed the budget, so requested, approved, claimed and paid each stay within it.
//
// Who may act (a partner requests and claims only on its own fund; a channel manager approves, rejects
// and pays) is the caller's concern: this package has no users, only the rules of the money. It has no
// I/O and reads no clock: every action carries its time.
package mdf

import (
	"fmt"
	"slices"
	"strings"
	"time"

	tandem "github.com/tandem-revops/tandem"
)

// State is where a request is in its life.
type State string

const (
	Requested      State = "requested"
	Approved       State = "approved"
	Rejected       State = "rejected"
	ActivityDone   State = "activity_done"
	ProofSubmitted State = "proof_submitted"
	Claimed        State = "claimed"
	Paid           State = "paid"
	Expired        State = "expired"
)

// States lists every state in workflow order.
var States = []State{Requested, Approved, Rejected, ActivityDone, ProofSubmitted, Claimed, Paid, Expired}

// ActionKind is a move a person (or the expiry job) makes on a request.
type ActionKind string

const (
	Request          ActionKind = "request"
	Approve          ActionKind = "approve"
	Reject           ActionKind = "reject"
	CompleteActivity ActionKind = "complete_activity"
	SubmitProof      ActionKind = "submit_proof"
	Claim            ActionKind = "claim"
	Pay              ActionKind = "pay"
	Expire           ActionKind = "expire"
)

// Actions lists every action.
var Actions = []ActionKind{Request, Approve, Reject, CompleteActivity, SubmitProof, Claim, Pay, Expire}

// transitions says which actions each state allows and where they lead. Request creates a request and
// so is allowed from no state.
var transitions = map[State]map[ActionKind]State{
	Requested:      {Approve: Approved, Reject: Rejected, Expire: Expired},
	Approved:       {CompleteActivity: ActivityDone, Expire: Expired},
	ActivityDone:   {SubmitProof: ProofSubmitted, Expire: Expired},
	ProofSubmitted: {Claim: Claimed, Expire: Expired},
	Claimed:        {Pay: Paid},
	Rejected:       {},
	Paid:           {},
	Expired:        {},
}

// Next returns the state action leads to from s, and whether the move is legal.
func Next(s State, a ActionKind) (State, bool) {
	to, ok := transitions[s][a]
	return to, ok
}

// Budget is a partner's funds for one period. Requests, approvals, activities, proof and claims are
// accepted from Opens until Expires; after that the open requests expire. A claim filed in time is
// still paid after Expires.
type Budget struct {
	Partner string
	Period  string
	Amount  tandem.Money
	Opens   time.Time
	Expires time.Time
}

// Proof is the proof of performance of an activity: files (names or storage keys), attendees and the
// leads it generated (lead ids, later linked to the opportunities they become).
type Proof struct {
	Files     []string
	Attendees int
	Leads     []string
}

func (p Proof) empty() bool { return len(p.Files) == 0 && p.Attendees == 0 && len(p.Leads) == 0 }

// FundRequest is one request against a budget.
type FundRequest struct {
	ID               string
	Activity         string
	ExpectedPipeline tandem.Money
	Requested        tandem.Money
	Approved         tandem.Money
	Claimed          tandem.Money
	Paid             tandem.Money
	State            State
	RejectReason     string
	Proof            Proof
}

// held is what the request holds against the budget in its state.
func (r FundRequest) held() tandem.Money {
	switch r.State {
	case Requested:
		return r.Requested
	case Approved, ActivityDone, ProofSubmitted:
		return r.Approved
	case Claimed:
		return r.Claimed
	case Paid:
		return r.Paid
	}
	return 0
}

// Fund is a budget with its requests. It is a value: Apply returns a new Fund and never changes the one
// it was called on.
type Fund struct {
	Budget   Budget
	Requests []FundRequest
}

// Action is one move. Which fields matter depends on Kind: Request needs Request (the new id),
// Activity, Amount and ExpectedPipeline; Approve takes Amount (0 approves what was requested); Reject
// needs Reason; SubmitProof needs Proof; Claim needs Amount; Pay takes Amount (0 pays the claim, any
// other amount must equal it).
type Action struct {
	Kind             ActionKind
	Request          string
	At               time.Time
	Actor            string
	Activity         string
	Amount           tandem.Money
	ExpectedPipeline tandem.Money
	Reason           string
	Proof            Proof
}

// Event is the log line of a legal move.
type Event struct {
	Partner string
	Period  string
	Request string
	Action  ActionKind
	From    State // "" for a new request
	To      State
	At      time.Time
	Actor   string
	Amount  tandem.Money
	Reason  string
}

// Totals are a fund's money by where it stands; Available is what may still be requested.
type Totals struct {
	Budget    tandem.Money
	Requested tandem.Money // awaiting approval
	Approved  tandem.Money // approved and not yet claimed
	Claimed   tandem.Money // claimed and not yet paid
	Paid      tandem.Money
	Available tandem.Money
}

// Totals sums the fund's requests by state. The sums cannot leave the money range: Apply refuses any
// request or approval past the available funds, so every total stays within the fund's budget, itself
// a checked amount (at most tandem.MaxAmount).
func (f Fund) Totals() Totals {
	t := Totals{Budget: f.Budget.Amount}
	for _, r := range f.Requests {
		switch r.State {
		case Requested:
			t.Requested += r.Requested
		case Approved, ActivityDone, ProofSubmitted:
			t.Approved += r.Approved
		case Claimed:
			t.Claimed += r.Claimed
		case Paid:
			t.Paid += r.Paid
		}
	}
	t.Available = t.Budget - t.Requested - t.Approved - t.Claimed - t.Paid
	return t
}

// Apply makes one move and returns the new fund and the event to log. It refuses an illegal move with
// a tandem ECONFLICT error (the request is in a state that does not allow it, or the period is over or
// not yet over) or an EINVALID one (a missing or out-of-range field, more than the available funds); the
// fund it returns with an error is f unchanged.
func (f Fund) Apply(a Action) (Fund, Event, error) {
	ev := Event{Partner: f.Budget.Partner, Period: f.Budget.Period, Request: a.Request, Action: a.Kind, At: a.At, Actor: a.Actor}
	fail := func(err error) (Fund, Event, error) {
		return f, Event{}, fmt.Errorf("MDF %s %s, request %q: %w", f.Budget.Partner, f.Budget.Period, a.Request, err)
	}
	if !slices.Contains(Actions, a.Kind) {
		return fail(tandem.FieldError("action", "%q is not an action (%s)", a.Kind, actionList(Actions)))
	}
	if a.Request == "" {
		return fail(tandem.FieldError("request", "empty request id"))
	}
	if a.At.IsZero() {
		return fail(tandem.FieldError("at", "the action has no time"))
	}
	idx := slices.IndexFunc(f.Requests, func(r FundRequest) bool { return r.ID == a.Request })
	inPeriod := func(what string) error {
		if a.At.Before(f.Budget.Opens) {
			return tandem.Errorf(tandem.ECONFLICT, "cannot %s before the budget opens on %s", what, f.Budget.Opens.Format(time.DateOnly))
		}
		if !a.At.Before(f.Budget.Expires) {
			return tandem.Errorf(tandem.ECONFLICT, "cannot %s: the budget expired on %s", what, f.Budget.Expires.Format(time.DateOnly))
		}
		return nil
	}
	available := f.Totals().Available

	if a.Kind == Request {
		if idx >= 0 {
			return fail(tandem.Errorf(tandem.ECONFLICT, "a request with this id already exists (%s)", f.Requests[idx].State))
		}
		switch {
		case strings.TrimSpace(a.Activity) == "":
			return fail(tandem.FieldError("activity", "say what the funds are for"))
		case a.Amount <= 0:
			return fail(tandem.FieldError("amount", "%s: a request must be for a positive amount", a.Amount))
		case a.ExpectedPipeline < 0:
			return fail(tandem.FieldError("expected_pipeline", "%s is negative", a.ExpectedPipeline))
		case a.Amount > available:
			return fail(tandem.FieldError("amount", "%s is more than the %s still available of the %s budget", a.Amount, available, f.Budget.Amount))
		}
		if err := inPeriod("request funds"); err != nil {
			return fail(err)
		}
		r := FundRequest{ID: a.Request, Activity: strings.TrimSpace(a.Activity), ExpectedPipeline: a.ExpectedPipeline, Requested: a.Amount, State: Requested}
		out := f.with(-1, r)
		ev.To, ev.Amount = Requested, a.Amount
		return out, ev, nil
	}

	if idx < 0 {
		return fail(tandem.NotFound("MDF request", a.Request))
	}
	r := f.Requests[idx]
	to, ok := Next(r.State, a.Kind)
	if !ok {
		return fail(tandem.Errorf(tandem.ECONFLICT, "the request is %s: it cannot be %s (allowed: %s)", r.State, pastTense(a.Kind), allowedFrom(r.State)))
	}
	ev.From, ev.To = r.State, to
	switch a.Kind {
	case Approve:
		amount := a.Amount
		if amount == 0 {
			amount = r.Requested
		}
		if amount < 0 || amount > r.Requested {
			return fail(tandem.FieldError("amount", "%s: approve between 0.01 and the %s requested", amount, r.Requested))
		}
		if err := inPeriod("approve"); err != nil {
			return fail(err)
		}
		r.Approved, ev.Amount = amount, amount
	case Reject:
		if strings.TrimSpace(a.Reason) == "" {
			return fail(tandem.FieldError("reason", "a rejection needs a reason the partner can read"))
		}
		r.RejectReason, ev.Reason = strings.TrimSpace(a.Reason), strings.TrimSpace(a.Reason)
	case CompleteActivity:
		if err := inPeriod("record the activity"); err != nil {
			return fail(err)
		}
	case SubmitProof:
		if a.Proof.empty() {
			return fail(tandem.FieldError("proof", "proof of performance needs files, attendees or generated leads"))
		}
		if a.Proof.Attendees < 0 {
			return fail(tandem.FieldError("proof", "%d attendees", a.Proof.Attendees))
		}
		if err := inPeriod("submit proof"); err != nil {
			return fail(err)
		}
		r.Proof = Proof{Files: slices.Clone(a.Proof.Files), Attendees: a.Proof.Attendees, Leads: slices.Clone(a.Proof.Leads)}
	case Claim:
		if a.Amount <= 0 || a.Amount > r.Approved {
			return fail(tandem.FieldError("amount", "%s: claim between 0.01 and the %s approved", a.Amount, r.Approved))
		}
		if err := inPeriod("claim"); err != nil {
			return fail(err)
		}
		r.Claimed, ev.Amount = a.Amount, a.Amount
	case Pay:
		if a.Amount != 0 && a.Amount != r.Claimed {
			return fail(tandem.FieldError("amount", "%s: pay the %s claimed, no more and no less", a.Amount, r.Claimed))
		}
		r.Paid, ev.Amount = r.Claimed, r.Claimed
	case Expire:
		if a.At.Before(f.Budget.Expires) {
			return fail(tandem.Errorf(tandem.ECONFLICT, "the budget runs until %s; the request cannot expire before", f.Budget.Expires.Format(time.DateOnly)))
		}
		ev.Amount = r.held()
	}
	r.State = to
	return f.with(idx, r), ev, nil
}

// ExpireAll expires every open request once the budget's period is over (a job runs it); it returns
// the fund unchanged and no events before then.
func (f Fund) ExpireAll(at time.Time, actor string) (Fund, []Event) {
	if at.Before(f.Budget.Expires) {
		return f, nil
	}
	var events []Event
	for _, r := range f.Requests {
		if _, ok := Next(r.State, Expire); !ok {
			continue
		}
		next, ev, err := f.Apply(Action{Kind: Expire, Request: r.ID, At: at, Actor: actor})
		if err == nil {
			f, events = next, append(events, ev)
		}
	}
	return f, events
}

// with returns a copy of f with request i replaced by r (appended when i < 0).
func (f Fund) with(i int, r FundRequest) Fund {
	out := Fund{Budget: f.Budget, Requests: slices.Clone(f.Requests)}
	if i < 0 {
		out.Requests = append(out.Requests, r)
	} else {
		out.Requests[i] = r
	}
	return out
}

func allowedFrom(s State) string {
	var out []ActionKind
	for _, a := range Actions {
		if _, ok := transitions[s][a]; ok {
			out = append(out, a)
		}
	}
	if len(out) == 0 {
		return "nothing, it is final"
	}
	return actionList(out)
}

func actionList(as []ActionKind) string {
	s := make([]string, len(as))
	for i, a := range as {
		s[i] = string(a)
	}
	return strings.Join(s, ", ")
}

func pastTense(a ActionKind) string {
	switch a {
	case Request:
		return "requested"
	case Approve:
		return "approved"
	case Reject:
		return "rejected"
	case CompleteActivity:
		return "marked done"
	case SubmitProof:
		return "given proof"
	case Claim:
		return "claimed"
	case Pay:
		return "paid"
	case Expire:
		return "expired"
	}
	return string(a)
}
