package main

import (
	"context"
	"errors"
)

// runPolicy is a placeholder until the policy command is written.
func runPolicy(ctx context.Context, env *Env, args []string) error {
	return errors.New("policy: not implemented yet")
}
