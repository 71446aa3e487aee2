package policy

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	tandem "github.com/tandem-revops/tandem"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// usDeal is a core deal in a direct-presence country with nothing that makes it partner-led but its size.
func usDeal(acv tandem.Money) Deal {
	return Deal{ID: "D-1", Account: "Acme", ACV: acv, Country: "US", Vertical: "technology", ProductType: tandem.ProductCore}
}

func TestDefaultRoutes(t *testing.T) {
	t.Parallel()
	with := func(d Deal, f func(*Deal)) Deal { f(&d); return d }
	tests := []struct {
		name     string
		deal     Deal
		motion   tandem.Motion
		attached bool
		rule     string
	}{
		{"just under 250k", usDeal(24_999_999), tandem.MotionPartnerLed, true, "under-250k"},
		{"zero", usDeal(0), tandem.MotionPartnerLed, true, "under-250k"},
		{"exactly 250k", usDeal(25_000_000), tandem.MotionCoSell, true, "250k-to-1m"},
		{"exactly 1m", usDeal(100_000_000), tandem.MotionCoSell, true, "250k-to-1m"},
		{"one cent over 1m", usDeal(100_000_001), tandem.MotionDirect, true, "over-1m"},
		{"huge", usDeal(tandem.Major(1_000_000_000)), tandem.MotionDirect, true, "over-1m"},
		{"healthcare 2m", with(usDeal(tandem.Major(2_000_000)), func(d *Deal) { d.Vertical = "healthcare" }), tandem.MotionPartnerLed, true, "specialised-verticals"},
		{"government 2m", with(usDeal(tandem.Major(2_000_000)), func(d *Deal) { d.Vertical = "government" }), tandem.MotionPartnerLed, true, "specialised-verticals"},
		{"financial services 2m", with(usDeal(tandem.Major(2_000_000)), func(d *Deal) { d.Vertical = "financial_services" }), tandem.MotionPartnerLed, true, "specialised-verticals"},
		{"retail 2m routes by size", with(usDeal(tandem.Major(2_000_000)), func(d *Deal) { d.Vertical = "retail" }), tandem.MotionDirect, true, "over-1m"},
		{"japan 5m", with(usDeal(tandem.Major(5_000_000)), func(d *Deal) { d.Country = "JP" }), tandem.MotionPartnerLed, true, "no-direct-presence"},
		{"brazil 300k", with(usDeal(tandem.Major(300_000)), func(d *Deal) { d.Country = "BR" }), tandem.MotionPartnerLed, true, "no-direct-presence"},
		{"germany 5m", with(usDeal(tandem.Major(5_000_000)), func(d *Deal) { d.Country = "DE" }), tandem.MotionDirect, true, "over-1m"},
		{"canada 500k", with(usDeal(tandem.Major(500_000)), func(d *Deal) { d.Country = "CA" }), tandem.MotionCoSell, true, "250k-to-1m"},
		{"addon 2m", with(usDeal(tandem.Major(2_000_000)), func(d *Deal) { d.ProductType = tandem.ProductAddon }), tandem.MotionPartnerLed, true, "addons-and-services"},
		{"services 600k", with(usDeal(tandem.Major(600_000)), func(d *Deal) { d.ProductType = tandem.ProductServices }), tandem.MotionPartnerLed, true, "addons-and-services"},
		{"sticky: partner-led, approved, now 2m", with(usDeal(tandem.Major(2_000_000)), func(d *Deal) {
			d.CurrentMotion, d.RegistrationStatus, d.PartnerID = tandem.MotionPartnerLed, tandem.RegistrationApproved, "P-1"
		}), tandem.MotionPartnerLed, true, "sticky-partner-led"},
		{"partner-led with submitted registration re-routes by size", with(usDeal(tandem.Major(2_000_000)), func(d *Deal) {
			d.CurrentMotion, d.RegistrationStatus = tandem.MotionPartnerLed, tandem.RegistrationSubmitted
		}), tandem.MotionDirect, true, "over-1m"},
		{"co-sell current motion is not sticky", with(usDeal(tandem.Major(2_000_000)), func(d *Deal) {
			d.CurrentMotion, d.RegistrationStatus = tandem.MotionCoSell, tandem.RegistrationApproved
		}), tandem.MotionDirect, true, "over-1m"},
		{"EUR 240k is 259.2k USD", with(usDeal(tandem.Major(240_000)), func(d *Deal) { d.Currency = "EUR" }), tandem.MotionCoSell, true, "250k-to-1m"},
		{"EUR 231,481.47 is 249,999.99 USD", with(usDeal(23_148_147), func(d *Deal) { d.Currency = "EUR" }), tandem.MotionPartnerLed, true, "under-250k"},
		{"GBP 800k is 1.016m USD", with(usDeal(tandem.Major(800_000)), func(d *Deal) { d.Currency = "GBP" }), tandem.MotionDirect, true, "over-1m"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Default().Route(tt.deal)
			if err != nil {
				t.Fatal(err)
			}
			if got.Motion != tt.motion || got.PartnerAttached != tt.attached || got.Rule != tt.rule {
				t.Errorf("got %s attached=%v by %s, want %s attached=%v by %s", got.Motion, got.PartnerAttached, got.Rule, tt.motion, tt.attached, tt.rule)
			}
			if got.PolicyVersion != "2026.1" || got.Explanation == "" || strings.Contains(got.Explanation, "{{") {
				t.Errorf("decision %+v lacks its version or a rendered explanation", got)
			}
		})
	}
}

