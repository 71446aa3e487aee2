package sqlstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/comp"
	"github.com/tandem-revops/tandem/internal/compensation"
)

// compFixture is the store fixture with its three deals won in 2026-Q1, a manager over the AE, a
// second AE with a deal of their own, a product catalogue, a quota, and the clock in 2026-Q2.
type compFixture struct {
	*fixture
	clock        *fixedClock
	manager, ae2 tandem.User
	mgrActor     tandem.Actor
	ae2Actor     tandem.Actor
	o4           tandem.Opportunity
	revops       tandem.Actor
	q1           string
	wonOn        time.Time
}

// splitConflict opens a conflict on deal oppID and writes it resolved as a split with 40 % to the
// partner at wonOn, straight in the table: no audit entry, no new updated_at.
func (f *compFixture) splitConflict(t *testing.T, s *Store, oppID int64) *tandem.Conflict {
	t.Helper()
	ctx := context.Background()
	c := &tandem.Conflict{Cause: tandem.CauseDirectOverlap, OpportunityID: oppID, Level: tandem.LevelVPs}
	must(t, s.CreateConflict(ctx, admin, c))
	if _, err := s.write.ExecContext(ctx, `UPDATE conflicts SET status = 'resolved', resolution = 'split',
		partner_share_basis_points = 4000, rationale = 'both worked it', resolved_at = $1 WHERE id = $2`,
		f.wonOn.UnixMicro(), c.ID); err != nil {
		t.Fatal(err)
	}
	return c
}

func seedComp(t *testing.T, s *Store) *compFixture {
	t.Helper()
	ctx := context.Background()
	f := &compFixture{fixture: seed(t, s), clock: &fixedClock{t: time.Date(2026, 4, 2, 9, 0, 0, 0, time.UTC)}, q1: "2026-Q1"}
	s.SetClock(f.clock.now)
	f.revops = tandem.Actor{Email: "revops@vendor.test", Role: tandem.RoleRevOps}
	f.manager = tandem.User{ExternalID: "U-MGR", Email: "mia@vendor.test", Name: "Mia Manager", Role: tandem.RoleAE}
	must(t, s.CreateUser(ctx, admin, &f.manager, ""))
	f.ae.ManagerID = f.manager.ID
	must(t, s.UpdateUser(ctx, admin, &f.ae))
	f.ae2 = tandem.User{ExternalID: "U-AE2", Email: "bo@vendor.test", Name: "Bo AE", Role: tandem.RoleAE}
	must(t, s.CreateUser(ctx, admin, &f.ae2, ""))
	f.mgrActor = tandem.Actor{UserID: f.manager.ID, Email: f.manager.Email, Role: tandem.RoleAE}
	f.ae2Actor = tandem.Actor{UserID: f.ae2.ID, Email: f.ae2.Email, Role: tandem.RoleAE}
	must(t, s.CreateProduct(ctx, admin, &tandem.Product{ExternalID: "PR1", Name: "Platform", Type: tandem.ProductCore, COGSBasisPoints: 1500}))
	must(t, s.CreateProduct(ctx, admin, &tandem.Product{ExternalID: "PR2", Name: "Onboarding", Type: tandem.ProductServices, COGSBasisPoints: 4000}))

	f.wonOn = time.Date(2026, 2, 20, 0, 0, 0, 0, time.UTC)
	for _, o := range []*tandem.Opportunity{&f.o1, &f.o2, &f.o3} {
		win(t, s, o, f.wonOn)
	}
	f.o4 = tandem.Opportunity{ExternalID: "O4", Name: "Initech add-on", AccountID: f.a3.ID, OwnerID: f.ae2.ID,
		ProductType: tandem.ProductCore, Product: "Platform", ACV: tandem.Major(40000), Currency: "USD", Stage: tandem.StageClosedWon,
		ForecastCategory: tandem.ForecastClosed, Country: "US", CloseDate: f.wonOn,
		Routing: tandem.Routing{Motion: tandem.MotionDirect}}
	must(t, s.CreateOpportunity(ctx, admin, &f.o4))
	must(t, s.UpsertCompQuotas(ctx, f.revops, []CompQuota{{UserID: f.ae.ID, Period: "2026-q1", Amount: tandem.Major(400000)}}))
	return f
}

func win(t *testing.T, s *Store, o *tandem.Opportunity, on time.Time) {
	t.Helper()
	o.Stage, o.ForecastCategory, o.CloseDate = tandem.StageClosedWon, tandem.ForecastClosed, on
	must(t, s.UpdateOpportunity(context.Background(), admin, o))
}

func statementOf(res *comp.Result, kind comp.PayeeKind, id int64) *comp.Statement {
	list := res.Partners
	if kind == comp.PayeeAE {
		list = res.AEs
	}
	for i := range list {
		if list[i].PayeeID == id {
			return &list[i]
		}
	}
	return nil
}

