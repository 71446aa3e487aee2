package importjob

import (
	"context"
	"fmt"
	"io"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/importer"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// HistoryReport says what one history import did or, when refused, why.
type HistoryReport struct {
	Rows       int      // data rows read
	Skipped    int      // rows changing a field the history does not record
	Read       int      // changes read from the file
	Stored     int      // changes stored (for a dry run: that would be)
	Unchanged  int      // changes the store held already (a re-import)
	Mapping    string   // the mapping the file was read with
	Warnings   []string // such as columns nothing reads
	Errors     []importer.RowError
	ErrorCount int
	// HeaderProblem says the header or the mapping did not fit the file, so no row was checked.
	HeaderProblem bool
}

// RunHistory imports a CRM's opportunity history export (importer.ReadHistoryFile, read as opts say)
// into st as actor, all or nothing: every opportunity must be stored already (matched by its CRM id,
// as tandem import keeps it in external_id). Changes the store holds already, same field, values and
// time, are skipped, so importing the same file again stores nothing. With dryRun it checks everything
// and stores nothing. A bad file is EINVALID, naming the file and listing every problem, which the
// report also lists; partner users cannot import (EFORBIDDEN).
func RunHistory(ctx context.Context, st *sqlstore.Store, actor tandem.Actor, src io.Reader, name string, opts importer.HistoryOptions,
	dryRun bool) (HistoryReport, error) {
	read, err := importer.ReadHistoryFile(src, name, opts)
	rep := HistoryReport{Rows: read.Rows, Skipped: read.Skipped, Read: len(read.Changes), Mapping: read.Mapping, Warnings: read.Warnings,
		Errors: read.Errors, ErrorCount: read.ErrorCount, HeaderProblem: read.HeaderProblem}
	if err != nil {
		return rep, err
	}
	changes := read.Changes
	ids, err := resolveOpportunities(ctx, st, actor, changes)
	if err != nil {
		return rep, err
	}
	for _, c := range changes {
		if ids[c.OpportunityID] == 0 {
			rep.ErrorCount++
			if len(rep.Errors) < importer.MaxReportedErrors {
				rep.Errors = append(rep.Errors, importer.RowError{Line: c.Line, Column: c.IDColumn, Value: c.OpportunityID,
					Reason: "no opportunity with this external id (import the opportunities first)"})
			}
		}
	}
	if err := importer.ProblemsError(name, rep.Errors, rep.ErrorCount); err != nil {
		return rep, err
	}
	type key struct {
		opp      int64
		field    tandem.HistoryField
		old, new string
		at       int64
	}
	held := map[key]bool{}
	seen := map[int64]bool{}
	var todo []tandem.OpportunityChange
	for _, c := range changes {
		id := ids[c.OpportunityID]
		if !seen[id] {
			seen[id] = true
			stored, err := st.OpportunityHistory(ctx, actor, id)
			if err != nil {
				return rep, fmt.Errorf("history of opportunity %s: %w", c.OpportunityID, err)
			}
			for _, s := range stored {
				held[key{id, s.Field, s.Old, s.New, s.ChangedAt.UnixMicro()}] = true
			}
		}
		k := key{id, c.Field, c.Old, c.New, c.ChangedAt.UnixMicro()}
		if held[k] {
			rep.Unchanged++
			continue
		}
		held[k] = true // a file repeating a change stores it once
		todo = append(todo, tandem.OpportunityChange{OpportunityID: id, Field: c.Field, Old: c.Old, New: c.New,
			ChangedAt: c.ChangedAt.Truncate(time.Microsecond)})
	}
	if dryRun {
		rep.Stored = len(todo)
		return rep, nil
	}
	if len(todo) == 0 {
		return rep, nil
	}
	n, err := st.ImportOpportunityHistory(ctx, actor, todo)
	if err != nil {
		return rep, fmt.Errorf("%s: %w", name, err)
	}
	rep.Stored = n
	return rep, nil
}

// resolveOpportunities maps the CRM ids of changes to stored opportunity ids, through a read-only
// import transaction (the lookup tandem import uses), rolled back.
func resolveOpportunities(ctx context.Context, st *sqlstore.Store, actor tandem.Actor, changes []importer.HistoryChange) (map[string]int64, error) {
	var extIDs []string
	seen := map[string]bool{}
	for _, c := range changes {
		if !seen[c.OpportunityID] {
			seen[c.OpportunityID] = true
			extIDs = append(extIDs, c.OpportunityID)
		}
	}
	tx, err := st.BeginImport(ctx, actor)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	ids := map[string]int64{}
	const batch = 1000
	for start := 0; start < len(extIDs); start += batch {
		got, err := tx.ResolveIDs(ctx, "opportunities", extIDs[start:min(start+batch, len(extIDs))])
		if err != nil {
			return nil, fmt.Errorf("resolve opportunities: %w", err)
		}
		for k, v := range got {
			ids[k] = v
		}
	}
	return ids, nil
}
