package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/tandem-revops/tandem/internal/forecast"
	"github.com/tandem-revops/tandem/internal/forecast/forecasttest"
	"github.com/tandem-revops/tandem/internal/shareddata"
)

// historyCSV generates a constructed history of the given length and returns it as CSV text.
func historyCSV(t *testing.T, seed uint64, days int) string {
	t.Helper()
	first, _ := forecast.ParseDay("2022-01-01")
	return dealsCSV(t, forecasttest.Generate(forecasttest.Spec{Seed: seed, First: first, Days: days, Motions: forecasttest.Motions()}))
}

// dealsCSV returns deals as a history export (forecasttest.WriteCSV).
func dealsCSV(t *testing.T, deals []forecast.Deal) string {
	t.Helper()
	var b bytes.Buffer
	if err := forecasttest.WriteCSV(&b, deals); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestForecastCommandContract(t *testing.T) {
	t.Parallel()
	path := writeTemp(t, "h.csv", historyCSV(t, 1, 2*365))
	code, out, errOut := runTandem(t, "", "forecast", "--history", path, "--as-of", "2023-08-15")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	want := []string{"direct", "partner_sourced", "partner_led", "partner_influenced", "total"}
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(want), out)
	}
	shape := regexp.MustCompile(`^\{"category":"([a-z_]+)","quarter":"2023Q3","as_of":"2023-08-15","won_to_date":\d+\.\d\d,"p10":\d+\.\d\d,"p50":\d+\.\d\d,"p90":\d+\.\d\d\}$`)
	for i, l := range lines {
		m := shape.FindStringSubmatch(l)
		if m == nil || m[1] != want[i] {
			t.Errorf("line %d %q does not have the contract's shape for %s", i+1, l, want[i])
		}
	}
	for _, row := range decodeLines(t, out) {
		if !(row["won_to_date"].(float64) <= row["p10"].(float64) && row["p10"].(float64) <= row["p50"].(float64) &&
			row["p50"].(float64) <= row["p90"].(float64)) {
			t.Errorf("%v: want won_to_date ≤ p10 ≤ p50 ≤ p90", row)
		}
	}
	// --quarter picks another quarter; the default is the one holding --as-of.
	code, out2, errOut := runTandem(t, "", "forecast", "--history", path, "--as-of", "2023-08-15", "--quarter", "2023Q3")
	if code != 0 || out2 != out {
		t.Errorf("--quarter 2023Q3 (exit %d, %s) differs from the default quarter", code, errOut)
	}
	code, out3, _ := runTandem(t, "", "forecast", "--history", path, "--as-of", "2023-08-15", "--quarter", "2023Q4")
	if code != 0 || !strings.Contains(out3, `"quarter":"2023Q4"`) || !strings.Contains(out3, `"won_to_date":0.00`) {
		t.Errorf("--quarter 2023Q4: exit %d\n%s", code, out3)
	}
}

func TestForecastCommandUsageAndInputErrors(t *testing.T) {
	t.Parallel()
	good := writeTemp(t, "h.csv", historyCSV(t, 2, 400))
	bad := writeTemp(t, "bad.csv", "id,category,created_on,closed_on,outcome,amount\nD1,direct,2025-01-01,,open,10\nD2,direct,2025-01-01,,open,ten\n")
	runFailureCases(t, []commandRun{
		{"no history", []string{"forecast", "--as-of", "2022-06-01"}, 2, "--history FILE.csv is required"},
		{"no as-of", []string{"forecast", "--history", good}, 2, "--as-of YYYY-MM-DD is required"},
		{"bad as-of", []string{"forecast", "--history", good, "--as-of", "June"}, 2, `--as-of "June": not a date`},
		{"bad quarter", []string{"forecast", "--history", good, "--as-of", "2022-06-01", "--quarter", "2022Q5"}, 2, "not a quarter"},
		{"bad weeks", []string{"forecast", "backtest", "--history", good, "--weeks", "1,x"}, 2, `"x" is not a week`},
		{"bad row", []string{"forecast", "--history", bad, "--as-of", "2025-02-01"}, 1, bad + `:3: column "amount": value "ten": not a number`},
		{"missing file", []string{"forecast", "--history", filepath.Join(t.TempDir(), "none.csv"), "--as-of", "2025-02-01"}, 1, "no such file"},
		{"unknown map", []string{"forecast", "--history", good, "--as-of", "2022-06-01", "--map", "nope"}, 2, "no such file or built-in mapping"},
		{"too short to backtest", []string{"forecast", "backtest", "--history", good}, 1, "no complete quarter from its fifth on"},
	})
}

