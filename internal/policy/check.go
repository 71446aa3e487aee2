package policy

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/expr-lang/expr/ast"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/lint"
)

// Finding is one thing the linter found in a policy; RuleID names the rule it is about.
type Finding = lint.Finding

// SeverityError and SeverityWarning are lint's severities under the names callers of Check test with.
const (
	SeverityError   = lint.SeverityError
	SeverityWarning = lint.SeverityWarning
)

// maxPoints bounds the representative deals the linter evaluates.
const maxPoints = 500_000

// maxUncoveredFindings bounds how many uncovered regions are listed one by one.
const maxUncoveredFindings = 10

// Check lints the policy: rules that can never decide a deal (their condition is never true, or
// earlier rules decide every deal they would), and kinds of deal no rule decides.
//
// It evaluates every rule on a finite set of representative deals: for each variable the rules test,
// every value they compare it with plus one other value, and for acv one amount from each interval
// between (and at) the amounts the rules compare it with. Deals that differ only within those
// classes are treated alike by every comparison with a literal, so the set stands for all deals.
func (p *Policy) Check() []Finding {
	sp := p.space()
	if sp.size() > maxPoints {
		return []Finding{{Severity: SeverityWarning, Message: fmt.Sprintf(
			"the rules test too many combinations of values (%d) to check exhaustively; coverage and shadowing were not checked", sp.size())}}
	}
	n := len(p.rules)
	first := make([]int, n)
	matched := make([]int, n)
	shadowers := make([]map[int]bool, n)
	var uncovered [][]int
	var evalErr []Finding
	r := p.NewRouter()
	hits := make([]bool, n)
	sp.each(func(coords []int, e *env) bool {
		winner := -1
		for i, ru := range p.rules {
			ok, err := ru.cond.eval(e, &r.machine)
			if err != nil {
				if len(evalErr) < 5 {
					evalErr = append(evalErr, Finding{Severity: SeverityError, RuleID: ru.ID, Line: ru.Line, Column: ru.column,
						Message: fmt.Sprintf("the condition fails to evaluate for %s: %v", sp.describePoint(coords), err)})
				}
				ok = false
			}
			hits[i] = ok
			if ok {
				matched[i]++
				if winner < 0 {
					winner = i
					first[i]++
				}
			}
		}
		if winner < 0 {
			uncovered = append(uncovered, slices.Clone(coords))
			return true
		}
		for i := winner + 1; i < n; i++ {
			if hits[i] {
				if shadowers[i] == nil {
					shadowers[i] = map[int]bool{}
				}
				shadowers[i][winner] = true
			}
		}
		return true
	})

	findings := evalErr
	for i, ru := range p.rules {
		switch {
		case matched[i] == 0:
			findings = append(findings, Finding{Severity: SeverityWarning, RuleID: ru.ID, Line: ru.Line, Column: ru.column,
				Message: "never matches: its condition is not true for any deal (contradictory)"})
		case first[i] == 0:
			var by []string
			for j := range n {
				if shadowers[i][j] {
					by = append(by, p.rules[j].ID)
				}
			}
			findings = append(findings, Finding{Severity: SeverityWarning, RuleID: ru.ID, Line: ru.Line, Column: ru.column,
				Message: fmt.Sprintf("never matches: every deal it would decide is decided earlier by %s (shadowed)", joinWords(by, "and"))})
		}
	}
	regions := sp.merge(uncovered)
	for i, reg := range regions {
		if i == maxUncoveredFindings {
			findings = append(findings, Finding{Severity: SeverityWarning,
				Message: fmt.Sprintf("and %d more kinds of deal no rule decides", len(regions)-i)})
			break
		}
		findings = append(findings, Finding{Severity: SeverityWarning,
			Message: "no rule decides " + sp.describeRegion(reg) + "; routing such a deal fails (add a rule, or a last rule without a condition)"})
	}
	return findings
}

// dimension is one variable the rules test, with its representative values.
type dimension struct {
	name   string // variable name; fields["k"] for a field
	label  string // for people
	field  string // the key, when this is a field
	isBool bool
	values []string // representative values; values[0] is the "other" value
	named  []string // the values the rules name
}

// acvClass is an interval of amounts no literal comparison can tell apart, with the amount that
// stands for it.
type acvClass struct {
	lo, hi, sample tandem.Money
}

// space is the finite set of representative deals for a policy.
type space struct {
	p        *Policy
	dims     []dimension
	classes  []acvClass
	literals map[tandem.Money]bool
}

