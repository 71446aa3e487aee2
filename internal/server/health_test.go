package server

import (
	"strings"
	"testing"
)

func TestReadyz(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		// Unauthenticated, and the same for every role: nothing but "ready".
		for _, role := range []string{"", "partner_a", "admin"} {
			res := e.do(role, "GET", "/readyz", nil)
			if res.status != 200 || string(res.body) != "ready\n" {
				t.Fatalf("%q GET /readyz: %d %q", role, res.status, res.body)
			}
		}
		// (A schema behind or ahead of the binary: sqlstore's TestReady.)
		if res := e.do("", "GET", "/healthz", nil); res.status != 200 {
			t.Errorf("liveness: %d", res.status)
		}
		// Once draining, not ready whatever the database says.
		e.srv.Drain()
		if res := e.do("", "GET", "/readyz", nil); res.status != 503 || !strings.Contains(string(res.body), "shutting down") {
			t.Errorf("draining: %d %q", res.status, res.body)
		}
	})
}
