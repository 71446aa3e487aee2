package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/auth"
	"github.com/tandem-revops/tandem/internal/demo"
	"github.com/tandem-revops/tandem/internal/postgres/pgtest"
	"github.com/tandem-revops/tandem/internal/sqlstore"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver, for the checks
)

// replica is one `tandem serve` child process.
type replica struct {
	cmd  *exec.Cmd
	base string
	logs *logBuffer
	done chan error
}

// startReplica starts `tandem serve` (this test binary re-executed as tandem) on a free port of the
// loopback, with the jobs running every 50 ms and no rate limits, and waits until /readyz answers 200.
func startReplica(t *testing.T, dbURL string) *replica {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	args := []string{"serve", "-db", dbURL, "-addr", addr, "-escalation-interval", "50ms", "-registration-interval", "50ms",
		"-rate-token", "0", "-rate-partner", "0", "-log-level", "warn"}
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), childArgsEnv+"="+strings.Join(args, "\x1f"))
	r := &replica{cmd: cmd, base: "http://" + addr, logs: &logBuffer{}, done: make(chan error, 1)}
	cmd.Stdout, cmd.Stderr = r.logs, r.logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { r.done <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	deadline := time.Now().Add(20 * time.Second)
	for {
		res, err := http.Get(r.base + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return r
			}
		}
		select {
		case err := <-r.done:
			t.Fatalf("tandem serve exited before it was ready: %v\n%s", err, r.logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("tandem serve on %s not ready after 20 s\n%s", addr, r.logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestThreeReplicasOnPostgres runs three `tandem serve` processes on one PostgreSQL database holding a
// small demo company (whose conflicts and waiting registrations are all overdue on the real clock),
// submits registrations to all three concurrently, kills one with SIGKILL mid-load while more
// conflicts fall due, restarts it, then stops another with SIGTERM under load. It checks that no
// acknowledged registration is lost, that every escalation and approval-SLA alert is recorded exactly
// once, that a session made on the killed replica is valid on the survivors, and that SIGTERM drains.
func TestThreeReplicasOnPostgres(t *testing.T) {
	pg := os.Getenv("TANDEM_TEST_POSTGRES")
	if pg == "" {
		t.Skip("TANDEM_TEST_POSTGRES is not set (scripts/test.sh sets it)")
	}
	if testing.Short() {
		t.Skip("starts three server processes")
	}
	ctx := t.Context()
	dbURL := pgtest.SchemaURL(t, pg)
	res, err := demo.EnsureDatabase(ctx, dbURL, smallDemo(3), false, cheapHash, nil)
	if err != nil {
		t.Fatal(err)
	}
	var partnerEmail, vendorEmail string
	for _, s := range res.Marker.SignIns {
		if s.Partner != "" && partnerEmail == "" {
			partnerEmail = s.Email
		}
		if s.Label == "RevOps" {
			vendorEmail = s.Email
		}
	}
	var tokOut, tokErr bytes.Buffer
	if code := run(ctx, testEnv(&tokOut, &tokErr), []string{"token", "create", "-db", dbURL, "-email", partnerEmail, "-name", "replica test"}); code != 0 {
		t.Fatalf("token create: %s", tokErr.String())
	}
	token := strings.TrimSpace(tokOut.String())

	reps := []*replica{startReplica(t, dbURL), startReplica(t, dbURL), startReplica(t, dbURL)}

	// A session made on replica 0, which is about to be killed.
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }, Timeout: 10 * time.Second}
	resp, err := noRedirect.PostForm(reps[0].base+"/signin", url.Values{"email": {vendorEmail}, "password": {demo.Password}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cookies := resp.Cookies()
	if resp.StatusCode != http.StatusSeeOther || len(cookies) == 0 {
		t.Fatalf("sign in on replica 0: status %d, %d cookies", resp.StatusCode, len(cookies))
	}

	// Load: 6 writers submit registrations round-robin to the three replicas until told to stop.
	var (
		mu       sync.Mutex
		acked    []int64
		failures int
		answered = map[int]int{} // status → count of the answers that were not 201
	)
	stopLoad := make(chan struct{})
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 10 * time.Second}
	for w := range 6 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stopLoad:
					return
				default:
				}
				body := fmt.Sprintf(`{"account_name":"Replica Load %d-%d","country":"US","vertical":"technology","product_type":"core","estimated_acv":4500000,"currency":"USD"}`, w, i)
				req, _ := http.NewRequest(http.MethodPost, reps[(w+i)%3].base+"/api/v1/registrations", strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+token)
				req.Header.Set("Content-Type", "application/json")
				res, err := client.Do(req)
				if err != nil {
					mu.Lock()
					failures++ // refused or cut: not acknowledged, so not counted
					mu.Unlock()
					time.Sleep(5 * time.Millisecond)
					continue
				}
				var created struct {
					ID int64 `json:"id"`
				}
				decErr := json.NewDecoder(res.Body).Decode(&created)
				res.Body.Close()
				mu.Lock()
				if res.StatusCode == http.StatusCreated && decErr == nil && created.ID > 0 {
					acked = append(acked, created.ID)
				} else {
					failures++
					answered[res.StatusCode]++
				}
				mu.Unlock()
			}
		})
	}
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(acked) }
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitFor("the first 30 acknowledged registrations", func() bool { return count() >= 30 })

	// Conflicts that fall due while replica 0 is dead.
	check, err := sqlstore.Open(ctx, dbURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer check.Close()
	const dueDuringKill = 20
	due := time.Now().Add(300 * time.Millisecond)
	var fresh []int64
	for range dueDuringKill {
		c := tandem.Conflict{Cause: tandem.CauseProtectedReroute, LevelDueAt: due}
		if err := check.CreateConflict(ctx, tandem.SystemActor, &c); err != nil {
			t.Fatal(err)
		}
		fresh = append(fresh, c.ID)
	}
	if err := reps[0].cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-reps[0].done
	killedAt := count()

	// The session made on the dead replica is valid on the survivors.
	for _, r := range reps[1:] {
		req, _ := http.NewRequest(http.MethodGet, r.base+"/", nil)
		for _, c := range cookies {
			req.AddCookie(c)
		}
		res, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Errorf("session from the killed replica on %s: status %d, want 200", r.base, res.StatusCode)
		}
	}
	waitFor("registrations acknowledged by the survivors", func() bool { return count() >= killedAt+30 })
	waitFor("the conflicts due during the kill escalated", func() bool {
		for _, id := range fresh {
			entries, err := check.EscalationLog(ctx, tandem.SystemActor, id)
			if err != nil {
				t.Fatal(err)
			}
			if escalations(entries) == 0 {
				return false
			}
		}
		return true
	})
	reps[0] = startReplica(t, dbURL)
	waitFor("registrations after the restart", func() bool { return count() >= killedAt+60 })

	// SIGTERM on replica 1 under load: it drains and exits 0; readers in flight get their answers.
	readErrs := make(chan error, 64)
	var served atomic.Int64 // reads answered 200 while the replica drained
	var readers sync.WaitGroup
	oneShot := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	for range 4 {
		readers.Go(func() {
			for range 15 {
				req, _ := http.NewRequest(http.MethodGet, reps[1].base+"/api/v1/registrations?limit=50", nil)
				req.Header.Set("Authorization", "Bearer "+token)
				res, err := oneShot.Do(req)
				if err != nil {
					// A new connection that reaches the closing listener is refused, or reset when it sat
					// in the kernel's accept queue as the listener closed, or closed unanswered (EOF) when
					// it was accepted in the instant before Shutdown and not yet tracked by net/http (seen
					// about 1 run in 6); reverse proxies retry all three on an idempotent GET. What the
					// test holds is that reads are answered while the replica drains (served below) and
					// no answered read is cut off mid-response.
					msg := err.Error()
					if !strings.Contains(msg, "connection refused") && !strings.Contains(msg, "connection reset by peer") &&
						!strings.HasSuffix(msg, ": EOF") {
						readErrs <- err
					}
					continue
				}
				res.Body.Close()
				if res.StatusCode != http.StatusOK {
					readErrs <- fmt.Errorf("status %d", res.StatusCode)
				} else {
					served.Add(1)
				}
			}
		})
	}
	time.Sleep(30 * time.Millisecond) // let some reads be in flight
	if err := reps[1].cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-reps[1].done:
		if err != nil {
			t.Errorf("tandem serve after SIGTERM: %v\n%s", err, reps[1].logs.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("tandem serve did not stop within 15 s of SIGTERM")
	}
	readers.Wait()
	close(readErrs)
	for err := range readErrs {
		t.Errorf("a read in flight on the replica stopped with SIGTERM failed: %v", err)
	}
	if served.Load() == 0 {
		t.Errorf("no read was answered by the replica stopped with SIGTERM: nothing shows it drained")
	}
	close(stopLoad)
	wg.Wait()

	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// No acknowledged registration lost.
	mu.Lock()
	ids := append([]int64(nil), acked...)
	mu.Unlock()
	var stored int
	idList := make([]string, len(ids))
	for i, id := range ids {
		idList[i] = fmt.Sprint(id)
	}
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM registrations WHERE id IN (`+strings.Join(idList, ",")+`)`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if stored != len(ids) {
		t.Errorf("%d of %d acknowledged registrations are in the database", stored, len(ids))
	}
	// Every escalation and approval-SLA alert recorded exactly once.
	dupEsc := queryInt(t, db, `SELECT count(*) FROM (SELECT conflict_id, level FROM escalation_log WHERE action = 'escalated'
		GROUP BY conflict_id, level HAVING count(*) > 1) d`)
	dupAlerts := queryInt(t, db, `SELECT count(*) FROM (SELECT registration_id, event FROM registration_events
		WHERE event IN ('sla_warning', 'sla_breached') GROUP BY registration_id, event HAVING count(*) > 1) d`)
	escalated := queryInt(t, db, `SELECT count(*) FROM escalation_log WHERE action = 'escalated'`)
	breaches := queryInt(t, db, `SELECT count(*) FROM registration_events WHERE event = 'sla_breached'`)
	overdueUnalerted := queryInt(t, db, `SELECT count(*) FROM registrations r WHERE r.status = 'submitted' AND r.submitted_at < $1
		AND NOT EXISTS (SELECT 1 FROM registration_events e WHERE e.registration_id = r.id AND e.event = 'sla_breached')`,
		demo.Today.AddDate(0, 0, 1).UnixMicro())
	if dupEsc != 0 || dupAlerts != 0 {
		t.Errorf("recorded twice: %d escalation moves, %d approval-SLA alerts", dupEsc, dupAlerts)
	}
	if escalated == 0 || breaches == 0 || overdueUnalerted != 0 {
		t.Errorf("jobs did not do their work: %d escalation moves, %d SLA breaches, %d overdue registrations without one", escalated, breaches, overdueUnalerted)
	}
	for _, id := range fresh {
		entries, err := check.EscalationLog(ctx, tandem.SystemActor, id)
		if err != nil {
			t.Fatal(err)
		}
		if n := escalations(entries); n != 1 {
			t.Errorf("conflict %d, due during the kill, escalated %d times, want once: %+v", id, n, entries)
		}
	}
	if len(answered) > 0 {
		t.Errorf("submits answered other than 201 (status: count): %v", answered)
	}
	t.Logf("%d registrations acknowledged (%d refused or cut while a replica was down), all stored; %d escalation moves and %d SLA breaches, none twice",
		len(ids), failures, escalated, breaches)
}

func escalations(entries []tandem.EscalationEntry) int {
	n := 0
	for _, e := range entries {
		if e.Action == "escalated" {
			n++
		}
	}
	return n
}

func queryInt(t *testing.T, db *sql.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(t.Context(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// cheapHash hashes the demo's passwords quickly; verification reads the parameters from the hash.
var cheapHash = auth.NewHasher(auth.WithParams(auth.CheapParams)).Hash
