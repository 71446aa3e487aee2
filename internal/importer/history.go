package importer

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/csvio"
)

// A CRM's opportunity history is the import kind HistoryKind. It goes through the same mapping files,
// layouts and value parsers as the record kinds, into changes of the fields the store records
// (tandem.HistoryField), with the opportunity still named by its CRM id. A file holds one of two shapes,
// decided by which target fields its mapping gives a source:
//   - a row per change: field names the changed field (a CRM's own name such as StageName, dealstage,
//     Amount, CloseDate, or Tandem's: stage, acv, close_date, forecast_category; other fields are
//     skipped), new_value its value and old_value, when the export has it, the value before. Salesforce
//     OpportunityFieldHistory and HubSpot deal property history have this shape.
//   - a row per snapshot of the deal: stage, acv, close_date and forecast_category as columns; a change
//     is a field that differs from the deal's previous snapshot, so the first snapshot records each
//     field as set from "". Salesforce OpportunityHistory has this shape.
//
// Without an old_value the value before is the deal's previous value of that field in time order (equal
// times in file order), so an export listed newest first, as HubSpot's propertiesWithHistory is, reads
// the same as one listed oldest first. Owner changes are skipped: the store records owners by Tandem
// user id, and a CRM's owner ids would first need resolving to users.
//
// The shipped mappings (mappings/*.yaml) of the three shapes are named as HistoryFormats; without a
// mapping the first of them whose columns the header has is used.

// HistoryKind is the import kind of a CRM's opportunity history: changes of opportunities already
// imported, stored in their history (importjob.RunHistory) rather than upserted as records.
const HistoryKind = "opportunity_history"

// HistoryFormats are the built-in history mappings, in the order detection tries them.
var HistoryFormats = []string{"salesforce-opportunity-history", "salesforce-field-history", "hubspot-property-history"}

// snapshotFields are the recorded fields a snapshot row holds as columns, in the order its changes are
// listed.
var snapshotFields = []string{"stage", "acv", "close_date", "forecast_category"}

// historyFieldNames maps the normalised names a CRM gives the recorded fields to them.
var historyFieldNames = map[string]tandem.HistoryField{
	"stage": tandem.HistoryStage, "stagename": tandem.HistoryStage, "dealstage": tandem.HistoryStage,
	"acv": tandem.HistoryACV, "amount": tandem.HistoryACV,
	"closedate":        tandem.HistoryCloseDate,
	"forecastcategory": tandem.HistoryForecastCategory, "forecastcategoryname": tandem.HistoryForecastCategory,
	"hsforecastcategory": tandem.HistoryForecastCategory, "hsmanualforecastcategory": tandem.HistoryForecastCategory,
}

// HistoryChange is one change of a CRM's history export, at a line of the file.
type HistoryChange struct {
	Line          int
	OpportunityID string // the CRM id, as tandem import stores it in external_id
	IDColumn      string // the column the CRM id was read from, for errors about it
	Field         tandem.HistoryField
	Old, New      string
	ChangedAt     time.Time
}

// HistoryOptions say how to read a history export.
type HistoryOptions struct {
	// Format is one of HistoryFormats, or "" or "auto" to detect the shape from the header; a Mapping
	// overrides it.
	Format string
	// Mapping is a parsed mapping of kind opportunity_history (or of no kind), or nil.
	Mapping *Mapping
	// Strict makes columns nothing reads an error rather than a warning.
	Strict bool
	// Progress is told how far the read is every thousand rows and at the end.
	Progress func(Progress)
}

// HistoryRead is what reading a history export gave: the changes, or every problem found.
type HistoryRead struct {
	Changes    []HistoryChange
	Rows       int    // data rows read
	Skipped    int    // rows changing a field the history does not record
	Mapping    string // the name of the mapping the file was read with
	Encoding   string
	Warnings   []string
	Errors     []RowError // the first MaxReportedErrors problems
	ErrorCount int
	// HeaderProblem says the header or the mapping did not fit the file, so no row was checked.
	HeaderProblem bool
}

func (r *HistoryRead) addError(e RowError) {
	r.ErrorCount++
	if len(r.Errors) < MaxReportedErrors {
		r.Errors = append(r.Errors, e)
	}
}

