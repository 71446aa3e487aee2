package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"strings"

	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// defaultDatabase is the database commands use when neither -db nor TANDEM_DB says otherwise.
const defaultDatabase = "tandem.db"

// databaseURL returns the database a command should open: the -db flag when given, else the
// TANDEM_DB environment variable, else ./tandem.db. Every command that opens the database resolves it
// here, so they all agree.
func databaseURL(env *Env, flagValue string) string {
	url, _ := resolveDatabase(env, flagValue)
	return url
}

// databaseFlag adds the -db flag of a command that works on a database; its value goes to
// databaseURL, openStore or openOrCreateStore.
func databaseFlag(fs *flag.FlagSet) *string {
	return fs.String("db", "", "database (default $TANDEM_DB, else tandem.db)")
}

// resolveDatabase is databaseURL that also says where the choice came from, for messages.
func resolveDatabase(env *Env, flagValue string) (url, source string) {
	if flagValue != "" {
		return flagValue, "-db"
	}
	if v := env.Getenv("TANDEM_DB"); v != "" {
		return v, "TANDEM_DB"
	}
	return defaultDatabase, "the default"
}

// sqliteFile returns the file a SQLite database url names, and false for PostgreSQL (whose database is
// created by its administrator, never by Tandem). It mirrors sqlstore.Open's reading of a url.
func sqliteFile(url string) (string, bool) {
	if strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://") {
		return "", false
	}
	path := strings.TrimPrefix(url, "sqlite:")
	path = strings.TrimPrefix(path, "//")
	path = strings.TrimPrefix(path, "file:")
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	if path == "" || path == ":memory:" {
		return "", false
	}
	return path, true
}

// openStore opens (and migrates) an existing database for a command that reads or changes data. A
// SQLite file that does not exist is refused rather than created: an empty new file would answer every
// question with nothing and exit 0, hiding that the command looked in the wrong place (e.g. after
// `tandem demo`, whose data is in tandem-demo.db).
func openStore(ctx context.Context, env *Env, dbURL string) (*sqlstore.Store, error) {
	url, source := resolveDatabase(env, dbURL)
	if path, ok := sqliteFile(url); ok {
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			from := ""
			if source != "-db" {
				from = " (from " + source + ")"
			}
			return nil, fmt.Errorf("database %s%s does not exist: name the database with -db PATH or TANDEM_DB=PATH "+
				"(the demo's is tandem-demo.db), or create one with `tandem migrate -db PATH`", path, from)
		}
	}
	return openURL(ctx, env, url)
}

// openOrCreateStore opens the database, creating and migrating a new SQLite file when there is none —
// for the commands that set a database up (migrate, serve, import, user add). It says when it created
// one, so a mistyped path does not go unnoticed.
func openOrCreateStore(ctx context.Context, env *Env, dbURL string, logger *slog.Logger) (*sqlstore.Store, error) {
	url := databaseURL(env, dbURL)
	created := false
	if path, ok := sqliteFile(url); ok {
		_, err := os.Stat(path)
		created = errors.Is(err, fs.ErrNotExist)
	}
	if logger == nil {
		logger = warnLogger(env)
	}
	st, err := sqlstore.Open(ctx, url, logger)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	if created {
		path, _ := sqliteFile(url)
		fmt.Fprintf(env.Stderr, "tandem: created a new database %s\n", path)
	}
	return st, nil
}

// withStore opens the existing database dbURL names, as openStore does, runs do on it and closes it:
// the body of every command that reads or changes records as the system.
func withStore(ctx context.Context, env *Env, dbURL string, do func(st *sqlstore.Store) error) error {
	st, err := openStore(ctx, env, dbURL)
	if err != nil {
		return err
	}
	defer st.Close()
	return do(st)
}

func openURL(ctx context.Context, env *Env, url string) (*sqlstore.Store, error) {
	st, err := sqlstore.Open(ctx, url, warnLogger(env))
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	return st, nil
}

// warnLogger logs warnings and errors to the command's stderr; the store's info lines (one per
// migration) are noise on a command line.
func warnLogger(env *Env) *slog.Logger {
	return slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}
