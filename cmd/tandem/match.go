package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/tandem-revops/tandem/internal/csvio"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/tandem-revops/tandem/internal/match"
)

const matchSynopsis = `--accounts FILE.csv --queries FILE.csv

Resolves every company in the queries file to an account in the accounts file, or says it is new,
and prints one JSON object per query row, in input order:
{"id", "decision", "match", "score", "reason"}. decision is "match" (confident), "review" (a person
should confirm; "match" then holds the best guess) or "new"; score is 0..1.

Both files have the columns id and name (any case), and optionally domain and country; other columns
are ignored. A UTF-8 byte-order mark and CRLF line ends are accepted. A row that cannot be read prints
{"line": N, "error": "..."} instead (line 1 is the header; the error names the file) and the exit
status is 1; the other rows are still matched. Queries are streamed and matched on --workers
goroutines; the output keeps the input order.`

func runMatch(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "match", matchSynopsis)
	accountsPath := fs.String("accounts", "", "CSV of existing accounts: id,name[,domain,country] (required)")
	queriesPath := fs.String("queries", "", "CSV of companies to resolve: id,name[,domain,country] (required; - reads standard input)")
	workers := fs.Int("workers", 2, "goroutines matching queries")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *accountsPath == "" || *queriesPath == "" {
		return fmt.Errorf("%w: --accounts FILE.csv and --queries FILE.csv are required", errUsage)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}

	out := bufio.NewWriterSize(env.Stdout, 64<<10)
	defer out.Flush()
	report := &rowReporter{out: json.NewEncoder(out)}

	accounts, err := readAccounts(*accountsPath, report)
	if err != nil {
		return err
	}
	idx := match.NewIndex(accounts)

	in, name, err := openInput(env, *queriesPath)
	if err != nil {
		return fmt.Errorf("queries: %w", err)
	}
	defer in.Close()
	if err := matchQueries(ctx, idx, name, in, report, max(*workers, 1)); err != nil {
		return err
	}
	if err := out.Flush(); err != nil {
		return fmt.Errorf("writing results: %w", err)
	}
	if report.bad > 0 {
		fmt.Fprintf(env.Stderr, "tandem match: %d row(s) could not be read\n", report.bad)
		return errSilentFailure
	}
	return nil
}

// rowReporter writes result and error lines; it is used from one goroutine at a time.
type rowReporter struct {
	out *json.Encoder
	bad int
	err error // the first write error; later writes are skipped
}

type rowError struct {
	Line  int    `json:"line"`
	Error string `json:"error"`
}

type matchLine struct {
	ID       string  `json:"id"`
	Decision string  `json:"decision"`
	Match    string  `json:"match,omitempty"`
	Score    float64 `json:"score"`
	Reason   string  `json:"reason"`
}

func (r *rowReporter) write(v any) {
	if r.err == nil {
		r.err = r.out.Encode(v)
	}
}

func (r *rowReporter) rowError(file string, line int, msg string) {
	r.bad++
	r.write(rowError{Line: line, Error: file + ": " + msg})
}

// csvColumns locates id, name, domain and country in a header.
type csvColumns struct {
	id, name, domain, country int
}

func (c csvColumns) value(rec []string, i int) string {
	if i < 0 || i >= len(rec) {
		return ""
	}
	return strings.TrimSpace(rec[i])
}

// openMatchCSV reads the header of a CSV (BOM, CRLF, ';' and Windows-1252 as csvio accepts them) and
// maps its columns case-insensitively.
func openMatchCSV(name string, in io.Reader) (*csvio.Reader, csvColumns, error) {
	r, err := csvio.NewReader(in)
	if errors.Is(err, csvio.ErrEmpty) {
		return nil, csvColumns{}, fmt.Errorf("%s: empty file, want a header with id and name", name)
	}
	if err != nil {
		return nil, csvColumns{}, fmt.Errorf("%s: header: %w", name, err)
	}
	domain := r.Index("domain")
	if domain < 0 {
		domain = r.Index("website")
	}
	cols := csvColumns{id: r.Index("id"), name: r.Index("name"), domain: domain, country: r.Index("country")}
	if cols.id < 0 || cols.name < 0 {
		return nil, csvColumns{}, fmt.Errorf("%s: header %q lacks the column id or name", name, strings.Join(r.Header(), ","))
	}
	return r, cols, nil
}