// problems returns an EINVALID error naming the file and listing the problems found, nil when none.
func (r *HistoryRead) problems(name string) error { return ProblemsError(name, r.Errors, r.ErrorCount) }

// ProblemsError returns nil when count is 0, else an EINVALID error listing errs (the first count
// problems found), one a line, each after the file name, then how many more there were.
func ProblemsError(name string, errs []RowError, count int) error {
	if count == 0 {
		return nil
	}
	lines := make([]string, 0, len(errs)+1)
	for _, e := range errs {
		lines = append(lines, name+": "+e.Error())
	}
	if more := count - len(errs); more > 0 {
		lines = append(lines, fmt.Sprintf("%s: … and %d more", name, more))
	}
	return tandem.Errorf(tandem.EINVALID, "%s", strings.Join(lines, "\n"))
}

// ReadHistory reads a history export with the built-in mapping format ("" detects it from the header).
// Values are kept as the store records them: amounts in minor units, close dates in unix microseconds,
// the rest as written. Any bad row fails the whole file with an error naming file, line, column and
// reason.
func ReadHistory(src io.Reader, name, format string) ([]HistoryChange, error) {
	r, err := ReadHistoryFile(src, name, HistoryOptions{Format: format})
	return r.Changes, err
}

// ReadHistoryFile reads a history export (name is the file name errors give) as opts say. The error is
// nil only when the whole file is good; an EINVALID error names the file and lists the problems, which
// are also in the result (a problem with the header on line 1), so the caller can show them one by one.
func ReadHistoryFile(src io.Reader, name string, opts HistoryOptions) (HistoryRead, error) {
	var read HistoryRead
	headerProblem := func(msg string) (HistoryRead, error) {
		read.HeaderProblem = true
		read.addError(RowError{Line: 1, Reason: msg})
		return read, tandem.Errorf(tandem.EINVALID, "%s: line 1: %s", name, msg)
	}
	rd, err := csvio.NewReader(src)
	if err != nil {
		return headerProblem(err.Error())
	}
	read.Encoding = rd.Encoding()
	m, err := historyMapping(opts, rd)
	if err != nil {
		return headerProblem(tandem.ErrorMessage(err))
	}
	read.Mapping = m.Name
	l, err := compileLayout(HistoryKind, "auto", m, rd, opts.Strict)
	if l != nil {
		read.Warnings = l.warnings
	}
	if err == nil {
		err = checkHistoryShape(l)
	}
	if err != nil {
		return headerProblem(tandem.ErrorMessage(err))
	}
	hr := historyReader{p: rowParser{vocab: newVocabulary(), layout: l}, layout: l, valueMaps: historyValueMaps(m, l)}
	total := sizeOf(src)
	report := func() {
		if opts.Progress != nil {
			opts.Progress(Progress{Rows: read.Rows, Bytes: rd.BytesRead(), TotalBytes: total})
		}
	}
	for {
		rec, err := rd.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var recErr *csvio.Error
		if err != nil && !errors.As(err, &recErr) {
			return read, fmt.Errorf("%s: line %d: %w", name, rec.Line, err)
		}
		read.Rows++
		hr.p.reset(rec.Fields, rec.Line, read.Rows)
		if recErr != nil {
			hr.p.errs = append(hr.p.errs, RowError{Line: recErr.Line, Column: recErr.Column, Reason: recErr.Reason})
		} else if !hr.row() {
			read.Skipped++
		}
		for _, e := range hr.p.errs {
			read.addError(e)
		}
		if read.Rows%DefaultBatchSize == 0 {
			report()
		}
	}
	report()
	if err := read.problems(name); err != nil {
		return read, err
	}
	read.Changes = hr.changes()
	return read, nil
}

// historyMapping returns the mapping to read with: the one given, the built-in one named by the format,
// or the first built-in history mapping whose columns the header has.
func historyMapping(opts HistoryOptions, rd *csvio.Reader) (*Mapping, error) {
	if opts.Mapping != nil {
		return opts.Mapping, nil
	}
	if f := opts.Format; f != "" && f != "auto" {
		if !slices.Contains(HistoryFormats, f) {
			return nil, tandem.Errorf(tandem.EINVALID, "unknown history format %q (expected auto or one of %s)", f, strings.Join(HistoryFormats, ", "))
		}
		return BuiltinMapping(f)
	}
	for _, f := range HistoryFormats {
		m, err := BuiltinMapping(f)
		if err != nil {
			return nil, err
		}
		if m.fits(rd) {
			return m, nil
		}
	}
	return nil, tandem.Errorf(tandem.EINVALID, "unknown history format: the header fits none of the built-in history mappings (%s); name a mapping (--map, or the mapping on the import page)",
		strings.Join(HistoryFormats, ", "))
}