var otherCandidates = map[string][]string{
	"country":             {"JP", "BR", "AU", "IN", "MX", "SG", "ZA", "IT", "ES", "NL"},
	"vertical":            {"technology", "manufacturing", "retail", "media", "education"},
	"product_type":        {"core", "addon", "services"},
	"partner_tier":        {""},
	"registration_status": {""},
	"current_motion":      {""},
	"stage":               {"qualified", "proposal", "prospecting"},
	"currency":            {},
}

var varLabels = map[string]string{
	"country": "country", "vertical": "vertical", "product_type": "product type", "partner_tier": "partner tier",
	"registration_status": "registration", "current_motion": "current motion", "stage": "stage",
	"currency": "deal currency", "has_partner": "partner on the deal",
}

// space collects the representative values from every rule's condition.
func (p *Policy) space() *space {
	named := map[string][]string{}
	mentioned := map[string]bool{}
	amounts := map[tandem.Money]bool{}
	add := func(dim, v string) {
		mentioned[dim] = true
		if !slices.Contains(named[dim], v) {
			named[dim] = append(named[dim], v)
		}
	}
	for _, ru := range p.rules {
		if ru.cond == nil || ru.cond.tree == nil {
			continue
		}
		tree := ru.cond.tree
		ast.Walk(&tree, visitorFunc(func(n *ast.Node) {
			switch x := (*n).(type) {
			case *ast.IdentifierNode:
				if x.Value == "has_partner" || slices.Contains(stringVars, x.Value) {
					mentioned[x.Value] = true
				}
			case *ast.MemberNode:
				if k, ok := x.Property.(*ast.StringNode); ok && isIdent(x.Node, "fields") {
					mentioned[fieldDim(k.Value)] = true
				}
			case *ast.CallNode:
				if _, m, _, ok := moneyCall(x); ok {
					amounts[m] = true
				}
			case *ast.BinaryNode:
				switch x.Operator {
				case "==", "!=":
					if d := dimOf(x.Left); d != "" {
						if s, ok := x.Right.(*ast.StringNode); ok {
							add(d, s.Value)
						}
					}
					if d := dimOf(x.Right); d != "" {
						if s, ok := x.Left.(*ast.StringNode); ok {
							add(d, s.Value)
						}
					}
				case "in":
					d := dimOf(x.Left)
					if d == "" {
						return
					}
					if isIdent(x.Right, "direct_presence") {
						for _, c := range p.directPresence {
							add(d, c)
						}
					}
					if arr, ok := x.Right.(*ast.ArrayNode); ok {
						for _, item := range arr.Nodes {
							if s, ok := item.(*ast.StringNode); ok {
								add(d, s.Value)
							}
						}
					}
				}
			}
		}))
	}
	sp := &space{p: p, literals: amounts}
	var names []string
	for name := range mentioned {
		names = append(names, name)
	}
	order := func(name string) int {
		if i := slices.Index(stringVars, name); i >= 0 {
			return i
		}
		if name == "has_partner" {
			return len(stringVars)
		}
		return len(stringVars) + 1
	}
	sort.Slice(names, func(i, j int) bool {
		if order(names[i]) != order(names[j]) {
			return order(names[i]) < order(names[j])
		}
		return names[i] < names[j]
	})
	for _, name := range names {
		d := dimension{name: name, label: varLabels[name], named: named[name]}
		switch {
		case name == "has_partner":
			d.isBool, d.values = true, []string{"true", "false"}
		case strings.HasPrefix(name, "fields"):
			d.field = strings.TrimSuffix(strings.TrimPrefix(name, `fields["`), `"]`)
			d.label = "field " + d.field
			d.values = append([]string{otherValue(nil, named[name])}, named[name]...)
		default:
			cands := otherCandidates[name]
			if name == "currency" {
				cands = []string{p.Currency()}
			}
			d.values = append([]string{otherValue(cands, named[name])}, named[name]...)
		}
		sp.dims = append(sp.dims, d)
	}
	sp.classes = acvClasses(amounts)
	return sp
}

func fieldDim(key string) string { return fmt.Sprintf("fields[%q]", key) }

// dimOf names the dimension a node reads, "" when it is not a variable.
func dimOf(n ast.Node) string {
	switch x := n.(type) {
	case *ast.IdentifierNode:
		if slices.Contains(stringVars, x.Value) {
			return x.Value
		}
	case *ast.MemberNode:
		if k, ok := x.Property.(*ast.StringNode); ok && isIdent(x.Node, "fields") {
			return fieldDim(k.Value)
		}
	}
	return ""
}

