package forecast_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/forecast"
	"github.com/tandem-revops/tandem/internal/forecast/forecasttest"
	"github.com/tandem-revops/tandem/internal/importer"
	"github.com/tandem-revops/tandem/internal/shareddata"
)

const header = "id,category,created_on,closed_on,outcome,amount\n"

func TestReadHistory(t *testing.T) {
	t.Parallel()
	src := header +
		"D-2,partner_led,2025-01-05,2025-03-01,won,\"$1,200.50\"\n" +
		"D-1,direct,2025-01-02,,open,\n" +
		"D-3,partner_sourced,1/7/2025,2025-02-01,lost,0\n"
	deals, err := forecast.ReadHistory(strings.NewReader(src), "h.csv", nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []forecast.Deal{ // in (category, id) order
		{ID: "D-1", Category: forecast.Direct, Created: day(t, "2025-01-02")},
		{ID: "D-3", Category: forecast.PartnerSourced, Created: day(t, "2025-01-07"), Closed: day(t, "2025-02-01"),
			Outcome: forecast.Lost, AmountKnown: true},
		{ID: "D-2", Category: forecast.PartnerLed, Created: day(t, "2025-01-05"), Closed: day(t, "2025-03-01"),
			Outcome: forecast.Won, Amount: 120050, AmountKnown: true},
	}
	if diff := cmp.Diff(want, deals); diff != "" {
		t.Errorf("deals (-want +got):\n%s", diff)
	}
}

// TestReadHistoryErrors: every bad row is reported with file, line, column, value and reason.
func TestReadHistoryErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src string
		want      []string
	}{
		{"bad amount", header + "D1,direct,2025-01-01,,open,100\nD2,direct,2025-01-01,,open,12x\n",
			[]string{`h.csv:3: column "amount": value "12x": not a number`}},
		{"negative amount", header + "D1,direct,2025-01-01,,open,-5\n",
			[]string{`h.csv:2: column "amount": value "-5": is negative`}},
		{"unknown category", header + "D1,channel,2025-01-01,,open,1\n",
			[]string{`h.csv:2: column "category": value "channel": not a category (expected direct, partner_sourced, partner_led or partner_influenced)`}},
		{"bad date", header + "D1,direct,2025-13-01,,open,1\n",
			[]string{`h.csv:2: column "created_on": value "2025-13-01": not a date`}},
		{"blank created", header + "D1,direct,,,open,1\n",
			[]string{`h.csv:2: column "created_on": is blank`}},
		{"won without close date", header + "D1,direct,2025-01-01,,won,1\n",
			[]string{`h.csv:2: column "closed_on": a won deal needs its close date`}},
		{"open with close date", header + "D1,direct,2025-01-01,2025-02-01,open,1\n",
			[]string{`h.csv:2: column "closed_on": value "2025-02-01": an open deal has no close date`}},
		{"closed before created", header + "D1,direct,2025-03-01,2025-02-01,lost,1\n",
			[]string{`h.csv:2: column "closed_on": value "2025-02-01": is before created_on 2025-03-01`}},
		{"won without amount", header + "D1,direct,2025-01-01,2025-02-01,won,\n",
			[]string{`h.csv:2: column "amount": a won deal needs its amount`}},
		{"bad outcome", header + "D1,direct,2025-01-01,2025-02-01,closed,1\n",
			[]string{`h.csv:2: column "outcome": value "closed": not an outcome (expected won, lost or open)`}},
		{"duplicate id", header + "D1,direct,2025-01-01,,open,1\nD2,direct,2025-01-01,,open,1\nD1,direct,2025-01-01,,open,1\n",
			[]string{`h.csv:4: column "id": value "D1": id is also used on line 2`}},
		{"duplicate id across categories", header + "D1,partner_led,2025-01-01,,open,1\nD0,direct,2025-01-01,,open,1\nD1,direct,2025-01-01,,open,1\n",
			[]string{`h.csv:4: column "id": value "D1": id is also used on line 2`}},
		{"several rows", header + "D1,direct,2025-01-01,,open,x\nD2,direct,2025-01-01,,open,1\nD3,nope,2025-01-01,,open,1\n",
			[]string{`h.csv:2: column "amount": value "x"`, `h.csv:4: column "category": value "nope"`}},
		{"missing column", "id,category,created_on,closed_on,outcome\nD1,direct,2025-01-01,,open\n",
			[]string{`h.csv: `, `no column for amount`}},
		{"empty", "", []string{`h.csv: the file is empty`}},
		{"no rows", header, []string{`h.csv: the history has no deals`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := forecast.ReadHistory(strings.NewReader(tc.src), "h.csv", nil)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

// TestMavenHistory reads the Maven CRM pipeline through the shipped mapping and replays it.
func TestMavenHistory(t *testing.T) {
	t.Parallel()
	path := shareddata.Path(t, "maven-crm-sales-opportunities/sales_pipeline.csv")
	m, err := importer.BuiltinMapping("maven-forecast-history")
	if err != nil {
		t.Fatal(err)
	}
	deals := forecasttest.ReadFile(t, path, m)
	if len(deals) != 8800 {
		t.Fatalf("read %d deals, want 8800", len(deals))
	}
	counts := map[forecast.Category]int{}
	var openPriced int
	for _, d := range deals {
		counts[d.Category]++
		if d.Outcome == forecast.Open && !d.AmountKnown && d.OpenAmountKnown && d.OpenAmount > 0 {
			openPriced++
		}
	}
	for _, c := range forecast.Categories {
		if counts[c] == 0 {
			t.Errorf("no deal derived as %s", c)
		}
	}
	if openPriced != 2089 {
		t.Errorf("%d open deals priced from the product list, want all 2,089", openPriced)
	}
	h := history(t, deals)
	if got := h.BacktestQuarters(); len(got) != 1 || got[0].String() != "2017Q4" {
		t.Fatalf("backtest quarters %v, want [2017Q4]", got)
	}
	lines, err := h.Backtest(forecast.DefaultWeeks, forecast.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 15 {
		t.Fatalf("%d backtest lines, want 15", len(lines))
	}
	for _, l := range lines {
		t.Logf("%s week %d %-18s P10 %12s P50 %12s P90 %12s actual %12s", l.Quarter, l.Week, l.Category, l.P10, l.P50, l.P90, l.Actual)
		if l.Actual <= 0 || l.P10 > l.P50 || l.P50 > l.P90 {
			t.Errorf("%+v: want an ordered band and a positive actual", l)
		}
	}
	for _, a := range forecast.Score(lines, func(l forecast.BacktestLine) string { return l.Category }) {
		t.Logf("%-18s coverage %d/%d  P50 MAPE %.3f  bias %+.3f", a.Group, a.Covered, a.Lines, a.MAPE, a.Bias)
	}
	var actual tandem.Money
	for _, l := range lines[:4] {
		actual += l.Actual
	}
	if lines[4].Actual != actual {
		t.Errorf("total actual %s is not the sum of the categories' %s", lines[4].Actual, actual)
	}
}
