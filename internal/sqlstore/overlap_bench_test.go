package sqlstore

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/calendar"
	"github.com/tandem-revops/tandem/internal/conflicts"
	"github.com/tandem-revops/tandem/internal/match"
	"github.com/tandem-revops/tandem/internal/registration"
)

// BenchmarkOverlapSubmit measures the whole overlap check on submit against a large account base: the
// registration is resolved with the in-memory matcher (match.Live over the store), stored through the
// lifecycle, and conflict detection runs its queries. It generates its own data through the import
// path: TANDEM_BENCH_ACCOUNTS accounts (default 1,000,000), a tenth as many open direct deals and a
// twentieth as many active registrations, then times TANDEM_BENCH_SUBMITS submits (default 2,000),
// four in five for an existing account under a noisy spelling, one in five for a new company. It
// reports p50/p95/p99 per submit (target: p95 under 300 ms). Runs on SQLite, and on PostgreSQL too
// when TANDEM_TEST_POSTGRES is set. scripts/bench-overlap.sh runs it.
func BenchmarkOverlapSubmit(b *testing.B) {
	accounts := envInt("TANDEM_BENCH_ACCOUNTS", 1_000_000)
	submits := envInt("TANDEM_BENCH_SUBMITS", 2_000)
	engines := map[string]func(testing.TB) *Store{"sqlite": openSQLite}
	if base := os.Getenv("TANDEM_TEST_POSTGRES"); base != "" {
		engines["postgres"] = func(tb testing.TB) *Store { return openPostgres(tb, base) }
	}
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for k := range engines {
			if !yield(k) {
				return
			}
		}
	}) {
		b.Run(name, func(b *testing.B) {
			s := engines[name](b)
			s.SetClock(time.Now)
			benchOverlap(b, s, accounts, submits)
		})
	}
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// benchNames makes company names from a synthetic vocabulary with Zipf frequencies.
type benchNames struct {
	rng   *rand.Rand
	words []string
	zipf  *rand.Zipf
}

var benchGeneric = []string{"Systems", "Holdings", "Technologies", "Global", "Capital", "Solutions", "Services",
	"Industries", "Energy", "Health", "Bank", "Media", "Software", "Logistics", "Foods", "Digital", "Data"}
var benchLegal = []string{"Inc", "Inc.", "Corp.", "Corporation", "LLC", "Ltd", "GmbH", "AG", "PLC", "Co."}

func newBenchNames(seed uint64) *benchNames {
	rng := rand.New(rand.NewPCG(seed, seed+7))
	n := &benchNames{rng: rng}
	onsets := []string{"b", "c", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "st", "tr", "qu", "sh"}
	nuclei := []string{"a", "e", "i", "o", "u", "ai", "ea", "ou"}
	codas := []string{"", "n", "r", "s", "x", "l", "nd", "st"}
	seen := map[string]bool{}
	for len(n.words) < 200_000 {
		var sb strings.Builder
		for range 2 + rng.IntN(2) {
			sb.WriteString(onsets[rng.IntN(len(onsets))])
			sb.WriteString(nuclei[rng.IntN(len(nuclei))])
		}
		sb.WriteString(codas[rng.IntN(len(codas))])
		w := sb.String()
		if !seen[w] {
			seen[w] = true
			n.words = append(n.words, strings.ToUpper(w[:1])+w[1:])
		}
	}
	n.zipf = rand.NewZipf(rng, 1.01, 30, uint64(len(n.words)-1))
	return n
}

func (n *benchNames) name() (name, domain string) {
	parts := []string{n.words[n.zipf.Uint64()]}
	if n.rng.IntN(3) > 0 {
		parts = append(parts, n.words[n.zipf.Uint64()])
	}
	if n.rng.IntN(2) == 0 {
		parts = append(parts, benchGeneric[n.rng.IntN(len(benchGeneric))])
	}
	if n.rng.IntN(4) == 0 {
		domain = strings.ToLower(strings.Join(parts[:min(2, len(parts))], "")) + ".com"
	}
	return strings.Join(parts, " ") + " " + benchLegal[n.rng.IntN(len(benchLegal))], domain
}

// variant is a partner's spelling of an account name.
func (n *benchNames) variant(name string) string {
	f := strings.Fields(name)
	switch n.rng.IntN(4) {
	case 0:
		return strings.ToUpper(name)
	case 1:
		return strings.Join(f[:len(f)-1], " ") + ", " + benchLegal[n.rng.IntN(len(benchLegal))]
	case 2:
		return strings.ToLower(strings.Join(f[:len(f)-1], " "))
	}
	return name
}