func TestExplanation(t *testing.T) {
	t.Parallel()
	got, err := Default().Route(usDeal(120_000_000))
	if err != nil {
		t.Fatal(err)
	}
	want := "ACV $1,200,000.00 is above $1,000,000: the vendor sells direct with a partner attached."
	if got.Explanation != want {
		t.Errorf("explanation = %q, want %q", got.Explanation, want)
	}
	d := usDeal(tandem.Major(100))
	d.Vertical = "financial_services"
	got, _ = Default().Route(d)
	if !strings.Contains(got.Explanation, "In financial services the partner") {
		t.Errorf("explanation %q does not put the vertical in words", got.Explanation)
	}
}

func TestAppendMoneyMatchesFormat(t *testing.T) {
	t.Parallel()
	for _, m := range []tandem.Money{0, 1, 99, 100, 123456, -5, 120_000_000, 1 << 62} {
		for _, cur := range []string{"USD", "EUR", "GBP", "CHF", ""} {
			if got, want := string(appendMoney(nil, m, cur)), m.Format(cur); got != want {
				t.Errorf("appendMoney(%d, %q) = %q, want %q", m, cur, got, want)
			}
		}
	}
}

func TestRouteErrors(t *testing.T) {
	t.Parallel()
	d := usDeal(tandem.Major(100))
	d.Currency = "JPY"
	if _, err := Default().Route(d); tandem.ErrorCode(err) != tandem.EINVALID || !strings.Contains(err.Error(), "JPY") {
		t.Errorf("deal in JPY: err = %v, want EINVALID naming JPY", err)
	}
	gap := mustParseFile(t, "testdata/gap.yaml")
	if _, err := gap.Route(usDeal(tandem.Major(500_000))); err == nil || !strings.Contains(err.Error(), `"D-1"`) {
		t.Errorf("uncovered deal: err = %v, want one naming the deal", err)
	}
}

