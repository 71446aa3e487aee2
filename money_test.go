package tandem

import (
	"math/big"
	"math/rand/v2"
	"testing"
)

func TestParseMoney(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in       string
		want     Money
		currency string
	}{
		{"1200000", 120000000, ""},
		{"1,200,000.00", 120000000, ""},
		{"$1,200,000.00", 120000000, "USD"},
		{"US$ 250,000", 25000000, "USD"},
		{"€1.200.000,50", 120000050, "EUR"},
		{"1.200,5 €", 120050, "EUR"},
		{"£249,999.99", 24999999, "GBP"},
		{"USD 1200", 120000, "USD"},
		{"1200 CHF", 120000, "CHF"},
		{"(1,200.00)", -120000, ""},
		{"-$5.25", -525, "USD"},
		{"0.005", 0, ""},   // half to even: 0.5 cent → 0
		{"0.015", 2, ""},   // 1.5 cents → 2
		{"0.025", 2, ""},   // 2.5 cents → 2
		{"-0.035", -4, ""}, // -3.5 cents → -4
		{"1000000.01", 100000001, ""},
		{".5", 50, ""},
		{"1 200 000", 120000000, ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, cur, err := ParseMoney(tt.in)
			if err != nil {
				t.Fatalf("ParseMoney(%q): %v", tt.in, err)
			}
			if got != tt.want || cur != tt.currency {
				t.Errorf("ParseMoney(%q) = %d %q, want %d %q", tt.in, got, cur, tt.want, tt.currency)
			}
		})
	}
}

func TestParseMoneyRejects(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"", "12x", "1.2.3", "$", "abc", "1,2,3.4.5", "99999999999999999999"} {
		if _, _, err := ParseMoney(in); err == nil {
			t.Errorf("ParseMoney(%q) accepted a value that is not an amount", in)
		} else if ErrorCode(err) != EINVALID {
			t.Errorf("ParseMoney(%q) error code %q, want %q", in, ErrorCode(err), EINVALID)
		}
	}
}

func TestMoneyFormat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		m        Money
		currency string
		want     string
	}{
		{120000000, "USD", "$1,200,000.00"},
		{-525, "USD", "-$5.25"},
		{5, "EUR", "€0.05"},
		{99999, "CHF", "999.99 CHF"},
		{0, "", "$0.00"},
	}
	for _, tt := range tests {
		if got := tt.m.Format(tt.currency); got != tt.want {
			t.Errorf("Money(%d).Format(%q) = %q, want %q", tt.m, tt.currency, got, tt.want)
		}
	}
}

// TestMoneyRoundTrip: formatting and parsing back is the identity for every amount.
func TestMoneyRoundTrip(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	for range 10000 {
		m := Money(r.Int64N(1<<50) - 1<<49)
		for _, s := range []string{m.String(), m.Format("USD"), m.Format("EUR"), m.Format("CHF")} {
			got, _, err := ParseMoney(s)
			if err != nil || got != m {
				t.Fatalf("ParseMoney(%q) = %d, %v; want %d", s, got, err, m)
			}
		}
	}
}

// TestRoundHalfEvenOracle checks the one rounding rule against a slow oracle built from first
// principles (floor, then compare the remainder with one half exactly) over many random fractions.
func TestRoundHalfEvenOracle(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 4))
	oracle := func(x *big.Rat) *big.Int {
		floor := new(big.Int).Div(x.Num(), x.Denom()) // Euclidean: floor for a positive denominator
		frac := new(big.Rat).Sub(x, new(big.Rat).SetInt(floor))
		switch frac.Cmp(big.NewRat(1, 2)) {
		case -1:
			return floor
		case 1:
			return floor.Add(floor, big.NewInt(1))
		}
		if floor.Bit(0) == 0 {
			return floor
		}
		return floor.Add(floor, big.NewInt(1))
	}
	for range 20000 {
		den := r.Int64N(1000) + 1
		if r.IntN(4) == 0 {
			den = 2 * (r.Int64N(50) + 1) // plenty of exact ties
		}
		x := big.NewRat(r.Int64N(2_000_000)-1_000_000, den)
		if got, want := RoundHalfEven(x), oracle(x); got.Cmp(want) != 0 {
			t.Fatalf("RoundHalfEven(%s) = %s, want %s", x.RatString(), got, want)
		}
	}
}

// TestMulRateSplitConserves: splitting an amount by shares and giving the remainder to the last
// share conserves the whole, and MulRate is never off by more than half a cent from the exact product.
func TestMulRateSplitConserves(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(5, 6))
	for range 5000 {
		m := Money(r.Int64N(1_000_000_000))
		bp := r.Int64N(10001)
		share := m.MulRate(big.NewRat(bp, 10000))
		exact := new(big.Rat).Mul(new(big.Rat).SetInt64(int64(m)), big.NewRat(bp, 10000))
		diff := new(big.Rat).Sub(new(big.Rat).SetInt64(int64(share)), exact)
		if diff.Abs(diff).Cmp(big.NewRat(1, 2)) > 0 {
			t.Fatalf("%d × %d bp = %d, exact %s", m, bp, share, exact.RatString())
		}
		if rest := m - share; rest < 0 || share+rest != m {
			t.Fatalf("split of %d lost money: %d + %d", m, share, rest)
		}
	}
}

func TestParseRate(t *testing.T) {
	t.Parallel()
	tests := map[string]*big.Rat{"0.9234": big.NewRat(9234, 10000), "15%": big.NewRat(15, 100), "1.08": big.NewRat(108, 100)}
	for in, want := range tests {
		got, err := ParseRate(in)
		if err != nil || got.Cmp(want) != 0 {
			t.Errorf("ParseRate(%q) = %v, %v; want %s", in, got, err, want.RatString())
		}
	}
	if _, err := ParseRate("x%"); err == nil {
		t.Error("ParseRate accepted x%")
	}
}

// TestParseMoneyFastPathAgrees: wherever the allocation-free path accepts a string, it gives what the
// exact path gives.
func TestParseMoneyFastPathAgrees(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"0", "1", "1200000", "1200000.5", "1200000.05", "$1,200,000.00", "1,200", "1,20", "1.200",
		"12,34,567", "1,2345", ",100", "100.", "$.5", "-5", "-$5.25", "(1,200.00)", "1.200.000,00 €", "USD 100", "12x",
		"99999999999999999", "0.015", "1,000,000.01"} {
		m1, c1, ok := parsePlainMoney(s)
		m2, c2, err := parseMoneySlow(s)
		if ok && (err != nil || m1 != m2 || c1 != c2) {
			t.Errorf("fast path %q = %v %q; exact path = %v %q %v", s, m1, c1, m2, c2, err)
		}
		m3, c3, err3 := ParseMoney(s)
		if m3 != m2 || c3 != c2 || (err3 == nil) != (err == nil) {
			t.Errorf("ParseMoney(%q) = %v %q %v; exact path = %v %q %v", s, m3, c3, err3, m2, c2, err)
		}
	}
}
