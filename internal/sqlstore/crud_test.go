package sqlstore

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	tandem "github.com/tandem-revops/tandem"
)

func TestMigrateIsIdempotent(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		before, err := s.MigrationVersion(ctx)
		must(t, err)
		must(t, s.Migrate(ctx))
		must(t, s.Migrate(ctx))
		after, err := s.MigrationVersion(ctx)
		must(t, err)
		if before != after || after < 1 {
			t.Fatalf("version %d before, %d after migrating again", before, after)
		}
	})
}

func TestOpenURLForms(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, u := range []string{"sqlite:" + dir + "/a.db", "file:" + dir + "/b.db", dir + "/c.db"} {
		s, err := Open(context.Background(), u, nil)
		if err != nil {
			t.Fatalf("Open(%q): %v", u, err)
		}
		if s.Dialect() != DialectSQLite {
			t.Errorf("Open(%q).Dialect() = %q", u, s.Dialect())
		}
		s.Close()
	}
}

func TestAccountCRUD(t *testing.T) {
	t.Parallel()
	forEachSeeded(t, seed, func(t *testing.T, ctx context.Context, s *Store, f *fixture) {
		got, err := s.GetAccount(ctx, admin, f.a1.ID)
		wantSame(t, "GetAccount (-created +got)", &f.a1, got, err)
		if got.Domain != "acme.com" {
			t.Errorf("domain = %q, want it normalised to acme.com", got.Domain)
		}

		got.Vertical, got.ParentID = "wholesale", f.a3.ID
		must(t, s.UpdateAccount(ctx, admin, got))
		again, err := s.GetAccount(ctx, admin, f.a1.ID)
		wantSame(t, "after update (-want +got)", got, again, err)

		noID := tandem.Account{Name: "No Id Ltd"}
		must(t, s.CreateAccount(ctx, admin, &noID))
		if noID.ExternalID == "" || noID.ID == 0 {
			t.Errorf("created account without external id: %+v", noID)
		}

		cases := []struct {
			name string
			a    tandem.Account
			code string
		}{
			{"no name", tandem.Account{ExternalID: "X1"}, tandem.EINVALID},
			{"bad country", tandem.Account{ExternalID: "X2", Name: "X", Country: "usa"}, tandem.EINVALID},
			{"duplicate external id", tandem.Account{ExternalID: "A1", Name: "Another Acme"}, tandem.ECONFLICT},
			{"missing owner", tandem.Account{ExternalID: "X3", Name: "X", OwnerID: 99999}, tandem.EINVALID},
		}
		for _, c := range cases {
			a := c.a
			err := s.CreateAccount(ctx, admin, &a)
			if tandem.ErrorCode(err) != c.code {
				t.Errorf("%s: error %v, want code %s", c.name, err, c.code)
			}
		}
		_, err = s.GetAccount(ctx, admin, 424242)
		wantCode(t, err, tandem.ENOTFOUND)
		missing := f.a2
		missing.ID = 424242
		wantCode(t, s.UpdateAccount(ctx, admin, &missing), tandem.ENOTFOUND)
	})
}

