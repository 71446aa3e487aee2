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
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: want exactly one email", errUsage)
	}
	return withStore(ctx, env, *db, func(st *sqlstore.Store) error {
		u, _, err := st.UserByEmail(ctx, fs.Arg(0))
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
