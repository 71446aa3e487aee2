package comp

import (
	"cmp"
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"slices"
	"strings"

	tandem "github.com/tandem-revops/tandem"
)

// Rule names written on statement lines: each line says which part of the plan paid it.
const (
	ruleBaseRate          = "ae.base_rate"
	ruleForfeit           = "ae.anti_cannibalisation"
	ruleRegistrationBonus = "partner.registration_bonus"
	ruleAdjustment        = "adjustment"
)

// Calculate computes one period's statements and gross profit under the plan. The input's deals must
// all have closed in in.Period (a period with only an ID gets its bounds from ParsePeriod); every
// deal's owner must be one of in.AEs and its partner one of in.Partners. Calculate is deterministic:
// it sorts everything, so the same input in any order gives the same result, byte for byte once
// marshalled. It returns an EINVALID error naming the deal and field for bad input.
func Calculate(p *Plan, in Input) (*Result, error) {
	period := in.Period
	if period.Start.IsZero() && period.ID != "" {
		pp, err := ParsePeriod(period.ID)
		if err != nil {
			return nil, err
		}
		period = pp
	}
	if !period.End.After(period.Start) {
		return nil, tandem.FieldError("period", "the period %q has no length", period.ID)
	}
	c := &calc{plan: p, period: period, fx: make(map[string]*big.Rat)}
	for _, code := range p.FXCodes() {
		c.fx[code], _ = p.FXRate(code) // copied once per calculation, not once per converted deal
	}
	if err := c.indexPayees(in); err != nil {
		return nil, err
	}
	if err := c.prepare(in.Deals); err != nil {
		return nil, err
	}
	c.explanations()
	if err := c.run(in.Deals); err != nil {
		return nil, err
	}
	return c.result()
}

// calc is one calculation's working state.
type calc struct {
	plan   *Plan
	period Period
	fx     map[string]*big.Rat // the plan's rates by upper-case currency, read-only

	aes      []AE      // sorted by UserID
	partners []Partner // sorted by ID
	aeState  []aeState
	ptLines  [][]Line // per partner, pre-sized

	dealAE      []int32 // per input deal: index into aes, -1 for none
	dealPartner []int32 // per input deal: index into partners, -1 for none
	order       []int32 // input deal indexes by close date, then opportunity id
	profitPos   []int32 // per input deal: its position in Result.Profit (by opportunity id)
	profit      []DealProfit

	// Explanations shared by every line they fit, built once per calculation; lines that need numbers
	// of their own (splits, conversions, crossings, forfeits) get an explanation of their own.
	bandExpl   [][4]string // [band][attribution]: commission or accelerator
	bandRule   []string    // per band: the rule name
	spiffExpl  []string    // per SPIFF band
	spiffRule  []string
	marginExp  map[marginKey]string
	marginRule map[marginKey]string
	bonusExpl  string
	scratch    []piece
}

type aeState struct {
	quota      tandem.Money
	thresholds []tandem.Money // the accelerators' thresholds as amounts of this AE's quota
	cum        tandem.Money   // quota credit so far, in deal order
	review     bool
	lines      []Line
}

type marginKey struct {
	tier   tandem.Tier
	resale bool
}

func (c *calc) indexPayees(in Input) error {
	c.aes = slices.Clone(in.AEs)
	slices.SortFunc(c.aes, func(a, b AE) int { return cmp.Compare(a.UserID, b.UserID) })
	for i := 1; i < len(c.aes); i++ {
		if c.aes[i].UserID == c.aes[i-1].UserID {
			return tandem.FieldError("aes", "AE %d is listed twice", c.aes[i].UserID)
		}
	}
	c.partners = slices.Clone(in.Partners)
	slices.SortFunc(c.partners, func(a, b Partner) int { return cmp.Compare(a.ID, b.ID) })
	for i := 1; i < len(c.partners); i++ {
		if c.partners[i].ID == c.partners[i-1].ID {
			return tandem.FieldError("partners", "partner %d is listed twice", c.partners[i].ID)
		}
	}
	for _, pt := range c.partners {
		if !pt.Tier.Valid() {
			return tandem.FieldError("partners", "partner %d: %q is not a tier", pt.ID, pt.Tier)
		}
	}
	c.aeState = make([]aeState, len(c.aes))
	for i, ae := range c.aes {
		if ae.Quota < 0 {
			return tandem.FieldError("aes", "AE %d: the quota cannot be negative", ae.UserID)
		}
		st := &c.aeState[i]
		st.quota = ae.Quota
		if st.quota == 0 {
			st.quota = c.plan.ae.Quota
		}
		st.thresholds = make([]tandem.Money, len(c.plan.ae.Accelerators))
		for k, a := range c.plan.ae.Accelerators {
			st.thresholds[k] = mulBP(st.quota, a.AboveBasisPoints)
		}
	}
	return nil
}

