package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tandem-revops/tandem/internal/demo"
)

// signalWriter collects what a command prints and closes seen once the output contains marker.
type signalWriter struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	marker string
	seen   chan struct{}
	once   sync.Once
}

func newSignalWriter(marker string) *signalWriter {
	return &signalWriter{marker: marker, seen: make(chan struct{})}
}

func (w *signalWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, err := w.buf.Write(p)
	if strings.Contains(w.buf.String(), w.marker) {
		w.once.Do(func() { close(w.seen) })
	}
	return n, err
}

func (w *signalWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

func testEnv(stdout, stderr interface{ Write([]byte) (int, error) }) *Env {
	return &Env{Stdin: strings.NewReader(""), Stdout: stdout, Stderr: stderr, Getenv: func(string) string { return "" }}
}

// TestDemo creates the full-size demo in-process, reuses it, then serves it and signs in.
func TestDemo(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tandem-demo.db")

	var out, errs bytes.Buffer
	start := time.Now()
	if code := run(t.Context(), testEnv(&out, &errs), []string{"demo", "-no-serve", "-db", path}); code != 0 {
		t.Fatalf("tandem demo -no-serve: exit %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errs.String())
	}
	t.Logf("tandem demo -no-serve created the full-size company in %v", time.Since(start).Round(time.Millisecond))
	if !strings.Contains(out.String(), "Created the demo company in "+path+" (seed 1)") {
		t.Errorf("first run did not report creating the company:\n%s", out.String())
	}
	emails := regexp.MustCompile(`(?m)^  .+  (\S+@\S+)$`).FindAllStringSubmatch(out.String(), -1)
	if len(emails) != 10 {
		t.Fatalf("printed %d sign-ins, want 10:\n%s", len(emails), out.String())
	}

	for _, want := range []string{"ceo@helio.example", "-db " + path, "TANDEM_DB=" + path, "comp statements -db " + path + " -format csv 2026Q3"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the demo does not print %q:\n%s", want, out.String())
		}
	}
	checkDemoCommissions(t, path)

	out.Reset()
	if code := run(t.Context(), testEnv(&out, &errs), []string{"demo", "-no-serve", "-db", path}); code != 0 {
		t.Fatalf("second run: exit %d\n%s", code, errs.String())
	}
	if !strings.Contains(out.String(), "Using the demo company") {
		t.Errorf("second run with the same seed did not reuse the file:\n%s", out.String())
	}

	// The audit log of the demo company verifies (issue 11: `tandem audit verify` in CI on the demo).
	out.Reset()
	if code := run(t.Context(), testEnv(&out, &errs), []string{"audit", "verify", "-db", path}); code != 0 ||
		!strings.Contains(out.String(), "audit log verified:") {
		t.Fatalf("tandem audit verify on the demo: exit %d\n%s%s", code, out.String(), errs.String())
	}
	t.Logf("%s", strings.TrimSpace(out.String()))

	code := serveDemoAndSignIn(t, func(ctx context.Context, stdout io.Writer) int {
		return run(ctx, testEnv(stdout, &bytes.Buffer{}), []string{"demo", "-db", path, "-addr", "127.0.0.1:0"})
	}, emails[0][1], emails[9][1])
	if code != 0 {
		t.Errorf("tandem demo exited %d after Ctrl-C, want 0", code)
	}
}

// serveDemoAndSignIn runs serve, a tandem demo that serves until its context ends, until it prints its
// URL, signs in there as each of emails with the demo password (a redirect, 303, is a success), then
// stops it as Ctrl-C does and returns what serve returned.
func serveDemoAndSignIn[R any](t *testing.T, serve func(ctx context.Context, stdout io.Writer) R, emails ...string) R {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	stdout := newSignalWriter("Press Ctrl-C to stop.")
	done := make(chan R, 1)
	go func() { done <- serve(ctx, stdout) }()
	select {
	case <-stdout.seen:
	case r := <-done:
		t.Fatalf("tandem demo stopped (%v) before serving:\n%s", r, stdout.String())
	}
	base := regexp.MustCompile(`running at (http://\S+)`).FindStringSubmatch(stdout.String())
	if base == nil {
		t.Fatalf("no URL printed:\n%s", stdout.String())
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, e := range emails {
		resp, err := client.PostForm(base[1]+"/signin", url.Values{"email": {e}, "password": {demo.Password}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther {
			t.Errorf("sign in as %s: status %d, want 303", e, resp.StatusCode)
		}
	}
	cancel()
	return <-done
}

func TestDemoUsage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"bad seed", []string{"demo", "-seed", "abc", "-no-serve"}},
		{"stray argument", []string{"demo", "-no-serve", "extra"}},
		{"unknown flag", []string{"demo", "-size", "3"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var out, errs bytes.Buffer
			dir := t.TempDir()
			args := append(tc.args, "-db", filepath.Join(dir, "x.db"))
			if code := run(t.Context(), testEnv(&out, &errs), args); code != 2 {
				t.Errorf("exit %d, want 2 (usage)\nstderr:\n%s", code, errs.String())
			}
		})
	}
}

func TestDemoClock(t *testing.T) {
	t.Parallel()
	real := time.Date(2027, 3, 9, 23, 59, 0, 0, time.UTC)
	clock := demoClock(time.Date(2026, 11, 15, 0, 0, 0, 0, time.UTC), func() time.Time { return real })
	if got, want := clock(), time.Date(2026, 11, 15, 10, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Fatalf("at start the demo clock reads %v, want %v", got, want)
	}
	real = real.Add(90 * time.Minute)
	if got, want := clock(), time.Date(2026, 11, 15, 11, 30, 0, 0, time.UTC); !got.Equal(want) {
		t.Fatalf("90 minutes later it reads %v, want %v", got, want)
	}
}

// checkDemoCommissions: the demo's AEs earn what a mid-market AE earns under its plan — a quarter's
// commission of some tens of thousands of dollars, not a million.
func checkDemoCommissions(t *testing.T, path string) {
	t.Helper()
	code, stdout, stderr := runTandem(t, "", "comp", "statements", "-db", path, "2026Q3")
	if code != 0 {
		t.Fatalf("comp statements: exit %d: %s", code, stderr)
	}
	var res struct {
		AEs []struct {
			Total int64 `json:"total"`
		} `json:"aes"`
	}
	if err := json.Unmarshal([]byte(stdout), &res); err != nil || len(res.AEs) == 0 {
		t.Fatalf("statements: %v (%d AEs)", err, len(res.AEs))
	}
	totals := make([]int64, len(res.AEs))
	for i, s := range res.AEs {
		totals[i] = s.Total / 100
	}
	slices.Sort(totals)
	median, p90 := totals[len(totals)/2], totals[len(totals)*9/10]
	t.Logf("2026Q3 AE commission: median $%d, p90 $%d, max $%d", median, p90, totals[len(totals)-1])
	if median < 15_000 || median > 60_000 || p90 > 150_000 {
		t.Errorf("AE commission in 2026Q3: median $%d, p90 $%d; want a median of $15,000 to $60,000 and a p90 under $150,000", median, p90)
	}
}
