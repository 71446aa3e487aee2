package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tandem-revops/tandem/internal/postgres/pgtest"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, to make a schema per PostgreSQL test

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/auth"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// testPassword is every seeded user's password.
const testPassword = "correct horse battery staple"

// testEnv is a running server on a real, seeded store.
type testEnv struct {
	t      testing.TB
	store  *sqlstore.Store
	srv    *Server
	http   *httptest.Server
	tokens map[string]string // role name → API token
	ids    seedIDs
}

// seedIDs are the ids of the seeded records. Partner A and B each have a partner user, an account with
// an opportunity, a registration and a touch; there is also a direct deal with no partner.
type seedIDs struct {
	partnerA, partnerB           int64
	accountA, accountB, accountD int64
	oppA, oppB, oppDirect        int64
	regA, regB                   int64
	touchA, touchB               int64
	userAdmin, userPartnerA      int64
	userPartnerB                 int64
}

// forEachEngine runs fn against SQLite, and against PostgreSQL too when TANDEM_TEST_POSTGRES is set.
func forEachEngine(t *testing.T, fn func(t *testing.T, e *testEnv)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		fn(t, newTestEnv(t, openSQLite(t)))
	})
	if pg := os.Getenv("TANDEM_TEST_POSTGRES"); pg != "" {
		t.Run("postgres", func(t *testing.T) {
			t.Parallel()
			fn(t, newTestEnv(t, openPostgres(t, pg)))
		})
	}
}

func openSQLite(t testing.TB) *sqlstore.Store {
	t.Helper()
	return openStore(t, filepath.Join(t.TempDir(), "tandem.db"))
}

// openPostgres opens a store in a fresh schema of the database at base and drops it afterwards.
func openPostgres(t testing.TB, base string) *sqlstore.Store {
	t.Helper()
	return openStore(t, pgtest.SchemaURL(t, base))
}

