package server

import (
	"bytes"
	"encoding/csv"
	"testing"
)

// TestExportCSVNamesAccountOwnerPartner: the export names the account, owner and partner of each deal
// (issue 10 #10), keeping the ids in their own columns.
func TestExportCSVNamesAccountOwnerPartner(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		res := e.do("revops", "GET", "/api/v1/opportunities.csv?sort=name", nil)
		if res.status != 200 {
			t.Fatalf("export: %d %s", res.status, res.body)
		}
		records, err := csv.NewReader(bytes.NewReader(res.body)).ReadAll()
		must(t, err)
		col := map[string]int{}
		for i, h := range records[0] {
			col[h] = i
		}
		for _, h := range []string{"account_id", "account", "owner_id", "owner", "partner_id", "partner"} {
			if _, ok := col[h]; !ok {
				t.Fatalf("header %v lacks %q", records[0], h)
			}
		}
		want := map[string][3]string{ // deal → account, owner, partner
			"Acme expansion":           {"Acme Corp", "", "Alpha Partners"},
			"Bergmann rollout":         {"Bergmann GmbH", "", "Beta Systems"},
			"Direct Dynamics platform": {"Direct Dynamics", "", ""},
		}
		seen := 0
		for _, rec := range records[1:] {
			w, ok := want[rec[col["name"]]]
			if !ok {
				continue
			}
			seen++
			got := [3]string{rec[col["account"]], rec[col["owner"]], rec[col["partner"]]}
			if got[0] != w[0] || got[2] != w[2] {
				t.Errorf("%s: account/owner/partner %q, want account %q partner %q", rec[col["name"]], got, w[0], w[2])
			}
			if rec[col["owner_id"]] != "" && got[1] == "" {
				t.Errorf("%s: owner %s has no name in the export", rec[col["name"]], rec[col["owner_id"]])
			}
		}
		if seen != len(want) {
			t.Errorf("export has %d of the %d seeded deals:\n%s", seen, len(want), res.body)
		}
	})
}
