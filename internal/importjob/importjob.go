// Package importjob owns one import run, as tandem import and the import API both perform it: the
// store's import transaction around the importer, commit or rollback as the caller decides from the
// report, and, after a commit, the protected re-route conflicts of the deals that kept their routing.
// The importer (internal/importer) reads and checks the rows; this package decides what happens to
// the transaction. An opportunity history import (RunHistory) is its own run: the importer reads the
// changes through a mapping, and this package matches their deals and stores the new ones, all or nothing.
package importjob

import (
	"context"
	"fmt"
	"io"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/importer"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// Run imports src (named name) with imp into one import transaction of st as actor. It commits when
// keep(report, runErr) says so and rolls back otherwise. It returns the importer's report and error,
// whether it committed, and apart the transaction's own failure (to begin, commit or roll back).
func Run(ctx context.Context, st *sqlstore.Store, actor tandem.Actor, imp *importer.Importer, src io.Reader, name string,
	keep func(importer.Report, error) bool) (report importer.Report, committed bool, runErr, txErr error) {
	tx, err := st.BeginImport(ctx, actor)
	if err != nil {
		return report, false, nil, err
	}
	report, runErr = imp.Run(ctx, tx, src, name)
	if !keep(report, runErr) {
		if err := tx.Rollback(); err != nil {
			return report, false, runErr, fmt.Errorf("roll back: %w", err)
		}
		return report, false, runErr, nil
	}
	if err := tx.Commit(); err != nil {
		return report, false, runErr, fmt.Errorf("commit: %w", err)
	}
	return report, true, runErr, nil
}

// HoldReroutes opens the protected_reroute conflict of each committed deal that kept its routing past
// the protected stage, under rules, and tells done about each (the conflict's id, 0 when an escalation
// decided the routing, and whether this opened it). An error done returns stops the run.
func HoldReroutes(ctx context.Context, st *sqlstore.Store, actor tandem.Actor, rules tandem.ConflictRules,
	held []importer.HeldReroute, done func(h importer.HeldReroute, conflictID int64, opened bool, err error) error) error {
	for _, h := range held {
		id, opened, err := st.HoldReroute(ctx, actor, rules, h.OpportunityID, h.Proposed)
		if err := done(h, id, opened, err); err != nil {
			return err
		}
	}
	return nil
}
