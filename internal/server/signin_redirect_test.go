package server

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Finding 5: after sign-in, next must be a path on this site as a browser reads it. Browsers drop
// tabs and newlines from URLs and read a backslash as a slash, so "/\t/evil.example/" is
// "//evil.example/": another host.
func TestSafeNext(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", "/"},
		{"/", "/"},
		{"/registrations?status=submitted", "/registrations?status=submitted"},
		{"/opportunities/12#notes", "/opportunities/12#notes"},
		{"//evil.example/", "/"},
		{"/\t/evil.example/", "/"},
		{"/\n/evil.example/", "/"},
		{"/\r\n/evil.example", "/"},
		{"\t//evil.example", "/"},
		{"/\\evil.example", "/"},
		{"\\\\evil.example", "/"},
		{"/\\/evil.example", "/"},
		{"https://evil.example/", "/"},
		{"javascript:alert(1)", "/"},
		{"http:/evil.example", "/"},
		{"evil.example", "/"},
		{" /x", "/"},
		{"/x\x00y", "/"},
		{"/x\x1by", "/"},
		{"/x\x7fy", "/"},
		{"/%09/evil.example/", "/%09/evil.example/"}, // a literal percent sequence is a path, not a tab
		{"/\u3000/evil.example", "/"},                // no invisible spacing either
		{"/ok path", "/ok path"},
	}
	for _, c := range cases {
		if got := safeNext(c.in); got != c.want {
			t.Errorf("safeNext(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestSignInRedirectStaysOnSite(t *testing.T) {
	e := newTestEnv(t, openSQLite(t))
	for _, next := range []string{"/\t/evil.example/", "/\\evil.example", "//evil.example", "/\n/evil.example"} {
		res := e.postForm(e.browser(), "/signin", url.Values{"email": {"revops@vendor.test"}, "password": {testPassword},
			"next": {next}}, "")
		if res.status != http.StatusSeeOther {
			t.Fatalf("sign in with next=%q: %d", next, res.status)
		}
		if loc := res.header.Get("Location"); loc != "/" {
			t.Errorf("next=%q redirects to %q, want /", next, loc)
		}
		page := e.get(e.browser(), "/signin?next="+url.QueryEscape(next))
		body := html.UnescapeString(string(page.body))
		if strings.Contains(body, "evil.example") {
			t.Errorf("GET /signin?next=%q carries it into the form", next)
		}
	}
}