func TestOtherEntitiesCRUD(t *testing.T) {
	t.Parallel()
	forEachSeeded(t, seed, func(t *testing.T, ctx context.Context, s *Store, f *fixture) {
		p, err := s.GetPartner(ctx, admin, f.p1.ID)
		wantSame(t, "GetPartner (-want +got)", &f.p1, p, err)
		p.Tier = tandem.TierPlatinum
		must(t, s.UpdatePartner(ctx, admin, p))

		u, err := s.GetUser(ctx, admin, f.ae.ID)
		must(t, err)
		if u.Email != "ada@vendor.test" {
			t.Errorf("email = %q, want lower case", u.Email)
		}
		dup := tandem.User{Email: "ADA@vendor.test", Role: tandem.RoleAE}
		wantCode(t, s.CreateUser(ctx, admin, &dup, ""), tandem.ECONFLICT)
		bad := tandem.User{Email: "x@y.test", Role: tandem.RolePartnerUser}
		wantCode(t, s.CreateUser(ctx, admin, &bad, ""), tandem.EINVALID)

		o, err := s.GetOpportunity(ctx, admin, f.o1.ID)
		wantSame(t, "GetOpportunity (-want +got)", &f.o1, o, err)
		byExt, err := s.GetOpportunityByExternalID(ctx, admin, "O1")
		must(t, err)
		if byExt.ID != f.o1.ID {
			t.Errorf("by external id: got %d, want %d", byExt.ID, f.o1.ID)
		}
		_, err = s.GetOpportunityByExternalID(ctx, admin, "nope")
		wantCode(t, err, tandem.ENOTFOUND)

		r, err := s.GetRegistration(ctx, admin, f.r2.ID)
		must(t, err)
		if r.Status != tandem.RegistrationSubmitted || r.SubmittedAt.IsZero() {
			t.Errorf("new registration: status %q submitted %v", r.Status, r.SubmittedAt)
		}
		// The status moves only through the lifecycle: an update that changes it is refused, row unchanged.
		r.Status = tandem.RegistrationRejected
		r.RejectionReason = "duplicate"
		wantCode(t, s.UpdateRegistration(ctx, admin, r), tandem.ECONFLICT)
		if after, err := s.GetRegistration(ctx, admin, f.r2.ID); err != nil || after.Status != tandem.RegistrationSubmitted ||
			after.RejectionReason != "" || !after.UpdatedAt.Equal(r.UpdatedAt) {
			t.Errorf("after a refused status change: %+v, %v", after, err)
		}
		r.Status, r.RejectionReason, r.ContactName = "", "", "Dana"
		must(t, s.UpdateRegistration(ctx, admin, r))
		if r.Status != tandem.RegistrationSubmitted || r.ContactName != "Dana" {
			t.Errorf("an update without a status keeps it: %+v", r)
		}

		tc, err := s.GetTouch(ctx, admin, f.t1.ID)
		wantSame(t, "GetTouch (-want +got)", &f.t1, tc, err)

		terr := tandem.Territory{Name: "EMEA", Countries: []string{"DE", "FR"}}
		must(t, s.CreateTerritory(ctx, admin, &terr))
		gotTerr, err := s.GetTerritory(ctx, admin, terr.ID)
		wantSame(t, "GetTerritory (-want +got)", &terr, gotTerr, err)
		dupTerr := tandem.Territory{Name: "EMEA"}
		wantCode(t, s.CreateTerritory(ctx, admin, &dupTerr), tandem.ECONFLICT)

		prod := tandem.Product{ExternalID: "SKU-1", Name: "Core platform", Type: tandem.ProductCore, COGSBasisPoints: 1500}
		must(t, s.CreateProduct(ctx, admin, &prod))
		gotProd, err := s.GetProduct(ctx, admin, prod.ID)
		wantSame(t, "GetProduct (-want +got)", &prod, gotProd, err)
		prods, n, err := s.ListProducts(ctx, f.actor1, ProductFilter{})
		must(t, err)
		if n != 1 || len(prods) != 1 {
			t.Errorf("ListProducts: %d of %d", len(prods), n)
		}
	})
}