func TestCompInputAssemblesDeals(t *testing.T) {
	t.Parallel()
	forEachSeeded(t, seedComp, func(t *testing.T, ctx context.Context, s *Store, f *compFixture) {
		// A split decided on o2, and a cannibalisation flag on o3.
		c := f.splitConflict(t, s, f.o2.ID)
		if _, err := s.write.ExecContext(ctx, `UPDATE opportunities SET cannibalisation_flag = $1 WHERE id = $2`,
			true, f.o3.ID); err != nil {
			t.Fatal(err)
		}
		in, err := compensation.CompInput(ctx, s, f.revops, f.q1)
		must(t, err)
		if len(in.Deals) != 4 {
			t.Fatalf("got %d deals, want 4", len(in.Deals))
		}
		byID := map[int64]comp.Deal{}
		for _, d := range in.Deals {
			byID[d.OpportunityID] = d
		}
		d1, d2, d3, d4 := byID[f.o1.ID], byID[f.o2.ID], byID[f.o3.ID], byID[f.o4.ID]
		if !d1.Registered || d2.Registered {
			t.Errorf("registered: o1 %v (approved registration), o2 %v (submitted only)", d1.Registered, d2.Registered)
		}
		if d1.Motion != tandem.MotionCoSell || d1.PartnerID != f.p1.ID || d1.OwnerID != f.ae.ID {
			t.Errorf("o1 = %+v", d1)
		}
		if d2.Split == nil || d2.Split.PartnerShareBasisPoints != 4000 || d2.Split.Rationale != "both worked it" || d2.Split.ConflictID != c.ID {
			t.Errorf("o2 split = %+v", d2.Split)
		}
		if !d3.Cannibalisation || d1.Cannibalisation {
			t.Errorf("cannibalisation: o3 %v, o1 %v", d3.Cannibalisation, d1.Cannibalisation)
		}
		if d4.COGSBasisPoints != 1500 || d2.COGSBasisPoints != 4000 || d3.COGSBasisPoints != 1500 {
			t.Errorf("COGS: o4 %d (by name), o2 %d (services by type), o3 %d (core by type)", d4.COGSBasisPoints, d2.COGSBasisPoints, d3.COGSBasisPoints)
		}
		// o1 has a sourced touch: the plan attributes it although nothing is stored yet.
		if d1.Attribution != tandem.AttributionPartnerSourced || d3.Attribution != tandem.AttributionDirect {
			t.Errorf("attribution: o1 %q, o3 %q", d1.Attribution, d3.Attribution)
		}
		var quota tandem.Money
		for _, a := range in.AEs {
			if a.UserID == f.ae.ID {
				quota = a.Quota
			}
		}
		if len(in.AEs) != 3 || quota != tandem.Major(400000) {
			t.Errorf("AEs %+v, quota %v", in.AEs, quota)
		}
		if len(in.Partners) != 2 {
			t.Errorf("partners %+v", in.Partners)
		}
		_, err = compensation.CompInput(ctx, s, f.aeActor, f.q1)
		wantCode(t, err, tandem.EFORBIDDEN)
		_, err = compensation.CompInput(ctx, s, f.actor1, f.q1)
		wantCode(t, err, tandem.ENOTFOUND)
	})
}

// A registration linked to one deal does not make the partner's other deal on the same account and
// product type registered; a registration linked to no deal does (the attribution fallback).
func TestCompInputRegisteredOnlyByOwnOrUnlinkedRegistration(t *testing.T) {
	t.Parallel()
	forEachSeeded(t, seedComp, func(t *testing.T, ctx context.Context, s *Store, f *compFixture) {
		deal := func(ext string, account int64) tandem.Opportunity {
			o := tandem.Opportunity{ExternalID: ext, Name: ext, AccountID: account, OwnerID: f.ae.ID, PartnerID: f.p1.ID,
				ProductType: tandem.ProductCore, ACV: tandem.Major(10000), Currency: "USD", Stage: tandem.StageClosedWon,
				ForecastCategory: tandem.ForecastClosed, Country: "US", CloseDate: f.wonOn,
				Routing: tandem.Routing{Motion: tandem.MotionCoSell}}
			must(t, s.CreateOpportunity(ctx, admin, &o))
			return o
		}
		// o5: same partner, account and product type as o1, whose registration r1 is linked to o1.
		o5 := deal("O5", f.a1.ID)
		// o6: on Initech, where p1 holds an approved registration linked to no deal.
		o6 := deal("O6", f.a3.ID)
		must(t, s.CreateRegistration(ctx, admin, &tandem.Registration{ExternalID: "R-UNLINKED", PartnerID: f.p1.ID,
			AccountID: f.a3.ID, AccountName: "Initech", Country: "US", ProductType: tandem.ProductCore,
			EstimatedACV: tandem.Major(10000), Currency: "USD", Status: tandem.RegistrationApproved}))
		in, err := compensation.CompInput(ctx, s, f.revops, f.q1)
		must(t, err)
		got := map[int64]bool{}
		for _, d := range in.Deals {
			got[d.OpportunityID] = d.Registered
		}
		if !got[f.o1.ID] || got[o5.ID] || !got[o6.ID] {
			t.Errorf("registered: o1 %v (own registration), o5 %v (registration linked to o1), o6 %v (unlinked registration)",
				got[f.o1.ID], got[o5.ID], got[o6.ID])
		}
	})
}

