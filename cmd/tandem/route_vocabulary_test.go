package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tandem-revops/tandem/internal/crmvalue"
)

// TestRouteReadsTheImportVocabulary: tandem route reads product types and partner tiers through the
// tables tandem import reads (internal/crmvalue), so every spelling import accepts routes, and what no
// table names is still refused with its line.
func TestRouteReadsTheImportVocabulary(t *testing.T) {
	t.Parallel()
	var in strings.Builder
	in.WriteString("id,account,acv,country,vertical,product_type,partner_tier\n")
	n := 0
	row := func(pt, tier string) {
		n++
		fmt.Fprintf(&in, "D-%d,Acme,1000,US,technology,%s,%s\n", n, pt, tier)
	}
	for _, s := range crmvalue.ProductTypeSpellings() {
		row(string(s.Value), "")
		for _, name := range s.Names {
			row(strings.ToUpper(name), "")
		}
	}
	for _, s := range crmvalue.TierSpellings() {
		row("core", string(s.Value))
		for _, name := range s.Names {
			row("core", name)
		}
	}
	code, out, errOut := runTandem(t, in.String(), "route", "-deals", "-")
	if code != 0 || strings.Contains(out, `"error"`) {
		t.Fatalf("exit %d, err %q, out:\n%s", code, errOut, out)
	}
	if got := strings.Count(out, "\n"); got != n {
		t.Errorf("%d decisions for %d rows", got, n)
	}

	code, out, _ = runTandem(t, "id,account,acv,country,vertical,product_type,partner_tier\n"+
		"D-1,Acme,1000,US,technology,hardware,\nD-2,Acme,1000,US,technology,core,diamond\n", "route", "-deals", "-")
	if code == 0 || !strings.Contains(out, `"line":2`) || !strings.Contains(out, `"line":3`) {
		t.Errorf("unknown product type and tier: exit %d, out %q", code, out)
	}
}
