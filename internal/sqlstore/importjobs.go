package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	tandem "github.com/tandem-revops/tandem"
)

// Import jobs record each import for the progress display and the history.
//
// SQLite has one writer, and an import transaction holds it for the whole file, so a progress write
// during an import would wait for the import to finish. On SQLite, progress and the final result are
// therefore kept in memory while an import transaction is open (readers of the job see them at once)
// and written when the import transaction ends. PostgreSQL writes them straight away, so that every
// instance serving the UI sees them.

const importJobColumns = `id, kind, file_name, status, rows_read, bytes_read, bytes_total, inserted, updated,
	unchanged, rejected, error, created_by, started_at, finished_at, dry_run, mapping, problems, problem_count,
	EXISTS (SELECT 1 FROM import_job_rejects r WHERE r.job_id = import_jobs.id)`

// MaxImportProblems caps the row problems a job keeps (the importer reports no more than this either).
const MaxImportProblems = 1000

// ImportProblem is one problem with one row of an imported file: its line (1 is the header), the
// column as the file names it ("" for the whole row), the value and the reason.
type ImportProblem struct {
	Line   int    `json:"line"`
	Column string `json:"column,omitempty"`
	Value  string `json:"value,omitempty"`
	Reason string `json:"reason"`
}

// NewImportJob describes an import about to run.
type NewImportJob struct {
	Kind, FileName string
	BytesTotal     int64
	DryRun         bool
	Mapping        string
}

// ImportResult is how an import ended: the counts written (or, for a dry run, that would be), the rows
// rejected, the problems found (ProblemCount counts them all; Problems keeps MaxImportProblems), the
// CSV of rejected rows (nil for none) and Err, the failure, nil when the import succeeded. Mapping,
// when not "", replaces the job's mapping: the one the import found it used, such as the built-in
// mapping that fitted a detected history export.
type ImportResult struct {
	Mapping      string
	Counts       tandem.UpsertCounts
	Rejected     int64
	Problems     []ImportProblem
	ProblemCount int64
	Rejects      []byte
	Err          error
}

func scanImportJob(scan func(...any) error) (ImportJob, error) {
	var j ImportJob
	var problems string
	err := scan(&j.ID, &j.Kind, &j.FileName, &j.Status, &j.RowsRead, &j.BytesRead, &j.BytesTotal, &j.Counts.Inserted,
		&j.Counts.Updated, &j.Counts.Unchanged, &j.Rejected, &j.Error, idCol{&j.CreatedBy}, timeCol{&j.StartedAt},
		timeCol{&j.FinishedAt}, boolCol{&j.DryRun}, &j.Mapping, &problems, &j.ProblemCount, boolCol{&j.HasRejects})
	if err == nil && problems != "" {
		if err = json.Unmarshal([]byte(problems), &j.Problems); err != nil {
			err = fmt.Errorf("import job %d problems: %w", j.ID, err)
		}
	}
	return j, err
}

// sqliteImportOpen reports whether a SQLite import transaction holds the writer now.
func (s *Store) sqliteImportOpen() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dialect.oneWriter() && s.activeImports > 0
}