// otherValue picks a value the rules do not name.
func otherValue(candidates, named []string) string {
	for _, c := range append(slices.Clone(candidates), "", "other", "any-other") {
		if !slices.Contains(named, c) {
			return c
		}
	}
	return "\x00other"
}

const maxMoney = tandem.Money(math.MaxInt64)

// acvClasses splits the amounts from zero up at every literal the rules compare acv with.
func acvClasses(literals map[tandem.Money]bool) []acvClass {
	var ls []tandem.Money
	for m := range literals {
		if m >= 0 {
			ls = append(ls, m)
		}
	}
	slices.Sort(ls)
	var out []acvClass
	lo := tandem.Money(0)
	for _, l := range ls {
		if l > lo {
			out = append(out, acvClass{lo: lo, hi: l - 1, sample: niceAmount(lo, l-1, l/2)})
		}
		out = append(out, acvClass{lo: l, hi: l, sample: l})
		lo = l + 1
	}
	upper := 4 * lo
	if lo == 0 {
		upper = tandem.Major(200_000)
	}
	out = append(out, acvClass{lo: lo, hi: maxMoney, sample: niceAmount(lo, max(upper, lo), 2*lo)})
	return out
}

// niceAmount returns the roundest amount in [lo, hi] nearest to want, so worked examples read well.
func niceAmount(lo, hi, want tandem.Money) tandem.Money {
	if want < lo || want > hi {
		want = lo + (hi-lo)/2
	}
	for step := tandem.Money(100_000_000_000); step >= 1; step /= 10 {
		c := (want + step/2) / step * step
		if c < lo {
			c += step
		}
		if c > hi {
			c -= step
		}
		if c >= lo && c <= hi && c > 0 {
			return c
		}
	}
	return lo
}

func (sp *space) size() int {
	n := len(sp.classes)
	for _, d := range sp.dims {
		n *= len(d.values)
		if n > maxPoints*10 {
			return n
		}
	}
	return n
}

// set loads the representative deal at coords (one index per dimension, then the acv class) into e.
func (sp *space) set(e *env, coords []int) {
	*e = env{DirectPresence: sp.p.directPresence, Currency: sp.p.Currency()}
	for i, d := range sp.dims {
		v := d.values[coords[i]]
		switch {
		case d.isBool:
			e.HasPartner = v == "true"
		case d.field != "":
			if e.Fields == nil {
				e.Fields = map[string]string{}
			}
			e.Fields[d.field] = v
		default:
			e.setStr(d.name, v)
		}
	}
	e.ACV = sp.classes[coords[len(sp.dims)]].sample
}

// each calls fn for every representative deal, in order, until fn returns false.
func (sp *space) each(fn func(coords []int, e *env) bool) {
	coords := make([]int, len(sp.dims)+1)
	var e env
	for {
		sp.set(&e, coords)
		if !fn(coords, &e) {
			return
		}
		i := len(coords) - 1
		for ; i >= 0; i-- {
			coords[i]++
			if coords[i] < sp.radix(i) {
				break
			}
			coords[i] = 0
		}
		if i < 0 {
			return
		}
	}
}

func (sp *space) radix(i int) int {
	if i == len(sp.dims) {
		return len(sp.classes)
	}
	return len(sp.dims[i].values)
}

// region is a set of representative deals: per dimension one value index or -1 for any, and a run
// of acv classes.
type region struct {
	vals   []int
	lo, hi int
}

func (r region) key(skip int) string {
	var b strings.Builder
	for i, v := range r.vals {
		if i != skip {
			fmt.Fprintf(&b, "%d,", v)
		}
	}
	if skip >= 0 {
		fmt.Fprintf(&b, "|%d-%d", r.lo, r.hi)
	}
	return b.String()
}

// merge groups points into as few regions as it simply can: consecutive acv classes join, and a
// dimension whose every value appears with the same other coordinates becomes "any".
func (sp *space) merge(points [][]int) []region {
	regs := make([]region, len(points))
	for i, pt := range points {
		nd := len(sp.dims)
		regs[i] = region{vals: slices.Clone(pt[:nd]), lo: pt[nd], hi: pt[nd]}
	}
	for {
		before := len(regs)
		regs = mergeACV(regs)
		for d := range sp.dims {
			regs = mergeDim(regs, d, len(sp.dims[d].values))
		}
		if len(regs) == before {
			return regs
		}
	}
}

