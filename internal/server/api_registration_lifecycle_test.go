package server

import (
	"net/http"
	"strings"
	"testing"

	tandem "github.com/tandem-revops/tandem"
)

// TestRegistrationLifecycleAPI drives a registration from submission to withdrawal over HTTP, with
// the refusals each role meets on the way.
func TestRegistrationLifecycleAPI(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		// With auto-approval off the new registration waits in the queue like the seeded ones.
		e.publishPolicy(t, "2026.1-manual", "{enabled: false}")
		base := APIPrefix + "/registrations/"
		var created tandem.Registration
		res := e.registerAsPartnerA(t,
			`{"account_name":"Acme Labs","vertical":"technology","country":"US","product_type":"core","estimated_acv":500000}`)
		res.json(t, &created)
		id := itoa(created.ID)

		// The submission is logged and the registration is queued with its SLA.
		var events []tandem.RegistrationEntry
		e.do("partner_a", http.MethodGet, base+id+"/events", nil).json(t, &events)
		if len(events) != 1 || events[0].Event != tandem.EventSubmit || events[0].To != tandem.RegistrationSubmitted {
			t.Fatalf("events after submission: %+v", events)
		}
		var queue listBody[struct {
			Registration tandem.Registration `json:"registration"`
			SLAStatus    string              `json:"sla_status"`
			DueAt        string              `json:"due_at"`
		}]
		e.do("partner_manager", http.MethodGet, base+"queue", nil).json(t, &queue)
		if queue.Total != 3 || len(queue.Items) != 3 {
			t.Fatalf("queue: %+v", queue)
		}
		for _, it := range queue.Items {
			if it.DueAt == "" || it.SLAStatus == "" {
				t.Errorf("queue item without an SLA: %+v", it)
			}
		}
		if res := e.do("ae", http.MethodGet, base+"queue", nil); res.status != http.StatusForbidden {
			t.Errorf("AE reads the queue: %d", res.status)
		}

		steps := []struct {
			name, role, action, body string
			want                     int
			contains                 string
		}{
			{"a partner cannot approve", "partner_a", "approve", "", http.StatusNotFound, ""},
			{"an AE cannot approve", "ae", "approve", "", http.StatusForbidden, ""},
			{"a rejection needs a reason", "partner_manager", "reject", `{"reason":""}`, http.StatusUnprocessableEntity, "reason"},
			{"the other partner cannot withdraw it", "partner_b", "withdraw", "", http.StatusNotFound, ""},
			{"extension before approval", "partner_a", "extend", "", http.StatusConflict, "it is submitted"},
			{"the partner manager approves", "partner_manager", "approve", `{"reason":"clean"}`, http.StatusOK, `"status":"approved"`},
			{"approving twice", "partner_manager", "approve", "", http.StatusConflict, "cannot approve registration"},
			{"rejecting an approved one", "revops", "reject", `{"reason":"late"}`, http.StatusConflict, "it is approved"},
			{"the partner withdraws its own", "partner_a", "withdraw", "", http.StatusOK, `"status":"withdrawn"`},
			{"nothing after withdrawal", "admin", "extend", "", http.StatusConflict, "it is withdrawn"},
		}
		for _, st := range steps {
			var body any
			if st.body != "" {
				body = st.body
			}
			res := e.do(st.role, http.MethodPost, base+id+"/"+st.action, body)
			if res.status != st.want || !strings.Contains(string(res.body), st.contains) {
				t.Errorf("%s: %d %s; want %d containing %q", st.name, res.status, res.body, st.want, st.contains)
			}
		}
		e.do("admin", http.MethodGet, base+id+"/events", nil).json(t, &events)
		var trail []string
		for _, ev := range events {
			trail = append(trail, string(ev.From)+">"+string(ev.To))
		}
		if got := strings.Join(trail, " "); got != ">submitted submitted>approved approved>withdrawn" {
			t.Errorf("log: %s", got)
		}
	})
}