// TestExactACV checks acv compares exactly with integer, decimal and negative literals, on both
// sides of the operator.
func TestExactACV(t *testing.T) {
	t.Parallel()
	tests := []struct {
		when string
		acv  tandem.Money
		want bool
	}{
		{"acv < 250000", 24_999_999, true},
		{"acv < 250000", 25_000_000, false},
		{"acv <= 1000000", 100_000_000, true},
		{"acv <= 1000000", 100_000_001, false},
		{"acv > 1000000.00", 100_000_001, true},
		{"acv > 1000000.00", 100_000_000, false},
		{"acv >= 0.1", 10, true},
		{"acv >= 0.1", 9, false},
		{"acv == 1000000.01", 100_000_001, true},
		{"acv != 1000000.01", 100_000_001, false},
		{"250000 > acv", 24_999_999, true},
		{"250000 > acv", 25_000_000, false},
		{"acv > -1", 0, true},
		{"acv < 2 * 100000", 19_999_999, true}, // not a literal: compared at run time, still exact
		{"acv < 2 * 100000", 20_000_000, false},
		{"acv < 0.1 + 0.2", 30, false}, // the float sum 0.30000000000000004 rounds to 30 cents
		{"acv >= 19999999.99", 1_999_999_999, true},
	}
	for _, tt := range tests {
		t.Run(tt.when, func(t *testing.T) {
			t.Parallel()
			p := mustParse(t, policyWith(tt.when))
			c := p.rules[0].cond
			e := env{ACV: tt.acv}
			vmGot, err := c.evalVM(&e)
			if err != nil {
				t.Fatal(err)
			}
			if vmGot != tt.want {
				t.Errorf("VM: %s with acv %s = %v, want %v", tt.when, tt.acv, vmGot, tt.want)
			}
			if c.fast != nil && c.fast(&e) != tt.want {
				t.Errorf("fast path: %s with acv %s = %v, want %v", tt.when, tt.acv, c.fast(&e), tt.want)
			}
		})
	}
}

// TestFastPathAgreesWithVM evaluates every rule of several policies on every representative deal
// with both the closure-compiled fast path and expr's VM.
func TestFastPathAgreesWithVM(t *testing.T) {
	t.Parallel()
	policies := []*Policy{Default(), mustParseFile(t, "testdata/gap.yaml"), mustParseFile(t, "testdata/shadowed.yaml"),
		mustParse(t, policyWith(`(has_partner || fields["segment"] == "smb") && !(stage in ["closed_won", "closed_lost"]) && partner_tier != "registered" && currency == "EUR"`)),
		mustParse(t, policyWith(`not (country in direct_presence) or (product_type not in ["core"] and 500000 <= acv)`))}
	for _, p := range policies {
		fastRules := 0
		p.space().each(func(coords []int, e *env) bool {
			for _, r := range p.rules {
				if r.cond.fast == nil || r.cond.always {
					continue
				}
				fastRules++
				want, err := r.cond.evalVM(e)
				if err != nil {
					t.Fatalf("%s: rule %s: %v", p.Name(), r.ID, err)
				}
				if got := r.cond.fast(e); got != want {
					t.Errorf("%s: rule %s on %+v: fast %v, VM %v", p.Name(), r.ID, *e, got, want)
				}
			}
			return true
		})
		if fastRules == 0 {
			t.Errorf("%s: no rule took the fast path", p.Name())
		}
	}
}