func TestListOpportunities(t *testing.T) {
	t.Parallel()
	forEachSeeded(t, seed, func(t *testing.T, ctx context.Context, s *Store, f *fixture) {
		ids := func(os []tandem.Opportunity) []string {
			return pluck(os, func(o tandem.Opportunity) string { return o.ExternalID })
		}
		cases := []struct {
			name  string
			f     OpportunityFilter
			want  []string
			total int
		}{
			{"all by acv", OpportunityFilter{Sort: "acv"}, []string{"O2", "O1", "O3"}, 3},
			{"all by -acv", OpportunityFilter{Sort: "-acv"}, []string{"O3", "O1", "O2"}, 3},
			{"by name", OpportunityFilter{Sort: "name"}, []string{"O1", "O2", "O3"}, 3},
			{"motion", OpportunityFilter{Motion: tandem.MotionDirect}, []string{"O3"}, 1},
			{"stage", OpportunityFilter{Stage: tandem.StageQualified}, []string{"O2"}, 1},
			{"partner", OpportunityFilter{PartnerID: f.p1.ID}, []string{"O1"}, 1},
			{"owner", OpportunityFilter{OwnerID: f.ae.ID, Sort: "name"}, []string{"O1", "O3"}, 2},
			{"account", OpportunityFilter{AccountID: f.a2.ID}, []string{"O2"}, 1},
			{"rule", OpportunityFilter{Rule: "core-large", Sort: "name"}, []string{"O1", "O3"}, 2},
			{"query on name", OpportunityFilter{Query: "EXPANSION"}, []string{"O1"}, 1},
			{"query on account", OpportunityFilter{Query: "initech"}, []string{"O3"}, 1},
			{"query with wildcard is literal", OpportunityFilter{Query: "%"}, nil, 0},
			{"page", OpportunityFilter{Sort: "acv", Limit: 1, Offset: 1}, []string{"O1"}, 3},
			{"past the end", OpportunityFilter{Sort: "acv", Limit: 2, Offset: 10}, nil, 3},
		}
		for _, c := range cases {
			got, total, err := s.ListOpportunities(ctx, admin, c.f)
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
				continue
			}
			if diff := cmp.Diff(c.want, ids(got)); diff != "" || total != c.total {
				t.Errorf("%s: total %d (want %d), ids (-want +got):\n%s", c.name, total, c.total, diff)
			}
		}
		_, _, err := s.ListOpportunities(ctx, admin, OpportunityFilter{Sort: "acv; DROP TABLE users"})
		wantCode(t, err, tandem.EINVALID)
		_, _, err = s.ListAccounts(ctx, admin, AccountFilter{Sort: "secret"})
		wantCode(t, err, tandem.EINVALID)

		accts, total, err := s.ListAccounts(ctx, admin, AccountFilter{Country: "US", Sort: "-name"})
		must(t, err)
		if total != 2 || len(accts) != 2 || accts[0].Name != "Initech" {
			t.Errorf("ListAccounts country US: %d %+v", total, accts)
		}
		regs, total, err := s.ListRegistrations(ctx, admin, RegistrationFilter{Status: tandem.RegistrationApproved})
		must(t, err)
		if total != 1 || regs[0].ExternalID != "R1" {
			t.Errorf("ListRegistrations approved: %d %+v", total, regs)
		}
		// The registration of one deal; a partner user asking for another partner's deal gets nothing.
		regs, total, err = s.ListRegistrations(ctx, admin, RegistrationFilter{OpportunityID: f.o2.ID})
		must(t, err)
		if total != 1 || regs[0].ExternalID != "R2" {
			t.Errorf("ListRegistrations of O2: %d %+v", total, regs)
		}
		if regs, total, err = s.ListRegistrations(ctx, f.actor1, RegistrationFilter{OpportunityID: f.o2.ID}); err != nil || total != 0 {
			t.Errorf("partner 1 lists the registration of partner 2's deal: %d %+v %v", total, regs, err)
		}
		users, total, err := s.ListUsers(ctx, admin, UserFilter{Role: tandem.RolePartnerUser})
		must(t, err)
		if total != 2 || len(users) != 2 {
			t.Errorf("ListUsers partner_user: %d", total)
		}
		partners, total, err := s.ListPartners(ctx, admin, PartnerFilter{Tier: tandem.TierSilver})
		must(t, err)
		if total != 1 || partners[0].ExternalID != "P2" {
			t.Errorf("ListPartners silver: %d %+v", total, partners)
		}
		touches, total, err := s.ListTouches(ctx, admin, TouchFilter{OpportunityID: f.o2.ID})
		must(t, err)
		if total != 1 || touches[0].ExternalID != "T2" {
			t.Errorf("ListTouches: %d %+v", total, touches)
		}
	})
}