type dealKey struct {
	sec  int64
	nsec int32
	idx  int32
	id   int64
}

// prepare validates the deals, resolves their payees, orders them and sizes every statement.
func (c *calc) prepare(deals []Deal) error {
	n := len(deals)
	if n > 1<<31-1 {
		return tandem.FieldError("deals", "too many deals (%d)", n)
	}
	c.dealAE = make([]int32, n)
	c.dealPartner = make([]int32, n)
	aeCount := make([]int, len(c.aes))
	ptCount := make([]int, len(c.partners))
	keys := make([]dealKey, n)
	bonus := c.plan.partner.RegistrationBonusBasisPoints > 0
	for i := range deals {
		d := &deals[i]
		if err := c.validate(d); err != nil {
			return err
		}
		c.dealAE[i], c.dealPartner[i] = -1, -1
		if d.OwnerID != 0 {
			ai, ok := slices.BinarySearchFunc(c.aes, d.OwnerID, func(a AE, id int64) int { return cmp.Compare(a.UserID, id) })
			if !ok {
				return dealError(d, "owner_id", "the owner %d is not one of the period's AEs", d.OwnerID)
			}
			c.dealAE[i] = int32(ai)
			aeCount[ai]++
			if d.Attribution == tandem.AttributionPartnerLed {
				aeCount[ai]++ // room for a SPIFF line
			}
		}
		if d.PartnerID != 0 {
			pi, ok := slices.BinarySearchFunc(c.partners, d.PartnerID, func(p Partner, id int64) int { return cmp.Compare(p.ID, id) })
			if !ok {
				return dealError(d, "partner_id", "the partner %d is not one of the period's partners", d.PartnerID)
			}
			c.dealPartner[i] = int32(pi)
			ptCount[pi]++
			if d.Registered && bonus {
				ptCount[pi]++
			}
		}
		keys[i] = dealKey{sec: d.ClosedOn.Unix(), nsec: int32(d.ClosedOn.Nanosecond()), idx: int32(i), id: d.OpportunityID}
	}

	// Result.Profit is ordered by opportunity id; duplicates show up as neighbours.
	slices.SortFunc(keys, func(a, b dealKey) int { return cmp.Compare(a.id, b.id) })
	c.profitPos = make([]int32, n)
	for i, k := range keys {
		if i > 0 && keys[i-1].id == k.id {
			return dealError(&deals[k.idx], "opportunity_id", "the opportunity is in the input twice")
		}
		c.profitPos[k.idx] = int32(i)
	}
	slices.SortFunc(keys, func(a, b dealKey) int {
		if a.sec != b.sec {
			return cmp.Compare(a.sec, b.sec)
		}
		if a.nsec != b.nsec {
			return cmp.Compare(a.nsec, b.nsec)
		}
		return cmp.Compare(a.id, b.id)
	})
	c.order = make([]int32, n)
	for i, k := range keys {
		c.order[i] = k.idx
	}

	// One backing array per side, cut into exactly sized statements: a deal adds at most one line per
	// accelerator threshold it crosses, and an AE crosses each threshold once.
	total := 0
	for i := range aeCount {
		total += aeCount[i] + len(c.plan.ae.Accelerators)
	}
	backing := make([]Line, total)
	off := 0
	for i := range c.aeState {
		size := aeCount[i] + len(c.plan.ae.Accelerators)
		c.aeState[i].lines = backing[off : off : off+size]
		off += size
	}
	total = 0
	for _, k := range ptCount {
		total += k
	}
	backing = make([]Line, total)
	c.ptLines = make([][]Line, len(c.partners))
	off = 0
	for i, k := range ptCount {
		c.ptLines[i] = backing[off : off : off+k]
		off += k
	}
	c.profit = make([]DealProfit, n)
	return nil
}

