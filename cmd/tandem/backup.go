package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// runBackup writes a consistent copy of a SQLite database to FILE while it is in use.
func runBackup(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "backup", "[-db PATH] FILE\n\nWrites a consistent copy of the SQLite database to FILE (a new file), safe while tandem serve runs.\nFor PostgreSQL use pg_dump -Fc (README, Backups).")
	db := databaseFlag(fs)
	file, err := parseExactlyOne(fs, args, "FILE to write")
	if err != nil {
		return err
	}
	if isPostgres(databaseURL(env, *db)) {
		return fmt.Errorf("%w: a PostgreSQL database is backed up with pg_dump -Fc (see README, Backups)", errUsage)
	}
	return withStore(ctx, env, *db, func(st *sqlstore.Store) error {
		start := time.Now()
		if err := st.BackupTo(ctx, file); err != nil {
			return err
		}
		info, err := os.Stat(file)
		if err != nil {
			return fmt.Errorf("backup: %w", err)
		}
		fmt.Fprintf(env.Stdout, "backed up %s to %s (%d bytes) in %v\n", databaseURL(env, *db), file, info.Size(),
			time.Since(start).Round(time.Millisecond))
		return nil
	})
}

// runRestore replaces a SQLite database with a backup. The backup is copied and checked (sound file,
// migrated to this binary's schema, audit chain intact) before the target is touched; a target that
// holds a company's records is kept unless -force. Stop tandem serve on the target first.
func runRestore(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "restore", "[-db PATH] [-force] FILE\n\nReplaces the SQLite database with the backup FILE. Stop tandem serve first.\nFor PostgreSQL use pg_restore (README, Backups).")
	db := fs.String("db", "", "database to restore into (default $TANDEM_DB, else tandem.db)")
	force := fs.Bool("force", false, "overwrite a database that holds data")
	src, err := parseExactlyOne(fs, args, "backup FILE")
	if err != nil {
		return err
	}
	target := databaseURL(env, *db)
	if isPostgres(target) {
		return fmt.Errorf("%w: a PostgreSQL database is restored with pg_restore (see README, Backups)", errUsage)
	}
	target = strings.TrimPrefix(strings.TrimPrefix(target, "sqlite:"), "file:")
	if _, err := os.Stat(src); err != nil {
		return fmt.Errorf("restore: backup: %w", err)
	}
	start := time.Now()
	if _, err := os.Stat(target); err == nil {
		st, err := openStore(ctx, env, target)
		if err != nil {
			return err
		}
		full, err := st.HoldsData(ctx)
		st.Close()
		if err != nil {
			return err
		}
		if full && !*force {
			return fmt.Errorf("restore: %s holds data; refusing to overwrite it (pass -force to replace it)", target)
		}
	}
	tmp := target + ".restoring"
	if err := copyFile(src, tmp); err != nil {
		return err
	}
	defer os.Remove(tmp)
	st, err := sqlstore.Open(ctx, tmp, nil) // migrates a backup of an older schema
	if err != nil {
		return fmt.Errorf("restore: %s is not a Tandem database: %w", src, err)
	}
	err = st.CheckIntegrity(ctx)
	var v sqlstore.AuditVerification
	if err == nil {
		v, err = st.VerifyAudit(ctx)
	}
	st.Close()
	if err != nil {
		return fmt.Errorf("restore: %s: %w", src, err)
	}
	if !v.OK() {
		return fmt.Errorf("restore: %s: the audit log does not verify: %s", src, v.Reason)
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := os.Remove(target + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("restore: %w", err)
		}
		os.Remove(tmp + suffix)
	}
	if err := os.Rename(tmp, target); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	fmt.Fprintf(env.Stdout, "restored %s into %s in %v; audit log verified (%d entries, head %s)\n", src, target,
		time.Since(start).Round(time.Millisecond), v.Entries, v.Head)
	return nil
}

func isPostgres(url string) bool {
	return strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://")
}

// copyFile copies src to a new file dst and syncs it.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("restore: copy %s: %w", src, err)
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return fmt.Errorf("restore: %w", err)
	}
	return out.Close()
}
