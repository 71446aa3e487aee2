// Command loadgen drives a running Tandem at a fixed request rate and reports latency percentiles and
// errors per kind of request. scripts/load.sh starts a demo instance and runs it; it talks to the
// loopback only and stops after -duration.
//
// Requests are sent open-loop: one is started every 1/rate seconds whatever the server's speed (up to
// -conns in flight; one that finds them all busy is counted as dropped), so a slow server shows as
// latency rather than as a lower rate.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

// request is one kind of request the generator sends.
type request struct {
	name   string
	method string
	path   string
	token  string
	body   func(i int) string // nil for GET
}

// stream is requests sent at one rate, cycling through its kinds.
type stream struct {
	name  string
	rate  float64
	kinds []request
}

// result is what a stream measured.
type result struct {
	latencies []time.Duration
	errors    map[string]int // status or transport error → count
	dropped   int
}

func main() {
	base := flag.String("url", "http://127.0.0.1:8080", "the Tandem to load (loopback only)")
	readToken := flag.String("read-token", "", "API token of a vendor user (RevOps) for the reads")
	partnerToken := flag.String("partner-token", "", "API token of a partner user for its reads and the submits")
	readRate := flag.Float64("read-rate", 200, "mixed reads a second")
	submitRate := flag.Float64("submit-rate", 100, "registration submits a second")
	duration := flag.Duration("duration", 30*time.Second, "how long to send")
	conns := flag.Int("conns", 50, "connections (requests in flight) per stream at most")
	label := flag.String("label", "", "printed before each line, e.g. the engine")
	flag.Parse()
	if err := checkLoopback(*base); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(2)
	}
	if *readToken == "" || *partnerToken == "" {
		fmt.Fprintln(os.Stderr, "loadgen: -read-token and -partner-token are required")
		os.Exit(2)
	}
	run := fmt.Sprintf("%d", time.Now().UnixNano())
	reads := stream{name: "mixed reads", rate: *readRate, kinds: []request{
		{name: "registrations", method: "GET", path: "/api/v1/registrations?limit=50", token: *readToken},
		{name: "opportunities", method: "GET", path: "/api/v1/opportunities?limit=50", token: *readToken},
		{name: "accounts", method: "GET", path: "/api/v1/accounts?limit=50", token: *readToken},
		{name: "conflicts", method: "GET", path: "/api/v1/conflicts?limit=50", token: *readToken},
		{name: "partner registrations", method: "GET", path: "/api/v1/registrations?limit=50", token: *partnerToken},
		{name: "partner accounts", method: "GET", path: "/api/v1/accounts?limit=50", token: *partnerToken},
		{name: "partner opportunities", method: "GET", path: "/api/v1/opportunities?limit=50", token: *partnerToken},
		{name: "registration search", method: "GET", path: "/api/v1/registrations?limit=20&q=tech", token: *readToken},
	}}
	submits := stream{name: "registration submits", rate: *submitRate, kinds: []request{
		{name: "submit", method: "POST", path: "/api/v1/registrations", token: *partnerToken, body: func(i int) string {
			return fmt.Sprintf(`{"account_name":"Load Test %s-%d Ltd","country":"US","vertical":"technology","product_type":"core","estimated_acv":%d,"currency":"USD"}`,
				run, i, 2_000_000+(i%50)*100_000)
		}},
	}}
	ctx, cancel := context.WithTimeout(context.Background(), *duration)
	defer cancel()
	var wg sync.WaitGroup
	results := make([]*result, 2)
	perKind := make([]map[string][]time.Duration, 2)
	for i, s := range []stream{reads, submits} {
		if s.rate <= 0 {
			continue
		}
		wg.Go(func() { results[i], perKind[i] = drive(ctx, *base, s, *conns) })
	}
	wg.Wait()
	for i, s := range []stream{reads, submits} {
		r := results[i]
		if r == nil {
			continue
		}
		fmt.Printf("%s%s at %.0f/s for %v: %s\n", *label, s.name, s.rate, *duration, summary(r.latencies, r.errors, r.dropped))
		names := make([]string, 0, len(perKind[i]))
		for n := range perKind[i] {
			names = append(names, n)
		}
		slices.Sort(names)
		for _, n := range names {
			fmt.Printf("%s  %-22s %s\n", *label, n, percentiles(perKind[i][n]))
		}
	}
}

// drive sends s's requests at its rate until ctx ends and returns what it measured, overall and per kind.
func drive(ctx context.Context, base string, s stream, conns int) (*result, map[string][]time.Duration) {
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns}}
	slots := make(chan struct{}, conns)
	var mu sync.Mutex
	res := &result{errors: map[string]int{}}
	perKind := map[string][]time.Duration{}
	interval := time.Duration(float64(time.Second) / s.rate)
	tick := time.NewTicker(interval)
	defer tick.Stop()
	var wg sync.WaitGroup
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			wg.Wait()
			return res, perKind
		case <-tick.C:
		}
		select {
		case slots <- struct{}{}:
		default:
			mu.Lock()
			res.dropped++
			mu.Unlock()
			continue
		}
		k := s.kinds[i%len(s.kinds)]
		wg.Go(func() {
			defer func() { <-slots }()
			var body io.Reader
			if k.body != nil {
				body = strings.NewReader(k.body(i))
			}
			req, _ := http.NewRequest(k.method, base+k.path, body)
			req.Header.Set("Authorization", "Bearer "+k.token)
			if body != nil {
				req.Header.Set("Content-Type", "application/json")
			}
			start := time.Now()
			resp, err := client.Do(req)
			var failure string
			if err != nil {
				failure = "transport: " + err.Error()
			} else {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode >= 300 {
					failure = fmt.Sprintf("HTTP %d", resp.StatusCode)
				}
			}
			took := time.Since(start)
			mu.Lock()
			defer mu.Unlock()
			if failure != "" {
				res.errors[failure]++
				return
			}
			res.latencies = append(res.latencies, took)
			perKind[k.name] = append(perKind[k.name], took)
		})
	}
}

func summary(lat []time.Duration, errs map[string]int, dropped int) string {
	n := 0
	for _, c := range errs {
		n += c
	}
	s := fmt.Sprintf("%s, %d errors, %d dropped (all connections busy)", percentiles(lat), n, dropped)
	for e, c := range errs {
		s += fmt.Sprintf("\n    %d × %s", c, e)
	}
	return s
}

// percentiles reports the nearest-rank p50, p95 and p99 of lat.
func percentiles(lat []time.Duration) string {
	if len(lat) == 0 {
		return "no successful requests"
	}
	s := slices.Clone(lat)
	slices.Sort(s)
	at := func(p float64) time.Duration {
		i := int(p*float64(len(s))+0.999999) - 1
		return s[max(0, min(i, len(s)-1))].Round(100 * time.Microsecond)
	}
	return fmt.Sprintf("n=%d p50=%v p95=%v p99=%v max=%v", len(s), at(0.50), at(0.95), at(0.99), s[len(s)-1].Round(100*time.Microsecond))
}

// checkLoopback refuses any target but this machine: the generator is for measuring, not for loading
// someone else's server.
func checkLoopback(base string) error {
	u, err := url.Parse(base)
	if err != nil {
		return fmt.Errorf("-url %q: %w", base, err)
	}
	switch u.Hostname() {
	case "127.0.0.1", "localhost", "::1":
		return nil
	}
	return fmt.Errorf("-url %q: only the loopback (127.0.0.1, localhost, ::1) may be loaded", base)
}
