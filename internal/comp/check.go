package comp

import (
	"fmt"
	"sort"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/lint"
)

// Finding is one thing Check found in a plan; Field names the setting it is about. Its String puts the
// position first, as `tandem comp check` prints it after the file name.
type Finding struct{ lint.Finding }

func (f Finding) String() string {
	if pos := f.Position(); pos != "" {
		return pos + ": " + f.Finding.String()
	}
	return f.Finding.String()
}

// SeverityError and SeverityWarning are lint's severities under the names callers of Check test with.
const (
	SeverityError   = lint.SeverityError
	SeverityWarning = lint.SeverityWarning
)

// The SPIFF the programme promises per partner-led deal; bands outside it are flagged.
const (
	spiffMin = tandem.Money(500_00)
	spiffMax = tandem.Money(2_000_00)
)

// Check lints a parsed plan: SPIFF bands with gaps or overlaps, accelerators whose thresholds or rates
// do not ascend, tiers without a resale or referral margin, rates and credit shares out of range. The
// findings are in file order.
func Check(p *Plan) []Finding {
	var out []Finding
	add := func(sev lint.Severity, field, format string, args ...any) {
		f := Finding{lint.Finding{Severity: sev, Field: field, Message: fmt.Sprintf(format, args...)}}
		if ps, ok := p.positions[field]; ok {
			f.Line, f.Column = ps.line, ps.col
		}
		out = append(out, f)
	}
	ae := p.ae
	if ae.BaseRateBasisPoints == 0 {
		add(SeverityWarning, "ae.base_rate", "is 0%%: AEs earn no commission below the first accelerator")
	}
	if ae.BaseRateBasisPoints > 5000 {
		add(SeverityError, "ae.base_rate", "%s is out of range (0%% to 50%%)", pct(ae.BaseRateBasisPoints))
	}
	prevAbove, prevRate := 0, ae.BaseRateBasisPoints
	for i, a := range ae.Accelerators {
		field := fmt.Sprintf("ae.accelerators[%d]", i)
		switch {
		case a.AboveBasisPoints <= prevAbove && i > 0:
			add(SeverityError, field+".above", "%s is not above the previous threshold %s: thresholds must ascend", pct(a.AboveBasisPoints), pct(prevAbove))
		case i == 0 && a.AboveBasisPoints < 10000:
			add(SeverityWarning, field+".above", "%s accelerates below 100%% attainment", pct(a.AboveBasisPoints))
		}
		if a.RateBasisPoints <= prevRate {
			add(SeverityError, field+".rate", "%s is not above the rate below it (%s): accelerator rates must ascend", pct(a.RateBasisPoints), pct(prevRate))
		}
		if a.RateBasisPoints > 10000 {
			add(SeverityError, field+".rate", "%s is out of range (0%% to 100%%)", pct(a.RateBasisPoints))
		}
		prevAbove, prevRate = a.AboveBasisPoints, a.RateBasisPoints
	}
	for i, at := range tandem.Attributions {
		if bp := ae.QuotaCreditBasisPoints[i]; bp > 10000 {
			add(SeverityError, "ae.quota_credit."+string(at), "%s is out of range: a credit share is 0%% to 100%% of the deal", pct(bp))
		}
	}

	bands := p.spiff.Bands
	for i, b := range bands {
		field := fmt.Sprintf("spiff.bands[%d]", i)
		if b.Amount < spiffMin || b.Amount > spiffMax {
			add(SeverityWarning, field+".amount", "%s is outside the co-sell SPIFF range of %s to %s", b.Amount.Format(p.Currency()), spiffMin.Format(p.Currency()), spiffMax.Format(p.Currency()))
		}
		if i == 0 {
			continue
		}
		prev := bands[i-1]
		switch {
		case prev.To == 0:
			add(SeverityError, field, "follows a band with no upper edge")
		case prev.To < b.From:
			add(SeverityError, field+".from", "gap: no SPIFF for values from %s up to %s (band %d ends at %s)", prev.To.Format(p.Currency()), b.From.Format(p.Currency()), i-1, prev.To.Format(p.Currency()))
		case prev.To > b.From:
			add(SeverityError, field+".from", "overlap: values from %s up to %s fall in bands %d and %d", b.From.Format(p.Currency()), prev.To.Format(p.Currency()), i-1, i)
		}
	}

	for _, tier := range tandem.Tiers {
		field := "partner.margins." + string(tier)
		m, ok := p.partner.Margins[tier]
		if !ok {
			m = Margin{ResaleBasisPoints: -1, ReferralBasisPoints: -1}
		}
		for _, kind := range []struct {
			name string
			bp   int
		}{{"resale", m.ResaleBasisPoints}, {"referral", m.ReferralBasisPoints}} {
			f := field + "." + kind.name
			switch {
			case kind.bp < 0:
				if _, ok := p.positions[field]; ok {
					f = field // point at the tier that lacks it
				} else {
					f = "partner.margins"
				}
				add(SeverityError, f, "the %s tier has no %s margin", tier, kind.name)
			case kind.bp > 10000:
				add(SeverityError, f, "%s is out of range (0%% to 100%%)", pct(kind.bp))
			case kind.bp+p.partner.RegistrationBonusBasisPoints > 10000:
				add(SeverityError, f, "%s plus the registration bonus %s is more than the whole deal", pct(kind.bp), pct(p.partner.RegistrationBonusBasisPoints))
			}
		}
	}
	if bp := p.partner.RegistrationBonusBasisPoints; bp > 10000 {
		add(SeverityError, "partner.registration_bonus", "%s is out of range (0%% to 100%%)", pct(bp))
	}
	if bp := p.partner.MDFBasisPoints; bp > 10000 {
		add(SeverityError, "partner.mdf", "%s is out of range (0%% to 100%%)", pct(bp))
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if (a.Line == 0) != (b.Line == 0) {
			return b.Line == 0
		}
		return a.Line < b.Line || a.Line == b.Line && a.Column < b.Column
	})
	return out
}

// pct formats basis points as a percentage without trailing zeros: 1250 → "12.5%".
func pct(bp int) string {
	neg := bp < 0
	if neg {
		bp = -bp
	}
	s := fmt.Sprintf("%d", bp/100)
	if frac := bp % 100; frac != 0 {
		if frac%10 == 0 {
			s += fmt.Sprintf(".%d", frac/10)
		} else {
			s += fmt.Sprintf(".%02d", frac)
		}
	}
	if neg {
		s = "-" + s
	}
	return s + "%"
}