func TestCompPlanVersions(t *testing.T) {
	t.Parallel()
	forEachSeeded(t, seedComp, func(t *testing.T, ctx context.Context, s *Store, f *compFixture) {
		src := string(comp.DefaultSource())
		_, err := compensation.CreateCompPlanDraft(ctx, s, f.aeActor, src)
		wantCode(t, err, tandem.EFORBIDDEN)
		_, err = compensation.CreateCompPlanDraft(ctx, s, f.revops, "name: x\nbogus: [")
		wantCode(t, err, tandem.EINVALID)
		v, err := compensation.CreateCompPlanDraft(ctx, s, f.revops, src)
		must(t, err)
		if _, err := s.GetCompPlanVersion(ctx, f.actor1, v.ID); tandem.ErrorCode(err) != tandem.ENOTFOUND {
			t.Errorf("a partner user reads a draft: %v", err)
		}
		_, err = compensation.CreateCompPlanDraft(ctx, s, f.revops, src)
		wantCode(t, err, tandem.ECONFLICT)
		pub, err := compensation.PublishCompPlanVersion(ctx, s, f.revops, v.ID)
		must(t, err)
		if pub.Status != tandem.PolicyPublished {
			t.Errorf("status %s", pub.Status)
		}
		_, err = compensation.PublishCompPlanVersion(ctx, s, f.revops, v.ID)
		wantCode(t, err, tandem.ECONFLICT)

		v2src := strings.Replace(strings.Replace(src, `version: "2026.1"`, `version: "2026.2"`, 1),
			"effective_from: 2026-01-01", "effective_from: 2026-07-01", 1)
		v2, err := compensation.CreateCompPlanDraft(ctx, s, f.revops, v2src)
		must(t, err)
		_, err = compensation.PublishCompPlanVersion(ctx, s, f.revops, v2.ID)
		must(t, err)
		old, err := s.GetCompPlanVersion(ctx, f.actor1, v.ID)
		must(t, err)
		if old.Status != tandem.PolicySuperseded {
			t.Errorf("v1 is %s after v2 was published", old.Status)
		}
		// Effective dating: v1 stays in force until v2's date.
		for day, want := range map[string]string{"2026-03-01": "2026.1", "2026-07-01": "2026.2", "2025-12-31": comp.Default().Version()} {
			at, _ := time.Parse(time.DateOnly, day)
			plan, _, err := compensation.CompPlanAt(ctx, s, at)
			must(t, err)
			if plan.Version() != want {
				t.Errorf("plan in force on %s = %s, want %s", day, plan.Version(), want)
			}
		}
		list, err := s.ListCompPlanVersions(ctx, f.actor1)
		must(t, err)
		if len(list) != 2 {
			t.Errorf("partner lists %d versions, want the 2 published", len(list))
		}
		wantAuditEntries(t, s, "comp.plan.publish", "publish", 2)
	})
}

