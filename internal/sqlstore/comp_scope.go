package sqlstore

import (
	"context"
	"fmt"

	tandem "github.com/tandem-revops/tandem"
)

// Who sees which compensation statements, decided here and applied by every comp read of the store:
//   - revops, admins, VPs, the CRO and the CEO: every statement, gross profit and reconciliation;
//   - anyone else on the vendor's side (AEs, managers): their own statement and their team's — the
//     users who report to them, directly or through others (users.manager_id);
//   - partner managers, in addition: the partner statements of the partners they manage;
//   - partner users: their own partner's partner statement, never an AE's, never gross profit.

// compScope is the set of statements an actor may see.
type compScope struct {
	all      bool
	aes      map[int64]bool
	partners map[int64]bool
}

func (c compScope) sees(kind tandem.PayeeKind, id int64) bool {
	if c.all {
		return true
	}
	if kind == tandem.PayeeAE {
		return c.aes[id]
	}
	return c.partners[id]
}

// compSeesAll reports whether actor's role sees every statement.
func compSeesAll(actor tandem.Actor) bool {
	return actor.Can(tandem.RoleRevOps, tandem.RoleVPSales, tandem.RoleVPChannel, tandem.RoleCRO, tandem.RoleCEO)
}

// compScopeOf reads actor's scope: its team from the reporting lines, and for a partner manager its
// partners.
func (s *Store) compScopeOf(ctx context.Context, actor tandem.Actor) (compScope, error) {
	sc := compScope{aes: map[int64]bool{}, partners: map[int64]bool{}}
	switch {
	case compSeesAll(actor):
		sc.all = true
		return sc, nil
	case actor.IsPartner():
		sc.partners[actor.PartnerID] = true
		return sc, nil
	case actor.UserID == 0:
		return sc, nil
	}
	rows, err := s.read.QueryContext(ctx, `WITH RECURSIVE team (id) AS (
			SELECT CAST($1 AS BIGINT)
			UNION
			SELECT u.id FROM users u JOIN team t ON u.manager_id = t.id
		) SELECT id FROM team`, actor.UserID)
	if err != nil {
		return sc, fmt.Errorf("comp scope: team: %w", err)
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return sc, fmt.Errorf("comp scope: team: %w", err)
		}
		sc.aes[id] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return sc, fmt.Errorf("comp scope: team: %w", err)
	}
	if actor.Role == tandem.RolePartnerManager {
		rows, err := s.read.QueryContext(ctx, `SELECT id FROM partners WHERE manager_id = $1`, actor.UserID)
		if err != nil {
			return sc, fmt.Errorf("comp scope: partners: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return sc, fmt.Errorf("comp scope: partners: %w", err)
			}
			sc.partners[id] = true
		}
		if err := rows.Err(); err != nil {
			return sc, fmt.Errorf("comp scope: partners: %w", err)
		}
	}
	return sc, nil
}

// filterResult keeps the statements sc may see; gross profit only for those who see everything.
func (c compScope) filterResult(res *tandem.CompResult) *tandem.CompResult {
	if c.all {
		return res
	}
	out := &tandem.CompResult{PlanVersion: res.PlanVersion, Period: res.Period, AEs: []tandem.CompStatement{},
		Partners: []tandem.CompStatement{}, Profit: []tandem.DealProfit{}}
	for _, st := range res.AEs {
		if c.aes[st.PayeeID] {
			out.AEs = append(out.AEs, st)
		}
	}
	for _, st := range res.Partners {
		if c.partners[st.PayeeID] {
			out.Partners = append(out.Partners, st)
		}
	}
	return out
}
