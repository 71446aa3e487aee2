package notify

import (
	"context"
	"errors"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/calendar"
	"github.com/tandem-revops/tandem/internal/conflicts"
	"github.com/tandem-revops/tandem/internal/sqlstore"
	"github.com/tandem-revops/tandem/internal/sqlstore/sqlstoretest"
)

// smtpSink is a tiny SMTP server on 127.0.0.1:0 that keeps every message it is given.
type smtpSink struct {
	ln   net.Listener
	mu   sync.Mutex
	msgs []sunkMessage
}

type sunkMessage struct {
	to   []string
	data string
}

func newSMTPSink(t *testing.T) *smtpSink {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpSink{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

func (s *smtpSink) serve(c net.Conn) {
	defer c.Close()
	tp := textproto.NewConn(c)
	_ = tp.PrintfLine("220 sink ready")
	var to []string
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb := strings.ToUpper(strings.Fields(line + " x")[0])
		switch verb {
		case "EHLO", "HELO":
			_ = tp.PrintfLine("250-sink\r\n250 8BITMIME")
		case "RCPT":
			_, addr, _ := strings.Cut(line, ":")
			to = append(to, strings.Trim(strings.TrimSpace(addr), "<>"))
			_ = tp.PrintfLine("250 ok")
		case "DATA":
			_ = tp.PrintfLine("354 go on")
			data, err := tp.ReadDotBytes()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.msgs = append(s.msgs, sunkMessage{to: to, data: string(data)})
			s.mu.Unlock()
			to = nil
			_ = tp.PrintfLine("250 queued")
		case "QUIT":
			_ = tp.PrintfLine("221 bye")
			return
		default: // MAIL, RSET, NOOP
			_ = tp.PrintfLine("250 ok")
		}
	}
}

func (s *smtpSink) messages() []sunkMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.msgs)
}

// receiver is a webhook endpoint that answers 500 to the first failFirst requests of each idempotency
// key (always, when failFirst < 0) and keeps every request.
type receiver struct {
	srv       *httptest.Server
	failFirst int
	mu        sync.Mutex
	reqs      []receivedRequest
	seen      map[string]int
}

type receivedRequest struct {
	header http.Header
	body   []byte
}

func newReceiver(t *testing.T, failFirst int) *receiver {
	t.Helper()
	r := &receiver{failFirst: failFirst, seen: map[string]int{}}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		r.reqs = append(r.reqs, receivedRequest{header: req.Header.Clone(), body: body})
		key := req.Header.Get(HeaderIdempotencyKey)
		r.seen[key]++
		if r.failFirst < 0 || r.seen[key] <= r.failFirst {
			http.Error(w, "try later", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) requests() []receivedRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.reqs)
}

func forEachEngine(t *testing.T, fn func(t *testing.T, st *sqlstore.Store)) {
	t.Helper()
	for name, st := range sqlstoretest.Engines(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			st.SetClock(func() time.Time { return start })
			fn(t, st)
		})
	}
}

