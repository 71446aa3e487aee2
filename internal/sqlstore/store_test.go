package sqlstore

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tandem-revops/tandem/internal/postgres/pgtest"

	tandem "github.com/tandem-revops/tandem"
)

// The contract suite: every test runs against SQLite (a file in t.TempDir) and, when
// TANDEM_TEST_POSTGRES holds a URL, against PostgreSQL in a schema of its own.

var admin = tandem.Actor{UserID: 0, Email: "admin@vendor.test", Role: tandem.RoleAdmin}

// fixedClock is the store clock in tests: it starts at a known instant and moves only when told.
type fixedClock struct{ t time.Time }

func (c *fixedClock) now() time.Time          { return c.t }
func (c *fixedClock) advance(d time.Duration) { c.t = c.t.Add(d) }
func newClock() *fixedClock                   { return &fixedClock{t: time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)} }

// withClock gives s a fixedClock the test moves, for forEachSeeded.
func withClock(t *testing.T, s *Store) *fixedClock {
	clock := newClock()
	s.SetClock(clock.now)
	return clock
}

func forEachEngine(t *testing.T, fn func(t *testing.T, s *Store)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		fn(t, openSQLite(t))
	})
	if pg := os.Getenv("TANDEM_TEST_POSTGRES"); pg != "" {
		t.Run("postgres", func(t *testing.T) {
			t.Parallel()
			fn(t, openPostgres(t, pg))
		})
	}
}

// forEachSeeded runs fn on a store of each engine (see forEachEngine) seeded by seed, the shared
// fixture most store tests start from.
func forEachSeeded[F any](t *testing.T, seed func(*testing.T, *Store) F, fn func(t *testing.T, ctx context.Context, s *Store, f F)) {
	t.Helper()
	forEachEngine(t, func(t *testing.T, s *Store) {
		fn(t, context.Background(), s, seed(t, s))
	})
}

// postgresOnly returns the PostgreSQL URL tests run against, skipping t when there is none (a test of
// what only PostgreSQL's concurrent writers can do).
func postgresOnly(t *testing.T) string {
	t.Helper()
	base := os.Getenv("TANDEM_TEST_POSTGRES")
	if base == "" {
		t.Skip("TANDEM_TEST_POSTGRES is not set")
	}
	return base
}

func openSQLite(t testing.TB) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "tandem.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	s.SetClock(newClock().now)
	return s
}