func TestAuditWrittenWithChangeAndAppendOnly(t *testing.T) {
	t.Parallel()
	forEachSeeded(t, seed, func(t *testing.T, ctx context.Context, s *Store, f *fixture) {
		o := f.o1
		o.ACV = tandem.Major(150000)
		o.DiscountBasisPoints = 1000
		must(t, s.UpdateOpportunity(ctx, f.aeActor, &o))
		entries, total, err := s.ListAudit(ctx, admin, AuditFilter{Entity: "opportunity", EntityID: idString(o.ID)})
		must(t, err)
		if total != 2 || entries[0].Action != "opportunity.update" || entries[1].Action != "opportunity.create" {
			t.Fatalf("audit of the opportunity: %d entries %+v", total, entries)
		}
		want := `{"acv":{"from":12000000,"to":15000000},"discount_basis_points":{"from":0,"to":1000}}`
		if entries[0].Detail != want || entries[0].Actor != "ada@vendor.test" || entries[0].ActorID != f.ae.ID {
			t.Errorf("update entry = %+v\nwant detail %s", entries[0], want)
		}
		// An update that changes nothing writes nothing.
		must(t, s.UpdateOpportunity(ctx, admin, &o))
		_, total, err = s.ListAudit(ctx, admin, AuditFilter{Entity: "opportunity", EntityID: idString(o.ID)})
		must(t, err)
		if total != 2 {
			t.Errorf("a no-op update was audited: %d entries", total)
		}
		// A failed write leaves no audit entry.
		bad := o
		bad.AccountID = 999999
		if err := s.UpdateOpportunity(ctx, admin, &bad); err == nil {
			t.Fatal("update to a missing account succeeded")
		}
		_, total, _ = s.ListAudit(ctx, admin, AuditFilter{Entity: "opportunity", EntityID: idString(o.ID)})
		if total != 2 {
			t.Errorf("a failed update was audited: %d entries", total)
		}

		must(t, s.AppendAudit(ctx, admin, "report.export", "report", "pipeline", map[string]int{"rows": 3}))
		if _, err := s.write.ExecContext(ctx, `UPDATE audit_log SET actor = 'mallory'`); err == nil {
			t.Error("UPDATE audit_log succeeded")
		}
		if _, err := s.write.ExecContext(ctx, `DELETE FROM audit_log`); err == nil {
			t.Error("DELETE FROM audit_log succeeded")
		}
		_, total, err = s.ListAudit(ctx, admin, AuditFilter{})
		must(t, err)
		if total < 15 {
			t.Errorf("audit log has %d entries after the refused changes", total)
		}
		got, n, err := s.ListAudit(ctx, f.actor1, AuditFilter{})
		if err != nil || n != 0 || len(got) != 0 {
			t.Errorf("partner user read the audit log: %d %v", n, err)
		}
	})
}