var start = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// world is a vendor with an AE and a partner manager, and two partners (one user each) who both register
// Acme Corp, which opens a partner-overlap conflict.
func world(t *testing.T, st *sqlstore.Store) {
	t.Helper()
	ctx := context.Background()
	sys := tandem.SystemActor
	ae := tandem.User{Email: "ae@vendor.test", Name: "Ada", Role: tandem.RoleAE}
	pm := tandem.User{Email: "pm@vendor.test", Name: "Pam", Role: tandem.RolePartnerManager}
	must(t, st.CreateUser(ctx, sys, &ae, ""))
	must(t, st.CreateUser(ctx, sys, &pm, ""))
	north := tandem.Partner{Name: "Northwind", Tier: tandem.TierGold, Type: tandem.PartnerReseller, Standing: tandem.StandingGood, ManagerID: pm.ID}
	contoso := tandem.Partner{Name: "Contoso", Tier: tandem.TierSilver, Type: tandem.PartnerReseller, Standing: tandem.StandingGood}
	must(t, st.CreatePartner(ctx, sys, &north))
	must(t, st.CreatePartner(ctx, sys, &contoso))
	pat := tandem.User{Email: "pat@northwind.test", Name: "Pat", Role: tandem.RolePartnerUser, PartnerID: north.ID}
	quinn := tandem.User{Email: "quinn@contoso.test", Name: "Quinn", Role: tandem.RolePartnerUser, PartnerID: contoso.ID}
	must(t, st.CreateUser(ctx, sys, &pat, ""))
	must(t, st.CreateUser(ctx, sys, &quinn, ""))
	acme := tandem.Account{Name: "Acme Corp", Country: "US", OwnerID: ae.ID}
	must(t, st.CreateAccount(ctx, sys, &acme))
	cal, err := calendar.New(calendar.Config{Timezone: "UTC", Start: "09:00", End: "17:00", Days: []string{"mon", "tue", "wed", "thu", "fri"}})
	must(t, err)
	rules := tandem.RegistrationRules{Lifecycle: tandem.DefaultLifecycleSettings()}
	var second int64
	for _, u := range []tandem.User{pat, quinn} {
		r := tandem.Registration{AccountName: "Acme Corp", AccountID: acme.ID, Country: "US", ProductType: tandem.ProductCore,
			EstimatedACV: tandem.Major(90_000), Currency: "USD"}
		must(t, st.SubmitRegistration(ctx, tandem.Actor{UserID: u.ID, Email: u.Email, Role: u.Role, PartnerID: u.PartnerID}, &r, rules))
		second = r.ID
	}
	opened, err := conflicts.DetectRegistration(ctx, st, sys, tandem.ConflictRules{Settings: tandem.DefaultConflictSettings(), Calendar: cal}, second)
	must(t, err)
	if len(opened) != 1 {
		t.Fatalf("opened %d conflicts, want 1", len(opened))
	}
}

