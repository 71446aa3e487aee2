// Package importer loads CRM exports (CSV) into Tandem: accounts, partners, users, opportunities,
// registrations and partner touches, and reads a CRM's opportunity history (HistoryKind,
// ReadHistoryFile) for internal/importjob to store. It owns the column mappings (Tandem's own columns, built-in
// Salesforce and HubSpot layouts, and --map files), the parsing of values as CRMs write them, row
// validation, reference resolution, routing of every imported opportunity through the rules of
// engagement, and the all-or-nothing semantics of an import. The columns of each kind are documented in
// mappings/README.md.
//
// An import streams: rows are read, checked, resolved (one store lookup per referenced kind per batch),
// routed and upserted in batches of about a thousand, so memory stays flat as files grow (apart from
// 8 bytes per row to catch duplicate ids). Run never commits: the caller commits the transaction when
// the Report is not Refused and rolls it back otherwise, so a refused import writes nothing and can be
// run again once the file is fixed. Upserts are keyed by external id, which makes importing the same
// file twice a no-op.
package importer

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"io/fs"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/csvio"
	"github.com/tandem-revops/tandem/internal/policy"
)

// Tx is one import transaction in the store.
type Tx interface {
	// ResolveIDs maps external ids of one kind ("accounts", "partners", "users", "opportunities",
	// "registrations", "touches") to internal ids; ids not in the store are absent from the map.
	ResolveIDs(ctx context.Context, kind string, externalIDs []string) (map[string]int64, error)
	// ResolveUserEmails maps emails (lower-cased) to user ids; ResolveAccountNames maps exact account names to ids.
	ResolveUserEmails(ctx context.Context, emails []string) (map[string]int64, error)
	ResolveAccountNames(ctx context.Context, names []string) (map[string]int64, error)
	PartnerTiers(ctx context.Context) (map[int64]tandem.Tier, error)
	// RoutingStates returns, for existing opportunities by external id, their current motion,
	// registration status and partner tier.
	RoutingStates(ctx context.Context, opportunityExternalIDs []string) (map[string]tandem.RoutingState, error)
	UpsertAccounts(ctx context.Context, rows []tandem.Account) (tandem.UpsertCounts, error)
	UpsertPartners(ctx context.Context, rows []tandem.Partner) (tandem.UpsertCounts, error)
	UpsertUsers(ctx context.Context, rows []tandem.User) (tandem.UpsertCounts, error)
	UpsertOpportunities(ctx context.Context, rows []tandem.Opportunity) (tandem.UpsertCounts, error)
	UpsertRegistrations(ctx context.Context, rows []tandem.Registration) (tandem.UpsertCounts, error)
	UpsertTouches(ctx context.Context, rows []tandem.Touch) (tandem.UpsertCounts, error)
	// LinkAccountParents sets parent_id of child accounts by external ids (parents may appear later in a file).
	LinkAccountParents(ctx context.Context, childToParent map[string]string) error
	Commit() error
	Rollback() error
}

// Router decides the motion of a deal; the policy engine implements it.
type Router interface {
	Route(policy.Deal) (policy.Decision, error)
}

// Progress is reported after each batch.
type Progress struct {
	Rows       int   `json:"rows"`        // data rows read so far
	Bytes      int64 `json:"bytes"`       // bytes of the file read so far
	TotalBytes int64 `json:"total_bytes"` // size of the file, 0 when unknown
}

// DefaultBatchSize is how many rows are checked, resolved and written together.
const DefaultBatchSize = 1000

// MaxReportedErrors caps Report.Errors; Report.ErrorCount counts them all.
const MaxReportedErrors = 1000

// Options configure an Importer. Kind is required; Router is required for opportunities.
type Options struct {
	Kind        string    // one of Kinds
	Format      string    // "auto" (or ""), "tandem", "salesforce", "hubspot"
	Mapping     *Mapping  // a parsed --map file, or nil
	SkipInvalid bool      // write the good rows and reject the bad ones instead of refusing the file
	Strict      bool      // columns the mapping does not use are an error, not a warning
	Rejects     io.Writer // where rejected rows go (with SkipInvalid); nil discards them
	Router      Router    // routes every imported opportunity
	// Conflicts are the programme's conflict rules: a stored deal at or past their protected stage keeps
	// its routing when the policy would change its motion (see Report.Held). The zero value protects
	// nothing.
	Conflicts tandem.ConflictSettings
	Clock     func() time.Time
	Logger    *slog.Logger
	Progress  func(Progress)
	BatchSize int
}

