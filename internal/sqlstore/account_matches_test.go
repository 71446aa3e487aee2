package sqlstore

import (
	"context"
	"testing"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/conflicts"
	"github.com/tandem-revops/tandem/internal/match"
	"github.com/tandem-revops/tandem/internal/registration"
)

// matchFixture is the lifecycle fixture plus an account whose short name only the matcher resolves
// ("CISCO" is not "Cisco Systems, Inc." once normalised) and a direct deal on it.
type matchFixture struct {
	*lifecycleFixture
	// submitter files registrations with account resolution once a test sets a matcher (setMatcher).
	submitter *registration.Submitter
	cisco     tandem.Account
	direct    tandem.Opportunity
}

func seedMatch(t *testing.T, s *Store) *matchFixture {
	t.Helper()
	ctx := context.Background()
	f := &matchFixture{lifecycleFixture: seedLifecycle(t, s)}
	f.cisco = tandem.Account{ExternalID: "A-CSCO", Name: "Cisco Systems, Inc.", Country: "US"}
	must(t, s.CreateAccount(ctx, admin, &f.cisco))
	f.direct = tandem.Opportunity{ExternalID: "O-CSCO", Name: "Cisco direct", AccountID: f.cisco.ID, ProductType: tandem.ProductCore,
		ACV: tandem.Major(90_000), Currency: "USD", Stage: tandem.StageQualified, ForecastCategory: tandem.ForecastPipeline,
		Routing: tandem.Routing{Motion: tandem.MotionDirect, Rule: "direct"}}
	must(t, s.CreateOpportunity(ctx, admin, &f.direct))
	return f
}

func (f *matchFixture) submit(t *testing.T, s *Store, actor tandem.Actor, name, website string) *tandem.Registration {
	t.Helper()
	r := &tandem.Registration{AccountName: name, Website: website, Country: "US", ProductType: tandem.ProductCore,
		EstimatedACV: tandem.Major(50_000), Currency: "USD"}
	if f.submitter != nil {
		must(t, f.submitter.Submit(context.Background(), actor, r, f.rules))
	} else {
		must(t, s.SubmitRegistration(context.Background(), actor, r, f.rules))
	}
	return r
}

// setMatcher makes the fixture file registrations the way the server does: resolved by m first.
func (f *matchFixture) setMatcher(s *Store, m registration.Matcher) {
	f.submitter = registration.NewSubmitter(s, m, nil)
}

func accountMatchOf(t *testing.T, s *Store, regID int64) AccountMatch {
	t.Helper()
	for _, status := range []string{AccountMatchAuto, AccountMatchReview, AccountMatchResolved} {
		items, _, err := s.ListAccountMatches(context.Background(), admin, AccountMatchFilter{Status: status, Limit: 1000})
		must(t, err)
		for _, m := range items {
			if m.RegistrationID == regID {
				return m
			}
		}
	}
	t.Fatalf("no account match for registration %d", regID)
	return AccountMatch{}
}

