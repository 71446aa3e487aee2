package server

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

type testClock struct{ t time.Time }

func (c *testClock) now() time.Time { return c.t }

func TestRateLimitPerTokenAndPartner(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, openSQLite(t))
	clock := &testClock{t: time.Now()} // sessions expire by the store's clock, so start at the real time; then only the test moves it
	srv, err := New(Config{Store: e.store, Now: clock.now, RateLimit: RateLimit{
		PerToken:   Bucket{PerMinute: 60, Burst: 3},  // one a second, three at once
		PerPartner: Bucket{PerMinute: 120, Burst: 4}, // shared by all of a partner's users
	}})
	must(t, err)
	t.Cleanup(func() { srv.Close() })
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	get := func(role, path string) response {
		t.Helper()
		req, err := http.NewRequest("GET", hs.URL+path, nil)
		must(t, err)
		req.Header.Set("Authorization", "Bearer "+e.tokens[role])
		return e.send(http.DefaultClient, req)
	}
	for i := range 3 {
		if res := get("revops", APIPrefix+"/me"); res.status != 200 {
			t.Fatalf("request %d within the burst: %d", i+1, res.status)
		}
	}
	res := get("revops", APIPrefix+"/me")
	if res.status != http.StatusTooManyRequests || res.header.Get("Retry-After") != "1" {
		t.Fatalf("4th request at once: %d Retry-After %q, want 429 and 1", res.status, res.header.Get("Retry-After"))
	}
	if ct := res.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("429 content type %q", ct)
	}
	// Another token is not affected, and neither are the uncounted routes.
	if res := get("cro", APIPrefix+"/me"); res.status != 200 {
		t.Errorf("another token: %d", res.status)
	}
	if res := get("revops", "/healthz"); res.status != 200 {
		t.Errorf("healthz over the limit: %d", res.status)
	}
	clock.t = clock.t.Add(time.Second)
	if res := get("revops", APIPrefix+"/me"); res.status != 200 {
		t.Errorf("a second later: %d, want 200", res.status)
	}

	// Partner A's budget (burst 4) is spent by its user's requests; the per-token limit (3) trips first
	// for one token, so spend it through the token and then one more second.
	for i := range 3 {
		if res := get("partner_a", APIPrefix+"/me"); res.status != 200 {
			t.Fatalf("partner request %d: %d", i+1, res.status)
		}
	}
	clock.t = clock.t.Add(time.Second) // the token regains one; the partner (2/s) regains 2 of 4 → 3
	for i := range 1 {
		if res := get("partner_a", APIPrefix+"/me"); res.status != 200 {
			t.Fatalf("partner request after a second %d: %d", i+1, res.status)
		}
	}
	// A browser session of the same partner shares the partner's budget: 2 left.
	c, _ := signInOn(t, e, hs, "user@alpha.test")
	statuses := []int{}
	for range 3 {
		req, _ := http.NewRequest("GET", hs.URL+"/registrations", nil)
		statuses = append(statuses, e.send(c, req).status)
	}
	if statuses[0] != 200 || statuses[1] != 200 || statuses[2] != http.StatusTooManyRequests {
		t.Errorf("partner session requests: %v, want 200 200 429", statuses)
	}
	// Partner B is not affected.
	if res := get("partner_b", APIPrefix+"/me"); res.status != 200 {
		t.Errorf("partner B: %d", res.status)
	}
}

// signInOn signs in through hs (a second server on the same store) and returns the client.
func signInOn(t *testing.T, e *testEnv, hs *httptest.Server, email string) (*http.Client, string) {
	t.Helper()
	saved := e.http
	e.http = hs
	defer func() { e.http = saved }()
	return e.signIn(email)
}

// The OpenAPI document lists the new route and the 429 every signed-in operation may answer.
func TestOpenAPIDocumentsHardening(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, openSQLite(t))
	var doc struct {
		Paths map[string]map[string]struct {
			OperationID string                     `json:"operationId"`
			Responses   map[string]json.RawMessage `json:"responses"`
		} `json:"paths"`
	}
	e.do("", "GET", "/api/v1/openapi.json", nil).json(t, &doc)
	op, ok := doc.Paths["/users/{id}/revoke-access"]["post"]
	if !ok || op.OperationID != "revoke-user-access" {
		t.Fatalf("revoke-access is not in the OpenAPI document: %+v", doc.Paths["/users/{id}/revoke-access"])
	}
	for path, methods := range doc.Paths {
		for method, op := range methods {
			if _, ok := op.Responses["429"]; !ok {
				t.Errorf("%s %s (%s) does not document 429", method, path, op.OperationID)
			}
		}
	}
}
