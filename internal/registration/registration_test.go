package registration

import (
	"context"
	"errors"
	"testing"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/match"
)

type fakeMatcher struct {
	res   match.Result
	err   error
	calls int
}

func (m *fakeMatcher) Match(context.Context, match.Query) (match.Result, error) {
	m.calls++
	return m.res, m.err
}

type fakeStore struct{ got *tandem.AccountResolution }

func (s *fakeStore) SubmitResolvedRegistration(_ context.Context, _ tandem.Actor, _ *tandem.Registration,
	_ tandem.RegistrationRules, resolved *tandem.AccountResolution) error {
	s.got = resolved
	return nil
}

// TestSubmitHandsTheStoreTheResolution checks what the store is given for each matcher outcome.
func TestSubmitHandsTheStoreTheResolution(t *testing.T) {
	t.Parallel()
	matched := match.Result{Decision: match.DecisionMatch, AccountID: "42", Score: 0.97, Reason: "same name",
		Candidates: []match.Candidate{{AccountID: "42", Name: "Cisco Systems, Inc.", Score: 0.97, Reason: "same name"}}}
	tests := []struct {
		name      string
		matcher   *fakeMatcher
		accountID int64 // the registration's own
		want      *tandem.AccountResolution
		calls     int
	}{
		{"match", &fakeMatcher{res: matched}, 0, &tandem.AccountResolution{Decision: tandem.AccountDecisionMatch, AccountID: 42,
			Score: 0.97, Reason: "same name", Candidates: []tandem.AccountMatchCandidate{{AccountID: 42, Name: "Cisco Systems, Inc.",
				Score: 0.97, Reason: "same name"}}}, 1},
		{"review keeps the account open", &fakeMatcher{res: match.Result{Decision: match.DecisionReview, AccountID: "7",
			Candidates: []match.Candidate{{AccountID: "7"}}}}, 0, &tandem.AccountResolution{Decision: tandem.AccountDecisionReview,
			Candidates: []tandem.AccountMatchCandidate{{AccountID: 7}}}, 1},
		{"matcher failure files unresolved", &fakeMatcher{err: errors.New("index not loaded")}, 0, nil, 1},
		{"bad account id files unresolved", &fakeMatcher{res: match.Result{Decision: match.DecisionMatch, AccountID: "x"}}, 0, nil, 1},
		{"named account is not matched", &fakeMatcher{res: matched}, 9, nil, 0},
	}
	for _, tt := range tests {
		st := &fakeStore{}
		r := &tandem.Registration{AccountName: "CISCO", AccountID: tt.accountID}
		if err := NewSubmitter(st, tt.matcher, nil).Submit(context.Background(), tandem.SystemActor, r, tandem.RegistrationRules{}); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if tt.matcher.calls != tt.calls {
			t.Errorf("%s: matcher asked %d times, want %d", tt.name, tt.matcher.calls, tt.calls)
		}
		if (st.got == nil) != (tt.want == nil) || st.got != nil && !equal(*st.got, *tt.want) {
			t.Errorf("%s: store got %+v, want %+v", tt.name, st.got, tt.want)
		}
	}
}

func equal(a, b tandem.AccountResolution) bool {
	if a.Decision != b.Decision || a.AccountID != b.AccountID || a.Score != b.Score || a.Reason != b.Reason ||
		len(a.Candidates) != len(b.Candidates) {
		return false
	}
	for i := range a.Candidates {
		if a.Candidates[i] != b.Candidates[i] {
			return false
		}
	}
	return true
}
