package server

import (
	"bytes"
	"context"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/policy"
)

// strictDraft is the built-in policy with its direct threshold raised from $1,000,000 to $1,500,000,
// so deals between the two move from direct to co-sell.
func strictDraft(t *testing.T) string {
	t.Helper()
	src := string(policy.DefaultSource())
	if !strings.Contains(src, "version:") || !strings.Contains(src, "acv <= 1000000") || !strings.Contains(src, "acv > 1000000") {
		t.Fatal("the default policy no longer has the version line and $1,000,000 threshold this test edits")
	}
	src = strings.ReplaceAll(src, "acv <= 1000000", "acv <= 1500000")
	src = strings.ReplaceAll(src, "acv > 1000000", "acv > 1500000")
	lines := strings.Split(src, "\n")
	for i, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), "version:") {
			lines[i] = l[:strings.Index(l, "version:")] + "version: 2099.1-test"
			break
		}
	}
	return strings.Join(lines, "\n")
}

func TestPolicySimulateAndPublish(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		draft := strictDraft(t)
		var sim policy.SimulationResult
		res := e.do("revops", "POST", "/api/v1/policy/simulate", map[string]string{"source": draft})
		if res.status != 200 {
			t.Fatalf("simulate: %d %s", res.status, res.body)
		}
		res.json(t, &sim)
		if sim.Deals != 3 || sim.DraftVersion != "2099.1-test" || sim.Changed != 1 || sim.Count(tandem.MotionDirect, tandem.MotionCoSell) != 1 {
			t.Fatalf("simulation = %+v, want 3 deals, the $1.2M direct deal moving to co-sell, and the draft's version", sim)
		}
		if len(sim.Changes) != 1 || sim.Changes[0].DealID != "O-D" || sim.Changes[0].New.Explanation == "" {
			t.Fatalf("changes = %+v, want the direct deal O-D with the draft's explanation", sim.Changes)
		}
		if res := e.do("revops", "POST", "/api/v1/policy/simulate", map[string]string{"source": "rules: [oops"}); res.status != 422 {
			t.Fatalf("simulate a broken draft: %d, want 422: %s", res.status, res.body)
		}

		var v tandem.PolicyVersion
		res = e.do("revops", "POST", "/api/v1/policy/versions", map[string]string{"source": draft})
		if res.status != 201 {
			t.Fatalf("save draft: %d %s", res.status, res.body)
		}
		res.json(t, &v)
		if v.Status != tandem.PolicyDraft {
			t.Fatalf("saved version status %q, want draft", v.Status)
		}
		var pub publishResult
		res = e.do("revops", "POST", "/api/v1/policy/versions/"+itoa(v.ID)+"/publish", nil)
		if res.status != 200 {
			t.Fatalf("publish: %d %s", res.status, res.body)
		}
		res.json(t, &pub)
		if pub.Version.Status != tandem.PolicyPublished || pub.Rerouted != 3 {
			t.Fatalf("publish = %+v, want published and 3 open deals re-routed", pub)
		}
		var o tandem.Opportunity
		e.do("ae", "GET", "/api/v1/opportunities/"+itoa(e.ids.oppDirect), nil).json(t, &o)
		if o.Routing.PolicyVersion != "2099.1-test" || o.Routing.Motion != tandem.MotionCoSell {
			t.Fatalf("after publish the $1.2M deal is %s under policy version %q, want co_sell under 2099.1-test", o.Routing.Motion, o.Routing.PolicyVersion)
		}
		var pv policyView
		e.do("partner_a", "GET", "/api/v1/policy", nil).json(t, &pv)
		if pv.Version.Version != "2099.1-test" || !strings.Contains(pv.Guide, "<") {
			t.Fatalf("GET /policy after publish: version %q, guide %d bytes", pv.Version.Version, len(pv.Guide))
		}
		if res := e.do("revops", "POST", "/api/v1/policy/versions/"+itoa(v.ID)+"/publish", nil); res.status != 409 {
			t.Fatalf("publishing a published version: %d, want 409", res.status)
		}
	})
}

