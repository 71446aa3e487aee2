package comp

import (
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	tandem "github.com/tandem-revops/tandem"
)

// The worked examples run under the built-in plan unless a case edits it: quota $1,500,000, base rate
// 8 %, 12 % above 100 % and 16 % above 150 % attainment, SPIFF bands on net value [25k, 100k) $500,
// [100k, 250k) $1,000, [250k, 500k) $1,500, 500k and above $2,000; margins resale/referral platinum
// 25/15 %, gold 20/12 %, silver 15/10 %, registered 10/5 %; registration bonus 5 %; MDF 2 %.

var q3 = Period{ID: "2026-Q3", Start: time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)}

// Partners of every tier and type: the tens digit is the tier, the units digit 1 for a reseller, 2 for
// a referral partner, 3 for a co-sell partner.
func testPartners() []Partner {
	var out []Partner
	for i, tier := range tandem.Tiers {
		for j, typ := range []tandem.PartnerType{tandem.PartnerReseller, tandem.PartnerReferral, tandem.PartnerCoSell} {
			id := int64(10*(i+1) + j + 1)
			out = append(out, Partner{ID: id, Name: fmt.Sprintf("%s %s", tier, typ), Tier: tier, Type: typ})
		}
	}
	return out
}

const (
	platinumReseller, platinumReferral     = 11, 12
	goldReseller, goldReferral, goldCoSell = 21, 22, 23
	silverReseller, silverReferral         = 31, 32
	registeredReseller, registeredReferral = 41, 42
)

// deal returns a closed deal of AE 1 with the given id, net value (no discount, USD) and attribution,
// closing id hours into the quarter.
func deal(id int64, acv tandem.Money, partner int64, at tandem.Attribution) Deal {
	motion := tandem.MotionDirect
	if at == tandem.AttributionPartnerLed {
		motion = tandem.MotionCoSell
	}
	return Deal{OpportunityID: id, ExternalID: fmt.Sprintf("D-%d", id), Name: fmt.Sprintf("Deal %d", id), OwnerID: 1,
		PartnerID: partner, Motion: motion, Attribution: at, ACV: acv, Currency: "USD",
		ClosedOn: q3.Start.Add(time.Duration(id) * time.Hour)}
}

func with(d Deal, f func(*Deal)) Deal { f(&d); return d }

// wantLine is a statement line without its explanation.
type wantLine struct {
	Payee  int64
	Deal   int64
	Kind   LineKind
	Basis  tandem.Money
	Rate   int
	Amount tandem.Money
	Credit tandem.Money
	Rule   string
}

func linesOf(res *Result, only ...LineKind) []wantLine {
	var out []wantLine
	for _, sts := range [][]Statement{res.AEs, res.Partners} {
		for _, st := range sts {
			for _, l := range st.Lines {
				if len(only) > 0 && !contains(only, l.Kind) {
					continue
				}
				out = append(out, wantLine{l.PayeeID, l.OpportunityID, l.Kind, l.Basis, l.RateBasisPoints, l.Amount, l.QuotaCredit, l.Rule})
			}
		}
	}
	return out
}

