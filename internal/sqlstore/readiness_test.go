package sqlstore

import (
	"context"
	"strings"
	"testing"
)

func TestReady(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		must(t, s.Ready(ctx))
		// A database migrated by a newer binary (or mid-migration) is not ready for this one.
		if _, err := s.write.ExecContext(ctx, `INSERT INTO goose_db_version (version_id, is_applied) VALUES (99, TRUE)`); err != nil {
			t.Fatal(err)
		}
		if err := s.Ready(ctx); err == nil || !strings.Contains(err.Error(), "schema at migration 99") {
			t.Fatalf("Ready with the schema ahead = %v", err)
		}
	})
}
