package server

import (
	"context"
	"log/slog"
	"net/http"
	"time"
)

// Health endpoints for load balancers and orchestrators; unauthenticated, and they say nothing about
// the data. /healthz is liveness: the process answers and reaches its database. /readyz is readiness:
// the database answers and its schema is at this binary's latest migration; it turns 503 as soon as a
// graceful shutdown begins, so a balancer stops sending requests while in-flight ones drain.

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if s.draining.Load() {
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.store.Ready(ctx); err != nil {
		s.log.WarnContext(ctx, "not ready", slog.Any("err", err))
		http.Error(w, "not ready", http.StatusServiceUnavailable) // the reason goes to the log, not the caller
		return
	}
	_, _ = w.Write([]byte("ready\n"))
}

// Drain marks the server as shutting down: /readyz answers 503 from now on.
func (s *Server) Drain() { s.draining.Store(true) }
