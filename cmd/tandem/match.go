package main

import (
	"context"
	"errors"
)

// runMatch is a placeholder until the match command is written.
func runMatch(ctx context.Context, env *Env, args []string) error {
	return errors.New("match: not implemented yet")
}
