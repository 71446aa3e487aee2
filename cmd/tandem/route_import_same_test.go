package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/importer"
	"github.com/tandem-revops/tandem/internal/policy"
)

// TestRouteAndImportReadTheSameDeal (issue 8): the spellings real exports use for verticals,
// countries, stages, registration statuses, partner tiers, product types and amounts give the policy
// the same deal, and so the same decision, whether the row goes through tandem route or through
// tandem import (partners, registrations, then opportunities, the way a company loads its CRM). A row
// one refuses the other refuses too.
func TestRouteAndImportReadTheSameDeal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		vertical, country, stage, status, tier, productType, acv, currency string
		want                                                               policy.Deal // the fields both must read
		ok                                                                 bool
	}{
		{"Financial Services", "Deutschland", "Closed Won", "Pending Approval", "Gold", "Add-On", "€1.200.000,00", "",
			policy.Deal{Vertical: "financial_services", Country: "DE", Stage: tandem.StageClosedWon,
				RegistrationStatus: tandem.RegistrationSubmitted, PartnerTier: tandem.TierGold,
				ProductType: tandem.ProductAddon, ACV: tandem.Major(1_200_000), Currency: "EUR"}, true},
		{"healthcare", "DEU", "Proposal/Price Quote", "Approved", "Authorized", "Subscription", "$1,200,000.00", "USD",
			policy.Deal{Vertical: "healthcare", Country: "DE", Stage: tandem.StageProposal,
				RegistrationStatus: tandem.RegistrationApproved, PartnerTier: tandem.TierRegistered,
				ProductType: tandem.ProductCore, ACV: tandem.Major(1_200_000), Currency: "USD"}, true},
		{"Government", "Schweiz", "contractsent", "Declined", "platinum", "Professional Services", "250000", "usd",
			policy.Deal{Vertical: "government", Country: "CH", Stage: tandem.StageNegotiation,
				RegistrationStatus: tandem.RegistrationRejected, PartnerTier: tandem.TierPlatinum,
				ProductType: tandem.ProductServices, ACV: tandem.Major(250_000), Currency: "USD"}, true},
		{"Retail", "Espana", "Qualification", "Submitted", "Member", "core", "$900,000.00", "",
			policy.Deal{Vertical: "retail", Country: "ES", Stage: tandem.StageQualified,
				RegistrationStatus: tandem.RegistrationSubmitted, PartnerTier: tandem.TierRegistered,
				ProductType: tandem.ProductCore, ACV: tandem.Major(900_000), Currency: "USD"}, true},
		{"Health-Care", "United Kingdom", "Closed - Lost", "Withdrawn", "Silver", "License", "40,000.50", "GBP",
			policy.Deal{Vertical: "health_care", Country: "GB", Stage: tandem.StageClosedLost,
				RegistrationStatus: tandem.RegistrationWithdrawn, PartnerTier: tandem.TierSilver,
				ProductType: tandem.ProductCore, ACV: 4_000_050, Currency: "GBP"}, true},
		// Refused by both.
		{"retail", "Atlantis", "Prospecting", "Submitted", "Gold", "core", "1000", "USD", policy.Deal{}, false},
		{"retail", "US", "Prospecting", "Submitted", "Gold", "Widget", "1000", "USD", policy.Deal{}, false},
		{"retail", "US", "Assigned dynamically", "Submitted", "Gold", "core", "1000", "USD", policy.Deal{}, false},
		{"retail", "US", "Prospecting", "Submitted", "Gold", "core", "12x", "USD", policy.Deal{}, false},
		{"retail", "US", "Prospecting", "Submitted", "Gold", "core", "$1,000", "EUR", policy.Deal{}, false},
	}
	p := policy.Default()
	for _, tt := range tests {
		name := tt.vertical + "/" + tt.country + "/" + tt.stage + "/" + tt.productType + "/" + tt.acv
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			routed, routedDeal, routeErr := routeOneRow(t, p, tt.vertical, tt.country, tt.stage, tt.status, tt.tier, tt.productType, tt.acv, tt.currency)
			imported, importedDeal, importErr := importOneRow(t, p, tt.vertical, tt.country, tt.stage, tt.status, tt.tier, tt.productType, tt.acv, tt.currency)
			if (routeErr == "") != tt.ok || (importErr == "") != tt.ok {
				t.Fatalf("route error %q, import error %q; want ok=%v from both", routeErr, importErr, tt.ok)
			}
			if !tt.ok {
				return
			}
			for who, d := range map[string]policy.Deal{"route": routedDeal, "import": importedDeal} {
				got := policy.Deal{Vertical: d.Vertical, Country: d.Country, Stage: d.Stage, RegistrationStatus: d.RegistrationStatus,
					PartnerTier: d.PartnerTier, ProductType: d.ProductType, ACV: d.ACV, Currency: d.Currency}
				if !equalDeals(got, tt.want) {
					t.Errorf("%s read %+v, want %+v", who, got, tt.want)
				}
			}
			if routed.Motion != imported.Motion || routed.Rule != imported.Rule ||
				routed.PartnerAttached != imported.PartnerAttached || routed.Explanation != imported.Explanation {
				t.Errorf("route decided %+v, import %+v", routed, imported)
			}
		})
	}
}

