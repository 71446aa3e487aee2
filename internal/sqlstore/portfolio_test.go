package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	tandem "github.com/tandem-revops/tandem"
)

func TestSpendLedger(t *testing.T) {
	t.Parallel()
	forEachSeeded(t, seed, func(t *testing.T, ctx context.Context, s *Store, f *fixture) {
		lines := []SpendLine{
			{Month: "2026-01", Motion: "co_sell", Segment: "enterprise", Kind: "content", Amount: tandem.Major(4000), Currency: "usd", Source: "api"},
			{Month: "2026-02", Motion: "partner_sourced", PartnerID: f.p1.ID, Kind: "spiff", Amount: tandem.Major(500), Currency: "USD", Source: "comp:2026-Q1", SourceRef: "spiff-1"},
			{Month: "2026-02", Motion: "direct", Kind: "event", Amount: tandem.Major(9000), Currency: "USD", Source: "api"},
		}
		n, err := s.AddSpendLines(ctx, admin, lines)
		must(t, err)
		if n != 3 {
			t.Fatalf("stored %d, want 3", n)
		}
		// The same source line again is skipped, not doubled.
		again := []SpendLine{{Month: "2026-02", Motion: "partner_sourced", PartnerID: f.p1.ID, Kind: "spiff", Amount: tandem.Major(500), Currency: "USD", Source: "comp:2026-Q1", SourceRef: "spiff-1"}}
		if n, err := s.AddSpendLines(ctx, admin, again); err != nil || n != 0 {
			t.Fatalf("re-sync stored %d (%v), want 0", n, err)
		}
		all, total, err := s.ListSpend(ctx, admin, SpendFilter{})
		must(t, err)
		if total != 3 || len(all) != 3 || all[0].Currency != "USD" || all[1].PartnerName != f.p1.Name {
			t.Fatalf("list = %d %+v", total, all)
		}
		feb, _, err := s.ListSpend(ctx, admin, SpendFilter{FromMonth: "2026-02", Motion: "direct"})
		must(t, err)
		if len(feb) != 1 || feb[0].Amount != tandem.Major(9000) {
			t.Fatalf("filtered = %+v", feb)
		}
		// Partner isolation: a partner user sees only lines for its partner.
		mine, _, err := s.ListSpend(ctx, f.actor1, SpendFilter{})
		must(t, err)
		if len(mine) != 1 || mine[0].PartnerID != f.p1.ID {
			t.Fatalf("partner 1 sees %+v", mine)
		}
		theirs, _, err := s.ListSpend(ctx, f.actor2, SpendFilter{})
		must(t, err)
		if len(theirs) != 0 {
			t.Fatalf("partner 2 sees %+v", theirs)
		}
		// Bad lines refuse the whole batch; partners and AEs cannot write.
		bad := []SpendLine{lines[0], {Month: "2026-13", Motion: "direct", Kind: "event", Currency: "USD", Source: "api"}}
		_, err = s.AddSpendLines(ctx, admin, bad)
		wantCode(t, err, tandem.EINVALID)
		_, err = s.AddSpendLines(ctx, admin, []SpendLine{{Month: "2026-01", Motion: "webinar", Kind: "event", Currency: "USD", Source: "api"}})
		wantCode(t, err, tandem.EINVALID)
		_, err = s.AddSpendLines(ctx, f.actor1, lines[:1])
		wantCode(t, err, tandem.EFORBIDDEN)
		_, err = s.AddSpendLines(ctx, f.aeActor, lines[:1])
		wantCode(t, err, tandem.EFORBIDDEN)
		if _, total, _ := s.ListSpend(ctx, admin, SpendFilter{}); total != 3 {
			t.Fatalf("after refused writes %d lines, want 3", total)
		}
	})
}