func contains[T comparable](s []T, v T) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func mustPlan(t *testing.T, edits ...string) *Plan {
	t.Helper()
	src := string(DefaultSource())
	for i := 0; i+1 < len(edits); i += 2 {
		if !strings.Contains(src, edits[i]) {
			t.Fatalf("the default plan has no %q to edit", edits[i])
		}
		src = strings.Replace(src, edits[i], edits[i+1], 1)
	}
	p, err := Parse("edited.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func calculate(t *testing.T, p *Plan, deals ...Deal) *Result {
	t.Helper()
	res, err := Calculate(p, Input{Period: q3, AEs: []AE{{UserID: 1, Name: "Ann"}}, Partners: testPartners(), Deals: deals})
	if err != nil {
		t.Fatal(err)
	}
	checkInvariants(t, res)
	return res
}

// orDefault returns the plan a case names, the built-in one when it names none.
func orDefault(p *Plan) *Plan {
	if p == nil {
		return Default()
	}
	return p
}

// checkInvariants asserts what holds for every result: totals and credit are the sums of the lines,
// every line is traceable.
func checkInvariants(t *testing.T, res *Result) {
	t.Helper()
	for _, sts := range [][]Statement{res.AEs, res.Partners} {
		for _, st := range sts {
			var total, credit tandem.Money
			for _, l := range st.Lines {
				total += l.Amount
				credit += l.QuotaCredit
				if l.Rule == "" || l.PlanVersion == "" || l.Explanation == "" || l.Period == "" || l.OpportunityID == 0 {
					t.Errorf("untraceable line %+v", l)
				}
			}
			if total != st.Total || credit != st.Credit {
				t.Errorf("statement %s %d: total %s credit %s, lines sum to %s and %s", st.PayeeKind, st.PayeeID, st.Total, st.Credit, total, credit)
			}
		}
	}
}

func TestWorkedExamples(t *testing.T) {
	t.Parallel()
	const pl, ps, pi, di = tandem.AttributionPartnerLed, tandem.AttributionPartnerSourced, tandem.AttributionPartnerInfluenced, tandem.AttributionDirect
	spiffCase := func(acv tandem.Money, want tandem.Money, band int) (string, []Deal, []wantLine) {
		var w []wantLine
		if want > 0 {
			w = []wantLine{{1, 1, LineSPIFF, acv, 0, want, 0, fmt.Sprintf("spiff.bands[%d]", band)}}
		}
		return fmt.Sprintf("SPIFF at %s", acv), []Deal{deal(1, acv, goldReferral, pl)}, w
	}
	type tc struct {
		name    string
		plan    *Plan
		deals   []Deal
		only    []LineKind
		want    []wantLine
		explain []string // substrings of the explanations, in line order
	}
	tests := []tc{}
	// Each SPIFF band edge: a cent below, at and a cent above. From is inclusive, To exclusive.
	for _, e := range []struct {
		edge        tandem.Money
		below, at   tandem.Money
		bBelow, bAt int
	}{
		{tandem.Major(25_000), 0, 500_00, -1, 0},
		{tandem.Major(100_000), 500_00, 1_000_00, 0, 1},
		{tandem.Major(250_000), 1_000_00, 1_500_00, 1, 2},
		{tandem.Major(500_000), 1_500_00, 2_000_00, 2, 3},
	} {
		for _, v := range []struct {
			acv  tandem.Money
			want tandem.Money
			band int
		}{{e.edge - 1, e.below, e.bBelow}, {e.edge, e.at, e.bAt}, {e.edge + 1, e.at, e.bAt}} {
			name, deals, want := spiffCase(v.acv, v.want, v.band)
			tests = append(tests, tc{name: name, deals: deals, only: []LineKind{LineSPIFF}, want: want})
		}
	}
	tests = append(tests,
		tc{name: "SPIFF bands compare net value: a 1% discount drops $100,000 into the lower band",
			deals: []Deal{with(deal(1, tandem.Major(100_000), goldReferral, pl), func(d *Deal) { d.DiscountBasisPoints = 100 })},
			only:  []LineKind{LineSPIFF}, want: []wantLine{{1, 1, LineSPIFF, tandem.Major(99_000), 0, 500_00, 0, "spiff.bands[0]"}}},
		tc{name: "SPIFF bands on list value when the plan says so",
			plan:  mustPlan(t, "basis: net", "basis: list"),
			deals: []Deal{with(deal(1, tandem.Major(100_000), goldReferral, pl), func(d *Deal) { d.DiscountBasisPoints = 100 })},
			only:  []LineKind{LineSPIFF}, want: []wantLine{{1, 1, LineSPIFF, tandem.Major(100_000), 0, 1_000_00, 0, "spiff.bands[1]"}}},
		tc{name: "no SPIFF for a partner-sourced deal", deals: []Deal{deal(1, tandem.Major(100_000), goldReferral, ps)}, only: []LineKind{LineSPIFF}},
		tc{name: "co-sell: full commission, SPIFF and the partner's full margin",
			deals: []Deal{deal(1, tandem.Major(100_000), goldCoSell, pl)},
			want: []wantLine{
				{1, 1, LineCommission, tandem.Major(100_000), 800, tandem.Major(8_000), tandem.Major(100_000), "ae.base_rate"},
				{1, 1, LineSPIFF, tandem.Major(100_000), 0, tandem.Major(1_000), 0, "spiff.bands[1]"},
				{goldCoSell, 1, LinePartnerMargin, tandem.Major(100_000), 1200, tandem.Major(12_000), 0, "partner.margins.gold.referral"},
			},
			explain: []string{"Base rate 8% of quota credit up to 100% attainment. A partner_led deal earns 100%", "band 1, net value (ACV less discount) from $100,000.00 (inclusive) up to $250,000.00 (exclusive), pays $1,000.00", "Gold referral margin: 12%"}},
	)
	// Each tier, resale and referral, on a $100,000 partner-sourced deal.
	for _, m := range []struct {
		partner int64
		rate    int
		rule    string
	}{
		{platinumReseller, 2500, "partner.margins.platinum.resale"}, {platinumReferral, 1500, "partner.margins.platinum.referral"},
		{goldReseller, 2000, "partner.margins.gold.resale"}, {goldReferral, 1200, "partner.margins.gold.referral"},
		{silverReseller, 1500, "partner.margins.silver.resale"}, {silverReferral, 1000, "partner.margins.silver.referral"},
		{registeredReseller, 1000, "partner.margins.registered.resale"}, {registeredReferral, 500, "partner.margins.registered.referral"},
	} {
		tests = append(tests, tc{name: "margin " + m.rule, deals: []Deal{deal(1, tandem.Major(100_000), m.partner, ps)},
			only: []LineKind{LinePartnerMargin, LineRegistrationBonus},
			want: []wantLine{{m.partner, 1, LinePartnerMargin, tandem.Major(100_000), m.rate, tandem.Major(100_000).MulRate(bigRat(int64(m.rate), 10000)), 0, m.rule}}})
	}
	tests = append(tests,
		tc{name: "registration bonus on top of the margin",
			deals: []Deal{with(deal(1, tandem.Major(100_000), goldReseller, ps), func(d *Deal) { d.Registered = true })},
			only:  []LineKind{LinePartnerMargin, LineRegistrationBonus},
			want: []wantLine{
				{goldReseller, 1, LinePartnerMargin, tandem.Major(100_000), 2000, tandem.Major(20_000), 0, "partner.margins.gold.resale"},
				{goldReseller, 1, LineRegistrationBonus, tandem.Major(100_000), 500, tandem.Major(5_000), 0, "partner.registration_bonus"},
			},
			explain: []string{"Gold resale margin", "Deal-registration bonus: 5%"}},
		tc{name: "split: partner share rounded half to even, the AE side the remainder, with the rationale",
			// net $100,000.05; the partner's 33.33 % is $33,330.01665 → $33,330.02; the AE gets $66,670.03.
			deals: []Deal{with(deal(1, 100_000_05, goldReseller, ps), func(d *Deal) {
				d.Split = &Split{ConflictID: 9, PartnerShareBasisPoints: 3333, Rationale: "the partner ran the evaluation"}
			})},
			want: []wantLine{
				{1, 1, LineCommission, 66_670_03, 800, 5_333_60, 66_670_03, "ae.base_rate"},
				{goldReseller, 1, LinePartnerMargin, 33_330_02, 2000, 6_666_00, 0, "partner.margins.gold.resale"},
			},
			explain: []string{"Split decided by conflict 9: the partner's share is 33.33% ($33,330.02), the AE's the rest, 66.67% ($66,670.03), of net $100,000.05. Rationale: the partner ran the evaluation.",
				"Split decided by conflict 9"}},
		tc{name: "forfeit: amount 0, what it would have paid explained, no quota credit",
			deals: []Deal{
				deal(1, tandem.Major(1_450_000), 0, di),
				with(deal(2, tandem.Major(100_000), goldReseller, pl), func(d *Deal) { d.Cannibalisation = true }),
				deal(3, tandem.Major(100_000), 0, di),
			},
			only: []LineKind{LineCommission, LineAccelerator, LineForfeit, LineSPIFF},
			want: []wantLine{
				{1, 1, LineCommission, tandem.Major(1_450_000), 800, tandem.Major(116_000), tandem.Major(1_450_000), "ae.base_rate"},
				{1, 2, LineForfeit, tandem.Major(100_000), 0, 0, 0, "ae.anti_cannibalisation"},
				// Deal 3 is paid as if deal 2 never counted: $50,000 at 8 %, $50,000 at 12 %.
				{1, 3, LineCommission, tandem.Major(50_000), 800, tandem.Major(4_000), tandem.Major(50_000), "ae.base_rate"},
				{1, 3, LineAccelerator, tandem.Major(50_000), 1200, tandem.Major(6_000), tandem.Major(50_000), "ae.accelerators[0]"},
			},
			explain: []string{"", "forfeits the commission of $10,000.00 and the co-sell SPIFF of $1,000.00 it would have paid, and its quota credit of $100,000.00 does not count"}},
		tc{name: "accelerator crossed mid-deal: paid at both rates, split exactly at the threshold",
			deals: []Deal{deal(1, tandem.Major(1_400_000), 0, di), deal(2, tandem.Major(200_000), 0, di)},
			want: []wantLine{
				{1, 1, LineCommission, tandem.Major(1_400_000), 800, tandem.Major(112_000), tandem.Major(1_400_000), "ae.base_rate"},
				{1, 2, LineCommission, tandem.Major(100_000), 800, tandem.Major(8_000), tandem.Major(100_000), "ae.base_rate"},
				{1, 2, LineAccelerator, tandem.Major(100_000), 1200, tandem.Major(12_000), tandem.Major(100_000), "ae.accelerators[0]"},
			},
			explain: []string{"", "crosses an accelerator threshold and is split exactly at it: $100,000.00 at 8%, $100,000.00 at 12%.", "Accelerator 1: 12% of quota credit from 100% to 150% attainment"}},
		tc{name: "one deal crossing two thresholds",
			deals: []Deal{deal(1, tandem.Major(1_000_000), 0, di), deal(2, tandem.Major(1_500_000), 0, di)},
			only:  []LineKind{LineCommission, LineAccelerator},
			want: []wantLine{
				{1, 1, LineCommission, tandem.Major(1_000_000), 800, tandem.Major(80_000), tandem.Major(1_000_000), "ae.base_rate"},
				{1, 2, LineCommission, tandem.Major(500_000), 800, tandem.Major(40_000), tandem.Major(500_000), "ae.base_rate"},
				{1, 2, LineAccelerator, tandem.Major(750_000), 1200, tandem.Major(90_000), tandem.Major(750_000), "ae.accelerators[0]"},
				{1, 2, LineAccelerator, tandem.Major(250_000), 1600, tandem.Major(40_000), tandem.Major(250_000), "ae.accelerators[1]"},
			},
			explain: []string{"", "$500,000.00 at 8%, $750,000.00 at 12%, $250,000.00 at 16%", "", "Accelerator 2: 16% of quota credit above 150% attainment"}},
		tc{name: "attainment follows close date, not opportunity id",
			deals: []Deal{
				with(deal(1, tandem.Major(100_000), 0, di), func(d *Deal) { d.ClosedOn = q3.Start.Add(48 * time.Hour) }),
				with(deal(2, tandem.Major(1_500_000), 0, di), func(d *Deal) { d.ClosedOn = q3.Start.Add(24 * time.Hour) }),
			},
			want: []wantLine{
				{1, 2, LineCommission, tandem.Major(1_500_000), 800, tandem.Major(120_000), tandem.Major(1_500_000), "ae.base_rate"},
				{1, 1, LineAccelerator, tandem.Major(100_000), 1200, tandem.Major(12_000), tandem.Major(100_000), "ae.accelerators[0]"},
			}},
		tc{name: "deals closing at the same time count in opportunity id order",
			deals: []Deal{
				with(deal(7, tandem.Major(100_000), 0, di), func(d *Deal) { d.ClosedOn = q3.Start }),
				with(deal(3, tandem.Major(1_450_000), 0, di), func(d *Deal) { d.ClosedOn = q3.Start }),
			},
			want: []wantLine{
				{1, 3, LineCommission, tandem.Major(1_450_000), 800, tandem.Major(116_000), tandem.Major(1_450_000), "ae.base_rate"},
				{1, 7, LineCommission, tandem.Major(50_000), 800, tandem.Major(4_000), tandem.Major(50_000), "ae.base_rate"},
				{1, 7, LineAccelerator, tandem.Major(50_000), 1200, tandem.Major(6_000), tandem.Major(50_000), "ae.accelerators[0]"},
			}},
		tc{name: "fx deal: EUR 10,000 less 10% at 1.08 is $9,720.00 net, rounded once",
			deals:   []Deal{with(deal(1, tandem.Major(10_000), 0, di), func(d *Deal) { d.Currency, d.DiscountBasisPoints = "EUR", 1000 })},
			want:    []wantLine{{1, 1, LineCommission, 9_720_00, 800, 777_60, 9_720_00, "ae.base_rate"}},
			explain: []string{"Converted from EUR: ACV €10,000.00 less 10% discount at 1.08 USD per EUR is $9,720.00 net."}},
		tc{name: "fx deal rounding: GBP 333.33 at 1.27 is $423.3291, paid on $423.33",
			deals: []Deal{with(deal(1, 333_33, platinumReseller, ps), func(d *Deal) { d.Currency = "GBP" })},
			want: []wantLine{
				{1, 1, LineCommission, 423_33, 800, 33_87, 423_33, "ae.base_rate"},                                   // 33.8664 → 33.87
				{platinumReseller, 1, LinePartnerMargin, 423_33, 2500, 105_83, 0, "partner.margins.platinum.resale"}, // 105.8325 → 105.83
			}},
		tc{name: "quota credit per attribution: a partner-influenced deal credited at 50%",
			plan:    mustPlan(t, `partner_influenced: "100%"`, `partner_influenced: "50%"`),
			deals:   []Deal{deal(1, tandem.Major(100_000), goldReferral, pi)},
			only:    []LineKind{LineCommission},
			want:    []wantLine{{1, 1, LineCommission, tandem.Major(50_000), 800, tandem.Major(4_000), tandem.Major(50_000), "ae.base_rate"}},
			explain: []string{"A partner_influenced deal earns 50% of its net value as quota credit."}},
		tc{name: "half to even: 5% of $0.10 is $0.005 → $0.00, of $0.30 is $0.015 → $0.02",
			plan:  mustPlan(t, `base_rate: "8%"`, `base_rate: "5%"`, `rate: "12%"`, `rate: "13%"`),
			deals: []Deal{deal(1, 10, 0, di), deal(2, 30, 0, di)},
			want:  []wantLine{{1, 1, LineCommission, 10, 500, 0, 10, "ae.base_rate"}, {1, 2, LineCommission, 30, 500, 2, 30, "ae.base_rate"}}},
		tc{name: "a zero-value deal still shows on the statement",
			deals: []Deal{deal(1, 0, 0, di)},
			want:  []wantLine{{1, 1, LineCommission, 0, 800, 0, 0, "ae.base_rate"}}},
	)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := calculate(t, orDefault(tt.plan), tt.deals...)
			got := linesOf(res, tt.only...)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("lines (-want +got):\n%s", diff)
			}
			if len(tt.explain) > 0 {
				var expl []string
				for _, sts := range [][]Statement{res.AEs, res.Partners} {
					for _, st := range sts {
						for _, l := range st.Lines {
							if len(tt.only) == 0 || contains(tt.only, l.Kind) {
								expl = append(expl, l.Explanation)
							}
						}
					}
				}
				for i, want := range tt.explain {
					if i >= len(expl) || !strings.Contains(expl[i], want) {
						t.Errorf("explanation %d does not contain %q:\n%s", i, want, strings.Join(expl, "\n"))
					}
				}
			}
		})
	}
}

