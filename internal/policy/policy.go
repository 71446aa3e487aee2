// Package policy owns Tandem's rules of engagement (ROE): the versioned, effective-dated YAML file that
// says which motion — partner_led, co_sell or direct — every deal takes, the engine that routes deals
// through it, the linter that finds rules that can never match and deals no rule decides, the
// simulator that compares a draft with the policy in force, and the channel program guide rendered
// from the same file.
//
// # The policy file
//
//	name: Acme rules of engagement
//	version: "2026.1"
//	effective_from: 2026-01-01
//	currency: USD                      # the currency acv is compared in
//	fx: {EUR: "1.08"}                  # value of one unit of a currency in the policy currency
//	direct_presence: [US, CA, GB]      # countries where the vendor sells direct
//	registration: {protection_days: 90, extensions: 1, approval_sla_business_hours: 48}
//	# registration.business_hours: {timezone: Europe/Berlin, start: "09:00", end: "17:00",
//	#   days: [mon, tue, wed, thu, fri], holidays: [2026-12-25]}
//	# registration.auto_approve: {enabled: true, max_acv: "500,000", require_good_standing: true}
//	# registration.alerts: {warn_at_percent: 75}
//	conflicts: {level_sla_business_days: [3, 2, 1, 2], protected_stage: proposal,
//	  discount_guardrails: {partner_led: 15%, co_sell: 20%, direct: 30%}}
//	# predictions.conflict_risk: {medium_at: 20%, high_at: 50%}   # how the queue grades a risk score
//	rules:                             # in order; the first rule whose condition holds decides
//	  - id: small-deals
//	    title: Small deals are partner-led
//	    when: acv < 250000
//	    motion: partner_led
//	    explain: "ACV {{.ACV}} is under $250,000: the partner leads"
//
// A rule's condition is an expr-lang expression (https://expr-lang.org) over these variables: acv (the
// deal's ACV converted to the policy currency, compared exactly to the cent), currency, country (ISO
// 3166-1 alpha-2), vertical, product_type, partner_tier, has_partner, registration_status,
// current_motion, stage, fields (a map of any other deal field) and direct_presence (the list above).
// acv may only be compared (<, <=, >, >=, ==, !=) with numbers; a rule without a condition decides
// every deal that reaches it. Conditions are compiled once, when the policy is parsed.
//
// An explanation may interpolate {{.ACV}} (the converted ACV formatted as money), {{.DealACV}} (as
// written on the deal, in its own currency), {{.Currency}}, {{.Country}}, {{.Vertical}},
// {{.ProductType}}, {{.PartnerTier}}, {{.RegistrationStatus}}, {{.CurrentMotion}}, {{.Stage}}, {{.ID}}
// and {{.Account}}; nothing else between double braces is allowed.
package policy

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"math/big"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/tandem-revops/tandem/internal/country"
	"github.com/tandem-revops/tandem/internal/versioned"
	"github.com/tandem-revops/tandem/internal/yamlnode"

	tandem "github.com/tandem-revops/tandem"
)

// Policy is a parsed, compiled rules-of-engagement policy. It is immutable and safe for concurrent use.
type Policy struct {
	versioned.Header // name, version, effective date, currency and fx rates
	directPresence   []string
	presence         map[string]bool
	registration     Registration
	autoApproveMax   tandem.Money // registration.auto_approve.max_acv in the policy currency; 0 for no limit
	conflicts        tandem.ConflictSettings
	riskBands        RiskBands
	rules            []*rule
	usesFields       bool
	source           []byte

	routers sync.Pool // of *Router, so Route can reuse scratch space across calls
}

// Registration holds the settings of the deal-registration programme that the policy publishes.
// Other parts of Tandem read it; the policy only validates it and renders it in the guide.
type Registration struct {
	// ProtectionDays is how long an approved registration protects the partner's deal.
	ProtectionDays int `yaml:"protection_days"`
	// Extensions is how many times a partner may extend the protection.
	Extensions int `yaml:"extensions"`
	// ExtensionDays is how long each extension lasts.
	ExtensionDays int `yaml:"extension_days"`
	// ApprovalSLABusinessHours is how long channel ops has to approve or reject a registration.
	ApprovalSLABusinessHours int `yaml:"approval_sla_business_hours"`
	// BusinessHours is the calendar the SLA is counted in.
	BusinessHours BusinessHours `yaml:"business_hours"`
	// AutoApprove says when a clean registration is approved on submission without waiting for a person.
	AutoApprove AutoApprove `yaml:"auto_approve"`
	// Alerts says when a registration waiting for a decision is flagged.
	Alerts Alerts `yaml:"alerts"`
}

