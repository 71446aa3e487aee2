package certification

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	tandem "github.com/tandem-revops/tandem"
)

var now = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

func TestCoverageAt(t *testing.T) {
	t.Parallel()
	curricula := []Curriculum{
		{ID: "sell-fin", Role: PartnerSales, Verticals: []string{"financial_services"}, Products: []string{"core"}},
		{ID: "tech-core", Role: PartnerTechnical, Products: []string{"core", "addon"}},
		{ID: "tech-fin", Role: PartnerTechnical, Verticals: []string{"financial_services"}},
		{ID: "sell-health", Role: PartnerSales, Verticals: []string{"healthcare"}},
	}
	year := func(y int) time.Time { return time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC) }
	certs := []Certification{
		{Person: "ann", Partner: "acme", Curriculum: "sell-fin", Earned: year(2025)},
		{Person: "bob", Partner: "acme", Curriculum: "tech-core", Earned: year(2025), Expires: year(2027)},
		{Person: "bob", Partner: "acme", Curriculum: "tech-fin", Earned: year(2024), Expires: year(2026)}, // expired
		{Person: "cy", Partner: "acme", Curriculum: "sell-health", Earned: year(2027)},                    // not yet earned
		{Person: "dee", Partner: "globex", Curriculum: "sell-fin", Earned: year(2025)},
		{Person: "eve", Partner: "globex", Curriculum: "sell-fin", Earned: year(2025)},
	}
	scopes := []Scope{
		{Partner: "acme", Verticals: []string{"financial_services", "healthcare"}, Products: []string{"core"}},
		{Partner: "globex", Verticals: []string{"financial_services"}},
	}
	got, err := CoverageAt(now, curricula, certs, scopes, DefaultRequirement)
	if err != nil {
		t.Fatal(err)
	}
	wantGaps := []Gap{
		{Partner: "acme", Kind: "vertical", Name: "financial_services", Role: PartnerTechnical, Have: 0, Need: 1},
		{Partner: "acme", Kind: "vertical", Name: "healthcare", Role: PartnerSales, Have: 0, Need: 1},
		{Partner: "acme", Kind: "vertical", Name: "healthcare", Role: PartnerTechnical, Have: 0, Need: 1},
		{Partner: "globex", Kind: "vertical", Name: "financial_services", Role: PartnerTechnical, Have: 0, Need: 1},
	}
	if diff := cmp.Diff(wantGaps, AllGaps(got)); diff != "" {
		t.Errorf("gaps (-want +got):\n%s", diff)
	}
	wantAcme := []Cell{
		{Kind: "vertical", Name: "financial_services", Role: PartnerSales, People: []string{"ann"}},
		{Kind: "vertical", Name: "financial_services", Role: PartnerTechnical},
		{Kind: "vertical", Name: "healthcare", Role: PartnerSales},
		{Kind: "vertical", Name: "healthcare", Role: PartnerTechnical},
		{Kind: "product", Name: "core", Role: PartnerSales, People: []string{"ann"}},
		{Kind: "product", Name: "core", Role: PartnerTechnical, People: []string{"bob"}},
	}
	if diff := cmp.Diff(wantAcme, got[0].Cells); diff != "" {
		t.Errorf("acme matrix (-want +got):\n%s", diff)
	}
	// Two people per cell: globex's sales cell is covered (dee, eve), acme's are not.
	got, _ = CoverageAt(now, curricula, certs, scopes, Requirement{Roles: []Role{PartnerSales}, MinPeople: 2})
	if g := got[1].Gaps; len(g) != 0 {
		t.Errorf("globex gaps with two sellers: %v", g)
	}
	if g := got[0].Gaps; len(g) != 3 || g[0].String() != "acme: vertical financial_services needs 2 certified partner_sales, has 1" {
		t.Errorf("acme gaps: %v", g)
	}
	if _, err := CoverageAt(now, curricula, []Certification{{Person: "x", Curriculum: "nope"}}, scopes, DefaultRequirement); tandem.ErrorCode(err) != tandem.EINVALID || !strings.Contains(err.Error(), `unknown curriculum "nope"`) {
		t.Errorf("unknown curriculum: %v", err)
	}
	if !CertifiedAt(certs, "globex", now) || CertifiedAt(certs, "globex", year(2024)) || CertifiedAt(certs, "initech", now) {
		t.Error("CertifiedAt misjudges who was certified when")
	}
}

