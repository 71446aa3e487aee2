package sqlstore

import (
	"context"
	"fmt"

	"github.com/tandem-revops/tandem/internal/schema"
)

// Ready reports whether the store can serve: the database answers a query and its schema is at the
// latest migration this binary embeds (an instance of an older binary, or a database another instance
// is still migrating, is not ready). The error says which, without naming the database.
func (s *Store) Ready(ctx context.Context) error {
	if err := s.Ping(ctx); err != nil {
		return fmt.Errorf("database unavailable: %w", err)
	}
	applied, err := s.MigrationVersion(ctx)
	if err != nil {
		return err
	}
	latest, err := schema.LatestVersion()
	if err != nil {
		return err
	}
	if applied != latest {
		return fmt.Errorf("schema at migration %d, this binary needs %d", applied, latest)
	}
	return nil
}
