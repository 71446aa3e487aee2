package comp

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"strings"
	"testing"
	"time"

	tandem "github.com/tandem-revops/tandem"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// minimal is the smallest valid plan; cases append to it.
const minimal = `name: Test plan
version: "t1"
effective_from: 2026-01-01
ae:
  quota: "1000000"
  base_rate: "10%"
`

func TestDefaultPlan(t *testing.T) {
	t.Parallel()
	p := Default()
	if p.Name() == "" || p.Version() != "2026.1" || p.Currency() != "USD" || !p.EffectiveFrom().Equal(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("default plan header: %q %q %q %v", p.Name(), p.Version(), p.Currency(), p.EffectiveFrom())
	}
	if f := Check(p); len(f) != 0 {
		t.Errorf("the built-in plan has findings: %v", f)
	}
	if !bytes.Equal(p.Source(), DefaultSource()) {
		t.Error("Source() differs from DefaultSource()")
	}
	if ae := p.AE(); ae.Quota != tandem.Major(1_500_000) || ae.BaseRateBasisPoints != 800 || len(ae.Accelerators) != 2 {
		t.Errorf("ae = %+v", ae)
	}
}

func TestParseDefaults(t *testing.T) {
	t.Parallel()
	p, err := Parse("min.yaml", []byte(minimal))
	if err != nil {
		t.Fatal(err)
	}
	if p.Currency() != "USD" || p.SPIFF().Basis != "net" || p.AE().QuotaCreditBasisPoints != [4]int{10000, 10000, 10000, 10000} {
		t.Errorf("defaults not filled: %s %+v %+v", p.Currency(), p.SPIFF(), p.AE())
	}
	if a := p.Attribution(); !a.SourcedByRegistration || a.InfluenceWindowDays != 180 || len(a.LedMotions) != 2 {
		t.Errorf("attribution defaults = %+v", a)
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		src  string
		want []string // each must appear in the error, in order
	}{
		{"invalid yaml", "name: [x\n", []string{"bad.yaml:", "invalid YAML"}},
		{"empty", "", []string{"bad.yaml:1:1: the plan file is empty"}},
		{"missing header", "ae: {quota: \"1\", base_rate: \"1%\"}\n", []string{"name: is required", "version: is required", "effective_from: is required"}},
		{"unknown key", minimal + "  bonus_rate: \"1%\"\n", []string{"bad.yaml:7:3: ae.bonus_rate: unknown field in ae (known fields: quota, base_rate, accelerators, quota_credit)"}},
		{"unknown top-level key", minimal + "spiffs: {}\n", []string{"bad.yaml:7:1: spiffs: unknown field in the plan"}},
		{"duplicate key", minimal + "  quota: \"5\"\n", []string{"bad.yaml:7:3: ae.quota: written twice (first at line 5)"}},
		{"rate without percent", strings.Replace(minimal, `"10%"`, `"0.1"`, 1), []string{"bad.yaml:6:14: ae.base_rate: \"0.1\" is not a percentage"}},
		{"rate too fine", strings.Replace(minimal, `"10%"`, `"10.125%"`, 1), []string{"bad.yaml:6:14: ae.base_rate: \"10.125%\" is finer than 0.01%"}},
		{"negative rate", strings.Replace(minimal, `"10%"`, `"-1%"`, 1), []string{"ae.base_rate: \"-1%\" is negative"}},
		{"bad quota", strings.Replace(minimal, `"1000000"`, `"lots"`, 1), []string{"bad.yaml:5:10: ae.quota: \"lots\" is not an amount"}},
		{"quota past the range", strings.Replace(minimal, `"1000000"`, `"20000000000"`, 1), []string{"bad.yaml:5:10: ae.quota: \"20000000000\" is over the largest amount Tandem accepts"}},
		{"spiff past the range", minimal + "spiff:\n  bands:\n    - {from: \"0\", amount: \"$20,000,000,000\"}\n", []string{"bad.yaml:9:27: spiff.bands[0].amount: \"$20,000,000,000\" is over the largest amount Tandem accepts"}},
		{"zero quota", strings.Replace(minimal, `"1000000"`, `"0"`, 1), []string{"bad.yaml:5:10: ae.quota: must be more than zero"}},
		{"quota in another currency", strings.Replace(minimal, `"1000000"`, `"€1000"`, 1), []string{"ae.quota: \"€1000\" is in EUR, the plan pays in USD"}},
		{"missing ae", "name: x\nversion: \"1\"\neffective_from: 2026-01-01\n", []string{"ae: is required"}},
		{"bad date", strings.Replace(minimal, "2026-01-01", "01/01/2026", 1), []string{"bad.yaml:3:17: effective_from: \"01/01/2026\" is not a date"}},
		{"bad fx", minimal + "fx: {EUR: \"-1\"}\n", []string{"bad.yaml:7:11: fx.EUR: \"-1\" is not a positive decimal number"}},
		{"bad credit category", minimal + "  quota_credit: {partner: \"50%\"}\n", []string{"bad.yaml:7:18: ae.quota_credit.partner: \"partner\" is not an attribution category"}},
		{"bad tier", minimal + "partner:\n  margins:\n    diamond: {resale: \"30%\"}\n", []string{"bad.yaml:9:5: partner.margins.diamond: \"diamond\" is not a tier"}},
		{"band without to", minimal + "spiff:\n  bands:\n    - {from: \"0\", amount: \"500\"}\n    - {from: \"10\", amount: \"600\"}\n", []string{"bad.yaml:9:7: spiff.bands[0].to: is required on every band but the last"}},
		{"band upside down", minimal + "spiff:\n  bands:\n    - {from: \"100\", to: \"50\", amount: \"500\"}\n", []string{"bad.yaml:9:25: spiff.bands[0].to: must be above from ($100.00)"}},
		{"bad basis", minimal + "spiff: {basis: gross}\n", []string{"bad.yaml:7:16: spiff.basis: \"gross\" is not net or list"}},
		{"bad motion", minimal + "attribution: {led_motions: [partner_led, hybrid]}\n", []string{"bad.yaml:7:42: attribution.led_motions[1]: \"hybrid\" is not one of"}},
		{"wrong type", minimal + "attribution: {influence_window_days: soon}\n", []string{"bad.yaml:7:", "cannot unmarshal"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse("bad.yaml", []byte(tt.src))
			if err == nil {
				t.Fatal("parsed; want an error")
			}
			var perr *Error
			if !errors.As(err, &perr) || tandem.ErrorCode(err) != tandem.EINVALID {
				t.Errorf("err %T (%v) is not a *comp.Error unwrapping to EINVALID", err, err)
			}
			msg, at := err.Error(), 0
			for _, w := range tt.want {
				i := strings.Index(msg[at:], w)
				if i < 0 {
					t.Fatalf("error %q does not contain %q (in order)", msg, w)
				}
				at += i + len(w)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	margins := "partner:\n  margins:\n    platinum: {resale: \"25%\", referral: \"15%\"}\n    gold: {resale: \"20%\", referral: \"12%\"}\n    silver: {resale: \"15%\", referral: \"10%\"}\n    registered: {resale: \"10%\", referral: \"5%\"}\n"
	clean := minimal + margins
	tests := []struct {
		name string
		src  string
		want []string // Finding.String() of every finding, in order
	}{
		{"clean", clean, nil},
		{"gap", clean + "spiff:\n  bands:\n    - {from: \"25000\", to: \"100000\", amount: \"500\"}\n    - {from: \"150000\", amount: \"1000\"}\n",
			[]string{"16:14: error: spiff.bands[1].from: gap: no SPIFF for values from $100,000.00 up to $150,000.00 (band 0 ends at $100,000.00)"}},
		{"overlap", clean + "spiff:\n  bands:\n    - {from: \"25000\", to: \"100000\", amount: \"500\"}\n    - {from: \"90000\", amount: \"1000\"}\n",
			[]string{"16:14: error: spiff.bands[1].from: overlap: values from $90,000.00 up to $100,000.00 fall in bands 0 and 1"}},
		{"spiff out of range", clean + "spiff:\n  bands:\n    - {from: \"25000\", amount: \"2500\"}\n",
			[]string{"15:31: warning: spiff.bands[0].amount: $2,500.00 is outside the co-sell SPIFF range of $500.00 to $2,000.00"}},
		{"thresholds not ascending", minimal + "  accelerators:\n    - {above: \"150%\", rate: \"12%\"}\n    - {above: \"120%\", rate: \"15%\"}\n" + margins,
			[]string{"9:15: error: ae.accelerators[1].above: 120% is not above the previous threshold 150%: thresholds must ascend"}},
		{"rates not ascending", minimal + "  accelerators:\n    - {above: \"100%\", rate: \"9%\"}\n" + margins,
			[]string{"8:29: error: ae.accelerators[0].rate: 9% is not above the rate below it (10%): accelerator rates must ascend"}},
		{"accelerating early", minimal + "  accelerators:\n    - {above: \"90%\", rate: \"12%\"}\n" + margins,
			[]string{"8:15: warning: ae.accelerators[0].above: 90% accelerates below 100% attainment"}},
		{"credit out of range", minimal + "  quota_credit: {partner_sourced: \"150%\"}\n" + margins,
			[]string{"7:35: error: ae.quota_credit.partner_sourced: 150% is out of range: a credit share is 0% to 100% of the deal"}},
		{"base rate out of range", strings.Replace(clean, `"10%"`, `"60%"`, 1), []string{"6:14: error: ae.base_rate: 60% is out of range (0% to 50%)"}},
		{"tier missing a margin", strings.Replace(clean, "    silver: {resale: \"15%\", referral: \"10%\"}\n", "    silver: {resale: \"15%\"}\n", 1),
			[]string{"11:13: error: partner.margins.silver: the silver tier has no referral margin"}},
		{"tier missing", strings.Replace(clean, "    registered: {resale: \"10%\", referral: \"5%\"}\n", "", 1),
			[]string{"9:5: error: partner.margins: the registered tier has no resale margin", "9:5: error: partner.margins: the registered tier has no referral margin"}},
		{"margin plus bonus over the deal", clean + "  registration_bonus: \"80%\"\n",
			[]string{"9:24: error: partner.margins.platinum.resale: 25% plus the registration bonus 80% is more than the whole deal"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := Parse("check.yaml", []byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range Check(p) {
				got = append(got, f.String())
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestPeriods(t *testing.T) {
	t.Parallel()
	p, err := ParsePeriod("2026-q3")
	if err != nil {
		t.Fatal(err)
	}
	if p.ID != "2026-Q3" || !p.Start.Equal(time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)) || !p.End.Equal(time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("ParsePeriod = %+v", p)
	}
	// Both spellings are accepted and give the stored key; Label writes the displayed one.
	for _, in := range []string{"2026Q3", "2026q3", " 2026-Q3 "} {
		if q, err := ParsePeriod(in); err != nil || q.ID != "2026-Q3" || q.Label() != "2026Q3" {
			t.Errorf("ParsePeriod(%q) = %+v (label %q), %v; want 2026-Q3 labelled 2026Q3", in, q, q.Label(), err)
		}
	}
	for _, bad := range []string{"2026", "2026-Q5", "2026-Q0", "26-Q1", "2026--Q1", "2026-Q12", "2026Q", "Q1", "2026-1"} {
		if _, err := ParsePeriod(bad); tandem.ErrorCode(err) != tandem.EINVALID {
			t.Errorf("ParsePeriod(%q) err = %v, want EINVALID", bad, err)
		}
	}
	for _, tc := range []struct {
		t    time.Time
		want string
	}{
		{time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), "2026-Q1"},
		{time.Date(2026, 3, 31, 23, 59, 59, 0, time.UTC), "2026-Q1"},
		{time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), "2026-Q2"},
		{time.Date(2026, 12, 31, 12, 0, 0, 0, time.UTC), "2026-Q4"},
		{time.Date(2027, 1, 1, 1, 0, 0, 0, time.FixedZone("CET", 3600*2)), "2026-Q4"}, // 23:00 UTC on 31 December
	} {
		q := QuarterOf(tc.t)
		if q.ID != tc.want || !q.Contains(tc.t) {
			t.Errorf("QuarterOf(%v) = %+v, want %s containing it", tc.t, q, tc.want)
		}
		if pp, _ := ParsePeriod(q.ID); pp != q {
			t.Errorf("ParsePeriod(%s) = %+v, QuarterOf gave %+v", q.ID, pp, q)
		}
	}
}

func TestRenderGolden(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		file   string
		render func(*Plan) ([]byte, error)
	}{
		{"testdata/plan.golden.md", RenderMarkdown},
		{"testdata/plan.golden.html", RenderHTML},
	} {
		got, err := tc.render(Default())
		if err != nil {
			t.Fatal(err)
		}
		if *update {
			if err := os.WriteFile(tc.file, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(tc.file)
		if err != nil {
			t.Fatalf("%v (run go test -update to create it)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the rendering; run go test -update and review the diff", tc.file)
		}
	}
	html, _ := RenderHTML(Default())
	for _, s := range []string{"<h1>Tandem default compensation plan</h1>", "<td>$500,000.00 or more</td><td>no upper edge</td><td class=\"num\">$2,000.00</td>", "accelerator (ae.accelerators[0])"} {
		if !bytes.Contains(html, []byte(s)) {
			t.Errorf("the HTML plan lacks %q", s)
		}
	}
}

func TestInlineHTML(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"**direct** — none":              "<strong>direct</strong> — none",
		"a *co-sell* touch":              "a <em>co-sell</em> touch",
		"**a** and *b* and **c**":        "<strong>a</strong> and <em>b</em> and <strong>c</strong>",
		"<script>**x**</script>":         "&lt;script&gt;<strong>x</strong>&lt;/script&gt;",
		"2 * 3 is six":                   "2 * 3 is six",
		"**unclosed bold":                "**unclosed bold",
		"plain & simple":                 "plain &amp; simple",
		`**"quoted"**`:                   "<strong>&#34;quoted&#34;</strong>",
		"no markers at all, nothing new": "no markers at all, nothing new",
	} {
		if got := string(inlineHTML(in)); got != want {
			t.Errorf("inlineHTML(%q) = %q, want %q", in, got, want)
		}
	}
}