// CreateImportJob records a running import and returns its id. On SQLite, create the job before
// BeginImport: while another import runs it is ECONFLICT (SQLite runs one import at a time).
func (s *Store) CreateImportJob(ctx context.Context, actor tandem.Actor, nj NewImportJob) (int64, error) {
	if err := forbidPartner(actor, "import"); err != nil {
		return 0, err
	}
	if s.sqliteImportOpen() {
		return 0, tandem.Errorf(tandem.ECONFLICT, "another import is running; try again when it has finished")
	}
	var id int64
	err := s.inTx(ctx, func(tx *sql.Tx, now time.Time) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO import_jobs (kind, file_name, status, bytes_total, created_by, started_at,
			dry_run, mapping) VALUES ($1, $2, 'running', $3, $4, $5, $6, $7) RETURNING id`, nj.Kind, nj.FileName, nj.BytesTotal,
			dbID(actor.UserID), now.UnixMicro(), s.boolValue(nj.DryRun), nj.Mapping).Scan(&id)
		if err != nil {
			return fmt.Errorf("create import job: %w", err)
		}
		return nil
	})
	return id, err
}

// UpdateImportJobProgress records how far a running import has read.
func (s *Store) UpdateImportJobProgress(ctx context.Context, id, rowsRead, bytesRead int64) error {
	s.mu.Lock()
	if s.dialect.oneWriter() && s.activeImports > 0 {
		j := s.jobOverlay[id]
		if j == nil {
			j = &ImportJob{ID: id}
			s.jobOverlay[id] = j
		}
		j.RowsRead, j.BytesRead = rowsRead, bytesRead
		s.mu.Unlock()
		return nil
	}
	s.mu.Unlock()
	return s.inTx(ctx, func(tx *sql.Tx, now time.Time) error {
		_, err := tx.ExecContext(ctx, `UPDATE import_jobs SET rows_read = $1, bytes_read = $2 WHERE id = $3 AND status = 'running'`,
			rowsRead, bytesRead, id)
		if err != nil {
			return fmt.Errorf("import job %d progress: %w", id, err)
		}
		return nil
	})
}

// FinishImportJob records the end of an import: succeeded when res.Err is nil, failed with its
// user-safe message otherwise, with its counts, problems and rejected rows.
func (s *Store) FinishImportJob(ctx context.Context, id int64, res ImportResult) error {
	if len(res.Problems) > MaxImportProblems {
		res.Problems = res.Problems[:MaxImportProblems]
	}
	j := ImportJob{ID: id, Status: ImportSucceeded, Mapping: res.Mapping, Counts: res.Counts, Rejected: res.Rejected, FinishedAt: s.clock(),
		Problems: res.Problems, ProblemCount: max(res.ProblemCount, int64(len(res.Problems))), HasRejects: len(res.Rejects) > 0}
	if res.Err != nil {
		j.Status, j.Error = ImportFailed, tandem.ErrorMessage(res.Err)
	}
	pj := &pendingJob{job: j, rejects: res.Rejects}
	s.mu.Lock()
	if s.dialect.oneWriter() && s.activeImports > 0 {
		if o := s.jobOverlay[id]; o != nil {
			pj.job.RowsRead, pj.job.BytesRead = o.RowsRead, o.BytesRead
		}
		s.pendingJobs[id] = pj
		s.mu.Unlock()
		return nil
	}
	if o := s.jobOverlay[id]; o != nil {
		pj.job.RowsRead, pj.job.BytesRead = o.RowsRead, o.BytesRead
	}
	s.mu.Unlock()
	return s.writeFinishedJob(ctx, pj)
}

// pendingJob is a finished job's result waiting for a SQLite import transaction to end.
type pendingJob struct {
	job     ImportJob
	rejects []byte
}

func (s *Store) writeFinishedJob(ctx context.Context, pj *pendingJob) error {
	j := &pj.job
	problems := ""
	if len(j.Problems) > 0 {
		b, err := json.Marshal(j.Problems)
		if err != nil {
			return fmt.Errorf("finish import job %d: %w", j.ID, err)
		}
		problems = string(b)
	}
	err := s.inTx(ctx, func(tx *sql.Tx, now time.Time) error {
		_, err := tx.ExecContext(ctx, `UPDATE import_jobs SET status = $1, inserted = $2, updated = $3, unchanged = $4,
			rejected = $5, error = $6, finished_at = $7,
			rows_read = CASE WHEN $8 > 0 THEN $8 ELSE rows_read END,
			bytes_read = CASE WHEN $9 > 0 THEN $9 ELSE bytes_read END, problems = $10, problem_count = $11,
			mapping = CASE WHEN $12 <> '' THEN $12 ELSE mapping END WHERE id = $13`,
			string(j.Status), j.Counts.Inserted, j.Counts.Updated, j.Counts.Unchanged, j.Rejected, j.Error,
			j.FinishedAt.UnixMicro(), j.RowsRead, j.BytesRead, problems, j.ProblemCount, j.Mapping, j.ID)
		if err != nil {
			return fmt.Errorf("finish import job %d: %w", j.ID, err)
		}
		if len(pj.rejects) > 0 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO import_job_rejects (job_id, csv) VALUES ($1, $2)`, j.ID, string(pj.rejects)); err != nil {
				return fmt.Errorf("finish import job %d: rejected rows: %w", j.ID, err)
			}
		}
		return nil
	})
	if err == nil {
		s.mu.Lock()
		delete(s.jobOverlay, j.ID)
		s.mu.Unlock()
	}
	return err
}

