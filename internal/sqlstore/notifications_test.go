package sqlstore

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/conflicts"
	"github.com/tandem-revops/tandem/internal/postgres/pgtest"
)

const testSecret = "whsec_0123456789abcdef0123456789abcdef"

// notifyFixture is the lifecycle fixture with partner 1 managed by the partner manager and two webhooks:
// one for everything, one for conflict events only.
type notifyFixture struct {
	*lifecycleFixture
	all, conflicts Webhook
}

func seedNotify(t *testing.T, s *Store) *notifyFixture {
	t.Helper()
	ctx := context.Background()
	f := &notifyFixture{lifecycleFixture: seedLifecycle(t, s)}
	_, err := s.write.ExecContext(ctx, `UPDATE partners SET manager_id = $1 WHERE id = $2`, f.pm.UserID, f.p1.ID)
	must(t, err)
	f.all = Webhook{URL: "https://hooks.example.test/all"}
	f.conflicts = Webhook{URL: "https://hooks.example.test/conflicts", Events: []string{"conflict.*"}}
	must(t, s.CreateWebhook(ctx, f.revops, &f.all, testSecret))
	must(t, s.CreateWebhook(ctx, f.revops, &f.conflicts, testSecret))
	return f
}

// deliveriesByKey lists every delivery, keyed by idempotency key.
func deliveriesByKey(t *testing.T, s *Store) map[string]Delivery {
	t.Helper()
	items, total, err := s.ListDeliveries(context.Background(), admin, DeliveryFilter{Limit: 1000})
	must(t, err)
	if total != len(items) {
		t.Fatalf("listed %d of %d deliveries", len(items), total)
	}
	out := map[string]Delivery{}
	for _, d := range items {
		out[d.IdempotencyKey] = d
	}
	return out
}

func payloadOf(t *testing.T, d Delivery) NotificationPayload {
	t.Helper()
	var p NotificationPayload
	must(t, json.Unmarshal(d.Payload, &p))
	return p
}

func TestEnqueueNotifications(t *testing.T) {
	t.Parallel()
	forEachSeeded(t, seedNotify, func(t *testing.T, ctx context.Context, s *Store, f *notifyFixture) {
		now := f.clock.t

		r1 := f.newRegistration(t, f.actor1, "Acme Corp")
		n, err := s.EnqueueNotifications(ctx, now, EnqueueOptions{Email: true})
		must(t, err)
		got := deliveriesByKey(t, s)
		ev := idString(f.events(t, r1.ID)[0].ID)
		want := []string{
			"registration_event:" + ev + ":email:pat@northwind.test", // the partner's user
			"registration_event:" + ev + ":email:pm@vendor.test",     // the partner's manager
			"registration_event:" + ev + ":webhook:" + idString(f.all.ID),
		}
		if diff := cmp.Diff(want, slices.Sorted(maps.Keys(got))); diff != "" || n != 3 {
			t.Fatalf("enqueued %d (-want +got):\n%s", n, diff)
		}
		d := got[want[0]]
		if d.Status != DeliveryPending || d.Attempts != 0 || !d.NextAttemptAt.Equal(now) || d.Event != "registration.submit" || d.Channel != ChannelEmail {
			t.Errorf("delivery %+v", d)
		}
		if p := payloadOf(t, d); p.Registration == nil || p.Registration.ExternalID != r1.ExternalID || p.Registration.To != tandem.RegistrationSubmitted {
			t.Errorf("payload %s", d.Payload)
		}
		if d := got[want[2]]; d.WebhookID != f.all.ID || d.Target != f.all.URL {
			t.Errorf("webhook delivery %+v", d)
		}

		// Nothing new: nothing enqueued, however often asked.
		for range 2 {
			if n, err := s.EnqueueNotifications(ctx, now, EnqueueOptions{Email: true}); err != nil || n != 0 {
				t.Fatalf("second enqueue: %d, %v", n, err)
			}
		}

		// Partner 2 registers the same account: a partner overlap opens.
		r2 := f.newRegistration(t, f.actor2, "Acme Corp")
		opened, err := conflicts.DetectRegistration(ctx, s, f.pm, conflictRules(t), r2.ID)
		must(t, err)
		if len(opened) == 0 {
			t.Fatal("no conflict opened")
		}
		// Email off: only webhooks.
		n, err = s.EnqueueNotifications(ctx, now, EnqueueOptions{})
		must(t, err)
		if want := 1 + 2*len(opened); n != want { // r2's submission to the all-webhook; each conflict to both
			t.Errorf("enqueued %d webhook deliveries, want %d", n, want)
		}
		for key, d := range deliveriesByKey(t, s) {
			if strings.Contains(key, ":email:") && !strings.HasPrefix(key, "registration_event:"+ev+":") {
				t.Errorf("email %s enqueued with email off", key)
			}
			if d.WebhookID == f.conflicts.ID && !strings.HasPrefix(d.Event, "conflict.") {
				t.Errorf("the conflict webhook got %s", d.Event)
			}
		}
	})
}