// truncate rewrites a history CSV as a CRM export taken at the end of asOf would have looked:
// deals created later are absent, outcomes after asOf are not known yet. Written independently of
// the engine's Deal.AsOf on purpose.
func truncate(t *testing.T, csv string, asOf string) string {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(csv, "\n"), "\n")
	var b strings.Builder
	b.WriteString(lines[0] + "\n")
	pipeline := slices.Index(strings.Split(lines[0], ","), "pipeline_amount")
	for _, l := range lines[1:] {
		f := strings.Split(l, ",") // id,category,created_on,closed_on,outcome,amount[,pipeline_amount,segment]
		if f[2] > asOf {
			continue
		}
		if f[3] != "" && f[3] > asOf {
			f[3], f[4] = "", "open"
			if pipeline >= 0 && f[pipeline] != "" {
				f[5] = f[pipeline] // while open the CRM showed the pipeline amount, not the won value
			}
		}
		b.WriteString(strings.Join(f, ",") + "\n")
	}
	return b.String()
}

// TestBacktestEqualsForecastOnTruncatedExport: every backtest line equals what tandem forecast --as-of
// prints for the export a CRM would have produced that day.
func TestBacktestEqualsForecastOnTruncatedExport(t *testing.T) {
	t.Parallel()
	full := historyCSV(t, 3, 6*365/4*2) // three years: 7 complete quarters from the fifth on
	checkBacktestAgainstExports(t, full, "1,4,8,13", 5*4*5)
}

// TestBacktestEqualsForecastOnTruncatedMavenExport does the same on the real Maven pipeline, written in
// the history layout with its pipeline amounts (list prices) and segments (products), so the segment
// shrinkage and the valuing of open deals by their pipeline amount are replayed too.
func TestBacktestEqualsForecastOnTruncatedMavenExport(t *testing.T) {
	t.Parallel()
	deals, err := readHistoryFile(shareddata.Path(t, "maven-crm-sales-opportunities/sales_pipeline.csv"), "maven-forecast-history")
	if err != nil {
		t.Fatal(err)
	}
	checkBacktestAgainstExports(t, dealsCSV(t, deals), "1,4,8", 15)
}

// decodeJSONLines decodes out, a command's JSON objects one after another, into values of T, with
// numbers kept as json.Number so amounts compare exactly.
func decodeJSONLines[T any](t *testing.T, out string) []T {
	t.Helper()
	var vs []T
	dec := json.NewDecoder(strings.NewReader(out))
	dec.UseNumber()
	for dec.More() {
		var v T
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		vs = append(vs, v)
	}
	return vs
}

// checkBacktestAgainstExports runs the backtest on full and compares every line with tandem forecast
// --as-of on the export truncated to that day.
func checkBacktestAgainstExports(t *testing.T, full, weeks string, minLines int) {
	t.Helper()
	path := writeTemp(t, "full.csv", full)
	code, out, errOut := runTandem(t, "", "forecast", "backtest", "--history", path, "--weeks", weeks)
	if code != 0 {
		t.Fatalf("backtest: exit %d: %s", code, errOut)
	}
	type key struct {
		quarter  string
		week     int
		category string
	}
	// band is a line's percentiles; a backtest line is a forecast line of a quarter and week.
	type band struct {
		P10 json.Number `json:"p10"`
		P50 json.Number `json:"p50"`
		P90 json.Number `json:"p90"`
	}
	type forecastLine struct {
		Category string `json:"category"`
		band
	}
	type backtestLine struct {
		Quarter string `json:"quarter"`
		Week    int    `json:"week"`
		forecastLine
	}
	backtest := map[key]band{}
	var keys []key
	for _, l := range decodeJSONLines[backtestLine](t, out) {
		k := key{l.Quarter, l.Week, l.Category}
		backtest[k] = l.band
		keys = append(keys, k)
	}
	if len(keys) < minLines {
		t.Fatalf("only %d backtest lines", len(keys))
	}
	checked := map[key]bool{}
	for _, k := range keys {
		if checked[k] {
			continue
		}
		q, _ := forecast.ParseQuarter(k.quarter)
		asOf := (q.Start() + forecast.Day(7*k.week)).String()
		cut := writeTemp(t, fmt.Sprintf("cut-%s-%d.csv", k.quarter, k.week), truncate(t, full, asOf))
		code, out, errOut := runTandem(t, "", "forecast", "--history", cut, "--as-of", asOf, "--quarter", k.quarter)
		if code != 0 {
			t.Fatalf("forecast on the export of %s: exit %d: %s", asOf, code, errOut)
		}
		for _, l := range decodeJSONLines[forecastLine](t, out) {
			bk := key{k.quarter, k.week, l.Category}
			if got := l.band; got != backtest[bk] {
				t.Errorf("%s week %d %s: backtest %v, forecast on that day's export %v", k.quarter, k.week, l.Category, backtest[bk], got)
			}
			checked[bk] = true
		}
	}
}

