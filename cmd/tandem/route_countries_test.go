package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"strings"
	"testing"

	"github.com/tandem-revops/tandem/internal/country/countrytest"
	"github.com/tandem-revops/tandem/internal/policy"
)

// TestRouteAcceptsExportSpellings routes one deal per country spelling real exports use: the same
// list the import accepts (internal/importer TestImportAcceptsExportSpellings). Before route and import
// shared one country table, DEU, Schweiz, Espana and others passed import and failed route.
func TestRouteAcceptsExportSpellings(t *testing.T) {
	t.Parallel()
	spellings := countrytest.ReadSpellingsFile(t, "../../internal/country/testdata/export_spellings.txt")
	var in bytes.Buffer
	w := csv.NewWriter(&in)
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(w.Write([]string{"id", "account", "acv", "country", "vertical", "product_type"}))
	for i, s := range spellings {
		must(w.Write([]string{fmt.Sprintf("D-%03d", i), "Acme", "1000", s.In, "technology", "core"}))
	}
	w.Flush()
	var out bytes.Buffer
	bad, err := routeCSV(context.Background(), policy.Default(), "spellings.csv", &in, &out, 2)
	if err != nil {
		t.Fatal(err)
	}
	if bad != 0 {
		t.Errorf("route refused %d of %d spellings:\n%s", bad, len(spellings), out.String())
	}
	if n := strings.Count(out.String(), "\n"); n != len(spellings) {
		t.Errorf("route wrote %d lines for %d deals", n, len(spellings))
	}
}