// TestDispatcher sends the world's events by email and to two webhooks, one that fails twice before it
// answers and one that never does, and follows the retry schedule on the injected clock.
func TestDispatcher(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, st *sqlstore.Store) {
		ctx := context.Background()
		sink := newSMTPSink(t)
		flaky, down := newReceiver(t, 2), newReceiver(t, -1)
		revops := tandem.Actor{Email: "ops", Role: tandem.RoleRevOps}
		secret, downSecret := NewSecret(), NewSecret()
		must(t, st.CreateWebhook(ctx, revops, &sqlstore.Webhook{URL: flaky.srv.URL + "/hook"}, secret))
		must(t, st.CreateWebhook(ctx, revops, &sqlstore.Webhook{URL: down.srv.URL, Events: []string{"conflict.opened"}}, downSecret))
		world(t, st)

		mailer, err := NewMailer(SMTPConfig{Addr: sink.ln.Addr().String(), From: "tandem@vendor.test", TLS: TLSNone})
		must(t, err)
		d, err := New(Config{Store: st, Mailer: mailer, Backoff: Backoff{Base: 30 * time.Second, Max: time.Hour, MaxAttempts: 4},
			Rand: func() float64 { return 0.5 }})
		must(t, err)

		// Run at each due time until nothing is pending; note when each webhook was attempted.
		now := start
		var runs []time.Duration
		for range 20 {
			if _, err := d.RunOnce(ctx, now); err != nil {
				t.Fatal(err)
			}
			runs = append(runs, now.Sub(start))
			pending, _, err := st.ListDeliveries(ctx, revops, sqlstore.DeliveryFilter{Status: sqlstore.DeliveryPending})
			must(t, err)
			if len(pending) == 0 {
				break
			}
			next := pending[0].NextAttemptAt
			for _, p := range pending {
				if p.NextAttemptAt.Before(next) {
					next = p.NextAttemptAt
				}
			}
			if !next.After(now) {
				t.Fatalf("a delivery is due at %s, not after the run at %s", next, now)
			}
			now = next
		}
		// Backoff 30 s·2^(n-1) less half of the half-jitter (rand 0.5): 22.5 s, 45 s, 90 s; the fourth failure is final.
		want := []time.Duration{0, 22500 * time.Millisecond, 67500 * time.Millisecond, 157500 * time.Millisecond}
		if diff := cmp.Diff(want, runs); diff != "" {
			t.Errorf("run times (-want +got):\n%s", diff)
		}

		// The flaky webhook: three attempts per event (two 500s, then 204), one key each, all signed.
		reqs := flaky.requests()
		byKey := map[string][]receivedRequest{}
		for _, r := range reqs {
			byKey[r.header.Get(HeaderIdempotencyKey)] = append(byKey[r.header.Get(HeaderIdempotencyKey)], r)
		}
		if len(byKey) != 3 { // two submissions and the conflict
			t.Fatalf("flaky webhook got %d keys: %v", len(byKey), slices.Sorted(maps.Keys(byKey)))
		}
		var events []string
		for key, rs := range byKey {
			if len(rs) != 3 {
				t.Errorf("%s: %d attempts, want 3", key, len(rs))
			}
			for i, r := range rs {
				if err := Verify(secret, r.header.Get(HeaderSignature), r.body, start.Add(want[i]), time.Minute); err != nil {
					t.Errorf("%s attempt %d: %v", key, i+1, err)
				}
				if string(r.body) != string(rs[0].body) || r.header.Get(HeaderEvent) != rs[0].header.Get(HeaderEvent) {
					t.Errorf("%s: attempt %d differs from the first", key, i+1)
				}
			}
			tampered := append([]byte(nil), rs[0].body...)
			tampered[len(tampered)-2] ^= 1
			if err := Verify(secret, rs[0].header.Get(HeaderSignature), tampered, start, time.Minute); !errors.Is(err, ErrBadSignature) {
				t.Errorf("%s: a tampered body verified: %v", key, err)
			}
			if err := Verify(downSecret, rs[0].header.Get(HeaderSignature), rs[0].body, start, time.Minute); !errors.Is(err, ErrBadSignature) {
				t.Errorf("%s: verified with another webhook's secret: %v", key, err)
			}
			events = append(events, rs[0].header.Get(HeaderEvent))
		}
		slices.Sort(events)
		if diff := cmp.Diff([]string{"conflict.opened", "registration.submit", "registration.submit"}, events); diff != "" {
			t.Errorf("events (-want +got):\n%s", diff)
		}
		// The webhook that never answers: four attempts, then failed with the last error.
		if n := len(down.requests()); n != 4 {
			t.Errorf("the failing webhook got %d attempts, want 4", n)
		}
		failed, _, err := st.ListDeliveries(ctx, revops, sqlstore.DeliveryFilter{Status: sqlstore.DeliveryFailed})
		must(t, err)
		if len(failed) != 1 || failed[0].Attempts != 4 || !strings.Contains(failed[0].LastError, "HTTP 500") {
			t.Errorf("failed deliveries %+v", failed)
		}

		// Email: each partner user hears of its submission and "overlap under review", never of the other
		// partner; the vendor's deciders get the conflict with both sides.
		mail := map[string][]string{}
		for _, m := range sink.messages() {
			for _, to := range m.to {
				mail[to] = append(mail[to], m.data)
			}
		}
		for addr, other := range map[string]string{"pat@northwind.test": "Contoso", "quinn@contoso.test": "Northwind"} {
			all := strings.Join(mail[addr], "\n")
			if len(mail[addr]) != 2 || !strings.Contains(all, "overlap under review") || !strings.Contains(all, "submitted") {
				t.Errorf("%s got %d emails:\n%s", addr, len(mail[addr]), all)
			}
			if strings.Contains(all, other) || strings.Contains(strings.ToLower(all), "conflict") {
				t.Errorf("%s was told about the conflict:\n%s", addr, all)
			}
		}
		for _, staff := range []string{"ae@vendor.test", "pm@vendor.test"} {
			all := strings.Join(mail[staff], "\n")
			if !strings.Contains(all, "Conflict") || !strings.Contains(all, "Northwind") || !strings.Contains(all, "Contoso") {
				t.Errorf("%s did not get the conflict:\n%s", staff, all)
			}
			if !strings.Contains(all, HeaderIdempotencyKey+": escalation:") {
				t.Errorf("%s: no idempotency header:\n%s", staff, all)
			}
		}
		// Nothing left to do: another run sends nothing.
		before := len(sink.messages())
		res, err := d.RunOnce(ctx, now.Add(24*time.Hour))
		must(t, err)
		if res != (Result{}) || len(sink.messages()) != before {
			t.Errorf("an idle run did %+v", res)
		}
	})
}

