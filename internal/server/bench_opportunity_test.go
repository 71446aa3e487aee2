package server

import (
	"encoding/json"
	"net/http/httptest"
	"testing"

	tandem "github.com/tandem-revops/tandem"
)

// BenchmarkOpportunityPageOnDemo times a won partner deal's page on the full-size demo company: its
// owner, registration, conflicts, the compensation lines of its AE's and partner's statements (each
// calculated from that payee's deals of the quarter), its history and win probability.
func BenchmarkOpportunityPageOnDemo(b *testing.B) {
	h, tok := demoForBench(b, tandem.RoleRevOps)
	get := func(path string) *httptest.ResponseRecorder { return benchGet(b, h, tok, path) }
	var list struct {
		Items []tandem.Opportunity `json:"items"`
	}
	if err := json.Unmarshal(get(APIPrefix+"/opportunities?stage=closed_won&sort=-close_date&limit=200").Body.Bytes(), &list); err != nil {
		b.Fatal(err)
	}
	var path string
	for _, o := range list.Items {
		if o.PartnerID != 0 && o.OwnerID != 0 {
			path = "/opportunities/" + itoa(o.ID)
			break
		}
	}
	if path == "" {
		b.Fatal("no won partner deal with an owner in the demo")
	}
	for b.Loop() {
		get(path)
	}
}
