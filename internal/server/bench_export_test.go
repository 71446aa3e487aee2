package server

import (
	"bytes"
	"testing"

	tandem "github.com/tandem-revops/tandem"
)

// BenchmarkExportOpportunitiesOnDemo times "Export CSV" of every opportunity of the full-size demo company
// (60,000), which it generates first; the target is under 3 s (issue 10 #10).
func BenchmarkExportOpportunitiesOnDemo(b *testing.B) {
	h, tok := demoForBench(b, tandem.RoleRevOps)
	for b.Loop() {
		rec := benchGet(b, h, tok, APIPrefix+"/opportunities.csv")
		if n := bytes.Count(rec.Body.Bytes(), []byte("\n")); n < 60_000 {
			b.Fatalf("export has %d lines, want every one of the demo's 60,000 deals", n)
		}
	}
}
