package auth

import (
	"sync"
	"time"
)

// Limiter counts failed sign-ins per key (the server uses email and client IP) in memory and refuses
// further attempts for a key once it has failed Max times within Window. It forgets a key when its
// window has passed, and holds at most MaxKeys keys: when full, it drops the keys whose windows are
// oldest, so a flood of made-up emails cannot grow it without bound. Being in memory, each server
// instance counts on its own and a restart forgets — acceptable for slowing guessing, not a lockout.
type Limiter struct {
	Max     int
	Window  time.Duration
	MaxKeys int
	now     func() time.Time

	mu       sync.Mutex
	failures map[string]*failureCount
}

type failureCount struct {
	n     int
	start time.Time
}

// NewLimiter returns a limiter of max failures per window, reading the time from now.
func NewLimiter(max int, window time.Duration, now func() time.Time) *Limiter {
	return &Limiter{Max: max, Window: window, MaxKeys: 10000, now: now, failures: map[string]*failureCount{}}
}

// Allowed reports whether key may try again, and if not, when it may.
func (l *Limiter) Allowed(key string) (bool, time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f, ok := l.failures[key]
	if !ok {
		return true, time.Time{}
	}
	now := l.now()
	if now.Sub(f.start) >= l.Window {
		delete(l.failures, key)
		return true, time.Time{}
	}
	if f.n >= l.Max {
		return false, f.start.Add(l.Window)
	}
	return true, time.Time{}
}

// Fail records a failed attempt for key.
func (l *Limiter) Fail(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	f, ok := l.failures[key]
	if !ok || now.Sub(f.start) >= l.Window {
		if !ok && len(l.failures) >= l.MaxKeys {
			l.evict(now)
		}
		l.failures[key] = &failureCount{n: 1, start: now}
		return
	}
	f.n++
}

// Succeed forgets key's failures.
func (l *Limiter) Succeed(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.failures, key)
}

// evict drops expired keys, and if that frees nothing, the oldest tenth.
func (l *Limiter) evict(now time.Time) {
	for k, f := range l.failures {
		if now.Sub(f.start) >= l.Window {
			delete(l.failures, k)
		}
	}
	if len(l.failures) < l.MaxKeys {
		return
	}
	cutoff := now.Add(-l.Window / 2)
	for k, f := range l.failures {
		if f.start.Before(cutoff) || len(l.failures) >= l.MaxKeys-l.MaxKeys/10 {
			delete(l.failures, k)
		}
	}
}