func equalDeals(a, b policy.Deal) bool {
	return a.Vertical == b.Vertical && a.Country == b.Country && a.Stage == b.Stage && a.RegistrationStatus == b.RegistrationStatus &&
		a.PartnerTier == b.PartnerTier && a.ProductType == b.ProductType && a.ACV == b.ACV && a.Currency == b.Currency
}

// routeOneRow runs one deal through tandem route's reader and router; it returns the decision, the deal
// the policy saw and the row's error ("" when routed), and checks the command prints the same.
func routeOneRow(t *testing.T, p *policy.Policy, vertical, country, stage, status, tier, productType, acv, currency string) (policy.Decision, policy.Deal, string) {
	t.Helper()
	header := []string{"id", "account", "acv", "country", "vertical", "product_type", "partner_id", "registration_status", "partner_tier", "stage", "currency"}
	row := []string{"D-1", "Acme", acv, country, vertical, productType, "P-1", status, tier, stage, currency}
	cols, err := mapColumns("deals.csv", header)
	if err != nil {
		t.Fatal(err)
	}
	rt := newRowRouter(p, cols)
	var dec policy.Decision
	msg := ""
	if err := rt.load(row); err != nil {
		msg = err.Error()
	} else if dec, err = rt.router.Route(&rt.deal); err != nil {
		msg = tandem.ErrorMessage(err)
	}

	var csv strings.Builder
	w := newTestCSV(&csv)
	w(header)
	w(row)
	var out bytes.Buffer
	if _, err := routeCSV(context.Background(), p, "deals.csv", strings.NewReader(csv.String()), &out, 1); err != nil {
		t.Fatal(err)
	}
	var line map[string]any
	if err := json.Unmarshal(out.Bytes(), &line); err != nil {
		t.Fatalf("route printed %q: %v", out.String(), err)
	}
	if msg != "" {
		if line["error"] != msg {
			t.Errorf("route printed %v, want the error %q", line, msg)
		}
	} else if line["motion"] != string(dec.Motion) || line["rule"] != dec.Rule {
		t.Errorf("route printed %v, want %+v", line, dec)
	}
	return dec, rt.deal, msg
}

// newTestCSV returns a writer of CSV lines into b, quoting every cell.
func newTestCSV(b *strings.Builder) func([]string) {
	return func(cells []string) {
		for i, c := range cells {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`"` + strings.ReplaceAll(c, `"`, `""`) + `"`)
		}
		b.WriteByte('\n')
	}
}

