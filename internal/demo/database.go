package demo

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/policy"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// IsPostgres reports whether a database url names PostgreSQL rather than a SQLite file, as
// sqlstore.Open reads it.
func IsPostgres(dbURL string) bool {
	return strings.HasPrefix(dbURL, "postgres://") || strings.HasPrefix(dbURL, "postgresql://")
}

// Redacted returns dbURL with any password replaced, fit for printing.
func Redacted(dbURL string) string {
	if !IsPostgres(dbURL) {
		return dbURL
	}
	u, err := url.Parse(dbURL)
	if err != nil {
		return "postgres://…"
	}
	return u.Redacted()
}

// EnsureDatabase is Ensure for a database named by url: a SQLite path goes to Ensure; a PostgreSQL
// url gets the demo written straight into it. PostgreSQL has no file to build beside and rename, so
// the database must be empty (or already hold this seed's demo, which is reused): Tandem never
// deletes a PostgreSQL database's rows, so reset is refused there — drop and create the database
// (or schema) instead. The company's rows go in one import transaction, so a failure leaves at most
// the territories, products and policy, and no marker.
func EnsureDatabase(ctx context.Context, dbURL string, cfg Config, reset bool, hash HashFunc, logger *slog.Logger) (*Result, error) {
	if !IsPostgres(dbURL) {
		return Ensure(ctx, dbURL, cfg, reset, hash, logger)
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	cfg = cfg.withDefaults()
	name := Redacted(dbURL)
	st, err := sqlstore.Open(ctx, dbURL, logger)
	if err != nil {
		return nil, fmt.Errorf("demo: open %s: %w", name, err)
	}
	defer st.Close()

	m, err := ReadMarker(ctx, st)
	switch {
	case err == nil && m.Seed == cfg.Seed && m.GeneratorVersion == GeneratorVersion && !reset:
		return &Result{Marker: m, Reused: true}, nil
	case reset:
		return nil, tandem.Errorf(tandem.EINVALID, "-reset cannot empty %s: Tandem does not delete a PostgreSQL database's rows; drop and create the database, then run the demo without -reset", name)
	case err == nil:
		return nil, tandem.Errorf(tandem.EINVALID, "%s holds the demo of seed %d (generator %d), not seed %d (generator %d): Tandem does not delete a PostgreSQL database's rows; drop and create the database, then run the demo again",
			name, m.Seed, m.GeneratorVersion, cfg.Seed, GeneratorVersion)
	case tandem.ErrorCode(err) != tandem.ENOTFOUND:
		return nil, err
	}
	_, users, err := st.ListUsers(ctx, tandem.SystemActor, sqlstore.UserFilter{Limit: 1})
	if err != nil {
		return nil, fmt.Errorf("demo: %s: %w", name, err)
	}
	if users > 0 {
		return nil, tandem.Errorf(tandem.EINVALID, "%s already holds %d users and no demo: the demo goes only into an empty database; create one for it", name, users)
	}

	pol := policy.Default()
	ds, err := Generate(cfg, PolicyRouter(pol))
	if err != nil {
		return nil, fmt.Errorf("demo: generate: %w", err)
	}
	// Records the store stamps are dated in the demo's world; the server sets its own clock later.
	today := ds.Config.Today
	st.SetClock(func() time.Time { return today })
	m, err = Write(ctx, st, ds, pol, hash)
	if err != nil {
		return nil, fmt.Errorf("demo: write into %s: %w", name, err)
	}
	return &Result{Marker: m, Data: ds}, nil
}
