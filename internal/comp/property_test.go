package comp

import (
	"bytes"
	"fmt"
	"math/big"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	tandem "github.com/tandem-revops/tandem"
)

// The property tests generate random plans and periods and check the engine against an oracle written
// independently here: exact big.Rat arithmetic, its own half-even rounding, and the plan's rules
// restated as intervals rather than the engine's threshold walk.

// ratHalfEven rounds r to the nearest integer, ties to even.
func ratHalfEven(r *big.Rat) int64 {
	fl := new(big.Int).Div(r.Num(), r.Denom()) // Euclidean: floor for a positive denominator
	frac := new(big.Rat).Sub(r, new(big.Rat).SetInt(fl))
	switch frac.Cmp(big.NewRat(1, 2)) {
	case 1:
		fl.Add(fl, big.NewInt(1))
	case 0:
		if fl.Bit(0) == 1 {
			fl.Add(fl, big.NewInt(1))
		}
	}
	return fl.Int64()
}

func rbp(n int64, bp int) *big.Rat {
	return new(big.Rat).Mul(big.NewRat(n, 1), big.NewRat(int64(bp), 10000))
}

// randomPlan writes a random, Check-clean plan file. fullCredit keeps every quota credit at 100 %.
func randomPlan(r *rand.Rand, fullCredit bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "name: Random\nversion: \"r%d\"\neffective_from: 2026-01-01\nfx: {EUR: \"%d.%04d\", GBP: \"1.27\"}\n", r.IntN(1000), 1, r.IntN(10000))
	base := 1 + r.IntN(2000)
	fmt.Fprintf(&b, "ae:\n  quota: \"%d.%02d\"\n  base_rate: \"%s\"\n", 100_000+r.IntN(2_000_000), r.IntN(100), pctString(base))
	if n := r.IntN(4); n > 0 {
		b.WriteString("  accelerators:\n")
		above, rate := 5000+r.IntN(7000), base
		for range n {
			rate += 1 + r.IntN(800)
			fmt.Fprintf(&b, "    - {above: \"%s\", rate: \"%s\"}\n", pctString(above), pctString(rate))
			above += 1 + r.IntN(6000)
		}
	}
	if !fullCredit {
		b.WriteString("  quota_credit:\n")
		for _, a := range tandem.Attributions {
			fmt.Fprintf(&b, "    %s: \"%s\"\n", a, pctString(r.IntN(10001)))
		}
	}
	basis := []string{"net", "list"}[r.IntN(2)]
	fmt.Fprintf(&b, "spiff:\n  basis: %s\n  bands:\n", basis)
	from := r.IntN(50_000)
	n := 1 + r.IntN(4)
	for i := range n {
		amount := 500 + r.IntN(1501)
		if i == n-1 && r.IntN(2) == 0 {
			fmt.Fprintf(&b, "    - {from: \"%d\", amount: \"%d\"}\n", from, amount)
			break
		}
		to := from + 1 + r.IntN(300_000)
		fmt.Fprintf(&b, "    - {from: \"%d\", to: \"%d\", amount: \"%d\"}\n", from, to, amount)
		from = to
	}
	b.WriteString("partner:\n  margins:\n")
	for _, tier := range tandem.Tiers {
		fmt.Fprintf(&b, "    %s: {resale: \"%s\", referral: \"%s\"}\n", tier, pctString(r.IntN(4000)), pctString(r.IntN(3000)))
	}
	fmt.Fprintf(&b, "  registration_bonus: \"%s\"\n  mdf: \"%s\"\n", pctString(r.IntN(1000)), pctString(r.IntN(500)))
	return b.String()
}

func pctString(bp int) string { return fmt.Sprintf("%d.%02d%%", bp/100, bp%100) }

