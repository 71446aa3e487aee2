package main

import (
	"context"
	"errors"
)

// runServe is a placeholder until the serve command is written.
func runServe(ctx context.Context, env *Env, args []string) error {
	return errors.New("serve: not implemented yet")
}
