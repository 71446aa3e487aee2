package programme

import (
	"testing"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/policy"
)

func TestRulesOf(t *testing.T) {
	t.Parallel()
	rules, _, err := rulesOf(policy.Default().Settings())
	if err != nil {
		t.Fatal(err)
	}
	if rules.Lifecycle != tandem.DefaultLifecycleSettings() || rules.ApprovalSLA.Budget.Hours() != 48 {
		t.Errorf("rules of the default policy: %+v", rules)
	}
	bad := policy.Default().Settings()
	bad.BusinessHours.Holidays = []string{"someday"}
	if _, _, err := rulesOf(bad); err == nil {
		t.Error("a bad holiday was accepted")
	}
}

// TestDeriveRiskBands: the programme carries the policy's risk grades, the defaults when it has none.
func TestDeriveRiskBands(t *testing.T) {
	t.Parallel()
	in, err := Derive(policy.Default())
	if err != nil {
		t.Fatal(err)
	}
	if in.RiskBands != policy.DefaultRiskBands() {
		t.Errorf("default programme grades %+v, want %+v", in.RiskBands, policy.DefaultRiskBands())
	}
	src := "name: P\nversion: \"1\"\neffective_from: 2026-01-01\npredictions:\n  conflict_risk: {medium_at: 5%, high_at: 15%}\n" +
		"rules:\n  - {id: all, title: All, motion: direct, explain: x}\n"
	p, err := policy.Parse("p.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if in, err = Derive(p); err != nil {
		t.Fatal(err)
	}
	if want := (policy.RiskBands{MediumAtBP: 500, HighAtBP: 1500}); in.RiskBands != want {
		t.Errorf("programme grades %+v, want %+v", in.RiskBands, want)
	}
	if got := in.RiskBands.Grade(0.16); got != "high" {
		t.Errorf("a 16 %% risk is %s under high_at 15 %%, want high", got)
	}
}