// AutoApprove is the auto-approval of clean registrations: no overlap with another claim, routed by the
// policy without error, under MaxACV when set, from a partner in good standing (unless that is waived).
type AutoApprove struct {
	Enabled bool `yaml:"enabled"`
	// MaxACV, as written ("250000" or "250,000.00"), in the policy currency; "" for no limit.
	MaxACV string `yaml:"max_acv"`
	// RequireGoodStanding keeps registrations of partners on probation in the queue. Suspended
	// partners are never auto-approved.
	RequireGoodStanding bool `yaml:"require_good_standing"`
}

// Alerts are the approval-SLA alert settings.
type Alerts struct {
	// WarnAtPercent is the share of the approval SLA after which a waiting registration is at risk.
	WarnAtPercent int `yaml:"warn_at_percent"`
}

// WarnFraction is WarnAtPercent as a fraction of the SLA budget.
func (a Alerts) WarnFraction() float64 { return float64(a.WarnAtPercent) / 100 }

// Conflicts holds the channel-conflict settings as written in the policy file. Parsed, they are the
// tandem.ConflictSettings that Policy.ConflictSettings returns.
type Conflicts struct {
	// LevelSLABusinessDays is the resolution SLA of escalation levels 1 to 4 (AE and partner manager,
	// VPs, CRO, CEO), in business days.
	LevelSLABusinessDays []int `yaml:"level_sla_business_days"`
	// ProtectedStage is the stage from which a deal may not be re-routed without a conflict.
	ProtectedStage string `yaml:"protected_stage"`
	// DiscountGuardrails is, per motion, the largest discount ("15%" or 15) an AE may give a
	// partner-registered deal before it counts as undercutting the partner.
	DiscountGuardrails map[string]string `yaml:"discount_guardrails"`
}

// Predictions holds the prediction settings as written in the policy file (all optional).
type Predictions struct {
	// ConflictRisk says from which conflict-risk score a registration is graded medium and high risk.
	ConflictRisk *RiskBandsYAML `yaml:"conflict_risk"`
}

// RiskBandsYAML are risk grades as written: percentages such as "20%", "12.5" or 50.
type RiskBandsYAML struct {
	MediumAt string `yaml:"medium_at"`
	HighAt   string `yaml:"high_at"`
}

// RiskBands grade a predicted probability: from MediumAtBP (in basis points of probability, 2000 =
// 20 %) it is medium, from HighAtBP high, below both low. 0 < MediumAtBP < HighAtBP <= 10000.
type RiskBands struct {
	MediumAtBP int
	HighAtBP   int
}

// DefaultRiskBands are the grades a policy without predictions.conflict_risk gets: medium from 20 %,
// high from 50 % (a registration at 20 % is several times as likely to end in a conflict as the
// typical one, whose rate is a few per cent).
func DefaultRiskBands() RiskBands { return RiskBands{MediumAtBP: 2000, HighAtBP: 5000} }

// Grade returns "high", "medium" or "low" for probability p (0..1).
func (b RiskBands) Grade(p float64) string {
	switch bp := p * 10000; {
	case bp >= float64(b.HighAtBP):
		return "high"
	case bp >= float64(b.MediumAtBP):
		return "medium"
	}
	return "low"
}

// BusinessHours is the working calendar SLAs are measured in.
type BusinessHours struct {
	Timezone string   `yaml:"timezone"` // an IANA zone name, e.g. "America/New_York"
	Start    string   `yaml:"start"`    // "09:00"
	End      string   `yaml:"end"`      // "17:00"
	Days     []string `yaml:"days"`     // mon, tue, wed, thu, fri, sat, sun
	// Holidays are dates (YYYY-MM-DD, in Timezone) that are not worked, whatever their weekday.
	Holidays []string `yaml:"holidays"`
}

