package server

import (
	"net/http"
	"strings"
	"testing"

	tandem "github.com/tandem-revops/tandem"
)

// TestConflictAPI files overlapping registrations over HTTP and works the conflicts they open: the
// partner hears only "overlap under review", the vendor sees both sides, precedent and the log, and
// only the level's deciders resolve.
func TestConflictAPI(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		// Partner B holds R-B on Bergmann (core); partner A files Bergmann too, and Direct Dynamics, where
		// the vendor has a direct deal.
		leaks := []string{"Beta", "R-B", "O-D", "Direct Dynamics platform", "registration_id", "opportunity_id", "conflict"}
		var regs []tandem.Registration
		for _, name := range []string{"Bergmann GmbH", "Direct Dynamics"} {
			res := e.registerAsPartnerA(t,
				`{"account_name":"`+name+`","vertical":"technology","country":"DE","product_type":"core","estimated_acv":10000000}`)
			var body struct {
				tandem.Registration
				Review string `json:"review"`
			}
			res.json(t, &body)
			if body.Review != tandem.OverlapUnderReview {
				t.Errorf("register %s: review %q, want %q", name, body.Review, tandem.OverlapUnderReview)
			}
			for _, leak := range leaks {
				if strings.Contains(string(res.body), leak) {
					t.Errorf("register %s: the partner's response leaks %q: %s", name, leak, res.body)
				}
			}
			regs = append(regs, body.Registration)
		}
		// A registration overlapping nothing says nothing.
		res := e.do("partner_a", http.MethodPost, APIPrefix+"/registrations",
			`{"account_name":"Nowhere Ltd","vertical":"technology","country":"DE","product_type":"core","estimated_acv":100}`)
		if res.status != http.StatusCreated || strings.Contains(string(res.body), "review") {
			t.Errorf("clean registration: %d %s", res.status, res.body)
		}

		var list listBody[tandem.Conflict]
		e.do("ae", http.MethodGet, APIPrefix+"/conflicts?status=open&level=1", nil).json(t, &list)
		if list.Total != 2 {
			t.Fatalf("open level-1 conflicts: %+v", list)
		}
		byCause := map[tandem.ConflictCause]tandem.Conflict{}
		for _, c := range list.Items {
			byCause[c.Cause] = c
		}
		overlap, direct := byCause[tandem.CausePartnerOverlap], byCause[tandem.CauseDirectOverlap]
		if overlap.RegistrationID != e.ids.regB || overlap.OtherRegistrationID != regs[0].ID ||
			direct.RegistrationID != regs[1].ID || direct.OpportunityID != e.ids.oppDirect {
			t.Fatalf("conflicts %+v", list.Items)
		}

		steps := []struct {
			name, role, method, path, body string
			want                           int
			contains                       string
		}{
			{"the partner cannot list conflicts", "partner_a", "GET", "/conflicts", "", 404, ""},
			{"the partner cannot read one", "partner_a", "GET", "/conflicts/" + itoa(overlap.ID), "", 404, ""},
			{"the CRO cannot decide at level 1", "cro", "POST", "/conflicts/" + itoa(overlap.ID) + "/resolve",
				`{"resolution":"award_direct","rationale":"ours"}`, 403, ""},
			{"a split needs a share", "partner_manager", "POST", "/conflicts/" + itoa(overlap.ID) + "/resolve",
				`{"resolution":"split","rationale":"half each"}`, 422, "partner_share_basis_points"},
			{"the partner manager splits", "partner_manager", "POST", "/conflicts/" + itoa(overlap.ID) + "/resolve",
				`{"resolution":"split","partner_share_basis_points":7000,"rationale":"B registered first; A brought the buyer"}`, 200, `"status":"resolved"`},
			{"no second resolution", "admin", "POST", "/conflicts/" + itoa(overlap.ID) + "/resolve",
				`{"resolution":"award_partner","rationale":"again"}`, 409, ""},
			{"the log", "ae", "GET", "/conflicts/" + itoa(overlap.ID) + "/log", "", 200, `"action":"resolved"`},
			{"precedent for the direct overlap", "ae", "GET", "/conflicts/" + itoa(direct.ID), "", 200,
				`"rationale":"B registered first; A brought the buyer"`},
			{"deciders of the level", "ae", "GET", "/conflicts/" + itoa(direct.ID), "", 200, `"deciders":["ae","partner_manager"]`},
			{"the review", "cro", "GET", "/conflicts/review?from=2000-01-01&to=2100-01-01", "", 200, `"opened":2`},
			{"a bad review date", "cro", "GET", "/conflicts/review?from=yesterday", "", 422, "from"},
		}
		for _, st := range steps {
			var body any
			if st.body != "" {
				body = st.body
			}
			res := e.do(st.role, st.method, APIPrefix+st.path, body)
			if res.status != st.want || !strings.Contains(string(res.body), st.contains) {
				t.Errorf("%s: %d %s; want %d containing %q", st.name, res.status, res.body, st.want, st.contains)
			}
		}

		// An AE opening a direct deal on Acme, where partner A's R-A waits for a decision, opens a
		// direct overlap.
		res = e.do("ae", http.MethodPost, APIPrefix+"/opportunities",
			`{"name":"Acme direct push","account_id":`+itoa(e.ids.accountA)+`,"product_type":"core","acv":5000000}`)
		if res.status != http.StatusCreated {
			t.Fatalf("create direct deal: %d %s", res.status, res.body)
		}
		e.do("admin", http.MethodGet, APIPrefix+"/conflicts?cause=direct_overlap", nil).json(t, &list)
		if list.Total != 2 {
			t.Errorf("direct overlaps after the AE's deal: %+v", list.Items)
		}
	})
}
