package server

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	tandem "github.com/tandem-revops/tandem"
)

func TestAuditFields(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		detail string
		want   []auditField
	}{
		{"empty", "", nil},
		{"flat, sorted, exact numbers", `{"to":"approved","acv":123456789012345678,"from":"submitted"}`,
			[]auditField{{"acv", "123456789012345678"}, {"from", "submitted"}, {"to", "approved"}}},
		{"nested and lists", `{"routing":{"motion":"direct","rule":"r1"},"ids":[1,"x"],"gone":null}`,
			[]auditField{{"gone", "—"}, {"ids", "1, x"}, {"routing.motion", "direct"}, {"routing.rule", "r1"}}},
		{"not an object", `"just text"`, []auditField{{"detail", "just text"}}},
		{"not JSON", `oops {`, []auditField{{"detail", "oops {"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, auditFields(tt.detail)); diff != "" {
				t.Errorf("auditFields(%q) (-want +got):\n%s", tt.detail, diff)
			}
		})
	}
	if got := auditLink(tandem.AuditEntry{Entity: "opportunity", EntityID: "42"}); got != "/opportunities/42" {
		t.Errorf("opportunity link = %q", got)
	}
	if got := auditLink(tandem.AuditEntry{Entity: "policy", EntityID: "2026.1"}); got != "" {
		t.Errorf("policy link = %q, want none", got)
	}
}