func dealError(d *Deal, field, format string, args ...any) error {
	return tandem.FieldError(field, "deal %d (%s): %s", d.OpportunityID, d.ExternalID, fmt.Sprintf(format, args...))
}

func (c *calc) validate(d *Deal) error {
	switch {
	case !c.period.Contains(d.ClosedOn):
		return dealError(d, "closed_on", "closed on %s, outside the period %s", d.ClosedOn.Format("2006-01-02"), c.period.ID)
	case d.ACV < 0:
		return dealError(d, "acv", "cannot be negative")
	case d.DiscountBasisPoints < 0 || d.DiscountBasisPoints > 10000:
		return dealError(d, "discount_basis_points", "must be between 0 and 10000")
	case d.COGSBasisPoints < 0 || d.COGSBasisPoints > 10000:
		return dealError(d, "cogs_basis_points", "must be between 0 and 10000")
	case d.Attribution == "" && d.PartnerID != 0:
		return dealError(d, "attribution", "a deal with a partner needs an attribution category")
	case d.Attribution != "" && !d.Attribution.Valid():
		return dealError(d, "attribution", "%q is not an attribution category", d.Attribution)
	case d.Attribution != "" && d.Attribution != tandem.AttributionDirect && d.PartnerID == 0:
		return dealError(d, "attribution", "a %s deal needs a partner", d.Attribution)
	case d.Split != nil && d.PartnerID == 0:
		return dealError(d, "split", "a split needs a partner on the deal")
	case d.Split != nil && (d.Split.PartnerShareBasisPoints < 1 || d.Split.PartnerShareBasisPoints > 9999):
		return dealError(d, "split", "the partner share must be 1 to 9999 basis points, not %d", d.Split.PartnerShareBasisPoints)
	}
	if !c.plan.HasFX(d.Currency) {
		return dealError(d, "currency", "the plan has no fx rate for %s", d.Currency)
	}
	return nil
}

// attributionIndex returns the position of a in tandem.Attributions; "" counts as direct.
func attributionIndex(a tandem.Attribution) int { return max(0, slices.Index(tandem.Attributions, a)) }

