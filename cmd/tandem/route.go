package main

import (
	"context"
	"errors"
)

// runRoute is a placeholder until the route command is written.
func runRoute(ctx context.Context, env *Env, args []string) error {
	return errors.New("route: not implemented yet")
}
