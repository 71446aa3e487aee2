package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	tandem "github.com/tandem-revops/tandem"
)

// RevokedAccess counts what RevokeAllAccess ended.
type RevokedAccess struct {
	Sessions int64 `json:"sessions" doc:"browser sessions ended"`
	Tokens   int64 `json:"tokens" doc:"API tokens revoked"`
}

// RevokeAllAccess signs a user out everywhere: it ends every session and revokes every API token of
// userID at once. A user may do it for themself, an admin for anyone; anyone else gets EFORBIDDEN
// (a partner user ENOTFOUND, so it cannot probe for users). Changing a password ends sessions but keeps
// tokens (SetPassword): scripts keep running until this is called.
func (s *Store) RevokeAllAccess(ctx context.Context, actor tandem.Actor, userID int64) (RevokedAccess, error) {
	var out RevokedAccess
	if actor.UserID != userID && actor.Role != tandem.RoleAdmin {
		if actor.IsPartner() {
			return out, tandem.NotFound("user", userID)
		}
		return out, tandem.Errorf(tandem.EFORBIDDEN, "only an admin may sign another user out everywhere")
	}
	err := s.inTx(ctx, func(tx *sql.Tx, now time.Time) error {
		var exists int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE id = $1`, userID).Scan(&exists); err != nil {
			return fmt.Errorf("revoke access: %w", err)
		}
		if exists == 0 {
			return tandem.NotFound("user", userID)
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID)
		if err != nil {
			return fmt.Errorf("revoke access: end sessions: %w", err)
		}
		out.Sessions, _ = res.RowsAffected()
		res, err = tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL`,
			now.UnixMicro(), userID)
		if err != nil {
			return fmt.Errorf("revoke access: revoke tokens: %w", err)
		}
		out.Tokens, _ = res.RowsAffected()
		return appendAuditTx(ctx, tx, now, actor, "user.revoke_access", "user", idString(userID), out)
	})
	return out, err
}