func TestCompPeriodCloseFreezesAndAdjusts(t *testing.T) {
	t.Parallel()
	forEachSeeded(t, seedComp, func(t *testing.T, ctx context.Context, s *Store, f *compFixture) {
		live, err := compensation.CalculatePeriod(ctx, s, f.revops, f.q1)
		must(t, err)
		aeLive := statementOf(live, comp.PayeeAE, f.ae.ID)
		if aeLive == nil || aeLive.Total <= 0 {
			t.Fatalf("AE statement %+v", aeLive)
		}
		// One payee's statement from its own deals equals its statement in the full calculation.
		for _, pr := range []struct {
			kind tandem.PayeeKind
			id   int64
		}{{comp.PayeeAE, f.ae.ID}, {comp.PayeeAE, f.ae2.ID}, {comp.PayeePartner, f.p1.ID}, {comp.PayeePartner, f.p2.ID}} {
			one, err := compensation.PayeeStatement(ctx, s, f.revops, f.q1, pr.kind, pr.id)
			must(t, err)
			wantJSON(t, one, statementOf(live, pr.kind, pr.id))
		}

		_, err = compensation.ClosePeriod(ctx, s, f.aeActor, f.q1)
		wantCode(t, err, tandem.EFORBIDDEN)
		_, err = compensation.ClosePeriod(ctx, s, f.revops, "2026-Q2")
		wantCode(t, err, tandem.ECONFLICT) // not ended
		cp, err := compensation.ClosePeriod(ctx, s, f.revops, f.q1)
		must(t, err)
		_, err = compensation.ClosePeriod(ctx, s, f.revops, f.q1)
		wantCode(t, err, tandem.ECONFLICT)
		_, err = compensation.ClosePeriod(ctx, s, f.revops, "2025-Q4")
		wantCode(t, err, tandem.ECONFLICT) // out of order
		err = s.UpsertCompQuotas(ctx, f.revops, []CompQuota{{UserID: f.ae.ID, Period: f.q1, Amount: 1}})
		wantCode(t, err, tandem.ECONFLICT)

		reproduced, frozen, err := compensation.ReproduceClosedPeriod(ctx, s, f.revops, f.q1)
		must(t, err)
		if string(reproduced) != string(frozen) {
			t.Fatalf("recalculating the frozen input does not reproduce the frozen result:\n%s\nvs\n%s", reproduced, frozen)
		}
		sum := sha256.Sum256(frozen)
		if hex.EncodeToString(sum[:]) != cp.ResultSHA256 {
			t.Errorf("sha256 %s, frozen bytes hash to %x", cp.ResultSHA256, sum)
		}
		liveBytes, _ := comp.MarshalResult(live)
		if string(liveBytes) != string(frozen) {
			t.Errorf("the frozen result differs from the live one before close")
		}

		// The SQL itself refuses to change a closed period.
		for _, q := range []string{
			`UPDATE comp_periods SET frozen_result = 'x' WHERE id = '2026-Q1'`,
			`UPDATE comp_periods SET status = 'open' WHERE id = '2026-Q1'`,
			`DELETE FROM comp_periods WHERE id = '2026-Q1'`,
			`UPDATE comp_period_statements SET total = 0 WHERE period = '2026-Q1'`,
			`DELETE FROM comp_period_statements WHERE period = '2026-Q1'`,
		} {
			if _, err := s.write.ExecContext(ctx, q); err == nil {
				t.Errorf("%s: succeeded on a closed period", q)
			} else if got := tandem.ErrorCode(s.mapErr(err, "")); got != tandem.EFORBIDDEN {
				t.Errorf("%s: %v maps to %s, want the trigger's refusal", q, err, got)
			}
		}

		// The deal shrinks after the close: Q2 claws the difference back, Q1 never changes.
		f.clock.advance(24 * time.Hour)
		f.o1.ACV = tandem.Major(60000)
		must(t, s.UpdateOpportunity(ctx, admin, &f.o1))
		q1, err := compensation.CalculatePeriod(ctx, s, f.revops, f.q1)
		must(t, err)
		wantJSON(t, statementOf(q1, comp.PayeeAE, f.ae.ID), aeLive)
		q2, err := compensation.CalculatePeriod(ctx, s, f.revops, "2026-Q2")
		must(t, err)
		aeQ2 := statementOf(q2, comp.PayeeAE, f.ae.ID)
		// o1 pays less, and so does o3, which closed after it and now crosses the accelerator later.
		claw := linesOf(aeQ2, comp.LineClawback)
		var clawed tandem.Money
		for _, l := range claw {
			clawed += l.Amount
			if l.AdjustsPeriod != f.q1 || l.Amount >= 0 {
				t.Errorf("clawback %+v", l)
			}
		}
		if len(claw) == 0 || claw[0].OpportunityID != f.o1.ID || aeQ2.Total != clawed {
			t.Fatalf("Q2 AE lines %+v, want a clawback of o1 for Q1", aeQ2)
		}
		if p1 := statementOf(q2, comp.PayeePartner, f.p1.ID); p1 == nil || len(linesOf(p1, comp.LineClawback)) != 1 {
			t.Errorf("Q2 partner statement %+v, want a margin clawback", p1)
		}
		one, err := compensation.PayeeStatement(ctx, s, f.aeActor, "2026-Q2", comp.PayeeAE, f.ae.ID)
		must(t, err)
		wantJSON(t, one, aeQ2)
		period, err := s.GetCompPeriod(ctx, f.aeActor, "2026-Q2")
		must(t, err)
		if !period.AdjustmentsLand || period.Status != PeriodOpen {
			t.Errorf("2026-Q2 = %+v", period)
		}

		// Q2 closes with the clawback; Q3 owes nothing more for Q1.
		f.clock.t = time.Date(2026, 7, 3, 0, 0, 0, 0, time.UTC)
		_, err = compensation.ClosePeriod(ctx, s, f.revops, "2026-Q2")
		must(t, err)
		q3, err := compensation.CalculatePeriod(ctx, s, f.revops, "2026-Q3")
		must(t, err)
		for _, list := range [][]comp.Statement{q3.AEs, q3.Partners} {
			for _, st := range list {
				if len(linesOf(&st, comp.LineClawback))+len(linesOf(&st, comp.LineAdjustment)) > 0 {
					t.Errorf("Q3 repeats an adjustment already paid in Q2: %+v", st)
				}
			}
		}
		// Then the deal grows back: Q3 pays back exactly what Q2 clawed.
		f.o1.ACV = tandem.Major(120000)
		must(t, s.UpdateOpportunity(ctx, admin, &f.o1))
		q3, err = compensation.CalculatePeriod(ctx, s, f.revops, "2026-Q3")
		must(t, err)
		back := linesOf(statementOf(q3, comp.PayeeAE, f.ae.ID), comp.LineAdjustment)
		var paidBack tandem.Money
		for _, l := range back {
			paidBack += l.Amount
		}
		if len(back) != len(claw) || paidBack != -clawed {
			t.Errorf("Q3 adjustments %+v, want them paying back %v", back, -clawed)
		}
		periods, err := s.ListCompPeriods(ctx, f.actor1)
		must(t, err)
		statuses := map[string]string{}
		for _, p := range periods {
			statuses[p.ID] = p.Status
		}
		if statuses["2026-Q1"] != PeriodClosed || statuses["2026-Q2"] != PeriodClosed || statuses["2026-Q3"] != PeriodOpen {
			t.Errorf("periods %v", statuses)
		}
		wantAuditEntries(t, s, "comp.period.close", "close", 2)
	})
}

// A close that lands while another is being calculated: closing 2026-Q2 (the first close, so any
// ended period may close) calculates with nothing closed; before it writes, 2026-Q1 closes. The checks
// repeated inside the transaction refuse Q2, which would otherwise be frozen out of order.
func TestCompPeriodCloseRechecksInTransaction(t *testing.T) {
	t.Parallel()
	forEachSeeded(t, seedComp, func(t *testing.T, ctx context.Context, s *Store, f *compFixture) {
		f.clock.t = time.Date(2026, 7, 2, 9, 0, 0, 0, time.UTC)
		s.beforeCloseTx = func(id string) {
			if id == "2026-Q2" {
				_, err := compensation.ClosePeriod(ctx, s, f.revops, f.q1)
				must(t, err)
			}
		}
		_, err := compensation.ClosePeriod(ctx, s, f.revops, "2026-Q2")
		wantCode(t, err, tandem.ECONFLICT)
		if err == nil || !strings.Contains(err.Error(), "the next period to close is 2026-Q2") &&
			!strings.Contains(err.Error(), "another period closed") {
			t.Errorf("error %v", err)
		}
		closed, err := closedPeriods(ctx, s.read)
		must(t, err)
		if len(closed) != 1 || closed[0].ID != f.q1 {
			t.Fatalf("closed %+v, want only %s", closed, f.q1)
		}
		// Closing Q2 again now sees Q1 and succeeds.
		s.beforeCloseTx = nil
		_, err = compensation.ClosePeriod(ctx, s, f.revops, "2026-Q2")
		must(t, err)
	})
}

