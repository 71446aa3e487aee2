package portfolio

import (
	"math/big"
	"testing"

	tandem "github.com/tandem-revops/tandem"
)

func TestROMI(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		margin, spend tandem.Money
		want          *big.Rat // nil: an error
	}{
		{"margin three times spend", tandem.Major(150000), tandem.Major(50000), big.NewRat(2, 1)},
		{"margin below spend", tandem.Major(40000), tandem.Major(50000), big.NewRat(-1, 5)},
		{"break even", tandem.Major(50000), tandem.Major(50000), new(big.Rat)},
		{"exact to the cent", 1, 300, big.NewRat(-299, 300)},
		{"no spend", tandem.Major(1), 0, nil},
	}
	for _, tt := range tests {
		got, err := ROMI(tt.margin, tt.spend)
		switch {
		case tt.want == nil && tandem.ErrorCode(err) != tandem.EINVALID:
			t.Errorf("%s: ROMI = %v, %v; want an invalid-input error", tt.name, got, err)
		case tt.want != nil && (err != nil || got.Cmp(tt.want) != 0):
			t.Errorf("%s: ROMI = %v, %v; want %v", tt.name, got, err, tt.want)
		}
	}
}

func TestCAC(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		spend     tandem.Money
		customers int64
		want      tandem.Money
		ok        bool
	}{
		{"even split", tandem.Major(90000), 3, tandem.Major(30000), true},
		{"a third rounds down", tandem.Major(100000), 3, 3333333, true}, // 33,333.333… → 33,333.33
		{"half a cent to even (down)", 5, 2, 2, true},                   // 0.025 → 0.02
		{"half a cent to even (up)", 15, 2, 8, true},                    // 0.075 → 0.08
		{"no customers", tandem.Major(1), 0, 0, false},
		{"negative spend", -1, 1, 0, false},
	}
	for _, tt := range tests {
		got, err := CAC(tt.spend, tt.customers)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("%s: CAC(%v, %d) = %v, %v; want %v", tt.name, tt.spend, tt.customers, got, err, tt.want)
		}
	}
}

func TestLTV(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                string
		margin              tandem.Money
		retention, discount *big.Rat
		want                tandem.Money
		ok                  bool
	}{
		// 1,000 a month, 95 % kept each month: a 20-month expected lifetime.
		{"no discount", tandem.Major(1000), big.NewRat(95, 100), nil, tandem.Major(20000), true},
		// 1,000 × 1.01 / (1.01 − 0.95) = 16,833.333… → 16,833.33
		{"1% a month discount", tandem.Major(1000), big.NewRat(95, 100), big.NewRat(1, 100), 1683333, true},
		{"nobody stays", tandem.Major(1000), new(big.Rat), nil, tandem.Major(1000), true},
		// 12,000 a year, 80 % retained, 10 % discount: 12,000 × 1.1 / 0.3 = 44,000
		{"yearly", tandem.Major(12000), big.NewRat(4, 5), big.NewRat(1, 10), tandem.Major(44000), true},
		{"everyone stays forever", tandem.Major(1000), big.NewRat(1, 1), nil, 0, false},
		{"everyone stays, discounted", tandem.Major(1000), big.NewRat(1, 1), big.NewRat(1, 10), tandem.Major(11000), true},
		{"retention above 1", tandem.Major(1000), big.NewRat(11, 10), nil, 0, false},
		{"negative discount", tandem.Major(1000), big.NewRat(1, 2), big.NewRat(-1, 10), 0, false},
	}
	for _, tt := range tests {
		got, err := LTV(tt.margin, tt.retention, tt.discount)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("%s: LTV = %v, %v; want %v (ok=%v)", tt.name, got, err, tt.want, tt.ok)
		}
	}
}
