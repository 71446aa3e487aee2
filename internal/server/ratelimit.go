package server

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// RateLimit caps API use so that one script or one partner cannot starve everyone else. Each limit is a
// token bucket: PerMinute requests a minute on average, Burst at once. Zero PerMinute turns it off.
//   - PerToken: every request authenticated by an API token, per token.
//   - PerPartner: every request by a partner's users (API and pages, session or token), per partner:
//     a partner with many users or tokens shares one budget.
//
// A request over a limit is answered 429 with Retry-After (whole seconds until a request would be
// allowed). Static assets, health checks and metrics are not counted; sign-in has its own lockout
// (auth.Limiter).
type RateLimit struct {
	PerToken   Bucket
	PerPartner Bucket
}

// Bucket is one limit: PerMinute on average, Burst at once (default: a tenth of a minute's worth, at
// least 1).
type Bucket struct {
	PerMinute int
	Burst     int
}

func (b Bucket) on() bool { return b.PerMinute > 0 }

func (b Bucket) burst() int {
	if b.Burst > 0 {
		return b.Burst
	}
	return max(1, b.PerMinute/10)
}

// limiters holds one token bucket per key. Buckets idle long enough to be full again are dropped when
// the map grows, so it is bounded by the keys active within a refill period.
type limiters struct {
	bucket Bucket
	mu     sync.Mutex
	m      map[string]*rate.Limiter
}

func newLimiters(b Bucket) *limiters { return &limiters{bucket: b, m: map[string]*rate.Limiter{}} }

// take spends one request of key's bucket at now and returns the spending (to give back should
// another limit refuse the request); when the bucket is empty it spends nothing and returns how long
// until a request is allowed.
func (l *limiters) take(key string, now time.Time) (spent *rate.Reservation, retryAfter time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	lim := l.m[key]
	if lim == nil {
		if len(l.m) >= 10_000 {
			for k, v := range l.m {
				if v.TokensAt(now) >= float64(v.Burst()) {
					delete(l.m, k)
				}
			}
		}
		lim = rate.NewLimiter(rate.Limit(float64(l.bucket.PerMinute)/60), l.bucket.burst())
		l.m[key] = lim
	}
	r := lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return nil, d
	}
	return r, 0
}

// rateLimited is the middleware that applies s.cfg.RateLimit; it runs after authenticate.
func (s *Server) rateLimited(next http.Handler) http.Handler {
	cfg := s.cfg.RateLimit
	if !cfg.PerToken.on() && !cfg.PerPartner.on() {
		return next
	}
	byToken, byPartner := newLimiters(cfg.PerToken), newLimiters(cfg.PerPartner)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := callerFrom(r.Context())
		if !c.signedIn() || uncounted(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		now := s.now()
		var spent *rate.Reservation
		if cfg.PerToken.on() && c.token {
			var wait time.Duration
			if spent, wait = byToken.take(c.tokenHash, now); spent == nil {
				s.tooMany(w, r, wait, "this API token")
				return
			}
		}
		if cfg.PerPartner.on() && c.user.PartnerID != 0 {
			if charged, wait := byPartner.take(strconv.FormatInt(c.user.PartnerID, 10), now); charged == nil {
				if spent != nil {
					spent.CancelAt(now) // refused: the token's budget is not charged for it
				}
				s.tooMany(w, r, wait, "your partner's users")
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func uncounted(path string) bool {
	return strings.HasPrefix(path, "/assets/") || path == "/healthz" || path == "/readyz" || path == "/metrics"
}

func (s *Server) tooMany(w http.ResponseWriter, r *http.Request, wait time.Duration, who string) {
	secs := int(math.Ceil(wait.Seconds()))
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	msg := fmt.Sprintf("too many requests from %s; retry in %d s", who, secs)
	if strings.HasPrefix(r.URL.Path, APIPrefix+"/") {
		writeProblem(w, http.StatusTooManyRequests, msg)
		return
	}
	http.Error(w, msg, http.StatusTooManyRequests)
}