func TestExportCSVIsInert(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		evil := `=HYPERLINK("http://x","y")`
		res := e.do("ae", "POST", "/api/v1/opportunities", map[string]any{"name": evil, "account_id": e.ids.accountD, "acv": 100})
		if res.status != 201 {
			t.Fatalf("create: %d %s", res.status, res.body)
		}
		res = e.do("ae", "GET", "/api/v1/opportunities.csv?sort=name", nil)
		if res.status != 200 || !strings.HasPrefix(res.header.Get("Content-Type"), "text/csv") {
			t.Fatalf("export: %d %s", res.status, res.header.Get("Content-Type"))
		}
		records, err := csv.NewReader(bytes.NewReader(res.body)).ReadAll()
		must(t, err)
		if len(records) != 5 || records[0][2] != "name" {
			t.Fatalf("export has %d records, header %v", len(records), records[0])
		}
		found := false
		for _, rec := range records[1:] {
			for _, cell := range rec {
				if strings.HasPrefix(cell, "=") || strings.HasPrefix(cell, "+") || strings.HasPrefix(cell, "@") {
					t.Errorf("cell %q would run as a formula", cell)
				}
			}
			if rec[2] == "'"+evil {
				found = true
			}
		}
		if !found {
			t.Errorf("the formula name is not in the export as inert text:\n%s", res.body)
		}
		partner := e.do("partner_a", "GET", "/api/v1/opportunities.csv", nil)
		if n := strings.Count(string(partner.body), "\n"); n != 2 {
			t.Errorf("partner A's export has %d lines, want header + its one deal:\n%s", n, partner.body)
		}
	})
}

// TestResponsesMatchOpenAPI validates live responses of the main routes against the served document.
func TestResponsesMatchOpenAPI(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		res := e.do("", "GET", "/api/v1/openapi.json", nil)
		if res.status != 200 {
			t.Fatalf("openapi: %d", res.status)
		}
		if r31 := e.do("", "GET", "/api/v1/openapi.json", nil); r31.status != 200 || !strings.Contains(string(r31.body), `"openapi":"3.1`) {
			t.Fatalf("the 3.1 document is not served: %d", r31.status)
		}
		api := newOpenAPIChecker(t, e, res.body)
		for _, path := range []string{"/me", "/opportunities", "/opportunities?motion=direct&sort=-acv&limit=2",
			"/opportunities/" + itoa(e.ids.oppA), "/accounts", "/accounts/" + itoa(e.ids.accountA), "/partners",
			"/partners/" + itoa(e.ids.partnerA), "/registrations", "/registrations/" + itoa(e.ids.regA), "/touches",
			"/users", "/policy", "/policy/versions", "/audit", "/opportunities/999999"} {
			t.Run(path, func(t *testing.T) {
				res, out := api.get(t, path)
				if res.status == 200 {
					// The validator does look: a body of the wrong shape fails.
					out.SetBodyBytes([]byte(`{"id":"not a number","items":7,"user":[]}`))
					if openapi3filter.ValidateResponse(context.Background(), out) == nil {
						t.Error("a malformed body passed validation")
					}
				}
			})
		}
	})
}

func TestImportJob(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		upload := func(csvText string) tandem.UpsertCounts {
			res := e.apiUpload("revops", "/api/v1/imports", map[string]string{"kind": "accounts"}, fileField("accounts.csv", csvText))
			if res.status != 202 {
				t.Fatalf("upload: %d %s", res.status, res.body)
			}
			var job struct{ ID int64 }
			res.json(t, &job)
			// The job runs in the background; wait for it by polling the API, as a client would.
			deadline := time.Now().Add(20 * time.Second)
			for {
				var j struct {
					Status string
					Error  string
					Counts tandem.UpsertCounts
				}
				e.do("revops", "GET", "/api/v1/imports/"+itoa(job.ID), nil).json(t, &j)
				if j.Status != "running" {
					if j.Status != "succeeded" {
						t.Fatalf("import %s: %s", j.Status, j.Error)
					}
					return j.Counts
				}
				if time.Now().After(deadline) {
					t.Fatal("import still running after 20s")
				}
				time.Sleep(20 * time.Millisecond) // polling a background job, not timing it
			}
		}
		file := "external_id,name,domain,country\nX-1,Xylo Ltd,xylo.test,GB\nX-2,Yonder Inc,yonder.test,US\n"
		if got := upload(file); got.Inserted != 2 {
			t.Fatalf("first import counts = %+v, want 2 inserted", got)
		}
		if got := upload(file); got.Unchanged != 2 || got.Inserted != 0 {
			t.Fatalf("second import counts = %+v, want 2 unchanged", got)
		}
	})
}
