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
// into st as actor, all or nothing, in one import transaction: every opportunity must be stored already
// (matched by its CRM id, as tandem import keeps it in external_id). Changes the store holds already,
// same field, values and time, are skipped, so importing the same file again stores nothing; they are
// read a thousand deals a query. With dryRun it checks everything and stores nothing. A bad file is
// EINVALID, naming the file and listing every problem, which the report also lists; partner users
// cannot import (EFORBIDDEN).
//
// opts.Progress is told how far the whole import is (see historyProgress): reading the file fills the
// first half of TotalBytes, reading the stored changes and storing the new ones the second, so the bar
// reaches the end when the import has.
func RunHistory(ctx context.Context, st *sqlstore.Store, actor tandem.Actor, src io.Reader, name string, opts importer.HistoryOptions,
	dryRun bool) (HistoryReport, error) {
	progress := historyProgress{report: opts.Progress}
	opts.Progress = progress.reading
	read, err := importer.ReadHistoryFile(src, name, opts)
	rep := HistoryReport{Rows: read.Rows, Skipped: read.Skipped, Read: len(read.Changes), Mapping: read.Mapping, Warnings: read.Warnings,
		Errors: read.Errors, ErrorCount: read.ErrorCount, HeaderProblem: read.HeaderProblem}
	if err != nil {
		return rep, err
	}
	changes := read.Changes
	tx, err := st.BeginImport(ctx, actor)
	if err != nil {
		return rep, err
	}
	defer tx.Rollback()
	ids, err := resolveOpportunities(ctx, tx, changes)
	if err != nil {
		return rep, err
	}
	var deals []int64 // in the order the file first names them
	seen := map[int64]bool{}
	for _, c := range changes {
		id := ids[c.OpportunityID]
		if id == 0 {
			rep.ErrorCount++
			if len(rep.Errors) < importer.MaxReportedErrors {
				rep.Errors = append(rep.Errors, importer.RowError{Line: c.Line, Column: c.IDColumn, Value: c.OpportunityID,
					Reason: "no opportunity with this external id (import the opportunities first)"})
			}
		} else if !seen[id] {
			seen[id] = true
			deals = append(deals, id)
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
	// Until the lookup says how many changes are new, count them all: the bar can only jump forward.
	if dryRun {
		progress.storePhase(len(deals), 0)
	} else {
		progress.storePhase(len(deals), len(changes))
	}
	for start := 0; start < len(deals); start += historyLookupBatch {
		chunk := deals[start:min(start+historyLookupBatch, len(deals))]
		stored, err := tx.OpportunityHistoryOf(ctx, chunk)
		if err != nil {
			return rep, fmt.Errorf("%s: %w", name, err)
		}
		for _, s := range stored {
			held[key{s.OpportunityID, s.Field, s.Old, s.New, s.ChangedAt.UnixMicro()}] = true
		}
		progress.stored(start+len(chunk), 0)
	}
	var todo []tandem.OpportunityChange
	for _, c := range changes {
		id := ids[c.OpportunityID]
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
		progress.stored(len(deals), 0)
		return rep, nil
	}
	progress.storePhase(len(deals), len(todo))
	if len(todo) > 0 {
		n, err := tx.ImportOpportunityHistory(ctx, todo, func(n int) { progress.stored(len(deals), n) })
		if err != nil {
			return rep, fmt.Errorf("%s: %w", name, err)
		}
		rep.Stored = n
	}
	// Reported before the commit, as the other kinds report their last batch: on SQLite the job's
	// progress is kept in memory while the import transaction is open and written when it ends.
	progress.stored(len(deals), len(todo))
	if err := tx.Commit(); err != nil {
		return rep, fmt.Errorf("%s: %w", name, err)
	}
	return rep, nil
}

// historyLookupBatch is how many deals' stored changes RunHistory reads at a time (a progress report
// after each batch).
const historyLookupBatch = 1000

// historyProgress turns the two phases of a history import into one progress, in bytes of the file as
// the other kinds report it: the read's bytes fill the first half of the total, and the store phase —
// each deal whose stored changes are read, each new change stored, one unit of work alike — the second.
// Rows stays the rows read.
type historyProgress struct {
	report      func(importer.Progress)
	last        importer.Progress // the read's last report
	deals, news int               // the store phase's units: deals to look up, changes to store
}

func (h *historyProgress) reading(p importer.Progress) {
	h.last = p
	if h.report != nil {
		if p.TotalBytes > 0 {
			p.Bytes = min(p.Bytes, p.TotalBytes) / 2
		}
		h.report(p)
	}
}

// storePhase sets the store phase's work: deals to look up and changes to store.
func (h *historyProgress) storePhase(deals, news int) { h.deals, h.news = deals, news }

// stored reports the store phase done so far: deals looked up and changes stored.
func (h *historyProgress) stored(deals, news int) {
	if h.report == nil {
		return
	}
	p := h.last
	if total := p.TotalBytes; total > 0 {
		half, work := total/2, int64(h.deals+h.news)
		p.Bytes = total
		if work > 0 {
			p.Bytes = half + (total-half)*int64(deals+news)/work
		}
	}
	h.report(p)
}

// resolveOpportunities maps the CRM ids of changes to stored opportunity ids, through the import
// transaction's lookup (the one tandem import uses); ids not stored are absent.
func resolveOpportunities(ctx context.Context, tx *sqlstore.ImportTx, changes []importer.HistoryChange) (map[string]int64, error) {
	var extIDs []string
	seen := map[string]bool{}
	for _, c := range changes {
		if !seen[c.OpportunityID] {
			seen[c.OpportunityID] = true
			extIDs = append(extIDs, c.OpportunityID)
		}
	}
	ids, err := tx.ResolveIDs(ctx, "opportunities", extIDs)
	if err != nil {
		return nil, fmt.Errorf("resolve opportunities: %w", err)
	}
	return ids, nil
}