// flushPendingJobs writes the job results that waited for a SQLite import transaction to end.
func (s *Store) flushPendingJobs(ctx context.Context) {
	s.mu.Lock()
	if s.activeImports > 0 {
		s.mu.Unlock()
		return
	}
	pending := s.pendingJobs
	s.pendingJobs = map[int64]*pendingJob{}
	progress := make(map[int64]ImportJob, len(s.jobOverlay))
	for id, j := range s.jobOverlay {
		if pending[id] == nil {
			progress[id] = *j
		}
	}
	s.mu.Unlock()
	for id, j := range pending {
		if err := s.writeFinishedJob(context.WithoutCancel(ctx), j); err != nil {
			s.logger.Error("import job result lost", "job", id, "err", err)
		}
	}
	for id, j := range progress {
		if err := s.UpdateImportJobProgress(context.WithoutCancel(ctx), id, j.RowsRead, j.BytesRead); err != nil {
			s.logger.Warn("import job progress not written", "job", id, "err", err)
		}
	}
}

// overlay applies progress and results held in memory to a job read from the database.
func (s *Store) overlay(j *ImportJob) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.pendingJobs[j.ID]; p != nil {
		j.Status, j.Counts, j.Rejected, j.Error, j.FinishedAt = p.job.Status, p.job.Counts, p.job.Rejected, p.job.Error, p.job.FinishedAt
		j.Problems, j.ProblemCount, j.HasRejects = p.job.Problems, p.job.ProblemCount, p.job.HasRejects
		if p.job.Mapping != "" {
			j.Mapping = p.job.Mapping
		}
	}
	if o := s.jobOverlay[j.ID]; o != nil {
		j.RowsRead, j.BytesRead = o.RowsRead, o.BytesRead
	}
}

// GetImportJob returns an import job; partner users see none.
func (s *Store) GetImportJob(ctx context.Context, actor tandem.Actor, id int64) (*ImportJob, error) {
	if actor.IsPartner() {
		return nil, tandem.NotFound("import job", id)
	}
	j, err := scanImportJob(s.read.QueryRowContext(ctx, `SELECT `+importJobColumns+` FROM import_jobs WHERE id = $1`, id).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, tandem.NotFound("import job", id)
	}
	if err != nil {
		return nil, fmt.Errorf("get import job %d: %w", id, err)
	}
	s.overlay(&j)
	return &j, nil
}

// ImportJobRejects returns the CSV of the rows import job id rejected; ENOTFOUND when there is none
// (or for partner users, who see no import jobs).
func (s *Store) ImportJobRejects(ctx context.Context, actor tandem.Actor, id int64) ([]byte, error) {
	if actor.IsPartner() {
		return nil, tandem.NotFound("rejected rows of import job", id)
	}
	s.mu.Lock()
	if p := s.pendingJobs[id]; p != nil && len(p.rejects) > 0 {
		defer s.mu.Unlock()
		return p.rejects, nil
	}
	s.mu.Unlock()
	var out string
	err := s.read.QueryRowContext(ctx, `SELECT csv FROM import_job_rejects WHERE job_id = $1`, id).Scan(&out)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, tandem.NotFound("rejected rows of import job", id)
	}
	if err != nil {
		return nil, fmt.Errorf("rejected rows of import job %d: %w", id, err)
	}
	return []byte(out), nil
}

// ListImportJobs returns import jobs, newest first; partner users see none.
func (s *Store) ListImportJobs(ctx context.Context, actor tandem.Actor, f ImportJobFilter) ([]ImportJob, int, error) {
	if actor.IsPartner() {
		return nil, 0, nil
	}
	var w where
	addEq(&w, "status", string(f.Status))
	return listRecords(ctx, s, "import jobs", importJobColumns, "import_jobs", w, " ORDER BY id DESC", f.Limit, f.Offset,
		func(scan func(...any) error) (ImportJob, error) {
			j, err := scanImportJob(scan)
			s.overlay(&j)
			return j, err
		})
}
