package comp

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"io"
	"slices"
	"strings"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/markdown"
)

//go:embed templates/plan.md.tmpl templates/plan.html.tmpl
var templateFS embed.FS

// The plan templates are parsed when the package loads, so a broken template fails every test and the
// binary's start, never a request.
var (
	markdownPlan = markdown.MustParse(templateFS, "templates/plan.md.tmpl")
	htmlPlan     = htmltemplate.Must(htmltemplate.New("plan.html.tmpl").
			Funcs(htmltemplate.FuncMap{"inline": inlineHTML}).ParseFS(templateFS, "templates/plan.html.tmpl"))
)

// inlineHTML renders the Markdown emphasis of the document's list items (**bold**, *italic*) as HTML;
// everything else is escaped.
func inlineHTML(s string) htmltemplate.HTML {
	s = htmltemplate.HTMLEscapeString(s)
	s = emphasis(s, "**", "strong")
	s = emphasis(s, "*", "em")
	return htmltemplate.HTML(s) // #nosec G203 -- escaped above; only the tags added here are markup
}

// emphasis turns each pair of marker in s around some text into tag; other markers are left as they are.
func emphasis(s, marker, tag string) string {
	var b strings.Builder
	for {
		start := strings.Index(s, marker)
		if start < 0 {
			break
		}
		inner := s[start+len(marker):]
		end := strings.Index(inner, marker)
		if end < 0 {
			break
		}
		b.WriteString(s[:start])
		if end == 0 { // "**" left over from an unpaired bold marker: no empty element
			b.WriteString(marker + marker)
		} else {
			b.WriteString("<" + tag + ">" + inner[:end] + "</" + tag + ">")
		}
		s = inner[end+len(marker):]
	}
	b.WriteString(s)
	return b.String()
}

// document is what the plan document shows.
type document struct {
	Name, Version, EffectiveFrom, Currency string
	Attribution                            []string
	Quota, BaseRate                        string
	Bands                                  []docRow // accelerator bands: From, To, Rate
	Credit                                 []docRow // attribution category, credit share
	SPIFFBasis                             string
	SPIFF                                  []docRow // From, To, Amount
	Margins                                []docRow // tier, resale, referral
	RegistrationBonus, MDF                 string
	FX                                     []docRow
	Example                                []docRow
	ExampleIntro                           string
}

// docRow is a table row; the columns used depend on the table.
type docRow struct {
	A, B, C, D, E string
}

// RenderMarkdown returns the plan as the Markdown document AEs and partners read. Its worked example
// is calculated by the engine itself, so the document always says what the engine pays.
func RenderMarkdown(p *Plan) ([]byte, error) { return p.render(markdownPlan) }

// RenderHTML returns the plan as a standalone HTML page (no scripts).
func RenderHTML(p *Plan) ([]byte, error) { return p.render(htmlPlan) }

// render executes tmpl (the Markdown or the HTML template) on the plan's document.
func (p *Plan) render(tmpl interface {
	Execute(w io.Writer, data any) error
}) ([]byte, error) {
	doc, err := p.document()
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := tmpl.Execute(&b, doc); err != nil {
		return nil, fmt.Errorf("render plan: %w", err)
	}
	return b.Bytes(), nil
}

