package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// defaultDatabase is the database commands use when neither -db nor TANDEM_DB says otherwise.
const defaultDatabase = "tandem.db"

// databaseURL returns the database a command should open: the -db flag when given, else the
// TANDEM_DB environment variable, else ./tandem.db. Every command that opens the database resolves it
// here, so they all agree.
func databaseURL(env *Env, flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	if v := env.Getenv("TANDEM_DB"); v != "" {
		return v
	}
	return defaultDatabase
}

// openStore opens (and migrates) the database at dbURL — or, when dbURL is empty, the one named by
// TANDEM_DB or ./tandem.db — logging to the command's stderr.
func openStore(ctx context.Context, env *Env, dbURL string) (*sqlstore.Store, error) {
	url := databaseURL(env, dbURL)
	logger := slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	st, err := sqlstore.Open(ctx, url, logger)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	return st, nil
}
