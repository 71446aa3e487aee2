package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// logBuffer is a bytes.Buffer safe to write from the server's goroutines while the test reads it.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *logBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *logBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func serveTestEnv(stdin string, getenv map[string]string) (*Env, *logBuffer, *logBuffer) {
	out, errOut := &logBuffer{}, &logBuffer{}
	return &Env{Stdin: strings.NewReader(stdin), Stdout: out, Stderr: errOut,
		Getenv: func(k string) string { return getenv[k] }}, out, errOut
}

// TestServeEndToEnd runs the real commands in-process: add a user, create a token, serve on port 0,
// use the API and the sign-in form, change the password, and shut down on cancellation.
func TestServeEndToEnd(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "e2e.db")
	ctx := context.Background()

	env, out, errOut := serveTestEnv("a long enough password\n", nil)
	if code := run(ctx, env, []string{"user", "add", "-db", db, "-email", "Ops@Vendor.test", "-name", "Olga Ops",
		"-role", "revops", "-password-stdin"}); code != 0 {
		t.Fatalf("user add: exit %d: %s", code, errOut)
	}
	if !strings.Contains(out.String(), "added user") || strings.Contains(out.String(), "password:") {
		t.Fatalf("user add printed %q", out)
	}
	env, out, errOut = serveTestEnv("", nil)
	if code := run(ctx, env, []string{"user", "add", "-db", db, "-email", "ae@vendor.test", "-name", "Al", "-role", "ae"}); code != 0 {
		t.Fatalf("user add with a generated password: exit %d: %s", code, errOut)
	}
	m := regexp.MustCompile(`password: (\S+)`).FindStringSubmatch(out.String())
	if m == nil || len(m[1]) < 20 {
		t.Fatalf("no generated password in %q", out)
	}
	aePassword := m[1]

	env, out, errOut = serveTestEnv("", nil)
	if code := run(ctx, env, []string{"token", "create", "-db", db, "-email", "ops@vendor.test", "-name", "nightly sync"}); code != 0 {
		t.Fatalf("token create: exit %d: %s", code, errOut)
	}
	token := strings.TrimSpace(out.String())
	if !strings.HasPrefix(token, "tdm_") {
		t.Fatalf("token create printed %q", token)
	}

	// Serve with TANDEM_DB and TANDEM_ADDR from the environment, as an operator would.
	sctx, stop := context.WithCancel(ctx)
	env, _, errOut = serveTestEnv("", map[string]string{"TANDEM_DB": db, "TANDEM_ADDR": "127.0.0.1:0", "TANDEM_LOG_FORMAT": "json"})
	done := make(chan int, 1)
	go func() { done <- run(sctx, env, []string{"serve"}) }()
	base := waitForURL(t, errOut, done)

	get := func(path, token string) (int, string) {
		req, _ := http.NewRequest("GET", base+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if code, body := get("/healthz", ""); code != 200 {
		t.Fatalf("/healthz: %d %s", code, body)
	}
	if code, body := get("/api/v1/me", token); code != 200 || !strings.Contains(body, `"email":"ops@vendor.test"`) {
		t.Fatalf("/api/v1/me with the token: %d %s", code, body)
	}
	if code, body := get("/api/v1/policy", token); code != 200 || !strings.Contains(body, `"status":"published"`) {
		t.Fatalf("the built-in policy is not published at start: %d %.200s", code, body)
	}
	if code, _ := get("/api/v1/me", "tdm_wrong"); code != 401 {
		t.Fatalf("/api/v1/me with a wrong token: %d", code)
	}
	signIn := func(email, password string) int {
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		res, err := c.PostForm(base+"/signin", url.Values{"email": {email}, "password": {password}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if code := signIn("ae@vendor.test", aePassword); code != http.StatusSeeOther {
		t.Fatalf("sign in with the generated password: %d", code)
	}

	env, _, errOut2 := serveTestEnv("another long password\n", nil)
	if code := run(ctx, env, []string{"user", "passwd", "-db", db, "-email", "ae@vendor.test", "-password-stdin"}); code != 0 {
		t.Fatalf("user passwd: exit %d: %s", code, errOut2)
	}
	if code := signIn("ae@vendor.test", aePassword); code != http.StatusUnauthorized {
		t.Fatalf("sign in with the old password: %d, want 401", code)
	}
	if code := signIn("ae@vendor.test", "another long password"); code != http.StatusSeeOther {
		t.Fatalf("sign in with the new password: %d", code)
	}

	// Listing shows the token without its secret; revoking it locks it out of the running server.
	env, out, errOut2 = serveTestEnv("", nil)
	if code := run(ctx, env, []string{"token", "list", "-db", db}); code != 0 || !strings.Contains(out.String(), "nightly sync") ||
		strings.Contains(out.String(), token) {
		t.Fatalf("token list: exit %d: %s %s", code, out, errOut2)
	}
	tokenID := regexp.MustCompile(`(?m)^(\d+)\s+ops@vendor.test\s+nightly sync`).FindStringSubmatch(out.String())
	if tokenID == nil {
		t.Fatalf("no token row in %q", out)
	}
	env, _, errOut2 = serveTestEnv("", nil)
	if code := run(ctx, env, []string{"token", "revoke", "-db", db, tokenID[1]}); code != 0 {
		t.Fatalf("token revoke: exit %d: %s", code, errOut2)
	}
	if code, _ := get("/api/v1/me", token); code != 401 {
		t.Fatalf("/api/v1/me with a revoked token: %d, want 401", code)
	}
	env, _, errOut2 = serveTestEnv("", nil)
	if code := run(ctx, env, []string{"token", "revoke", "-db", db, tokenID[1]}); code == 0 || !strings.Contains(errOut2.String(), "not found") {
		t.Fatalf("revoking twice: exit %d: %s", code, errOut2)
	}

	stop()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exited %d after cancellation: %s", code, errOut)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not shut down within 20s of cancellation")
	}
	if !strings.Contains(errOut.String(), `"msg":"shutting down"`) {
		t.Errorf("no JSON shutdown log line in:\n%s", errOut)
	}
}

// waitForURL waits for the serve command's "serving" log line and returns its URL.
func waitForURL(t *testing.T, logs *logBuffer, done chan int) string {
	t.Helper()
	re := regexp.MustCompile(`"url":"(http://[^"]+)"`)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(logs.String()); m != nil {
			return m[1]
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited %d before serving: %s", code, logs)
		case <-time.After(10 * time.Millisecond): // waiting for a server to start, not timing it
		}
	}
	t.Fatalf("serve did not report its URL within 30s: %s", logs)
	return ""
}

func TestServeStorePortZero(t *testing.T) {
	t.Parallel()
	ctx, stop := context.WithCancel(context.Background())
	env, _, _ := serveTestEnv("", nil)
	st, err := openOrCreateStore(ctx, env, filepath.Join(t.TempDir(), "demo.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	urls := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- serveStore(ctx, env, st, "127.0.0.1:0", nil, func(u string) { urls <- u }) }()
	var base string
	select {
	case base = <-urls:
	case err := <-done:
		t.Fatalf("serveStore: %v", err)
	}
	if strings.HasSuffix(base, ":0") {
		t.Fatalf("ready got %q, not the real port", base)
	}
	res, err := http.Get(base + "/signin")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Content-Security-Policy"), "script-src 'self'") {
		t.Fatalf("/signin: %d, CSP %q", res.StatusCode, res.Header.Get("Content-Security-Policy"))
	}
	stop()
	if err := <-done; err != nil {
		t.Fatalf("serveStore after cancellation: %v", err)
	}
}

func TestServeUsage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want int
	}{
		{"unknown flag", []string{"serve", "-bogus"}, 2},
		{"bad log format", []string{"serve", "-log-format", "xml"}, 2},
		{"extra argument", []string{"serve", "now"}, 2},
		{"user without subcommand", []string{"user"}, 2},
		{"user add without email", []string{"user", "add", "-name", "x", "-role", "ae"}, 2},
		{"user add bad role", []string{"user", "add", "-email", "a@b.test", "-name", "x", "-role", "boss"}, 2},
		{"short password", []string{"user", "passwd", "-email", "a@b.test", "-password-stdin"}, 2},
		{"token without create", []string{"token"}, 2},
		{"token without name", []string{"token", "create", "-email", "a@b.test"}, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env, _, errOut := serveTestEnv("short\n", nil)
			if code := run(context.Background(), env, tc.args); code != tc.want {
				t.Fatalf("exit %d, want %d: %s", code, tc.want, errOut)
			}
		})
	}
}
