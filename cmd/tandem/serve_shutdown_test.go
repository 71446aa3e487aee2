package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/tandem-revops/tandem/internal/auth"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// A SIGTERM (here: the context main's signal.NotifyContext cancels) lets the request in flight finish
// with its answer, refuses new work, and serve returns cleanly once the jobs have stopped.
func TestServeDrainsInFlightRequestsOnShutdown(t *testing.T) {
	t.Parallel()
	st, err := sqlstore.Open(t.Context(), filepath.Join(t.TempDir(), "t.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	entered, release, shutting := make(chan struct{}), make(chan struct{}), make(chan struct{})
	var readyzDuringShutdown int
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	urls := make(chan string, 1)
	done := make(chan error, 1)
	var inner http.Handler
	o := serveOptions{addr: "127.0.0.1:0", logger: discardLogger(), hasher: auth.NewHasher(auth.WithParams(auth.CheapParams)),
		wrap: func(h http.Handler) http.Handler {
			inner = h
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/slow" {
					close(entered)
					<-release
					_, _ = io.WriteString(w, "finished")
					return
				}
				h.ServeHTTP(w, r)
			})
		},
		shuttingDown: func() {
			// Not ready any more, seen from inside (the listener is about to close to new clients).
			rec := &statusRecorder{header: http.Header{}}
			inner.ServeHTTP(rec, mustRequest(t, "GET", "/readyz"))
			readyzDuringShutdown = rec.status
			close(shutting)
		}}
	go func() { done <- serve(ctx, st, o, func(u string) { urls <- u }) }()
	base := <-urls
	if res, err := http.Get(base + "/readyz"); err != nil || res.StatusCode != 200 {
		t.Fatalf("readyz before shutdown: %v %v", res, err)
	}
	type result struct {
		status int
		body   string
		err    error
	}
	slow := make(chan result, 1)
	go func() {
		res, err := http.Get(base + "/slow")
		if err != nil {
			slow <- result{err: err}
			return
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		slow <- result{status: res.StatusCode, body: string(b)}
	}()
	<-entered
	cancel() // SIGTERM
	<-shutting
	if readyzDuringShutdown != http.StatusServiceUnavailable {
		t.Errorf("readyz once shutting down: %d, want 503", readyzDuringShutdown)
	}
	close(release)
	r := <-slow
	if r.err != nil || r.status != 200 || r.body != "finished" {
		t.Fatalf("the in-flight request: %+v, want 200 finished", r)
	}
	if err := <-done; err != nil {
		t.Fatalf("serve after shutdown: %v", err)
	}
	if _, err := http.Get(base + "/readyz"); err == nil {
		t.Error("the server still accepts connections after shutting down")
	}
}

type statusRecorder struct {
	header http.Header
	status int
}

func (r *statusRecorder) Header() http.Header { return r.header }
func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = 200
	}
	return len(b), nil
}
func (r *statusRecorder) WriteHeader(s int) { r.status = s }

func mustRequest(t *testing.T, method, path string) *http.Request {
	req, err := http.NewRequest(method, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
