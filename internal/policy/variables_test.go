package policy

import (
	"slices"
	"testing"
)

// TestTestedVariables: the variables a policy's rules test are found in their conditions, so the
// registration form can ask for each (issue 10 #1).
func TestTestedVariables(t *testing.T) {
	t.Parallel()
	if got, want := Default().TestedVariables(), []string{"acv", "country", "vertical", "product_type", "registration_status",
		"current_motion", "direct_presence"}; !slices.Equal(got, want) {
		t.Errorf("default policy tests %v, want %v", got, want)
	}
	src := `name: t
version: "1"
currency: USD
effective_from: 2026-01-01
rules:
  - id: a
    title: A
    when: fields["segment"] == "smb" && partner_tier == "gold"
    motion: partner_led
    explain: a
  - id: b
    title: B
    motion: direct
    explain: b
`
	p, err := Parse("t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := p.TestedVariables(), []string{"partner_tier", "fields"}; !slices.Equal(got, want) {
		t.Errorf("tests %v, want %v", got, want)
	}
}
