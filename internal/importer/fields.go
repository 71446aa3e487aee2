package importer

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/csvio"
)

// FieldReader reads a CSV export as the target fields of one kind, through the same built-in layouts,
// --map files, value translations and value parsers as Import, for commands that want the values
// rather than a store write (the offline forecast reads kind "history" with it).
type FieldReader struct {
	rd     *csvio.Reader
	layout *layout
	parser rowParser
	line   int
	row    int
}

// Field is a handle on one target field of a FieldReader, resolved once so reading a row does no
// lookups by name. The zero Field (a field the file has no source for) reads as blank.
type Field struct {
	src *source
}

// NewFieldReader reads src's header and compiles the layout of kind against it: the mapping m when
// given (nil: the layout detected from the header). It fails, with every problem listed, when a
// required field has no column, the mapping names a column the file lacks, or (strict) the file has
// columns nothing reads.
func NewFieldReader(kind string, m *Mapping, src io.Reader, strict bool) (*FieldReader, error) {
	if !slices.Contains(Kinds, kind) && !slices.Contains(ReadKinds, kind) {
		return nil, tandem.Errorf(tandem.EINVALID, "unknown kind %q", kind)
	}
	rd, err := csvio.NewReader(src)
	if err != nil {
		return nil, err
	}
	l, err := compileLayout(kind, "auto", m, rd, strict)
	if err != nil {
		return nil, err
	}
	return &FieldReader{rd: rd, layout: l, parser: rowParser{vocab: newVocabulary(), layout: l}}, nil
}

// Warnings returns the layout's warnings, such as columns nothing reads.
func (r *FieldReader) Warnings() []string { return r.layout.warnings }

// Field returns the handle of a target field.
func (r *FieldReader) Field(name string) Field { return Field{src: r.layout.sources[name]} }

// Present reports whether the file has a source (column, template or constant) for the field.
func (f Field) Present() bool { return f.src != nil }

// Column returns the source column errors about the field name, as written in the file.
func (f Field) Column() string {
	if f.src == nil {
		return ""
	}
	return f.src.label
}

// Next moves to the next record. It returns io.EOF after the last one, and a *RowError when the record
// itself cannot be read (bad quoting, a short row).
func (r *FieldReader) Next() error {
	rec, err := r.rd.Read()
	if errors.Is(err, io.EOF) {
		return io.EOF
	}
	r.row++
	r.line = rec.Line
	r.parser.reset(rec.Fields, rec.Line, r.row)
	if err != nil {
		var ce *csvio.Error
		if errors.As(err, &ce) {
			return &RowError{Line: ce.Line, Column: ce.Column, Reason: ce.Reason}
		}
		return fmt.Errorf("line %d: %w", rec.Line, err)
	}
	return nil
}

// Line returns the 1-based line the current record starts on (the header is line 1).
func (r *FieldReader) Line() int { return r.line }

// Text returns the field's trimmed value in the current record after defaults, templates and the
// mapping's value translations; "" when blank or absent.
func (r *FieldReader) Text(f Field) string { return r.parser.text(f.src) }

// Raw returns the cell as written, for error messages.
func (r *FieldReader) Raw(f Field) string { return r.parser.raw(f.src) }

// Date parses the field as a date (the mapping's date_layout, then the layouts Import accepts) at
// midnight UTC; blank gives the zero time. A bad value is a *RowError.
func (r *FieldReader) Date(f Field) (time.Time, error) {
	v := r.Text(f)
	if v == "" {
		return time.Time{}, nil
	}
	if len(r.layout.layouts) == 0 {
		if t, ok := isoDate(v); ok {
			return t, nil
		}
	}
	t, err := parseTime(v, r.layout.layouts)
	if err != nil {
		return time.Time{}, r.rowError(f, err.Error())
	}
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC), nil
}

// Money parses the field as an amount the way Import does; blank gives 0 and ok false. A bad value is
// a *RowError.
func (r *FieldReader) Money(f Field) (m tandem.Money, ok bool, err error) {
	v := r.Text(f)
	if v == "" {
		return 0, false, nil
	}
	m, _, err = parseMoney(v)
	if err != nil {
		return 0, false, r.rowError(f, err.Error())
	}
	return m, true, nil
}

// Errorf returns a *RowError about the field in the current record, naming its line, column and value.
func (r *FieldReader) Errorf(f Field, format string, args ...any) *RowError {
	return r.rowError(f, fmt.Sprintf(format, args...))
}

func (r *FieldReader) rowError(f Field, reason string) *RowError {
	col := f.Column()
	return &RowError{Line: r.line, Column: col, Value: r.Raw(f), Reason: reason}
}

// isoDate parses YYYY-MM-DD without time.Parse's generality: history files hold millions of them.
func isoDate(s string) (time.Time, bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return time.Time{}, false
	}
	num := func(b string) (int, bool) {
		n := 0
		for i := 0; i < len(b); i++ {
			c := b[i]
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	y, ok1 := num(s[0:4])
	mo, ok2 := num(s[5:7])
	d, ok3 := num(s[8:10])
	if !ok1 || !ok2 || !ok3 || mo < 1 || mo > 12 || d < 1 || d > daysIn(mo, y) {
		return time.Time{}, false
	}
	return time.Unix(daysFromCivil(y, mo, d)*86400, 0).UTC(), true
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil returns the days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's algorithm).
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era*146097 + doe - 719468)
}