// TestConflictNotificationRecipients: conflict details go to vendor staff only; each partner in the
// conflict is told "overlap under review" and nothing else, never whom it overlaps.
func TestConflictNotificationRecipients(t *testing.T) {
	t.Parallel()
	forEachSeeded(t, seedNotify, func(t *testing.T, ctx context.Context, s *Store, f *notifyFixture) {
		// A disabled partner user of partner 2 is told nothing.
		off := tandem.User{ExternalID: "U-P2-OFF", Email: "gone@contoso.test", Name: "Gone", Role: tandem.RolePartnerUser,
			PartnerID: f.p2.ID, Disabled: true}
		must(t, s.CreateUser(ctx, admin, &off, ""))
		f.newRegistration(t, f.actor1, "Acme Corp")
		r2 := f.newRegistration(t, f.actor2, "Acme Corp")
		must(t, func() error {
			_, err := conflicts.DetectRegistration(ctx, s, f.pm, conflictRules(t), r2.ID)
			return err
		}())
		_, err := s.EnqueueNotifications(ctx, f.clock.t, EnqueueOptions{Email: true})
		must(t, err)

		byAddr := map[string]NotificationPayload{}
		for _, d := range deliveriesByKey(t, s) {
			if d.Source == SourceEscalation && d.Channel == ChannelEmail {
				byAddr[d.Target] = payloadOf(t, d)
			}
		}
		// Level 1: the account's AE and partner 1's manager; both partners' (enabled) users.
		want := []string{"ada@vendor.test", "pat@northwind.test", "pm@vendor.test", "quinn@contoso.test"}
		if diff := cmp.Diff(want, slices.Sorted(maps.Keys(byAddr))); diff != "" {
			t.Fatalf("conflict emails (-want +got):\n%s", diff)
		}
		for _, staff := range []string{"ada@vendor.test", "pm@vendor.test"} {
			p := byAddr[staff]
			if p.Event != "conflict.opened" || p.Conflict == nil || p.Conflict.Partner == "" || p.Conflict.OtherPartner == "" {
				t.Errorf("%s got %+v", staff, p)
			}
		}
		for addr, other := range map[string]string{"pat@northwind.test": "Contoso", "quinn@contoso.test": "Northwind"} {
			p := byAddr[addr]
			raw, _ := json.Marshal(p)
			if p.Event != EventOverlapUnderReview || p.Conflict != nil || p.Review != tandem.OverlapUnderReview ||
				strings.Contains(string(raw), other) || strings.Contains(string(raw), "conflict") {
				t.Errorf("partner user %s got %s", addr, raw)
			}
		}

		// Escalated to the VPs: everyone holding a VP role, still no partner user.
		vp := tandem.User{ExternalID: "U-VP", Email: "vp@vendor.test", Name: "Vi", Role: tandem.RoleVPChannel}
		must(t, s.CreateUser(ctx, admin, &vp, ""))
		_, err = s.EscalateDue(ctx, f.clock.t.Add(30*24*time.Hour), conflictRules(t))
		must(t, err)
		_, err = s.EnqueueNotifications(ctx, f.clock.t, EnqueueOptions{Email: true})
		must(t, err)
		var escalated []string
		for _, d := range deliveriesByKey(t, s) {
			if d.Event == "conflict.escalated" && d.Channel == ChannelEmail {
				escalated = append(escalated, d.Target)
			}
		}
		slices.Sort(escalated)
		escalated = slices.Compact(escalated)
		if !slices.Contains(escalated, "vp@vendor.test") {
			t.Errorf("the escalation to level 2 did not email the VP: %v", escalated)
		}
		for _, a := range escalated {
			if strings.HasSuffix(a, "northwind.test") || strings.HasSuffix(a, "contoso.test") {
				t.Errorf("escalation emailed partner user %s", a)
			}
		}
	})
}