func TestMDFFundStorage(t *testing.T) {
	t.Parallel()
	forEachSeeded(t, seed, func(t *testing.T, ctx context.Context, s *Store, f *fixture) {
		opens := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		fund := MDFFund{PartnerID: f.p1.ID, Period: "2026-H1", Budget: tandem.Major(50000), Currency: "USD", OpensOn: opens, ExpiresOn: opens.AddDate(0, 6, 0)}
		must(t, s.CreateMDFFund(ctx, admin, &fund))
		dup := fund
		wantCode(t, s.CreateMDFFund(ctx, admin, &dup), tandem.ECONFLICT)
		other := MDFFund{PartnerID: f.p2.ID, Period: "2026-H1", Budget: tandem.Major(10000), Currency: "EUR", OpensOn: opens, ExpiresOn: opens.AddDate(0, 6, 0)}
		must(t, s.CreateMDFFund(ctx, admin, &other))
		wantCode(t, s.CreateMDFFund(ctx, f.actor1, &MDFFund{PartnerID: f.p1.ID, Period: "x", Currency: "USD", OpensOn: opens, ExpiresOn: opens.AddDate(1, 0, 0)}), tandem.EFORBIDDEN)

		// A new request is inserted with its event; the audit entry is written when asked for.
		ch, err := s.ChangeMDFFund(ctx, f.actor1, fund.ID, func(st MDFFundState) (MDFChange, error) {
			if st.Fund.ID != fund.ID || len(st.Requests) != 0 || st.NewRef == "" {
				t.Errorf("state = %+v", st)
			}
			return MDFChange{Request: MDFRequest{Ref: st.NewRef, Activity: "Webinar", Motion: "co_sell", Requested: tandem.Major(5000), State: "requested"},
				Event: MDFEvent{Action: "request", To: "requested", Amount: tandem.Major(5000)}}, nil
		})
		must(t, err)
		ref := ch.Request.Ref
		_, err = s.ChangeMDFFund(ctx, admin, fund.ID, func(st MDFFundState) (MDFChange, error) {
			r := st.Requests[0]
			r.State, r.Approved = "approved", r.Requested
			return MDFChange{Request: r, Event: MDFEvent{Action: "approve", From: "requested", To: "approved", Amount: r.Approved}, Audit: "mdf.approve"}, nil
		})
		must(t, err)
		// A refused decision writes nothing.
		_, err = s.ChangeMDFFund(ctx, admin, fund.ID, func(st MDFFundState) (MDFChange, error) {
			return MDFChange{}, tandem.Errorf(tandem.ECONFLICT, "refused")
		})
		wantCode(t, err, tandem.ECONFLICT)
		reqs, err := s.ListMDFRequests(ctx, admin, MDFRequestFilter{FundID: fund.ID})
		must(t, err)
		if len(reqs) != 1 || reqs[0].Ref != ref || reqs[0].State != "approved" || reqs[0].Approved != tandem.Major(5000) || reqs[0].PartnerName != f.p1.Name {
			t.Fatalf("requests = %+v", reqs)
		}
		evs, err := s.MDFRequestEvents(ctx, admin, reqs[0].ID)
		must(t, err)
		if len(evs) != 2 || evs[0].Action != "request" || evs[1].From != "requested" || evs[1].To != "approved" || evs[0].Actor != f.pu1.Email {
			t.Fatalf("events = %+v", evs)
		}
		audit, _, err := s.ListAudit(ctx, admin, AuditFilter{Action: "mdf.approve"})
		must(t, err)
		if len(audit) != 1 || audit[0].EntityID != ref {
			t.Fatalf("audit = %+v", audit)
		}
		// The event log is append-only.
		if _, err := s.write.ExecContext(ctx, `UPDATE mdf_events SET reason = 'x'`); err == nil {
			t.Fatal("mdf_events accepted an UPDATE")
		}

		// Isolation: partner 2 neither lists nor changes partner 1's fund, requests or events.
		funds, err := s.ListMDFFunds(ctx, f.actor2, 0)
		must(t, err)
		if len(funds) != 1 || funds[0].ID != other.ID {
			t.Fatalf("partner 2 funds = %+v", funds)
		}
		_, err = s.ChangeMDFFund(ctx, f.actor2, fund.ID, func(MDFFundState) (MDFChange, error) {
			t.Error("decide ran on another partner's fund")
			return MDFChange{}, nil
		})
		wantCode(t, err, tandem.ENOTFOUND)
		if rs, _ := s.ListMDFRequests(ctx, f.actor2, MDFRequestFilter{}); len(rs) != 0 {
			t.Fatalf("partner 2 sees requests %+v", rs)
		}
		if es, _ := s.MDFRequestEvents(ctx, f.actor2, reqs[0].ID); len(es) != 0 {
			t.Fatalf("partner 2 sees events %+v", es)
		}
		if all, _ := s.ListMDFFunds(ctx, admin, 0); len(all) != 2 {
			t.Fatalf("staff sees %d funds, want 2", len(all))
		}
		queue, err := s.ListMDFRequests(ctx, admin, MDFRequestFilter{States: []string{"requested"}})
		must(t, err)
		if len(queue) != 0 {
			t.Fatalf("queue = %+v", queue)
		}
	})
}

