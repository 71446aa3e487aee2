package sqlstore

import (
	"context"
	"fmt"
	"slices"
	"strings"

	tandem "github.com/tandem-revops/tandem"
)

// Who sees which audit entries. An entry describes a record, so it is shown to whoever may see that
// record, and the rule is part of the query (the page and its total agree, nothing is filtered after
// the fact):
//   - partner users: none (ListAudit);
//   - revops and admins: every entry;
//   - other staff: not the ops-only records (webhooks, imports), nor other users' API tokens;
//     compensation entries as comp_scope.go decides: quotas of the AEs whose statements they see, and
//     period closes and payout imports (company-wide pay totals) only if they see every statement.

// opsOnlyAuditEntities are the records only revops (and admins) may list.
var opsOnlyAuditEntities = []string{"webhook", "import"}

// compWideAuditEntities carry company-wide pay figures: shown to those who see every statement.
var compWideAuditEntities = []string{"comp_period", "comp_payout_import"}

// addAuditScope adds to w the conditions that keep the entries actor may not see out of the list.
func (s *Store) addAuditScope(ctx context.Context, w *where, actor tandem.Actor) error {
	if actor.Can(tandem.RoleRevOps) {
		return nil
	}
	w.add("entity NOT IN ("+questionMarks(len(opsOnlyAuditEntities))+")", toAny(opsOnlyAuditEntities)...)
	w.add("(entity <> 'api_token' OR actor_id = ?)", dbID(actor.UserID))
	sc, err := s.compScopeOf(ctx, actor)
	if err != nil {
		return fmt.Errorf("audit scope: %w", err)
	}
	if sc.All {
		return nil
	}
	w.add("entity NOT IN ("+questionMarks(len(compWideAuditEntities))+")", toAny(compWideAuditEntities)...)
	team := make([]int64, 0, len(sc.AEs))
	for id := range sc.AEs {
		team = append(team, id)
	}
	if len(team) == 0 {
		w.add("entity <> 'comp_quota'")
		return nil
	}
	slices.Sort(team)
	args := make([]any, len(team))
	for i, id := range team {
		args[i] = id
	}
	// A quota entry's entity_id is "PERIOD:USER_ID" (see UpsertCompQuotas).
	w.add(`(entity <> 'comp_quota' OR entity_id IN (SELECT q.period || ':' || CAST(q.user_id AS TEXT)
		FROM comp_quotas q WHERE q.user_id IN (`+questionMarks(len(team))+`)))`, args...)
	return nil
}

// questionMarks returns n comma-separated "?" for where.add.
func questionMarks(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