func linesOf(st *comp.Statement, kind comp.LineKind) []comp.Line {
	var out []comp.Line
	if st == nil {
		return nil
	}
	for _, l := range st.Lines {
		if l.Kind == kind {
			out = append(out, l)
		}
	}
	return out
}

func wantJSON(t *testing.T, got, want any) {
	t.Helper()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		t.Errorf("got  %s\nwant %s", g, w)
	}
}

func TestCompStatementVisibility(t *testing.T) {
	t.Parallel()
	forEachSeeded(t, seedComp, func(t *testing.T, ctx context.Context, s *Store, f *compFixture) {
		pm := tandem.User{ExternalID: "U-PM", Email: "pm@vendor.test", Name: "Pam", Role: tandem.RolePartnerManager}
		must(t, s.CreateUser(ctx, admin, &pm, ""))
		f.p2.ManagerID = pm.ID
		must(t, s.UpdatePartner(ctx, admin, &f.p2))
		pmActor := tandem.Actor{UserID: pm.ID, Email: pm.Email, Role: tandem.RolePartnerManager}
		cro := tandem.Actor{Email: "cro@vendor.test", Role: tandem.RoleCRO}

		type sees struct {
			aes, partners []int64
		}
		cases := map[string]struct {
			actor tandem.Actor
			want  sees
		}{
			"ae sees own":                       {f.aeActor, sees{aes: []int64{f.ae.ID}}},
			"other ae sees own":                 {f.ae2Actor, sees{aes: []int64{f.ae2.ID}}},
			"manager sees team":                 {f.mgrActor, sees{aes: []int64{f.ae.ID, f.manager.ID}}},
			"partner user sees its own":         {f.actor1, sees{partners: []int64{f.p1.ID}}},
			"partner manager sees its partners": {pmActor, sees{partners: []int64{f.p2.ID}}},
			"cro sees all":                      {cro, sees{aes: []int64{f.ae.ID, f.manager.ID, f.ae2.ID}, partners: []int64{f.p1.ID, f.p2.ID}}},
		}
		for name, tc := range cases {
			res, err := compensation.ListCompStatements(ctx, s, tc.actor, f.q1)
			must(t, err)
			var gotAEs, gotPartners []int64
			for _, st := range res.AEs {
				gotAEs = append(gotAEs, st.PayeeID)
			}
			for _, st := range res.Partners {
				gotPartners = append(gotPartners, st.PayeeID)
			}
			if !sameIDs(gotAEs, tc.want.aes) || !sameIDs(gotPartners, tc.want.partners) {
				t.Errorf("%s: AEs %v partners %v, want %v %v", name, gotAEs, gotPartners, tc.want.aes, tc.want.partners)
			}
			if !compSeesAll(tc.actor) && len(res.Profit) != 0 {
				t.Errorf("%s: sees gross profit", name)
			}
			// Each statement it may not see is not found.
			for _, id := range []int64{f.ae.ID, f.ae2.ID} {
				_, err := compensation.PayeeStatement(ctx, s, tc.actor, f.q1, comp.PayeeAE, id)
				if want := contains(tc.want.aes, id); want != (err == nil) {
					t.Errorf("%s: statement of AE %d: %v", name, id, err)
				}
			}
			for _, id := range []int64{f.p1.ID, f.p2.ID} {
				_, err := compensation.PayeeStatement(ctx, s, tc.actor, f.q1, comp.PayeePartner, id)
				if want := contains(tc.want.partners, id); want != (err == nil) {
					t.Errorf("%s: statement of partner %d: %v", name, id, err)
				}
			}
		}
		for _, a := range []tandem.Actor{f.aeActor, f.mgrActor, pmActor} {
			_, err := compensation.CalculatePeriod(ctx, s, a, f.q1)
			wantCode(t, err, tandem.EFORBIDDEN)
			_, err = compensation.GrossProfit(ctx, s, a, f.q1, "deal")
			wantCode(t, err, tandem.EFORBIDDEN)
			_, err = compensation.Reconcile(ctx, s, a, f.q1)
			wantCode(t, err, tandem.EFORBIDDEN)
		}
		_, err := compensation.GrossProfit(ctx, s, f.actor1, f.q1, "deal")
		wantCode(t, err, tandem.ENOTFOUND)
		_, err = compensation.CalculatePeriod(ctx, s, f.actor1, f.q1)
		wantCode(t, err, tandem.ENOTFOUND)
		quotas, err := s.ListCompQuotas(ctx, f.ae2Actor, f.q1)
		must(t, err)
		if len(quotas) != 0 {
			t.Errorf("another AE sees quotas %v", quotas)
		}
		quotas, err = s.ListCompQuotas(ctx, f.mgrActor, f.q1)
		must(t, err)
		if len(quotas) != 1 {
			t.Errorf("the manager sees quotas %v, want the report's", quotas)
		}
	})
}

func sameIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !contains(b, x) {
			return false
		}
	}
	return true
}

func contains(list []int64, id int64) bool {
	for _, x := range list {
		if x == id {
			return true
		}
	}
	return false
}

func TestCompPayoutsReconcile(t *testing.T) {
	t.Parallel()
	forEachSeeded(t, seedComp, func(t *testing.T, ctx context.Context, s *Store, f *compFixture) {
		res, err := compensation.CalculatePeriod(ctx, s, f.revops, f.q1)
		must(t, err)
		aeTotal := statementOf(res, comp.PayeeAE, f.ae.ID).Total
		p1Total := statementOf(res, comp.PayeePartner, f.p1.ID).Total

		bad := "period,payee_kind,payee,amount,reference\n" +
			"2026-Q9,ae,ada@vendor.test,10.00,PAY-1\n" +
			"2026-Q1,boss,ada@vendor.test,10.00,PAY-2\n" +
			"2026-Q1,ae,nobody@vendor.test,ten,PAY-3\n" +
			"2026-Q1,partner,P1,10.00,\n" +
			"2026-Q1,ae,ada@vendor.test,--5,PAY-6\n" +
			"2026-Q1,ae,ada@vendor.test,92233720368547758.07,PAY-7\n"
		_, err = compensation.ImportPayouts(ctx, s, f.revops, "bad.csv", strings.NewReader(bad))
		wantCode(t, err, tandem.EINVALID)
		for _, want := range []string{`bad.csv: line 2: column "period"`, `bad.csv: line 3: column "payee_kind"`,
			`bad.csv: line 4: column "payee": no AE has the email "nobody@vendor.test"`, `bad.csv: line 4: column "amount"`,
			`bad.csv: line 5: column "reference"`, `bad.csv: line 6: column "amount": "--5" is not an amount`,
			`bad.csv: line 7: column "amount": "92233720368547758.07" is outside the range`} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error lacks %q:\n%v", want, err)
			}
		}
		_, err = compensation.ImportPayouts(ctx, s, f.revops, "cols.csv", strings.NewReader("period,payee,amount\n"))
		wantCode(t, err, tandem.EINVALID)
		_, err = compensation.ImportPayouts(ctx, s, f.aeActor, "x.csv", strings.NewReader(bad))
		wantCode(t, err, tandem.EFORBIDDEN)

		// The AE is paid a cent short; partner 1 exactly (by name); partner 2 nothing; Bo (owed) nothing;
		// Mia (owed nothing) 50.
		good := "payee_kind,payee,period,amount,reference\n" +
			"ae,ADA@vendor.test,2026-Q1," + (aeTotal - 1).String() + ",PAY-1\n" +
			"partner,Northwind Partners,2026-q1," + p1Total.String() + ",PAY-2\n" +
			"ae,mia@vendor.test,2026-Q1,50.00,PAY-3\n"
		imp, err := compensation.ImportPayouts(ctx, s, f.revops, "payouts.csv", strings.NewReader(good))
		must(t, err)
		if imp.Rows != 3 {
			t.Errorf("imported %d rows", imp.Rows)
		}
		_, err = compensation.ImportPayouts(ctx, s, f.revops, "payouts.csv", strings.NewReader(good))
		wantCode(t, err, tandem.ECONFLICT)

		rec, err := compensation.Reconcile(ctx, s, f.revops, f.q1)
		must(t, err)
		got := map[string]string{}
		for _, l := range rec.Differences {
			got[l.Name] = l.Status + " " + l.Difference.String()
		}
		want := map[string]string{
			"Ada AE":          "underpaid -0.01",
			"Mia Manager":     "paid_not_owed 50.00",
			"Bo AE":           "owed_not_paid -" + statementOf(res, comp.PayeeAE, f.ae2.ID).Total.String(),
			"Contoso Channel": "owed_not_paid -" + statementOf(res, comp.PayeePartner, f.p2.ID).Total.String(),
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s: %q, want %q (all: %v)", k, got[k], v, got)
			}
		}
		if len(rec.Differences) != len(want) || rec.Matched != 1 {
			t.Errorf("differences %v, matched %d", got, rec.Matched)
		}
		if rec.Difference != rec.Paid-rec.Expected {
			t.Errorf("totals %+v", rec)
		}
	})
}

// A payout naming a partner by a name two partners share is refused with its line and column, not
// booked to one of them; the external id still names either.
func TestCompPayoutsAmbiguousPartnerName(t *testing.T) {
	t.Parallel()
	forEachSeeded(t, seedComp, func(t *testing.T, ctx context.Context, s *Store, f *compFixture) {
		twin := tandem.Partner{ExternalID: "P3", Name: "contoso channel ", Tier: tandem.TierSilver, Type: tandem.PartnerReferral,
			Standing: tandem.StandingGood}
		must(t, s.CreatePartner(ctx, admin, &twin))
		byName := "period,payee_kind,payee,amount,reference\n2026-Q1,partner,Contoso Channel,10.00,PAY-1\n"
		_, err := compensation.ImportPayouts(ctx, s, f.revops, "twins.csv", strings.NewReader(byName))
		wantCode(t, err, tandem.EINVALID)
		want := `twins.csv: line 2: column "payee": 2 partners are named "Contoso Channel" (external ids P2, P3)`
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
		byExt := "period,payee_kind,payee,amount,reference\n2026-Q1,partner,p3,10.00,PAY-1\n"
		imp, err := compensation.ImportPayouts(ctx, s, f.revops, "ext.csv", strings.NewReader(byExt))
		must(t, err)
		var payee int64
		must(t, s.read.QueryRowContext(ctx, `SELECT payee_id FROM comp_payouts WHERE import_id = $1`, imp.ID).Scan(&payee))
		if payee != twin.ID {
			t.Errorf("paid partner %d, want %d (P3)", payee, twin.ID)
		}
	})
}

