// Package dealrow is the one reading of the deal values in a CRM export row — the amount and its
// currency, the country, the vertical, the product type, the stage, the registration status, the
// partner tier and the current motion — shared by tandem route (fixed columns) and tandem import
// (columns through a mapping), so the two accept the same spellings and hand the policy the same deal.
// The callers find the cells; this package turns their text into values and field-level errors; the
// callers word those errors for their own output.
package dealrow

import (
	"errors"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/country"
	"github.com/tandem-revops/tandem/internal/crmvalue"
)

// Field names a deal value, as tandem route's columns are named.
type Field string

// The fields a row may carry.
const (
	ACV                Field = "acv"
	Currency           Field = "currency"
	Country            Field = "country"
	Vertical           Field = "vertical"
	ProductType        Field = "product_type"
	RegistrationStatus Field = "registration_status"
	CurrentMotion      Field = "current_motion"
	PartnerTier        Field = "partner_tier"
	Stage              Field = "stage"
)

// Problem is what is wrong with a field's value.
type Problem int

// The problems Parse reports.
const (
	Empty            Problem = iota + 1 // a required field is blank
	NotNumber                           // the amount is not a number
	OutOfRange                          // the amount is outside what Tandem keeps (Detail says why)
	CurrencyMismatch                    // the amount is written in one currency, the currency column says another (Detail: the written one)
	NotCurrency                         // the currency column is not an ISO 4217 code
	UnknownCountry                      // neither an ISO code nor a known country name
	UnknownValue                        // not a spelling the field's table knows
)

// Error is one bad field of a row.
type Error struct {
	Field   Field
	Value   string // the cell's text
	Problem Problem
	Detail  string
}

// Cells holds the trimmed text of a row's deal fields, "" when blank or absent.
type Cells struct {
	ACV, Currency, Country, Vertical, ProductType, RegistrationStatus, CurrentMotion, PartnerTier, Stage string
}

// Deal is a row's deal values, normalised. A blank field leaves its zero value; the caller decides
// what blank means (route refuses some, import has defaults). An amount out of range is kept (with
// its Error) so a caller that validates the whole record can word it its own way.
type Deal struct {
	ACV             tandem.Money // in Currency's minor units
	Currency        string       // the currency column, upper case, else the currency written with the amount
	WrittenCurrency string       // the currency written with the amount ("$1,200" is USD), "" when none
	Country         string       // ISO 3166-1 alpha-2
	// Vertical is the code a policy rule tests ("Financial Services" is financial_services); callers
	// that store the vertical may keep the text as written for display.
	Vertical           string
	ProductType        tandem.ProductType
	RegistrationStatus tandem.RegistrationStatus
	CurrentMotion      tandem.Motion
	PartnerTier        tandem.Tier
	Stage              tandem.Stage
}

// Parser reads rows; build one per goroutine and keep it (its tables make lookups allocation-free).
type Parser struct {
	required     uint16 // a bit per field, by fieldBit: checked on every row, so no map
	stages       crmvalue.Table[tandem.Stage]
	statuses     crmvalue.Table[tandem.RegistrationStatus]
	productTypes crmvalue.Table[tandem.ProductType]
	tiers        crmvalue.Table[tandem.Tier]
}

// NewParser returns a parser for which a blank value of any of the required fields is an Empty error.
func NewParser(required ...Field) *Parser {
	p := &Parser{stages: crmvalue.Stages(), statuses: crmvalue.RegistrationStatuses(),
		productTypes: crmvalue.ProductTypes(), tiers: crmvalue.Tiers()}
	for _, f := range required {
		p.required |= fieldBit(f)
	}
	return p
}

// fields lists the fields in the order Parse reads them.
var fields = [...]Field{ACV, Currency, Country, Vertical, ProductType, RegistrationStatus, CurrentMotion, PartnerTier, Stage}

func fieldBit(f Field) uint16 {
	for i, g := range fields {
		if g == f {
			return 1 << i
		}
	}
	return 0
}

func (p *Parser) requires(bit int) bool { return p.required&(1<<bit) != 0 }

// Parse reads c into d (reset first) and appends an Error for each bad field to errs, in the order
// of the Field constants, so a caller that reports only the first gets the same one every time.
func (p *Parser) Parse(c *Cells, d *Deal, errs []Error) []Error {
	*d = Deal{}
	switch {
	case c.ACV == "":
		if p.requires(0) {
			errs = append(errs, Error{Field: ACV, Problem: Empty})
		}
	default:
		acv, cur, err := tandem.ParseMoney(c.ACV)
		if err != nil {
			errs = append(errs, Error{Field: ACV, Value: c.ACV, Problem: NotNumber})
			break
		}
		d.ACV, d.WrittenCurrency, d.Currency = acv, cur, cur
		if err := tandem.CheckAmount("acv", acv); err != nil {
			detail := err.Error()
			if bad, ok := errors.AsType[*tandem.Error](err); ok {
				detail = bad.Message
			}
			errs = append(errs, Error{Field: ACV, Value: c.ACV, Problem: OutOfRange, Detail: detail})
		}
	}
	if c.Currency != "" {
		col := upper(c.Currency)
		if !tandem.ValidCurrency(col) {
			errs = append(errs, Error{Field: Currency, Value: c.Currency, Problem: NotCurrency})
		}
		if d.WrittenCurrency != "" && d.WrittenCurrency != col {
			errs = append(errs, Error{Field: Currency, Value: c.Currency, Problem: CurrencyMismatch, Detail: d.WrittenCurrency})
		}
		d.Currency = col
	} else if p.requires(1) {
		errs = append(errs, Error{Field: Currency, Problem: Empty})
	}
	if c.Country != "" {
		code, ok := country.Code(c.Country)
		if !ok {
			errs = append(errs, Error{Field: Country, Value: c.Country, Problem: UnknownCountry})
		}
		d.Country = code
	} else if p.requires(2) {
		errs = append(errs, Error{Field: Country, Problem: Empty})
	}
	d.Vertical = crmvalue.Code(c.Vertical)
	d.ProductType, errs = lookup(p.productTypes, ProductType, c.ProductType, p.requires(4), errs)
	d.RegistrationStatus, errs = lookup(p.statuses, RegistrationStatus, c.RegistrationStatus, p.requires(5), errs)
	if v := crmvalue.Code(c.CurrentMotion); v != "" {
		if d.CurrentMotion = tandem.Motion(v); !d.CurrentMotion.Valid() {
			errs = append(errs, Error{Field: CurrentMotion, Value: c.CurrentMotion, Problem: UnknownValue})
		}
	} else if p.requires(6) {
		errs = append(errs, Error{Field: CurrentMotion, Problem: Empty})
	}
	d.PartnerTier, errs = lookup(p.tiers, PartnerTier, c.PartnerTier, p.requires(7), errs)
	d.Stage, errs = lookup(p.stages, Stage, c.Stage, p.requires(8), errs)
	return errs
}

func lookup[T ~string](t crmvalue.Table[T], f Field, v string, required bool, errs []Error) (T, []Error) {
	if v == "" {
		if required {
			errs = append(errs, Error{Field: f, Problem: Empty})
		}
		return "", errs
	}
	got, ok := t.Lookup(v)
	if !ok {
		errs = append(errs, Error{Field: f, Value: v, Problem: UnknownValue})
	}
	return got, errs
}

// upper upper-cases ASCII without allocating when s already is.
func upper(s string) string {
	for i := 0; i < len(s); i++ {
		if 'a' <= s[i] && s[i] <= 'z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'a' <= b[j] && b[j] <= 'z' {
					b[j] -= 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}
