package server

import (
	"testing"

	tandem "github.com/tandem-revops/tandem"
)

// BenchmarkPortfolioPageOnDemo times the portfolio page (two years of ledger and closed deals, each
// quarter's gross profit, the returns, the fit and the recommendation) and the MDF and certification
// pages on the full-size demo company (20,000 accounts, 60,000 opportunities), which it generates first.
func BenchmarkPortfolioPageOnDemo(b *testing.B) {
	h, tok := demoForBench(b, tandem.RoleCRO)
	for _, path := range []string{"/portfolio", "/mdf", "/certifications"} {
		b.Run(path[1:], func(b *testing.B) {
			for b.Loop() {
				benchGet(b, h, tok, path)
			}
		})
	}
}