func TestAttributionRecomputeAndDispute(t *testing.T) {
	t.Parallel()
	forEachSeeded(t, seedComp, func(t *testing.T, ctx context.Context, s *Store, f *compFixture) {
		_, err := compensation.RecomputeAttribution(ctx, s, f.aeActor, nil, nil)
		wantCode(t, err, tandem.EFORBIDDEN)
		run, err := compensation.RecomputeAttribution(ctx, s, f.revops, nil, nil)
		must(t, err)
		if run.Examined != 4 || run.Changed != 4 {
			t.Errorf("run %+v", run)
		}
		o1, err := s.GetOpportunity(ctx, admin, f.o1.ID)
		must(t, err)
		if o1.Attribution != tandem.AttributionPartnerSourced {
			t.Errorf("o1 attribution %q", o1.Attribution)
		}
		run, err = compensation.RecomputeAttribution(ctx, s, f.revops, nil, []int64{f.o1.ID, f.o2.ID})
		must(t, err)
		if run.Examined != 2 || run.Changed != 0 {
			t.Errorf("second run %+v", run)
		}
		audit, _, err := s.ListAudit(ctx, admin, AuditFilter{Action: "opportunity.attribution", EntityID: idString(f.o1.ID)})
		must(t, err)
		if len(audit) != 1 || !strings.Contains(audit[0].Detail, "partner_sourced") {
			t.Errorf("audit %+v", audit)
		}

		rules := conflictRules(t)
		_, err = s.DisputeAttribution(ctx, f.actor2, rules, f.o1.ID, "ours")
		wantCode(t, err, tandem.ENOTFOUND)
		_, err = s.DisputeAttribution(ctx, f.ae2Actor, rules, f.o1.ID, "mine")
		wantCode(t, err, tandem.EFORBIDDEN)
		_, err = s.DisputeAttribution(ctx, f.actor1, rules, f.o1.ID, " ")
		wantCode(t, err, tandem.EINVALID)
		c, err := s.DisputeAttribution(ctx, f.actor1, rules, f.o1.ID, "we led this deal")
		must(t, err)
		if c.Cause != tandem.CauseAttribution || c.Level != tandem.LevelAEAndPartnerManager || c.Status != tandem.ConflictOpen {
			t.Errorf("conflict %+v", c)
		}
		_, err = s.DisputeAttribution(ctx, f.aeActor, rules, f.o1.ID, "again")
		wantCode(t, err, tandem.ECONFLICT)
		log, err := s.EscalationLog(ctx, admin, c.ID)
		must(t, err)
		if len(log) != 2 || !strings.Contains(log[1].Note, "we led this deal") {
			t.Errorf("log %+v", log)
		}
	})
}

func TestCompWhatIfAndGrossProfit(t *testing.T) {
	t.Parallel()
	forEachSeeded(t, seedComp, func(t *testing.T, ctx context.Context, s *Store, f *compFixture) {
		_, err := compensation.ClosePeriod(ctx, s, f.revops, f.q1)
		must(t, err)
		draft := strings.Replace(string(comp.DefaultSource()), `base_rate: "8%"`, `base_rate: "10%"`, 1)
		draft = strings.Replace(draft, `version: "2026.1"`, `version: "draft"`, 1)
		rep, err := compensation.WhatIf(ctx, s, f.revops, draft, "2025-Q4", "2026-Q2")
		must(t, err)
		if len(rep.Periods) != 3 || rep.Change.Commission <= 0 || rep.Change.PartnerMargin != 0 {
			t.Errorf("what-if %+v", rep)
		}
		_, err = compensation.WhatIf(ctx, s, f.revops, draft, "2026-Q2", "2025-Q4")
		wantCode(t, err, tandem.EINVALID)
		_, err = compensation.WhatIf(ctx, s, f.aeActor, draft, "2026-Q1", "2026-Q1")
		wantCode(t, err, tandem.EFORBIDDEN)

		deals, err := compensation.GrossProfit(ctx, s, f.revops, f.q1, "deal")
		must(t, err)
		if len(deals.Deals) != 4 {
			t.Fatalf("%d deals", len(deals.Deals))
		}
		for _, by := range []string{"rep", "territory", "partner", "motion"} {
			rep, err := compensation.GrossProfit(ctx, s, f.revops, f.q1, by)
			must(t, err)
			var sum tandem.Money
			for _, r := range rep.Rows {
				sum += r.GrossProfit
				if r.Name == "" {
					t.Errorf("by %s: row %+v has no name", by, r)
				}
			}
			if sum != deals.Total.GrossProfit || len(rep.Rows) == 0 {
				t.Errorf("by %s: rows sum to %v, total %v", by, sum, deals.Total.GrossProfit)
			}
		}
		_, err = compensation.GrossProfit(ctx, s, f.revops, f.q1, "colour")
		wantCode(t, err, tandem.EINVALID)
	})
}

