package policy

import (
	"embed"
	"fmt"
	htmltemplate "html/template"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/expr-lang/expr/ast"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/markdown"
)

//go:embed templates/guide.md.tmpl templates/guide.html.tmpl
var templateFS embed.FS

// The guide templates are parsed when the package loads, so a broken template fails every test and
// the binary's start, never a request. They are never modified afterwards.
var (
	markdownGuide = markdown.MustParse(templateFS, "templates/guide.md.tmpl")
	htmlGuide     = htmltemplate.Must(htmltemplate.New("guide.html.tmpl").ParseFS(templateFS, "templates/guide.html.tmpl"))
)

// guide is what the channel program guide shows.
type guide struct {
	Name           string
	Version        string
	EffectiveFrom  string
	Currency       string
	Motions        []guideMotion
	Rules          []guideRule
	DirectPresence string
	FX             []guideFX
	Registration   Registration
	BusinessDays   string
	// AutoApproveLimit is the auto-approval ACV limit formatted, "" for none.
	AutoApproveLimit string
	ConflictLevels   []guideLevel
	ProtectedStage   string
	Guardrails       []guideGuardrail
}

type guideLevel struct {
	N    int
	Who  string
	Days int
}

type guideGuardrail struct {
	Motion, Percent string
}

// levelDeciders names who decides a conflict at each escalation level, in the guide's words.
var levelDeciders = [4]string{"the AE and the partner manager", "the VP Sales and the VP Channel", "the CRO", "the CEO"}

type guideMotion struct {
	Name, Summary string
}

type guideRule struct {
	N               int
	ID, Title       string
	Condition       string
	ConditionIsCode bool // the condition could not be put in words and is shown as written
	Motion          string
	PartnerAttached string
	Example         *guideExample
}

type guideExample struct {
	Deal        string
	Outcome     string
	Explanation string
}

type guideFX struct {
	Currency, Rate string
}

var motionSummaries = map[tandem.Motion]string{
	tandem.MotionPartnerLed: "The partner leads the deal and owns the customer relationship; the vendor's AE supports with product expertise, pricing and executive access.",
	tandem.MotionCoSell:     "The vendor's AE and the partner sell together under one mutual plan: the AE leads the commercial process, the partner leads services and delivery, and both are credited.",
	tandem.MotionDirect:     "The vendor's AE leads the deal. When a partner is attached, the partner delivers services and earns its margin or fee, and is credited as influencing the deal.",
}

// RenderMarkdown writes the channel program guide — what partners and AEs read — as Markdown.
func (p *Policy) RenderMarkdown(w io.Writer) error {
	return markdownGuide.Execute(w, p.guide())
}

// RenderHTML writes the channel program guide as a standalone HTML page (no scripts).
func (p *Policy) RenderHTML(w io.Writer) error {
	return htmlGuide.Execute(w, p.guide())
}

func (p *Policy) guide() guide {
	g := guide{
		Name:           p.Name(),
		Version:        p.Version(),
		EffectiveFrom:  p.EffectiveFrom().Format("2 January 2006"),
		Currency:       p.Currency(),
		DirectPresence: joinWords(p.directPresence, "and"),
		Registration:   p.Settings(),
		BusinessDays:   joinWords(p.registration.BusinessHours.Days, "and"),
	}
	if g.DirectPresence == "" {
		g.DirectPresence = "none"
	}
	if p.autoApproveMax > 0 {
		g.AutoApproveLimit = p.autoApproveMax.Format(p.Currency())
	}
	for i, d := range p.conflicts.LevelSLADays {
		g.ConflictLevels = append(g.ConflictLevels, guideLevel{N: i + 1, Who: levelDeciders[i], Days: d})
	}
	g.ProtectedStage = string(p.conflicts.ProtectedStage)
	for _, m := range tandem.Motions {
		bp := p.conflicts.Guardrail(m)
		pct := strconv.Itoa(bp / 100)
		if bp%100 != 0 {
			pct = strings.TrimRight(fmt.Sprintf("%d.%02d", bp/100, bp%100), "0")
		}
		g.Guardrails = append(g.Guardrails, guideGuardrail{Motion: motionName(m, false), Percent: pct + " %"})
	}
	used := map[tandem.Motion]bool{}
	for _, r := range p.rules {
		used[r.Motion] = true
	}
	for _, m := range tandem.Motions {
		if used[m] {
			g.Motions = append(g.Motions, guideMotion{Name: motionName(m, false), Summary: motionSummaries[m]})
		}
	}
	for _, c := range p.FXCodes() {
		g.FX = append(g.FX, guideFX{Currency: c, Rate: p.FXSource(c)})
	}
	examples := p.examples()
	for i, r := range p.rules {
		gr := guideRule{
			N: i + 1, ID: r.ID, Title: r.Title,
			Motion:          motionName(r.Motion, r.PartnerAttached),
			PartnerAttached: "no",
			Example:         examples[i],
		}
		if r.PartnerAttached {
			gr.PartnerAttached = "yes"
		}
		gr.Condition = "every deal that reaches this rule"
		if r.cond != nil && !r.cond.always {
			if words, ok := p.words(r.cond.tree); ok {
				gr.Condition = upperFirst(words)
			} else {
				gr.Condition, gr.ConditionIsCode = r.When, true
			}
		}
		g.Rules = append(g.Rules, gr)
	}
	return g
}