func TestPolicyPublishTransitions(t *testing.T) {
	t.Parallel()
	forEachSeeded(t, seed, func(t *testing.T, ctx context.Context, s *Store, f *fixture) {
		_, err := s.ActivePolicyVersion(ctx)
		wantCode(t, err, tandem.ENOTFOUND)
		v1 := tandem.PolicyVersion{Name: "roe", Version: "1", Source: "rules: []"}
		v2 := tandem.PolicyVersion{Name: "roe", Version: "2", Source: "rules: [x]"}
		must(t, s.CreatePolicyVersion(ctx, admin, &v1))
		must(t, s.CreatePolicyVersion(ctx, admin, &v2))
		dup := tandem.PolicyVersion{Name: "roe", Version: "1", Source: "x"}
		wantCode(t, s.CreatePolicyVersion(ctx, admin, &dup), tandem.ECONFLICT)
		wantCode(t, s.CreatePolicyVersion(ctx, f.actor1, &dup), tandem.EFORBIDDEN)

		// A partner user sees no drafts.
		_, err = s.GetPolicyVersion(ctx, f.actor1, v1.ID)
		wantCode(t, err, tandem.ENOTFOUND)

		must(t, s.PublishPolicyVersion(ctx, admin, v1.ID))
		active, err := s.ActivePolicyVersion(ctx)
		must(t, err)
		if active.ID != v1.ID || active.Status != tandem.PolicyPublished || active.PublishedAt.IsZero() {
			t.Fatalf("active = %+v", active)
		}
		if _, err := s.GetPolicyVersion(ctx, f.actor1, v1.ID); err != nil {
			t.Errorf("partner user cannot see the published policy: %v", err)
		}
		wantCode(t, s.PublishPolicyVersion(ctx, admin, v1.ID), tandem.ECONFLICT) // already published

		must(t, s.PublishPolicyVersion(ctx, admin, v2.ID))
		old, err := s.GetPolicyVersion(ctx, admin, v1.ID)
		must(t, err)
		if old.Status != tandem.PolicySuperseded {
			t.Errorf("v1 status = %s, want superseded", old.Status)
		}
		before, err := s.ListPolicyVersions(ctx, admin)
		must(t, err)
		wantCode(t, s.PublishPolicyVersion(ctx, admin, v1.ID), tandem.ECONFLICT) // superseded
		after, err := s.ListPolicyVersions(ctx, admin)
		wantSame(t, "an illegal publish changed state", before, after, err)
		active, _ = s.ActivePolicyVersion(ctx)
		if active.ID != v2.ID {
			t.Errorf("active = %d, want %d", active.ID, v2.ID)
		}
		wantAuditEntries(t, s, "policy.publish", "publish", 2)
		wantCode(t, s.PublishPolicyVersion(ctx, admin, 99999), tandem.ENOTFOUND)
	})
}

func TestSessionsAndTokens(t *testing.T) {
	t.Parallel()
	forEachSeeded(t, withClock, func(t *testing.T, ctx context.Context, s *Store, clock *fixedClock) {
		f := seed(t, s)

		u, hash, err := s.UserByEmail(ctx, " ADA@vendor.TEST ")
		must(t, err)
		if u.ID != f.ae.ID || hash != "hash-ae" {
			t.Errorf("UserByEmail = %d %q", u.ID, hash)
		}
		_, _, err = s.UserByEmail(ctx, "nobody@vendor.test")
		wantCode(t, err, tandem.ENOTFOUND)

		sess := Session{TokenHash: "h1", UserID: f.ae.ID, CSRFToken: "c1", ExpiresAt: clock.now().Add(time.Hour)}
		must(t, s.CreateSession(ctx, sess))
		got, gu, err := s.SessionByTokenHash(ctx, "h1")
		must(t, err)
		if got.CSRFToken != "c1" || gu.ID != f.ae.ID || !got.CreatedAt.Equal(clock.now()) {
			t.Errorf("session = %+v user %d", got, gu.ID)
		}
		clock.advance(2 * time.Hour)
		_, _, err = s.SessionByTokenHash(ctx, "h1")
		wantCode(t, err, tandem.EUNAUTH)

		must(t, s.CreateSession(ctx, Session{TokenHash: "h2", UserID: f.ae.ID, ExpiresAt: clock.now().Add(time.Hour)}))
		must(t, s.SetPassword(ctx, f.ae.ID, "hash-2"))
		_, _, err = s.SessionByTokenHash(ctx, "h2")
		wantCode(t, err, tandem.EUNAUTH) // a new password ends every session
		_, hash, _ = s.UserByEmail(ctx, "ada@vendor.test")
		if hash != "hash-2" {
			t.Errorf("hash = %q after SetPassword", hash)
		}

		must(t, s.CreateSession(ctx, Session{TokenHash: "h3", UserID: f.ae.ID, ExpiresAt: clock.now().Add(time.Hour)}))
		must(t, s.DeleteSession(ctx, "h3"))
		_, _, err = s.SessionByTokenHash(ctx, "h3")
		wantCode(t, err, tandem.EUNAUTH)

		id, err := s.CreateAPIToken(ctx, f.ae.ID, "ci", "tok-hash")
		must(t, err)
		tu, err := s.UserByAPIToken(ctx, "tok-hash")
		must(t, err)
		if tu.ID != f.ae.ID {
			t.Errorf("token user = %d", tu.ID)
		}
		_, err = s.CreateAPIToken(ctx, f.ae.ID, "again", "tok-hash")
		wantCode(t, err, tandem.ECONFLICT)
		must(t, s.RevokeAPIToken(ctx, admin, id))
		_, err = s.UserByAPIToken(ctx, "tok-hash")
		wantCode(t, err, tandem.EUNAUTH)
		_, err = s.UserByAPIToken(ctx, "unknown")
		wantCode(t, err, tandem.EUNAUTH)

		// Listing: an admin sees every token, anyone else only their own; a revoked one shows when.
		other, err := s.CreateAPIToken(ctx, f.pu1.ID, "portal sync", "tok-pm")
		must(t, err)
		all, err := s.ListAPITokens(ctx, admin, 0)
		must(t, err)
		if len(all) != 2 || all[0].ID != other || all[1].ID != id || all[1].RevokedAt.IsZero() || all[0].Email != f.pu1.Email {
			t.Errorf("admin list = %+v", all)
		}
		own, err := s.ListAPITokens(ctx, f.aeActor, f.pu1.ID)
		must(t, err)
		if len(own) != 1 || own[0].ID != id || own[0].Name != "ci" {
			t.Errorf("ae list = %+v", own)
		}
		// Someone else's token cannot be revoked by a non-admin.
		wantCode(t, s.RevokeAPIToken(ctx, f.aeActor, other), tandem.ENOTFOUND)
	})
}