// fits reports whether the file has every column the mapping names (or one of its alternatives).
func (m *Mapping) fits(rd *csvio.Reader) bool {
	for _, col := range m.Columns {
		if col.Column == "" {
			continue
		}
		found := rd.Index(col.Column) >= 0
		for _, alt := range col.Alternatives {
			found = found || rd.Index(alt) >= 0
		}
		if !found {
			return false
		}
	}
	return true
}

// checkHistoryShape makes sure the layout gives one of the two shapes, whole.
func checkHistoryShape(l *layout) error {
	s := l.sources
	var snapshot []string
	for _, f := range snapshotFields {
		if s[f] != nil {
			snapshot = append(snapshot, f)
		}
	}
	switch {
	case s["field"] != nil && len(snapshot) > 0:
		return tandem.Errorf(tandem.EINVALID, "the mapping gives both field (a row per change) and %s (a row per snapshot); a file has one shape",
			strings.Join(snapshot, ", "))
	case s["field"] != nil && s["new_value"] == nil:
		return tandem.Errorf(tandem.EINVALID, "no column for new_value (the value of the field a row changes; name one in a column mapping: --map, or the mapping on the import page)")
	case s["field"] == nil && (s["new_value"] != nil || s["old_value"] != nil):
		return tandem.Errorf(tandem.EINVALID, "old_value and new_value need field, the column naming the field a row changes")
	}
	return nil
}

// historyValueMaps returns, for a file with a row per change, the mapping's values sections of the
// recorded fields, which translate new_value and old_value by the field the row changes. A snapshot
// file needs none: its columns are the fields, which the layout translates itself.
func historyValueMaps(m *Mapping, l *layout) map[tandem.HistoryField]map[string]string {
	if l.sources["field"] == nil || m == nil {
		return nil
	}
	out := map[tandem.HistoryField]map[string]string{}
	for _, f := range snapshotFields {
		if vals := m.Values[f]; vals != nil {
			norm := make(map[string]string, len(vals))
			for from, to := range vals {
				norm[normKey(from)] = to
			}
			out[tandem.HistoryField(f)] = norm
		}
	}
	return out
}

// historyObservation is one value of a field of a deal read from a row; old is set when the export
// gives it, else derived from the deal's previous value.
type historyObservation struct {
	line     int
	deal     string
	field    tandem.HistoryField
	old, new string
	hasOld   bool
	at       time.Time
}

// historyReader turns the rows of one file into observations, and those into changes.
type historyReader struct {
	p         rowParser
	layout    *layout
	valueMaps map[tandem.HistoryField]map[string]string
	obs       []historyObservation
}

// row reads the parser's current record. It returns false when the row changes a field the history
// does not record; problems go to the parser's errors, and a bad row adds no observation.
func (hr *historyReader) row() bool {
	p, s := &hr.p, hr.layout.sources
	start := len(hr.obs)
	defer func() {
		if len(p.errs) > 0 {
			hr.obs = hr.obs[:start]
		}
	}()
	deal := p.text(s["opportunity"])
	if deal == "" {
		p.fail(s["opportunity"], "", "is required")
	}
	at := hr.time(s["changed_at"])
	if field := s["field"]; field != nil {
		f, ok := historyFieldNames[normKey(p.text(field))]
		if !ok {
			return len(p.errs) > 0 // a row of another field, skipped unless it is bad anyway
		}
		o := historyObservation{line: p.line, deal: deal, field: f, at: at}
		o.new = hr.value(s["new_value"], f)
		if old := s["old_value"]; old != nil {
			o.old, o.hasOld = hr.value(old, f), true
		}
		hr.obs = append(hr.obs, o)
		return true
	}
	for _, name := range snapshotFields {
		if src := s[name]; src != nil {
			f := tandem.HistoryField(name)
			hr.obs = append(hr.obs, historyObservation{line: p.line, deal: deal, field: f, new: hr.value(src, f), at: at})
		}
	}
	return true
}