func motionName(m tandem.Motion, attached bool) string {
	switch m {
	case tandem.MotionPartnerLed:
		return "Partner-led"
	case tandem.MotionCoSell:
		return "Co-sell"
	case tandem.MotionDirect:
		if attached {
			return "Direct, partner attached"
		}
		return "Direct"
	}
	return string(m)
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// examples finds, for each rule, a representative deal it decides, and routes it with the engine
// itself so the guide cannot drift from the rules. A rule no deal reaches has no example.
func (p *Policy) examples() []*guideExample {
	out := make([]*guideExample, len(p.rules))
	sp := p.space()
	if sp.size() > maxPoints {
		return out
	}
	r := p.NewRouter()
	nd := len(sp.dims)
	picked := make([][]int, len(p.rules))
	sp.each(func(coords []int, e *env) bool {
		d := dealFromEnv(e)
		dec, err := r.Route(&d)
		if err != nil {
			return true
		}
		for i, ru := range p.rules {
			if ru.ID != dec.Rule {
				continue
			}
			// Keep the first deal found, but among deals that differ only in ACV prefer a size that
			// illustrates the rule: any size at all for rules that ignore ACV (the largest shows it
			// best), an amount inside a range rather than on its boundary for rules that test it.
			prev := picked[i]
			better := prev == nil
			if prev != nil && slices.Equal(prev[:nd], coords[:nd]) {
				pc, nc := sp.classes[prev[nd]], sp.classes[coords[nd]]
				if ru.cond.always || !usesIdentifier(ru.cond.tree, "acv") {
					better = coords[nd] > prev[nd]
				} else {
					better = pc.lo == pc.hi && nc.lo != nc.hi
				}
			}
			if better {
				picked[i] = slices.Clone(coords)
				out[i] = &guideExample{
					Deal:        sp.describeExample(coords),
					Outcome:     motionName(dec.Motion, dec.PartnerAttached),
					Explanation: dec.Explanation,
				}
			}
		}
		return true
	})
	return out
}

// dealFromEnv turns a representative deal back into a Deal.
func dealFromEnv(e *env) Deal {
	d := Deal{
		ID: "example", Account: "Example Co", ACV: e.ACV, Currency: e.Currency,
		Country: e.Country, Vertical: e.Vertical, ProductType: tandem.ProductType(e.ProductType),
		PartnerTier: tandem.Tier(e.PartnerTier), RegistrationStatus: tandem.RegistrationStatus(e.RegistrationStatus),
		CurrentMotion: tandem.Motion(e.CurrentMotion), Stage: tandem.Stage(e.Stage), Fields: e.Fields,
	}
	if e.HasPartner {
		d.PartnerID = "example-partner"
	}
	return d
}

// describeExample lists a representative deal's values for people.
func (sp *space) describeExample(coords []int) string {
	parts := []string{"ACV " + sp.classes[coords[len(sp.dims)]].sample.Format(sp.p.Currency())}
	for i, d := range sp.dims {
		v := d.values[coords[i]]
		switch {
		case d.isBool && v == "true":
			parts = append(parts, "a partner on the deal")
		case d.isBool:
			parts = append(parts, "no partner on the deal")
		case v == "":
			parts = append(parts, "no "+d.label)
		default:
			parts = append(parts, d.label+" "+human(v))
		}
	}
	return strings.Join(parts, ", ")
}

// words puts a condition in plain words; ok is false for shapes it does not know.
func (p *Policy) words(n ast.Node) (string, bool) {
	s, _, ok := p.wordsPrec(n)
	return s, ok
}

// wordsPrec also reports whether the words are an "or" that needs brackets inside an "and".
func (p *Policy) wordsPrec(n ast.Node) (string, bool, bool) {
	cur := p.Currency()
	switch x := n.(type) {
	case *ast.BoolNode:
		if x.Value {
			return "every deal", false, true
		}
	case *ast.IdentifierNode:
		if x.Value == "has_partner" {
			return "a partner is on the deal", false, true
		}
	case *ast.CallNode:
		op, m, acvLeft, ok := moneyCall(x)
		if !ok {
			break
		}
		if !acvLeft {
			op = mirror(op)
		}
		amount := m.Format(cur)
		switch op {
		case "<":
			return "ACV under " + amount, false, true
		case "<=":
			return "ACV up to " + amount, false, true
		case ">":
			return "ACV above " + amount, false, true
		case ">=":
			return "ACV of " + amount + " or more", false, true
		case "==":
			return "ACV of exactly " + amount, false, true
		case "!=":
			return "ACV other than " + amount, false, true
		}
	case *ast.UnaryNode:
		if x.Operator != "!" && x.Operator != "not" {
			break
		}
		if isIdent(x.Node, "has_partner") {
			return "no partner is on the deal", false, true
		}
		if b, ok := x.Node.(*ast.BinaryNode); ok && b.Operator == "in" {
			if label, ok := p.label(b.Left); ok {
				if isIdent(b.Right, "direct_presence") {
					return "the " + label + " is not one where we sell direct (" + joinWords(p.directPresence, "or") + ")", false, true
				}
				if list, ok := stringList(b.Right); ok {
					return label + " is not " + joinWords(humanAll(list), "or"), false, true
				}
			}
		}
		if s, _, ok := p.wordsPrec(x.Node); ok {
			return "not (" + s + ")", false, true
		}
	case *ast.BinaryNode:
		switch x.Operator {
		case "&&", "and":
			if s, ok := acvRange(x, cur); ok {
				return s, false, true
			}
			l, lor, ok1 := p.wordsPrec(x.Left)
			r, ror, ok2 := p.wordsPrec(x.Right)
			if !ok1 || !ok2 {
				break
			}
			if lor {
				l = "(" + l + ")"
			}
			if ror {
				r = "(" + r + ")"
			}
			return l + " and " + r, false, true
		case "||", "or":
			l, _, ok1 := p.wordsPrec(x.Left)
			r, _, ok2 := p.wordsPrec(x.Right)
			if !ok1 || !ok2 {
				break
			}
			return l + " or " + r, true, true
		case "==", "!=":
			label, ok := p.label(x.Left)
			val, isStr := x.Right.(*ast.StringNode)
			if !ok || !isStr {
				break
			}
			verb := " is "
			if x.Operator == "!=" {
				verb = " is not "
			}
			v := human(val.Value)
			if val.Value == "" {
				v = "empty"
			}
			return label + verb + v, false, true
		case "in":
			label, ok := p.label(x.Left)
			if !ok {
				break
			}
			if isIdent(x.Right, "direct_presence") {
				return "the " + label + " is one where we sell direct (" + joinWords(p.directPresence, "or") + ")", false, true
			}
			if list, ok := stringList(x.Right); ok {
				return label + " is " + joinWords(humanAll(list), "or"), false, true
			}
		}
	}
	return "", false, false
}

// acvRange words "acv >= a && acv <= b" and its variants as one range.
func acvRange(b *ast.BinaryNode, cur string) (string, bool) {
	lop, lm, lleft, ok1 := moneyCall(b.Left)
	rop, rm, rleft, ok2 := moneyCall(b.Right)
	if !ok1 || !ok2 {
		return "", false
	}
	if !lleft {
		lop = mirror(lop)
	}
	if !rleft {
		rop = mirror(rop)
	}
	if rop == ">" || rop == ">=" {
		lop, rop, lm, rm = rop, lop, rm, lm
	}
	lo, hi := lm.Format(cur), rm.Format(cur)
	switch lop + rop {
	case ">=<=":
		return "ACV from " + lo + " to " + hi + " inclusive", true
	case "><":
		return "ACV above " + lo + " and under " + hi, true
	case ">=<":
		return "ACV of " + lo + " or more and under " + hi, true
	case "><=":
		return "ACV above " + lo + " and up to " + hi, true
	}
	return "", false
}

func (p *Policy) label(n ast.Node) (string, bool) {
	d := dimOf(n)
	if d == "" {
		return "", false
	}
	if l, ok := varLabels[d]; ok {
		return l, true
	}
	m := n.(*ast.MemberNode)
	return "field " + m.Property.(*ast.StringNode).Value, true
}

func stringList(n ast.Node) ([]string, bool) {
	arr, ok := n.(*ast.ArrayNode)
	if !ok {
		return nil, false
	}
	var out []string
	for _, item := range arr.Nodes {
		s, ok := item.(*ast.StringNode)
		if !ok {
			return nil, false
		}
		out = append(out, s.Value)
	}
	return out, true
}
