package comp

import (
	"bytes"
	_ "embed"
	"fmt"
	"math/big"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/tandem-revops/tandem/internal/versioned"
	"github.com/tandem-revops/tandem/internal/yamlnode"

	tandem "github.com/tandem-revops/tandem"
)

// Plan is a parsed compensation plan. It is immutable and safe for concurrent use.
type Plan struct {
	versioned.Header // name, version, effective date, currency and fx rates
	attribution      AttributionRules
	ae               AERules
	spiff            SPIFFRules
	partner          PartnerRules
	source           []byte
	// positions maps a field path ("spiff.bands[1].to") to where it is written, for Check.
	positions map[string]position
}

type position struct{ line, col int }

// AttributionRules configures how Attribute derives one category per opportunity. The categories are
// tried in order — partner_sourced, partner_led, partner_influenced — and the first that applies wins;
// a deal none applies to is direct.
type AttributionRules struct {
	// SourcedByRegistration: a registration in one of SourcedStatuses submitted strictly before the
	// vendor opportunity was created makes the deal partner_sourced.
	SourcedByRegistration bool
	SourcedStatuses       []tandem.RegistrationStatus
	// SourcedByTouch: a touch of kind "sourced" makes the deal partner_sourced.
	SourcedByTouch bool
	// LedMotions: a deal in one of these motions with a partner attached is partner_led.
	LedMotions []tandem.Motion
	// LedByCoSellTouch: a touch of kind "co_sell" makes the deal partner_led.
	LedByCoSellTouch bool
	// InfluenceWindowDays: an "influence" touch counts when it occurred no earlier than this many days
	// before the opportunity was created and no later than its close (open deals: no later bound).
	InfluenceWindowDays int
}

// Accelerator pays RateBasisPoints on quota credit above AboveBasisPoints of quota (10000 = 100 %).
type Accelerator struct {
	AboveBasisPoints int
	RateBasisPoints  int
}

// AERules is the account executives' part of the plan.
type AERules struct {
	Quota               tandem.Money // per period, for AEs without a quota of their own
	BaseRateBasisPoints int
	Accelerators        []Accelerator
	// QuotaCreditBasisPoints is the share of a deal's (AE-side) net value credited to quota, per
	// attribution category, in the order of tandem.Attributions.
	QuotaCreditBasisPoints [4]int
}

// SPIFFBand pays Amount for a partner-led deal whose banded value v satisfies From <= v < To (To == 0
// on the last band: no upper edge).
type SPIFFBand struct {
	From, To tandem.Money
	Amount   tandem.Money
}

// SPIFFRules is the co-sell SPIFF: a fixed amount per partner-led deal, banded by its value.
type SPIFFRules struct {
	// Basis is "net" (ACV less discount, in the plan currency) or "list" (ACV, in the plan currency).
	Basis string
	Bands []SPIFFBand
}

// Margin is a tier's margin on resale deals and on referral (and co-sell) deals; -1 when the plan
// leaves it out (Check reports it; Calculate pays nothing and says why).
type Margin struct {
	ResaleBasisPoints   int
	ReferralBasisPoints int
}

// PartnerRules is the partners' part of the plan.
type PartnerRules struct {
	Margins                      map[tandem.Tier]Margin
	RegistrationBonusBasisPoints int
	// MDFBasisPoints is the market development funds accrued per partner deal, a share of its net
	// value; it counts against gross profit, not a partner's statement.
	MDFBasisPoints int
}

// Source returns the YAML the plan was parsed from.
func (p *Plan) Source() []byte { return bytes.Clone(p.source) }

// Attribution returns the attribution rules.
func (p *Plan) Attribution() AttributionRules {
	a := p.attribution
	a.SourcedStatuses = slices.Clone(a.SourcedStatuses)
	a.LedMotions = slices.Clone(a.LedMotions)
	return a
}

// AE returns the account executives' rules.
func (p *Plan) AE() AERules {
	a := p.ae
	a.Accelerators = slices.Clone(a.Accelerators)
	return a
}

// SPIFF returns the co-sell SPIFF rules.
func (p *Plan) SPIFF() SPIFFRules {
	s := p.spiff
	s.Bands = slices.Clone(s.Bands)
	return s
}