func benchOverlap(b *testing.B, s *Store, accounts, submits int) {
	ctx := context.Background()
	names := newBenchNames(42)
	start := time.Now()

	var partners []int64
	for i := range 20 {
		p := tandem.Partner{ExternalID: fmt.Sprintf("BP%d", i), Name: fmt.Sprintf("Bench Partner %d", i), Tier: tandem.TierGold,
			Type: tandem.PartnerReseller, Standing: tandem.StandingGood}
		if err := s.CreatePartner(ctx, admin, &p); err != nil {
			b.Fatal(err)
		}
		partners = append(partners, p.ID)
	}
	accountNames := make([]string, accounts)
	const batch = 20_000
	for lo := 0; lo < accounts; lo += batch {
		tx, err := s.BeginImport(ctx, admin)
		if err != nil {
			b.Fatal(err)
		}
		rows := make([]tandem.Account, 0, batch)
		for i := lo; i < min(lo+batch, accounts); i++ {
			name, domain := names.name()
			accountNames[i] = name
			rows = append(rows, tandem.Account{ExternalID: "BA" + strconv.Itoa(i), Name: name, Domain: domain, Country: "US"})
		}
		if _, err := tx.UpsertAccounts(ctx, rows); err != nil {
			b.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("%d accounts imported in %s", accounts, time.Since(start).Round(time.Millisecond))

	// Open direct deals on a tenth of the accounts, active registrations on a twentieth.
	tx, err := s.BeginImport(ctx, admin)
	if err != nil {
		b.Fatal(err)
	}
	ids, err := tx.ResolveIDs(ctx, "accounts", []string{"BA0"})
	if err != nil {
		b.Fatal(err)
	}
	firstID := ids["BA0"]
	var opps []tandem.Opportunity
	for i := 0; i < accounts; i += 10 {
		opps = append(opps, tandem.Opportunity{ExternalID: "BO" + strconv.Itoa(i), Name: "Deal " + strconv.Itoa(i),
			AccountID: firstID + int64(i), ProductType: tandem.ProductCore, ACV: tandem.Major(50_000), Currency: "USD",
			Stage: tandem.StageQualified, ForecastCategory: tandem.ForecastPipeline})
	}
	var regs []tandem.Registration
	for i := 5; i < accounts; i += 20 {
		regs = append(regs, tandem.Registration{ExternalID: "BR" + strconv.Itoa(i), PartnerID: partners[i%len(partners)],
			AccountName: names.variant(accountNames[i]), Country: "US", ProductType: tandem.ProductCore,
			EstimatedACV: tandem.Major(40_000), Currency: "USD", Status: tandem.RegistrationSubmitted, SubmittedAt: time.Now()})
	}
	for lo := 0; lo < len(opps); lo += batch {
		if _, err := tx.UpsertOpportunities(ctx, opps[lo:min(lo+batch, len(opps))]); err != nil {
			b.Fatal(err)
		}
	}
	for lo := 0; lo < len(regs); lo += batch {
		if _, err := tx.UpsertRegistrations(ctx, regs[lo:min(lo+batch, len(regs))]); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	b.Logf("%d direct deals and %d registrations imported", len(opps), len(regs))

	built := time.Now()
	live := match.NewLive(s.AccountSource(), match.LiveConfig{})
	defer live.Stop()
	if err := live.Load(ctx); err != nil { // also fills the detection keys
		b.Fatal(err)
	}
	submitter := registration.NewSubmitter(s, live, nil)
	b.Logf("account index built and keys filled in %s", time.Since(built).Round(time.Millisecond))

	cal, err := calendar.New(calendar.Config{Timezone: "UTC", Start: "09:00", End: "17:00",
		Days: []string{"mon", "tue", "wed", "thu", "fri"}})
	if err != nil {
		b.Fatal(err)
	}
	rules := tandem.RegistrationRules{Lifecycle: tandem.DefaultLifecycleSettings(), ApprovalSLA: tandem.SLA{Calendar: cal, Budget: 48 * time.Hour}}
	crules := tandem.ConflictRules{Settings: tandem.DefaultConflictSettings(), Calendar: cal}

	latencies := make([]time.Duration, 0, submits)
	decisions := map[match.Decision]int{}
	conflictsOpened := 0
	b.ResetTimer()
	for i := range submits {
		name := ""
		if names.rng.IntN(5) == 0 {
			name, _ = names.name()
		} else {
			name = names.variant(accountNames[names.rng.IntN(accounts)])
		}
		r := &tandem.Registration{PartnerID: partners[i%len(partners)], AccountName: name, Country: "US",
			ProductType: tandem.ProductCore, EstimatedACV: tandem.Major(30_000), Currency: "USD"}
		t0 := time.Now()
		if err := submitter.Submit(ctx, admin, r, rules); err != nil {
			b.Fatal(err)
		}
		opened, err := conflicts.DetectRegistration(ctx, s, admin, crules, r.ID)
		if err != nil {
			b.Fatal(err)
		}
		latencies = append(latencies, time.Since(t0))
		conflictsOpened += len(opened)
		if r.AccountID != 0 {
			decisions[match.DecisionMatch]++
		}
	}
	b.StopTimer()
	slices.Sort(latencies)
	pct := func(p float64) time.Duration { return latencies[min(len(latencies)-1, int(p*float64(len(latencies))))] }
	b.ReportMetric(float64(pct(0.50).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(pct(0.95).Microseconds())/1000, "p95-ms")
	b.ReportMetric(float64(pct(0.99).Microseconds())/1000, "p99-ms")
	b.Logf("%d submits on %d accounts: p50 %s, p95 %s, p99 %s, max %s; %d resolved to an account, %d conflicts opened",
		submits, accounts, pct(0.50), pct(0.95), pct(0.99), latencies[len(latencies)-1], decisions[match.DecisionMatch], conflictsOpened)
	if p95 := pct(0.95); p95 > 300*time.Millisecond {
		b.Errorf("p95 %s, over the 300 ms target", p95)
	}
}
