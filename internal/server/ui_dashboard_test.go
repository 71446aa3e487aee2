package server

import (
	"testing"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/policy"
)

func TestShortMoney(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		m        tandem.Money
		currency string
		want     string
	}{
		{"zero", 0, "USD", "$0"},
		{"cents round half to even", 49_50, "USD", "$50"},
		{"thousands", tandem.Major(950_500), "EUR", "€950.5k"},
		{"a whole million drops the .0", tandem.Major(2_000_000), "USD", "$2M"},
		{"tenth rounds half to even", tandem.Major(12_450_000), "USD", "$12.4M"},
		{"billions", tandem.Major(33_240_000_000), "USD", "$33.2B"},
		{"currency without a symbol", tandem.Major(1_500), "CHF", "1.5k CHF"},
		{"negative", -tandem.Major(1_500), "GBP", "-£1.5k"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := shortMoney(tc.m, tc.currency); got != tc.want {
				t.Errorf("shortMoney(%d, %s) = %q, want %q", tc.m, tc.currency, got, tc.want)
			}
		})
	}
}

func TestCount(t *testing.T) {
	t.Parallel()
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 60000: "60,000", 1234567: "1,234,567", -4321: "-4,321"} {
		if got := count(n); got != want {
			t.Errorf("count(%d) = %q, want %q", n, got, want)
		}
	}
}

// The dashboard sums ACV in the policy currency at the policy's exact rates (EUR 1.08 in the
// built-in policy), rounding once per amount converted.
func TestInPolicyCurrency(t *testing.T) {
	t.Parallel()
	p := policy.Default()
	tests := []struct {
		name     string
		m        tandem.Money
		currency string
		want     tandem.Money
		ok       bool
	}{
		{"policy currency unchanged", 123_45, "USD", 123_45, true},
		{"exact rate", tandem.Major(1_000), "EUR", tandem.Major(1_080), true},
		{"half-even at the cent", 5, "EUR", 5, true}, // 0.054 → 0.05
		{"no rate", tandem.Major(10), "JPY", 0, false},
	}
	for _, tc := range tests {
		got, ok := inPolicyCurrency(p, tc.m, tc.currency)
		if got != tc.want || ok != tc.ok {
			t.Errorf("%s: inPolicyCurrency(%d %s) = %d, %v; want %d, %v", tc.name, tc.m, tc.currency, got, ok, tc.want, tc.ok)
		}
	}
}
