package main

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tandem "github.com/tandem-revops/tandem"
)

func TestBackupAndRestore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	live, backup := filepath.Join(dir, "live.db"), filepath.Join(dir, "backup.db")
	st := createStoreAt(t, live)
	for _, email := range []string{"a@vendor.test", "b@vendor.test"} {
		if err := st.CreateUser(ctx, tandem.SystemActor, &tandem.User{Email: email, Name: email, Role: tandem.RoleAE}, "x"); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	cmd := func(want int, args ...string) string {
		t.Helper()
		var out, errs bytes.Buffer
		if code := run(ctx, testEnv(&out, &errs), args); code != want {
			t.Fatalf("tandem %s: exit %d, want %d\n%s%s", strings.Join(args, " "), code, want, out.String(), errs.String())
		}
		return out.String() + errs.String()
	}
	cmd(0, "backup", "-db", live, backup)
	if out := cmd(1, "backup", "-db", live, backup); !strings.Contains(out, "exists already") {
		t.Errorf("backup over an existing file: %s", out)
	}
	// The live database holds data: a restore over it is refused unless forced.
	if out := cmd(1, "restore", "-db", live, backup); !strings.Contains(out, "holds data") {
		t.Errorf("restore over data: %s", out)
	}
	cmd(0, "restore", "-db", live, "-force", backup)
	fresh := filepath.Join(dir, "new", "restored.db")
	if out := cmd(0, "restore", "-db", fresh, backup); !strings.Contains(out, "audit log verified (2 entries") {
		t.Errorf("restore: %s", out)
	}
	st = openStoreAt(t, fresh)
	for _, email := range []string{"a@vendor.test", "b@vendor.test"} {
		if _, _, err := st.UserByEmail(ctx, email); err != nil {
			t.Errorf("restored database lacks %s: %v", email, err)
		}
	}
	st.Close()
	if _, err := os.Stat(fresh + ".restoring"); !os.IsNotExist(err) {
		t.Errorf("the restore left its temporary file: %v", err)
	}

	// A backup whose audit log was edited is refused, and the target is left as it was.
	raw, err := sql.Open("sqlite", backup)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`DROP TRIGGER audit_log_no_update`, `UPDATE audit_log SET actor = 'mallory'`} {
		if _, err := raw.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	raw.Close()
	other := filepath.Join(dir, "other.db")
	if out := cmd(1, "restore", "-db", other, backup); !strings.Contains(out, "audit log does not verify") {
		t.Errorf("restore of a tampered backup: %s", out)
	}
	if _, err := os.Stat(other); !os.IsNotExist(err) {
		t.Errorf("a refused restore created the target: %v", err)
	}
	cmd(2, "backup")
	cmd(2, "restore", "-db", "postgres://x@127.0.0.1/db", backup)
}