func TestRoutingInputsAndApply(t *testing.T) {
	t.Parallel()
	forEachSeeded(t, seed, func(t *testing.T, ctx context.Context, s *Store, f *fixture) {
		states := map[string]tandem.RoutingState{}
		must(t, s.RoutingInputs(ctx, admin, func(o tandem.Opportunity, st tandem.RoutingState) error {
			states[o.ExternalID] = st
			return nil
		}))
		want := map[string]tandem.RoutingState{
			"O1": {OpportunityID: f.o1.ID, Motion: tandem.MotionCoSell, RegistrationStatus: tandem.RegistrationApproved, PartnerTier: tandem.TierGold},
			"O2": {OpportunityID: f.o2.ID, Motion: tandem.MotionPartnerLed, RegistrationStatus: tandem.RegistrationSubmitted, PartnerTier: tandem.TierSilver},
			"O3": {OpportunityID: f.o3.ID, Motion: tandem.MotionDirect},
		}
		if diff := cmp.Diff(want, states); diff != "" {
			t.Errorf("routing inputs (-want +got):\n%s", diff)
		}
		seen := 0
		must(t, s.RoutingInputs(ctx, f.actor1, func(o tandem.Opportunity, _ tandem.RoutingState) error {
			seen++
			if o.PartnerID != f.p1.ID {
				t.Errorf("partner 1 streamed opportunity %s", o.ExternalID)
			}
			return nil
		}))
		if seen != 1 {
			t.Errorf("partner 1 streamed %d opportunities, want 1", seen)
		}

		n, err := s.ApplyRouting(ctx, admin, map[int64]tandem.Routing{
			f.o1.ID: f.o1.Routing, // unchanged
			f.o3.ID: {Motion: tandem.MotionCoSell, Rule: "r2", PolicyVersion: "2", Explanation: "because"},
		})
		must(t, err)
		if n != 1 {
			t.Errorf("ApplyRouting changed %d, want 1", n)
		}
		o3, _ := s.GetOpportunity(ctx, admin, f.o3.ID)
		if o3.Routing.Motion != tandem.MotionCoSell || o3.Routing.RoutedAt.IsZero() {
			t.Errorf("o3 routing = %+v", o3.Routing)
		}
		_, err = s.ApplyRouting(ctx, f.actor1, map[int64]tandem.Routing{f.o2.ID: {Motion: tandem.MotionDirect}})
		wantCode(t, err, tandem.ENOTFOUND)
		wantAuditEntries(t, s, "opportunity.route", "routing", 1)
	})
}

