package portfolio

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	tandem "github.com/tandem-revops/tandem"
)

func TestReadHistory(t *testing.T) {
	t.Parallel()
	got, err := ReadHistory("h.csv", strings.NewReader(
		"Region;Month;Motion;Spend;Gross_Margin\n"+
			"emea;2025-02;Co-Sell;1000.5;-20\n"+
			"emea;2025-01;co_sell;900;15.25\n"+
			"emea;2025-01;direct;0;7.000\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []Observation{
		{Month: 2025*12 + 0, Motion: "co_sell", Spend: 90000, GrossMargin: 1525, Line: 3},
		{Month: 2025*12 + 1, Motion: "co_sell", Spend: 100050, GrossMargin: -2000, Line: 2},
		{Month: 2025*12 + 0, Motion: "direct", Spend: 0, GrossMargin: 700, Line: 4},
	}
	if diff := cmp.Diff(want, got.Observations()); diff != "" {
		t.Errorf("observations (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"co_sell", "direct"}, got.Motions()); diff != "" {
		t.Errorf("motions (-want +got):\n%s", diff)
	}
	if got.LastMonth().String() != "2025-02" {
		t.Errorf("last month %s, want 2025-02", got.LastMonth())
	}
}

func TestReadHistoryErrors(t *testing.T) {
	t.Parallel()
	const header = "month,motion,spend,gross_margin\n"
	tests := []struct {
		name, input string
		want        InputError
	}{
		{"empty file", "", InputError{File: "h.csv", Reason: "the file is empty: it needs a header line month,motion,spend,gross_margin"}},
		{"missing columns", "month,motion,cost\n", InputError{File: "h.csv", Line: 1, Reason: "the header has no spend, gross_margin column (needed: month, motion, spend, gross_margin)"}},
		{"header only", header, InputError{File: "h.csv", Reason: "no data rows after the header"}},
		{"bad month", header + "2025-13,direct,1,1\n", InputError{File: "h.csv", Line: 2, Column: "month", Reason: `"2025-13": month 13 is not between 01 and 12`}},
		{"month as date", header + "2025-01,direct,1,1\n2025-02-01,direct,1,1\n", InputError{File: "h.csv", Line: 3, Column: "month", Reason: `"2025-02-01" is not a month written YYYY-MM`}},
		{"empty motion", header + "2025-01, ,1,1\n", InputError{File: "h.csv", Line: 2, Column: "motion", Reason: "empty"}},
		{"currency sign", header + "2025-01,direct,$1200,1\n", InputError{File: "h.csv", Line: 2, Column: "spend", Reason: `"$1200" is not a plain number (digits, an optional '-' and '.', e.g. 12500.50)`}},
		{"negative spend", header + "2025-01,direct,-5,1\n", InputError{File: "h.csv", Line: 2, Column: "spend", Reason: "-5 is negative; spend is never below zero"}},
		{"three decimals", header + "2025-01,direct,5,1.005\n", InputError{File: "h.csv", Line: 2, Column: "gross_margin", Reason: `"1.005" has more than two decimal places; amounts are exact to the cent`}},
		{"empty margin", header + "2025-01,direct,5,\n", InputError{File: "h.csv", Line: 2, Column: "gross_margin", Reason: "empty; write a plain number such as 12500.50"}},
		{"short row", header + "2025-01,direct,5\n", InputError{File: "h.csv", Line: 2, Column: "gross_margin", Reason: "missing: the row has 3 fields, the header 4"}},
		{"duplicate month", header + "2025-01,direct,5,1\n2025-02,direct,5,1\n2025-01,Direct,6,1\n", InputError{File: "h.csv", Line: 4, Column: "month", Reason: "motion direct already has a row for 2025-01 (line 2)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ReadHistory("h.csv", strings.NewReader(tt.input))
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("error %v (%T), want an *InputError", err, err)
			}
			if diff := cmp.Diff(tt.want, *ie); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParsePlainAmount(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want tandem.Money
		ok   bool
	}{
		{"0", 0, true}, {"12500", 1250000, true}, {"12500.5", 1250050, true}, {"-0.01", -1, true},
		{"7.000", 700, true}, {"5.", 500, true}, {"1.001", 0, false}, {".5", 0, false}, {"1,200", 0, false},
		{"1e3", 0, false}, {"", 0, false}, {"-", 0, false}, {"1 000", 0, false}, {"1234567890123456", 0, false},
	}
	for _, tt := range tests {
		got, err := ParsePlainAmount(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParsePlainAmount(%q) = %v, %v; want %v, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestMonth(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"2024-01", "2024-12", "0999-06"} {
		m, err := ParseMonth(s)
		if err != nil || m.String() != s {
			t.Errorf("ParseMonth(%q) = %v, %v", s, m, err)
		}
	}
	a, _ := ParseMonth("2024-12")
	b, _ := ParseMonth("2025-01")
	if b-a != 1 {
		t.Errorf("2025-01 − 2024-12 = %d months, want 1", b-a)
	}
}
