package main

import (
	"fmt"
	"strings"
	"testing"
)

// TestRouteAcceptsCRMSpellings (issue 10 #4): tandem route reads the registration statuses and stages
// CRMs export ("Pending Approval" from Salesforce, "Closed Won", HubSpot's "contractsent") as import
// does, and still refuses what no table names.
func TestRouteAcceptsCRMSpellings(t *testing.T) {
	t.Parallel()
	const header = "id,account,acv,country,vertical,product_type,registration_status,stage\n"
	tests := []struct {
		status, stage string
		ok            bool
	}{
		{"pending", "Prospecting", true},
		{"Pending", "Qualification", true},
		{"Pending Approval", "Proposal/Price Quote", true},
		{"Approved", "Closed Won", true},
		{"Declined", "contractsent", true},
		{"Submitted", "Closed - Lost", true},
		{"Maybe later", "", false},
		{"", "Assigned dynamically", false},
	}
	for i, tt := range tests {
		in := header + fmt.Sprintf("D-%d,Acme,1000,US,technology,core,%s,%s\n", i, tt.status, tt.stage)
		code, out, errOut := runTandem(t, in, "route", "-deals", "-")
		if (code == 0) != tt.ok {
			t.Errorf("status %q stage %q: exit %d, out %q, err %q", tt.status, tt.stage, code, out, errOut)
		}
		if !tt.ok && !strings.Contains(out, `"line":2`) {
			t.Errorf("status %q stage %q: the refusal names no line: %q", tt.status, tt.stage, out)
		}
	}
}