// rowProblem turns a csvio row error into the message printed for the row.
func rowProblem(err error) (line int, msg string, ok bool) {
	var ce *csvio.Error
	if !errors.As(err, &ce) {
		return 0, "", false
	}
	if ce.Column != "" {
		return ce.Line, ce.Column + ": " + ce.Reason, true
	}
	return ce.Line, ce.Reason, true
}

// readRecord returns the next record and its line; a malformed record is reported and skipped.
func readRecord(r *csvio.Reader, name string, report *rowReporter) (rec []string, line int, err error) {
	for {
		got, err := r.Read()
		if err == nil {
			return got.Fields, got.Line, nil
		}
		line, msg, ok := rowProblem(err)
		if !ok {
			return nil, 0, err // io.EOF or a read error
		}
		report.rowError(name, line, msg)
	}
}

func readAccounts(path string, report *rowReporter) ([]match.Account, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("accounts: %w", err)
	}
	defer f.Close()
	r, cols, err := openMatchCSV(path, f)
	if err != nil {
		return nil, err
	}
	var accounts []match.Account
	seen := map[string]int{}
	for {
		rec, line, err := readRecord(r, path, report)
		if errors.Is(err, io.EOF) {
			return accounts, report.err
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		a := match.Account{ID: cols.value(rec, cols.id), Name: cols.value(rec, cols.name),
			Domain: cols.value(rec, cols.domain), Country: cols.value(rec, cols.country)}
		switch {
		case a.ID == "":
			report.rowError(path, line, "id is empty")
		case a.Name == "":
			report.rowError(path, line, "name is empty")
		case seen[a.ID] != 0:
			report.rowError(path, line, fmt.Sprintf("id %q repeats line %d", a.ID, seen[a.ID]))
		default:
			seen[a.ID] = line
			accounts = append(accounts, a)
		}
	}
}

// matchJob is one query row on its way through the workers; done carries its output line.
type matchJob struct {
	query match.Query
	done  chan any
}

// matchQueries streams the queries through the workers and writes the results in input order. The
// reader hands each job to the workers and, in the same order, to the writer, which waits for each
// job's result in turn; the bounded channels keep memory flat however long the file.
func matchQueries(ctx context.Context, idx *match.Index, name string, in io.Reader, report *rowReporter, workers int) error {
	r, cols, err := openMatchCSV(name, in)
	if err != nil {
		return err
	}
	jobs := make(chan matchJob, 4*workers)
	ordered := make(chan chan any, 64*workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for job := range jobs {
				res := idx.Match(job.query)
				job.done <- matchLine{ID: res.QueryID, Decision: string(res.Decision), Match: res.AccountID,
					Score: res.Score, Reason: res.Reason}
			}
		})
	}
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		for done := range ordered {
			switch v := (<-done).(type) {
			case rowError:
				report.rowError(name, v.Line, v.Error)
			default:
				report.write(v)
			}
		}
	}()

	readErr := func() error {
		defer func() {
			close(jobs)
			close(ordered)
		}()
		for {
			if err := ctx.Err(); err != nil {
				return err
			}
			got, err := r.Read()
			if errors.Is(err, io.EOF) {
				return nil
			}
			done := make(chan any, 1)
			if err != nil {
				line, msg, ok := rowProblem(err)
				if !ok {
					return fmt.Errorf("%s: %w", name, err)
				}
				done <- rowError{Line: line, Error: msg}
				ordered <- done
				continue
			}
			rec, line := got.Fields, got.Line
			q := match.Query{ID: cols.value(rec, cols.id), Name: cols.value(rec, cols.name),
				Domain: cols.value(rec, cols.domain), Country: cols.value(rec, cols.country)}
			switch {
			case q.ID == "":
				done <- rowError{Line: line, Error: "id is empty"}
			case q.Name == "" && q.Domain == "":
				done <- rowError{Line: line, Error: "name and domain are both empty"}
			default:
				ordered <- done
				jobs <- matchJob{query: q, done: done}
				continue
			}
			ordered <- done
		}
	}()
	wg.Wait()
	<-writerDone
	if readErr != nil {
		return readErr
	}
	return report.err
}
