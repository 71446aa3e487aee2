package server

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/comp"
	"github.com/tandem-revops/tandem/internal/compensation"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// compSeed wins the fixture's three deals in 2026-Q1: partner A's and the direct deal owned by the AE,
// partner B's by nobody; and publishes the default plan.
func compSeed(t *testing.T, e *testEnv) (aeID int64) {
	t.Helper()
	ctx := context.Background()
	var ae tandem.User
	users, _, err := e.store.ListUsers(ctx, tandem.SystemActor, sqlstore.UserFilter{Role: tandem.RoleAE})
	must(t, err)
	ae = users[0]
	for _, id := range []int64{e.ids.oppA, e.ids.oppB, e.ids.oppDirect} {
		o, err := e.store.GetOpportunity(ctx, tandem.SystemActor, id)
		must(t, err)
		o.Stage, o.ForecastCategory, o.CloseDate = tandem.StageClosedWon, tandem.ForecastClosed, time.Date(2026, 2, 15, 0, 0, 0, 0, time.UTC)
		if id != e.ids.oppB {
			o.OwnerID = ae.ID
		}
		must(t, e.store.UpdateOpportunity(ctx, tandem.SystemActor, o))
	}
	var v sqlstore.CompPlanVersion
	res := e.do("revops", http.MethodPost, APIPrefix+"/comp/plan/versions", map[string]string{"source": string(comp.DefaultSource())})
	if res.status != http.StatusCreated {
		t.Fatalf("create draft: %d %s", res.status, res.body)
	}
	res.json(t, &v)
	if res := e.do("revops", http.MethodPost, APIPrefix+"/comp/plan/versions/"+itoa(v.ID)+"/publish", nil); res.status != 200 {
		t.Fatalf("publish: %d %s", res.status, res.body)
	}
	return ae.ID
}

