package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"

	tandem "github.com/tandem-revops/tandem"
)

func TestAuditVerifyCatchesAnEditedEntry(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "t.db")
	st := createStoreAt(t, path)
	for i := range 4 {
		if err := st.AppendAudit(ctx, tandem.SystemActor, "test.entry", "test", fmt.Sprint(i), map[string]int{"n": i}); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()

	var out, errs bytes.Buffer
	if code := run(ctx, testEnv(&out, &errs), []string{"audit", "verify", "-db", path}); code != 0 ||
		!strings.Contains(out.String(), "audit log verified: 4 entries, head ") {
		t.Fatalf("intact log: exit %d\n%s%s", code, out.String(), errs.String())
	}

	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for _, q := range []string{`DROP TRIGGER audit_log_no_update`,
		`UPDATE audit_log SET detail = '{"n":7}' WHERE id = (SELECT min(id) + 1 FROM audit_log)`} {
		if _, err := raw.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	out.Reset()
	errs.Reset()
	if code := run(ctx, testEnv(&out, &errs), []string{"audit", "verify", "-db", path}); code != 1 ||
		!strings.Contains(errs.String(), "BROKEN after 1 good entries: entry 2 was altered") {
		t.Fatalf("edited log: exit %d, want 1\n%s%s", code, out.String(), errs.String())
	}
	out.Reset()
	if code := run(ctx, testEnv(&out, &errs), []string{"audit", "verify", "-json", "-db", path}); code != 1 ||
		!strings.Contains(out.String(), `"broken_at":2`) {
		t.Fatalf("edited log, -json: exit %d\n%s", code, out.String())
	}
}
