package server

import (
	"strings"
	"testing"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/policy"
)

// protectedReroutes lists the protected_reroute conflicts as RevOps sees them.
func protectedReroutes(t *testing.T, e *testEnv) listBody[tandem.Conflict] {
	t.Helper()
	var list listBody[tandem.Conflict]
	res := e.do("revops", "GET", "/api/v1/conflicts?cause=protected_reroute", nil)
	if res.status != 200 {
		t.Fatalf("list conflicts: %d %s", res.status, res.body)
	}
	res.json(t, &list)
	return list
}

func TestUpdatePastProtectedStageHoldsTheReroute(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		patch := func(t *testing.T, id int64, body map[string]any) updatedOpportunity {
			t.Helper()
			res := e.do("ae", "PATCH", "/api/v1/opportunities/"+itoa(id), body)
			if res.status != 200 {
				t.Fatalf("update: %d %s", res.status, res.body)
			}
			var out updatedOpportunity
			res.json(t, &out)
			return out
		}

		// Before the protected stage a re-route applies: the 1.2M direct deal shrinks to a partner-led one.
		small := patch(t, e.ids.oppDirect, map[string]any{"acv": 10_000_000})
		if small.Routing.Motion != tandem.MotionPartnerLed || small.Routing.Rule != "under-250k" || small.HeldReroute != nil {
			t.Errorf("re-route at qualified: %+v held %+v", small.Routing, small.HeldReroute)
		}

		// Acme (80K, partner-led) reaches proposal: same motion, nothing held.
		atProposal := patch(t, e.ids.oppA, map[string]any{"stage": "proposal"})
		if atProposal.Routing.Motion != tandem.MotionPartnerLed || atProposal.HeldReroute != nil {
			t.Fatalf("moving to proposal: %+v held %+v", atProposal.Routing, atProposal.HeldReroute)
		}
		// At proposal it grows to 1.5M: the policy says direct, the deal stays partner-led.
		grown := patch(t, e.ids.oppA, map[string]any{"acv": 150_000_000})
		h := grown.HeldReroute
		same := func(a, b tandem.Routing) bool {
			return a.Motion == b.Motion && a.Rule == b.Rule && a.PolicyVersion == b.PolicyVersion && a.Explanation == b.Explanation
		}
		if grown.ACV != 150_000_000 || !same(grown.Routing, atProposal.Routing) {
			t.Errorf("held deal routing %+v, want unchanged %+v (ACV %d stored)", grown.Routing, atProposal.Routing, grown.ACV)
		}
		if h == nil || h.Proposed.Motion != tandem.MotionDirect || h.Proposed.Rule != "over-1m" || h.ConflictID == 0 ||
			!strings.Contains(h.Note, "conflict "+itoa(h.ConflictID)) {
			t.Fatalf("held_reroute = %+v", h)
		}
		var stored tandem.Opportunity
		e.do("revops", "GET", "/api/v1/opportunities/"+itoa(e.ids.oppA), nil).json(t, &stored)
		if stored.Routing.Motion != tandem.MotionPartnerLed {
			t.Errorf("stored motion %s, want partner_led", stored.Routing.Motion)
		}
		list := protectedReroutes(t, e)
		if list.Total != 1 || list.Items[0].ID != h.ConflictID || list.Items[0].OpportunityID != e.ids.oppA || list.Items[0].Rule != "over-1m" {
			t.Fatalf("protected_reroute conflicts %+v, want the one held", list)
		}
		var log []tandem.EscalationEntry
		e.do("revops", "GET", "/api/v1/conflicts/"+itoa(h.ConflictID)+"/log", nil).json(t, &log)
		if len(log) != 1 || !strings.Contains(log[0].Note, "rule over-1m would move it from partner_led to direct") {
			t.Errorf("opening log %+v", log)
		}

		// The same update again holds again and opens no second conflict.
		again := patch(t, e.ids.oppA, map[string]any{"acv": 160_000_000})
		if again.HeldReroute == nil || again.HeldReroute.ConflictID != h.ConflictID || again.Routing.Motion != tandem.MotionPartnerLed {
			t.Errorf("second update: %+v held %+v", again.Routing, again.HeldReroute)
		}
		if n := protectedReroutes(t, e).Total; n != 1 {
			t.Errorf("%d protected_reroute conflicts after the second update, want 1", n)
		}

		// Partner users see their deal as it stands, nothing of the hold or the conflict.
		res := e.do("partner_a", "GET", "/api/v1/opportunities/"+itoa(e.ids.oppA), nil)
		if res.status != 200 || strings.Contains(string(res.body), "held_reroute") || strings.Contains(string(res.body), `"direct"`) {
			t.Errorf("partner view: %d %s", res.status, res.body)
		}
		for _, path := range []string{"/api/v1/conflicts", "/api/v1/conflicts/" + itoa(h.ConflictID)} {
			if res := e.do("partner_a", "GET", path, nil); res.status != 403 && res.status != 404 {
				t.Errorf("partner GET %s: %d %s", path, res.status, res.body)
			}
		}
		if res := e.do("partner_a", "PATCH", "/api/v1/opportunities/"+itoa(e.ids.oppA), map[string]any{"acv": 1}); res.status != 403 && res.status != 404 {
			t.Errorf("partner update: %d %s", res.status, res.body)
		}

		// The decision routes the deal: award to direct.
		res = e.do("admin", "POST", "/api/v1/conflicts/"+itoa(h.ConflictID)+"/resolve",
			map[string]any{"resolution": "award_direct", "rationale": "the AE built the 1.5M expansion"})
		if res.status != 200 {
			t.Fatalf("resolve: %d %s", res.status, res.body)
		}
		e.do("revops", "GET", "/api/v1/opportunities/"+itoa(e.ids.oppA), nil).json(t, &stored)
		r := stored.Routing
		if r.Motion != tandem.MotionDirect || r.Rule != tandem.EscalationRule || r.PolicyVersion != atProposal.Routing.PolicyVersion ||
			!strings.Contains(r.Explanation, "conflict "+itoa(h.ConflictID)) || !strings.Contains(r.Explanation, "the AE built") {
			t.Errorf("decided routing %+v", r)
		}
		// Later edits keep the decision without another conflict.
		later := patch(t, e.ids.oppA, map[string]any{"acv": 20_000_000})
		if later.Routing.Motion != tandem.MotionDirect || later.HeldReroute == nil || later.HeldReroute.ConflictID != 0 {
			t.Errorf("edit after the decision: %+v held %+v", later.Routing, later.HeldReroute)
		}
		if n := protectedReroutes(t, e).Total; n != 1 {
			t.Errorf("%d protected_reroute conflicts after the decision, want 1", n)
		}
	})
}

