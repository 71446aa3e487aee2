package main

import (
	"context"
	"errors"
)

// runToken is a placeholder until the token command is written.
func runToken(ctx context.Context, env *Env, args []string) error {
	return errors.New("token: not implemented yet")
}