func TestClaimAndRecordDeliveries(t *testing.T) {
	t.Parallel()
	forEachSeeded(t, seedNotify, func(t *testing.T, ctx context.Context, s *Store, f *notifyFixture) {
		now := f.clock.t
		f.newRegistration(t, f.actor1, "Acme Corp")
		_, err := s.EnqueueNotifications(ctx, now, EnqueueOptions{})
		must(t, err)

		claimed, err := s.ClaimDeliveries(ctx, now, time.Minute, 10)
		must(t, err)
		if len(claimed) != 1 || claimed[0].Attempts != 1 || claimed[0].WebhookURL != f.all.URL || claimed[0].WebhookSecret != testSecret {
			t.Fatalf("claimed %+v", claimed)
		}
		c := claimed[0]
		// Leased: nobody else gets it until the lease runs out.
		if again, err := s.ClaimDeliveries(ctx, now.Add(59*time.Second), time.Minute, 10); err != nil || len(again) != 0 {
			t.Fatalf("claimed a leased delivery: %+v %v", again, err)
		}
		// The attempt failed: due again at the time given, with the error.
		ok, err := s.RetryDelivery(ctx, c.ID, c.Attempts, "HTTP 500", now.Add(30*time.Second))
		must(t, err)
		if !ok {
			t.Fatal("retry not recorded")
		}
		d := deliveriesByKey(t, s)[c.IdempotencyKey]
		if d.Status != DeliveryPending || d.LastError != "HTTP 500" || !d.NextAttemptAt.Equal(now.Add(30*time.Second)) {
			t.Fatalf("after a failure %+v", d)
		}
		// The second claim's lease runs out and a third claim takes over: the stale second cannot record.
		second, err := s.ClaimDeliveries(ctx, now.Add(30*time.Second), time.Minute, 10)
		must(t, err)
		third, err := s.ClaimDeliveries(ctx, now.Add(91*time.Second), time.Minute, 10)
		must(t, err)
		if len(second) != 1 || len(third) != 1 || third[0].Attempts != 3 || third[0].IdempotencyKey != c.IdempotencyKey {
			t.Fatalf("claims %+v then %+v", second, third)
		}
		if ok, err := s.CompleteDelivery(ctx, c.ID, second[0].Attempts, now); err != nil || ok {
			t.Fatalf("a stale claim recorded its outcome: %v %v", ok, err)
		}
		if ok, err := s.CompleteDelivery(ctx, c.ID, third[0].Attempts, now.Add(92*time.Second)); err != nil || !ok {
			t.Fatalf("complete: %v %v", ok, err)
		}
		d = deliveriesByKey(t, s)[c.IdempotencyKey]
		if d.Status != DeliveryDelivered || d.Attempts != 3 || !d.DeliveredAt.Equal(now.Add(92*time.Second)) || d.LastError != "" {
			t.Errorf("delivered %+v", d)
		}
		// Delivered is final.
		if ok, _ := s.RetryDelivery(ctx, c.ID, 3, "late", time.Time{}); ok {
			t.Error("a delivered delivery was failed")
		}

		// Giving up; and deleting a webhook fails what it had pending.
		f.newRegistration(t, f.actor1, "Globex")
		_, err = s.EnqueueNotifications(ctx, now, EnqueueOptions{})
		must(t, err)
		f.newRegistration(t, f.actor1, "Initech")
		_, err = s.EnqueueNotifications(ctx, now, EnqueueOptions{})
		must(t, err)
		pending, err := s.ClaimDeliveries(ctx, now.Add(time.Hour), time.Minute, 1)
		must(t, err)
		if len(pending) != 1 {
			t.Fatalf("claimed %d", len(pending))
		}
		// A receiver's answer is anything: an invalid byte and a long multi-byte body must still be stored
		// (PostgreSQL refuses invalid UTF-8), cut on a character boundary.
		gaveUp := "gave up: \xff" + strings.Repeat("é", 600)
		if ok, err := s.RetryDelivery(ctx, pending[0].ID, 1, gaveUp, time.Time{}); err != nil || !ok {
			t.Fatal(ok, err)
		}
		must(t, s.DeleteWebhook(ctx, f.revops, f.all.ID))
		wantCode(t, s.DeleteWebhook(ctx, f.revops, f.all.ID), tandem.ENOTFOUND)
		failed, _, err := s.ListDeliveries(ctx, f.revops, DeliveryFilter{Status: DeliveryFailed})
		must(t, err)
		if len(failed) != 2 || failed[0].LastError != "webhook deleted" || !strings.HasPrefix(failed[1].LastError, "gave up: \uFFFDéé") ||
			!utf8.ValidString(failed[1].LastError) || len(failed[1].LastError) > 1000 || len(failed[1].LastError) < 998 {
			t.Errorf("failed deliveries %+v", failed)
		}
		hooks, err := s.ListWebhooks(ctx, f.revops)
		must(t, err)
		if len(hooks) != 1 || hooks[0].ID != f.conflicts.ID {
			t.Errorf("webhooks after delete %+v", hooks)
		}
	})
}

