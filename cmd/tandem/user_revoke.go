package main

import (
	"context"
	"fmt"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// runUserRevokeAll signs a user out everywhere: every session ends and every API token is revoked.
func runUserRevokeAll(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "user revoke-all", "EMAIL [-db URL]")
	db := databaseFlag(fs)
	email, err := parseExactlyOne(fs, args, "email")
	if err != nil {
		return err
	}
	return withStore(ctx, env, *db, func(st *sqlstore.Store) error {
		u, _, err := st.UserByEmail(ctx, email)
		if err != nil {
			return err
		}
		n, err := st.RevokeAllAccess(ctx, tandem.SystemActor, u.ID)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "signed %s out everywhere: %d sessions ended, %d API tokens revoked\n", u.Email, n.Sessions, n.Tokens)
		return nil
	})
}
