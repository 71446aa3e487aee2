package enablement

import (
	"context"
	"strings"
	"testing"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/mdf"
	"github.com/tandem-revops/tandem/internal/sqlstore"
	"github.com/tandem-revops/tandem/internal/sqlstore/sqlstoretest"
)

var admin = tandem.Actor{Email: "admin@vendor.test", Role: tandem.RoleAdmin}

// clock is the store's clock in these tests; it moves only when told.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func forEachEngine(t *testing.T, fn func(t *testing.T, s *sqlstore.Store, c *clock)) {
	t.Helper()
	for name, s := range sqlstoretest.Engines(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := &clock{t: time.Date(2026, 2, 2, 9, 0, 0, 0, time.UTC)}
			s.SetClock(c.now)
			fn(t, s, c)
		})
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := tandem.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}

type world struct {
	svc             *Service
	p1, p2          tandem.Partner
	partner1, other tandem.Actor
	manager, ae     tandem.Actor
	fund1           sqlstore.MDFFund
}

// account creates a US account.
func (w *world) account(t *testing.T, ext, name string) tandem.Account {
	t.Helper()
	a := tandem.Account{ExternalID: ext, Name: name, Country: "US"}
	must(t, w.svc.Store.CreateAccount(context.Background(), admin, &a))
	return a
}

// acmeWin creates the account Acme Retail and its deal O-1 with P1: $50,000, created three months
// before now and won one month before.
func (w *world) acmeWin(t *testing.T, now time.Time) tandem.Opportunity {
	t.Helper()
	acme := w.account(t, "A-ACME", "Acme Retail")
	o := tandem.Opportunity{ExternalID: "O-1", Name: "O-1", AccountID: acme.ID, PartnerID: w.p1.ID, ProductType: tandem.ProductCore,
		ACV: tandem.Major(50000), Currency: "USD", Stage: tandem.StageClosedWon, ForecastCategory: tandem.ForecastClosed, Country: "US",
		CreatedOn: now.AddDate(0, -3, 0), CloseDate: now.AddDate(0, -1, 0)}
	must(t, w.svc.Store.CreateOpportunity(context.Background(), admin, &o))
	return o
}

func setup(t *testing.T, s *sqlstore.Store) *world {
	ctx := context.Background()
	w := &world{svc: &Service{Store: s}}
	w.p1 = tandem.Partner{ExternalID: "P1", Name: "Northwind", Tier: tandem.TierGold, Type: tandem.PartnerReseller, Standing: tandem.StandingGood}
	w.p2 = tandem.Partner{ExternalID: "P2", Name: "Contoso", Tier: tandem.TierSilver, Type: tandem.PartnerReferral, Standing: tandem.StandingGood}
	must(t, s.CreatePartner(ctx, admin, &w.p1))
	must(t, s.CreatePartner(ctx, admin, &w.p2))
	users := []tandem.User{
		{ExternalID: "U1", Email: "pat@northwind.test", Name: "Pat", Role: tandem.RolePartnerUser, PartnerID: w.p1.ID},
		{ExternalID: "U2", Email: "quinn@contoso.test", Name: "Quinn", Role: tandem.RolePartnerUser, PartnerID: w.p2.ID},
		{ExternalID: "U3", Email: "cm@vendor.test", Name: "Chris", Role: tandem.RolePartnerManager},
		{ExternalID: "U4", Email: "ada@vendor.test", Name: "Ada", Role: tandem.RoleAE},
	}
	for i := range users {
		must(t, s.CreateUser(ctx, admin, &users[i], ""))
	}
	act := func(u tandem.User) tandem.Actor {
		return tandem.Actor{UserID: u.ID, Email: u.Email, Role: u.Role, PartnerID: u.PartnerID}
	}
	w.partner1, w.other, w.manager, w.ae = act(users[0]), act(users[1]), act(users[2]), act(users[3])
	opens := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	w.fund1 = sqlstore.MDFFund{PartnerID: w.p1.ID, Period: "2026-H1", Budget: tandem.Major(20000), Currency: "USD", OpensOn: opens, ExpiresOn: opens.AddDate(0, 6, 0)}
	must(t, s.CreateMDFFund(ctx, w.manager, &w.fund1))
	return w
}

func (w *world) state(t *testing.T, ref string) sqlstore.MDFRequest {
	t.Helper()
	rs, err := w.svc.Store.ListMDFRequests(context.Background(), admin, sqlstore.MDFRequestFilter{FundID: w.fund1.ID})
	must(t, err)
	for _, r := range rs {
		if r.Ref == ref {
			return r
		}
	}
	t.Fatalf("no request %s", ref)
	return sqlstore.MDFRequest{}
}

