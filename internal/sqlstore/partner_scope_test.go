package sqlstore

import (
	"context"
	"strings"
	"testing"

	tandem "github.com/tandem-revops/tandem"
)

// The partner's account list reads the partner's account ids from the (partner_id, account_id)
// indexes once, not its deals once per account (finding 6). The plans are logged for both engines
// (go test -v -run TestPartnerAccountScopePlan); SQLite's is checked.
func TestPartnerAccountScopePlan(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a demo-sized company")
	}
	forEachEngine(t, func(t *testing.T, s *Store) {
		writePartnerCompany(t, s, 1)
		ctx := context.Background()
		var w where
		scopeAccounts(&w, tandem.Actor{Role: tandem.RolePartnerUser, PartnerID: 8})
		q := `SELECT ` + accountColumns + `, count(*) OVER () FROM accounts a` + w.sql() + ` ORDER BY a.name, a.id LIMIT 50`
		explain := `EXPLAIN QUERY PLAN ` + q
		if s.Dialect() == DialectPostgres {
			explain = `EXPLAIN ` + q
		}
		rows, err := s.read.QueryContext(ctx, explain, w.args...)
		must(t, err)
		defer rows.Close()
		cols, _ := rows.Columns()
		var plan []string
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			must(t, rows.Scan(ptrs...))
			plan = append(plan, toText(vals[len(vals)-1]))
		}
		must(t, rows.Err())
		text := strings.Join(plan, "\n")
		t.Logf("%s plan of a partner's account list:\n%s", s.Dialect(), text)
		if s.Dialect() == DialectSQLite {
			// An uncorrelated list of account ids from the index, the accounts looked up by key. (The one
			// correlated subquery left is the account-match check per registration of this partner.)
			if !strings.Contains(text, "LIST SUBQUERY") || !strings.Contains(text, "COVERING INDEX opportunities_partner_account") ||
				!strings.Contains(text, "SEARCH a USING INTEGER PRIMARY KEY") {
				t.Errorf("SQLite does not read the partner's accounts from the index once:\n%s", text)
			}
		}
		_, n, err := s.ListAccounts(ctx, tandem.Actor{Role: tandem.RolePartnerUser, PartnerID: 8}, AccountFilter{Limit: 50})
		must(t, err)
		if n == 0 {
			t.Fatal("the partner sees no account")
		}
	})
}

func toText(v any) string {
	switch x := v.(type) {
	case []byte:
		return string(x)
	case string:
		return x
	}
	return ""
}
