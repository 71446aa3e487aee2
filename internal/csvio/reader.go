// Package csvio reads CSV files as CRMs and spreadsheets really write them, and writes CSV that is safe
// to open in a spreadsheet.
//
// Reading: a UTF-8 byte-order mark is dropped; CRLF, LF and a missing final newline are all accepted;
// the separator (comma, semicolon or tab) is sniffed from the header line; each record carries the
// 1-based line it starts on (the header is line 1), so a quoted field spanning lines does not shift the
// numbers of later records. Lines that hold only empty fields are skipped.
//
// Encoding is decided once per file by peeking at its first 64 KiB: if those bytes are valid UTF-8 the
// file is read as UTF-8, otherwise as Windows-1252 (what Excel on Windows saves as "CSV"). A UTF-8 file
// with an invalid byte after the first 64 KiB gets an error on that record rather than mojibake. UTF-16
// files are refused with a message saying how to save them.
//
// Writing: Writer and SafeCell defuse spreadsheet formula injection.
package csvio

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/transform"
)

// sniffSize is how much of a file is looked at to decide its encoding and separator.
const sniffSize = 64 << 10

// Encoding names reported by Reader.Encoding.
const (
	UTF8        = "utf-8"
	Windows1252 = "windows-1252"
)

// Error is a problem with one record: its line, the column at fault ("" when the whole row is at fault)
// and the reason.
type Error struct {
	Line   int
	Column string
	Reason string
}

func (e *Error) Error() string {
	if e.Column == "" {
		return fmt.Sprintf("line %d: %s", e.Line, e.Reason)
	}
	return fmt.Sprintf("line %d: column %q: %s", e.Line, e.Column, e.Reason)
}

// FileError is a problem with a CSV file a command or page reads: the file, the line (0 when the file
// as a whole is at fault), the column ("" when the whole row is) and the reason.
type FileError struct {
	File   string
	Line   int
	Column string
	Reason string
}

func (e *FileError) Error() string {
	where := e.File
	if e.Line > 0 {
		where = fmt.Sprintf("%s:%d", e.File, e.Line)
	}
	if e.Column != "" {
		return fmt.Sprintf("%s: column %q: %s", where, e.Column, e.Reason)
	}
	return where + ": " + e.Reason
}

// InFile places an error from Read in file: a problem with a record becomes a *FileError on its line
// and column; any other error is wrapped as a failure reading file.
func InFile(file string, err error) error {
	var ce *Error
	if errors.As(err, &ce) {
		return &FileError{File: file, Line: ce.Line, Column: ce.Column, Reason: ce.Reason}
	}
	return fmt.Errorf("reading %s: %w", file, err)
}

// ErrEmpty is returned by NewReader for a file with no header line.
var ErrEmpty = errors.New("the file is empty: no header line")

// Record is one data row. Fields is reused by the next call to Read; copy what you keep (the strings
// themselves are not reused).
type Record struct {
	Line   int
	Fields []string
}

// Reader streams the records of a CSV file after its header line.
type Reader struct {
	counter  *countingReader
	csv      *csv.Reader
	header   []string
	index    map[string]int
	comma    rune
	encoding string
}

// NewReader reads the header line of src and prepares to stream its records. It fails when src is
// empty, is UTF-16, or its header line cannot be parsed.
func NewReader(src io.Reader) (*Reader, error) {
	counter := &countingReader{r: src}
	buffered := bufio.NewReaderSize(counter, sniffSize+utf8.UTFMax)
	peek, err := buffered.Peek(sniffSize)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, fmt.Errorf("read: %w", err)
	}
	atEOF := len(peek) < sniffSize
	if bytes.HasPrefix(peek, []byte{0xFF, 0xFE}) || bytes.HasPrefix(peek, []byte{0xFE, 0xFF}) {
		return nil, errors.New("the file is UTF-16; save it as CSV UTF-8")
	}
	if bytes.HasPrefix(peek, []byte{0xEF, 0xBB, 0xBF}) {
		if _, err := buffered.Discard(3); err != nil {
			return nil, fmt.Errorf("read: %w", err)
		}
		peek = peek[3:]
	}
	r := &Reader{counter: counter, encoding: UTF8}
	var text io.Reader = buffered
	if !validUTF8Prefix(peek, atEOF) {
		r.encoding = Windows1252
		text = transform.NewReader(buffered, charmap.Windows1252.NewDecoder())
	}
	r.comma = sniffComma(peek)
	r.csv = csv.NewReader(text)
	r.csv.Comma = r.comma
	r.csv.ReuseRecord = true
	r.csv.FieldsPerRecord = -1
	r.csv.LazyQuotes = false

	header, err := r.csv.Read()
	if errors.Is(err, io.EOF) {
		return nil, ErrEmpty
	}
	if err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	r.header = make([]string, len(header))
	r.index = make(map[string]int, len(header))
	for i, h := range header {
		h = strings.TrimSpace(h)
		r.header[i] = h
		key := strings.ToLower(h)
		if _, dup := r.index[key]; !dup && h != "" {
			r.index[key] = i // the first of two equal names wins
		}
	}
	return r, nil
}

