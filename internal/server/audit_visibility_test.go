package server

import (
	"context"
	"strings"
	"testing"

	tandem "github.com/tandem-revops/tandem"
)

// Finding 4: the audit log showed an AE every other AE's quota (and ops-only records) though the
// records themselves are refused. Both routes that read it, the API and the /audit page, must apply
// the visibility of the records the entries describe.
func TestAuditAppliesRecordVisibility(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		ctx := context.Background()
		hash, err := e.srv.hasher.Hash(ctx, testPassword)
		must(t, err)
		other := &tandem.User{Email: "other.ae@vendor.test", Name: "Olga Other", Role: tandem.RoleAE}
		must(t, e.store.CreateUser(ctx, tandem.SystemActor, other, hash))
		me, _, err := e.store.UserByEmail(ctx, "ae@vendor.test")
		must(t, err)
		body := `{"quotas":[{"user_id":` + itoa(me.ID) + `,"period":"2026-Q3","amount":1111100},` +
			`{"user_id":` + itoa(other.ID) + `,"period":"2026-Q3","amount":3040000000}]}`
		if res := e.do("revops", "PUT", APIPrefix+"/comp/quotas", body); res.status != 200 {
			t.Fatalf("set quotas: %d %s", res.status, res.body)
		}
		if res := e.do("revops", "POST", APIPrefix+"/webhooks", `{"url":"https://hooks.example.test/x","events":["registration.approve"]}`); res.status != 201 && res.status != 200 {
			t.Fatalf("create webhook: %d %s", res.status, res.body)
		}

		list := func(role, query string) []tandem.AuditEntry {
			t.Helper()
			res := e.do(role, "GET", APIPrefix+"/audit?limit=200&"+query, nil)
			if res.status != 200 {
				t.Fatalf("%s audit ?%s: %d %s", role, query, res.status, res.body)
			}
			var out struct{ Items []tandem.AuditEntry }
			res.json(t, &out)
			return out.Items
		}
		otherKey := "2026-Q3:" + itoa(other.ID)
		cases := []struct {
			role, query string
			want        int
		}{
			{"ae", "action=comp.quota.set&entity_id=" + otherKey, 0},
			{"ae", "action=comp.quota.set", 1}, // its own
			{"ae", "entity=webhook", 0},
			{string(tandem.RolePartnerManager), "action=comp.quota.set", 0},
			{"cro", "action=comp.quota.set", 2},
			{"revops", "action=comp.quota.set&entity_id=" + otherKey, 1},
			{"revops", "entity=webhook", 1},
		}
		for _, c := range cases {
			got := list(c.role, c.query)
			if len(got) != c.want {
				t.Errorf("%s ?%s: %d entries, want %d: %+v", c.role, c.query, len(got), c.want, got)
			}
			for _, en := range got {
				if c.role == "ae" && strings.Contains(en.Detail, "3040000000") {
					t.Errorf("AE sees another AE's quota: %+v", en)
				}
			}
		}
		// Totals follow the same rule: the count must not give the hidden entries away.
		res := e.do("ae", "GET", APIPrefix+"/audit?action=comp.quota.set", nil)
		var page struct{ Total int }
		res.json(t, &page)
		if page.Total != 1 {
			t.Errorf("AE's total of quota entries = %d, want 1", page.Total)
		}

		c, _ := e.signIn("ae@vendor.test")
		page2 := e.get(c, "/audit?action=comp.quota.set")
		if page2.status != 200 {
			t.Fatalf("/audit as AE: %d", page2.status)
		}
		if strings.Contains(string(page2.body), "3040000000") || strings.Contains(string(page2.body), "30,400,000") {
			t.Errorf("/audit page shows an AE another AE's quota")
		}
		if !strings.Contains(string(page2.body), "1111100") && !strings.Contains(string(page2.body), "11,111") {
			t.Errorf("/audit page hides the AE's own quota entry")
		}
	})
}