// randomInput returns a random period's input: n deals, some sharing close times, in random order.
func randomInput(r *rand.Rand, n int) Input {
	in := Input{Period: q3}
	for i := range 1 + r.IntN(5) {
		ae := AE{UserID: int64(100 + i*7), Name: fmt.Sprintf("AE %d", i)}
		if r.IntN(2) == 0 {
			ae.Quota = tandem.Money(1 + r.Int64N(300_000_000))
		}
		in.AEs = append(in.AEs, ae)
	}
	for i := range 1 + r.IntN(6) {
		in.Partners = append(in.Partners, Partner{ID: int64(500 + i*3), Name: fmt.Sprintf("=P%d", i),
			Tier: tandem.Tiers[r.IntN(4)], Type: tandem.PartnerTypes[r.IntN(3)]})
	}
	times := []time.Time{q3.Start, q3.Start.Add(time.Hour), q3.End.Add(-time.Nanosecond)}
	for i := range n {
		d := Deal{OpportunityID: int64(1 + r.IntN(1_000_000_000)), ExternalID: fmt.Sprintf("D-%d", i), Currency: []string{"USD", "", "EUR", "GBP"}[r.IntN(4)],
			ACV: tandem.Money(r.Int64N(200_000_000)), DiscountBasisPoints: r.IntN(5001), COGSBasisPoints: r.IntN(4001),
			Motion: tandem.Motions[r.IntN(3)], TerritoryID: int64(r.IntN(4)), Attribution: tandem.AttributionDirect}
		if r.IntN(3) == 0 {
			d.ClosedOn = times[r.IntN(len(times))]
		} else {
			d.ClosedOn = q3.Start.Add(time.Duration(r.Int64N(int64(q3.End.Sub(q3.Start)))))
		}
		if r.IntN(8) > 0 {
			d.OwnerID = in.AEs[r.IntN(len(in.AEs))].UserID
		}
		if r.IntN(3) > 0 {
			d.PartnerID = in.Partners[r.IntN(len(in.Partners))].ID
			d.Attribution = tandem.Attributions[r.IntN(4)]
			d.Registered = r.IntN(2) == 0
			if r.IntN(5) == 0 {
				d.Split = &Split{ConflictID: int64(i), PartnerShareBasisPoints: 1 + r.IntN(9999), Rationale: "decided"}
			}
		}
		d.Cannibalisation = r.IntN(10) == 0
		in.Deals = append(in.Deals, d)
	}
	// Opportunity ids must be unique.
	seen := map[int64]bool{}
	for i := range in.Deals {
		for seen[in.Deals[i].OpportunityID] {
			in.Deals[i].OpportunityID++
		}
		seen[in.Deals[i].OpportunityID] = true
	}
	return in
}

// oracleLine is what the oracle expects of one line.
type oracleLine struct {
	kind          LineKind
	basis, amount int64
	rate          int
}

// oracle computes every statement line and each deal's gross profit from the plan's rules.
type oracle struct {
	lines  map[[3]int64][]oracleLine // {payee kind (0 AE, 1 partner), payee, deal}
	profit map[int64]DealProfit
	net    map[int64]int64 // per deal, net value in the plan currency
	aeSide map[int64]int64 // per deal, the AE side's basis (net less the partner's split share)
}