// explanations builds the explanations many lines share.
func (c *calc) explanations() {
	p := c.plan
	cur := p.Currency()
	rates := append([]int{p.ae.BaseRateBasisPoints}, make([]int, len(p.ae.Accelerators))...)
	for k, a := range p.ae.Accelerators {
		rates[k+1] = a.RateBasisPoints
	}
	c.bandExpl = make([][4]string, len(rates))
	c.bandRule = make([]string, len(rates))
	for b := range rates {
		c.bandRule[b] = ruleBaseRate
		if b > 0 {
			c.bandRule[b] = fmt.Sprintf("ae.accelerators[%d]", b-1)
		}
		var what string
		switch {
		case b == 0 && len(p.ae.Accelerators) == 0:
			what = fmt.Sprintf("Base rate %s of quota credit.", pct(rates[0]))
		case b == 0:
			what = fmt.Sprintf("Base rate %s of quota credit up to %s attainment.", pct(rates[0]), pct(p.ae.Accelerators[0].AboveBasisPoints))
		case b == len(rates)-1:
			what = fmt.Sprintf("Accelerator %d: %s of quota credit above %s attainment.", b, pct(rates[b]), pct(p.ae.Accelerators[b-1].AboveBasisPoints))
		default:
			what = fmt.Sprintf("Accelerator %d: %s of quota credit from %s to %s attainment.", b, pct(rates[b]),
				pct(p.ae.Accelerators[b-1].AboveBasisPoints), pct(p.ae.Accelerators[b].AboveBasisPoints))
		}
		for a, at := range tandem.Attributions {
			c.bandExpl[b][a] = fmt.Sprintf("%s A %s deal earns %s of its net value as quota credit.", what, at, pct(p.ae.QuotaCreditBasisPoints[a]))
		}
	}
	basis := "net value (ACV less discount)"
	if p.spiff.Basis == "list" {
		basis = "list ACV"
	}
	c.spiffExpl = make([]string, len(p.spiff.Bands))
	c.spiffRule = make([]string, len(p.spiff.Bands))
	for i, b := range p.spiff.Bands {
		c.spiffRule[i] = fmt.Sprintf("spiff.bands[%d]", i)
		upper := "and above"
		if b.To != 0 {
			upper = "up to " + b.To.Format(cur) + " (exclusive)"
		}
		c.spiffExpl[i] = fmt.Sprintf("Co-sell SPIFF for supporting a partner-led deal: band %d, %s from %s (inclusive) %s, pays %s.",
			i, basis, b.From.Format(cur), upper, b.Amount.Format(cur))
	}
	c.marginExp, c.marginRule = map[marginKey]string{}, map[marginKey]string{}
	for _, tier := range tandem.Tiers {
		m, ok := p.partner.Margins[tier]
		if !ok {
			m = Margin{-1, -1}
		}
		for _, resale := range []bool{true, false} {
			kind, bp := "referral", m.ReferralBasisPoints
			if resale {
				kind, bp = "resale", m.ResaleBasisPoints
			}
			c.marginRule[marginKey{tier, resale}] = "partner.margins." + string(tier) + "." + kind
			if bp < 0 {
				c.marginExp[marginKey{tier, resale}] = fmt.Sprintf("The plan sets no %s margin for the %s tier, so nothing is paid (tandem comp check reports this).", kind, tier)
				continue
			}
			c.marginExp[marginKey{tier, resale}] = fmt.Sprintf("%s %s margin: %s of the deal's net value.", upperFirst(string(tier)), kind, pct(bp))
		}
	}
	c.bonusExpl = fmt.Sprintf("Deal-registration bonus: %s of the deal's net value, because an approved registration of the partner covers the deal.",
		pct(p.partner.RegistrationBonusBasisPoints))
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// values returns the deal's list and net value in the plan currency, each rounded once, half to
// even, and for a deal in another currency a note saying how it was converted.
func (c *calc) values(d *Deal) (list, net tandem.Money, note string) {
	cur := d.Currency
	if cur == "" || cur == c.plan.Currency() {
		return d.ACV, mulBP(d.ACV, 10000-d.DiscountBasisPoints), ""
	}
	cur = strings.ToUpper(cur)
	if cur == c.plan.Currency() {
		return d.ACV, mulBP(d.ACV, 10000-d.DiscountBasisPoints), ""
	}
	fx := c.fx[cur]
	var ok bool
	if list, net, ok = convert(d.ACV, fx, d.DiscountBasisPoints); !ok {
		l := new(big.Rat).Mul(new(big.Rat).SetInt64(int64(d.ACV)), fx)
		list = tandem.Money(tandem.RoundHalfEven(l).Int64())
		l.Mul(l, big.NewRat(int64(10000-d.DiscountBasisPoints), 10000))
		net = tandem.Money(tandem.RoundHalfEven(l).Int64())
	}
	note = fmt.Sprintf("Converted from %s: ACV %s less %s discount at %s %s per %s is %s net. ",
		cur, d.ACV.Format(cur), pct(d.DiscountBasisPoints), c.plan.FXSource(cur), c.plan.Currency(), cur, net.Format(c.plan.Currency()))
	return list, net, note
}

// convert returns acv × fx and acv × fx × (1 − discount) each rounded half to even, in 64-bit
// integer arithmetic; ok is false when a product would not fit (the caller then uses big.Rat).
func convert(acv tandem.Money, fx *big.Rat, discountBP int) (list, net tandem.Money, ok bool) {
	if acv < 0 || !fx.Num().IsInt64() || !fx.Denom().IsInt64() {
		return 0, 0, false
	}
	num, den := fx.Num().Int64(), fx.Denom().Int64()
	mul := func(a, b int64) (int64, bool) {
		hi, lo := bits.Mul64(uint64(a), uint64(b))
		return int64(lo), hi == 0 && lo < 1<<63
	}
	p1, ok1 := mul(int64(acv), num)
	p2, ok2 := mul(p1, int64(10000-discountBP))
	d2, ok3 := mul(den, 10000)
	if !ok1 || !ok2 || !ok3 {
		return 0, 0, false
	}
	return tandem.Money(divHalfEven(p1, den)), tandem.Money(divHalfEven(p2, d2)), true
}

// run pays every deal in close-date order. It returns an EINVALID error when a running sum (an AE's
// quota credit, a deal's partner pay or gross profit) leaves the 64-bit money range: that takes deals
// far past MaxAmount, written before the range was enforced, and a wrapped number would be paid.
func (c *calc) run(deals []Deal) error {
	p := c.plan
	cur := p.Currency()
	ver, pid := p.Version(), c.period.ID
	for _, idx := range c.order {
		d := &deals[idx]
		list, net, note := c.values(d)
		aeBasis, ptBasis := net, net
		if d.Split != nil {
			ptBasis = mulBP(net, d.Split.PartnerShareBasisPoints)
			aeBasis = net - ptBasis
			note += fmt.Sprintf("Split decided by conflict %d: the partner's share is %s (%s), the AE's the rest, %s (%s), of net %s. Rationale: %s. ",
				d.Split.ConflictID, pct(d.Split.PartnerShareBasisPoints), ptBasis.Format(cur),
				pct(10000-d.Split.PartnerShareBasisPoints), aeBasis.Format(cur), net.Format(cur), d.Split.Rationale)
		}
		ai := attributionIndex(d.Attribution)
		attribution := d.Attribution
		if attribution == "" {
			attribution = tandem.AttributionDirect
		}
		pr := DealProfit{
			OpportunityID: d.OpportunityID, ExternalID: d.ExternalID, OwnerID: d.OwnerID, TerritoryID: d.TerritoryID,
			PartnerID: d.PartnerID, Motion: d.Motion, ACV: list, Discount: list - net,
			COGS: mulBP(net, d.COGSBasisPoints),
		}
		base := Line{Period: pid, OpportunityID: d.OpportunityID, DealExternal: d.ExternalID, Attribution: attribution, PlanVersion: ver}

		if a := c.dealAE[idx]; a >= 0 {
			st := &c.aeState[a]
			base.PayeeKind, base.PayeeID = PayeeAE, c.aes[a].UserID
			credit := mulBP(aeBasis, p.ae.QuotaCreditBasisPoints[ai])
			if _, err := tandem.AddMoney(st.cum, credit); err != nil {
				return tandem.MoneyRangeError(fmt.Sprintf("AE %d's quota credit", c.aes[a].UserID))
			}
			spiff, band := tandem.Money(0), -1
			if d.Attribution == tandem.AttributionPartnerLed {
				v := net
				if p.spiff.Basis == "list" {
					v = list
				}
				band = p.spiff.band(v)
				if band >= 0 {
					spiff = p.spiff.Bands[band].Amount
				}
			}
			if d.Cannibalisation {
				var ws tandem.MoneySum
				for _, pc := range c.pieces(st, credit, c.scratch[:0]) {
					ws.Add(mulBP(pc.amount, pc.rate))
				}
				would, err := ws.Total(fmt.Sprintf("deal %d's forfeited commission", d.OpportunityID))
				if err != nil {
					return err
				}
				l := base
				l.Kind, l.Basis, l.Rule = LineForfeit, credit, ruleForfeit
				l.Explanation = fmt.Sprintf("%sAnti-cannibalisation: the deal undercut a partner-registered deal, so the AE forfeits the commission of %s",
					note, would.Format(cur))
				if spiff > 0 {
					l.Explanation += fmt.Sprintf(" and the co-sell SPIFF of %s", spiff.Format(cur))
				}
				l.Explanation += fmt.Sprintf(" it would have paid, and its quota credit of %s does not count toward attainment. Flagged for performance review.", credit.Format(cur))
				st.lines = append(st.lines, l)
				st.review = true
			} else {
				first := len(st.lines)
				c.scratch = c.pieces(st, credit, c.scratch[:0])
				for _, pc := range c.scratch {
					l := base
					l.Kind, l.Rule = LineCommission, c.bandRule[pc.band]
					if pc.band > 0 {
						l.Kind = LineAccelerator
					}
					l.Basis, l.RateBasisPoints, l.QuotaCredit = pc.amount, pc.rate, pc.amount
					l.Amount = mulBP(pc.amount, pc.rate)
					l.Explanation = c.bandExpl[pc.band][ai]
					if note != "" {
						l.Explanation = note + l.Explanation
					}
					st.lines = append(st.lines, l)
				}
				if len(st.lines)-first > 1 {
					var parts []string
					for _, l := range st.lines[first:] {
						parts = append(parts, fmt.Sprintf("%s at %s", l.Basis.Format(cur), pct(l.RateBasisPoints)))
					}
					crossing := fmt.Sprintf(" This deal's credit of %s crosses an accelerator threshold and is split exactly at it: %s.",
						credit.Format(cur), strings.Join(parts, ", "))
					for i := first; i < len(st.lines); i++ {
						st.lines[i].Explanation += crossing
					}
				}
				st.cum += credit
				if spiff > 0 {
					l := base
					l.Kind, l.Basis, l.Amount = LineSPIFF, list, spiff
					if p.spiff.Basis == "net" {
						l.Basis = net
					}
					l.Rule = c.spiffRule[band]
					l.Explanation = note + c.spiffExpl[band]
					st.lines = append(st.lines, l)
					pr.SPIFF = spiff
				}
			}
		}

		if pi := c.dealPartner[idx]; pi >= 0 {
			pt := &c.partners[pi]
			base.PayeeKind, base.PayeeID = PayeePartner, pt.ID
			resale := pt.Type == tandem.PartnerReseller
			m, ok := p.partner.Margins[pt.Tier]
			bp := m.ReferralBasisPoints
			if resale {
				bp = m.ResaleBasisPoints
			}
			if !ok {
				bp = -1
			}
			l := base
			l.Kind, l.Basis, l.Rule = LinePartnerMargin, ptBasis, c.marginRule[marginKey{pt.Tier, resale}]
			if bp > 0 {
				l.RateBasisPoints, l.Amount = bp, mulBP(ptBasis, bp)
			}
			l.Explanation = c.marginExp[marginKey{pt.Tier, resale}]
			if note != "" {
				l.Explanation = note + l.Explanation
			}
			c.ptLines[pi] = append(c.ptLines[pi], l)
			pr.PartnerMargin = l.Amount
			if d.Registered && p.partner.RegistrationBonusBasisPoints > 0 {
				l := base
				l.Kind, l.Basis, l.Rule = LineRegistrationBonus, ptBasis, ruleRegistrationBonus
				l.RateBasisPoints = p.partner.RegistrationBonusBasisPoints
				l.Amount = mulBP(ptBasis, l.RateBasisPoints)
				l.Explanation = c.bonusExpl
				if note != "" {
					l.Explanation = note + l.Explanation
				}
				c.ptLines[pi] = append(c.ptLines[pi], l)
				m, err := tandem.AddMoney(pr.PartnerMargin, l.Amount)
				if err != nil {
					return tandem.MoneyRangeError(fmt.Sprintf("deal %d's partner margin", d.OpportunityID))
				}
				pr.PartnerMargin = m
			}
			pr.MDF = mulBP(net, p.partner.MDFBasisPoints)
		}
		var gp tandem.MoneySum
		gp.Add(net)
		for _, cost := range [...]tandem.Money{pr.PartnerMargin, pr.SPIFF, pr.MDF, pr.COGS} {
			gp.Sub(cost)
		}
		var err error
		if pr.GrossProfit, err = gp.Total(fmt.Sprintf("deal %d's gross profit", d.OpportunityID)); err != nil {
			return err
		}
		c.profit[c.profitPos[idx]] = pr
	}
	return nil
}

// piece is a part of a deal's quota credit that falls in one commission band.
type piece struct {
	band   int // 0: base rate; k: accelerator k
	amount tandem.Money
	rate   int
}

// pieces cuts credit, added on top of the AE's attainment so far, at the accelerator thresholds and
// appends each piece to buf. Zero credit is one empty piece in the current band, so the deal still
// shows on the statement.
func (c *calc) pieces(st *aeState, credit tandem.Money, buf []piece) []piece {
	acc := c.plan.ae.Accelerators
	lo, hi := st.cum, st.cum+credit
	b := 0
	for b < len(st.thresholds) && lo >= st.thresholds[b] {
		b++
	}
	rate := func(b int) int {
		if b == 0 {
			return c.plan.ae.BaseRateBasisPoints
		}
		return acc[b-1].RateBasisPoints
	}
	if credit == 0 {
		return append(buf, piece{b, 0, rate(b)})
	}
	for lo < hi {
		end := hi
		if b < len(st.thresholds) && st.thresholds[b] < end {
			end = st.thresholds[b]
		}
		if end > lo {
			buf = append(buf, piece{b, end - lo, rate(b)})
			lo = end
		}
		b++
	}
	return buf
}

// band returns the index of the band v falls in (From <= v < To), -1 for none.
func (s *SPIFFRules) band(v tandem.Money) int {
	for i, b := range s.Bands {
		if v >= b.From && (b.To == 0 || v < b.To) {
			return i
		}
	}
	return -1
}

// result builds the statements. A statement's credit and total are checked sums: past the 64-bit
// money range it returns an EINVALID error naming the payee, never a wrapped (negative) total.
func (c *calc) result() (*Result, error) {
	res := &Result{PlanVersion: c.plan.Version(), Period: c.period.ID, Profit: c.profit,
		AEs: make([]Statement, len(c.aes)), Partners: make([]Statement, len(c.partners))}
	for i, ae := range c.aes {
		st := &c.aeState[i]
		s := Statement{Period: c.period.ID, PayeeKind: PayeeAE, PayeeID: ae.UserID, Name: ae.Name,
			Quota: st.quota, PerformanceReview: st.review, Lines: st.lines}
		var credit, total tandem.MoneySum
		for _, l := range st.lines {
			credit.Add(l.QuotaCredit)
			total.Add(l.Amount)
		}
		var err error
		if s.Credit, err = credit.Total(fmt.Sprintf("AE %d's quota credit", ae.UserID)); err != nil {
			return nil, err
		}
		if s.Total, err = total.Total(fmt.Sprintf("AE %d's statement", ae.UserID)); err != nil {
			return nil, err
		}
		if st.quota > 0 {
			s.AttainmentBasisPoints = attainment(s.Credit, st.quota)
		}
		res.AEs[i] = s
	}
	for i, pt := range c.partners {
		s := Statement{Period: c.period.ID, PayeeKind: PayeePartner, PayeeID: pt.ID, Name: pt.Name, Lines: c.ptLines[i]}
		var total tandem.MoneySum
		for _, l := range s.Lines {
			total.Add(l.Amount)
		}
		var err error
		if s.Total, err = total.Total(fmt.Sprintf("partner %d's statement", pt.ID)); err != nil {
			return nil, err
		}
		res.Partners[i] = s
	}
	return res, nil
}

// attainment returns credit / quota in basis points rounded half to even (quota > 0). Credit × 10000
// overflows 64 bits past 9.2 × 10^14 minor units, so larger credits are divided exactly with big.Int;
// the result saturates at the largest int rather than wrap.
func attainment(credit, quota tandem.Money) int {
	if credit < maxExact && credit > -maxExact {
		return int(divHalfEven(int64(credit)*10000, int64(quota)))
	}
	r := tandem.RoundHalfEven(big.NewRat(0, 1).SetFrac(new(big.Int).Mul(big.NewInt(int64(credit)), big.NewInt(10000)), big.NewInt(int64(quota))))
	if !r.IsInt64() {
		if r.Sign() < 0 {
			return math.MinInt
		}
		return math.MaxInt
	}
	return int(r.Int64())
}

// divHalfEven returns n / d rounded half to even; d > 0.
func divHalfEven(n, d int64) int64 {
	q, r := n/d, n%d
	if r == 0 {
		return q
	}
	if r < 0 {
		r = -r
	}
	if twice := 2 * r; twice > d || twice == d && q%2 != 0 {
		if n < 0 {
			q--
		} else {
			q++
		}
	}
	return q
}

// maxExact bounds the amounts mulBP multiplies in 64 bits: m × bp cannot overflow below it for any
// rate up to 10000 %.
const maxExact = (1<<63 - 1) / 1_000_000

// mulBP returns m × bp / 10000 rounded half to even: an amount at a rate in basis points.
func mulBP(m tandem.Money, bp int) tandem.Money {
	if m < maxExact && m > -maxExact && bp >= 0 && bp <= 1_000_000 {
		return tandem.Money(divHalfEven(int64(m)*int64(bp), 10000))
	}
	return m.MulRate(big.NewRat(int64(bp), 10000))
}