func (p *Plan) document() (*document, error) {
	cur := p.Currency()
	money := func(m tandem.Money) string { return m.Format(cur) }
	d := &document{
		Name: p.Name(), Version: p.Version(), EffectiveFrom: p.EffectiveFrom().Format("2 January 2006"), Currency: cur,
		Quota: money(p.ae.Quota), BaseRate: pct(p.ae.BaseRateBasisPoints),
		RegistrationBonus: pct(p.partner.RegistrationBonusBasisPoints), MDF: pct(p.partner.MDFBasisPoints),
	}
	a := p.attribution
	if a.SourcedByRegistration && len(a.SourcedStatuses) > 0 {
		d.Attribution = append(d.Attribution, fmt.Sprintf("**partner_sourced** — a registration of the partner (%s) was submitted before the vendor opportunity was created", strings.Join(tandem.Strings(a.SourcedStatuses), " or ")))
	}
	if a.SourcedByTouch {
		d.Attribution = append(d.Attribution, "**partner_sourced** — a partner recorded a *sourced* touch on the opportunity")
	}
	if len(a.LedMotions) > 0 {
		d.Attribution = append(d.Attribution, fmt.Sprintf("**partner_led** — the vendor sourced the deal and it runs as %s with a partner attached", strings.Join(tandem.Strings(a.LedMotions), " or ")))
	}
	if a.LedByCoSellTouch {
		d.Attribution = append(d.Attribution, "**partner_led** — a partner recorded a *co-sell* touch on the opportunity")
	}
	d.Attribution = append(d.Attribution,
		fmt.Sprintf("**partner_influenced** — a partner recorded an *influence* touch from %d days before the opportunity was created up to its close", a.InfluenceWindowDays),
		"**direct** — none of the above")

	from := "0%"
	rates := []int{p.ae.BaseRateBasisPoints}
	for _, acc := range p.ae.Accelerators {
		rates = append(rates, acc.RateBasisPoints)
	}
	for i, r := range rates {
		to := "and above"
		if i < len(p.ae.Accelerators) {
			to = pct(p.ae.Accelerators[i].AboveBasisPoints)
		}
		name := "Base rate"
		if i > 0 {
			name = fmt.Sprintf("Accelerator %d", i)
		}
		d.Bands = append(d.Bands, docRow{A: name, B: from, C: to, D: pct(r)})
		from = to
	}
	for i, at := range tandem.Attributions {
		d.Credit = append(d.Credit, docRow{A: string(at), B: pct(p.ae.QuotaCreditBasisPoints[i])})
	}
	d.SPIFFBasis = "net value (ACV less discount)"
	if p.spiff.Basis == "list" {
		d.SPIFFBasis = "list ACV (before discount)"
	}
	for _, b := range p.spiff.Bands {
		to := "no upper edge"
		if b.To != 0 {
			to = "below " + money(b.To)
		}
		d.SPIFF = append(d.SPIFF, docRow{A: money(b.From) + " or more", B: to, C: money(b.Amount)})
	}
	for _, tier := range tandem.Tiers {
		m, ok := p.partner.Margins[tier]
		row := docRow{A: string(tier), B: "not set", C: "not set"}
		if ok && m.ResaleBasisPoints >= 0 {
			row.B = pct(m.ResaleBasisPoints)
		}
		if ok && m.ReferralBasisPoints >= 0 {
			row.C = pct(m.ReferralBasisPoints)
		}
		d.Margins = append(d.Margins, row)
	}
	for _, c := range p.FXCodes() {
		d.FX = append(d.FX, docRow{A: c, B: p.FXSource(c)})
	}
	if err := p.example(d); err != nil {
		return nil, err
	}
	return d, nil
}

// example calculates a worked example with the engine: an AE at 90 % of quota closes a co-sell deal
// worth 20 % of quota with a gold reseller holding an approved registration.
func (p *Plan) example(d *document) error {
	period := QuarterOf(p.EffectiveFrom())
	quota := p.ae.Quota
	first, second := mulBP(quota, 9000), mulBP(quota, 2000)
	closed := period.Start.Add(24 * time.Hour)
	in := Input{
		Period:   period,
		AEs:      []AE{{UserID: 1, Name: "Alex (AE)"}},
		Partners: []Partner{{ID: 1, Name: "Northwind (gold reseller)", Tier: tandem.TierGold, Type: tandem.PartnerReseller}},
		Deals: []Deal{
			{OpportunityID: 1, ExternalID: "DEAL-1", Name: "Direct deal", OwnerID: 1, Motion: tandem.MotionDirect,
				Attribution: tandem.AttributionDirect, ACV: first, Currency: p.Currency(), ClosedOn: closed},
			{OpportunityID: 2, ExternalID: "DEAL-2", Name: "Co-sell deal", OwnerID: 1, PartnerID: 1, Motion: tandem.MotionCoSell,
				Attribution: tandem.AttributionPartnerLed, ACV: second, Currency: p.Currency(), ClosedOn: closed.Add(time.Hour), Registered: true},
		},
	}
	res, err := Calculate(p, in)
	if err != nil {
		return fmt.Errorf("worked example: %w", err)
	}
	d.ExampleIntro = fmt.Sprintf("Alex's quota is %s. Alex first closes a direct deal of %s (90 %% of quota), then a co-sell deal "+
		"of %s with Northwind, a gold reseller holding an approved registration. The second deal crosses 100 %% attainment.",
		quota.Format(p.Currency()), first.Format(p.Currency()), second.Format(p.Currency()))
	for _, st := range append(slices.Clone(res.AEs), res.Partners...) {
		for _, l := range st.Lines {
			rate := ""
			if l.RateBasisPoints > 0 {
				rate = " × " + pct(l.RateBasisPoints)
			}
			d.Example = append(d.Example, docRow{A: st.Name, B: l.DealExternal, C: string(l.Kind) + " (" + l.Rule + ")",
				D: l.Basis.Format(p.Currency()) + rate, E: l.Amount.Format(p.Currency())})
		}
	}
	return nil
}
