package server

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	tandem "github.com/tandem-revops/tandem"
)

var secretRE = regexp.MustCompile(`whsec_[0-9a-f]{64}`)

// TestWebhooksPage: RevOps only (other staff 403, partner users 404); adding needs the CSRF token,
// shows the secret once with how to verify it; deleting needs the token too.
func TestWebhooksPage(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		revops, csrf := e.signIn("revops@vendor.test")
		pm, pmcsrf := e.signIn("pm@vendor.test")
		partner, pcsrf := e.signIn("user@alpha.test")
		ctx := context.Background()

		wantPage(t, e.get(revops, "/webhooks"), 200, "No webhook yet", "No delivery", `href="/webhooks"`)
		wantPage(t, e.get(pm, "/webhooks"), http.StatusForbidden)
		wantAbsent(t, e.get(pm, "/"), `href="/webhooks"`)
		wantPage(t, e.get(partner, "/webhooks"), http.StatusNotFound)

		form := url.Values{"url": {"https://hooks.example.test/tandem"}, "events": {"registration.approve, conflict.*"}}
		for name, res := range map[string]response{
			"no CSRF token": e.post(revops, "", "/webhooks", form),
			"pm":            e.post(pm, pmcsrf, "/webhooks", form),
		} {
			if res.status != http.StatusForbidden {
				t.Errorf("%s adds a webhook: %d", name, res.status)
			}
		}
		if res := e.post(partner, pcsrf, "/webhooks", form); res.status != http.StatusNotFound {
			t.Errorf("a partner user adds a webhook: %d", res.status)
		}
		res := e.post(revops, csrf, "/webhooks", url.Values{"url": {"ftp://nope.test"}, "events": {"registration.approve"}})
		wantPage(t, res, http.StatusUnprocessableEntity, "is not an http:// or https:// URL", `value="ftp://nope.test"`)
		res = e.post(revops, csrf, "/webhooks", url.Values{"url": {"https://ok.test"}, "events": {"deal.won"}})
		wantPage(t, res, http.StatusUnprocessableEntity, "is not an event kind")
		if hooks, err := e.store.ListWebhooks(ctx, tandem.SystemActor); err != nil || len(hooks) != 0 {
			t.Fatalf("refused forms added webhooks: %v %v", hooks, err)
		}

		// Added: the secret once, with the scheme and a snippet; never again.
		res = e.post(revops, csrf, "/webhooks", form)
		wantPage(t, res, http.StatusCreated, `id="webhook-created"`, "Tandem-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex&gt;",
			"HMAC-SHA256", `id="verify-snippet"`, "hmac.Equal", "<code>registration.approve</code>, <code>conflict.*</code>")
		secret := secretRE.Find(res.body)
		if secret == nil {
			t.Fatalf("no secret shown:\n%s", res.body)
		}
		hooks, err := e.store.ListWebhooks(ctx, tandem.SystemActor)
		must(t, err)
		if len(hooks) != 1 || hooks[0].URL != "https://hooks.example.test/tandem" || strings.Join(hooks[0].Events, "|") != "registration.approve|conflict.*" {
			t.Fatalf("webhooks: %+v", hooks)
		}
		res = e.get(revops, "/webhooks")
		wantPage(t, res, 200, "https://hooks.example.test/tandem", `data-confirm="Delete the webhook`)
		wantAbsent(t, res, string(secret), "whsec_", `id="webhook-created"`)

		// Deleting: the token is required, then it is gone.
		del := "/webhooks/" + itoa(hooks[0].ID) + "/delete"
		if res := e.post(revops, "", del, nil); res.status != http.StatusForbidden {
			t.Errorf("delete without the CSRF token: %d", res.status)
		}
		if res := e.post(partner, pcsrf, del, nil); res.status != http.StatusNotFound {
			t.Errorf("a partner user deletes: %d", res.status)
		}
		if res := e.post(revops, csrf, del, nil); res.status != http.StatusSeeOther || res.header.Get("Location") != "/webhooks?deleted="+itoa(hooks[0].ID) {
			t.Fatalf("delete: %d %s", res.status, res.header.Get("Location"))
		}
		wantPage(t, e.get(revops, "/webhooks?deleted="+itoa(hooks[0].ID)), 200, "deleted: nothing more is sent to it", "No webhook yet")
		wantPage(t, e.post(revops, csrf, del, nil), http.StatusNotFound)
	})
}

// TestWebhookFormShowsEveryError (issue 10 #6): a bad URL and an unknown event kind are reported at
// once, each next to its field.
func TestWebhookFormShowsEveryError(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		revops, csrf := e.signIn("revops@vendor.test")
		res := e.post(revops, csrf, "/webhooks", url.Values{"url": {"ftp://nope.test"}, "events": {"deal.won"}})
		if res.status != http.StatusUnprocessableEntity {
			t.Fatalf("status %d", res.status)
		}
		if msg := wantFieldError(t, res, "url"); !strings.Contains(msg, "https://") {
			t.Errorf("url error %q", msg)
		}
		if msg := wantFieldError(t, res, "events"); !strings.Contains(msg, "deal.won") {
			t.Errorf("events error %q", msg)
		}
	})
}
