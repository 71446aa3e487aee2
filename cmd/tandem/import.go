package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/importer"
	"github.com/tandem-revops/tandem/internal/importjob"
	"github.com/tandem-revops/tandem/internal/programme"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

const importSynopsis = `--kind accounts|partners|users|opportunities|registrations|touches|opportunity_history FILE.csv [flags]

Imports a CRM export in one transaction. Without --skip-invalid a file with any bad row is refused and
nothing is written; every problem is listed as FILE:LINE: column "X": value "v": reason. With
--skip-invalid the good rows are written and the bad ones go to the reject file. Importing the same file
again changes nothing. Every opportunity is routed by the published rules-of-engagement policy (the
built-in policy when none is published). --map takes a YAML file or the name of a built-in mapping
(` + "`tandem import --list-maps`" + `).

--kind opportunity_history reads an opportunity's past: Salesforce OpportunityHistory or
OpportunityFieldHistory, or HubSpot deal property history (Deal ID, Property, Value, Timestamp), through
the built-in mappings of the same names (--format auto detects the shape from the header, or names one:
salesforce-opportunity-history, salesforce-field-history, hubspot-property-history); --map takes your own
mapping of kind opportunity_history for another CRM's layout. Deals are matched by their CRM id as
tandem import stored it; all or nothing (no --skip-invalid); changes already stored are skipped.`

// runImport imports one CSV file.
func runImport(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "import", importSynopsis)
	kind := fs.String("kind", "", "what the file holds: "+strings.Join(importer.Kinds, ", ")+", "+importer.HistoryKind)
	mapFile := fs.String("map", "", "column mapping: a YAML file or a built-in mapping name")
	format := fs.String("format", "auto", "column layout: auto, "+strings.Join(importer.Formats, ", "))
	skipInvalid := fs.Bool("skip-invalid", false, "write the good rows and put the bad ones in the reject file")
	rejectsPath := fs.String("rejects", "", "reject file (default FILE.rejects.csv; only with --skip-invalid)")
	strict := fs.Bool("strict", false, "refuse files with columns the mapping does not use")
	dbURL := fs.String("db", "", "database URL (default $TANDEM_DB, else tandem.db)")
	dryRun := fs.Bool("dry-run", false, "check and count everything, then roll back")
	listMaps := fs.Bool("list-maps", false, "list the built-in mappings and exit")

	files, err := parseInterspersed(fs, args) // flags may come before or after the file name
	if err != nil {
		return err
	}
	if *listMaps {
		for _, n := range importer.BuiltinMappings() {
			fmt.Fprintln(env.Stdout, n)
		}
		return nil
	}
	if len(files) != 1 {
		return fmt.Errorf("%w: give exactly one CSV file", errUsage)
	}
	if *kind == "" {
		return fmt.Errorf("%w: --kind is required (%s, %s)", errUsage, strings.Join(importer.Kinds, ", "), importer.HistoryKind)
	}
	if *kind == importer.HistoryKind {
		if *skipInvalid {
			return fmt.Errorf("%w: --skip-invalid: an opportunity history import is all or nothing", errUsage)
		}
		return runHistoryImport(ctx, env, files[0], historyImport{format: *format, mapFile: *mapFile, strict: *strict,
			dbURL: *dbURL, dryRun: *dryRun})
	}
	if !slices.Contains(importer.Kinds, *kind) {
		return fmt.Errorf("%w: --kind %q is not one of %s, %s", errUsage, *kind, strings.Join(importer.Kinds, ", "), importer.HistoryKind)
	}
	if *format != "auto" && !slices.Contains(importer.Formats, *format) {
		return fmt.Errorf("%w: --format %q is not one of auto, %s", errUsage, *format, strings.Join(importer.Formats, ", "))
	}
	path := files[0]

	mapping, err := loadMappingFlag(*mapFile)
	if err != nil {
		return err
	}
	url := databaseURL(env, *dbURL)
	logger := warnLogger(env)
	f, store, err := openImport(ctx, env, path, url, logger)
	if err != nil {
		return err
	}
	defer f.Close()
	defer store.Close()

	prog, err := programme.Published(ctx, store)
	if err != nil {
		return err
	}
	router := prog.Policy
	var rejects *lazyFile
	if *skipInvalid {
		if *rejectsPath == "" {
			*rejectsPath = strings.TrimSuffix(path, ".csv") + ".rejects.csv"
		}
		rejects = &lazyFile{path: *rejectsPath}
		defer rejects.Close()
	}
	opts := importer.Options{
		Kind: *kind, Format: *format, Mapping: mapping, SkipInvalid: *skipInvalid, Strict: *strict,
		Router: router, Conflicts: router.ConflictSettings(), Clock: time.Now, Logger: logger,
	}
	if rejects != nil {
		opts.Rejects = rejects
	}
	report, commit, runErr, txErr := importjob.Run(ctx, store, tandem.SystemActor, importer.New(opts), f, path,
		func(report importer.Report, err error) bool { return err == nil && !report.Refused && !*dryRun })
	if txErr != nil {
		return txErr
	}
	printImportReport(env.Stdout, env.Stderr, report, path, *skipInvalid)
	if commit {
		if err := holdReroutes(ctx, env, store, prog.Conflicts, report.Held, path); err != nil {
			return err
		}
	}
	if runErr != nil && len(report.Errors) == 0 {
		return runErr
	}
	if rejects != nil && rejects.f != nil {
		if err := rejects.Close(); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "rejected rows written to %s\n", rejects.path)
	}
	switch {
	case runErr != nil || report.Refused:
		fmt.Fprintf(env.Stderr, "%s: import refused, nothing was written; fix the rows above (or use --skip-invalid) and run again\n", path)
		return errSilentFailure
	case *dryRun:
		fmt.Fprintln(env.Stdout, "dry run: rolled back, nothing was written")
	}
	return nil
}

