package sqlstore

import (
	"context"

	tandem "github.com/tandem-revops/tandem"
)

// Who sees which compensation statements is tandem.CompScope; the store reads an actor's scope from
// the reporting lines and applies it to every comp read.

// compSeesAll reports whether actor's role sees every statement.
func compSeesAll(actor tandem.Actor) bool { return tandem.CompSeesAll(actor) }

// CompScope returns the statements actor may see (see tandem.CompScope).
func (s *Store) CompScope(ctx context.Context, actor tandem.Actor) (tandem.CompScope, error) {
	return s.compScopeOf(ctx, actor)
}

// compScopeOf reads actor's scope: its team from the reporting lines, and for a partner manager its
// partners.
func (s *Store) compScopeOf(ctx context.Context, actor tandem.Actor) (tandem.CompScope, error) {
	sc := tandem.CompScope{AEs: map[int64]bool{}, Partners: map[int64]bool{}}
	switch {
	case compSeesAll(actor):
		sc.All = true
		return sc, nil
	case actor.IsPartner():
		sc.Partners[actor.PartnerID] = true
		return sc, nil
	case actor.UserID == 0:
		return sc, nil
	}
	team, err := queryAll(ctx, s.read, "comp scope: team", `WITH RECURSIVE team (id) AS (
			SELECT CAST($1 AS BIGINT)
			UNION
			SELECT u.id FROM users u JOIN team t ON u.manager_id = t.id
		) SELECT id FROM team`, []any{actor.UserID}, scanOne[int64])
	if err != nil {
		return sc, err
	}
	for _, id := range team {
		sc.AEs[id] = true
	}
	if actor.Role == tandem.RolePartnerManager {
		managed, err := queryAll(ctx, s.read, "comp scope: partners", `SELECT id FROM partners WHERE manager_id = $1`,
			[]any{actor.UserID}, scanOne[int64])
		if err != nil {
			return sc, err
		}
		for _, id := range managed {
			sc.Partners[id] = true
		}
	}
	return sc, nil
}