// defaultRegistration is what a policy gets for the settings it leaves out.
func defaultRegistration() Registration {
	return Registration{
		ProtectionDays:           90,
		Extensions:               1,
		ExtensionDays:            30,
		ApprovalSLABusinessHours: 48,
		BusinessHours: BusinessHours{
			Timezone: "UTC", Start: "09:00", End: "17:00",
			Days: []string{"mon", "tue", "wed", "thu", "fri"},
		},
		AutoApprove: AutoApprove{Enabled: true, RequireGoodStanding: true},
		Alerts:      Alerts{WarnAtPercent: 75},
	}
}

// Rule is a read-only view of one rule as written.
type Rule struct {
	ID              string
	Title           string
	When            string // the condition; "" means every deal
	Motion          tandem.Motion
	PartnerAttached bool
	Explain         string
	Line            int // where the rule starts in the policy file
}

// rule is a Rule compiled: its condition and its explanation template.
type rule struct {
	Rule
	column int
	cond   *condition
	expl   []explainPart
}

// Problem is one thing wrong with a policy file, with its position.
type Problem struct {
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	RuleID  string `json:"rule_id,omitempty"`
	Message string `json:"message"`
}

func (p Problem) String() string {
	pos := ""
	if p.Line > 0 {
		pos = fmt.Sprintf("%d:%d: ", p.Line, p.Column)
	}
	if p.RuleID != "" {
		return fmt.Sprintf("%srule %s: %s", pos, p.RuleID, p.Message)
	}
	return pos + p.Message
}

// Error is returned by Parse: every problem found in the file, in file order. It unwraps to a
// tandem EINVALID error so the server reports it as a bad request.
type Error struct {
	Name     string // the file name given to Parse
	Problems []Problem
}

func (e *Error) Error() string {
	return yamlnode.FormatProblems(e.Name, e.Problems, func(p Problem) int { return p.Line })
}

func (e *Error) Unwrap() error {
	return &tandem.Error{Code: tandem.EINVALID, Message: "invalid policy: " + e.Error()}
}

// fileYAML is the policy file as written.
type fileYAML struct {
	versioned.HeaderYAML `yaml:",inline"`
	DirectPresence       []string      `yaml:"direct_presence"`
	Registration         *Registration `yaml:"registration"`
	Conflicts            *Conflicts    `yaml:"conflicts"`
	Predictions          *Predictions  `yaml:"predictions"`
	Rules                []ruleYAML    `yaml:"rules"`
}

type ruleYAML struct {
	ID              string `yaml:"id"`
	Title           string `yaml:"title"`
	When            string `yaml:"when"`
	Motion          string `yaml:"motion"`
	PartnerAttached *bool  `yaml:"partner_attached"`
	Explain         string `yaml:"explain"`
}

// parser collects problems while a policy is parsed.
type parser struct {
	problems []Problem
}

func (ps *parser) add(line, col int, ruleID, format string, args ...any) {
	ps.problems = append(ps.problems, Problem{Line: line, Column: col, RuleID: ruleID, Message: fmt.Sprintf(format, args...)})
}

// Parse parses and compiles a policy file. name is used in error messages (a file name, say). It
// returns an *Error listing every problem, each with its line and column, when the file is invalid.
func Parse(name string, src []byte) (*Policy, error) {
	ps := &parser{}
	doc, bad := yamlnode.Document(src)
	if bad != nil {
		ps.add(bad.Line, bad.Column, "", "%s", bad.Message)
		return nil, &Error{Name: name, Problems: ps.problems}
	}
	if doc == nil {
		ps.add(1, 1, "", "the policy file is empty")
		return nil, &Error{Name: name, Problems: ps.problems}
	}
	checkKeys(ps, doc, reflect.TypeFor[fileYAML](), "policy")
	if len(ps.problems) > 0 {
		return nil, &Error{Name: name, Problems: ps.problems}
	}
	var f fileYAML
	if problems := yamlnode.Decode(doc, &f, func(line int, msg string) int { return columnAt(doc, line, msg) }); problems != nil {
		for _, pr := range problems {
			ps.add(pr.Line, pr.Column, "", "%s", pr.Message)
		}
		return nil, &Error{Name: name, Problems: ps.problems}
	}
	p := ps.build(&f, doc)
	if len(ps.problems) > 0 {
		return nil, &Error{Name: name, Problems: ps.problems}
	}
	p.source = bytes.Clone(src)
	return p, nil
}

