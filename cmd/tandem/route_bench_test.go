package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/policy"
)

// writeDealsCSV writes n synthetic deals in the export format the route command reads.
func writeDealsCSV(t testing.TB, path string, n int) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	countries := []string{"US", "DE", "JP", "GB", "BR", "FR", "CA", "United States"}
	verticals := []string{"technology", "retail", "healthcare", "manufacturing", "media"}
	products := []string{"core", "core", "core", "addon"}
	fmt.Fprintln(w, "id,account,acv,country,vertical,product_type,partner_id,registration_status,current_motion")
	for i := range n {
		reg, motion, partner := "", "", ""
		if i%9 == 0 {
			reg, motion, partner = "approved", "partner_led", "P-7"
		}
		acv := tandem.Money((i*7919)%300_000_000 + 1)
		fmt.Fprintf(w, "OPP-%07d,Account %d,\"%s\",%s,%s,%s,%s,%s,%s\n", i, i%5000,
			acv.Format("USD"), countries[i%len(countries)], verticals[i%len(verticals)], products[i%len(products)],
			partner, reg, motion)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkRouteCommand routes a generated 1,000,000-row CSV through the whole command pipeline
// (read, parse, route, write JSON) and reports deals per second.
func BenchmarkRouteCommand(b *testing.B) {
	const rows = 1_000_000
	path := filepath.Join(b.TempDir(), "deals.csv")
	writeDealsCSV(b, path, rows)
	p := policy.Default()
	b.ResetTimer()
	for b.Loop() {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		out := bufio.NewWriterSize(io.Discard, 256<<10)
		bad, err := routeCSV(context.Background(), p, path, f, out, 2)
		f.Close()
		if err != nil || bad != 0 {
			b.Fatalf("bad rows %d, err %v", bad, err)
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "deals/s")
}