// TestForecastCommandRowOrderAndIndependence: shuffled rows print the same bytes; changed partner
// rows leave the direct line byte-identical.
func TestForecastCommandRowOrderAndIndependence(t *testing.T) {
	t.Parallel()
	full := historyCSV(t, 4, 2*365)
	args := func(path string) []string { return []string{"forecast", "--history", path, "--as-of", "2023-11-20"} }
	_, want, _ := runTandem(t, "", args(writeTemp(t, "a.csv", full))...)

	lines := strings.Split(strings.TrimSuffix(full, "\n"), "\n")
	body := lines[1:]
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(body), func(i, j int) { body[i], body[j] = body[j], body[i] })
	shuffled := lines[0] + "\n" + strings.Join(body, "\n") + "\n"
	if _, got := runTandemOut(t, args(writeTemp(t, "b.csv", shuffled))...); got != want {
		t.Errorf("shuffled rows changed the output:\n%s\nwant\n%s", got, want)
	}

	var changed []string
	for i, l := range strings.Split(strings.TrimSuffix(full, "\n"), "\n") {
		if i > 0 && !strings.Contains(l, ",direct,") {
			if i%2 == 0 {
				continue // half the partner deals vanish
			}
			l = strings.Replace(l, ",lost,", ",won,", 1)
		}
		changed = append(changed, l)
	}
	_, got := runTandemOut(t, args(writeTemp(t, "c.csv", strings.Join(changed, "\n")+"\n"))...)
	first := func(s string) string { return strings.SplitN(s, "\n", 2)[0] }
	if first(got) != first(want) || !strings.Contains(first(got), `"category":"direct"`) {
		t.Errorf("the direct line moved when only partner rows changed:\n%s\n%s", first(want), first(got))
	}
	if got == want {
		t.Error("changing the partner rows changed nothing at all")
	}
}

func runTandemOut(t *testing.T, args ...string) (int, string) {
	t.Helper()
	code, out, errOut := runTandem(t, "", args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	return code, out
}

// TestForecastCommandMaven runs the shipped mapping on the real Maven pipeline export.
func TestForecastCommandMaven(t *testing.T) {
	t.Parallel()
	path := shareddata.Path(t, "maven-crm-sales-opportunities/sales_pipeline.csv")
	code, out, errOut := runTandem(t, "", "forecast", "backtest", "--history", path, "--map", "maven-forecast-history")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	rows := decodeLines(t, out)
	if len(rows) != 15 || rows[0]["quarter"] != "2017Q4" {
		t.Fatalf("want 15 lines for 2017Q4, got %d:\n%s", len(rows), out)
	}
	code, out, errOut = runTandem(t, "", "forecast", "--history", path, "--map", "maven-forecast-history", "--as-of", "2017-10-08")
	if code != 0 || len(decodeLines(t, out)) != 5 {
		t.Fatalf("exit %d: %s\n%s", code, errOut, out)
	}
}

// BenchmarkForecastCommand is tandem forecast --as-of end to end (in-process) over the 1.2M-deal
// history with about 200,000 deals open on the as-of day. With TANDEM_BENCH_HISTORY set, the generated
// file is also written there (scripts/forecast-bench.sh times the real binary on it).
func BenchmarkForecastCommand(b *testing.B) {
	spec := forecasttest.BenchmarkSpec()
	path := filepath.Join(b.TempDir(), "history.csv")
	if keep := os.Getenv("TANDEM_BENCH_HISTORY"); keep != "" {
		path = keep
	}
	if err := forecasttest.WriteFile(path, forecasttest.Generate(spec)); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		code, _, errOut := runTandem(b, "", "forecast", "--history", path, "--as-of", spec.Export().String())
		if code != 0 {
			b.Fatalf("exit %d: %s", code, errOut)
		}
	}
}