// importOneRow imports a partner with the tier, a registration with the status and an opportunity with
// the rest through tandem import's importer, and returns the decision and deal the policy saw, or the
// import's errors.
func importOneRow(t *testing.T, p *policy.Policy, vertical, country, stage, status, tier, productType, acv, currency string) (policy.Decision, policy.Deal, string) {
	t.Helper()
	ctx := context.Background()
	tx := &sameDealTx{}
	rec := &recordingRouter{router: p.NewRouter()}
	clock := func() time.Time { return time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC) }
	var errs []string
	run := func(kind string, rows ...[]string) {
		var csv strings.Builder
		w := newTestCSV(&csv)
		for _, r := range rows {
			w(r)
		}
		rep, err := importer.New(importer.Options{Kind: kind, Router: rec, Clock: clock}).Run(ctx, tx, strings.NewReader(csv.String()), kind+".csv")
		if err != nil {
			t.Fatalf("import %s: %v", kind, err)
		}
		for _, e := range rep.Errors {
			errs = append(errs, e.Error())
		}
	}
	run("partners", []string{"external_id", "name", "tier", "type"}, []string{"P-1", "Acme Partners", tier, "reseller"})
	run("registrations", []string{"external_id", "partner", "account_name", "country", "product_type", "estimated_acv", "currency", "status", "contact_email", "rejection_reason"},
		[]string{"R-1", "P-1", "Acme", "US", "core", "1000", "USD", status, "buyer@acme.test", "already registered"})
	if len(errs) > 0 {
		t.Fatalf("partner or registration refused: %v", errs)
	}
	run("opportunities", []string{"external_id", "name", "account", "partner", "acv", "currency", "country", "vertical", "product_type", "stage"},
		[]string{"D-1", "Acme deal", "Acme", "P-1", acv, currency, country, vertical, productType, stage})
	if len(errs) > 0 {
		return policy.Decision{}, policy.Deal{}, strings.Join(errs, "; ")
	}
	if len(rec.deals) != 1 {
		t.Fatalf("import routed %d deals, want 1", len(rec.deals))
	}
	return rec.decisions[0], rec.deals[0], ""
}

// recordingRouter routes through the policy and keeps what it saw.
type recordingRouter struct {
	router    *policy.Router
	deals     []policy.Deal
	decisions []policy.Decision
}

func (r *recordingRouter) Route(d policy.Deal) (policy.Decision, error) {
	dec, err := r.router.Route(&d)
	if err == nil {
		r.deals, r.decisions = append(r.deals, d), append(r.decisions, dec)
	}
	return dec, err
}

// sameDealTx is the store as the importer sees it, holding one partner (id 7) and the registration
// status of deal D-1, both as imported.
type sameDealTx struct {
	importer.Tx // any other call panics: the test does not expect it
	tier        tandem.Tier
	status      tandem.RegistrationStatus
}

func (tx *sameDealTx) ResolveIDs(_ context.Context, kind string, ids []string) (map[string]int64, error) {
	out := map[string]int64{}
	for _, id := range ids {
		switch kind {
		case "partners":
			out[id] = 7
		case "accounts":
			out[id] = 3
		}
	}
	return out, nil
}

func (tx *sameDealTx) ResolveUserEmails(context.Context, []string) (map[string]int64, error) {
	return map[string]int64{}, nil
}

func (tx *sameDealTx) PartnerTiers(context.Context) (map[int64]tandem.Tier, error) {
	return map[int64]tandem.Tier{7: tx.tier}, nil
}

func (tx *sameDealTx) RoutingStates(_ context.Context, ids []string) (map[string]tandem.RoutingState, error) {
	out := map[string]tandem.RoutingState{}
	for _, id := range ids {
		// The registration of the deal, as a store links it; the deal itself is new.
		out[id] = tandem.RoutingState{RegistrationStatus: tx.status}
	}
	return out, nil
}

func (tx *sameDealTx) UpsertPartners(_ context.Context, rows []tandem.Partner) (tandem.UpsertCounts, error) {
	tx.tier = rows[0].Tier
	return tandem.UpsertCounts{Inserted: len(rows)}, nil
}

func (tx *sameDealTx) UpsertRegistrations(_ context.Context, rows []tandem.Registration) (tandem.UpsertCounts, error) {
	tx.status = rows[0].Status
	return tandem.UpsertCounts{Inserted: len(rows)}, nil
}

func (tx *sameDealTx) UpsertOpportunities(_ context.Context, rows []tandem.Opportunity) (tandem.UpsertCounts, error) {
	return tandem.UpsertCounts{Inserted: len(rows)}, nil
}