// RowError is one problem with one row: its line (1 is the header), the source column as written in the
// file ("" when the whole row is at fault), the value and the reason.
type RowError struct {
	Line   int    `json:"line"`
	Column string `json:"column,omitempty"`
	Value  string `json:"value,omitempty"`
	Reason string `json:"reason"`
}

// Error formats the problem as `line 12: column "Amount": value "12x": not a number`.
func (e RowError) Error() string {
	var b strings.Builder
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	e.appendDetail(&b)
	return b.String()
}

// Detail formats the problem without its line: `column "Amount": value "12x": not a number`.
func (e RowError) Detail() string {
	var b strings.Builder
	e.appendDetail(&b)
	return b.String()
}

func (e RowError) appendDetail(b *strings.Builder) {
	if e.Column != "" {
		fmt.Fprintf(b, "column %q: ", e.Column)
	}
	if e.Value != "" {
		fmt.Fprintf(b, "value %q: ", e.Value)
	}
	b.WriteString(e.Reason)
}

// Report is what an import did or, when refused, why.
type Report struct {
	File       string              `json:"file"`
	Kind       string              `json:"kind"`
	Format     string              `json:"format"`
	Encoding   string              `json:"encoding"`
	Rows       int                 `json:"rows"` // data rows read
	Counts     tandem.UpsertCounts `json:"counts"`
	Rejected   int                 `json:"rejected"` // rows with at least one error
	Warnings   []string            `json:"warnings,omitempty"`
	Errors     []RowError          `json:"errors,omitempty"` // the first MaxReportedErrors
	ErrorCount int                 `json:"error_count"`
	// Refused is set when the import must not be committed: some row was bad and SkipInvalid was off.
	Refused  bool          `json:"refused"`
	Duration time.Duration `json:"duration"`
	// Held lists the stored deals at or past the protected stage whose motion the policy would have
	// changed: they kept their routing, and only an escalation decision changes it.
	Held []HeldReroute `json:"held,omitempty"`
}

// HeldReroute is an imported deal that kept its routing: the row, the deal, its motion and the routing
// the policy proposed.
type HeldReroute struct {
	Line          int            `json:"line"`
	ExternalID    string         `json:"external_id"`
	OpportunityID int64          `json:"opportunity_id"`
	Motion        tandem.Motion  `json:"motion" doc:"the motion it keeps"`
	Proposed      tandem.Routing `json:"proposed"`
}

// Importer imports one file into one transaction. Make a new one per file.
type Importer struct {
	opts   Options
	vocab  *vocabulary
	seed   maphash.Seed
	now    time.Time
	report Report
	seen   map[uint64]int // hash of external id → line first seen
	// rejects is created on the first rejected row.
	rejects *csvio.Writer
	header  []string
	tiers   map[int64]tandem.Tier
	// parents holds, for accounts with a parent, the link to make once every row is in.
	parents map[string]parentLink
	emails  map[uint64]int
	layout  *layout
}

type parentLink struct {
	line   int
	parent string
	fields []string
}