func TestVMFallback(t *testing.T) {
	t.Parallel()
	p := mustParse(t, policyWith(`country startsWith "U" && len(fields) > 0`))
	if p.rules[0].cond.fast != nil {
		t.Fatal("expected the condition to need the VM")
	}
	d := usDeal(100)
	d.Fields = map[string]string{"x": "y"}
	got, err := p.Route(d)
	if err != nil || got.Rule != "r" {
		t.Errorf("Route = %+v, %v; want rule r", got, err)
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	valid := "name: P\nversion: \"1\"\neffective_from: 2026-01-01\nrules:\n"
	rule := func(lines ...string) string { return "  - " + strings.Join(lines, "\n    ") + "\n" }
	ok := rule("id: a", "title: A", "when: acv < 10", "motion: direct", "explain: x")
	tests := []struct {
		name         string
		src          string
		line, column int
		ruleID       string
		contains     string
	}{
		{"bad YAML", valid + "  - id: a: b\n", 5, 1, "", "invalid YAML: mapping values are not allowed"},
		{"unknown top-level field", "name: P\nversoin: \"1\"\n", 2, 1, "", `unknown field "versoin"`},
		{"unknown rule field", valid + rule("id: a", "title: A", "whn: acv < 10", "motion: direct", "explain: x"), 7, 5, "", `unknown field "whn" in rule`},
		{"unknown registration field", "name: P\nversion: \"1\"\neffective_from: 2026-01-01\nregistration:\n  protection_dayz: 3\n", 5, 3, "", `unknown field "protection_dayz" in registration`},
		{"bad expression", valid + rule("id: a", "title: A", "when: acv < < 10", "motion: direct", "explain: x"), 7, 17, "a", "when:"},
		{"unknown variable", valid + rule("id: a", "title: A", "when: acvv < 10", "motion: direct", "explain: x"), 7, 11, "a", "unknown name acvv"},
		{"arithmetic on acv", valid + rule("id: a", "title: A", "when: acv * 2 < 10", "motion: direct", "explain: x"), 7, 15, "a", "mismatched types tandem.Money and int"},
		{"acv used outside a comparison", valid + rule("id: a", "title: A", "when: acv != nil", "motion: direct", "explain: x"), 7, 11, "a", "acv can only be compared"},
		{"unknown motion", valid + rule("id: a", "title: A", "when: acv < 10", "motion: channel", "explain: x"), 8, 13, "a", `motion "channel" is not one of`},
		{"duplicate rule id", valid + ok + ok, 10, 9, "a", "duplicate rule id (first used at line 5)"},
		{"bad date", "name: P\nversion: \"1\"\neffective_from: soon\nrules:\n" + ok, 3, 17, "", "effective_from"},
		{"partner-led without partner", valid + rule("id: a", "title: A", "motion: partner_led", "partner_attached: false", "explain: x"), 8, 23, "a", "always has a partner attached"},
		{"bad explanation", valid + rule("id: a", "title: A", "motion: direct", "explain: \"{{.Amount}}\""), 8, 14, "a", "{{.Amount}} is not a deal field"},
		{"wrong type", "name: P\nversion: \"1\"\neffective_from: 2026-01-01\nregistration: {protection_days: ninety}\nrules:\n" + ok, 4, 33, "", "cannot unmarshal"},
		{"no rules", "name: P\nversion: \"1\"\neffective_from: 2026-01-01\n", 1, 1, "", "no rules"},
		{"bad holiday", "name: P\nversion: \"1\"\neffective_from: 2026-01-01\nregistration:\n  business_hours:\n    holidays: [2026-12-25, 25/12/2026]\nrules:\n" + ok,
			6, 28, "", `registration.business_hours.holidays: "25/12/2026" is not a date like 2026-12-25`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse("p.yaml", []byte(tt.src))
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("Parse error = %v, want *policy.Error", err)
			}
			if tandem.ErrorCode(err) != tandem.EINVALID {
				t.Errorf("ErrorCode = %q, want invalid", tandem.ErrorCode(err))
			}
			i := slices.IndexFunc(pe.Problems, func(p Problem) bool { return strings.Contains(p.Message, tt.contains) })
			if i < 0 {
				t.Fatalf("no problem contains %q; got:\n%v", tt.contains, err)
			}
			got := pe.Problems[i]
			if got.Line != tt.line || got.Column != tt.column || got.RuleID != tt.ruleID {
				t.Errorf("problem at %d:%d rule %q, want %d:%d rule %q (%s)", got.Line, got.Column, got.RuleID, tt.line, tt.column, tt.ruleID, got)
			}
			if !strings.HasPrefix(err.Error(), "p.yaml:") {
				t.Errorf("error %q does not start with the file name", err)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		file string
		want []Finding
	}{
		{"default lints clean", "default.yaml", nil},
		{"gap between rules", "testdata/gap.yaml", []Finding{{Severity: SeverityWarning,
			Message: "no rule decides deals with ACV from $250,000.00 to $1,000,000.00; routing such a deal fails (add a rule, or a last rule without a condition)"}}},
		{"shadowed and contradictory rules", "testdata/shadowed.yaml", []Finding{
			{Severity: SeverityWarning, RuleID: "healthcare-cosell", Line: 10, Column: 5,
				Message: "never matches: every deal it would decide is decided earlier by verticals (shadowed)"},
			{Severity: SeverityWarning, RuleID: "contradiction", Line: 15, Column: 5,
				Message: "never matches: its condition is not true for any deal (contradictory)"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := mustParseFile(t, tt.file).Check()
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Check() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCheckDescribesUncoveredRegions(t *testing.T) {
	t.Parallel()
	p := mustParse(t, `name: P
version: "1"
effective_from: 2026-01-01
direct_presence: [US]
rules:
  - {id: abroad, title: Abroad, when: country not in direct_presence, motion: partner_led, explain: x}
  - {id: us-small, title: US small, when: acv < 100000 && vertical != "government", motion: partner_led, explain: x}
`)
	var msgs []string
	for _, f := range p.Check() {
		msgs = append(msgs, f.Message)
	}
	want := []string{
		"no rule decides deals with country US and vertical government; routing such a deal fails (add a rule, or a last rule without a condition)",
		"no rule decides deals with ACV of $100,000.00 or more, country US and vertical not government; routing such a deal fails (add a rule, or a last rule without a condition)",
	}
	slices.Sort(msgs)
	slices.Sort(want)
	if diff := cmp.Diff(want, msgs); diff != "" {
		t.Errorf("findings mismatch (-want +got):\n%s", diff)
	}
}

func TestSimulate(t *testing.T) {
	t.Parallel()
	draft := mustParse(t, strings.Replace(string(DefaultSource()), "acv < 250000", "acv < 500000", 1))
	deals := []Deal{usDeal(tandem.Major(100_000)), usDeal(tandem.Major(300_000)), usDeal(tandem.Major(2_000_000)), usDeal(tandem.Major(400_000))}
	deals[3].ID = "D-4"
	bad := usDeal(1)
	bad.ID, bad.Currency = "D-X", "JPY"
	deals = append(deals, bad)
	got := Simulate(Default(), draft, slices.Values(deals))
	if got.Deals != 5 || got.Changed != 2 || len(got.Changes) != 2 || len(got.Failures) != 2 {
		t.Fatalf("Simulate = %+v", got)
	}
	if n := got.Count(tandem.MotionCoSell, tandem.MotionPartnerLed); n != 2 {
		t.Errorf("co_sell → partner_led = %d, want 2", n)
	}
	if n := got.Count(tandem.MotionDirect, tandem.MotionDirect); n != 1 {
		t.Errorf("direct → direct = %d, want 1", n)
	}
	c := got.Changes[1]
	if c.DealID != "D-4" || c.Old.Rule != "250k-to-1m" || c.New.Rule != "under-250k" || !strings.Contains(c.New.Explanation, "$400,000.00") {
		t.Errorf("change = %+v", c)
	}
}

// TestSimulateCountsOpenDeals: a won or lost deal keeps the motion it was sold in, so the simulation
// counts (and lists) only open deals, and says how many closed ones it left out.
func TestSimulateCountsOpenDeals(t *testing.T) {
	t.Parallel()
	draft := mustParse(t, strings.Replace(string(DefaultSource()), "acv < 250000", "acv < 500000", 1))
	open := usDeal(tandem.Major(300_000))
	won, lost := usDeal(tandem.Major(300_000)), usDeal(tandem.Major(400_000))
	won.ID, won.Stage = "D-W", tandem.StageClosedWon
	lost.ID, lost.Stage = "D-L", tandem.StageClosedLost
	got := Simulate(Default(), draft, slices.Values([]Deal{won, open, lost}))
	if got.Deals != 1 || got.Closed != 2 || got.Changed != 1 || len(got.Changes) != 1 || got.Changes[0].DealID != open.ID {
		t.Errorf("Simulate = %+v, want 1 open deal changed and 2 closed left out", got)
	}
}

func TestAccessors(t *testing.T) {
	t.Parallel()
	p := Default()
	if p.Version() != "2026.1" || p.Name() == "" || p.EffectiveFrom().Format("2006-01-02") != "2026-01-01" {
		t.Errorf("version %q name %q effective %v", p.Version(), p.Name(), p.EffectiveFrom())
	}
	if s := p.Settings(); s.ProtectionDays != 90 || s.Extensions != 1 || s.ApprovalSLABusinessHours != 48 {
		t.Errorf("Settings() = %+v", s)
	}
	rules := p.Rules()
	if len(rules) != 7 || rules[0].ID != "sticky-partner-led" || rules[6].Motion != tandem.MotionDirect || !rules[6].PartnerAttached {
		t.Errorf("Rules() = %+v", rules)
	}
	if !bytes.Equal(DefaultSource(), p.Source()) {
		t.Error("Source() of the default policy differs from DefaultSource()")
	}
}

func TestRenderGolden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		render func(*Policy, *bytes.Buffer) error
		golden string
	}{
		{"markdown", func(p *Policy, b *bytes.Buffer) error { return p.RenderMarkdown(b) }, "guide.golden.md"},
		{"html", func(p *Policy, b *bytes.Buffer) error { return p.RenderHTML(b) }, "guide.golden.html"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var b bytes.Buffer
			if err := tt.render(Default(), &b); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", tt.golden)
			if *update {
				if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), b.String()); diff != "" {
				t.Errorf("%s differs from the golden file (-want +got):\n%s", tt.golden, diff)
			}
		})
	}
}

func TestRenderHTMLEscapes(t *testing.T) {
	t.Parallel()
	p := mustParse(t, `name: "<script>alert(1)</script>"
version: "1"
effective_from: 2026-01-01
rules:
  - {id: a, title: "<b>x</b>", when: 'fields["x"] matches "<"', motion: direct, explain: "<i>"}
`)
	var b bytes.Buffer
	if err := p.RenderHTML(&b); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "<script>") || strings.Contains(b.String(), "<b>x") {
		t.Errorf("HTML guide does not escape policy text:\n%s", b.String())
	}
}

func policyWith(when string) string {
	return "name: P\nversion: \"1\"\neffective_from: 2026-01-01\ncurrency: USD\ndirect_presence: [US, DE]\nrules:\n" +
		"  - id: r\n    title: R\n    when: '" + strings.ReplaceAll(when, "'", "''") + "'\n    motion: direct\n    explain: x\n" +
		"  - id: rest\n    title: Rest\n    motion: partner_led\n    explain: y\n"
}

func mustParse(t testing.TB, src string) *Policy {
	t.Helper()
	p, err := Parse("test.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func mustParseFile(t testing.TB, path string) *Policy {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Parse(path, src)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestHolidays(t *testing.T) {
	t.Parallel()
	p := mustParse(t, `name: P
version: "1"
effective_from: 2026-01-01
registration:
  business_hours:
    timezone: Europe/Berlin
    holidays: [2026-12-26, "2026-12-25", 2026-12-26]
rules:
  - {id: all, title: All, motion: direct, explain: x}
`)
	got := p.Settings().BusinessHours
	want := BusinessHours{Timezone: "Europe/Berlin", Start: "09:00", End: "17:00",
		Days: []string{"mon", "tue", "wed", "thu", "fri"}, Holidays: []string{"2026-12-25", "2026-12-26"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("business hours (-want +got):\n%s", diff)
	}
	if h := Default().Settings().BusinessHours.Holidays; len(h) != 0 {
		t.Errorf("the default policy has holidays %v, want none", h)
	}
}
