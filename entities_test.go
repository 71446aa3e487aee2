package tandem

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func validOpportunity() Opportunity {
	return Opportunity{Name: "Acme platform", AccountID: 1, ProductType: ProductCore, ACV: Major(100_000), Currency: "USD",
		Stage: StageProposal, ForecastCategory: ForecastBestCase, Country: "US",
		CreatedOn: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), CloseDate: time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC)}
}

func TestOpportunityValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change func(*Opportunity)
		field  string
	}{
		{"valid", func(*Opportunity) {}, ""},
		{"no name", func(o *Opportunity) { o.Name = "  " }, "name"},
		{"no account", func(o *Opportunity) { o.AccountID = 0 }, "account_id"},
		{"negative ACV", func(o *Opportunity) { o.ACV = -1 }, "acv"},
		{"bad currency", func(o *Opportunity) { o.Currency = "usd" }, "currency"},
		{"bad product type", func(o *Opportunity) { o.ProductType = "hardware" }, "product_type"},
		{"bad stage", func(o *Opportunity) { o.Stage = "won" }, "stage"},
		{"bad forecast", func(o *Opportunity) { o.ForecastCategory = "maybe" }, "forecast_category"},
		{"bad country", func(o *Opportunity) { o.Country = "USA" }, "country"},
		{"discount over 100%", func(o *Opportunity) { o.DiscountBasisPoints = 10001 }, "discount_basis_points"},
		{"bad attribution", func(o *Opportunity) { o.Attribution = "sourced" }, "attribution"},
		{"closes before it was created", func(o *Opportunity) { o.CloseDate = o.CreatedOn.AddDate(0, 0, -1) }, "close_date"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := validOpportunity()
			tt.change(&o)
			checkField(t, o.Validate(), tt.field)
		})
	}
}

func TestUserValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		user  User
		field string
	}{
		{"ae", User{Email: "ae@x.example", Role: RoleAE}, ""},
		{"partner user", User{Email: "p@x.example", Role: RolePartnerUser, PartnerID: 7}, ""},
		{"partner user without partner", User{Email: "p@x.example", Role: RolePartnerUser}, "partner_id"},
		{"vendor user bound to a partner", User{Email: "ae@x.example", Role: RoleAE, PartnerID: 7}, "partner_id"},
		{"bad email", User{Email: "not-an-email", Role: RoleAE}, "email"},
		{"bad role", User{Email: "ae@x.example", Role: "boss"}, "role"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			checkField(t, tt.user.Validate(), tt.field)
		})
	}
}

func TestPartnerAndRegistrationValidate(t *testing.T) {
	t.Parallel()
	p := Partner{Name: "Bayhaven", Tier: TierGold, Type: PartnerReseller, Standing: StandingGood, Countries: []string{"JP"}}
	checkField(t, p.Validate(), "")
	p.Tier = "diamond"
	checkField(t, p.Validate(), "tier")
	p.Tier, p.Countries = TierGold, []string{"Japan"}
	checkField(t, p.Validate(), "countries")

	r := Registration{PartnerID: 1, AccountName: "Acme", Country: "US", ProductType: ProductCore, Currency: "USD", Status: RegistrationSubmitted}
	checkField(t, r.Validate(), "")
	r.Status = RegistrationRejected
	checkField(t, r.Validate(), "rejection_reason")
	r.RejectionReason = "duplicate of an open direct deal"
	checkField(t, r.Validate(), "")
	r.PartnerID = 0
	checkField(t, r.Validate(), "partner_id")
}

func checkField(t *testing.T, err error, field string) {
	t.Helper()
	if field == "" {
		if err != nil {
			t.Fatalf("valid record refused: %v", err)
		}
		return
	}
	var e *Error
	if !errors.As(err, &e) || e.Code != EINVALID || e.Field != field {
		t.Fatalf("got %v, want an invalid error on field %q", err, field)
	}
}

func TestErrorCodesAndMessages(t *testing.T) {
	t.Parallel()
	wrapped := fmt.Errorf("store: %w", NotFound("opportunity", 42))
	if ErrorCode(wrapped) != ENOTFOUND || ErrorMessage(wrapped) != "opportunity 42 not found" {
		t.Errorf("wrapped not-found: code %q message %q", ErrorCode(wrapped), ErrorMessage(wrapped))
	}
	internal := errors.New("pq: connection refused to 10.0.0.5")
	if ErrorCode(internal) != EINTERNAL || ErrorMessage(internal) != "internal error" {
		t.Errorf("an internal error must not leak its text: %q", ErrorMessage(internal))
	}
	if ErrorCode(nil) != "" {
		t.Error("nil has a code")
	}
	if got := ErrorMessage(FieldError("acv", "cannot be negative")); got != "acv: cannot be negative" {
		t.Errorf("field error message %q", got)
	}
}

func TestNormalizeDomain(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"https://www.Acme.com/about": "acme.com",
		"acme.com":                   "acme.com",
		"WWW.ACME.CO.UK.":            "acme.co.uk",
		"sales@acme.io":              "acme.io",
		"http://acme.com:8080?q=1":   "acme.com",
		"":                           "",
	} {
		if got := NormalizeDomain(in); got != want {
			t.Errorf("NormalizeDomain(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestActorCan(t *testing.T) {
	t.Parallel()
	if !(Actor{Role: RoleAdmin}).Can(RoleRevOps) {
		t.Error("admin can do what revops can")
	}
	if (Actor{Role: RolePartnerUser, PartnerID: 1}).Can(RoleRevOps, RoleAE) {
		t.Error("a partner user is not revops")
	}
	if !(Actor{Role: RolePartnerUser, PartnerID: 1}).IsPartner() || (Actor{Role: RoleAE}).IsPartner() {
		t.Error("IsPartner")
	}
	if got := LevelVPs.Deciders(); len(got) != 2 || got[0] != RoleVPSales || got[1] != RoleVPChannel {
		t.Errorf("level 2 deciders %v", got)
	}
}
