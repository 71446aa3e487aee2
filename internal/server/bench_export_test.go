package server

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"

	tandem "github.com/tandem-revops/tandem"
)

// BenchmarkExportOpportunitiesOnDemo times "Export CSV" of every opportunity of the full-size demo company
// (60,000), which it generates first; the target is under 3 s (issue 10 #10).
func BenchmarkExportOpportunitiesOnDemo(b *testing.B) {
	h, tok := demoForBench(b, tandem.RoleRevOps)
	for b.Loop() {
		req := httptest.NewRequest(http.MethodGet, APIPrefix+"/opportunities.csv", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatalf("export: %d %s", rec.Code, rec.Body.String()[:min(300, rec.Body.Len())])
		}
		if n := bytes.Count(rec.Body.Bytes(), []byte("\n")); n < 60_000 {
			b.Fatalf("export has %d lines, want every one of the demo's 60,000 deals", n)
		}
	}
}