// TestMDFWorkflowThroughTheStore walks a request from request to paid, with the right person at every
// step, and checks that every wrong person and every illegal move is refused with nothing changed.
func TestMDFWorkflowThroughTheStore(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store, c *clock) {
		ctx := context.Background()
		w := setup(t, s)
		ch, err := w.svc.MoveMDF(ctx, w.partner1, w.fund1.ID, Move{Action: mdf.Request, Activity: "Retail roadshow", Motion: "co_sell",
			Amount: tandem.Major(8000), ExpectedPipeline: tandem.Major(200000)})
		must(t, err)
		ref := ch.Request.Ref

		steps := []struct {
			name  string
			actor tandem.Actor
			move  Move
			code  string // "" when legal
			state string // the state after
		}{
			{"AE cannot approve", w.ae, Move{Action: mdf.Approve}, tandem.EFORBIDDEN, "requested"},
			{"partner cannot approve its own request", w.partner1, Move{Action: mdf.Approve}, tandem.EFORBIDDEN, "requested"},
			{"another partner cannot even see it", w.other, Move{Action: mdf.Claim, Amount: 1}, tandem.ENOTFOUND, "requested"},
			{"claim before approval is illegal", w.partner1, Move{Action: mdf.Claim, Amount: tandem.Major(1)}, tandem.ECONFLICT, "requested"},
			{"approve more than requested", w.manager, Move{Action: mdf.Approve, Amount: tandem.Major(9000)}, tandem.EINVALID, "requested"},
			{"channel manager approves part", w.manager, Move{Action: mdf.Approve, Amount: tandem.Major(6000)}, "", "approved"},
			{"approve twice is illegal", w.manager, Move{Action: mdf.Approve}, tandem.ECONFLICT, "approved"},
			{"reject after approval is illegal", w.manager, Move{Action: mdf.Reject, Reason: "late"}, tandem.ECONFLICT, "approved"},
			{"proof before the activity is illegal", w.partner1, Move{Action: mdf.SubmitProof, Attendees: 40}, tandem.ECONFLICT, "approved"},
			{"partner records the activity", w.partner1, Move{Action: mdf.CompleteActivity}, "", "activity_done"},
			{"empty proof is refused", w.partner1, Move{Action: mdf.SubmitProof}, tandem.EINVALID, "activity_done"},
			{"partner submits proof", w.partner1, Move{Action: mdf.SubmitProof, Attendees: 40, Files: []string{"attendees.csv"}, Leads: []string{"L-1", "L-2"}}, "", "proof_submitted"},
			{"claim above approval", w.partner1, Move{Action: mdf.Claim, Amount: tandem.Major(7000)}, tandem.EINVALID, "proof_submitted"},
			{"partner claims", w.partner1, Move{Action: mdf.Claim, Amount: tandem.Major(5500)}, "", "claimed"},
			{"partner cannot pay itself", w.partner1, Move{Action: mdf.Pay}, tandem.EFORBIDDEN, "claimed"},
			{"channel manager pays", w.manager, Move{Action: mdf.Pay}, "", "paid"},
			{"paid is final", w.manager, Move{Action: mdf.Pay}, tandem.ECONFLICT, "paid"},
		}
		for _, st := range steps {
			before := w.state(t, ref)
			st.move.Request = ref
			_, err := w.svc.MoveMDF(ctx, st.actor, w.fund1.ID, st.move)
			if st.code == "" {
				if err != nil {
					t.Fatalf("%s: %v", st.name, err)
				}
			} else {
				if tandem.ErrorCode(err) != st.code {
					t.Fatalf("%s: error %v (%q), want %q", st.name, err, tandem.ErrorCode(err), st.code)
				}
				if after := w.state(t, ref); after.State != before.State || after.Approved != before.Approved || after.Claimed != before.Claimed {
					t.Fatalf("%s: refused move changed the request: %+v → %+v", st.name, before, after)
				}
			}
			if got := w.state(t, ref).State; got != st.state {
				t.Fatalf("%s: state %s, want %s", st.name, got, st.state)
			}
			c.t = c.t.Add(time.Hour)
		}
		r := w.state(t, ref)
		if r.Paid != tandem.Major(5500) || r.Motion != "co_sell" || len(r.Leads) != 2 || r.Attendees != 40 {
			t.Fatalf("paid request = %+v", r)
		}
		evs, err := s.MDFRequestEvents(ctx, admin, r.ID)
		must(t, err)
		var path []string
		for _, e := range evs {
			path = append(path, e.From+">"+e.To)
		}
		if got := strings.Join(path, " "); got != ">requested requested>approved approved>activity_done activity_done>proof_submitted proof_submitted>claimed claimed>paid" {
			t.Fatalf("log = %s", got)
		}
		audit, _, err := s.ListAudit(ctx, admin, sqlstore.AuditFilter{Entity: "mdf_requests", EntityID: ref})
		must(t, err)
		if len(audit) != 3 { // approve, claim, pay
			t.Fatalf("audit entries = %d, want 3: %+v", len(audit), audit)
		}
		// The payment is MDF spend in the ledger, once.
		spend, err := s.AllSpend(ctx, admin, sqlstore.SpendFilter{Kind: "mdf"})
		must(t, err)
		if len(spend) != 1 || spend[0].Amount != tandem.Major(5500) || spend[0].Motion != "co_sell" || spend[0].PartnerID != w.p1.ID || spend[0].Month != "2026-02" {
			t.Fatalf("MDF spend = %+v", spend)
		}
		funds, err := w.svc.Funds(ctx, w.partner1)
		must(t, err)
		if len(funds) != 1 || funds[0].Totals.Paid != tandem.Major(5500) || funds[0].Totals.Available != tandem.Major(14500) {
			t.Fatalf("funds = %+v", funds)
		}
		if others, _ := w.svc.Funds(ctx, w.other); len(others) != 0 {
			t.Fatalf("another partner sees %+v", others)
		}
	})
}