func TestSubmitResolvesAccountAndDetectsByIt(t *testing.T) {
	t.Parallel()
	forEachSeeded(t, seedMatch, func(t *testing.T, ctx context.Context, s *Store, f *matchFixture) {
		// Without a matcher the short name is another customer: no overlap with the direct deal.
		before := f.submit(t, s, f.actor2, "CISCO", "")
		opened, err := conflicts.DetectRegistration(ctx, s, f.pm, conflictRules(t), before.ID)
		must(t, err)
		if before.AccountID != 0 || len(opened) != 0 {
			t.Fatalf("without a matcher: account %d, %d conflicts; want 0 and none", before.AccountID, len(opened))
		}

		live := match.NewLive(s.AccountSource(), match.LiveConfig{})
		defer live.Stop()
		f.setMatcher(s, live)
		r := f.submit(t, s, f.actor1, "CISCO", "")
		if r.AccountID != f.cisco.ID {
			t.Fatalf("CISCO resolved to account %d, want %d (Cisco Systems, Inc.)", r.AccountID, f.cisco.ID)
		}
		m := accountMatchOf(t, s, r.ID)
		if m.Decision != match.DecisionMatch || m.Status != AccountMatchAuto || m.CandidateID != f.cisco.ID ||
			m.Score < match.MatchThreshold || m.Reason == "" || len(m.Candidates) == 0 {
			t.Errorf("account match %+v", m)
		}
		opened, err = conflicts.DetectRegistration(ctx, s, f.pm, conflictRules(t), r.ID)
		must(t, err)
		// The direct deal is found through the resolved account; partner 2's unresolved "CISCO" through
		// the name they share.
		byCause := map[tandem.ConflictCause]tandem.Conflict{}
		for _, c := range opened {
			byCause[c.Cause] = c
		}
		if d := byCause[tandem.CauseDirectOverlap]; len(opened) != 2 || d.OpportunityID != f.direct.ID || d.AccountID != f.cisco.ID ||
			byCause[tandem.CausePartnerOverlap].RegistrationID != before.ID {
			t.Errorf("opened %+v, want a direct overlap with the Cisco deal and a partner overlap with %d", opened, before.ID)
		}

		// The partner never learns which account it matched.
		got, err := s.GetRegistration(ctx, f.actor1, r.ID)
		must(t, err)
		if got.AccountID != 0 {
			t.Errorf("the partner sees account %d", got.AccountID)
		}
		list, _, err := s.ListRegistrations(ctx, f.actor1, RegistrationFilter{AccountID: f.cisco.ID})
		must(t, err)
		for _, x := range list {
			if x.AccountID != 0 {
				t.Errorf("the partner's list shows account %d", x.AccountID)
			}
		}
		if _, err := s.GetAccount(ctx, f.actor1, f.cisco.ID); err == nil {
			t.Errorf("the partner can read the account its registration was matched to")
		}
		_, _, err = s.ListAccountMatches(ctx, f.actor1, AccountMatchFilter{})
		wantCode(t, err, tandem.ENOTFOUND)
		_, err = s.GetAccountMatch(ctx, f.actor1, m.ID)
		wantCode(t, err, tandem.ENOTFOUND)
		// A partner's update cannot pick or clear the account either.
		got.ContactName = "Pat"
		must(t, s.UpdateRegistration(ctx, f.actor1, got))
		if after, _ := s.GetRegistration(ctx, admin, r.ID); after.AccountID != f.cisco.ID || after.ContactName != "Pat" {
			t.Errorf("after the partner's update: account %d, contact %q", after.AccountID, after.ContactName)
		}

		// An account created after the index was built is matched at once.
		fresh := tandem.Account{ExternalID: "A-ZYN", Name: "Zyntrofax Biologics Corporation", Country: "US"}
		must(t, s.CreateAccount(ctx, admin, &fresh))
		if r := f.submit(t, s, f.actor1, "Zyntrofax Biologics", ""); r.AccountID != fresh.ID {
			t.Errorf("a registration for a new account resolved to %d, want %d", r.AccountID, fresh.ID)
		}

		// Nothing close: new, recorded, unresolved.
		n := f.submit(t, s, f.actor1, "Qwertyuiop Widgets", "")
		if nm := accountMatchOf(t, s, n.ID); n.AccountID != 0 || nm.Decision != match.DecisionNew || nm.Status != AccountMatchAuto {
			t.Errorf("unknown company: account %d, match %+v", n.AccountID, nm)
		}
	})
}

