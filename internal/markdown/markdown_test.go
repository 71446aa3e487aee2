package markdown

import "testing"

func TestCell(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, in, want string }{
		{"plain", "EMEA", "EMEA"},
		{"pipe", "resale|referral", `resale\|referral`},
		{"line breaks and runs of spaces", " two\nlines  and\ttabs ", "two lines and tabs"},
		{"empty", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := Cell(tc.in); got != tc.want {
				t.Errorf("Cell(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
