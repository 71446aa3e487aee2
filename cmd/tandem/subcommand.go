package main

import (
	"context"
	"flag"
	"fmt"
	"strconv"
	"strings"

	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// subcommand is one verb of a command that has verbs, as create, list and revoke are of tandem token.
type subcommand struct {
	name string
	run  verbFunc
}

// verbFunc runs one verb of a command with the arguments that follow the verb.
type verbFunc func(ctx context.Context, env *Env, args []string) error

// runSubcommand runs the verb args[0] names with the rest of args. With no verb, or one it does not
// know, it prints usage and returns a usage error naming the verbs there are.
func runSubcommand(ctx context.Context, env *Env, args []string, usage string, verbs ...subcommand) error {
	names := make([]string, len(verbs))
	for i, v := range verbs {
		names[i] = v.name
	}
	want := orList(names)
	if len(args) == 0 {
		fmt.Fprintln(env.Stderr, usage)
		return fmt.Errorf("%w: want a subcommand: %s", errUsage, want)
	}
	for _, v := range verbs {
		if v.name == args[0] {
			return v.run(ctx, env, args[1:])
		}
	}
	fmt.Fprintln(env.Stderr, usage)
	return fmt.Errorf("%w: unknown subcommand %q: want %s", errUsage, args[0], want)
}

// verbCommand is a command whose first argument is one of its verbs (comp, policy, portfolio,
// predict), its usage errors naming the verbs as hint says them.
type verbCommand struct {
	name, synopsis string
	hint           string // the verbs to say, e.g. "show, check or render"
	verbs          []subcommand
}

// run parses the command's flags and runs the verb args names with the arguments after it. With no
// verb it prints the command's usage and returns a usage error saying "say " and the hint.
func (c verbCommand) run(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, c.name, c.synopsis)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return fmt.Errorf("%w: say %s", errUsage, c.hint)
	}
	return c.runVerb(ctx, env, fs.Arg(0), fs.Args()[1:])
}

// runVerb runs the verb named verb with args; any other verb is a usage error naming the command and
// the hint.
func (c verbCommand) runVerb(ctx context.Context, env *Env, verb string, args []string) error {
	for _, v := range c.verbs {
		if v.name == verb {
			return v.run(ctx, env, args)
		}
	}
	return fmt.Errorf("%w: unknown %s command %q (%s)", errUsage, c.name, verb, c.hint)
}

// parseExactlyOne parses args as parseFlags does for a command that takes exactly one positional
// argument and returns it; with none or more the usage error says "want exactly one WHAT".
func parseExactlyOne(fs *flag.FlagSet, args []string, what string) (string, error) {
	if err := parseFlags(fs, args); err != nil {
		return "", err
	}
	if fs.NArg() != 1 {
		return "", fmt.Errorf("%w: want exactly one %s", errUsage, what)
	}
	return fs.Arg(0), nil
}

// runOnRecord runs a verb that acts on one record given by its id, as token revoke and webhook rm do:
// it parses "ID [-db URL]" from args, opens the database and calls act with the id.
func runOnRecord(ctx context.Context, env *Env, name, kind string, args []string, act func(st *sqlstore.Store, id int64) error) error {
	fs := newFlagSet(env, name, "ID [-db URL]")
	db := databaseFlag(fs)
	arg, err := parseExactlyOne(fs, args, kind+" id")
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(arg, 10, 64)
	if err != nil || id <= 0 {
		return fmt.Errorf("%w: %q is not a %s id (see tandem %s list)", errUsage, arg, kind, kind)
	}
	return withStore(ctx, env, *db, func(st *sqlstore.Store) error { return act(st, id) })
}

// orList joins names as "a, b or c".
func orList(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}