func TestWebhookRules(t *testing.T) {
	t.Parallel()
	forEachSeeded(t, seedNotify, func(t *testing.T, ctx context.Context, s *Store, f *notifyFixture) {
		for name, tc := range map[string]struct {
			actor tandem.Actor
			hook  Webhook
			code  string
		}{
			"ae":                         {f.aeActor, Webhook{URL: "https://x.test/"}, tandem.EFORBIDDEN},
			"partner":                    {f.actor1, Webhook{URL: "https://x.test/"}, tandem.EFORBIDDEN},
			"partner manager":            {f.pm, Webhook{URL: "https://x.test/"}, tandem.EFORBIDDEN},
			"ftp":                        {f.revops, Webhook{URL: "ftp://x.test/"}, tandem.EINVALID},
			"no host":                    {f.revops, Webhook{URL: "https:///path"}, tandem.EINVALID},
			"credentials":                {f.revops, Webhook{URL: "https://u:p@x.test/"}, tandem.EINVALID},
			"bad event":                  {f.revops, Webhook{URL: "https://x.test/", Events: []string{"payroll.run"}}, tandem.EINVALID},
			"unknown registration event": {f.revops, Webhook{URL: "https://x.test/", Events: []string{"registration.explode"}}, tandem.EINVALID},
			"unknown conflict action":    {f.revops, Webhook{URL: "https://x.test/", Events: []string{"conflict.escalate"}}, tandem.EINVALID},
		} {
			t.Run(name, func(t *testing.T) {
				wantCode(t, s.CreateWebhook(ctx, tc.actor, &tc.hook, testSecret), tc.code)
			})
		}
		wantCode(t, s.CreateWebhook(ctx, f.revops, &Webhook{URL: "https://x.test/"}, "short"), tandem.EINVALID)
		_, err := s.ListWebhooks(ctx, f.actor1)
		wantCode(t, err, tandem.EFORBIDDEN)
		_, _, err = s.ListDeliveries(ctx, f.aeActor, DeliveryFilter{})
		wantCode(t, err, tandem.EFORBIDDEN)
		wantCode(t, s.DeleteWebhook(ctx, f.actor1, f.all.ID), tandem.EFORBIDDEN)
		_, _, err = s.ListDeliveries(ctx, f.revops, DeliveryFilter{Status: "lost"})
		wantCode(t, err, tandem.EINVALID)

		wants := map[string]bool{"registration.approve": false, "conflict.opened": true, "conflict.resolved": true}
		for kind, want := range wants {
			if got := f.conflicts.Wants(kind); got != want {
				t.Errorf("conflict.* wants %s = %v", kind, got)
			}
			if !f.all.Wants(kind) {
				t.Errorf("an unfiltered webhook does not want %s", kind)
			}
		}
	})
}