func TestCompAPI(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		aeID := compSeed(t, e)
		ids := e.ids
		base := APIPrefix + "/comp/periods/2026-Q1"
		ae := "/statements/ae/" + itoa(aeID)
		partnerA := "/statements/partner/" + itoa(ids.partnerA)
		partnerB := "/statements/partner/" + itoa(ids.partnerB)

		if res := e.do("ae", "PUT", APIPrefix+"/comp/quotas", `{"quotas":[{"user_id":`+itoa(aeID)+`,"period":"2026-Q1","amount":50000000}]}`); res.status != 403 {
			t.Errorf("AE sets quotas: %d", res.status)
		}
		if res := e.do("revops", "PUT", APIPrefix+"/comp/quotas", `{"quotas":[{"user_id":`+itoa(aeID)+`,"period":"2026-Q1","amount":50000000}]}`); res.status != 200 {
			t.Errorf("set quotas: %d %s", res.status, res.body)
		}

		var plan compPlanView
		e.do("partner_a", "GET", APIPrefix+"/comp/plan", nil).json(t, &plan)
		if plan.PlanVersion != "2026.1" || plan.Version == nil || !strings.Contains(plan.DocumentHTML, "<") {
			t.Errorf("plan view %+v", plan.Version)
		}
		var check compCheckResult
		e.do("revops", "POST", APIPrefix+"/comp/plan/check", `{"source":"name: x\nae: {base_rate: lots}\n"}`).json(t, &check)
		if check.OK || len(check.Problems) == 0 || check.Problems[0].Line == 0 {
			t.Errorf("check of a broken plan: %+v", check)
		}

		// Who sees which statements, through every statement route.
		type want struct{ ae, partnerA, partnerB int }
		cases := map[string]want{
			"ae":              {200, 404, 404},
			"partner_a":       {404, 200, 404},
			"partner_b":       {404, 404, 200},
			"partner_manager": {404, 404, 404},
			"cro":             {200, 200, 200},
			"revops":          {200, 200, 200},
		}
		for role, w := range cases {
			for path, status := range map[string]int{ae: w.ae, partnerA: w.partnerA, partnerB: w.partnerB} {
				for _, suffix := range []string{"", "/export", "/export?format=pdf"} {
					if res := e.do(role, "GET", base+path+suffix, nil); res.status != status {
						t.Errorf("%s GET %s%s: %d, want %d: %s", role, path, suffix, res.status, status, res.body)
					}
				}
			}
			var list comp.Result
			e.do(role, "GET", base+"/statements", nil).json(t, &list)
			seen := map[string]bool{}
			for _, st := range list.AEs {
				seen["ae"+itoa(st.PayeeID)] = true
			}
			for _, st := range list.Partners {
				seen["partner"+itoa(st.PayeeID)] = true
			}
			if seen["ae"+itoa(aeID)] != (w.ae == 200) || seen["partner"+itoa(ids.partnerA)] != (w.partnerA == 200) ||
				seen["partner"+itoa(ids.partnerB)] != (w.partnerB == 200) {
				t.Errorf("%s lists %v", role, seen)
			}
			if len(list.Profit) > 0 && role != "cro" && role != "revops" {
				t.Errorf("%s sees gross profit", role)
			}
			wantGP := map[string]int{"ae": 403, "partner_manager": 403, "partner_a": 404, "partner_b": 404, "cro": 200, "revops": 200}[role]
			for _, path := range []string{"/gross-profit?by=rep", "/reconciliation"} {
				if res := e.do(role, "GET", base+path, nil); res.status != wantGP {
					t.Errorf("%s GET %s: %d, want %d", role, path, res.status, wantGP)
				}
			}
		}

		// The AE's statement: CSV keeps money numeric, the PDF holds every line and the total.
		var st comp.Statement
		e.do("ae", "GET", base+ae, nil).json(t, &st)
		if len(st.Lines) == 0 || st.Total <= 0 {
			t.Fatalf("AE statement %+v", st)
		}
		csv := e.do("ae", "GET", base+ae+"/export", nil)
		if !strings.HasPrefix(csv.header.Get("Content-Type"), "text/csv") || !strings.Contains(string(csv.body), ","+st.Total.String()+",") {
			t.Errorf("CSV export:\n%s", csv.body)
		}
		pdf := e.do("ae", "GET", base+ae+"/export?format=pdf", nil)
		if !bytes.HasPrefix(pdf.body, []byte("%PDF-")) || pdf.header.Get("Content-Type") != "application/pdf" {
			t.Fatalf("PDF export: %q", pdf.body[:min(20, len(pdf.body))])
		}
		for _, l := range st.Lines {
			for _, want := range []string{"(" + l.DealExternal, "(" + string(l.Kind) + ")", "(" + l.Amount.String() + ")"} {
				if !bytes.Contains(pdf.body, []byte(want)) {
					t.Errorf("the PDF lacks %q of line %+v", want, l)
				}
			}
		}
		if !bytes.Contains(pdf.body, []byte("("+st.Total.String()+")")) || !bytes.Contains(pdf.body, []byte(`(Total \(`)) {
			t.Errorf("the PDF lacks the total %s", st.Total)
		}

		// Gross profit rolls up; what-if compares; nothing is written.
		var gp compensation.GrossProfitReport
		e.do("cro", "GET", base+"/gross-profit?by=partner", nil).json(t, &gp)
		if len(gp.Rows) != 3 || gp.Total.Deals != 3 {
			t.Errorf("gross profit by partner %+v", gp)
		}
		draft := strings.Replace(string(comp.DefaultSource()), `base_rate: "8%"`, `base_rate: "9%"`, 1)
		var wi compensation.WhatIfReport
		res := e.do("cro", "POST", APIPrefix+"/comp/whatif", map[string]string{"source": draft, "from": "2026-Q1", "to": "2026-Q1"})
		res.json(t, &wi)
		if res.status != 200 || wi.Change.Commission <= 0 || len(wi.AEs) == 0 {
			t.Errorf("what-if %d %s", res.status, res.body)
		}

		// Payouts: import, refuse a bad file, reconcile.
		upload := func(role, name, content string) response {
			return e.apiUpload(role, APIPrefix+"/comp/payouts", nil, fileField(name, content))
		}
		if res := upload("revops", "bad.csv", "period,payee_kind,payee,amount,reference\n2026-Q1,ae,ae@vendor.test,abc,R1\n"); res.status != 422 ||
			!strings.Contains(string(res.body), `line 2: column \"amount\"`) {
			t.Errorf("bad payouts: %d %s", res.status, res.body)
		}
		if res := upload("ae", "p.csv", "period,payee_kind,payee,amount,reference\n"); res.status != 403 {
			t.Errorf("AE imports payouts: %d", res.status)
		}
		if res := upload("revops", "p.csv", "period,payee_kind,payee,amount,reference\n2026-Q1,ae,ae@vendor.test,"+st.Total.String()+",R1\n"); res.status != 201 {
			t.Errorf("payouts: %d %s", res.status, res.body)
		}
		var rec compensation.Reconciliation
		e.do("revops", "GET", base+"/reconciliation", nil).json(t, &rec)
		if rec.Matched != 1 || len(rec.Differences) != 2 {
			t.Errorf("reconciliation %+v", rec)
		}

		// Attribution.
		if res := e.do("revops", "POST", APIPrefix+"/comp/attribution/recompute", `{}`); res.status != 200 {
			t.Errorf("recompute: %d %s", res.status, res.body)
		}
		if res := e.do("partner_a", "POST", APIPrefix+"/opportunities/"+itoa(ids.oppA)+"/attribution/dispute", `{"reason":"we sourced it"}`); res.status != 200 {
			t.Errorf("dispute: %d %s", res.status, res.body)
		}
		if res := e.do("ae", "POST", APIPrefix+"/opportunities/"+itoa(ids.oppA)+"/attribution/dispute", `{"reason":"no"}`); res.status != 409 {
			t.Errorf("second dispute: %d %s", res.status, res.body)
		}

		// Closing: revops only, once.
		if res := e.do("ae", "POST", base+"/close", nil); res.status != 403 {
			t.Errorf("AE closes: %d", res.status)
		}
		var cp sqlstore.CompPeriod
		res = e.do("revops", "POST", base+"/close", nil)
		res.json(t, &cp)
		if res.status != 200 || cp.Status != "closed" || len(cp.ResultSHA256) != 64 {
			t.Errorf("close: %d %s", res.status, res.body)
		}
		if res := e.do("revops", "POST", base+"/close", nil); res.status != 409 {
			t.Errorf("close again: %d %s", res.status, res.body)
		}
		var after comp.Statement
		e.do("ae", "GET", base+ae, nil).json(t, &after)
		if after.Total != st.Total {
			t.Errorf("the frozen statement %v differs from the live one %v", after.Total, st.Total)
		}
		var periods []sqlstore.CompPeriod
		e.do("partner_a", "GET", APIPrefix+"/comp/periods", nil).json(t, &periods)
		found := false
		for _, p := range periods {
			found = found || (p.ID == "2026-Q1" && p.Status == "closed")
		}
		if !found {
			t.Errorf("periods %+v", periods)
		}
	})
}
