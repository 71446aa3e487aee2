package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/auth"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// runUser adds users and sets their passwords.
func runUser(ctx context.Context, env *Env, args []string) error {
	add := func(ctx context.Context, env *Env, args []string) error {
		return runUserAdd(ctx, env, args, auth.NewHasher())
	}
	passwd := func(ctx context.Context, env *Env, args []string) error {
		return runUserPasswd(ctx, env, args, auth.NewHasher())
	}
	return runSubcommand(ctx, env, args, "Usage: tandem user add|passwd|revoke-all [flags]",
		subcommand{"add", add}, subcommand{"passwd", passwd}, subcommand{"revoke-all", runUserRevokeAll})
}

func runUserAdd(ctx context.Context, env *Env, args []string, hasher *auth.Hasher) error {
	fs := newFlagSet(env, "user add", "-email E -name N -role R [-partner EXTERNAL_ID|ID] [-password-stdin] [-db URL]")
	email := fs.String("email", "", "the user's email, used to sign in (required)")
	name := fs.String("name", "", "the user's name (required)")
	role := fs.String("role", "", "one of admin, revops, ae, partner_manager, vp_sales, vp_channel, cro, ceo, partner_user (required)")
	partner := fs.String("partner", "", "for a partner_user: its partner's external id or id")
	stdin := fs.Bool("password-stdin", false, "read the password from the first line of stdin instead of generating one")
	db := databaseFlag(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *email == "" || *name == "" || *role == "" {
		return fmt.Errorf("%w: -email, -name and -role are required", errUsage)
	}
	u := &tandem.User{Email: strings.TrimSpace(*email), Name: *name, Role: tandem.Role(*role)}
	if !u.Role.Valid() {
		return fmt.Errorf("%w: -role %q is not a role", errUsage, *role)
	}
	password, generated, err := newPassword(env.Stdin, *stdin)
	if err != nil {
		return err
	}
	st, err := openOrCreateStore(ctx, env, *db, nil)
	if err != nil {
		return err
	}
	defer st.Close()
	if *partner != "" {
		p, err := findPartner(ctx, st, *partner)
		if err != nil {
			return err
		}
		u.PartnerID = p.ID
	}
	if err := u.Validate(); err != nil {
		return err
	}
	hash, err := hasher.Hash(ctx, password)
	if err != nil {
		return err
	}
	if err := st.CreateUser(ctx, tandem.SystemActor, u, hash); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "added user %d %s (%s)\n", u.ID, u.Email, u.Role)
	if generated {
		fmt.Fprintf(env.Stdout, "password: %s\n(shown once; store it in a password manager)\n", password)
	}
	return nil
}

func runUserPasswd(ctx context.Context, env *Env, args []string, hasher *auth.Hasher) error {
	fs := newFlagSet(env, "user passwd", "-email E [-password-stdin] [-db URL]")
	email := fs.String("email", "", "the user's email (required)")
	stdin := fs.Bool("password-stdin", false, "read the password from the first line of stdin instead of generating one")
	db := databaseFlag(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *email == "" {
		return fmt.Errorf("%w: -email is required", errUsage)
	}
	password, generated, err := newPassword(env.Stdin, *stdin)
	if err != nil {
		return err
	}
	return withStore(ctx, env, *db, func(st *sqlstore.Store) error {
		u, _, err := st.UserByEmail(ctx, *email)
		if err != nil {
			return err
		}
		hash, err := hasher.Hash(ctx, password)
		if err != nil {
			return err
		}
		if err := st.SetPassword(ctx, u.ID, hash); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "password set for %s; their sessions have ended (API tokens are kept: tandem user revoke-all ends them too)\n", u.Email)
		if generated {
			fmt.Fprintf(env.Stdout, "password: %s\n", password)
		}
		return nil
	})
}

// minPassword is the shortest password accepted from stdin.
const minPassword = 12

// newPassword reads the password from the first line of stdin, or generates one.
func newPassword(stdin io.Reader, fromStdin bool) (password string, generated bool, err error) {
	if !fromStdin {
		return auth.GeneratePassword(), true, nil
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", false, fmt.Errorf("read password from stdin: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if len(line) < minPassword {
		return "", false, fmt.Errorf("%w: the password on stdin must have at least %d characters", errUsage, minPassword)
	}
	return line, false, nil
}

// findPartner finds a partner by id or external id.
func findPartner(ctx context.Context, st *sqlstore.Store, ref string) (*tandem.Partner, error) {
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		if p, err := st.GetPartner(ctx, tandem.SystemActor, id); err == nil {
			return p, nil
		}
	}
	for offset := 0; ; offset += sqlstore.MaxLimit {
		ps, total, err := st.ListPartners(ctx, tandem.SystemActor, sqlstore.PartnerFilter{Limit: sqlstore.MaxLimit, Offset: offset})
		if err != nil {
			return nil, err
		}
		for i := range ps {
			if ps[i].ExternalID == ref {
				return &ps[i], nil
			}
		}
		if len(ps) == 0 || offset+len(ps) >= total {
			return nil, tandem.Errorf(tandem.ENOTFOUND, "no partner with id or external id %q", ref)
		}
	}
}