// historyImport is what the flags say about an opportunity history import.
type historyImport struct {
	format, mapFile, dbURL string
	strict, dryRun         bool
}

// runHistoryImport imports an opportunity history export.
func runHistoryImport(ctx context.Context, env *Env, path string, h historyImport) error {
	opts := importer.HistoryOptions{Format: h.format, Strict: h.strict}
	if opts.Format != "auto" && !slices.Contains(importer.HistoryFormats, opts.Format) {
		return fmt.Errorf("%w: --format %q is not one of auto, %s", errUsage, opts.Format, strings.Join(importer.HistoryFormats, ", "))
	}
	m, err := loadMappingFlag(h.mapFile)
	if err != nil {
		return err
	}
	opts.Mapping = m
	f, store, err := openImport(ctx, env, path, databaseURL(env, h.dbURL), warnLogger(env))
	if err != nil {
		return err
	}
	defer f.Close()
	defer store.Close()
	rep, err := importjob.RunHistory(ctx, store, tandem.SystemActor, f, path, opts, h.dryRun)
	for _, w := range rep.Warnings {
		fmt.Fprintf(env.Stderr, "%s: warning: %s\n", path, w)
	}
	if err != nil {
		if tandem.ErrorCode(err) != tandem.EINVALID {
			return err
		}
		fmt.Fprintf(env.Stderr, "%s\n%s: import refused, nothing was written\n", tandem.ErrorMessage(err), path)
		return errSilentFailure
	}
	stored := "stored"
	if h.dryRun {
		stored = "to store"
	}
	fmt.Fprintf(env.Stdout, "%s: %s (mapping %s): %d rows (%d of fields not recorded): %d changes read, %d %s, %d already stored\n",
		path, importer.HistoryKind, rep.Mapping, rep.Rows, rep.Skipped, rep.Read, rep.Stored, stored, rep.Unchanged)
	if h.dryRun {
		fmt.Fprintln(env.Stdout, "dry run: nothing was written")
	}
	return nil
}

