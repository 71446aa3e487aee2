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