func runOracle(p *Plan, in Input) *oracle {
	o := &oracle{lines: map[[3]int64][]oracleLine{}, profit: map[int64]DealProfit{}, net: map[int64]int64{}, aeSide: map[int64]int64{}}
	deals := slices.Clone(in.Deals)
	slices.SortFunc(deals, func(a, b Deal) int {
		if c := a.ClosedOn.Compare(b.ClosedOn); c != 0 {
			return c
		}
		return int(a.OpportunityID - b.OpportunityID)
	})
	quota := map[int64]int64{}
	for _, ae := range in.AEs {
		quota[ae.UserID] = int64(ae.Quota)
		if ae.Quota == 0 {
			quota[ae.UserID] = int64(p.ae.Quota)
		}
	}
	partners := map[int64]Partner{}
	for _, pt := range in.Partners {
		partners[pt.ID] = pt
	}
	attained := map[int64]int64{}
	for _, d := range deals {
		fx, _ := p.FXRate(d.Currency)
		listR := new(big.Rat).Mul(big.NewRat(int64(d.ACV), 1), fx)
		netR := new(big.Rat).Mul(listR, big.NewRat(int64(10000-d.DiscountBasisPoints), 10000))
		list, net := ratHalfEven(listR), ratHalfEven(netR)
		o.net[d.OpportunityID] = net
		ptShare := net
		if d.Split != nil {
			ptShare = ratHalfEven(rbp(net, d.Split.PartnerShareBasisPoints))
		}
		aeShare := net
		if d.Split != nil {
			aeShare = net - ptShare
		}
		o.aeSide[d.OpportunityID] = aeShare
		pr := DealProfit{ACV: tandem.Money(list), Discount: tandem.Money(list - net), COGS: tandem.Money(ratHalfEven(rbp(net, d.COGSBasisPoints)))}
		if d.OwnerID != 0 {
			key := [3]int64{0, d.OwnerID, d.OpportunityID}
			credit := ratHalfEven(rbp(aeShare, p.ae.QuotaCreditBasisPoints[slices.Index(tandem.Attributions, d.Attribution)]))
			// Bands as intervals of attainment in cents: [0, T0) base, [Tk-1, Tk) accelerator k, [Tlast, ∞).
			var edges []int64
			rates := []int{p.ae.BaseRateBasisPoints}
			for _, a := range p.ae.Accelerators {
				edges = append(edges, ratHalfEven(rbp(quota[d.OwnerID], a.AboveBasisPoints)))
				rates = append(rates, a.RateBasisPoints)
			}
			lo, hi := attained[d.OwnerID], attained[d.OwnerID]+credit
			var lines []oracleLine
			var would int64
			for k := range rates {
				bLo, bHi := int64(0), int64(1<<62)
				if k > 0 {
					bLo = edges[k-1]
				}
				if k < len(edges) {
					bHi = edges[k]
				}
				overlap := min(hi, bHi) - max(lo, bLo)
				if overlap > 0 || (credit == 0 && lo >= bLo && lo < bHi) {
					overlap = max(overlap, 0)
					kind := LineCommission
					if k > 0 {
						kind = LineAccelerator
					}
					amt := ratHalfEven(rbp(overlap, rates[k]))
					lines = append(lines, oracleLine{kind, overlap, amt, rates[k]})
					would += amt
				}
			}
			var spiff int64
			if d.Attribution == tandem.AttributionPartnerLed {
				v := net
				if p.spiff.Basis == "list" {
					v = list
				}
				for _, b := range p.spiff.Bands {
					if int64(b.From) <= v && (b.To == 0 || v < int64(b.To)) {
						spiff = int64(b.Amount)
						lines = append(lines, oracleLine{LineSPIFF, v, spiff, 0})
						break
					}
				}
			}
			if d.Cannibalisation {
				lines = []oracleLine{{LineForfeit, credit, 0, 0}}
				spiff = 0
			} else {
				attained[d.OwnerID] = hi
			}
			o.lines[key] = lines
			pr.SPIFF = tandem.Money(spiff)
		}
		if d.PartnerID != 0 {
			pt := partners[d.PartnerID]
			m := p.partner.Margins[pt.Tier]
			rate, bonus := m.ReferralBasisPoints, p.partner.RegistrationBonusBasisPoints
			if pt.Type == tandem.PartnerReseller {
				rate = m.ResaleBasisPoints
			}
			margin := ratHalfEven(rbp(ptShare, rate))
			lines := []oracleLine{{LinePartnerMargin, ptShare, margin, rate}}
			if d.Registered && bonus > 0 {
				b := ratHalfEven(rbp(ptShare, bonus))
				lines = append(lines, oracleLine{LineRegistrationBonus, ptShare, b, bonus})
				margin += b
			}
			o.lines[[3]int64{1, d.PartnerID, d.OpportunityID}] = lines
			pr.PartnerMargin = tandem.Money(margin)
			pr.MDF = tandem.Money(ratHalfEven(rbp(net, p.partner.MDFBasisPoints)))
		}
		pr.GrossProfit = pr.ACV - pr.Discount - pr.PartnerMargin - pr.SPIFF - pr.MDF - pr.COGS
		o.profit[d.OpportunityID] = pr
	}
	return o
}