// validUTF8Prefix reports whether b is valid UTF-8, allowing a rune cut off at the end of a partial peek.
func validUTF8Prefix(b []byte, atEOF bool) bool {
	if !atEOF {
		for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
			if utf8.RuneStart(b[i]) {
				if !utf8.FullRune(b[i:]) {
					b = b[:i]
				}
				break
			}
		}
	}
	return utf8.Valid(b)
}

// sniffComma picks the separator that occurs most often outside quotes on the first line of b; a tie
// or no separator at all means a comma.
func sniffComma(b []byte) rune {
	counts := map[byte]int{}
	quoted := false
	for _, c := range b {
		if c == '"' {
			quoted = !quoted
			continue
		}
		if quoted {
			continue
		}
		if c == '\n' || c == '\r' {
			break
		}
		if c == ',' || c == ';' || c == '\t' {
			counts[c]++
		}
	}
	best := byte(',')
	for _, c := range []byte{';', '\t'} {
		if counts[c] > counts[best] {
			best = c
		}
	}
	return rune(best)
}

// Header returns the column names as written, trimmed.
func (r *Reader) Header() []string { return r.header }

// Index returns the position of the named column, matched case-insensitively after trimming, or -1.
func (r *Reader) Index(name string) int {
	if i, ok := r.index[strings.ToLower(strings.TrimSpace(name))]; ok {
		return i
	}
	return -1
}

// Comma returns the separator sniffed from the header line.
func (r *Reader) Comma() rune { return r.comma }

// Encoding returns UTF8 or Windows1252.
func (r *Reader) Encoding() string { return r.encoding }

// BytesRead returns how many bytes of the source have been consumed so far (read-ahead included).
func (r *Reader) BytesRead() int64 { return r.counter.n }

// Read returns the next record, or io.EOF after the last. A record with a problem comes back with an
// *Error; the record is returned too (as far as it could be read), so the caller can report it and go
// on reading. A row with fewer fields than the header is an error naming the first missing column; one
// with more is an error unless the extra fields are empty.
func (r *Reader) Read() (Record, error) {
	for {
		fields, err := r.csv.Read()
		if errors.Is(err, io.EOF) {
			return Record{}, io.EOF
		}
		if err != nil {
			var perr *csv.ParseError
			if errors.As(err, &perr) {
				return Record{Line: perr.StartLine, Fields: fields}, &Error{Line: perr.StartLine, Reason: csvReason(perr)}
			}
			return Record{}, fmt.Errorf("read: %w", err)
		}
		line, _ := r.csv.FieldPos(0)
		rec := Record{Line: line, Fields: fields}
		if allEmpty(fields) {
			continue
		}
		if len(fields) < len(r.header) {
			return rec, &Error{Line: line, Column: r.columnName(len(fields)),
				Reason: fmt.Sprintf("missing: the row has %d fields, the header %d", len(fields), len(r.header))}
		}
		if len(fields) > len(r.header) {
			if !allEmpty(fields[len(r.header):]) {
				return rec, &Error{Line: line,
					Reason: fmt.Sprintf("the row has %d fields, the header only %d", len(fields), len(r.header))}
			}
			rec.Fields = fields[:len(r.header)]
		}
		if r.encoding == UTF8 {
			for i, f := range rec.Fields {
				if !utf8.ValidString(f) {
					return rec, &Error{Line: line, Column: r.columnName(i),
						Reason: "is not valid UTF-8 (the file started as UTF-8; save all of it as CSV UTF-8)"}
				}
			}
		}
		return rec, nil
	}
}

func (r *Reader) columnName(i int) string {
	if i < len(r.header) && r.header[i] != "" {
		return r.header[i]
	}
	return fmt.Sprintf("column %d", i+1)
}

func csvReason(perr *csv.ParseError) string {
	switch {
	case errors.Is(perr.Err, csv.ErrBareQuote):
		return fmt.Sprintf("a quote (\") inside an unquoted field on line %d; quote the whole field and double the inner quotes", perr.Line)
	case errors.Is(perr.Err, csv.ErrQuote):
		return fmt.Sprintf("a quoted field is not closed properly (line %d)", perr.Line)
	}
	return perr.Err.Error()
}

func allEmpty(fields []string) bool {
	for _, f := range fields {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
