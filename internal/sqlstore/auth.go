package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	tandem "github.com/tandem-revops/tandem"
)

// These methods serve sign-in, before there is an actor. Tokens are never stored, only their hashes.

// UserByEmail returns the user with email (case-insensitive) and its password hash ("" when it has
// none). ENOTFOUND when there is no such user.
func (s *Store) UserByEmail(ctx context.Context, email string) (*tandem.User, string, error) {
	var hash sql.NullString
	u, err := scanUser(s.read.QueryRowContext(ctx, `SELECT `+userColumns+`, u.password_hash FROM users u WHERE u.email = $1`,
		normalizeEmail(email)).Scan, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", tandem.NotFound("user", email)
	}
	if err != nil {
		return nil, "", fmt.Errorf("user by email: %w", err)
	}
	return &u, hash.String, nil
}

// SetPassword stores a new password hash for the user and ends all of the user's sessions.
func (s *Store) SetPassword(ctx context.Context, userID int64, hash string) error {
	if hash == "" {
		return tandem.FieldError("password", "is required")
	}
	return s.inTx(ctx, func(tx *sql.Tx, now time.Time) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3`, hash, now.UnixMicro(), userID)
		if err != nil {
			return fmt.Errorf("set password: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return tandem.NotFound("user", userID)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID); err != nil {
			return fmt.Errorf("set password: end sessions: %w", err)
		}
		return appendAuditTx(ctx, tx, now, tandem.Actor{UserID: userID, Email: "system"}, "user.password", "user", idString(userID), nil)
	})
}

// CreateSession stores a session. CreatedAt defaults to now.
func (s *Store) CreateSession(ctx context.Context, sess Session) error {
	if sess.TokenHash == "" || sess.UserID == 0 || sess.ExpiresAt.IsZero() {
		return tandem.Errorf(tandem.EINVALID, "a session needs a token hash, a user and an expiry")
	}
	return s.inTx(ctx, func(tx *sql.Tx, now time.Time) error {
		if sess.CreatedAt.IsZero() {
			sess.CreatedAt = now
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, csrf_token, expires_at, created_at)
			VALUES ($1, $2, $3, $4, $5)`, sess.TokenHash, sess.UserID, sess.CSRFToken, sess.ExpiresAt.UnixMicro(), sess.CreatedAt.UnixMicro())
		return s.mapErr(err, "session")
	})
}

