package main

import (
	"context"
	"errors"
)

// runUser is a placeholder until the user command is written.
func runUser(ctx context.Context, env *Env, args []string) error {
	return errors.New("user: not implemented yet")
}