func TestImportJobs(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		id, err := s.CreateImportJob(ctx, admin, NewImportJob{Kind: "opportunities", FileName: "deals.csv", BytesTotal: 1000,
			DryRun: true, Mapping: "salesforce"})
		must(t, err)
		tx, err := s.BeginImport(ctx, admin)
		must(t, err)
		must(t, s.UpdateImportJobProgress(ctx, id, 10, 500))
		j, err := s.GetImportJob(ctx, admin, id)
		must(t, err)
		if j.RowsRead != 10 || j.BytesRead != 500 || j.Status != ImportRunning {
			t.Errorf("job during import = %+v", j)
		}
		problems := []ImportProblem{{Line: 3, Column: "Amount", Value: "12x", Reason: "not a number"}}
		must(t, s.FinishImportJob(ctx, id, ImportResult{Counts: tandem.UpsertCounts{Inserted: 10}, Rejected: 1,
			Problems: problems, ProblemCount: 2, Rejects: []byte("line,Amount\n3,12x\n")}))
		// Until the import transaction ends (SQLite), the result is held in memory and read from there.
		for _, when := range []string{"before the commit", "after the commit"} {
			j, err = s.GetImportJob(ctx, admin, id)
			must(t, err)
			if j.Status != ImportSucceeded || j.Counts.Inserted != 10 || j.Rejected != 1 || j.RowsRead != 10 || j.FinishedAt.IsZero() ||
				!j.DryRun || j.Mapping != "salesforce" || j.ProblemCount != 2 || !j.HasRejects {
				t.Errorf("finished job %s = %+v", when, j)
			}
			if diff := cmp.Diff(problems, j.Problems); diff != "" {
				t.Errorf("problems %s (-want +got):\n%s", when, diff)
			}
			rej, err := s.ImportJobRejects(ctx, admin, id)
			if err != nil || string(rej) != "line,Amount\n3,12x\n" {
				t.Errorf("rejects %s = %q, %v", when, rej, err)
			}
			if when == "before the commit" {
				must(t, tx.Commit())
			}
		}
		_, err = s.ImportJobRejects(ctx, tandem.Actor{Role: tandem.RolePartnerUser, PartnerID: 1}, id)
		wantCode(t, err, tandem.ENOTFOUND)
		other, err := s.CreateImportJob(ctx, admin, NewImportJob{Kind: "accounts", FileName: "a.csv"})
		must(t, err)
		must(t, s.FinishImportJob(ctx, other, ImportResult{Err: tandem.FieldError("file", "is empty")}))
		_, err = s.ImportJobRejects(ctx, admin, other)
		wantCode(t, err, tandem.ENOTFOUND)
		if j, err = s.GetImportJob(ctx, admin, other); err != nil || j.Status != ImportFailed || j.HasRejects || j.Problems != nil || j.DryRun {
			t.Errorf("failed job = %+v, %v", j, err)
		}
		jobs, total, err := s.ListImportJobs(ctx, admin, ImportJobFilter{})
		must(t, err)
		if total != 2 || jobs[1].ID != id {
			t.Errorf("ListImportJobs = %d %+v", total, jobs)
		}
		_, err = s.GetImportJob(ctx, tandem.Actor{Role: tandem.RolePartnerUser, PartnerID: 1}, id)
		wantCode(t, err, tandem.ENOTFOUND)
	})
}