// checkKeys reports mapping keys that t (a struct decoded from node) does not have, and keys written
// twice. The YAML decoder can check known fields too, but only this way do we get columns.
func checkKeys(ps *parser, node *yaml.Node, t reflect.Type, what string) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t.Kind() == reflect.Slice && node.Kind == yaml.SequenceNode:
		for _, item := range node.Content {
			checkKeys(ps, item, t.Elem(), what)
		}
	case t.Kind() == reflect.Struct && node.Kind == yaml.MappingNode:
		names, fields := yamlnode.Fields(t)
		seen := map[string]int{}
		for i := 0; i+1 < len(node.Content); i += 2 {
			k, v := node.Content[i], node.Content[i+1]
			if prev, dup := seen[k.Value]; dup {
				ps.add(k.Line, k.Column, "", "%s has %q twice (first at line %d)", what, k.Value, prev)
				continue
			}
			seen[k.Value] = k.Line
			ft, ok := fields[k.Value]
			if !ok {
				ps.add(k.Line, k.Column, "", "unknown field %q in %s (known fields: %s)", k.Value, what, strings.Join(names, ", "))
				continue
			}
			sub := k.Value
			switch {
			case k.Value == "rules":
				sub = "rule"
			case what != "policy":
				sub = what + "." + k.Value
			}
			checkKeys(ps, v, ft, sub)
		}
	}
}

var quotedValue = regexp.MustCompile("`([^`]*)`")

// columnAt returns the column of the scalar on line that msg quotes (the YAML decoder quotes the
// value it could not decode), else of the first node on line, else 1.
func columnAt(n *yaml.Node, line int, msg string) int {
	if m := quotedValue.FindStringSubmatch(msg); m != nil {
		quoted := func(c *yaml.Node) bool { return c.Kind == yaml.ScalarNode && c.Value == m[1] }
		if col := yamlnode.ColumnOf(n, line, quoted); col > 0 {
			return col
		}
	}
	return max(1, yamlnode.ColumnOf(n, line, nil))
}

var ruleIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// build validates the decoded file and compiles its rules.
func (ps *parser) build(f *fileYAML, doc *yaml.Node) *Policy {
	// The policy words a header problem with its key first ("version is required"), an fx problem after
	// "fx: ".
	report := func(line, col int, field, msg string) {
		if _, isFX := strings.CutPrefix(field, "fx."); isFX {
			ps.add(line, col, "", "fx: %s", msg)
			return
		}
		ps.add(line, col, "", "%s %s", field, msg)
	}
	badRate := func(code, rate, _ string) string {
		return fmt.Sprintf("the rate for %s, %q, is not a positive decimal number", code, rate)
	}
	p := &Policy{
		Header:   versioned.ParseHeader(&f.HeaderYAML, doc, report, badRate),
		presence: map[string]bool{},
	}
	presenceNode := yamlnode.Child(doc, "direct_presence")
	for i, cc := range f.DirectPresence {
		code, ok := country.Code(cc)
		if !ok {
			l, c := presenceNode.Line, presenceNode.Column
			if presenceNode.Kind == yaml.SequenceNode && i < len(presenceNode.Content) {
				l, c = presenceNode.Content[i].Line, presenceNode.Content[i].Column
			}
			ps.add(l, c, "", "direct_presence: %q is not a country code or name", cc)
			continue
		}
		if !p.presence[code] {
			p.presence[code] = true
			p.directPresence = append(p.directPresence, code)
		}
	}
	p.registration = defaultRegistration()
	if f.Registration != nil {
		ps.mergeRegistration(&p.registration, f.Registration, yamlnode.Child(doc, "registration"))
		p.autoApproveMax = ps.autoApproveLimit(p, f.Registration, yamlnode.Child(doc, "registration"))
	}
	p.conflicts = tandem.DefaultConflictSettings()
	if f.Conflicts != nil {
		ps.mergeConflicts(&p.conflicts, f.Conflicts, yamlnode.Child(doc, "conflicts"))
	}
	p.riskBands = DefaultRiskBands()
	if f.Predictions != nil && f.Predictions.ConflictRisk != nil {
		ps.mergeRiskBands(&p.riskBands, f.Predictions.ConflictRisk,
			yamlnode.Child(yamlnode.Child(doc, "predictions"), "conflict_risk"))
	}

	rulesNode := yamlnode.Child(doc, "rules")
	if len(f.Rules) == 0 {
		l, c := yamlnode.ValuePos(doc, "rules")
		ps.add(l, c, "", "the policy has no rules")
	}
	ids := map[string]int{}
	compiler := newCondCompiler(p)
	for i, ry := range f.Rules {
		var rn *yaml.Node
		if rulesNode != nil && rulesNode.Kind == yaml.SequenceNode && i < len(rulesNode.Content) {
			rn = rulesNode.Content[i]
		}
		r := &rule{Rule: Rule{
			ID: strings.TrimSpace(ry.ID), Title: strings.TrimSpace(ry.Title),
			When: strings.TrimSpace(ry.When), Motion: tandem.Motion(strings.TrimSpace(ry.Motion)),
			Explain: strings.TrimSpace(ry.Explain),
		}}
		if rn != nil {
			r.Line, r.column = rn.Line, rn.Column
		}
		label := r.ID
		switch {
		case r.ID == "":
			l, c := yamlnode.ValuePos(rn, "id")
			ps.add(l, c, "", "rule %d has no id", i+1)
			label = fmt.Sprintf("#%d", i+1)
		case !ruleIDPattern.MatchString(r.ID):
			l, c := yamlnode.ValuePos(rn, "id")
			ps.add(l, c, r.ID, "a rule id is lowercase letters, digits, '-' and '_'")
		case ids[r.ID] > 0:
			l, c := yamlnode.ValuePos(rn, "id")
			ps.add(l, c, r.ID, "duplicate rule id (first used at line %d)", ids[r.ID])
		default:
			ids[r.ID] = r.Line
		}
		if r.Title == "" {
			l, c := yamlnode.ValuePos(rn, "title")
			ps.add(l, c, label, "title is required")
		}
		if !r.Motion.Valid() {
			l, c := yamlnode.ValuePos(rn, "motion")
			ps.add(l, c, label, "motion %q is not one of partner_led, co_sell, direct", ry.Motion)
		}
		switch {
		case ry.PartnerAttached == nil:
			r.PartnerAttached = r.Motion != tandem.MotionDirect
		case !*ry.PartnerAttached && r.Motion != tandem.MotionDirect && r.Motion.Valid():
			l, c := yamlnode.ValuePos(rn, "partner_attached")
			ps.add(l, c, label, "a %s deal always has a partner attached; partner_attached: false is only for direct", r.Motion)
		default:
			r.PartnerAttached = *ry.PartnerAttached
		}
		if r.Explain == "" {
			l, c := yamlnode.ValuePos(rn, "explain")
			ps.add(l, c, label, "explain is required: say in plain words why the rule decides as it does")
		} else if parts, err := parseExplain(r.Explain); err != nil {
			l, c := yamlnode.ValuePos(rn, "explain")
			ps.add(l, c, label, "explain: %v", err)
		} else {
			r.expl = parts
		}
		cond, err := compiler.compile(r.When)
		if err != nil {
			l, c := yamlnode.ValuePos(rn, "when")
			var ce *condError
			if errors.As(err, &ce) && yamlnode.Child(rn, "when") != nil {
				l, c = whenPosition(yamlnode.Child(rn, "when"), ce.line, ce.column)
			}
			ps.add(l, c, label, "when: %v", err)
		}
		r.cond = cond
		if cond != nil && cond.usesFields {
			p.usesFields = true
		}
		p.rules = append(p.rules, r)
	}
	return p
}

// whenPosition maps a position inside a condition (1-based line, 0-based column as expr reports
// them) to a position in the YAML file.
func whenPosition(n *yaml.Node, line, column int) (int, int) {
	switch n.Style {
	case yaml.LiteralStyle, yaml.FoldedStyle:
		return n.Line + line, n.Column + 2 + column
	case yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle:
		if line <= 1 {
			return n.Line, n.Column + 1 + column
		}
	default:
		if line <= 1 {
			return n.Line, n.Column + column
		}
	}
	return n.Line + line - 1, 1
}

