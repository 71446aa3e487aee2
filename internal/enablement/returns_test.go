package enablement

import (
	"math"
	"math/big"
	"slices"
	"testing"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/portfolio"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

func TestMotionAndSegmentOfADeal(t *testing.T) {
	t.Parallel()
	cases := []struct {
		motion      tandem.Motion
		partnerType string
		acv         tandem.Money
		want, seg   string
	}{
		{tandem.MotionCoSell, "reseller", tandem.Major(100000), "co_sell", "enterprise"},
		{tandem.MotionPartnerLed, "reseller", tandem.Major(99999), "resell", "mid_market"},
		{tandem.MotionPartnerLed, "referral", tandem.Major(25000), "partner_sourced", "mid_market"},
		{tandem.MotionDirect, "", tandem.Major(24999), "direct", "smb"},
		{"", "", 0, "direct", "smb"},
	}
	for _, c := range cases {
		d := sqlstore.PortfolioDeal{Motion: c.motion, PartnerType: c.partnerType, ACV: c.acv}
		if got := MotionOf(d); got != c.want {
			t.Errorf("MotionOf(%s, %s) = %s, want %s", c.motion, c.partnerType, got, c.want)
		}
		if got := SegmentOf(c.acv); got != c.seg {
			t.Errorf("SegmentOf(%s) = %s, want %s", c.acv, got, c.seg)
		}
	}
}

// A worked example: co-sell spent 10,000 in March and its two won deals earned 25,000 + 5,000.01 of
// margin: ROMI = (30,000.01 − 10,000) ÷ 10,000 = 2.000001 exactly; one new customer, so CAC = 10,000.
func TestLedgerReturnsWorkedExample(t *testing.T) {
	t.Parallel()
	mar := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	l := &Ledger{
		Window: Window{From: portfolio.Month(2026*12 + 2), To: portfolio.Month(2026*12 + 2)},
		Spend: []sqlstore.SpendLine{
			{ID: 1, Month: "2026-03", Motion: "co_sell", Segment: "enterprise", Kind: "content", Amount: tandem.Major(6000)},
			{ID: 2, Month: "2026-03", Motion: "co_sell", Segment: "enterprise", Kind: "spiff", Amount: tandem.Major(4000)},
			{ID: 3, Month: "2026-03", Motion: "direct", Segment: "smb", Kind: "event", Amount: tandem.Major(1000)},
		},
		Deals: []DealReturn{
			{PortfolioDeal: sqlstore.PortfolioDeal{ID: 7, Won: true, FirstWin: true, CloseDate: mar}, LedgerMotion: "co_sell", Segment: "enterprise", Month: "2026-03", GrossMargin: tandem.Major(25000)},
			{PortfolioDeal: sqlstore.PortfolioDeal{ID: 8, Won: true, CloseDate: mar}, LedgerMotion: "co_sell", Segment: "enterprise", Month: "2026-03", GrossMargin: tandem.Major(5000) + 1},
			{PortfolioDeal: sqlstore.PortfolioDeal{ID: 9, Won: false, CloseDate: mar}, LedgerMotion: "co_sell", Segment: "enterprise", Month: "2026-03"},
		},
	}
	rows := l.Returns(portfolio.ByMonth, true)
	if len(rows) != 2 {
		t.Fatalf("rows = %+v", rows)
	}
	co := rows[0]
	if co.Motion != "co_sell" || co.Spend != tandem.Major(10000) || co.GrossMargin != tandem.Major(30000)+1 || co.Wins != 2 || co.Deals != 3 {
		t.Fatalf("co-sell row = %+v", co)
	}
	if co.ROMI.Cmp(big.NewRat(2000001, 1000000)) != 0 {
		t.Errorf("ROMI = %s, want 2.000001", co.ROMI.FloatString(6))
	}
	if !co.CACKnown || co.CAC != tandem.Major(10000) {
		t.Errorf("CAC = %s", co.CAC)
	}
	if !slices.Equal(co.SpendLines, []string{"s1", "s2"}) || !slices.Equal(co.DealLines, []string{"d7", "d8", "d9"}) {
		t.Errorf("drill-down = %v %v", co.SpendLines, co.DealLines)
	}
	if d := rows[1]; d.Motion != "direct" || d.ROMI.Cmp(big.NewRat(-1, 1)) != 0 {
		t.Errorf("direct row = %+v (ROMI %v)", d, d.ROMI)
	}
	tot := l.Totals()
	if len(tot) != 2 || tot[0].Spend != tandem.Major(10000) {
		t.Fatalf("totals = %+v", tot)
	}
	h, err := l.History()
	if err != nil {
		t.Fatal(err)
	}
	if got := len(h.Observations()); got != 2 {
		t.Fatalf("history has %d observations, want 2", got)
	}
}

// The recommendation from a ledger: two motions with known concave returns over 24 months; the budget
// moves toward the motion with the higher marginal return and sums to the budget exactly.
func TestLedgerRecommend(t *testing.T) {
	t.Parallel()
	l := &Ledger{Window: Window{From: portfolio.Month(2024 * 12), To: portfolio.Month(2024*12 + 23)}}
	id := int64(0)
	for m := l.Window.From; m <= l.Window.To; m++ {
		month := m.String()
		i := int(m - l.Window.From)
		for _, mo := range []struct {
			motion string
			scale  float64
		}{{"co_sell", 60000}, {"direct", 15000}} {
			spend := tandem.Major(int64(10000 + 2000*(i%5)))
			margin := tandem.Money(mo.scale * 100 * math.Log1p(float64(spend)/100/8000))
			id++
			l.Spend = append(l.Spend, sqlstore.SpendLine{ID: id, Month: month, Motion: mo.motion, Kind: "content", Amount: spend})
			l.Deals = append(l.Deals, DealReturn{PortfolioDeal: sqlstore.PortfolioDeal{ID: id, Won: true}, LedgerMotion: mo.motion, Month: month, GrossMargin: margin})
		}
	}
	rec, err := l.Recommend(RecommendOptions{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	var sum tandem.Money
	var co, direct portfolio.MotionPlan
	for _, p := range rec.Motions {
		sum += p.Recommended
		switch p.Motion {
		case "co_sell":
			co = p
		case "direct":
			direct = p
		}
	}
	if sum != rec.Limits.Budget || rec.Limits.Budget != co.Current+direct.Current {
		t.Fatalf("budget %s, split sums to %s", rec.Limits.Budget, sum)
	}
	if co.Recommended <= co.Current || direct.Recommended >= direct.Current {
		t.Fatalf("co-sell %s→%s, direct %s→%s: money should move to co-sell", co.Current, co.Recommended, direct.Current, direct.Recommended)
	}
	if rec.Total.ExpectedGain <= 0 || rec.Explanation == "" {
		t.Fatalf("gain %s, explanation %q", rec.Total.ExpectedGain, rec.Explanation)
	}
}

// The worked example with LTV and cycle time: the two won co-sell deals took 31 and 70 days (mean
// 50.5); with 3 of 4 earlier customers retained, LTV = (30,000.01 ÷ 2) ÷ (1 − 3/4) = 60,000.02 exactly,
// per quarter row and over the window.
func TestLedgerLTVAndCycleWorkedExample(t *testing.T) {
	t.Parallel()
	mar := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	l := &Ledger{
		Window:    Window{From: portfolio.Month(2026*12 + 2), To: portfolio.Month(2026*12 + 2)},
		Retention: big.NewRat(3, 4),
		Spend:     []sqlstore.SpendLine{{ID: 1, Month: "2026-03", Motion: "co_sell", Segment: "enterprise", Kind: "content", Amount: tandem.Major(10000)}},
		Deals: []DealReturn{
			{PortfolioDeal: sqlstore.PortfolioDeal{ID: 7, Won: true, FirstWin: true, CreatedOn: mar.AddDate(0, 0, -31), CloseDate: mar}, LedgerMotion: "co_sell", Segment: "enterprise", Month: "2026-03", GrossMargin: tandem.Major(25000)},
			{PortfolioDeal: sqlstore.PortfolioDeal{ID: 8, Won: true, CreatedOn: mar.AddDate(0, 0, -70), CloseDate: mar}, LedgerMotion: "co_sell", Segment: "enterprise", Month: "2026-03", GrossMargin: tandem.Major(5000) + 1},
			{PortfolioDeal: sqlstore.PortfolioDeal{ID: 9, Won: false, CreatedOn: mar.AddDate(-1, 0, 0), CloseDate: mar}, LedgerMotion: "co_sell", Segment: "enterprise", Month: "2026-03"},
		},
	}
	for _, by := range []portfolio.Granularity{portfolio.ByMonth, portfolio.ByQuarter} {
		lines := Lines(l.Returns(by, true))
		if len(lines) != 1 || lines[0].CycleDays != 50.5 || lines[0].LTV != tandem.Major(60000)+2 || lines[0].CAC != tandem.Major(10000) {
			t.Fatalf("by %v: %+v; want cycle 50.5, LTV 60,000.02, CAC 10,000", by, lines)
		}
	}
	tot := Lines(l.Totals())
	if len(tot) != 1 || tot[0].CycleDays != 50.5 || tot[0].LTV != tandem.Major(60000)+2 {
		t.Fatalf("totals = %+v", tot)
	}
	l.Retention = nil
	if lines := Lines(l.Returns(portfolio.ByMonth, false)); lines[0].LTV != 0 {
		t.Fatalf("LTV without a retention rate: %+v", lines[0])
	}
}
