package main

import (
	"context"
	"fmt"

	"github.com/tandem-revops/tandem/internal/auth"
)

// runToken creates API tokens for scripts.
func runToken(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 || args[0] != "create" {
		fmt.Fprintln(env.Stderr, "Usage: tandem token create -email E -name N [-db URL]")
		return fmt.Errorf("%w: want the subcommand create", errUsage)
	}
	fs := newFlagSet(env, "token create", "-email E -name N [-db URL]")
	email := fs.String("email", "", "the user the token acts as (required)")
	name := fs.String("name", "", "what the token is for, e.g. \"nightly CRM sync\" (required)")
	db := fs.String("db", "", "database (default $TANDEM_DB, else tandem.db)")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if *email == "" || *name == "" {
		return fmt.Errorf("%w: -email and -name are required", errUsage)
	}
	st, err := openStore(ctx, env, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	u, _, err := st.UserByEmail(ctx, *email)
	if err != nil {
		return err
	}
	token := auth.NewAPIToken()
	id, err := st.CreateAPIToken(ctx, u.ID, *name, auth.HashToken(token))
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stderr, "created API token %d %q for %s; it is shown once:\n", id, *name, u.Email)
	fmt.Fprintln(env.Stdout, token)
	return nil
}