func TestCertificationStorage(t *testing.T) {
	t.Parallel()
	forEachSeeded(t, seed, func(t *testing.T, ctx context.Context, s *Store, f *fixture) {
		must(t, s.SaveCurricula(ctx, admin, []Curriculum{
			{ID: "core-sales", Name: "Core sales", Role: "partner_sales", Verticals: []string{"retail"}, Products: []string{"core"}},
			{ID: "core-tech", Name: "Core technical", Role: "partner_technical", Products: []string{"core"}},
		}))
		cs, err := s.ListCurricula(ctx)
		must(t, err)
		if len(cs) != 2 || cs[0].Verticals[0] != "retail" {
			t.Fatalf("curricula = %+v", cs)
		}
		on := time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC)
		certs := []Certification{
			{Person: "pat@northwind.test", PartnerID: f.p1.ID, CurriculumID: "core-sales", CertifiedOn: on, ExpiresOn: on.AddDate(2, 0, 0)},
			{Person: "quinn@contoso.test", PartnerID: f.p2.ID, CurriculumID: "core-tech", CertifiedOn: on},
			{Person: "ada@vendor.test", UserID: f.ae.ID, CurriculumID: "core-sales", CertifiedOn: on},
		}
		n, err := s.AddCertifications(ctx, admin, "lms.csv", certs)
		must(t, err)
		if n != 3 {
			t.Fatalf("stored %d", n)
		}
		if n, err := s.AddCertifications(ctx, admin, "lms.csv", certs); err != nil || n != 0 {
			t.Fatalf("re-import stored %d (%v)", n, err)
		}
		_, err = s.AddCertifications(ctx, admin, "lms.csv", []Certification{{Person: "x", CurriculumID: "nope", CertifiedOn: on}})
		if err == nil {
			t.Fatal("unknown curriculum accepted")
		}
		_, err = s.AddCertifications(ctx, f.actor1, "lms.csv", certs[:1])
		wantCode(t, err, tandem.EFORBIDDEN)
		all, err := s.ListCertifications(ctx, admin, 0)
		must(t, err)
		if len(all) != 3 {
			t.Fatalf("all = %+v", all)
		}
		mine, err := s.ListCertifications(ctx, f.actor1, 0)
		must(t, err)
		if len(mine) != 1 || mine[0].Person != "pat@northwind.test" || mine[0].Role != "partner_sales" || !mine[0].ExpiresOn.Equal(on.AddDate(2, 0, 0)) {
			t.Fatalf("partner 1 sees %+v", mine)
		}
		if theirs, _ := s.ListCertifications(ctx, f.actor2, f.p1.ID); len(theirs) != 0 {
			t.Fatalf("partner 2 asking for partner 1 sees %+v", theirs)
		}
	})
}

