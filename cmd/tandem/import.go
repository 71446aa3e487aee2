package main

import (
	"context"
	"errors"
)

// runImport is a placeholder until the import command is written.
func runImport(ctx context.Context, env *Env, args []string) error {
	return errors.New("import: not implemented yet")
}
