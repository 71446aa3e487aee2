package server

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tandem-revops/tandem/internal/notify"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

func TestWebhookAPI(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		// Only RevOps (and admins).
		for _, role := range []string{"ae", "partner_manager", "cro"} {
			if res := e.do(role, http.MethodPost, APIPrefix+"/webhooks", `{"url":"https://x.test/"}`); res.status != http.StatusForbidden {
				t.Errorf("%s creates a webhook: %d %s", role, res.status, res.body)
			}
		}
		if res := e.do("revops", http.MethodPost, APIPrefix+"/webhooks", `{"url":"ftp://x.test/"}`); res.status != http.StatusUnprocessableEntity && res.status != http.StatusBadRequest {
			t.Errorf("a bad URL: %d %s", res.status, res.body)
		}
		res := e.do("revops", http.MethodPost, APIPrefix+"/webhooks", `{"url":"https://hooks.example.test/in","events":["conflict.*"]}`)
		if res.status != http.StatusCreated {
			t.Fatalf("create: %d %s", res.status, res.body)
		}
		var created webhookCreated
		res.json(t, &created)
		if !strings.HasPrefix(created.Secret, "whsec_") || created.ID == 0 || created.Events[0] != "conflict.*" {
			t.Fatalf("created %+v", created)
		}
		// The secret signs; it is never listed again.
		body := []byte(`{}`)
		if err := notify.Verify(created.Secret, notify.Sign(created.Secret, body, time.Now()), body, time.Now(), time.Minute); err != nil {
			t.Error(err)
		}
		list := e.do("revops", http.MethodGet, APIPrefix+"/webhooks", nil)
		if list.status != 200 || strings.Contains(string(list.body), created.Secret) || !strings.Contains(string(list.body), "hooks.example.test") {
			t.Errorf("list: %d %s", list.status, list.body)
		}
		var deliveries listBody[sqlstore.Delivery]
		e.do("revops", http.MethodGet, APIPrefix+"/webhooks/deliveries?status=pending", nil).json(t, &deliveries)
		if deliveries.Items == nil {
			t.Error("deliveries: items is null")
		}
		if res := e.do("revops", http.MethodDelete, APIPrefix+"/webhooks/"+itoa(created.ID), nil); res.status != http.StatusNoContent {
			t.Errorf("delete: %d %s", res.status, res.body)
		}
		if res := e.do("revops", http.MethodDelete, APIPrefix+"/webhooks/"+itoa(created.ID), nil); res.status != http.StatusNotFound {
			t.Errorf("delete again: %d %s", res.status, res.body)
		}
		if list := e.do("revops", http.MethodGet, APIPrefix+"/webhooks", nil); strings.Contains(string(list.body), "hooks.example.test") {
			t.Errorf("a deleted webhook is listed: %s", list.body)
		}
	})
}
