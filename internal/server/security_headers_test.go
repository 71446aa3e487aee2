package server

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, openSQLite(t))
	proxied, err := New(Config{Store: e.store, TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}})
	must(t, err)
	t.Cleanup(func() { proxied.Close() })
	cases := []struct {
		name      string
		srv       *Server
		remote    string
		tls       bool
		forwarded string
		path      string
		wantHSTS  bool
	}{
		{"plain HTTP", e.srv, "192.0.2.1:5000", false, "", "/signin", false},
		{"TLS", e.srv, "192.0.2.1:5000", true, "", "/signin", true},
		{"untrusted X-Forwarded-Proto", e.srv, "10.1.2.3:5000", false, "https", "/signin", false},
		{"trusted proxy, https", proxied, "10.1.2.3:5000", false, "https", "/api/v1/me", true},
		{"trusted proxy, http", proxied, "10.1.2.3:5000", false, "http", "/signin", false},
		{"spoofed from outside the proxies", proxied, "192.0.2.1:5000", false, "https", "/signin", false},
		{"asset", e.srv, "192.0.2.1:5000", false, "", "/assets/app.js", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", c.path, nil)
			req.RemoteAddr = c.remote
			if c.tls {
				req.TLS = &tls.ConnectionState{}
			}
			if c.forwarded != "" {
				req.Header.Set("X-Forwarded-Proto", c.forwarded)
			}
			rec := httptest.NewRecorder()
			c.srv.securityHeaders(http.NotFoundHandler()).ServeHTTP(rec, req)
			h := rec.Header()
			csp := h.Get("Content-Security-Policy")
			for _, want := range []string{"default-src 'self'", "script-src 'self';", "frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'"} {
				if !strings.Contains(csp, want) {
					t.Errorf("CSP %q lacks %q", csp, want)
				}
			}
			if strings.Contains(strings.SplitN(strings.SplitN(csp, "script-src", 2)[1], ";", 2)[0], "unsafe") {
				t.Errorf("CSP allows unsafe scripts: %q", csp)
			}
			for k, want := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin",
				"X-Frame-Options": "DENY"} {
				if got := h.Get(k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			if got := h.Get("Strict-Transport-Security"); (got != "") != c.wantHSTS || c.wantHSTS && !strings.Contains(got, "max-age=31536000") {
				t.Errorf("Strict-Transport-Security = %q, want it: %v", got, c.wantHSTS)
			}
		})
	}
	// And through the whole handler chain, on a page, an API call and an error.
	for _, path := range []string{"/signin", "/api/v1/me", "/nope"} {
		res := e.do("", "GET", path, nil)
		if res.header.Get("Content-Security-Policy") != contentSecurityPolicy || res.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: security headers missing: %v", path, res.header)
		}
	}
}

// No template may carry an inline script or event handler: the CSP would block it in the browser.
func TestTemplatesHaveNoInlineScripts(t *testing.T) {
	entries, err := templateFS.ReadDir("templates")
	must(t, err)
	for _, en := range entries {
		b, err := templateFS.ReadFile("templates/" + en.Name())
		must(t, err)
		text := strings.ToLower(string(b))
		for i := 0; ; {
			j := strings.Index(text[i:], "<script")
			if j < 0 {
				break
			}
			tag := text[i+j : i+j+strings.Index(text[i+j:], ">")]
			if !strings.Contains(tag, "src=") {
				t.Errorf("%s: inline <script>", en.Name())
			}
			i += j + 1
		}
		for _, h := range []string{" onclick=", " onload=", " onsubmit=", " onchange=", " oninput=", "javascript:"} {
			if strings.Contains(text, h) {
				t.Errorf("%s: inline handler %q", en.Name(), strings.TrimSpace(h))
			}
		}
	}
}