func TestWilson(t *testing.T) {
	t.Parallel()
	z := 1.959963984540054
	tests := []struct {
		wins, n   int
		low, high float64
	}{
		{8, 10, 0.4902, 0.9433},
		{0, 10, 0, 0.2775},
		{10, 10, 0.7225, 1},
		{56, 70, 0.6918, 0.8770}, // Newcombe (1998), example (a)
	}
	for _, tt := range tests {
		lo, hi := Wilson(tt.wins, tt.n, z)
		if math.Abs(lo-tt.low) > 5e-5 || math.Abs(hi-tt.high) > 5e-5 {
			t.Errorf("Wilson(%d, %d) = %.4f–%.4f, want %.4f–%.4f", tt.wins, tt.n, lo, hi, tt.low, tt.high)
		}
	}
}

// deals builds n deals of which wins are won, with cycle days spread evenly around mean ± spread.
func deals(certified bool, n, wins int, mean, spread float64) []Deal {
	out := make([]Deal, n)
	for i := range out {
		out[i] = Deal{Partner: "p", Certified: certified, Won: i < wins, CycleDays: mean + spread*(2*float64(i%wins+1)/float64(wins+1)-1)}
	}
	return out
}

func TestCompare(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name           string
		deals          []Deal
		winDiff        [3]float64 // estimate, low, high (NaN: not checked)
		winSignificant bool
		cycleSig       bool
		cycleKnown     bool
		summary        string
	}{
		{
			// Newcombe (1998), example (a): 56/70 − 48/80, method 10 interval 0.0524 to 0.3339.
			name:           "Newcombe's worked example",
			deals:          append(deals(true, 70, 56, 60, 20), deals(false, 80, 48, 60, 20)...),
			winDiff:        [3]float64{0.2, 0.0524, 0.3339},
			winSignificant: true, cycleKnown: true,
			summary: "difference +20.0 points (95% CI +5.2 to +33.4): significant",
		},
		{
			name:           "small samples, close rates",
			deals:          append(deals(true, 40, 12, 50, 30), deals(false, 40, 11, 55, 30)...),
			winDiff:        [3]float64{0.025, math.NaN(), math.NaN()},
			winSignificant: false, cycleKnown: true,
			summary: "difference +2.5 points (95% CI",
		},
		{
			name:           "certified close faster",
			deals:          append(deals(true, 300, 120, 60, 10), deals(false, 300, 75, 80, 10)...),
			winDiff:        [3]float64{0.15, math.NaN(), math.NaN()},
			winSignificant: true, cycleSig: true, cycleKnown: true,
			summary: "difference -20.0 days",
		},
		{
			name:           "one won deal is too few for cycle time",
			deals:          append(deals(true, 10, 1, 60, 10), deals(false, 10, 5, 60, 10)...),
			winDiff:        [3]float64{-0.4, math.NaN(), math.NaN()},
			winSignificant: false, cycleKnown: false,
			summary: "Cycle time: not enough won deals on both sides to compare",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := Compare(tt.deals, Options{Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			for i, want := range tt.winDiff {
				got := []float64{c.WinRate.Estimate, c.WinRate.Low, c.WinRate.High}[i]
				if !math.IsNaN(want) && math.Abs(got-want) > 5e-5 {
					t.Errorf("win-rate difference [%d] = %.4f, want %.4f", i, got, want)
				}
			}
			if c.WinRate.Significant != tt.winSignificant || c.CycleDays.Significant != tt.cycleSig || c.CycleDays.Known != tt.cycleKnown {
				t.Errorf("significance win %v cycle %v (known %v); want %v, %v (%v)\n%s", c.WinRate.Significant, c.CycleDays.Significant, c.CycleDays.Known, tt.winSignificant, tt.cycleSig, tt.cycleKnown, c.Summary)
			}
			if !strings.Contains(c.Summary, tt.summary) {
				t.Errorf("summary %q lacks %q", c.Summary, tt.summary)
			}
			if !tt.winSignificant && !strings.Contains(c.Summary, "not significant (the interval includes zero)") {
				t.Errorf("summary %q does not say the difference is not significant", c.Summary)
			}
			again, _ := Compare(tt.deals, Options{Seed: 1})
			if !cmp.Equal(c, again) {
				t.Error("same seed, different result")
			}
		})
	}
	if _, err := Compare(deals(true, 5, 2, 10, 1), Options{}); err == nil {
		t.Error("no uncertified deals: want an error")
	}
	if _, err := Compare([]Deal{{Certified: true, CycleDays: -1}, {}}, Options{}); err == nil {
		t.Error("negative cycle: want an error")
	}
}