// SessionByTokenHash returns a live session and its user. EUNAUTH when the session is unknown, expired
// or its user is disabled.
func (s *Store) SessionByTokenHash(ctx context.Context, hash string) (*Session, *tandem.User, error) {
	var sess Session
	u, err := scanUser(s.read.QueryRowContext(ctx, `SELECT `+userColumns+`, s.token_hash, s.user_id, s.csrf_token,
		s.expires_at, s.created_at FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1`, hash).Scan,
		&sess.TokenHash, &sess.UserID, &sess.CSRFToken, timeCol{&sess.ExpiresAt}, timeCol{&sess.CreatedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, tandem.Errorf(tandem.EUNAUTH, "not signed in")
	}
	if err != nil {
		return nil, nil, fmt.Errorf("session: %w", err)
	}
	if !s.clock().Before(sess.ExpiresAt) || u.Disabled {
		return nil, nil, tandem.Errorf(tandem.EUNAUTH, "the session has ended; sign in again")
	}
	return &sess, &u, nil
}

// DeleteSession ends a session; ending one that does not exist is not an error.
func (s *Store) DeleteSession(ctx context.Context, hash string) error {
	return s.inTx(ctx, func(tx *sql.Tx, now time.Time) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = $1`, hash)
		if err != nil {
			return fmt.Errorf("delete session: %w", err)
		}
		return nil
	})
}

// DeleteExpiredSessions removes sessions past their expiry and returns how many.
func (s *Store) DeleteExpiredSessions(ctx context.Context) (int64, error) {
	var n int64
	err := s.inTx(ctx, func(tx *sql.Tx, now time.Time) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= $1`, now.UnixMicro())
		if err != nil {
			return fmt.Errorf("delete expired sessions: %w", err)
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return n, err
}

// CreateAPIToken stores a named API token for a user and returns its id.
func (s *Store) CreateAPIToken(ctx context.Context, userID int64, name, tokenHash string) (int64, error) {
	if tokenHash == "" {
		return 0, tandem.Errorf(tandem.EINVALID, "a token needs a hash")
	}
	var id int64
	err := s.inTx(ctx, func(tx *sql.Tx, now time.Time) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO api_tokens (user_id, name, token_hash, created_at)
			VALUES ($1, $2, $3, $4) RETURNING id`, userID, name, tokenHash, now.UnixMicro()).Scan(&id)
		if err != nil {
			return s.mapErr(fmt.Errorf("create api token: %w", err), "api token")
		}
		return appendAuditTx(ctx, tx, now, tandem.Actor{UserID: userID, Email: "system"}, "api_token.create", "api_token",
			idString(id), map[string]any{"user_id": userID, "name": name})
	})
	return id, err
}

// RevokeAPIToken revokes a token by id; ENOTFOUND when there is none.
func (s *Store) RevokeAPIToken(ctx context.Context, actor tandem.Actor, id int64) error {
	return s.inTx(ctx, func(tx *sql.Tx, now time.Time) error {
		var w where
		w.add("id = ?", id)
		if actor.IsPartner() || actor.Role != tandem.RoleAdmin {
			w.add("user_id = ?", actor.UserID)
		}
		res, err := tx.ExecContext(ctx, fmt.Sprintf(`UPDATE api_tokens SET revoked_at = $%d`, w.next())+w.sql()+
			` AND revoked_at IS NULL`, append(w.args, now.UnixMicro())...)
		if err != nil {
			return fmt.Errorf("revoke api token: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return tandem.NotFound("api token", id)
		}
		return appendAuditTx(ctx, tx, now, actor, "api_token.revoke", "api_token", idString(id), nil)
	})
}

// APIToken is a stored API token as listed to people: never its hash.
type APIToken struct {
	ID        int64     `json:"id"`
	UserID    int64     `json:"user_id"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
	RevokedAt time.Time `json:"revoked_at,omitzero"`
}

// ListAPITokens lists API tokens, newest first: every user's for an admin, otherwise the actor's own.
// userID, when not 0, narrows an admin's list to one user.
func (s *Store) ListAPITokens(ctx context.Context, actor tandem.Actor, userID int64) ([]APIToken, error) {
	var w where
	if actor.Role != tandem.RoleAdmin {
		w.add("t.user_id = ?", actor.UserID)
	} else if userID != 0 {
		w.add("t.user_id = ?", userID)
	}
	return queryAll(ctx, s.read, "list api tokens", `SELECT t.id, t.user_id, u.email, t.name, t.created_at, t.revoked_at
		FROM api_tokens t JOIN users u ON u.id = t.user_id`+w.sql()+` ORDER BY t.id DESC`, w.args,
		func(scan func(...any) error) (APIToken, error) {
			var t APIToken
			err := scan(&t.ID, &t.UserID, &t.Email, &t.Name, timeCol{&t.CreatedAt}, timeCol{&t.RevokedAt})
			return t, err
		})
}

// UserByAPIToken returns the user a token belongs to. EUNAUTH when the token is unknown or revoked or
// its user is disabled. last_used_at is not maintained: it would turn every API read into a write.
func (s *Store) UserByAPIToken(ctx context.Context, tokenHash string) (*tandem.User, error) {
	var revoked time.Time
	u, err := scanUser(s.read.QueryRowContext(ctx, `SELECT `+userColumns+`, t.revoked_at FROM api_tokens t
		JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1`, tokenHash).Scan, timeCol{&revoked})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, tandem.Errorf(tandem.EUNAUTH, "unknown API token")
	}
	if err != nil {
		return nil, fmt.Errorf("user by api token: %w", err)
	}
	if !revoked.IsZero() || u.Disabled {
		return nil, tandem.Errorf(tandem.EUNAUTH, "the API token has been revoked")
	}
	return &u, nil
}
