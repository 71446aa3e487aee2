package lint

import "testing"

func TestFindingText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name           string
		f              Finding
		text, position string
	}{
		{"about a rule", Finding{Severity: SeverityWarning, RuleID: "emea", Line: 12, Column: 5, Message: "never matches"},
			"warning: rule emea: never matches", "12:5"},
		{"about a setting", Finding{Severity: SeverityError, Field: "ae.base_rate", Line: 3, Column: 12, Message: "60% is out of range"},
			"error: ae.base_rate: 60% is out of range", "3:12"},
		{"about the whole document", Finding{Severity: SeverityWarning, Message: "no rule decides any deal"},
			"warning: no rule decides any deal", ""},
		{"a line without a column", Finding{Severity: SeverityError, Line: 4, Message: "m"}, "error: m", "4:1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := tc.f.String(); got != tc.text {
				t.Errorf("String() = %q, want %q", got, tc.text)
			}
			if got := tc.f.Position(); got != tc.position {
				t.Errorf("Position() = %q, want %q", got, tc.position)
			}
		})
	}
}