func TestVerify(t *testing.T) {
	t.Parallel()
	secret := "whsec_test_secret_value"
	body := []byte(`{"event":"registration.approve"}`)
	at := time.Unix(1_770_000_000, 0)
	good := Sign(secret, body, at)
	cases := []struct {
		name   string
		header string
		body   []byte
		now    time.Time
		want   error
	}{
		{"valid", good, body, at.Add(4 * time.Minute), nil},
		{"second signature matches", "t=1770000000,v1=00ff," + strings.Split(good, ",")[1], body, at, nil},
		{"tampered body", good, []byte(`{"event":"registration.reject"}`), at, ErrBadSignature},
		{"wrong secret", Sign("whsec_other", body, at), body, at, ErrBadSignature},
		{"replayed late", good, body, at.Add(6 * time.Minute), ErrStale},
		{"from the future", good, body, at.Add(-6 * time.Minute), ErrStale},
		{"timestamp changed", strings.Replace(good, "t=1770000000", "t=1770000001", 1), body, at, ErrBadSignature},
		{"empty", "", body, at, ErrNoSignature},
		{"no v1", "t=1770000000", body, at, ErrNoSignature},
		{"not hex", "t=1770000000,v1=zz", body, at, ErrNoSignature},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := Verify(secret, tc.header, tc.body, tc.now, 5*time.Minute)
			if !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
				t.Errorf("Verify = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	b := DefaultBackoff()
	var got []time.Duration
	for n := 1; ; n++ {
		d, ok := b.Delay(n, 0)
		if !ok {
			break
		}
		got = append(got, d)
	}
	want := []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute,
		16 * time.Minute, 32 * time.Minute, time.Hour, time.Hour}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("schedule without jitter (-want +got):\n%s", diff)
	}
	if d, _ := b.Delay(1, 0.999999); d <= 15*time.Second || d > 15*time.Second+time.Millisecond {
		t.Errorf("full jitter of the first retry: %s, want just over 15 s", d)
	}
	if d, _ := b.Delay(9, 0.5); d != 45*time.Minute {
		t.Errorf("capped retry with jitter 0.5: %s, want 45m", d)
	}
}

func TestNewMailerChecksConfig(t *testing.T) {
	t.Parallel()
	for _, cfg := range []SMTPConfig{
		{Addr: "mail.test", From: "a@b.test"},
		{Addr: "mail.test:0", From: "a@b.test"},
		{Addr: "mail.test:587"},
		{Addr: "mail.test:587", From: "a@b.test", TLS: "ssl3"},
	} {
		if _, err := NewMailer(cfg); err == nil {
			t.Errorf("NewMailer(%+v) accepted", cfg)
		}
	}
	if _, err := NewMailer(SMTPConfig{Addr: "mail.test:587", From: "a@b.test"}); err != nil {
		t.Error(err)
	}
}

// TestMailerRefusesPlainTextWhenStartTLSRequired: the default policy will not send over a server that
// offers no STARTTLS.
func TestMailerRefusesPlainTextWhenStartTLSRequired(t *testing.T) {
	t.Parallel()
	sink := newSMTPSink(t)
	m, err := NewMailer(SMTPConfig{Addr: sink.ln.Addr().String(), From: "tandem@vendor.test"})
	must(t, err)
	if err := m.Send(context.Background(), Message{To: "x@y.test", Subject: "s", Body: "b"}); err == nil {
		t.Error("sent without STARTTLS")
	}
	if n := len(sink.messages()); n != 0 {
		t.Errorf("the sink got %d messages", n)
	}
}
