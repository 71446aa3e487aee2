package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/auth"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

const tokenUsage = `Usage:
  tandem token create -email E -name N [-db URL]   create a token; it is printed once
  tandem token list [-email E] [-db URL]            list tokens (never their secret)
  tandem token revoke ID [-db URL]                  revoke a token at once`

// runToken creates, lists and revokes API tokens for scripts. The command line acts as the system
// (an admin), like every other command.
func runToken(ctx context.Context, env *Env, args []string) error {
	return runSubcommand(ctx, env, args, tokenUsage,
		subcommand{"create", runTokenCreate}, subcommand{"list", runTokenList}, subcommand{"revoke", runTokenRevoke})
}

func runTokenCreate(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "token create", "-email E -name N [-db URL]")
	email := fs.String("email", "", "the user the token acts as (required)")
	name := fs.String("name", "", "what the token is for, e.g. \"nightly CRM sync\" (required)")
	db := databaseFlag(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *email == "" || *name == "" {
		return fmt.Errorf("%w: -email and -name are required", errUsage)
	}
	return withStore(ctx, env, *db, func(st *sqlstore.Store) error {
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
	})
}

func runTokenList(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "token list", "[-email E] [-db URL]")
	email := fs.String("email", "", "only this user's tokens")
	db := databaseFlag(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	return withStore(ctx, env, *db, func(st *sqlstore.Store) error {
		var userID int64
		if *email != "" {
			u, _, err := st.UserByEmail(ctx, *email)
			if err != nil {
				return err
			}
			userID = u.ID
		}
		tokens, err := st.ListAPITokens(ctx, tandem.SystemActor, userID)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tUSER\tNAME\tCREATED\tREVOKED")
		for _, t := range tokens {
			revoked := "-"
			if !t.RevokedAt.IsZero() {
				revoked = t.RevokedAt.UTC().Format("2006-01-02 15:04 UTC")
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", t.ID, t.Email, t.Name, t.CreatedAt.UTC().Format("2006-01-02 15:04 UTC"), revoked)
		}
		return tw.Flush()
	})
}

func runTokenRevoke(ctx context.Context, env *Env, args []string) error {
	return runOnRecord(ctx, env, "token revoke", "token", args, func(st *sqlstore.Store, id int64) error {
		if err := st.RevokeAPIToken(ctx, tandem.SystemActor, id); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "revoked API token %d\n", id)
		return nil
	})
}
