package comp

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	tandem "github.com/tandem-revops/tandem"
)

var q2 = Period{ID: "2026-Q2", Start: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)}

func q2Input() Input {
	d1 := deal(1, tandem.Major(1_400_000), 0, tandem.AttributionDirect)
	d2 := with(deal(2, tandem.Major(200_000), goldReseller, tandem.AttributionPartnerLed), func(d *Deal) { d.Registered = true })
	d1.ClosedOn, d2.ClosedOn = q2.Start.Add(time.Hour), q2.Start.Add(2*time.Hour)
	return Input{Period: q2, AEs: []AE{{UserID: 1, Name: "Ann"}}, Partners: testPartners(), Deals: []Deal{d1, d2}}
}

func mustCalculate(t *testing.T, p *Plan, in Input) *Result {
	t.Helper()
	res, err := Calculate(p, in)
	if err != nil {
		t.Fatal(err)
	}
	checkInvariants(t, res)
	return res
}

func mustMarshal(t *testing.T, res *Result) []byte {
	t.Helper()
	b, err := MarshalResult(res)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestFrozenInputReproducesStatements freezes a period's input as JSON, reads it back and recalculates:
// the output is byte-identical.
func TestFrozenInputReproducesStatements(t *testing.T) {
	t.Parallel()
	in := q2Input()
	in.Deals[0].Currency, in.Deals[0].DiscountBasisPoints = "EUR", 1234
	in.Deals[1].Split = &Split{ConflictID: 4, PartnerShareBasisPoints: 4000, Rationale: "joint \"pursuit\" <b>"}
	want := mustMarshal(t, mustCalculate(t, Default(), in))
	frozen, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var thawed Input
	if err := json.Unmarshal(frozen, &thawed); err != nil {
		t.Fatal(err)
	}
	if got := mustMarshal(t, mustCalculate(t, Default(), thawed)); !bytes.Equal(got, want) {
		t.Errorf("recalculating the frozen input changed the output:\n%s\nwant\n%s", got, want)
	}
	res, err := UnmarshalResult(want)
	if err != nil {
		t.Fatal(err)
	}
	if got := mustMarshal(t, res); !bytes.Equal(got, want) {
		t.Error("MarshalResult(UnmarshalResult(b)) != b")
	}
}

func TestClawbackAfterClosedPeriod(t *testing.T) {
	t.Parallel()
	in := q2Input()
	frozen := mustCalculate(t, Default(), in)
	frozenBytes := mustMarshal(t, frozen)

	// After Q2 closed, deal 2's ACV is cut from $200,000 to $150,000. Q2 paid: AE $8,000 + $12,000
	// (crossing 100 %) + $1,000 SPIFF; gold reseller $40,000 margin + $10,000 bonus. Now: AE $8,000 +
	// $6,000 + $1,000; partner $30,000 + $7,500.
	changed := q2Input()
	changed.Deals[1].ACV = tandem.Major(150_000)
	recalculated := mustCalculate(t, Default(), changed)
	adj, err := Adjust(frozen, recalculated, q3)
	if err != nil {
		t.Fatal(err)
	}
	want := []wantLine{
		{1, 2, LineClawback, 0, 0, -tandem.Major(6_000), 0, "adjustment"},
		{goldReseller, 2, LineClawback, 0, 0, -tandem.Major(12_500), 0, "adjustment"},
	}
	if diff := cmp.Diff(want, linesOf(&Result{AEs: []Statement{{Lines: adj}}})); diff != "" {
		t.Errorf("adjustments (-want +got):\n%s", diff)
	}
	for _, l := range adj {
		if l.Period != "2026-Q3" || l.AdjustsPeriod != "2026-Q2" || l.PlanVersion != "2026.1" ||
			!strings.Contains(l.Explanation, "The deal changed after 2026-Q2 closed") || !strings.Contains(l.Explanation, "claws back") {
			t.Errorf("adjustment line %+v", l)
		}
	}
	if got := mustMarshal(t, frozen); !bytes.Equal(got, frozenBytes) {
		t.Error("Adjust changed the frozen statement")
	}
	if got := mustMarshal(t, mustCalculate(t, Default(), q2Input())); !bytes.Equal(got, frozenBytes) {
		t.Error("recalculating the frozen input no longer reproduces the closed statement")
	}

	// The clawbacks land on the open period's statements.
	open := mustCalculate(t, Default(), Input{Period: q3, AEs: []AE{{UserID: 1, Name: "Ann"}}, Partners: testPartners(),
		Deals: []Deal{deal(3, tandem.Major(100_000), 0, tandem.AttributionDirect)}})
	before := mustMarshal(t, open)
	if err := WithAdjustments(open, adj); err != nil {
		t.Fatal(err)
	}
	checkInvariants(t, open)
	if open.AEs[0].Total != tandem.Major(8_000-6_000) || len(open.AEs[0].Lines) != 2 || open.AEs[0].Credit != tandem.Major(100_000) {
		t.Errorf("open AE statement after the clawback: %+v", open.AEs[0])
	}
	var partner *Statement
	for i := range open.Partners {
		if open.Partners[i].PayeeID == goldReseller {
			partner = &open.Partners[i]
		}
	}
	if partner == nil || partner.Total != -tandem.Major(12_500) {
		t.Errorf("partner statement after the clawback: %+v", partner)
	}
	if bytes.Equal(before, mustMarshal(t, open)) {
		t.Error("WithAdjustments changed nothing")
	}
	if err := WithAdjustments(open, []Line{{Period: "2026-Q1", PayeeKind: PayeeAE, PayeeID: 1}}); tandem.ErrorCode(err) != tandem.EINVALID {
		t.Errorf("an adjustment dated in another period: %v, want EINVALID", err)
	}

	// A second change (back up to $180,000) is adjusted against what was already paid, the original
	// plus the clawback: AE +$3,600 (12 % of $30,000), partner +$7,500 (25 % of $30,000).
	changed.Deals[1].ACV = tandem.Major(180_000)
	again := mustAdjust(t, frozen, mustCalculate(t, Default(), changed), Period{ID: "2026-Q4"}, adj...)
	want = []wantLine{
		{1, 2, LineAdjustment, 0, 0, tandem.Major(3_600), 0, "adjustment"},
		{goldReseller, 2, LineAdjustment, 0, 0, tandem.Major(7_500), 0, "adjustment"},
	}
	if diff := cmp.Diff(want, linesOf(&Result{AEs: []Statement{{Lines: again}}})); diff != "" {
		t.Errorf("second adjustment (-want +got):\n%s", diff)
	}
	if adj := mustAdjust(t, frozen, mustCalculate(t, Default(), q2Input()), q3); len(adj) != 0 {
		t.Errorf("no change, yet adjustments %+v", adj)
	}
}

func TestAdjustNewPayee(t *testing.T) {
	t.Parallel()
	frozen := mustCalculate(t, Default(), q2Input())
	changed := q2Input()
	changed.Deals[1].PartnerID = silverReferral // the deal moved to another partner after close
	adj, err := Adjust(frozen, mustCalculate(t, Default(), changed), q3)
	if err != nil {
		t.Fatal(err)
	}
	open := &Result{Period: q3.ID, PlanVersion: "2026.1"}
	if err := WithAdjustments(open, adj); err != nil {
		t.Fatal(err)
	}
	checkInvariants(t, open)
	if len(open.Partners) != 2 || open.Partners[0].PayeeID != goldReseller || open.Partners[0].Total != -tandem.Major(50_000) ||
		open.Partners[1].PayeeID != silverReferral || open.Partners[1].Total != tandem.Major(30_000) {
		t.Errorf("partners after moving the deal: %+v", open.Partners)
	}
}

func TestStatementCSV(t *testing.T) {
	t.Parallel()
	st := Statement{Period: "2026-Q3", PayeeKind: PayeePartner, PayeeID: 7, Name: "@SUM(A1)", Total: -8000, Lines: []Line{
		{Period: "2026-Q3", PayeeKind: PayeePartner, PayeeID: 7, OpportunityID: 3, DealExternal: "=HYPERLINK(\"x\")", Kind: LineClawback,
			Attribution: tandem.AttributionPartnerLed, Amount: -8000, Rule: "adjustment", PlanVersion: "2026.1", AdjustsPeriod: "2026-Q2", Explanation: "-paid, \"then\" clawed"},
	}}
	var b bytes.Buffer
	if err := WriteStatementCSV(&b, st); err != nil {
		t.Fatal(err)
	}
	want := `period,payee_kind,payee_id,payee_name,opportunity_id,deal_external_id,kind,attribution,basis,rate_basis_points,amount,quota_credit,rule,plan_version,adjusts_period,explanation
2026-Q3,partner,7,'@SUM(A1),3,"'=HYPERLINK(""x"")",clawback,partner_led,0.00,0,-80.00,0.00,adjustment,2026.1,2026-Q2,"'-paid, ""then"" clawed"
2026-Q3,partner,7,'@SUM(A1),,,total,,,,-80.00,0.00,,,,total of 1 lines
`
	if b.String() != want {
		t.Errorf("CSV:\n%s\nwant:\n%s", b.String(), want)
	}
	res := mustCalculate(t, Default(), q2Input())
	b.Reset()
	if err := WriteResultCSV(&b, res); err != nil {
		t.Fatal(err)
	}
	rows := 1 // the header
	for _, sts := range [][]Statement{res.AEs, res.Partners} {
		for _, st := range sts {
			rows += len(st.Lines) + 1 // its lines and its total
		}
	}
	if n := strings.Count(b.String(), "\n"); n != rows {
		t.Errorf("result CSV has %d rows, want %d", n, rows)
	}
}

func TestCompare(t *testing.T) {
	t.Parallel()
	in := Input{Period: q3, AEs: []AE{{UserID: 1, Name: "Ann"}}, Partners: testPartners(), Deals: []Deal{
		deal(1, tandem.Major(100_000), 0, tandem.AttributionDirect),
		deal(2, tandem.Major(200_000), goldReseller, tandem.AttributionPartnerLed),
	}}
	draft := mustPlan(t, `version: "2026.1"`, `version: "2027.1-draft"`, `base_rate: "8%"`, `base_rate: "10%"`,
		`gold: {resale: "20%"`, `gold: {resale: "18%"`, `{from: "100000", to: "250000", amount: "1000"}`, `{from: "100000", to: "250000", amount: "1250"}`)
	w, err := Compare(mustCalculate(t, Default(), in), mustCalculate(t, draft, in))
	if err != nil {
		t.Fatal(err)
	}
	// Base: commission 8 % of $300,000 = $24,000, SPIFF $1,000, margin 20 % of $200,000 = $40,000.
	// Draft: commission $30,000, SPIFF $1,250, margin $36,000.
	want := WhatIf{
		BasePlanVersion: "2026.1", DraftPlanVersion: "2027.1-draft",
		AEs:    []PayeeChange{{PayeeAE, 1, "Ann", tandem.Major(25_000), tandem.Major(31_250), tandem.Major(6_250)}},
		Base:   CostTotals{Commission: tandem.Major(24_000), SPIFF: tandem.Major(1_000), AEPay: tandem.Major(25_000), PartnerMargin: tandem.Major(40_000), CostOfSale: tandem.Major(65_000)},
		Draft:  CostTotals{Commission: tandem.Major(30_000), SPIFF: tandem.Major(1_250), AEPay: tandem.Major(31_250), PartnerMargin: tandem.Major(36_000), CostOfSale: tandem.Major(67_250)},
		Change: CostTotals{Commission: tandem.Major(6_000), SPIFF: tandem.Major(250), AEPay: tandem.Major(6_250), PartnerMargin: -tandem.Major(4_000), CostOfSale: tandem.Major(2_250)},
	}
	for _, p := range testPartners() {
		pc := PayeeChange{PayeeKind: PayeePartner, PayeeID: p.ID, Name: p.Name}
		if p.ID == goldReseller {
			pc.Base, pc.Draft, pc.Change = tandem.Major(40_000), tandem.Major(36_000), -tandem.Major(4_000)
		}
		want.Partners = append(want.Partners, pc)
	}
	if diff := cmp.Diff(want, w); diff != "" {
		t.Errorf("what-if (-want +got):\n%s", diff)
	}
}

// TestAdjustBaselineInsideFrozen passes earlier adjustments inside the frozen statements instead of
// as already: the same result.
func TestAdjustBaselineInsideFrozen(t *testing.T) {
	t.Parallel()
	frozen := mustCalculate(t, Default(), q2Input())
	changed := q2Input()
	changed.Deals[1].ACV = tandem.Major(150_000)
	first := mustAdjust(t, frozen, mustCalculate(t, Default(), changed), q3)
	base := mustCalculate(t, Default(), q2Input())
	for _, l := range first {
		sts := base.AEs
		if l.PayeeKind == PayeePartner {
			sts = base.Partners
		}
		for i := range sts {
			if sts[i].PayeeID == l.PayeeID {
				sts[i].Lines = append(sts[i].Lines, l)
			}
		}
	}
	changed.Deals[1].ACV = tandem.Major(180_000)
	now := mustCalculate(t, Default(), changed)
	if a, b := mustAdjust(t, base, now, Period{ID: "2026-Q4"}), mustAdjust(t, frozen, now, Period{ID: "2026-Q4"}, first...); !cmp.Equal(a, b) {
		t.Errorf("baseline inside frozen %+v\nbaseline as already %+v", a, b)
	}
}

func mustAdjust(t *testing.T, frozen, recalculated *Result, open Period, already ...Line) []Line {
	t.Helper()
	adj, err := Adjust(frozen, recalculated, open, already...)
	if err != nil {
		t.Fatal(err)
	}
	return adj
}
