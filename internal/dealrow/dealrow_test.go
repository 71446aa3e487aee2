package dealrow

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/country"
)

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		required []Field
		cells    Cells
		want     Deal
		errs     []Error
	}{
		{name: "CRM spellings", cells: Cells{ACV: "$1,200,000.00", Country: "Deutschland", Vertical: "Financial Services",
			ProductType: "Add-On", RegistrationStatus: "Pending Approval", CurrentMotion: "Partner-Led", PartnerTier: "Authorized", Stage: "Closed Won"},
			want: Deal{ACV: tandem.Major(1_200_000), Currency: "USD", WrittenCurrency: "USD", Country: "DE", Vertical: "financial_services",
				ProductType: tandem.ProductAddon, RegistrationStatus: tandem.RegistrationSubmitted, CurrentMotion: tandem.MotionPartnerLed,
				PartnerTier: tandem.TierRegistered, Stage: tandem.StageClosedWon}},
		{name: "currency column upper-cased", cells: Cells{ACV: "1.200,50", Currency: "eur", Country: "DEU", Vertical: "retail"},
			want: Deal{ACV: 120050, Currency: "EUR", Country: "DE", Vertical: "retail"}},
		{name: "blank is not an error unless required", cells: Cells{}, want: Deal{}},
		{name: "required blanks, in field order", required: []Field{ACV, Country, ProductType}, cells: Cells{Vertical: "retail"},
			want: Deal{Vertical: "retail"},
			errs: []Error{{Field: ACV, Problem: Empty}, {Field: Country, Problem: Empty}, {Field: ProductType, Problem: Empty}}},
		{name: "every bad field, in field order",
			cells: Cells{ACV: "12x", Currency: "XX", Country: "Atlantis", ProductType: "Widget", RegistrationStatus: "Maybe",
				CurrentMotion: "sideways", PartnerTier: "Diamond", Stage: "Assigned dynamically"},
			want: Deal{Currency: "XX", CurrentMotion: "sideways"},
			errs: []Error{{Field: ACV, Value: "12x", Problem: NotNumber}, {Field: Currency, Value: "XX", Problem: NotCurrency}, {Field: Country, Value: "Atlantis", Problem: UnknownCountry},
				{Field: ProductType, Value: "Widget", Problem: UnknownValue}, {Field: RegistrationStatus, Value: "Maybe", Problem: UnknownValue},
				{Field: CurrentMotion, Value: "sideways", Problem: UnknownValue}, {Field: PartnerTier, Value: "Diamond", Problem: UnknownValue},
				{Field: Stage, Value: "Assigned dynamically", Problem: UnknownValue}}},
		{name: "not a number", cells: Cells{ACV: "12x"}, errs: []Error{{Field: ACV, Value: "12x", Problem: NotNumber}}},
		{name: "written and column currencies differ", cells: Cells{ACV: "$1,000", Currency: "EUR"},
			want: Deal{ACV: tandem.Major(1000), Currency: "EUR", WrittenCurrency: "USD"},
			errs: []Error{{Field: Currency, Value: "EUR", Problem: CurrencyMismatch, Detail: "USD"}}},
		{name: "negative amount kept with its error", cells: Cells{ACV: "-5"},
			want: Deal{ACV: -500}, errs: []Error{{Field: ACV, Value: "-5", Problem: OutOfRange, Detail: outOfRange(t, -500)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var d Deal
			errs := NewParser(tt.required...).Parse(&tt.cells, &d, nil)
			if diff := cmp.Diff(tt.want, d); diff != "" {
				t.Errorf("deal (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.errs, errs); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

// outOfRange is CheckAmount's reason for m, the detail Parse passes on.
func outOfRange(t *testing.T, m tandem.Money) string {
	t.Helper()
	te, ok := tandem.CheckAmount("acv", m).(*tandem.Error)
	if !ok {
		t.Fatalf("CheckAmount(%d) accepts it", m)
	}
	return te.Message
}

// TestParseDoesNotAllocateForCodes keeps tandem route's hot path flat: a row already written in codes
// allocates no more than the country lookup it makes does.
func TestParseDoesNotAllocateForCodes(t *testing.T) {
	p := NewParser(ACV, Country, ProductType)
	c := Cells{ACV: "1200000", Currency: "USD", Country: "US", Vertical: "financial_services", ProductType: "core",
		RegistrationStatus: "approved", CurrentMotion: "direct", PartnerTier: "gold", Stage: "proposal"}
	var d Deal
	errs := make([]Error, 0, 4)
	lookup := testing.AllocsPerRun(100, func() { country.Code(c.Country) })
	if n := testing.AllocsPerRun(100, func() { errs = p.Parse(&c, &d, errs[:0]) }); n > lookup {
		t.Errorf("Parse allocates %v times per row, the country lookup %v", n, lookup)
	}
}
