package main

import (
	"context"
	"errors"
)

// runMigrate is a placeholder until the migrate command is written.
func runMigrate(ctx context.Context, env *Env, args []string) error {
	return errors.New("migrate: not implemented yet")
}