func TestPortfolioDeals(t *testing.T) {
	t.Parallel()
	forEachSeeded(t, seed, func(t *testing.T, ctx context.Context, s *Store, f *fixture) {
		close := func(o *tandem.Opportunity, stage tandem.Stage, on time.Time) {
			o.Stage, o.CloseDate, o.ForecastCategory = stage, on, tandem.ForecastClosed
			if stage == tandem.StageClosedLost {
				o.ForecastCategory = tandem.ForecastOmitted
			}
			must(t, s.UpdateOpportunity(ctx, admin, o))
		}
		close(&f.o1, tandem.StageClosedWon, time.Date(2026, 2, 10, 0, 0, 0, 0, time.UTC))
		close(&f.o2, tandem.StageClosedLost, time.Date(2026, 2, 20, 0, 0, 0, 0, time.UTC))
		close(&f.o3, tandem.StageClosedWon, time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC))
		// A second win at Acme is no new customer.
		again := tandem.Opportunity{ExternalID: "O4", Name: "Acme again", AccountID: f.a1.ID, OwnerID: f.ae.ID, ProductType: tandem.ProductCore,
			ACV: tandem.Major(1000), Currency: "USD", Stage: tandem.StageClosedWon, ForecastCategory: tandem.ForecastClosed, Country: "US",
			CreatedOn: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), CloseDate: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC),
			Routing: tandem.Routing{Motion: tandem.MotionDirect}}
		must(t, s.CreateOpportunity(ctx, admin, &again))
		cro := tandem.Actor{Email: "cro@vendor.test", Role: tandem.RoleCRO}
		deals, err := s.PortfolioDeals(ctx, cro, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC))
		must(t, err)
		var got []string
		for _, d := range deals {
			got = append(got, fmt.Sprintf("%s won=%v first=%v motion=%s type=%s", d.ExternalID, d.Won, d.FirstWin, d.Motion, d.PartnerType))
		}
		want := []string{"O1 won=true first=true motion=co_sell type=reseller", "O2 won=false first=false motion=partner_led type=referral",
			"O4 won=true first=false motion=direct type="}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("deals:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		_, err = s.PortfolioDeals(ctx, f.aeActor, time.Time{}, time.Now())
		wantCode(t, err, tandem.EFORBIDDEN)
		_, err = s.PortfolioDeals(ctx, f.actor1, time.Time{}, time.Now())
		wantCode(t, err, tandem.EFORBIDDEN)
	})
}

// TestPortfolioDataVersionMovesWithEachDealInput checks that every change of a deal the portfolio's
// figures read moves the data version its cache is keyed by: ACV, stage, and the cannibalisation flag
// the conflict engine sets without an audit entry or a new updated_at.
func TestPortfolioDataVersionMovesWithEachDealInput(t *testing.T) {
	t.Parallel()
	forEachSeeded(t, seed, func(t *testing.T, ctx context.Context, s *Store, f *fixture) {
		cro := tandem.Actor{Email: "cro@vendor.test", Role: tandem.RoleCRO}
		version := func() string {
			t.Helper()
			v, err := s.PortfolioDataVersion(ctx, cro)
			must(t, err)
			return v
		}
		last := version()
		moved := func(what string) {
			t.Helper()
			if v := version(); v == last {
				t.Errorf("%s: data version stayed %s", what, v)
			} else {
				last = v
			}
		}
		f.o1.ACV += tandem.Major(1000)
		must(t, s.UpdateOpportunity(ctx, admin, &f.o1))
		moved("ACV")
		f.o1.Stage, f.o1.ForecastCategory = tandem.StageClosedWon, tandem.ForecastClosed
		must(t, s.UpdateOpportunity(ctx, admin, &f.o1))
		moved("stage")
		// As the conflict engine flags a deal (openAndFlag): no audit entry, updated_at untouched.
		if _, err := s.write.ExecContext(ctx, `UPDATE opportunities SET cannibalisation_flag = $1 WHERE id = $2`, true, f.o2.ID); err != nil {
			t.Fatal(err)
		}
		moved("cannibalisation flag")
		// One flag cleared and another set at once leave the flagged count alone.
		if _, err := s.write.ExecContext(ctx, `UPDATE opportunities SET cannibalisation_flag = (id = $1) WHERE id IN ($1, $2)`, f.o3.ID, f.o2.ID); err != nil {
			t.Fatal(err)
		}
		moved("cannibalisation flag moved to another deal")
		if v := version(); v != last {
			t.Errorf("nothing changed, yet the data version moved from %s to %s", last, v)
		}
	})
}