// TestResolvedAttributionDisputeDecides: resolving an attribution dispute stores the decided category
// on the opportunity (audited), a later recompute leaves it, the period's input follows it, and a
// partner category for a deal without a partner is refused with nothing changed.
func TestResolvedAttributionDisputeDecides(t *testing.T) {
	t.Parallel()
	forEachSeeded(t, seedComp, func(t *testing.T, ctx context.Context, s *Store, f *compFixture) {
		rules := conflictRules(t)
		_, err := compensation.RecomputeAttribution(ctx, s, f.revops, nil, nil)
		must(t, err)
		attribution := func(id int64) tandem.Attribution {
			t.Helper()
			o, err := s.GetOpportunity(ctx, admin, id)
			must(t, err)
			return o.Attribution
		}
		if got := attribution(f.o1.ID); got != tandem.AttributionPartnerSourced {
			t.Fatalf("o1 derived as %q", got)
		}

		steps := []struct {
			res   tandem.Resolution
			share int
			want  tandem.Attribution
		}{ // in order: each decision on o1 overrules the one before
			{tandem.ResolveDirect, 0, tandem.AttributionDirect},
			{tandem.ResolveCoSell, 0, tandem.AttributionPartnerLed},
			{tandem.ResolvePartner, 0, tandem.AttributionPartnerSourced},
			{tandem.ResolveSplit, 3000, tandem.AttributionPartnerLed},
		}
		for _, st := range steps {
			c, err := s.DisputeAttribution(ctx, f.aeActor, rules, f.o1.ID, "not what happened")
			must(t, err)
			_, err = s.ResolveConflict(ctx, admin, c.ID, st.res, st.share, "decided "+string(st.res))
			must(t, err)
			if got := attribution(f.o1.ID); got != st.want {
				t.Errorf("%s: o1 is %q, want %q", st.res, got, st.want)
			}
			run, err := compensation.RecomputeAttribution(ctx, s, f.revops, nil, nil)
			must(t, err)
			if run.Decided != 1 || run.Examined != 4 {
				t.Errorf("%s: recompute %+v", st.res, run)
			}
			if got := attribution(f.o1.ID); got != st.want {
				t.Errorf("%s: recompute overrode the decision: o1 is %q", st.res, got)
			}
		}
		audit, _, err := s.ListAudit(ctx, admin, AuditFilter{Action: "opportunity.attribution", EntityID: idString(f.o1.ID)})
		must(t, err)
		decided := 0
		for _, a := range audit {
			if strings.Contains(a.Detail, "decided by conflict") {
				decided++
			}
		}
		if decided != len(steps) {
			t.Errorf("%d decisions audited, want %d: %+v", decided, len(steps), audit)
		}
		in, err := compensation.CompInput(ctx, s, f.revops, f.q1)
		must(t, err)
		for _, d := range in.Deals {
			if d.OpportunityID != f.o1.ID {
				continue
			}
			if d.Attribution != tandem.AttributionPartnerLed || d.Split == nil || d.Split.PartnerShareBasisPoints != 3000 {
				t.Errorf("o1 in the input: %q, split %+v", d.Attribution, d.Split)
			}
		}

		// o4 has no partner: only award_direct can decide its dispute.
		c, err := s.DisputeAttribution(ctx, f.ae2Actor, rules, f.o4.ID, "a partner helped")
		must(t, err)
		_, err = s.ResolveConflict(ctx, admin, c.ID, tandem.ResolvePartner, 0, "the partner's")
		wantCode(t, err, tandem.EINVALID)
		got, err := s.GetConflictDetail(ctx, admin, c.ID)
		must(t, err)
		if got.Status != tandem.ConflictOpen || attribution(f.o4.ID) != tandem.AttributionDirect {
			t.Errorf("a refused decision changed state: conflict %s, o4 %q", got.Status, attribution(f.o4.ID))
		}
		_, err = s.ResolveConflict(ctx, admin, c.ID, tandem.ResolveDirect, 0, "vendor deal")
		must(t, err)
		if got := attribution(f.o4.ID); got != tandem.AttributionDirect {
			t.Errorf("o4 is %q", got)
		}
	})
}

// TestGrossProfitMatchesThePeriodResult checks that gross profit per deal — read alone, without the
// statements and the adjustments — is the Profit of the period's whole result: of an open period, of
// the same period once closed (the frozen one), and of the open period the adjustments land in.
func TestGrossProfitMatchesThePeriodResult(t *testing.T) {
	t.Parallel()
	forEachSeeded(t, seedComp, func(t *testing.T, ctx context.Context, s *Store, f *compFixture) {
		same := func(what, period string) {
			t.Helper()
			res, err := compensation.CalculatePeriod(ctx, s, f.revops, period)
			must(t, err)
			gp, err := compensation.GrossProfit(ctx, s, f.revops, period, "deal")
			must(t, err)
			want, _ := json.Marshal(res.Profit)
			got, _ := json.Marshal(gp.Deals)
			if len(res.Profit) == 0 && what != "adjustment period" {
				t.Errorf("%s %s: no deals to compare", what, period)
			}
			if len(res.Profit) > 0 && string(got) != string(want) {
				t.Errorf("%s %s: gross profit\n%s\nwant the result's\n%s", what, period, got, want)
			}
		}
		same("open", f.q1)
		_, err := compensation.ClosePeriod(ctx, s, f.revops, f.q1)
		must(t, err)
		same("closed", f.q1)
		same("adjustment period", "2026-Q2")
	})
}
