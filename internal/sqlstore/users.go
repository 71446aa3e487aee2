package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	tandem "github.com/tandem-revops/tandem"
)

const userColumns = `u.id, u.external_id, u.email, u.name, u.role, u.partner_id, u.manager_id, u.territory_id,
	u.disabled, u.created_at, u.updated_at`

func scanUser(scan func(...any) error, extra ...any) (tandem.User, error) {
	var u tandem.User
	dest := []any{&u.ID, &u.ExternalID, &u.Email, &u.Name, &u.Role, idCol{&u.PartnerID}, idCol{&u.ManagerID},
		idCol{&u.TerritoryID}, boolCol{&u.Disabled}, timeCol{&u.CreatedAt}, timeCol{&u.UpdatedAt}}
	err := scan(append(dest, extra...)...)
	return u, err
}

// normalizeEmail is how emails are stored and looked up: trimmed and lower-cased, so that sign-in and
// import matching ignore case.
func normalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// GetUser returns the user with id; ENOTFOUND when there is none or actor may not see it.
func (s *Store) GetUser(ctx context.Context, actor tandem.Actor, id int64) (*tandem.User, error) {
	return userRecord.get(ctx, s.read, actor, id)
}

// ListUsers returns a page of the users actor may see and how many match f.
func (s *Store) ListUsers(ctx context.Context, actor tandem.Actor, f UserFilter) ([]tandem.User, int, error) {
	w := userRecord.scoped(actor)
	addEq(&w, "u.role", string(f.Role))
	addEq(&w, "u.partner_id", f.PartnerID)
	if f.Query != "" {
		p := likePattern(f.Query)
		w.add(`(lower(u.name) LIKE ? ESCAPE '\' OR u.email LIKE ? ESCAPE '\')`, p, p)
	}
	return userRecord.list(ctx, s, w, f.Sort, "name", map[string]string{
		"name": "u.name", "email": "u.email", "role": "u.role", "created_at": "u.created_at", "id": "u.id",
	}, f.Limit, f.Offset)
}

// CreateUser stores a new user with an optional password hash ("" for none: the user cannot sign in
// with a password). ECONFLICT when the email or external id is taken.
func (s *Store) CreateUser(ctx context.Context, actor tandem.Actor, u *tandem.User, passwordHash string) error {
	if err := forbidPartner(actor, "create users"); err != nil {
		return err
	}
	u.Email = normalizeEmail(u.Email)
	var hash any
	if passwordHash != "" {
		hash = passwordHash
	}
	return userRecord.create(ctx, s, actor, u, u.Validate, func(tx *sql.Tx, now time.Time) *sql.Row {
		return tx.QueryRowContext(ctx, `INSERT INTO users (external_id,
			email, name, role, partner_id, manager_id, territory_id, disabled, password_hash, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id`,
			u.ExternalID, u.Email, u.Name, string(u.Role), dbID(u.PartnerID), dbID(u.ManagerID), dbID(u.TerritoryID),
			u.Disabled, hash, now.UnixMicro())
	})
}

// UpdateUser writes u's fields (not the password) over the stored user u.ID. ENOTFOUND when actor
// cannot see it, EFORBIDDEN for partner users.
func (s *Store) UpdateUser(ctx context.Context, actor tandem.Actor, u *tandem.User) error {
	u.Email = normalizeEmail(u.Email)
	return s.inTx(ctx, func(tx *sql.Tx, now time.Time) error {
		old, err := userRecord.get(ctx, tx, actor, u.ID)
		if err != nil {
			return err
		}
		if err := forbidPartner(actor, "change users"); err != nil {
			return err
		}
		if err := u.Validate(); err != nil {
			return err
		}
		err = userRecord.updateTx(ctx, s, tx, now, actor, old, u, func() error {
			_, err := tx.ExecContext(ctx, `UPDATE users SET external_id = $1, email = $2, name = $3, role = $4,
				partner_id = $5, manager_id = $6, territory_id = $7, disabled = $8, updated_at = $9 WHERE id = $10`,
				u.ExternalID, u.Email, u.Name, string(u.Role), dbID(u.PartnerID), dbID(u.ManagerID), dbID(u.TerritoryID),
				u.Disabled, now.UnixMicro(), u.ID)
			return err
		})
		if err != nil {
			return err
		}
		if u.Disabled && !old.Disabled {
			// A disabled user is signed out everywhere.
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, u.ID); err != nil {
				return fmt.Errorf("update user %d: end sessions: %w", u.ID, err)
			}
		}
		return nil
	})
}
