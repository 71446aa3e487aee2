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

// LTVOf on worked examples, exact to the cent: (gross margin ÷ wins) ÷ (1 − retention), rounded once.
func TestLTVOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		margin    tandem.Money
		wins      int64
		retention *big.Rat
		want      tandem.Money
		ok        bool
	}{
		// 30,000.01 over 2 wins is 15,000.005 a customer-year; at 75 % retention a customer stays 4 years.
		{"no intermediate rounding", tandem.Major(30000) + 1, 2, big.NewRat(3, 4), tandem.Major(60000) + 2, true},
		{"no retention: one year", tandem.Major(12000), 3, new(big.Rat), tandem.Major(4000), true},
		// 100.00 ÷ 3 wins ÷ (1/3) = 100.00 exactly, where rounding 33.33 first would give 99.99.
		{"thirds cancel", tandem.Major(100), 3, big.NewRat(2, 3), tandem.Major(100), true},
		{"half a cent to even", 1, 2, new(big.Rat), 0, true}, // 0.005 → 0.00
		{"no wins", tandem.Major(1), 0, big.NewRat(1, 2), 0, false},
		{"no retention rate", tandem.Major(1), 1, nil, 0, false},
		{"100 % retention is infinite", tandem.Major(1), 1, big.NewRat(1, 1), 0, false},
		{"negative retention", tandem.Major(1), 1, big.NewRat(-1, 2), 0, false},
	}
	for _, tt := range tests {
		got, err := LTVOf(tt.margin, tt.wins, tt.retention)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("%s: LTVOf = %v, %v; want %v (ok %v)", tt.name, got, err, tt.want, tt.ok)
		}
		if !tt.ok && tandem.ErrorCode(err) != tandem.EINVALID {
			t.Errorf("%s: error %v, want EINVALID", tt.name, err)
		}
	}
}

// Retention counts accounts that won in the earlier year and again in the last twelve months.
func TestRetention(t *testing.T) {
	t.Parallel()
	end := Month(2026*12 + 2) // 2026-03
	wins := []AccountWin{
		{1, end - 20}, {1, end - 3}, // kept
		{2, end - 12}, {2, end - 11}, // kept: the boundary months
		{3, end - 15},                // lost
		{4, end - 13}, {4, end - 24}, // lost; the second win is older than two years
		{5, end - 1}, // new in the last year: not in the base
	}
	r, ok := Retention(wins, end)
	if !ok || r.Cmp(big.NewRat(2, 4)) != 0 {
		t.Fatalf("Retention = %v, %v; want 1/2", r, ok)
	}
	if _, ok := Retention([]AccountWin{{5, end}}, end); ok {
		t.Fatal("retention measured without earlier-year customers")
	}
}

// Cycle time is the mean days to close of the won deals; lost deals do not count. LTV follows retention.
func TestReturnsCycleAndLTV(t *testing.T) {
	t.Parallel()
	m := Month(2026*12 + 2)
	deals := []DealLine{
		{ID: "d1", Month: m, Motion: "co_sell", Won: true, NewCustomer: true, GrossMargin: tandem.Major(25000), CycleDays: 40},
		{ID: "d2", Month: m, Motion: "co_sell", Won: true, GrossMargin: tandem.Major(5000) + 1, CycleDays: 61},
		{ID: "d3", Month: m, Motion: "co_sell", Won: false, CycleDays: 300},
	}
	spend := []SpendLine{{ID: "s1", Month: m, Motion: "co_sell", Amount: tandem.Major(10000)}}
	rows := ReturnsWithRetention(spend, deals, ByQuarter, big.NewRat(3, 4))
	if len(rows) != 1 {
		t.Fatalf("rows = %+v", rows)
	}
	r := rows[0]
	if r.Period != "2026-Q1" || r.CycleDays != 50.5 || !r.LTVKnown || r.LTV != tandem.Major(60000)+2 {
		t.Fatalf("row = %+v; want cycle 50.5 days and LTV 60,000.02", r)
	}
	if plain := Returns(spend, deals, ByQuarter); plain[0].LTVKnown || plain[0].CycleDays != 50.5 {
		t.Fatalf("without retention: %+v", plain[0])
	}
}
