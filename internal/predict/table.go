package predict

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tandem-revops/tandem/internal/csvio"
)

// Record is one thing to score: raw values by column (feature) name. An absent or empty value is
// missing.
type Record map[string]string

// Example is a record whose outcome is known.
type Example struct {
	ID       string
	Line     int // where the example came from (a CSV line), 0 when it did not come from a file
	Fields   Record
	Positive bool
	// At is when a prediction for this record would have been made (a registration's submit time, a
	// snapshot date). Zero when unknown; then the held-out parts are drawn at random.
	At time.Time
	// KnownAt says, per feature, when its value became known. A feature known after At leaks the outcome
	// and training refuses it. Features absent here are taken as known at At.
	KnownAt map[string]time.Time
}

// Table is a CSV file read into memory: its header and rows, each with the line it starts on.
type Table struct {
	Name   string // the file name, for messages
	Header []string
	Rows   [][]string
	Lines  []int
}

// ReadCSV reads a whole CSV file (header line first). name is used in error messages. A row that cannot
// be parsed is an error naming the file, line and column.
func ReadCSV(name string, r io.Reader) (*Table, error) {
	cr, err := csvio.NewReader(r)
	if errors.Is(err, csvio.ErrEmpty) {
		return nil, fmt.Errorf("%s: the file is empty: it needs a header line", name)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	t := &Table{Name: name, Header: slices.Clone(cr.Header())}
	seen := map[string]bool{}
	for i, h := range t.Header {
		if h == "" {
			return nil, fmt.Errorf("%s: line 1: column %d has no name", name, i+1)
		}
		if seen[strings.ToLower(h)] {
			return nil, fmt.Errorf("%s: line 1: column %q appears twice", name, h)
		}
		seen[strings.ToLower(h)] = true
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		row := make([]string, len(t.Header))
		for i := range row {
			if i < len(rec.Fields) {
				row[i] = strings.TrimSpace(rec.Fields[i])
			}
		}
		t.Rows = append(t.Rows, row)
		t.Lines = append(t.Lines, rec.Line)
	}
	return t, nil
}

// Column returns the position of the named column (matched case-insensitively) or an error naming the
// file and the columns it has.
func (t *Table) Column(name, role string) (int, error) {
	for i, h := range t.Header {
		if strings.EqualFold(h, strings.TrimSpace(name)) {
			return i, nil
		}
	}
	return -1, fmt.Errorf("%s: line 1: no %s column %q (columns: %s)", t.Name, role, name, strings.Join(t.Header, ", "))
}

// LineError is a problem with one value of an input file.
type LineError struct {
	File   string
	Line   int
	Column string
	Reason string
}

func (e *LineError) Error() string {
	return fmt.Sprintf("%s: line %d: column %q: %s", e.File, e.Line, e.Column, e.Reason)
}

// ExampleSpec says how a table's columns become examples.
type ExampleSpec struct {
	Target   string // the outcome column
	Positive string // the outcome value counted as positive; every other value is negative
	ID       string // the identifier column (never a feature)
	Drop     []string
	Time     string            // optional: the column holding when the prediction is made
	AsOf     map[string]string // optional: feature column → column holding when its value became known
}

// timeLayouts are the forms a time column may take.
var timeLayouts = []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02"}

// ParseTime reads a time in one of the accepted layouts (RFC 3339, "2006-01-02 15:04:05", "2006-01-02").
func ParseTime(s string) (time.Time, error) {
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date (use 2006-01-02 or RFC 3339)", s)
}

// Examples turns the rows into labelled examples. Every column other than the target, id, time, as-of
// and dropped ones is a feature. An empty target, id or time is an error naming the line.
func (t *Table) Examples(spec ExampleSpec) ([]Example, error) {
	target, err := t.Column(spec.Target, "target")
	if err != nil {
		return nil, err
	}
	id, err := t.Column(spec.ID, "id")
	if err != nil {
		return nil, err
	}
	exclude := map[int]bool{target: true, id: true}
	for _, d := range spec.Drop {
		i, err := t.Column(d, "dropped")
		if err != nil {
			return nil, err
		}
		exclude[i] = true
	}
	timeCol := -1
	if spec.Time != "" {
		if timeCol, err = t.Column(spec.Time, "time"); err != nil {
			return nil, err
		}
		exclude[timeCol] = true
	}
	asOf := map[int]int{} // feature column → as-of column
	for _, f := range slices.Sorted(maps.Keys(spec.AsOf)) {
		fi, err := t.Column(f, "feature")
		if err != nil {
			return nil, err
		}
		ai, err := t.Column(spec.AsOf[f], "as-of")
		if err != nil {
			return nil, err
		}
		exclude[ai] = true
		if !exclude[fi] { // a dropped column is no feature, so when it became known does not matter
			asOf[fi] = ai
		}
	}
	if len(asOf) > 0 && timeCol < 0 {
		return nil, fmt.Errorf("%s: as-of columns need a time column saying when each prediction is made", t.Name)
	}
	var features []int
	for i := range t.Header {
		if !exclude[i] {
			features = append(features, i)
		}
	}
	if len(features) == 0 {
		return nil, fmt.Errorf("%s: no feature columns left besides the target and id", t.Name)
	}
	out := make([]Example, len(t.Rows))
	positives := 0
	for r, row := range t.Rows {
		line := t.Lines[r]
		lineErr := func(col int, reason string) error {
			return &LineError{File: t.Name, Line: line, Column: t.Header[col], Reason: reason}
		}
		if row[target] == "" {
			return nil, lineErr(target, "the outcome is empty")
		}
		if row[id] == "" {
			return nil, lineErr(id, "the id is empty")
		}
		ex := Example{ID: row[id], Line: line, Positive: row[target] == spec.Positive, Fields: make(Record, len(features))}
		if ex.Positive {
			positives++
		}
		for _, f := range features {
			ex.Fields[t.Header[f]] = row[f]
		}
		if timeCol >= 0 {
			if ex.At, err = ParseTime(row[timeCol]); err != nil {
				return nil, lineErr(timeCol, err.Error())
			}
		}
		for fi, ai := range asOf {
			if row[ai] == "" {
				continue
			}
			known, err := ParseTime(row[ai])
			if err != nil {
				return nil, lineErr(ai, err.Error())
			}
			if ex.KnownAt == nil {
				ex.KnownAt = map[string]time.Time{}
			}
			ex.KnownAt[t.Header[fi]] = known
		}
		out[r] = ex
	}
	if positives == 0 {
		seen := map[string]bool{}
		var values []string
		for _, row := range t.Rows {
			if v := row[target]; !seen[v] && len(values) < 5 {
				seen[v] = true
				values = append(values, strconv.Quote(v))
			}
		}
		return nil, fmt.Errorf("%s: column %q never holds the positive value %q (it holds %s)", t.Name, t.Header[target], spec.Positive, strings.Join(values, ", "))
	}
	if positives == len(out) {
		return nil, fmt.Errorf("%s: column %q holds the positive value %q on every row: nothing to learn", t.Name, t.Header[target], spec.Positive)
	}
	return out, nil
}

// Records returns every row as a record to score, keyed by the given feature names (matched to the
// header case-insensitively), with its id (from the id column) and line. A feature with no column is an
// error: an absent column would silently score every row as if the value were missing.
func (t *Table) Records(idColumn string, features []string) (ids []string, lines []int, recs []Record, err error) {
	id, err := t.Column(idColumn, "id")
	if err != nil {
		return nil, nil, nil, err
	}
	cols := make([]int, len(features))
	for i, f := range features {
		if cols[i], err = t.Column(f, "feature"); err != nil {
			return nil, nil, nil, fmt.Errorf("%w; the model uses it (a column may be present with empty values)", err)
		}
	}
	for r, row := range t.Rows {
		if row[id] == "" {
			return nil, nil, nil, &LineError{File: t.Name, Line: t.Lines[r], Column: t.Header[id], Reason: "the id is empty"}
		}
		rec := make(Record, len(features))
		for i, f := range features {
			rec[f] = row[cols[i]]
		}
		ids, lines, recs = append(ids, row[id]), append(lines, t.Lines[r]), append(recs, rec)
	}
	return ids, lines, recs, nil
}