func TestMDFRejectAndExpire(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store, c *clock) {
		ctx := context.Background()
		w := setup(t, s)
		a, err := w.svc.MoveMDF(ctx, w.partner1, w.fund1.ID, Move{Action: mdf.Request, Activity: "Lunch & learn", Amount: tandem.Major(3000)})
		must(t, err)
		b, err := w.svc.MoveMDF(ctx, w.partner1, w.fund1.ID, Move{Action: mdf.Request, Activity: "Trade fair", Amount: tandem.Major(4000)})
		must(t, err)
		_, err = w.svc.MoveMDF(ctx, w.partner1, w.fund1.ID, Move{Action: mdf.Request, Activity: "Too much", Amount: tandem.Major(14000)})
		wantCode(t, err, tandem.EINVALID) // 20k budget, 7k held
		_, err = w.svc.MoveMDF(ctx, w.manager, w.fund1.ID, Move{Action: mdf.Reject, Request: a.Request.Ref})
		wantCode(t, err, tandem.EINVALID) // a rejection needs a reason
		_, err = w.svc.MoveMDF(ctx, w.manager, w.fund1.ID, Move{Action: mdf.Reject, Request: a.Request.Ref, Reason: "no retail focus"})
		must(t, err)
		if r := w.state(t, a.Request.Ref); r.State != "rejected" || r.RejectReason != "no retail focus" {
			t.Fatalf("rejected = %+v", r)
		}
		if n, err := w.svc.ExpireDue(ctx, c.t); err != nil || n != (ExpiryResult{}) {
			t.Fatalf("expired %+v (%v) before the period ended", n, err)
		}
		c.t = w.fund1.ExpiresOn.Add(time.Hour)
		res, err := w.svc.ExpireDue(ctx, c.t)
		must(t, err)
		if n := res.Requests; n != 1 || res.Funds != 1 || w.state(t, b.Request.Ref).State != "expired" || w.state(t, a.Request.Ref).State != "rejected" {
			t.Fatalf("expired %+v: %+v", res, w.state(t, b.Request.Ref))
		}
		_, err = w.svc.MoveMDF(ctx, w.partner1, w.fund1.ID, Move{Action: mdf.Request, Activity: "Late", Amount: tandem.Major(10)})
		wantCode(t, err, tandem.ECONFLICT) // the budget expired
	})
}

func TestImportSpendCSV(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store, c *clock) {
		ctx := context.Background()
		w := setup(t, s)
		good := "month,motion,segment,kind,amount,currency,partner\n" +
			"2026-01,co_sell,enterprise,content,\"12,500.00\",USD,P1\n" +
			"2026-01,direct,smb,event,4000,usd,\n"
		n, err := w.svc.ImportSpend(ctx, w.manager, "q1.csv", strings.NewReader(good))
		must(t, err)
		if n != 2 {
			t.Fatalf("imported %d", n)
		}
		if n, err := w.svc.ImportSpend(ctx, w.manager, "q1.csv", strings.NewReader(good)); err != nil || n != 0 {
			t.Fatalf("re-import stored %d (%v)", n, err)
		}
		bad := "month,motion,kind,amount,currency,partner\n" +
			"2026-02,co_sell,content,100,USD,\n" +
			"2026-14,co_sell,content,100,USD,\n" +
			"2026-02,webinar,content,100,USD,\n" +
			"2026-02,direct,event,-5,USD,\n" +
			"2026-02,direct,event,5,USD,Nobody\n"
		_, err = w.svc.ImportSpend(ctx, w.manager, "bad.csv", strings.NewReader(bad))
		wantCode(t, err, tandem.EINVALID)
		for _, want := range []string{`bad.csv: line 3: column "month"`, `bad.csv: line 4: column "motion"`, `bad.csv: line 5: column "amount"`, `bad.csv: line 6: column "partner"`} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error lacks %q:\n%v", want, err)
			}
		}
		_, err = w.svc.ImportSpend(ctx, w.manager, "nohead.csv", strings.NewReader("month,motion\n2026-01,direct\n"))
		if err == nil || !strings.Contains(err.Error(), `column "kind" is missing`) {
			t.Fatalf("missing columns: %v", err)
		}
		_, err = w.svc.ImportSpend(ctx, w.ae, "q1b.csv", strings.NewReader(good))
		wantCode(t, err, tandem.EFORBIDDEN)
		if all, _ := s.AllSpend(ctx, admin, sqlstore.SpendFilter{}); len(all) != 2 || all[0].Amount != tandem.Major(12500) || all[0].PartnerID != w.p1.ID {
			t.Fatalf("ledger = %+v", all)
		}
	})
}