// openPostgres opens a store in a fresh schema of the database at base and drops the schema afterwards.
func openPostgres(t testing.TB, base string) *Store {
	t.Helper()
	ctx := context.Background()
	s, err := Open(ctx, pgtest.SchemaURL(t, base), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	s.SetClock(newClock().now)
	return s
}

// wantAuditEntries wants n entries of action in the audit log; what names them in the failure.
func wantAuditEntries(t *testing.T, s *Store, action, what string, n int) {
	t.Helper()
	entries, _, err := s.ListAudit(context.Background(), admin, AuditFilter{Action: action})
	must(t, err)
	if len(entries) != n {
		t.Errorf("%d %s audit entries, want %d", len(entries), what, n)
	}
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := tandem.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}

// wantSame fails t when err is set, or when got differs from want, with label over the diff.
func wantSame(t *testing.T, label string, want, got any, err error) {
	t.Helper()
	must(t, err)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s:\n%s", label, diff)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// fixture is a small company: two partners with a partner user each, three accounts, one deal and
// registration per partner, a direct deal, and one touch per partner.
type fixture struct {
	p1, p2                  tandem.Partner
	ae, pu1, pu2            tandem.User
	a1, a2, a3              tandem.Account
	o1, o2, o3              tandem.Opportunity
	r1, r2                  tandem.Registration
	t1, t2                  tandem.Touch
	actor1, actor2, aeActor tandem.Actor
}

func seed(t *testing.T, s *Store) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{}
	f.p1 = tandem.Partner{ExternalID: "P1", Name: "Northwind Partners", Tier: tandem.TierGold, Type: tandem.PartnerReseller,
		Countries: []string{"US", "CA"}, Standing: tandem.StandingGood}
	f.p2 = tandem.Partner{ExternalID: "P2", Name: "Contoso Channel", Tier: tandem.TierSilver, Type: tandem.PartnerReferral,
		Standing: tandem.StandingGood}
	must(t, s.CreatePartner(ctx, admin, &f.p1))
	must(t, s.CreatePartner(ctx, admin, &f.p2))
	f.ae = tandem.User{ExternalID: "U-AE", Email: "Ada@Vendor.test", Name: "Ada AE", Role: tandem.RoleAE}
	f.pu1 = tandem.User{ExternalID: "U-P1", Email: "pat@northwind.test", Name: "Pat", Role: tandem.RolePartnerUser, PartnerID: f.p1.ID}
	f.pu2 = tandem.User{ExternalID: "U-P2", Email: "quinn@contoso.test", Name: "Quinn", Role: tandem.RolePartnerUser, PartnerID: f.p2.ID}
	must(t, s.CreateUser(ctx, admin, &f.ae, "hash-ae"))
	must(t, s.CreateUser(ctx, admin, &f.pu1, ""))
	must(t, s.CreateUser(ctx, admin, &f.pu2, ""))
	f.actor1 = tandem.Actor{UserID: f.pu1.ID, Email: f.pu1.Email, Role: tandem.RolePartnerUser, PartnerID: f.p1.ID}
	f.actor2 = tandem.Actor{UserID: f.pu2.ID, Email: f.pu2.Email, Role: tandem.RolePartnerUser, PartnerID: f.p2.ID}
	f.aeActor = tandem.Actor{UserID: f.ae.ID, Email: f.ae.Email, Role: tandem.RoleAE}
	f.a1 = tandem.Account{ExternalID: "A1", Name: "Acme Corp", Domain: "https://www.acme.com/", Country: "US", Vertical: "retail", OwnerID: f.ae.ID}
	f.a2 = tandem.Account{ExternalID: "A2", Name: "Globex", Country: "DE", Vertical: "manufacturing"}
	f.a3 = tandem.Account{ExternalID: "A3", Name: "Initech", Country: "US", Vertical: "software"}
	for _, a := range []*tandem.Account{&f.a1, &f.a2, &f.a3} {
		must(t, s.CreateAccount(ctx, admin, a))
	}
	close := time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)
	created := time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)
	f.o1 = tandem.Opportunity{ExternalID: "O1", Name: "Acme expansion", AccountID: f.a1.ID, OwnerID: f.ae.ID, PartnerID: f.p1.ID,
		ProductType: tandem.ProductCore, ACV: tandem.Major(120000), Currency: "USD", Stage: tandem.StageProposal,
		ForecastCategory: tandem.ForecastBestCase, Country: "US", CreatedOn: created, CloseDate: close,
		Routing: tandem.Routing{Motion: tandem.MotionCoSell, Rule: "core-large", PolicyVersion: "1", RoutedAt: created}}
	f.o2 = tandem.Opportunity{ExternalID: "O2", Name: "Globex services", AccountID: f.a2.ID, PartnerID: f.p2.ID,
		ProductType: tandem.ProductServices, ACV: tandem.Major(30000), Currency: "EUR", Stage: tandem.StageQualified,
		ForecastCategory: tandem.ForecastPipeline, Country: "DE", Routing: tandem.Routing{Motion: tandem.MotionPartnerLed, Rule: "services"}}
	f.o3 = tandem.Opportunity{ExternalID: "O3", Name: "Initech direct", AccountID: f.a3.ID, OwnerID: f.ae.ID,
		ProductType: tandem.ProductCore, ACV: tandem.Major(500000), Currency: "USD", Stage: tandem.StageNegotiation,
		ForecastCategory: tandem.ForecastCommit, Country: "US", Routing: tandem.Routing{Motion: tandem.MotionDirect, Rule: "core-large"}}
	for _, o := range []*tandem.Opportunity{&f.o1, &f.o2, &f.o3} {
		must(t, s.CreateOpportunity(ctx, admin, o))
	}
	f.r1 = tandem.Registration{ExternalID: "R1", PartnerID: f.p1.ID, AccountID: f.a1.ID, AccountName: "Acme Corp", Country: "US",
		ProductType: tandem.ProductCore, EstimatedACV: tandem.Major(100000), Currency: "USD", Status: tandem.RegistrationApproved,
		OpportunityID: f.o1.ID}
	f.r2 = tandem.Registration{ExternalID: "R2", PartnerID: f.p2.ID, AccountID: f.a2.ID, AccountName: "Globex GmbH", Country: "DE",
		ProductType: tandem.ProductServices, EstimatedACV: tandem.Major(25000), Currency: "EUR", OpportunityID: f.o2.ID}
	must(t, s.CreateRegistration(ctx, admin, &f.r1))
	must(t, s.CreateRegistration(ctx, admin, &f.r2))
	f.t1 = tandem.Touch{ExternalID: "T1", PartnerID: f.p1.ID, OpportunityID: f.o1.ID, Kind: tandem.TouchSourced, OccurredAt: created}
	f.t2 = tandem.Touch{ExternalID: "T2", PartnerID: f.p2.ID, OpportunityID: f.o2.ID, Kind: tandem.TouchInfluence, OccurredAt: created}
	must(t, s.CreateTouch(ctx, admin, &f.t1))
	must(t, s.CreateTouch(ctx, admin, &f.t2))
	return f
}