// New returns an Importer for one file.
func New(opts Options) *Importer {
	if opts.BatchSize <= 0 {
		opts.BatchSize = DefaultBatchSize
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Importer{opts: opts, vocab: newVocabulary(), seed: maphash.MakeSeed(), seen: map[uint64]int{}}
}

// Run reads the CSV in src (name is used in messages) and imports it through tx. It returns the report
// and, for problems with the file as a whole (unreadable, a required column missing, a mapping that does
// not fit), an EINVALID *tandem.Error; store failures come back wrapped. Run never commits or rolls back.
func (imp *Importer) Run(ctx context.Context, tx Tx, src io.Reader, name string) (Report, error) {
	start := time.Now()
	imp.now = imp.opts.Clock().UTC()
	imp.report = Report{File: name, Kind: imp.opts.Kind}
	if !slices.Contains(Kinds, imp.opts.Kind) {
		return imp.report, tandem.Errorf(tandem.EINVALID, "unknown kind %q (expected one of %s)", imp.opts.Kind, strings.Join(Kinds, ", "))
	}
	if f := imp.opts.Format; f != "" && f != "auto" && !slices.Contains(Formats, f) {
		return imp.report, tandem.Errorf(tandem.EINVALID, "unknown format %q (expected auto, %s)", f, strings.Join(Formats, ", "))
	}
	if imp.opts.Kind == "opportunities" && imp.opts.Router == nil {
		return imp.report, errors.New("import opportunities: no router")
	}
	rd, err := csvio.NewReader(src)
	if err != nil {
		return imp.report, tandem.Errorf(tandem.EINVALID, "%s: %v", name, err)
	}
	imp.report.Encoding = rd.Encoding()
	imp.header = rd.Header()
	lay, err := compileLayout(imp.opts.Kind, imp.opts.Format, imp.opts.Mapping, rd, imp.opts.Strict)
	if lay != nil {
		imp.report.Format = lay.format
		imp.report.Warnings = append(imp.report.Warnings, lay.warnings...)
	}
	if err != nil {
		imp.report.Refused = true
		imp.addError(RowError{Line: 1, Reason: tandem.ErrorMessage(err)})
		return imp.report, fmt.Errorf("%s: %w", name, err)
	}
	imp.layout = lay
	total := sizeOf(src)
	parser := &rowParser{vocab: imp.vocab, layout: lay}

	switch imp.opts.Kind {
	case "accounts":
		err = runKind(ctx, imp, tx, rd, parser, total, accountsSpec(imp, lay))
		if err == nil {
			err = imp.linkParents(ctx, tx)
		}
	case "partners":
		err = runKind(ctx, imp, tx, rd, parser, total, partnersSpec(imp, lay))
	case "users":
		err = runKind(ctx, imp, tx, rd, parser, total, usersSpec(imp, lay))
	case "opportunities":
		err = runKind(ctx, imp, tx, rd, parser, total, opportunitiesSpec(imp, lay))
	case "registrations":
		err = runKind(ctx, imp, tx, rd, parser, total, registrationsSpec(imp, lay))
	case "touches":
		err = runKind(ctx, imp, tx, rd, parser, total, touchesSpec(imp, lay))
	}
	if err == nil && imp.rejects != nil {
		err = imp.rejects.Flush()
	}
	imp.report.Refused = imp.report.ErrorCount > 0 && !imp.opts.SkipInvalid
	imp.report.Duration = time.Since(start)
	if err != nil {
		return imp.report, err
	}
	imp.opts.Logger.Info("import finished", "file", name, "kind", imp.opts.Kind, "format", imp.report.Format,
		"rows", imp.report.Rows, "inserted", imp.report.Counts.Inserted, "updated", imp.report.Counts.Updated,
		"unchanged", imp.report.Counts.Unchanged, "rejected", imp.report.Rejected, "refused", imp.report.Refused)
	return imp.report, nil
}

func sizeOf(src io.Reader) int64 {
	switch s := src.(type) {
	case interface{ Size() int64 }:
		return s.Size()
	case interface{ Stat() (fs.FileInfo, error) }:
		if fi, err := s.Stat(); err == nil && fi.Mode().IsRegular() {
			return fi.Size()
		}
	}
	return 0
}

func (imp *Importer) addError(e RowError) {
	imp.report.ErrorCount++
	if len(imp.report.Errors) < MaxReportedErrors {
		imp.report.Errors = append(imp.report.Errors, e)
	}
}

// reject records a bad row: its errors go to the report and, with SkipInvalid, the row to the reject file.
func (imp *Importer) reject(line int, fields []string, errs []RowError) error {
	imp.report.Rejected++
	for _, e := range errs {
		imp.addError(e)
	}
	if !imp.opts.SkipInvalid || imp.opts.Rejects == nil {
		return nil
	}
	if imp.rejects == nil {
		imp.rejects = csvio.NewWriter(imp.opts.Rejects)
		if err := imp.rejects.Write(append(slices.Clone(imp.header), "line", "error")); err != nil {
			return fmt.Errorf("rejects: %w", err)
		}
	}
	rec := make([]string, len(imp.header), len(imp.header)+2)
	copy(rec, fields)
	reasons := make([]string, len(errs))
	for i, e := range errs {
		reasons[i] = e.Detail()
	}
	rec = append(rec, strconv.Itoa(line), strings.Join(reasons, "; "))
	if err := imp.rejects.Write(rec); err != nil {
		return fmt.Errorf("rejects: %w", err)
	}
	return nil
}

// firstSeen records an external id and returns the line it was first seen on when it is a duplicate.
func firstSeen(set map[uint64]int, seed maphash.Seed, id string, line int) (int, bool) {
	h := maphash.String(seed, id)
	if first, ok := set[h]; ok {
		return first, true
	}
	set[h] = line
	return 0, false
}