// TestNotificationsExactlyOnceAcrossInstances runs two stores on one PostgreSQL schema, enqueuing and
// claiming at the same time: every event is enqueued once and every delivery claimed once.
func TestNotificationsExactlyOnceAcrossInstances(t *testing.T) {
	t.Parallel()
	base := postgresOnly(t)
	ctx := context.Background()
	url := pgtest.SchemaURL(t, base)
	a, err := Open(ctx, url, nil)
	must(t, err)
	t.Cleanup(func() { a.Close() })
	b, err := Open(ctx, url, nil)
	must(t, err)
	t.Cleanup(func() { b.Close() })
	f := seedNotify(t, a)
	now := f.clock.t

	const regs = 40
	var wg sync.WaitGroup
	var mu sync.Mutex
	enqueued := 0
	errs := make(chan error, 64)
	// Registrations are submitted while both instances enqueue.
	wg.Go(func() {
		for i := range regs {
			r := &tandem.Registration{AccountName: "Account " + idString(int64(i)), Country: "US", ProductType: tandem.ProductCore,
				EstimatedACV: tandem.Major(10_000), Currency: "USD"}
			if err := a.SubmitRegistration(ctx, f.actor1, r, f.rules); err != nil {
				errs <- err
				return
			}
		}
	})
	for _, st := range []*Store{a, b, a, b} {
		wg.Go(func() {
			for range 30 {
				n, err := st.EnqueueNotifications(ctx, now, EnqueueOptions{Email: true})
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				enqueued += n
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for _, st := range []*Store{a, b} {
		n, err := st.EnqueueNotifications(ctx, now, EnqueueOptions{Email: true})
		must(t, err)
		enqueued += n
	}
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	// Each submission: the partner user, the manager and the all-events webhook.
	all := deliveriesByKey(t, a)
	if len(all) != 3*regs || enqueued != 3*regs {
		t.Fatalf("%d deliveries, %d reported enqueued; want %d of each", len(all), enqueued, 3*regs)
	}

	// Both instances claim at once: each delivery goes to one of them.
	claims := map[int64]int{}
	errs2 := make(chan error, 4)
	for _, st := range []*Store{a, b, a, b} {
		wg.Go(func() {
			for {
				got, err := st.ClaimDeliveries(ctx, now, time.Hour, 7)
				if err != nil {
					errs2 <- err
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, d := range got {
					claims[d.ID]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(errs2)
	for err := range errs2 {
		t.Fatal(err)
	}
	if len(claims) != len(all) {
		t.Errorf("claimed %d distinct deliveries of %d", len(claims), len(all))
	}
	for id, n := range claims {
		if n != 1 {
			t.Errorf("delivery %d claimed %d times", id, n)
		}
	}
}

// TestEnqueueWaitsForEarlierTransactions: on PostgreSQL an event whose transaction took a smaller id but
// commits after a later event's is neither skipped nor doubled: the enqueuer waits for it.
func TestEnqueueWaitsForEarlierTransactions(t *testing.T) {
	t.Parallel()
	base := postgresOnly(t)
	ctx := context.Background()
	s := openPostgres(t, base)
	f := seedNotify(t, s)
	r := f.newRegistration(t, f.actor1, "Acme Corp")
	_, err := s.EnqueueNotifications(ctx, f.clock.t, EnqueueOptions{})
	must(t, err)
	insert := `INSERT INTO registration_events (registration_id, at, event, from_status, to_status)
		VALUES ($1, $2, 'extend', 'approved', 'approved') RETURNING id`

	slow, err := s.write.BeginTx(ctx, nil) // takes the smaller id and commits last
	must(t, err)
	defer slow.Rollback()
	var slowID, fastID int64
	must(t, slow.QueryRowContext(ctx, insert, r.ID, f.clock.t.UnixMicro()).Scan(&slowID))
	must(t, s.write.QueryRowContext(ctx, insert, r.ID, f.clock.t.UnixMicro()).Scan(&fastID))
	if slowID >= fastID {
		t.Fatalf("ids %d, %d", slowID, fastID)
	}
	type result struct {
		n   int
		err error
	}
	done := make(chan result, 1)
	go func() {
		n, err := s.EnqueueNotifications(ctx, f.clock.t, EnqueueOptions{})
		done <- result{n, err}
	}()
	// The enqueuer must be waiting for the open transaction, not reading past it.
	for waiting := 0; waiting == 0; {
		select {
		case r := <-done:
			t.Fatalf("enqueued %d (%v) while an earlier event's transaction was open", r.n, r.err)
		default:
		}
		must(t, s.read.QueryRowContext(ctx, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
			AND objid = hashtext(current_schema())::oid`).Scan(&waiting))
	}
	must(t, slow.Commit())
	if r := <-done; r.err != nil || r.n != 2 {
		t.Fatalf("enqueued %d (%v) after it committed; want both events", r.n, r.err)
	}
}