// groupBy groups regions that agree on every coordinate but skip (-1: on every dimension, the acv
// run aside), the groups in the order of their first region.
func groupBy(regs []region, skip int) [][]region {
	index := map[string]int{}
	var groups [][]region
	for _, r := range regs {
		k := r.key(skip)
		i, ok := index[k]
		if !ok {
			i = len(groups)
			index[k] = i
			groups = append(groups, nil)
		}
		groups[i] = append(groups[i], r)
	}
	return groups
}

func mergeACV(regs []region) []region {
	var out []region
	for _, g := range groupBy(regs, -1) {
		sort.Slice(g, func(i, j int) bool { return g[i].lo < g[j].lo })
		cur := g[0]
		for _, r := range g[1:] {
			if r.lo <= cur.hi+1 {
				cur.hi = max(cur.hi, r.hi)
				continue
			}
			out = append(out, cur)
			cur = r
		}
		out = append(out, cur)
	}
	return out
}

func mergeDim(regs []region, d, radix int) []region {
	var out []region
	for _, g := range groupBy(regs, d) {
		seen := map[int]bool{}
		for _, r := range g {
			seen[r.vals[d]] = true
		}
		if seen[-1] || len(seen) == radix {
			r := g[0]
			r.vals = slices.Clone(r.vals)
			r.vals[d] = -1
			out = append(out, r)
			continue
		}
		out = append(out, g...)
	}
	return out
}

// describeRegion says in words which deals a region holds.
func (sp *space) describeRegion(r region) string {
	var parts []string
	if acv := sp.describeACV(sp.classes[r.lo].lo, sp.classes[r.hi].hi); acv != "" {
		parts = append(parts, acv)
	}
	for i, d := range sp.dims {
		if r.vals[i] >= 0 {
			parts = append(parts, sp.describeValue(d, r.vals[i]))
		}
	}
	if len(parts) == 0 {
		return "any deal"
	}
	return "deals with " + joinWords(parts, "and")
}

func (sp *space) describePoint(coords []int) string {
	r := region{vals: coords[:len(sp.dims)], lo: coords[len(sp.dims)], hi: coords[len(sp.dims)]}
	return sp.describeRegion(r)
}

func (sp *space) describeValue(d dimension, i int) string {
	v := d.values[i]
	switch {
	case d.isBool && v == "true":
		return "a partner on the deal"
	case d.isBool:
		return "no partner on the deal"
	case i == 0 && len(d.named) > 0:
		return d.label + " not " + joinWords(humanAll(d.named), "or")
	case v == "":
		return "no " + d.label
	}
	return d.label + " " + human(v)
}

// describeACV describes the amounts from lo to hi, preferring the literals the policy wrote.
func (sp *space) describeACV(lo, hi tandem.Money) string {
	cur := sp.p.Currency()
	switch {
	case lo <= 0 && hi == maxMoney:
		return ""
	case lo == hi:
		return "ACV of exactly " + lo.Format(cur)
	case lo <= 0 && sp.literals[hi+1]:
		return "ACV under " + (hi + 1).Format(cur)
	case lo <= 0:
		return "ACV up to " + hi.Format(cur)
	case hi == maxMoney && sp.literals[lo-1]:
		return "ACV above " + (lo - 1).Format(cur)
	case hi == maxMoney:
		return "ACV of " + lo.Format(cur) + " or more"
	case sp.literals[lo-1] && sp.literals[hi+1]:
		return "ACV above " + (lo - 1).Format(cur) + " and under " + (hi + 1).Format(cur)
	}
	return "ACV from " + lo.Format(cur) + " to " + hi.Format(cur)
}

// human turns a code such as financial_services or partner_led into words.
func human(s string) string {
	switch s {
	case "partner_led":
		return "partner-led"
	case "co_sell":
		return "co-sell"
	case "addon":
		return "add-on"
	}
	return strings.ReplaceAll(s, "_", " ")
}

func humanAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = human(s)
	}
	return out
}

// joinWords joins "a", "b", "c" as "a, b and c".
func joinWords(ss []string, conj string) string {
	switch len(ss) {
	case 0:
		return ""
	case 1:
		return ss[0]
	}
	return strings.Join(ss[:len(ss)-1], ", ") + " " + conj + " " + ss[len(ss)-1]
}
