package server

import (
	"strings"
	"testing"
)

// BenchmarkDemoPages renders each role's main pages on the full demo company (20,000 accounts, 60,000
// opportunities), signed in as the demo's own users of that role, so an AE's pages hold an AE's deals.
// The target is every page under 300 ms (issue 10); scripts/bench-pages.sh runs it and prints the
// figures. Every page of the navigation is here for one role or another; /portfolio and the
// reconciliation's first view after a write have BenchmarkFirstViewAfterWrite besides.
//
//	go test -run '^$' -bench BenchmarkDemoPages -benchtime 3x ./internal/server/
func BenchmarkDemoPages(b *testing.B) {
	st, h, signIns := demoServerForBench(b)
	staff := []string{"/", "/opportunities", "/opportunities?motion=co_sell&stage=open&sort=-acv", "/opportunities?page=40",
		"/registrations", "/registrations?status=submitted", "/conflicts?status=open", "/search?q=health", "/comp", "/guide"}
	pages := map[string][]string{
		"RevOps": append(staff, "/approvals", "/account-matches", "/audit", "/escalations", "/policy", "/comp/profit", "/comp/reconciliation",
			"/forecast", "/forecast/call", "/forecast/backtest", "/portfolio", "/portfolio/spend", "/certifications", "/certifications/curricula",
			"/mdf", "/models", "/review", "/import", "/webhooks"),
		"AE (NA East)":    staff,
		"Partner manager": append(staff, "/approvals"),
		"VP Sales":        staff,
		"CRO":             append(staff, "/comp/profit"),
		"Partner user":    {"/", "/opportunities", "/portal/registrations", "/search?q=health", "/comp/partner", "/mdf", "/guide"},
	}
	for _, si := range onePartnerUser(signIns) {
		role := ""
		for r := range pages {
			if strings.HasPrefix(si.Label, r) {
				role = r
			}
		}
		if role == "" {
			continue
		}
		tok := benchToken(b, st, si.UserID)
		for _, p := range pages[role] {
			b.Run(strings.ReplaceAll(role, " ", "_")+"/"+p, func(b *testing.B) {
				for b.Loop() {
					benchGet(b, h, tok, p)
				}
			})
		}
	}
}