var weekdays = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

// mergeRegistration validates the registration settings written in the file and lays them over the
// defaults.
func (ps *parser) mergeRegistration(dst, src *Registration, n *yaml.Node) {
	check := func(key string, v, min int, into *int) {
		if yamlnode.Child(n, key) == nil {
			return
		}
		if v < min {
			l, c := yamlnode.ValuePos(n, key)
			ps.add(l, c, "", "registration.%s must be at least %d", key, min)
			return
		}
		*into = v
	}
	check("protection_days", src.ProtectionDays, 1, &dst.ProtectionDays)
	check("extensions", src.Extensions, 0, &dst.Extensions)
	check("extension_days", src.ExtensionDays, 1, &dst.ExtensionDays)
	check("approval_sla_business_hours", src.ApprovalSLABusinessHours, 1, &dst.ApprovalSLABusinessHours)
	if aa := yamlnode.Child(n, "auto_approve"); aa != nil {
		if yamlnode.Child(aa, "enabled") != nil {
			dst.AutoApprove.Enabled = src.AutoApprove.Enabled
		}
		if yamlnode.Child(aa, "require_good_standing") != nil {
			dst.AutoApprove.RequireGoodStanding = src.AutoApprove.RequireGoodStanding
		}
		dst.AutoApprove.MaxACV = strings.TrimSpace(src.AutoApprove.MaxACV)
	}
	if al := yamlnode.Child(n, "alerts"); al != nil && yamlnode.Child(al, "warn_at_percent") != nil {
		if w := src.Alerts.WarnAtPercent; w < 1 || w > 99 {
			l, c := yamlnode.ValuePos(al, "warn_at_percent")
			ps.add(l, c, "", "registration.alerts.warn_at_percent must be between 1 and 99, not %d", w)
		} else {
			dst.Alerts.WarnAtPercent = w
		}
	}
	bh := yamlnode.Child(n, "business_hours")
	if bh == nil {
		return
	}
	if yamlnode.Child(bh, "timezone") != nil {
		if _, err := time.LoadLocation(src.BusinessHours.Timezone); err != nil || src.BusinessHours.Timezone == "" {
			l, c := yamlnode.ValuePos(bh, "timezone")
			ps.add(l, c, "", "registration.business_hours.timezone %q is not an IANA time zone", src.BusinessHours.Timezone)
		} else {
			dst.BusinessHours.Timezone = src.BusinessHours.Timezone
		}
	}
	clock := func(key, v string, into *string) {
		if yamlnode.Child(bh, key) == nil {
			return
		}
		if _, err := time.Parse("15:04", v); err != nil {
			l, c := yamlnode.ValuePos(bh, key)
			ps.add(l, c, "", "registration.business_hours.%s %q is not a time like 09:00", key, v)
			return
		}
		*into = v
	}
	clock("start", src.BusinessHours.Start, &dst.BusinessHours.Start)
	clock("end", src.BusinessHours.End, &dst.BusinessHours.End)
	if dst.BusinessHours.End <= dst.BusinessHours.Start {
		l, c := yamlnode.ValuePos(bh, "end")
		ps.add(l, c, "", "registration.business_hours.end must be after start")
	}
	if yamlnode.Child(bh, "days") != nil {
		var days []string
		for _, d := range src.BusinessHours.Days {
			d = strings.ToLower(strings.TrimSpace(d))
			if len(d) > 3 {
				d = d[:3]
			}
			if !slices.Contains(weekdays, d) {
				l, c := yamlnode.ValuePos(bh, "days")
				ps.add(l, c, "", "registration.business_hours.days: %q is not a weekday (mon … sun)", d)
				continue
			}
			days = append(days, d)
		}
		dst.BusinessHours.Days = days
	}
	if hs := yamlnode.Child(bh, "holidays"); hs != nil {
		var holidays []string
		for i, h := range src.BusinessHours.Holidays {
			d, err := time.Parse(time.DateOnly, strings.TrimSpace(h))
			if err != nil {
				l, c := hs.Line, hs.Column
				if i < len(hs.Content) {
					l, c = hs.Content[i].Line, hs.Content[i].Column
				}
				ps.add(l, c, "", "registration.business_hours.holidays: %q is not a date like 2026-12-25", h)
				continue
			}
			holidays = append(holidays, d.Format(time.DateOnly))
		}
		slices.Sort(holidays)
		dst.BusinessHours.Holidays = slices.Compact(holidays)
	}
}

