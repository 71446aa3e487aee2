package main

import (
	"context"
	"fmt"
	"strings"
)

// subcommand is one verb of a command that has verbs, as create, list and revoke are of tandem token.
type subcommand struct {
	name string
	run  func(ctx context.Context, env *Env, args []string) error
}

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

// orList joins names as "a, b or c".
func orList(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}