// time reads when a change happened: Salesforce's "2024-03-01T10:00:00.000+0000", ISO timestamps,
// dates, HubSpot's epoch milliseconds, after the mapping's date_layout.
func (hr *historyReader) time(src *source) time.Time {
	v := hr.p.text(src)
	if v == "" {
		hr.p.fail(src, "", "is required")
		return time.Time{}
	}
	t, err := parseHistoryTime(v, hr.layout.layouts)
	if err != nil {
		hr.p.fail(src, hr.p.raw(src), "%v", err)
	}
	return t
}

// value turns a CRM's value of recorded field f into the store's text: amounts in minor units, close
// dates in unix microseconds, stages and forecast categories through the CRM spellings tandem import
// knows (after the mapping's values).
func (hr *historyReader) value(src *source, f tandem.HistoryField) string {
	p := &hr.p
	s := p.text(src)
	if mapped, ok := lookup(p.vocab, hr.valueMaps[f], s); ok && s != "" {
		s = mapped
	}
	if s == "" {
		return ""
	}
	switch f {
	case tandem.HistoryACV:
		m, _, err := parseMoney(s)
		if err != nil {
			p.fail(src, p.raw(src), "%v", err)
			return ""
		}
		return strconv.FormatInt(int64(m), 10)
	case tandem.HistoryStage:
		st, ok := lookup(p.vocab, p.vocab.stages, s)
		if !ok {
			p.fail(src, p.raw(src), "%q is not a known stage (%s; or map it under values: stage)", s, oneOf(tandem.Stages))
		}
		return string(st)
	case tandem.HistoryForecastCategory:
		fc, ok := lookup(p.vocab, p.vocab.forecasts, s)
		if !ok {
			p.fail(src, p.raw(src), "%q is not a known forecast category (%s; or map it under values: forecast_category)", s,
				oneOf(tandem.ForecastCategories))
		}
		return string(fc)
	case tandem.HistoryCloseDate:
		t, err := parseHistoryTime(s, hr.layout.layouts)
		if err != nil {
			p.fail(src, p.raw(src), "%v", err)
			return ""
		}
		return strconv.FormatInt(time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC).UnixMicro(), 10)
	}
	return s
}

// changes derives the old value of the observations that lack one from the deal's previous value of the
// field in time order, drops those that change nothing, and returns the rest in file order.
func (hr *historyReader) changes() []HistoryChange {
	type key struct {
		deal  string
		field tandem.HistoryField
	}
	groups := map[key][]int{}
	for i := range hr.obs {
		if !hr.obs[i].hasOld {
			k := key{hr.obs[i].deal, hr.obs[i].field}
			groups[k] = append(groups[k], i)
		}
	}
	drop := make([]bool, len(hr.obs))
	for _, idx := range groups {
		slices.SortStableFunc(idx, func(a, b int) int { return hr.obs[a].at.Compare(hr.obs[b].at) })
		prev := ""
		for _, i := range idx {
			o := &hr.obs[i]
			o.old = prev
			drop[i] = o.old == o.new
			prev = o.new
		}
	}
	idCol := labelOf(hr.layout.sources["opportunity"], "opportunity")
	out := make([]HistoryChange, 0, len(hr.obs))
	for i, o := range hr.obs {
		if !drop[i] {
			out = append(out, HistoryChange{Line: o.line, OpportunityID: o.deal, IDColumn: idCol, Field: o.field, Old: o.old, New: o.new,
				ChangedAt: o.at})
		}
	}
	return out
}

// parseHistoryTime reads epoch milliseconds (HubSpot), then layouts, Salesforce's API timestamps and the
// date layouts tandem import accepts.
func parseHistoryTime(s string, layouts []string) (time.Time, error) {
	if len(s) >= 12 && strings.Trim(s, "0123456789") == "" { // checked first: a failed ParseInt allocates its error
		if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
			return time.UnixMilli(ms).UTC(), nil
		}
	}
	if len(layouts) == 0 {
		if t, ok := isoDate(s); ok { // the common close date, without time.Parse's failed attempts
			return t, nil
		}
	}
	return parseTime(s, append(slices.Clip(layouts), "2006-01-02T15:04:05.000-0700", "2006-01-02T15:04:05-0700"))
}