// autoApproveLimit parses registration.auto_approve.max_acv: an amount in the policy currency (an
// amount written with another currency is converted at the policy's rate). 0 when there is none.
func (ps *parser) autoApproveLimit(p *Policy, src *Registration, n *yaml.Node) tandem.Money {
	raw := strings.TrimSpace(src.AutoApprove.MaxACV)
	if raw == "" {
		return 0
	}
	l, c := yamlnode.ValuePos(yamlnode.Child(n, "auto_approve"), "max_acv")
	m, cur, err := tandem.ParseMoney(raw)
	if err != nil {
		ps.add(l, c, "", "registration.auto_approve.max_acv %q is not an amount like 250000 or \"250,000.00\": %v", raw, err)
		return 0
	}
	if m <= 0 {
		ps.add(l, c, "", "registration.auto_approve.max_acv must be positive (leave it out for no limit)")
		return 0
	}
	if err := tandem.CheckAmount("max_acv", m); err != nil {
		ps.add(l, c, "", "registration.auto_approve.max_acv: %v", err)
		return 0
	}
	if cur != "" && !strings.EqualFold(cur, p.Currency()) {
		if m, err = p.convert(m, cur); err != nil {
			ps.add(l, c, "", "registration.auto_approve.max_acv: the policy has no fx rate for %s (add it under fx:)", cur)
			return 0
		}
	}
	return m
}

// mergeConflicts validates the conflict settings written in the file and lays them over the defaults.
func (ps *parser) mergeConflicts(dst *tandem.ConflictSettings, src *Conflicts, n *yaml.Node) {
	if ln := yamlnode.Child(n, "level_sla_business_days"); ln != nil {
		if len(src.LevelSLABusinessDays) != len(dst.LevelSLADays) {
			ps.add(ln.Line, ln.Column, "", "conflicts.level_sla_business_days needs %d entries (levels 1 to 4: AE and partner manager, VPs, CRO, CEO), not %d",
				len(dst.LevelSLADays), len(src.LevelSLABusinessDays))
		} else {
			for i, d := range src.LevelSLABusinessDays {
				if d < 1 {
					l, c := ln.Line, ln.Column
					if i < len(ln.Content) {
						l, c = ln.Content[i].Line, ln.Content[i].Column
					}
					ps.add(l, c, "", "conflicts.level_sla_business_days: level %d needs at least 1 business day, not %d", i+1, d)
					continue
				}
				dst.LevelSLADays[i] = d
			}
		}
	}
	if yamlnode.Child(n, "protected_stage") != nil {
		st := tandem.Stage(strings.ToLower(strings.TrimSpace(src.ProtectedStage)))
		if !st.Valid() || st.Closed() {
			l, c := yamlnode.ValuePos(n, "protected_stage")
			ps.add(l, c, "", "conflicts.protected_stage %q is not an open stage (prospecting, qualified, proposal, negotiation)", src.ProtectedStage)
		} else {
			dst.ProtectedStage = st
		}
	}
	gn := yamlnode.Child(n, "discount_guardrails")
	if gn == nil {
		return
	}
	guardrails := maps.Clone(dst.DiscountGuardrailBasisPoints)
	for key, raw := range src.DiscountGuardrails {
		l, c := yamlnode.ValuePos(gn, key)
		m := tandem.Motion(strings.TrimSpace(key))
		if !m.Valid() {
			l, c = yamlnode.KeyPos(gn, key)
			ps.add(l, c, "", "conflicts.discount_guardrails: %q is not a motion (partner_led, co_sell, direct)", key)
			continue
		}
		bp, err := basisPoints(raw)
		if err != nil {
			ps.add(l, c, "", "conflicts.discount_guardrails.%s: %v", key, err)
			continue
		}
		guardrails[m] = bp
	}
	dst.DiscountGuardrailBasisPoints = guardrails
}