// openStore opens the store at dsn (a SQLite file or a PostgreSQL URL), closed when the test ends.
func openStore(t testing.TB, dsn string) *sqlstore.Store {
	t.Helper()
	st, err := sqlstore.Open(context.Background(), dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func newTestEnv(t testing.TB, st *sqlstore.Store) *testEnv {
	t.Helper()
	srv, err := New(Config{Store: st, Hasher: auth.NewHasher(auth.WithParams(auth.CheapParams)), PolicyTTL: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	if err := srv.EnsurePolicy(context.Background()); err != nil {
		t.Fatal(err)
	}
	e := &testEnv{t: t, store: st, srv: srv, tokens: map[string]string{}}
	e.seed()
	e.http = httptest.NewServer(srv.Handler())
	t.Cleanup(e.http.Close)
	return e
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// seed writes the fixture company through the store and, for opportunities, through the server's own
// routing, so that every seeded deal carries a policy decision.
func (e *testEnv) seed() {
	t := e.t
	t.Helper()
	ctx := context.Background()
	sys := tandem.SystemActor
	pa := &tandem.Partner{ExternalID: "P-A", Name: "Alpha Partners", Tier: tandem.TierGold, Type: tandem.PartnerReseller,
		Standing: tandem.StandingGood, Countries: []string{"US"}}
	pb := &tandem.Partner{ExternalID: "P-B", Name: "Beta Systems", Tier: tandem.TierSilver, Type: tandem.PartnerReseller,
		Standing: tandem.StandingGood, Countries: []string{"DE"}}
	must(t, e.store.CreatePartner(ctx, sys, pa))
	must(t, e.store.CreatePartner(ctx, sys, pb))
	e.ids.partnerA, e.ids.partnerB = pa.ID, pb.ID

	hash, err := e.srv.hasher.Hash(ctx, testPassword)
	must(t, err)
	users := []*tandem.User{
		{Email: "admin@vendor.test", Name: "Ada Admin", Role: tandem.RoleAdmin},
		{Email: "revops@vendor.test", Name: "Rita RevOps", Role: tandem.RoleRevOps},
		{Email: "ae@vendor.test", Name: "Alan AE", Role: tandem.RoleAE},
		{Email: "cro@vendor.test", Name: "Carla CRO", Role: tandem.RoleCRO},
		{Email: "pm@vendor.test", Name: "Pat Manager", Role: tandem.RolePartnerManager},
		{Email: "user@alpha.test", Name: "Alice Alpha", Role: tandem.RolePartnerUser, PartnerID: pa.ID},
		{Email: "user@beta.test", Name: "Bob Beta", Role: tandem.RolePartnerUser, PartnerID: pb.ID},
	}
	for _, u := range users {
		must(t, e.store.CreateUser(ctx, sys, u, hash))
		tok := auth.NewAPIToken()
		_, err := e.store.CreateAPIToken(ctx, u.ID, "test", auth.HashToken(tok))
		must(t, err)
		key := string(u.Role)
		if u.Role == tandem.RolePartnerUser {
			key = "partner_" + strings.ToLower(u.Name[:1]) // Alice → partner_a, Bob → partner_b
		}
		e.tokens[key] = tok
	}
	e.ids.userAdmin, e.ids.userPartnerA, e.ids.userPartnerB = users[0].ID, users[5].ID, users[6].ID

	accts := []*tandem.Account{
		{ExternalID: "A-1", Name: "Acme Corp", Domain: "acme.test", Country: "US"},
		{ExternalID: "A-2", Name: "Bergmann GmbH", Domain: "bergmann.test", Country: "DE"},
		{ExternalID: "A-3", Name: "Direct Dynamics", Domain: "direct.test", Country: "US", Vertical: "technology"},
	}
	for _, a := range accts {
		must(t, e.store.CreateAccount(ctx, sys, a))
	}
	e.ids.accountA, e.ids.accountB, e.ids.accountD = accts[0].ID, accts[1].ID, accts[2].ID

	opp := func(ext, name string, account, partner int64, acv int64, country string) int64 {
		o := &tandem.Opportunity{ExternalID: ext, Name: name, AccountID: account, PartnerID: partner, ProductType: tandem.ProductCore,
			ACV: tandem.Major(acv), Currency: "USD", Stage: tandem.StageQualified, ForecastCategory: tandem.ForecastPipeline,
			Country: country, CreatedOn: time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC), CloseDate: time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)}
		must(t, e.srv.saveOpportunity(ctx, sys, o))
		return o.ID
	}
	e.ids.oppA = opp("O-A", "Acme expansion", accts[0].ID, pa.ID, 80_000, "US")
	e.ids.oppB = opp("O-B", "Bergmann rollout", accts[1].ID, pb.ID, 450_000, "DE")
	e.ids.oppDirect = opp("O-D", "Direct Dynamics platform", accts[2].ID, 0, 1_200_000, "US")

	reg := func(ext string, partner int64, account string) int64 {
		r := &tandem.Registration{ExternalID: ext, PartnerID: partner, AccountName: account, Country: "US",
			ProductType: tandem.ProductCore, EstimatedACV: tandem.Major(50_000), Currency: "USD",
			Status: tandem.RegistrationSubmitted, SubmittedAt: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)}
		must(t, e.store.CreateRegistration(ctx, sys, r))
		return r.ID
	}
	e.ids.regA = reg("R-A", pa.ID, "Acme Corp")
	e.ids.regB = reg("R-B", pb.ID, "Bergmann GmbH")

	touch := func(ext string, partner, opp int64) int64 {
		tc := &tandem.Touch{ExternalID: ext, PartnerID: partner, OpportunityID: opp, Kind: tandem.TouchInfluence,
			OccurredAt: time.Date(2026, 2, 2, 0, 0, 0, 0, time.UTC)}
		must(t, e.store.CreateTouch(ctx, sys, tc))
		return tc.ID
	}
	e.ids.touchA = touch("T-A", pa.ID, e.ids.oppA)
	e.ids.touchB = touch("T-B", pb.ID, e.ids.oppB)
}

// response is an HTTP response read whole.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// do makes a request with the role's API token ("" for none).
func (e *testEnv) do(role, method, path string, body any) response {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		must(e.t, err)
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.http.URL+path, rd)
	must(e.t, err)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if role != "" {
		tok, ok := e.tokens[role]
		if !ok {
			e.t.Fatalf("no token for role %q", role)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	return e.send(http.DefaultClient, req)
}

func (e *testEnv) send(c *http.Client, req *http.Request) response {
	e.t.Helper()
	res, err := c.Do(req)
	must(e.t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	must(e.t, err)
	return response{status: res.StatusCode, header: res.Header, body: b}
}

// browser is a client with a cookie jar that does not follow redirects.
func (e *testEnv) browser() *http.Client {
	jar, err := cookiejar.New(nil)
	must(e.t, err)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// signIn signs in through the form and returns the client and the session's CSRF token.
func (e *testEnv) signIn(email string) (*http.Client, string) {
	e.t.Helper()
	c := e.browser()
	res := e.postForm(c, "/signin", url.Values{"email": {email}, "password": {testPassword}}, "")
	if res.status != http.StatusSeeOther {
		e.t.Fatalf("sign in as %s: status %d: %s", email, res.status, res.body)
	}
	u, _ := url.Parse(e.http.URL)
	var csrf string
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == sessionCookie {
			sess, _, err := e.store.SessionByTokenHash(context.Background(), auth.HashToken(ck.Value))
			if err == nil {
				csrf = sess.CSRFToken
			}
		}
	}
	if csrf == "" {
		e.t.Fatal("no session cookie after signing in")
	}
	return c, csrf
}

func (e *testEnv) postForm(c *http.Client, path string, form url.Values, origin string) response {
	e.t.Helper()
	req := e.formRequest(path, form)
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	return e.send(c, req)
}

// formRequest is a POST of path on the test server with form, URL-encoded.
func (e *testEnv) formRequest(path string, form url.Values) *http.Request {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.http.URL+path, strings.NewReader(form.Encode()))
	must(e.t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}

func strconvFormat(n int64) string { return strconv.FormatInt(n, 10) }