func TestPropertiesAgainstOracle(t *testing.T) {
	t.Parallel()
	const cases = 3000
	r := rand.New(rand.NewPCG(20260701, 4))
	lines := 0
	for c := range cases {
		src := randomPlan(r, c%2 == 0)
		p, err := Parse("random.yaml", []byte(src))
		if err != nil {
			t.Fatalf("case %d: %v\n%s", c, err, src)
		}
		for _, f := range Check(p) {
			if f.Severity == SeverityError {
				t.Fatalf("case %d: the random plan has an error: %v\n%s", c, f, src)
			}
		}
		in := randomInput(r, r.IntN(80))
		res, err := Calculate(p, in)
		if err != nil {
			t.Fatalf("case %d: %v", c, err)
		}
		o := runOracle(p, in)
		fail := func(format string, args ...any) {
			t.Helper()
			t.Fatalf("case %d: "+format+"\nplan:\n%s", append([]any{c}, append(args, src)...)...)
		}
		// Statement totals and credit are the exact sums of their lines; every line is the oracle's.
		got := map[[3]int64][]oracleLine{}
		aeSide := map[int64]int64{}
		ptSide := map[int64]int64{}
		for kind, sts := range [][]Statement{res.AEs, res.Partners} {
			for _, st := range sts {
				var total, credit tandem.Money
				for _, l := range st.Lines {
					total += l.Amount
					credit += l.QuotaCredit
					key := [3]int64{int64(kind), st.PayeeID, l.OpportunityID}
					got[key] = append(got[key], oracleLine{l.Kind, int64(l.Basis), int64(l.Amount), l.RateBasisPoints})
					switch l.Kind {
					case LineCommission, LineAccelerator:
						aeSide[l.OpportunityID] += int64(l.QuotaCredit)
					case LineForfeit:
						aeSide[l.OpportunityID] += int64(l.Basis)
					case LinePartnerMargin:
						ptSide[l.OpportunityID] += int64(l.Basis)
					}
					lines++
				}
				if total != st.Total || credit != st.Credit {
					fail("statement %s %d: total %s credit %s; lines sum to %s and %s", st.PayeeKind, st.PayeeID, st.Total, st.Credit, total, credit)
				}
			}
		}
		if len(got) != len(o.lines) {
			fail("%d payee-deal pairs, oracle %d", len(got), len(o.lines))
		}
		for k, want := range o.lines {
			if !slices.Equal(got[k], want) {
				fail("payee %d deal %d: lines %+v, oracle %+v", k[1], k[2], got[k], want)
			}
		}
		// Credit is conserved: the AE side and the partner side of a split sum to the whole deal.
		for _, d := range in.Deals {
			id := d.OpportunityID
			if d.Split != nil && ptSide[id]+o.aeSide[id] != o.net[id] {
				fail("deal %d: split shares %d + %d != net %d", id, ptSide[id], o.aeSide[id], o.net[id])
			}
			if c%2 == 0 && d.OwnerID != 0 && d.PartnerID != 0 {
				want := o.net[id]
				if d.Split != nil {
					want -= ptSide[id]
				}
				if aeSide[id] != want {
					fail("deal %d: AE credit %d, want %d (the whole net %d less the partner's share)", id, aeSide[id], want, o.net[id])
				}
			}
		}
		if len(res.Profit) != len(in.Deals) {
			fail("%d profit rows for %d deals", len(res.Profit), len(in.Deals))
		}
		for i, pr := range res.Profit {
			if i > 0 && res.Profit[i-1].OpportunityID >= pr.OpportunityID {
				fail("profit not ordered by opportunity id")
			}
			want := o.profit[pr.OpportunityID]
			if pr.ACV != want.ACV || pr.Discount != want.Discount || pr.PartnerMargin != want.PartnerMargin || pr.SPIFF != want.SPIFF ||
				pr.MDF != want.MDF || pr.COGS != want.COGS || pr.GrossProfit != want.GrossProfit {
				fail("deal %d profit %+v, oracle %+v", pr.OpportunityID, pr, want)
			}
		}
		// Order independence: the same input shuffled gives identical bytes.
		if c%10 == 0 {
			want, _ := MarshalResult(res)
			shuffled := Input{Period: in.Period, AEs: slices.Clone(in.AEs), Partners: slices.Clone(in.Partners), Deals: slices.Clone(in.Deals)}
			r.Shuffle(len(shuffled.Deals), func(i, j int) { shuffled.Deals[i], shuffled.Deals[j] = shuffled.Deals[j], shuffled.Deals[i] })
			r.Shuffle(len(shuffled.AEs), func(i, j int) { shuffled.AEs[i], shuffled.AEs[j] = shuffled.AEs[j], shuffled.AEs[i] })
			r.Shuffle(len(shuffled.Partners), func(i, j int) {
				shuffled.Partners[i], shuffled.Partners[j] = shuffled.Partners[j], shuffled.Partners[i]
			})
			res2, err := Calculate(p, shuffled)
			if err != nil {
				t.Fatal(err)
			}
			if b, _ := MarshalResult(res2); !bytes.Equal(b, want) {
				fail("shuffling the input changed the output")
			}
		}
	}
	t.Logf("%d random periods, %d lines checked against the oracle", cases, lines)
}

func TestSplitSharesSumToTheWhole(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(7, 7))
	for range 100_000 {
		net := tandem.Money(r.Int64N(1 << 40))
		share := 1 + r.IntN(9999)
		partner := mulBP(net, share)
		exact := rbp(int64(net), share)
		if want := ratHalfEven(exact); int64(partner) != want {
			t.Fatalf("partner share of %d at %d bp = %d, oracle %d", net, share, partner, want)
		}
		if ae := net - partner; ae+partner != net || ae < 0 {
			t.Fatalf("split of %d: %d + %d", net, partner, ae)
		}
	}
	if got := mulBP(1, 5000); got != 0 {
		t.Errorf("half a cent rounds to even 0, got %d", got)
	}
	if got := mulBP(3, 5000); got != 2 {
		t.Errorf("1.5 cents rounds to even 2, got %d", got)
	}
	if got := mulBP(-3, 5000); got != -2 {
		t.Errorf("-1.5 cents rounds to even -2, got %d", got)
	}
	big := tandem.Money(1 << 61)
	if got, want := mulBP(big, 3333), ratHalfEven(rbp(int64(big), 3333)); int64(got) != want {
		t.Errorf("mulBP beyond 64-bit products = %d, want %d", got, want)
	}
}