// mergeRiskBands validates predictions.conflict_risk and lays it over the defaults: each grade a
// percentage above 0 and at most 100, medium below high.
func (ps *parser) mergeRiskBands(dst *RiskBands, src *RiskBandsYAML, n *yaml.Node) {
	b := *dst
	ok := true
	for _, f := range []struct {
		key, raw string
		into     *int
	}{{"medium_at", src.MediumAt, &b.MediumAtBP}, {"high_at", src.HighAt, &b.HighAtBP}} {
		if strings.TrimSpace(f.raw) == "" {
			continue
		}
		l, c := yamlnode.ValuePos(n, f.key)
		bp, err := basisPoints(f.raw)
		switch {
		case err != nil:
			ps.add(l, c, "", "predictions.conflict_risk.%s: %v", f.key, err)
			ok = false
		case bp <= 0 || bp > 10000:
			ps.add(l, c, "", "predictions.conflict_risk.%s must be above 0%% and at most 100%%, not %q", f.key, f.raw)
			ok = false
		default:
			*f.into = bp
		}
	}
	if ok && b.MediumAtBP >= b.HighAtBP {
		l, c := yamlnode.ValuePos(n, "medium_at")
		if src.MediumAt == "" {
			l, c = yamlnode.ValuePos(n, "high_at")
		}
		ps.add(l, c, "", "predictions.conflict_risk: medium_at (%s) must be below high_at (%s)",
			percentText(b.MediumAtBP), percentText(b.HighAtBP))
		return
	}
	if ok {
		*dst = b
	}
}

// percentText writes basis points as a percentage: 2000 → "20%", 1250 → "12.5%".
func percentText(bp int) string {
	if bp%100 == 0 {
		return fmt.Sprintf("%d%%", bp/100)
	}
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%d.%02d", bp/100, bp%100), "0"), ".") + "%"
}

// basisPoints reads a percentage such as "15%", "12.5" or 20 as basis points, exactly.
func basisPoints(s string) (int, error) {
	t := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "%"))
	r, ok := new(big.Rat).SetString(t)
	if !ok || strings.ContainsAny(t, "/eE") {
		return 0, fmt.Errorf("%q is not a percentage like 15%%", s)
	}
	r.Mul(r, big.NewRat(100, 1))
	if !r.IsInt() || r.Sign() < 0 || r.Cmp(big.NewRat(10000, 1)) > 0 {
		return 0, fmt.Errorf("%q is not a percentage from 0%% to 100%% with at most two decimals", s)
	}
	return int(r.Num().Int64()), nil
}

// DirectPresence returns the ISO codes of the countries where the vendor sells direct.
func (p *Policy) DirectPresence() []string { return slices.Clone(p.directPresence) }

// Settings returns the deal-registration settings.
func (p *Policy) Settings() Registration {
	r := p.registration
	r.BusinessHours.Days = slices.Clone(r.BusinessHours.Days)
	r.BusinessHours.Holidays = slices.Clone(r.BusinessHours.Holidays)
	return r
}

// AutoApproveLimit returns the largest estimated ACV, in the policy currency's minor units, that
// auto-approval accepts; 0 when there is no limit.
func (p *Policy) AutoApproveLimit() tandem.Money { return p.autoApproveMax }

// ConflictSettings returns the channel-conflict settings: the file's conflicts block over the
// programme defaults.
func (p *Policy) ConflictSettings() tandem.ConflictSettings {
	c := p.conflicts
	c.DiscountGuardrailBasisPoints = maps.Clone(c.DiscountGuardrailBasisPoints)
	return c
}

// RiskBands returns the grades of a conflict-risk score: the file's predictions.conflict_risk over
// DefaultRiskBands.
func (p *Policy) RiskBands() RiskBands { return p.riskBands }

// Rules returns the rules in order, as written.
func (p *Policy) Rules() []Rule {
	out := make([]Rule, len(p.rules))
	for i, r := range p.rules {
		out[i] = r.Rule
	}
	return out
}

// Source returns the YAML the policy was parsed from.
func (p *Policy) Source() []byte { return bytes.Clone(p.source) }

// UsesFields reports whether any rule tests fields[...], so callers can skip collecting extra
// columns when no rule reads them.
func (p *Policy) UsesFields() bool { return p.usesFields }
