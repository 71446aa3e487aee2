package main

import (
	"context"
	"errors"
)

// runDemo is a placeholder until the demo command is written.
func runDemo(ctx context.Context, env *Env, args []string) error {
	return errors.New("demo: not implemented yet")
}
