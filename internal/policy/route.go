package policy

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/expr-lang/expr/vm"

	tandem "github.com/tandem-revops/tandem"
)

// explainPart is a piece of an explanation: literal text, or a deal field to interpolate.
type explainPart struct {
	text  string
	field string
}

var explainFields = []string{"ACV", "DealACV", "Currency", "Country", "Vertical", "ProductType", "PartnerTier",
	"RegistrationStatus", "CurrentMotion", "Stage", "ID", "Account"}

// parseExplain splits an explanation into text and {{.Field}} placeholders.
func parseExplain(s string) ([]explainPart, error) {
	var parts []explainPart
	for s != "" {
		i := strings.Index(s, "{{")
		if i < 0 {
			parts = append(parts, explainPart{text: s})
			break
		}
		if i > 0 {
			parts = append(parts, explainPart{text: s[:i]})
		}
		j := strings.Index(s[i:], "}}")
		if j < 0 {
			return nil, fmt.Errorf("%q has no closing }}", s[i:])
		}
		name := strings.TrimSpace(s[i+2 : i+j])
		field, ok := strings.CutPrefix(name, ".")
		if !ok || !containsString(explainFields, field) {
			return nil, fmt.Errorf("{{%s}} is not a deal field; use one of {{.%s}}", name, strings.Join(explainFields, "}}, {{."))
		}
		parts = append(parts, explainPart{field: field})
		s = s[i+j+2:]
	}
	return parts, nil
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Router routes deals one after another, reusing its scratch space. It is not safe for concurrent
// use: give each goroutine its own (Policy.Route does this for you with a pool).
type Router struct {
	p       *Policy
	env     env
	machine vm.VM
	buf     []byte
}

// NewRouter returns a Router for p.
func (p *Policy) NewRouter() *Router {
	return &Router{p: p, env: env{DirectPresence: p.directPresence}, buf: make([]byte, 0, 256)}
}

// Route decides the motion for d. It is safe for concurrent use.
//
// It fails with an EINVALID *tandem.Error when the deal's currency has no FX rate in the policy,
// or when no rule decides the deal (a gap Check reports).
func (p *Policy) Route(d Deal) (Decision, error) {
	r, _ := p.routers.Get().(*Router)
	if r == nil {
		r = p.NewRouter()
	}
	dec, err := r.Route(&d)
	p.routers.Put(r)
	return dec, err
}

// Route decides the motion for d; see Policy.Route.
func (r *Router) Route(d *Deal) (Decision, error) {
	if err := r.load(d); err != nil {
		return Decision{}, err
	}
	ru, err := r.first()
	if err != nil {
		return Decision{}, fmt.Errorf("deal %q: %w", d.ID, err)
	}
	if ru == nil {
		return Decision{}, tandem.Errorf(tandem.EINVALID, "deal %q: no rule of policy %q (version %s) decides it", d.ID, r.p.Name(), r.p.Version())
	}
	r.buf = r.appendExplanation(r.buf[:0], ru, d)
	return Decision{
		Motion:          ru.Motion,
		PartnerAttached: ru.PartnerAttached,
		Rule:            ru.ID,
		PolicyVersion:   r.p.Version(),
		Explanation:     string(r.buf),
	}, nil
}

// load fills the router's environment from d, converting its ACV into the policy currency.
func (r *Router) load(d *Deal) error {
	acv, err := r.p.convert(d.ACV, d.Currency)
	if err != nil {
		return fmt.Errorf("deal %q: %w", d.ID, err)
	}
	e := &r.env
	e.ACV = acv
	e.Currency = d.Currency
	if e.Currency == "" {
		e.Currency = r.p.Currency()
	}
	e.Country = d.Country
	e.Vertical = d.Vertical
	e.ProductType = string(d.ProductType)
	e.PartnerTier = string(d.PartnerTier)
	e.HasPartner = d.PartnerID != ""
	e.RegistrationStatus = string(d.RegistrationStatus)
	e.CurrentMotion = string(d.CurrentMotion)
	e.Stage = string(d.Stage)
	e.Fields = d.Fields
	return nil
}

// first returns the first rule whose condition holds for the loaded deal, nil when none does.
func (r *Router) first() (*rule, error) {
	for _, ru := range r.p.rules {
		ok, err := ru.cond.eval(&r.env, &r.machine)
		if err != nil {
			return nil, fmt.Errorf("rule %s: %w", ru.ID, err)
		}
		if ok {
			return ru, nil
		}
	}
	return nil, nil
}

// Convert returns amount (in currency; "" is the policy currency) in the policy currency, exact and
// rounded half-to-even. EINVALID when the policy has no rate for currency.
func (p *Policy) Convert(amount tandem.Money, currency string) (tandem.Money, error) {
	return p.convert(amount, currency)
}

// convert returns amount (in currency) in the policy currency, exact and rounded half-to-even.
func (p *Policy) convert(amount tandem.Money, currency string) (tandem.Money, error) {
	if currency == "" || strings.EqualFold(currency, p.Currency()) {
		return amount, nil
	}
	rate, ok := p.FXRate(currency)
	if !ok {
		return 0, p.CheckCurrency(currency)
	}
	major := new(big.Rat).SetFrac64(int64(amount), tandem.MinorUnits)
	m, err := tandem.RatToMoney(major.Mul(major, rate))
	if err != nil {
		return 0, tandem.FieldError("acv", "%s %s converted to %s: %v", amount, currency, p.Currency(), err)
	}
	return m, nil
}

// appendExplanation renders ru's explanation for the loaded deal d.
func (r *Router) appendExplanation(dst []byte, ru *rule, d *Deal) []byte {
	e := &r.env
	for _, part := range ru.expl {
		switch part.field {
		case "":
			dst = append(dst, part.text...)
		case "ACV":
			dst = appendMoney(dst, e.ACV, r.p.Currency())
		case "DealACV":
			dst = appendMoney(dst, d.ACV, e.Currency)
		case "Currency":
			dst = append(dst, e.Currency...)
		case "Country":
			dst = append(dst, e.Country...)
		case "Vertical":
			dst = appendHuman(dst, e.Vertical)
		case "ProductType":
			dst = appendHuman(dst, e.ProductType)
		case "PartnerTier":
			dst = appendHuman(dst, e.PartnerTier)
		case "RegistrationStatus":
			dst = appendHuman(dst, e.RegistrationStatus)
		case "CurrentMotion":
			dst = appendHuman(dst, e.CurrentMotion)
		case "Stage":
			dst = appendHuman(dst, e.Stage)
		case "ID":
			dst = append(dst, d.ID...)
		case "Account":
			dst = append(dst, d.Account...)
		}
	}
	return dst
}

// appendHuman appends a code such as financial_services as words, as human does, without allocating.
func appendHuman(dst []byte, s string) []byte {
	switch s {
	case "partner_led":
		return append(dst, "partner-led"...)
	case "co_sell":
		return append(dst, "co-sell"...)
	case "addon":
		return append(dst, "add-on"...)
	}
	for i := 0; i < len(s); i++ {
		if s[i] == '_' {
			dst = append(dst, ' ')
		} else {
			dst = append(dst, s[i])
		}
	}
	return dst
}

// appendMoney appends m formatted as tandem.Money.Format does, without allocating.
func appendMoney(dst []byte, m tandem.Money, currency string) []byte {
	v := int64(m)
	neg := v < 0
	if neg {
		dst = append(dst, '-')
	}
	u := uint64(v)
	if neg {
		u = uint64(-v)
	}
	switch currency {
	case "", "USD":
		dst = append(dst, '$')
	case "EUR":
		dst = append(dst, "€"...)
	case "GBP":
		dst = append(dst, "£"...)
	}
	whole, frac := u/tandem.MinorUnits, u%tandem.MinorUnits
	var digits [24]byte
	ds := strconv.AppendUint(digits[:0], whole, 10)
	for i, c := range ds {
		if i > 0 && (len(ds)-i)%3 == 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, c)
	}
	dst = append(dst, '.', byte('0'+frac/10), byte('0'+frac%10))
	switch currency {
	case "", "USD", "EUR", "GBP":
	default:
		dst = append(dst, ' ')
		dst = append(dst, strings.ToUpper(currency)...)
	}
	return dst
}
