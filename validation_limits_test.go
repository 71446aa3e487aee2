package tandem_test

import (
	"math"
	"strings"
	"testing"
	"time"

	tandem "github.com/tandem-revops/tandem"
)

// Finding 11.1: a money input outside 0..10^12 minor units is refused by the entity every path validates.
func TestMoneyRangeRefused(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		acv  tandem.Money
		ok   bool
	}{
		{"zero", 0, true},
		{"ten billion, the largest", 1_000_000_000_000, true},
		{"one cent over", 1_000_000_000_001, false},
		{"int64 max", math.MaxInt64, false},
		{"negative", -1, false},
	} {
		o := validOpportunity()
		o.ACV = tc.acv
		if err := o.Validate(); (err == nil) != tc.ok {
			t.Errorf("opportunity acv %s (%s): Validate() = %v, want ok=%v", tc.acv, tc.name, err, tc.ok)
		}
		r := validRegistration()
		r.EstimatedACV = tc.acv
		if err := r.Validate(); (err == nil) != tc.ok {
			t.Errorf("registration estimated_acv %s (%s): Validate() = %v, want ok=%v", tc.acv, tc.name, err, tc.ok)
		}
	}
}

// Finding 11.1: "--5" was read as +5.00; two minus signs are a mangled number, not a double negation.
func TestParseMoneyRefusesTwoSigns(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"--5", "- -5", "(-5)", "--$5.00", "-USD -5"} {
		if m, _, err := tandem.ParseMoney(s); err == nil {
			t.Errorf("ParseMoney(%q) = %s, want an error", s, m)
		}
	}
	for s, want := range map[string]tandem.Money{"-5": -500, "(5)": -500, "$-5": -500, "USD -5": -500} {
		if m, _, err := tandem.ParseMoney(s); err != nil || m != want {
			t.Errorf("ParseMoney(%q) = %s, %v, want %s", s, m, err, want)
		}
	}
}

func TestAddMoneyOverflow(t *testing.T) {
	t.Parallel()
	if _, err := tandem.AddMoney(math.MaxInt64, 1); err == nil {
		t.Error("AddMoney(max, 1): want an overflow error")
	}
	if _, err := tandem.AddMoney(math.MinInt64, -1); err == nil {
		t.Error("AddMoney(min, -1): want an overflow error")
	}
	if s, err := tandem.AddMoney(tandem.MaxAmount, tandem.MaxAmount); err != nil || s != 2*tandem.MaxAmount {
		t.Errorf("AddMoney(max amount twice) = %s, %v", s, err)
	}
}

// Finding 11.2 and 11.3: names are bounded and carry no control characters; multi-line text keeps its
// newlines and tabs.
func TestTextLimitsAndControlCharacters(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", tandem.MaxNameLength+1)
	for _, tc := range []struct {
		name  string
		apply func(a *tandem.Account, r *tandem.Registration)
		field string
	}{
		{"100 KB account name", func(a *tandem.Account, _ *tandem.Registration) { a.Name = strings.Repeat("x", 100_000) }, "name"},
		{"201-character account name", func(a *tandem.Account, _ *tandem.Registration) { a.Name = long }, "name"},
		{"NUL in a name", func(a *tandem.Account, _ *tandem.Registration) { a.Name = "Acme\x00Corp" }, "name"},
		{"ESC in a name", func(a *tandem.Account, _ *tandem.Registration) { a.Name = "Acme \x1b[31mCorp" }, "name"},
		{"C1 in a name", func(a *tandem.Account, _ *tandem.Registration) { a.Name = "Acme \u0085Corp" }, "name"},
		{"newline in a name", func(a *tandem.Account, _ *tandem.Registration) { a.Name = "Acme\nCorp" }, "name"},
		{"400 KB registration account name", func(_ *tandem.Account, r *tandem.Registration) { r.AccountName = strings.Repeat("y", 400_000) }, "account_name"},
		{"NUL in a registration account name", func(_ *tandem.Account, r *tandem.Registration) { r.AccountName = "A\x00" }, "account_name"},
		{"invalid UTF-8", func(_ *tandem.Account, r *tandem.Registration) { r.ContactName = "A\xff" }, "contact_name"},
	} {
		a := &tandem.Account{Name: "Acme", Country: "US"}
		r := validRegistration()
		tc.apply(a, r)
		err := a.Validate()
		if err == nil {
			err = r.Validate()
		}
		if err == nil || !strings.HasPrefix(err.Error(), tc.field+":") || tandem.ErrorCode(err) != tandem.EINVALID {
			t.Errorf("%s: Validate() = %v, want an invalid %s", tc.name, err, tc.field)
		}
	}
	ok := validRegistration()
	ok.AccountName = strings.Repeat("é", tandem.MaxNameLength) // characters, not bytes
	ok.Status, ok.RejectionReason = tandem.RegistrationRejected, "Duplicate of R-12.\n\tSee the call notes."
	if err := ok.Validate(); err != nil {
		t.Errorf("a 200-character name and a multi-line reason: %v", err)
	}
}

// Finding 11.3: an unassigned country code is refused, not just a malformed one.
func TestValidCountryUsesTheISOTable(t *testing.T) {
	t.Parallel()
	for code, want := range map[string]bool{"US": true, "DE": true, "ZW": true, "ZZ": false, "XX": false, "AA": false, "us": false, "USA": false} {
		if got := tandem.ValidCountry(code); got != want {
			t.Errorf("ValidCountry(%q) = %v, want %v", code, got, want)
		}
	}
	o := validOpportunity()
	o.Country = "ZZ"
	if err := o.Validate(); err == nil || !strings.HasPrefix(err.Error(), "country:") {
		t.Errorf("opportunity in ZZ: Validate() = %v, want a country error", err)
	}
}

func validOpportunity() *tandem.Opportunity {
	return &tandem.Opportunity{Name: "Acme renewal", AccountID: 1, ACV: 1_000_00, Currency: "USD",
		ProductType: tandem.ProductCore, Stage: tandem.StageQualified, ForecastCategory: tandem.ForecastPipeline, Country: "US"}
}

func validRegistration() *tandem.Registration {
	return &tandem.Registration{PartnerID: 1, AccountName: "Acme", Country: "US", ProductType: tandem.ProductCore,
		EstimatedACV: 1_000_00, Currency: "USD", Status: tandem.RegistrationSubmitted, SubmittedAt: time.Unix(0, 0)}
}