// Partner returns the partners' rules.
func (p *Plan) Partner() PartnerRules {
	r := p.partner
	r.Margins = make(map[tandem.Tier]Margin, len(p.partner.Margins))
	for k, v := range p.partner.Margins {
		r.Margins[k] = v
	}
	return r
}

//go:embed default.yaml
var defaultSource []byte

// defaultPlan parses the built-in plan once; the result is immutable.
var defaultPlan = sync.OnceValue(func() *Plan {
	p, err := Parse("default.yaml", defaultSource)
	if err != nil {
		panic("comp: the built-in plan is invalid: " + err.Error()) // a build defect, caught by tests
	}
	return p
})

// Default returns the built-in compensation plan.
func Default() *Plan { return defaultPlan() }

// DefaultSource returns the YAML of the built-in plan, the starting point RevOps copies.
func DefaultSource() []byte { return bytes.Clone(defaultSource) }

// Problem is one thing wrong with a plan file: its position, the field and the reason.
type Problem struct {
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

func (p Problem) String() string {
	s := ""
	if p.Line > 0 {
		s = fmt.Sprintf("%d:%d: ", p.Line, p.Column)
	}
	if p.Field != "" {
		s += p.Field + ": "
	}
	return s + p.Message
}

// Error is returned by Parse: every problem found in the file, in file order. It unwraps to a tandem
// EINVALID error so the server reports it as a bad request.
type Error struct {
	Name     string
	Problems []Problem
}

func (e *Error) Error() string {
	return yamlnode.FormatProblems(e.Name, e.Problems, func(p Problem) int { return p.Line })
}

func (e *Error) Unwrap() error {
	return &tandem.Error{Code: tandem.EINVALID, Message: "invalid compensation plan: " + e.Error()}
}

// The plan file as written. Amounts and rates are strings so that "10%" and "$1,500,000" read as
// people write them and nothing passes through floating point.
type fileYAML struct {
	versioned.HeaderYAML `yaml:",inline"`
	Attribution          *attributionYAML `yaml:"attribution"`
	AE                   *aeYAML          `yaml:"ae"`
	SPIFF                *spiffYAML       `yaml:"spiff"`
	Partner              *partnerYAML     `yaml:"partner"`
}

type attributionYAML struct {
	SourcedByRegistration *bool    `yaml:"sourced_by_registration"`
	SourcedStatuses       []string `yaml:"sourced_registration_statuses"`
	SourcedByTouch        *bool    `yaml:"sourced_by_touch"`
	LedMotions            []string `yaml:"led_motions"`
	LedByCoSellTouch      *bool    `yaml:"led_by_co_sell_touch"`
	InfluenceWindowDays   *int     `yaml:"influence_window_days"`
}

type aeYAML struct {
	Quota        string            `yaml:"quota"`
	BaseRate     string            `yaml:"base_rate"`
	Accelerators []acceleratorYAML `yaml:"accelerators"`
	QuotaCredit  map[string]string `yaml:"quota_credit"`
}

type acceleratorYAML struct {
	Above string `yaml:"above"`
	Rate  string `yaml:"rate"`
}

type spiffYAML struct {
	Basis string     `yaml:"basis"`
	Bands []bandYAML `yaml:"bands"`
}

type bandYAML struct {
	From   string `yaml:"from"`
	To     string `yaml:"to"`
	Amount string `yaml:"amount"`
}

type partnerYAML struct {
	Margins           map[string]marginYAML `yaml:"margins"`
	RegistrationBonus string                `yaml:"registration_bonus"`
	MDF               string                `yaml:"mdf"`
}

type marginYAML struct {
	Resale   string `yaml:"resale"`
	Referral string `yaml:"referral"`
}

// parser collects problems while a plan is parsed.
type parser struct {
	problems []Problem
	plan     *Plan
}

func (ps *parser) add(line, col int, field, format string, args ...any) {
	ps.problems = append(ps.problems, Problem{Line: line, Column: col, Field: field, Message: fmt.Sprintf(format, args...)})
}

// addAt reports a problem at the value of key in mapping n (or at n when the key is absent).
func (ps *parser) addAt(n *yaml.Node, key, field, format string, args ...any) {
	l, c := yamlnode.ValuePos(n, key)
	ps.add(l, c, field, format, args...)
}

// record remembers where field is written, for Check.
func (ps *parser) record(n *yaml.Node, key, field string) {
	l, c := yamlnode.ValuePos(n, key)
	ps.plan.positions[field] = position{l, c}
}

// Parse parses a compensation plan file. name is used in error messages (a file name, say). It returns
// an *Error listing every problem, each with its line, column and field, when the file is invalid.
// Settings the file leaves out get the defaults documented in default.yaml.
func Parse(name string, src []byte) (*Plan, error) {
	ps := &parser{}
	doc, bad := yamlnode.Document(src)
	if bad != nil {
		ps.add(bad.Line, bad.Column, "", "%s", bad.Message)
		return nil, &Error{Name: name, Problems: ps.problems}
	}
	if doc == nil || doc.Kind != yaml.MappingNode {
		ps.add(1, 1, "", "the plan file is empty or not a mapping of settings")
		return nil, &Error{Name: name, Problems: ps.problems}
	}
	checkKeys(ps, doc, reflect.TypeFor[fileYAML](), "")
	if len(ps.problems) > 0 {
		return nil, &Error{Name: name, Problems: ps.problems}
	}
	var f fileYAML
	if problems := yamlnode.Decode(doc, &f, func(line int, _ string) int { return columnOf(doc, line) }); problems != nil {
		for _, pr := range problems {
			ps.add(pr.Line, pr.Column, "", "%s", pr.Message)
		}
		return nil, &Error{Name: name, Problems: ps.problems}
	}
	p := ps.build(&f, doc)
	if len(ps.problems) > 0 {
		sort.SliceStable(ps.problems, func(i, j int) bool {
			a, b := ps.problems[i], ps.problems[j]
			return a.Line < b.Line || a.Line == b.Line && a.Column < b.Column
		})
		return nil, &Error{Name: name, Problems: ps.problems}
	}
	p.source = bytes.Clone(src)
	return p, nil
}

// checkKeys reports mapping keys that t (the type decoded from node) does not have, and keys written
// twice, with their positions.
func checkKeys(ps *parser, node *yaml.Node, t reflect.Type, path string) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t.Kind() == reflect.Slice && node.Kind == yaml.SequenceNode:
		for i, item := range node.Content {
			checkKeys(ps, item, t.Elem(), fmt.Sprintf("%s[%d]", path, i))
		}
	case t.Kind() == reflect.Map && node.Kind == yaml.MappingNode:
		seen := map[string]int{}
		for i := 0; i+1 < len(node.Content); i += 2 {
			k, v := node.Content[i], node.Content[i+1]
			if prev, dup := seen[k.Value]; dup {
				ps.add(k.Line, k.Column, join(path, k.Value), "written twice (first at line %d)", prev)
				continue
			}
			seen[k.Value] = k.Line
			checkKeys(ps, v, t.Elem(), join(path, k.Value))
		}
	case t.Kind() == reflect.Struct && node.Kind == yaml.MappingNode:
		names, fields := yamlnode.Fields(t)
		seen := map[string]int{}
		for i := 0; i+1 < len(node.Content); i += 2 {
			k, v := node.Content[i], node.Content[i+1]
			field := join(path, k.Value)
			if prev, dup := seen[k.Value]; dup {
				ps.add(k.Line, k.Column, field, "written twice (first at line %d)", prev)
				continue
			}
			seen[k.Value] = k.Line
			ft, ok := fields[k.Value]
			if !ok {
				where := "the plan"
				if path != "" {
					where = path
				}
				ps.add(k.Line, k.Column, field, "unknown field in %s (known fields: %s)", where, strings.Join(names, ", "))
				continue
			}
			checkKeys(ps, v, ft, field)
		}
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// columnOf returns the column of the first node on line, else 1.
func columnOf(n *yaml.Node, line int) int { return max(1, yamlnode.ColumnOf(n, line, nil)) }

// parseBasisPoints reads a percentage such as "12.5%" as basis points (1250). It must be exact to
// 0.01 % and not negative.
func parseBasisPoints(s string) (int, error) {
	s = strings.TrimSpace(s)
	num, ok := strings.CutSuffix(s, "%")
	if !ok {
		return 0, fmt.Errorf("%q is not a percentage: write it like \"10%%\"", s)
	}
	r, ok := new(big.Rat).SetString(strings.TrimSpace(num))
	if !ok {
		return 0, fmt.Errorf("%q is not a percentage: write it like \"10%%\"", s)
	}
	if r.Sign() < 0 {
		return 0, fmt.Errorf("%q is negative", s)
	}
	r.Mul(r, big.NewRat(100, 1))
	if !r.IsInt() || !r.Num().IsInt64() || r.Num().Int64() > 1_000_000 {
		return 0, fmt.Errorf("%q is finer than 0.01%% or too large", s)
	}
	return int(r.Num().Int64()), nil
}

// build validates the decoded file and fills the defaults.
func (ps *parser) build(f *fileYAML, doc *yaml.Node) *Plan {
	report := func(line, col int, field, msg string) { ps.add(line, col, field, "%s", msg) }
	badRate := func(code, rate, currency string) string {
		return fmt.Sprintf("%q is not a positive decimal number (the value of one %s in %s)", rate, code, currency)
	}
	p := &Plan{
		Header:    versioned.ParseHeader(&f.HeaderYAML, doc, report, badRate),
		positions: map[string]position{},
	}
	ps.plan = p
	ps.buildAttribution(f.Attribution, yamlnode.Child(doc, "attribution"))
	ps.buildAE(f.AE, doc)
	ps.buildSPIFF(f.SPIFF, yamlnode.Child(doc, "spiff"))
	ps.buildPartner(f.Partner, yamlnode.Child(doc, "partner"))
	return p
}

// defaultAttribution is what a plan gets for the attribution settings it leaves out.
func defaultAttribution() AttributionRules {
	return AttributionRules{
		SourcedByRegistration: true,
		SourcedStatuses:       []tandem.RegistrationStatus{tandem.RegistrationApproved, tandem.RegistrationWon},
		SourcedByTouch:        true,
		LedMotions:            []tandem.Motion{tandem.MotionPartnerLed, tandem.MotionCoSell},
		LedByCoSellTouch:      true,
		InfluenceWindowDays:   180,
	}
}

func (ps *parser) buildAttribution(a *attributionYAML, n *yaml.Node) {
	r := defaultAttribution()
	if a != nil {
		if a.SourcedByRegistration != nil {
			r.SourcedByRegistration = *a.SourcedByRegistration
		}
		if a.SourcedByTouch != nil {
			r.SourcedByTouch = *a.SourcedByTouch
		}
		if a.LedByCoSellTouch != nil {
			r.LedByCoSellTouch = *a.LedByCoSellTouch
		}
		if yamlnode.Child(n, "sourced_registration_statuses") != nil {
			r.SourcedStatuses = nil
			for i, s := range a.SourcedStatuses {
				st := tandem.RegistrationStatus(strings.TrimSpace(s))
				if !st.Valid() {
					l, c := yamlnode.Pos(yamlnode.Item(yamlnode.Child(n, "sourced_registration_statuses"), i))
					ps.add(l, c, fmt.Sprintf("attribution.sourced_registration_statuses[%d]", i), "%q is not a registration status", s)
					continue
				}
				r.SourcedStatuses = append(r.SourcedStatuses, st)
			}
		}
		if yamlnode.Child(n, "led_motions") != nil {
			r.LedMotions = nil
			for i, s := range a.LedMotions {
				m := tandem.Motion(strings.TrimSpace(s))
				if !m.Valid() {
					l, c := yamlnode.Pos(yamlnode.Item(yamlnode.Child(n, "led_motions"), i))
					ps.add(l, c, fmt.Sprintf("attribution.led_motions[%d]", i), "%q is not one of partner_led, co_sell, direct", s)
					continue
				}
				r.LedMotions = append(r.LedMotions, m)
			}
		}
		if a.InfluenceWindowDays != nil {
			if *a.InfluenceWindowDays < 0 {
				ps.addAt(n, "influence_window_days", "attribution.influence_window_days", "cannot be negative")
			} else {
				r.InfluenceWindowDays = *a.InfluenceWindowDays
			}
		}
	}
	ps.plan.attribution = r
}

// money parses an amount in the plan currency; "" is an error when required.
func (ps *parser) money(n *yaml.Node, key, field, s string) (tandem.Money, bool) {
	m, cur, err := tandem.ParseMoney(strings.TrimSpace(s))
	if err != nil {
		ps.addAt(n, key, field, "%q is not an amount such as \"1500000\" or \"$1,500,000\"", s)
		return 0, false
	}
	if cur != "" && cur != ps.plan.Currency() {
		ps.addAt(n, key, field, "%q is in %s, the plan pays in %s", s, cur, ps.plan.Currency())
		return 0, false
	}
	if m < 0 {
		ps.addAt(n, key, field, "%q is negative", s)
		return 0, false
	}
	// The one range of every money input (quota, band, SPIFF), so sums over the plan's amounts stay exact.
	if err := tandem.CheckAmount(field, m); err != nil {
		ps.addAt(n, key, field, "%q is over the largest amount Tandem accepts (%s)", s, tandem.MaxAmount)
		return 0, false
	}
	ps.record(n, key, field)
	return m, true
}

// rate parses a percentage into basis points.
func (ps *parser) rate(n *yaml.Node, key, field, s string) (int, bool) {
	bp, err := parseBasisPoints(s)
	if err != nil {
		ps.addAt(n, key, field, "%v", err)
		return 0, false
	}
	ps.record(n, key, field)
	return bp, true
}

// requiredRate is rate for a setting that must be written: when s is blank it reports required.
func (ps *parser) requiredRate(n *yaml.Node, key, field, s, required string) (int, bool) {
	if strings.TrimSpace(s) == "" {
		ps.addAt(n, key, field, "%s", required)
		return 0, false
	}
	return ps.rate(n, key, field, s)
}

// requiredMoney is money for a setting that must be written: when s is blank it reports required.
func (ps *parser) requiredMoney(n *yaml.Node, key, field, s, required string) (tandem.Money, bool) {
	if strings.TrimSpace(s) == "" {
		ps.addAt(n, key, field, "%s", required)
		return 0, false
	}
	return ps.money(n, key, field, s)
}

func (ps *parser) buildAE(a *aeYAML, doc *yaml.Node) {
	n := yamlnode.Child(doc, "ae")
	r := AERules{QuotaCreditBasisPoints: [4]int{10000, 10000, 10000, 10000}}
	if a == nil {
		ps.addAt(doc, "ae", "ae", "is required: the AE quota and base rate")
		ps.plan.ae = r
		return
	}
	if m, ok := ps.requiredMoney(n, "quota", "ae.quota", a.Quota, "is required: the quota per period for AEs without their own"); ok {
		if m == 0 {
			ps.addAt(n, "quota", "ae.quota", "must be more than zero")
		}
		r.Quota = m
	}
	if bp, ok := ps.requiredRate(n, "base_rate", "ae.base_rate", a.BaseRate, `is required (a percentage such as "10%")`); ok {
		r.BaseRateBasisPoints = bp
	}
	accN := yamlnode.Child(n, "accelerators")
	for i, ay := range a.Accelerators {
		in := yamlnode.Item(accN, i)
		field := fmt.Sprintf("ae.accelerators[%d]", i)
		above, aboveOK := ps.requiredRate(in, "above", field+".above", ay.Above, `is required (an attainment such as "100%")`)
		rate, rateOK := ps.requiredRate(in, "rate", field+".rate", ay.Rate, `is required (a percentage such as "15%")`)
		if aboveOK && rateOK {
			r.Accelerators = append(r.Accelerators, Accelerator{AboveBasisPoints: above, RateBasisPoints: rate})
		}
	}
	qcN := yamlnode.Child(n, "quota_credit")
	for k, v := range a.QuotaCredit {
		at := tandem.Attribution(k)
		field := "ae.quota_credit." + k
		idx := slices.Index(tandem.Attributions, at)
		if idx < 0 {
			l, c := yamlnode.KeyPos(qcN, k)
			ps.add(l, c, field, "%q is not an attribution category (direct, partner_sourced, partner_led, partner_influenced)", k)
			continue
		}
		if bp, ok := ps.rate(qcN, k, field, v); ok {
			r.QuotaCreditBasisPoints[idx] = bp
		}
	}
	ps.plan.ae = r
}

func (ps *parser) buildSPIFF(s *spiffYAML, n *yaml.Node) {
	r := SPIFFRules{Basis: "net"}
	if s != nil {
		switch b := strings.TrimSpace(s.Basis); b {
		case "":
		case "net", "list":
			r.Basis = b
		default:
			ps.addAt(n, "basis", "spiff.basis", "%q is not net or list", s.Basis)
		}
		bandsN := yamlnode.Child(n, "bands")
		for i, by := range s.Bands {
			in := yamlnode.Item(bandsN, i)
			field := fmt.Sprintf("spiff.bands[%d]", i)
			var band SPIFFBand
			var ok bool
			band.From, ok = ps.requiredMoney(in, "from", field+".from", by.From, "is required (the lowest value the band pays for, inclusive)")
			if strings.TrimSpace(by.To) != "" {
				if m, good := ps.money(in, "to", field+".to", by.To); good {
					band.To = m
					if m <= band.From {
						ps.addAt(in, "to", field+".to", "must be above from (%s)", band.From.Format(ps.plan.Currency()))
						ok = false
					}
				} else {
					ok = false
				}
			} else if i != len(s.Bands)-1 {
				ps.addAt(in, "to", field+".to", "is required on every band but the last (the value the band stops at, exclusive)")
				ok = false
			}
			amount, amountOK := ps.requiredMoney(in, "amount", field+".amount", by.Amount, `is required (the SPIFF paid, such as "500")`)
			band.Amount, ok = amount, ok && amountOK
			if in != nil {
				ps.plan.positions[field] = position{in.Line, in.Column}
			}
			if ok {
				r.Bands = append(r.Bands, band)
			}
		}
	}
	ps.plan.spiff = r
}

func (ps *parser) buildPartner(pa *partnerYAML, n *yaml.Node) {
	r := PartnerRules{Margins: map[tandem.Tier]Margin{}}
	if pa != nil {
		mN := yamlnode.Child(n, "margins")
		for k, m := range pa.Margins {
			tier := tandem.Tier(k)
			field := "partner.margins." + k
			if !tier.Valid() {
				l, c := yamlnode.KeyPos(mN, k)
				ps.add(l, c, field, "%q is not a tier (platinum, gold, silver, registered)", k)
				continue
			}
			tn := yamlnode.Child(mN, k)
			ps.plan.positions[field] = position{tn.Line, tn.Column}
			mg := Margin{ResaleBasisPoints: -1, ReferralBasisPoints: -1}
			if strings.TrimSpace(m.Resale) != "" {
				if bp, ok := ps.rate(tn, "resale", field+".resale", m.Resale); ok {
					mg.ResaleBasisPoints = bp
				}
			}
			if strings.TrimSpace(m.Referral) != "" {
				if bp, ok := ps.rate(tn, "referral", field+".referral", m.Referral); ok {
					mg.ReferralBasisPoints = bp
				}
			}
			r.Margins[tier] = mg
		}
		if strings.TrimSpace(pa.RegistrationBonus) != "" {
			if bp, ok := ps.rate(n, "registration_bonus", "partner.registration_bonus", pa.RegistrationBonus); ok {
				r.RegistrationBonusBasisPoints = bp
			}
		}
		if strings.TrimSpace(pa.MDF) != "" {
			if bp, ok := ps.rate(n, "mdf", "partner.mdf", pa.MDF); ok {
				r.MDFBasisPoints = bp
			}
		}
		if n != nil {
			ps.plan.positions["partner"] = position{n.Line, n.Column}
			if mN != nil {
				ps.plan.positions["partner.margins"] = position{mN.Line, mN.Column}
			}
		}
	}
	ps.plan.partner = r
}
