package sqlstore

import (
	"context"
	"fmt"
)

// CompGroupNames returns the names of the reps ("rep"), territories or partners by id, which gross
// profit rolls up by; an empty map for other groupings.
func (s *Store) CompGroupNames(ctx context.Context, by string) (map[int64]string, error) {
	q := map[string]string{
		"rep":       `SELECT id, name FROM users`,
		"territory": `SELECT id, name FROM territories`,
		"partner":   `SELECT id, name FROM partners`,
	}[by]
	names := map[int64]string{}
	if q == "" {
		return names, nil
	}
	rows, err := s.read.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("%s names: %w", by, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, fmt.Errorf("%s names: %w", by, err)
		}
		names[id] = name
	}
	return names, rows.Err()
}