func TestAccountMatchReviewQueue(t *testing.T) {
	t.Parallel()
	forEachSeeded(t, seedMatch, func(t *testing.T, ctx context.Context, s *Store, f *matchFixture) {
		live := match.NewLive(s.AccountSource(), match.LiveConfig{})
		defer live.Stop()
		f.setMatcher(s, live)

		// A near spelling is never matched automatically: it waits for a person.
		r := f.submit(t, s, f.actor1, "Cisko Systems", "")
		m := accountMatchOf(t, s, r.ID)
		if r.AccountID != 0 || m.Decision != match.DecisionReview || m.Status != AccountMatchReview || m.CandidateID != f.cisco.ID {
			t.Fatalf("registration account %d, match %+v; want unresolved, in review, candidate %d", r.AccountID, m, f.cisco.ID)
		}
		queue, total, err := s.ListAccountMatches(ctx, f.pm, AccountMatchFilter{})
		must(t, err)
		if total != 1 || len(queue) != 1 || queue[0].ID != m.ID || queue[0].AccountName != "Cisko Systems" || queue[0].CandidateName != f.cisco.Name {
			t.Errorf("queue %+v (total %d)", queue, total)
		}
		_, _, err = s.ListAccountMatches(ctx, f.pm, AccountMatchFilter{Status: "bogus"})
		wantCode(t, err, tandem.EINVALID)

		// Refused resolutions leave everything as it was.
		_, err = s.ResolveAccountMatch(ctx, f.actor1, m.ID, f.cisco.ID)
		wantCode(t, err, tandem.ENOTFOUND)
		_, err = s.ResolveAccountMatch(ctx, f.pm, m.ID, 999999)
		wantCode(t, err, tandem.ENOTFOUND)
		_, err = s.ResolveAccountMatch(ctx, f.pm, 999999, f.cisco.ID)
		wantCode(t, err, tandem.ENOTFOUND)
		if got := accountMatchOf(t, s, r.ID); got.Status != AccountMatchReview {
			t.Fatalf("after refused resolutions: %+v", got)
		}

		resolved, err := s.ResolveAccountMatch(ctx, f.pm, m.ID, f.cisco.ID)
		must(t, err)
		if resolved.Status != AccountMatchResolved || resolved.ResolvedAccountID != f.cisco.ID || resolved.DecidedBy != f.pm.UserID ||
			!resolved.DecidedAt.Equal(f.clock.t) {
			t.Errorf("resolved %+v", resolved)
		}
		got, err := s.GetRegistration(ctx, admin, r.ID)
		must(t, err)
		if got.AccountID != f.cisco.ID {
			t.Errorf("registration account %d after review, want %d", got.AccountID, f.cisco.ID)
		}
		opened, err := conflicts.DetectRegistration(ctx, s, f.pm, conflictRules(t), r.ID)
		must(t, err)
		if len(opened) != 1 || opened[0].OpportunityID != f.direct.ID {
			t.Errorf("after the review detection opened %+v, want the direct overlap", opened)
		}
		_, err = s.ResolveAccountMatch(ctx, f.pm, m.ID, 0)
		wantCode(t, err, tandem.ECONFLICT)

		// "New": the registration stays unresolved.
		r2 := f.submit(t, s, f.actor2, "Cisko Systems", "")
		m2 := accountMatchOf(t, s, r2.ID)
		if _, err := s.ResolveAccountMatch(ctx, f.revops, m2.ID, 0); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.GetRegistration(ctx, admin, r2.ID); got.AccountID != 0 {
			t.Errorf("resolved as new, the registration has account %d", got.AccountID)
		}
		if _, total, _ := s.ListAccountMatches(ctx, f.pm, AccountMatchFilter{}); total != 0 {
			t.Errorf("%d left in the queue", total)
		}
	})
}

// TestDetectionFindsRowsWithoutKeys: rows written before the keys existed, or renamed since, are
// keyed before detection reads them.
func TestDetectionFindsRowsWithoutKeys(t *testing.T) {
	t.Parallel()
	forEachSeeded(t, seedMatch, func(t *testing.T, ctx context.Context, s *Store, f *matchFixture) {
		r1 := f.submit(t, s, f.actor1, "Umbrella Corporation", "umbrella.example")
		_, err := s.write.ExecContext(ctx, `UPDATE registrations SET name_key = NULL, domain_key = NULL`)
		must(t, err)
		// Renaming an account resets its key (a trigger), so the direct deal is found under the new name.
		f.cisco.Name = "Umbrella Corp"
		must(t, s.UpdateAccount(ctx, admin, &f.cisco))
		var key *string
		must(t, s.write.QueryRowContext(ctx, `SELECT name_key FROM accounts WHERE id = $1`, f.cisco.ID).Scan(&key))
		if key != nil {
			t.Errorf("account name key %q after a rename, want NULL", *key)
		}
		r2 := f.submit(t, s, f.actor2, "UMBRELLA CORP.", "")
		opened, err := conflicts.DetectRegistration(ctx, s, f.pm, conflictRules(t), r2.ID)
		must(t, err)
		causes := map[tandem.ConflictCause]int64{}
		for _, c := range opened {
			causes[c.Cause] = c.RegistrationID
		}
		if len(opened) != 2 || causes[tandem.CausePartnerOverlap] != r1.ID || causes[tandem.CauseDirectOverlap] != r2.ID {
			t.Errorf("opened %+v, want a partner overlap with %d and a direct overlap", opened, r1.ID)
		}
	})
}