func TestForfeitFlagsPerformanceReview(t *testing.T) {
	t.Parallel()
	res := calculate(t, Default(), deal(1, tandem.Major(100_000), 0, tandem.AttributionDirect),
		with(deal(2, tandem.Major(300_000), goldReseller, tandem.AttributionPartnerSourced), func(d *Deal) { d.Cannibalisation = true; d.Registered = true }))
	ae := res.AEs[0]
	if !ae.PerformanceReview || ae.Total != tandem.Major(8_000) || ae.Credit != tandem.Major(100_000) || ae.AttainmentBasisPoints != 667 {
		t.Errorf("AE statement: review %v total %s credit %s attainment %d; want true, 8000.00, 100000.00, 667",
			ae.PerformanceReview, ae.Total, ae.Credit, ae.AttainmentBasisPoints)
	}
	var partner Statement
	for _, st := range res.Partners {
		if st.PayeeID == goldReseller {
			partner = st
		}
	}
	if partner.Total != tandem.Major(75_000) { // 20 % + 5 % of $300,000: the partner is still paid
		t.Errorf("partner total %s, want 75000.00", partner.Total)
	}
}

func TestGrossProfit(t *testing.T) {
	t.Parallel()
	d := with(deal(1, tandem.Major(200_000), goldReseller, tandem.AttributionPartnerLed), func(d *Deal) {
		d.DiscountBasisPoints, d.COGSBasisPoints, d.Registered, d.TerritoryID = 1000, 1500, true, 5
	})
	res := calculate(t, Default(), d, deal(2, tandem.Major(50_000), 0, tandem.AttributionDirect))
	want := []DealProfit{
		// net 180,000; margin 20 % + bonus 5 % = 45,000; SPIFF 1,000; MDF 2 % = 3,600; COGS 15 % = 27,000.
		{OpportunityID: 1, ExternalID: "D-1", OwnerID: 1, TerritoryID: 5, PartnerID: goldReseller, Motion: tandem.MotionCoSell,
			ACV: tandem.Major(200_000), Discount: tandem.Major(20_000), PartnerMargin: tandem.Major(45_000), SPIFF: tandem.Major(1_000),
			MDF: tandem.Major(3_600), COGS: tandem.Major(27_000), GrossProfit: tandem.Major(103_400)},
		{OpportunityID: 2, ExternalID: "D-2", OwnerID: 1, Motion: tandem.MotionDirect, ACV: tandem.Major(50_000), GrossProfit: tandem.Major(50_000)},
	}
	if diff := cmp.Diff(want, res.Profit); diff != "" {
		t.Errorf("profit (-want +got):\n%s", diff)
	}
	for _, tc := range []struct {
		by   string
		keys []string
	}{{"owner", []string{"1"}}, {"territory", []string{"0", "5"}}, {"partner", []string{"0", "21"}}, {"motion", []string{"co_sell", "direct"}}} {
		rows, err := Rollup(res.Profit, tc.by)
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		var gp tandem.Money
		deals := 0
		for _, r := range rows {
			keys = append(keys, r.Key)
			gp += r.GrossProfit
			deals += r.Deals
		}
		if !cmp.Equal(keys, tc.keys) || gp != tandem.Major(153_400) || deals != 2 {
			t.Errorf("Rollup by %s: keys %v gross profit %s deals %d", tc.by, keys, gp, deals)
		}
	}
	if _, err := Rollup(res.Profit, "region"); tandem.ErrorCode(err) != tandem.EINVALID {
		t.Errorf("Rollup by region: %v, want EINVALID", err)
	}
}