// holdReroutes opens the protected_reroute conflict of each committed deal that kept its routing past
// the protected stage, and says so per deal.
func holdReroutes(ctx context.Context, env *Env, store *sqlstore.Store, rules tandem.ConflictRules, held []importer.HeldReroute, path string) error {
	return importjob.HoldReroutes(ctx, store, tandem.SystemActor, rules, held, func(h importer.HeldReroute, id int64, _ bool, err error) error {
		if err != nil {
			return fmt.Errorf("%s:%d: deal %s: open its re-route conflict: %w", path, h.Line, h.ExternalID, err)
		}
		what := "an escalation decided it"
		if id != 0 {
			what = fmt.Sprintf("conflict %d decides", id)
		}
		fmt.Fprintf(env.Stdout, "%s:%d: deal %s keeps %s past the protected stage (policy rule %s would make it %s); %s\n",
			path, h.Line, h.ExternalID, h.Motion, h.Proposed.Rule, h.Proposed.Motion, what)
		return nil
	})
}

// loadMappingFlag is loadMapping for a --map flag, which may be empty: no mapping (nil).
func loadMappingFlag(name string) (*importer.Mapping, error) {
	if name == "" {
		return nil, nil
	}
	return loadMapping(name)
}

// openImport opens the file an import reads and then the database it writes, creating a new SQLite
// file (openOrCreateStore). The caller closes both.
func openImport(ctx context.Context, env *Env, path, dbURL string, logger *slog.Logger) (*os.File, *sqlstore.Store, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	store, err := openOrCreateStore(ctx, env, dbURL, logger)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, store, nil
}

// loadMapping reads a mapping file, or a built-in mapping when no such file exists.
func loadMapping(name string) (*importer.Mapping, error) {
	src, err := os.ReadFile(name)
	if errors.Is(err, os.ErrNotExist) {
		m, berr := importer.BuiltinMapping(strings.TrimSuffix(name, ".yaml"))
		if berr == nil {
			return m, nil
		}
		return nil, fmt.Errorf("%w: --map %s: no such file or built-in mapping (built-in: %s)", errUsage, name,
			strings.Join(importer.BuiltinMappings(), ", "))
	}
	if err != nil {
		return nil, err
	}
	return importer.ParseMapping(name, src)
}

func printImportReport(stdout, stderr io.Writer, r importer.Report, path string, skipInvalid bool) {
	for _, w := range r.Warnings {
		fmt.Fprintf(stderr, "%s: warning: %s\n", path, w)
	}
	shown := r.Errors
	if skipInvalid && len(shown) > 20 {
		shown = shown[:20] // the reject file has them all
	}
	for _, e := range shown {
		if e.Line > 0 {
			fmt.Fprintf(stderr, "%s:%d: %s\n", path, e.Line, e.Detail())
		} else {
			fmt.Fprintf(stderr, "%s: %s\n", path, e.Detail())
		}
	}
	if more := r.ErrorCount - len(shown); more > 0 {
		fmt.Fprintf(stderr, "%s: … and %d more errors\n", path, more)
	}
	rate := 0.0
	if secs := r.Duration.Seconds(); secs > 0 {
		rate = float64(r.Rows) / secs
	}
	fmt.Fprintf(stdout, "%s: %s (%s, %s): %d rows: %d inserted, %d updated, %d unchanged, %d rejected (%.0f rows/s)\n",
		path, r.Kind, r.Format, r.Encoding, r.Rows, r.Counts.Inserted, r.Counts.Updated, r.Counts.Unchanged, r.Rejected, rate)
}

// lazyFile creates its file on the first write, so a clean import leaves no empty reject file.
type lazyFile struct {
	path string
	f    *os.File
}

func (l *lazyFile) Write(p []byte) (int, error) {
	if l.f == nil {
		f, err := os.Create(l.path)
		if err != nil {
			return 0, err
		}
		l.f = f
	}
	return l.f.Write(p)
}

func (l *lazyFile) Close() error {
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}
