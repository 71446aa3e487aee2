package demo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/policy"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// Result says what Ensure did.
type Result struct {
	Marker *Marker
	Reused bool     // the file already held this demo
	Data   *Dataset // what was generated; nil when Reused
}

// Ensure makes the SQLite file at path hold the demo company of cfg. A file that already holds a
// complete demo of the same seed and generator version is reused unless reset is set; otherwise the
// company is generated into a temporary file beside path and renamed over it, so an interrupted run
// never leaves a half-written database. A file at path that is not a demo database is left alone
// (EINVALID) unless reset is set.
func Ensure(ctx context.Context, path string, cfg Config, reset bool, hash HashFunc, logger *slog.Logger) (*Result, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	cfg = cfg.withDefaults()
	if _, err := os.Stat(path); err == nil && !reset {
		m, err := existingMarker(ctx, path, logger)
		switch {
		case err == nil && m.Seed == cfg.Seed && m.GeneratorVersion == GeneratorVersion:
			return &Result{Marker: m, Reused: true}, nil
		case err == nil:
			logger.Info("demo: regenerating", "path", path, "old_seed", m.Seed, "seed", cfg.Seed,
				"old_generator", m.GeneratorVersion, "generator", GeneratorVersion)
		default:
			return nil, tandem.Errorf(tandem.EINVALID, "%s exists and is not a Tandem demo database (%v); use --reset to replace it, or --db to choose another file", path, err)
		}
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("demo: %w", err)
	}

	pol := policy.Default()
	ds, err := Generate(cfg, PolicyRouter(pol))
	if err != nil {
		return nil, fmt.Errorf("demo: generate: %w", err)
	}
	tmp := path + ".tmp"
	removeDatabase(tmp)
	m, err := writeFile(ctx, tmp, ds, pol, hash, logger)
	if err != nil {
		removeDatabase(tmp)
		return nil, err
	}
	// A stale write-ahead log beside path belongs to the old database: it must not meet the new one.
	removeSidecars(path)
	if err := os.Rename(tmp, path); err != nil {
		removeDatabase(tmp)
		return nil, fmt.Errorf("demo: %w", err)
	}
	return &Result{Marker: m, Data: ds}, nil
}

func writeFile(ctx context.Context, path string, ds *Dataset, pol *policy.Policy, hash HashFunc, logger *slog.Logger) (*Marker, error) {
	st, err := sqlstore.Open(ctx, path, logger)
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	// Records the store stamps (audit entries, the policy's publication) are dated in the demo's world.
	today := ds.Config.Today
	st.SetClock(func() time.Time { return today })
	m, err := Write(ctx, st, ds, pol, hash)
	if cerr := st.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("demo: close %s: %w", path, cerr)
	}
	return m, err
}

func existingMarker(ctx context.Context, path string, logger *slog.Logger) (*Marker, error) {
	st, err := sqlstore.Open(ctx, path, logger)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	return ReadMarker(ctx, st)
}

// removeDatabase removes a SQLite file and the files SQLite keeps beside it, if present.
func removeDatabase(path string) {
	_ = os.Remove(path)
	removeSidecars(path)
}

// removeSidecars removes the write-ahead log, shared-memory and journal files of a SQLite file.
func removeSidecars(path string) {
	for _, suffix := range []string{"-wal", "-shm", "-journal"} {
		_ = os.Remove(path + suffix)
	}
}