func TestCalculateRejectsBadInput(t *testing.T) {
	t.Parallel()
	ok := deal(1, tandem.Major(1_000), goldReseller, tandem.AttributionPartnerSourced)
	tests := []struct {
		name string
		in   func(*Input)
		want string
	}{
		{"closed outside the period", func(in *Input) { in.Deals[0].ClosedOn = q3.End }, "deal 1 (D-1): closed on 2026-10-01, outside the period 2026-Q3"},
		{"unknown owner", func(in *Input) { in.Deals[0].OwnerID = 99 }, "owner_id: deal 1 (D-1): the owner 99 is not one of the period's AEs"},
		{"unknown partner", func(in *Input) { in.Deals[0].PartnerID = 99 }, "partner_id: deal 1 (D-1): the partner 99 is not one of the period's partners"},
		{"duplicate deal", func(in *Input) { in.Deals = append(in.Deals, in.Deals[0]) }, "the opportunity is in the input twice"},
		{"duplicate AE", func(in *Input) { in.AEs = append(in.AEs, in.AEs[0]) }, "AE 1 is listed twice"},
		{"currency without a rate", func(in *Input) { in.Deals[0].Currency = "JPY" }, "the plan has no fx rate for JPY"},
		{"bad split", func(in *Input) { in.Deals[0].Split = &Split{PartnerShareBasisPoints: 10000} }, "the partner share must be 1 to 9999 basis points"},
		{"split without partner", func(in *Input) {
			in.Deals[0].PartnerID, in.Deals[0].Attribution = 0, tandem.AttributionDirect
			in.Deals[0].Split = &Split{PartnerShareBasisPoints: 10}
		}, "a split needs a partner"},
		{"partner-led without partner", func(in *Input) { in.Deals[0].PartnerID = 0 }, "a partner_sourced deal needs a partner"},
		{"negative ACV", func(in *Input) { in.Deals[0].ACV = -1 }, "acv: deal 1 (D-1): cannot be negative"},
		{"discount over 100%", func(in *Input) { in.Deals[0].DiscountBasisPoints = 10001 }, "discount_basis_points"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := Input{Period: q3, AEs: []AE{{UserID: 1}}, Partners: testPartners(), Deals: []Deal{ok}}
			tt.in(&in)
			_, err := Calculate(Default(), in)
			if tandem.ErrorCode(err) != tandem.EINVALID || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want EINVALID containing %q", err, tt.want)
			}
		})
	}
}

func bigRat(a, b int64) *big.Rat { return big.NewRat(a, b) }