func TestPublishLeavesProtectedDealsAlone(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		if res := e.do("ae", "PATCH", "/api/v1/opportunities/"+itoa(e.ids.oppA), map[string]any{"stage": "proposal"}); res.status != 200 {
			t.Fatalf("move to proposal: %d %s", res.status, res.body)
		}
		var before tandem.Opportunity
		e.do("revops", "GET", "/api/v1/opportunities/"+itoa(e.ids.oppA), nil).json(t, &before)
		// The draft co-sells deals under 250K: Acme (80K, at proposal) would change motion.
		draft := strings.Replace(string(policy.DefaultSource()), `version: "2026.1"`, `version: "2026.2"`, 1)
		draft = strings.Replace(draft, "when: acv < 250000\n    motion: partner_led", "when: acv < 250000\n    motion: co_sell", 1)
		var v tandem.PolicyVersion
		res := e.do("revops", "POST", "/api/v1/policy/versions", map[string]string{"source": draft})
		if res.status != 201 {
			t.Fatalf("save draft: %d %s", res.status, res.body)
		}
		res.json(t, &v)
		var pub publishResult
		res = e.do("revops", "POST", "/api/v1/policy/versions/"+itoa(v.ID)+"/publish", nil)
		if res.status != 200 {
			t.Fatalf("publish: %d %s", res.status, res.body)
		}
		res.json(t, &pub)
		if pub.Held != 1 || pub.Rerouted != 2 {
			t.Errorf("publish = held %d rerouted %d, want 1 and 2", pub.Held, pub.Rerouted)
		}
		var after tandem.Opportunity
		e.do("revops", "GET", "/api/v1/opportunities/"+itoa(e.ids.oppA), nil).json(t, &after)
		if after.Routing != before.Routing {
			t.Errorf("protected deal re-routed by the publish: %+v, was %+v", after.Routing, before.Routing)
		}
		var other tandem.Opportunity
		e.do("revops", "GET", "/api/v1/opportunities/"+itoa(e.ids.oppDirect), nil).json(t, &other)
		if other.Routing.PolicyVersion != "2026.2" {
			t.Errorf("open deal before the stage carries version %q, want 2026.2", other.Routing.PolicyVersion)
		}
		if n := protectedReroutes(t, e).Total; n != 0 {
			t.Errorf("publish opened %d protected_reroute conflicts, want none", n)
		}
	})
}
