package csvio

import (
	"errors"
	"io"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

type readResult struct {
	Line   int
	Fields []string
	Err    string
}

func readAll(t *testing.T, r *Reader) []readResult {
	t.Helper()
	var out []readResult
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out
		}
		res := readResult{Line: rec.Line, Fields: append([]string(nil), rec.Fields...)}
		if err != nil {
			var rowErr *Error
			if !errors.As(err, &rowErr) {
				t.Fatalf("Read: unexpected error type %T: %v", err, err)
			}
			res.Err = err.Error()
		}
		out = append(out, res)
	}
}

func TestReader(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		input    string
		header   []string
		comma    rune
		encoding string
		want     []readResult
	}{
		{
			name:     "bom crlf no final newline",
			input:    "\uFEFFid,name\r\n1,Acme\r\n2,Globex",
			header:   []string{"id", "name"},
			comma:    ',',
			encoding: UTF8,
			want:     []readResult{{Line: 2, Fields: []string{"1", "Acme"}}, {Line: 3, Fields: []string{"2", "Globex"}}},
		},
		{
			name:     "semicolon separator",
			input:    "id;amount;name\n1;1.200,00;Acme, Inc.\n",
			header:   []string{"id", "amount", "name"},
			comma:    ';',
			encoding: UTF8,
			want:     []readResult{{Line: 2, Fields: []string{"1", "1.200,00", "Acme, Inc."}}},
		},
		{
			name:     "tab separator",
			input:    "id\tname\n1\tAcme\n",
			header:   []string{"id", "name"},
			comma:    '\t',
			encoding: UTF8,
			want:     []readResult{{Line: 2, Fields: []string{"1", "Acme"}}},
		},
		{
			name:     "quoted commas in header do not count",
			input:    "\"a;b\",\"c;d\",e\n1,2,3\n",
			header:   []string{"a;b", "c;d", "e"},
			comma:    ',',
			encoding: UTF8,
			want:     []readResult{{Line: 2, Fields: []string{"1", "2", "3"}}},
		},
		{
			name:     "windows-1252",
			input:    "id,name\n1,M\xfcller GmbH \x80\n",
			header:   []string{"id", "name"},
			comma:    ',',
			encoding: Windows1252,
			want:     []readResult{{Line: 2, Fields: []string{"1", "Müller GmbH €"}}},
		},
		{
			name:     "multi-line quoted field keeps later line numbers right",
			input:    "id,note\n1,\"two\nlines\"\n2,x\n",
			header:   []string{"id", "note"},
			comma:    ',',
			encoding: UTF8,
			want:     []readResult{{Line: 2, Fields: []string{"1", "two\nlines"}}, {Line: 4, Fields: []string{"2", "x"}}},
		},
		{
			name:     "truncated row names the missing column",
			input:    "id,name,amount\n1,Acme\n2,Globex,5\n",
			header:   []string{"id", "name", "amount"},
			comma:    ',',
			encoding: UTF8,
			want: []readResult{
				{Line: 2, Fields: []string{"1", "Acme"}, Err: `line 2: column "amount": missing: the row has 2 fields, the header 3`},
				{Line: 3, Fields: []string{"2", "Globex", "5"}},
			},
		},
		{
			name:     "extra empty fields are dropped, extra values are an error",
			input:    "id,name\n1,Acme,,\n2,Globex,oops\n",
			header:   []string{"id", "name"},
			comma:    ',',
			encoding: UTF8,
			want: []readResult{
				{Line: 2, Fields: []string{"1", "Acme"}},
				{Line: 3, Fields: []string{"2", "Globex", "oops"}, Err: "line 3: the row has 3 fields, the header only 2"},
			},
		},
		{
			name:     "blank rows are skipped",
			input:    "id,name\n,\n1,Acme\n , \n",
			header:   []string{"id", "name"},
			comma:    ',',
			encoding: UTF8,
			want:     []readResult{{Line: 3, Fields: []string{"1", "Acme"}}},
		},
		{
			name:     "bare quote is a row error and reading goes on",
			input:    "id,name\n1,Ac\"me\n2,Globex\n",
			header:   []string{"id", "name"},
			comma:    ',',
			encoding: UTF8,
			want: []readResult{
				{Line: 2, Err: "line 2: a quote (\") inside an unquoted field on line 2; quote the whole field and double the inner quotes"},
				{Line: 3, Fields: []string{"2", "Globex"}},
			},
		},
		{
			name:     "header is trimmed",
			input:    " Id , Name \n1,Acme\n",
			header:   []string{"Id", "Name"},
			comma:    ',',
			encoding: UTF8,
			want:     []readResult{{Line: 2, Fields: []string{"1", "Acme"}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := NewReader(strings.NewReader(tt.input))
			if err != nil {
				t.Fatalf("NewReader: %v", err)
			}
			if diff := cmp.Diff(tt.header, r.Header()); diff != "" {
				t.Errorf("header (-want +got):\n%s", diff)
			}
			if r.Comma() != tt.comma {
				t.Errorf("comma = %q, want %q", r.Comma(), tt.comma)
			}
			if r.Encoding() != tt.encoding {
				t.Errorf("encoding = %q, want %q", r.Encoding(), tt.encoding)
			}
			got := readAll(t, r)
			// A parse error's partial fields are whatever encoding/csv had; only line and message matter.
			for i := range got {
				if got[i].Err != "" && i < len(tt.want) && tt.want[i].Fields == nil {
					got[i].Fields = nil
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("records (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReaderIndexIsCaseInsensitive(t *testing.T) {
	t.Parallel()
	r, err := NewReader(strings.NewReader("Opportunity ID, Amount \n1,2\n"))
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]int{"opportunity id": 0, "AMOUNT": 1, " amount ": 1, "stage": -1} {
		if got := r.Index(name); got != want {
			t.Errorf("Index(%q) = %d, want %d", name, got, want)
		}
	}
}

func TestReaderRefusesBadFiles(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, input, want string
	}{
		{"empty", "", "the file is empty: no header line"},
		{"bom only", "\uFEFF", "the file is empty: no header line"},
		{"utf-16", "\xff\xfei\x00d\x00", "the file is UTF-16; save it as CSV UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := NewReader(strings.NewReader(tt.input))
			if err == nil || err.Error() != tt.want {
				t.Fatalf("NewReader error = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestReaderInvalidUTF8AfterPeek(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("id,name\n")
	for b.Len() < sniffSize+10 {
		b.WriteString("1,Acme\n")
	}
	b.WriteString("2,M\xfcller\n")
	r, err := NewReader(strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if r.Encoding() != UTF8 {
		t.Fatalf("encoding = %s, want utf-8", r.Encoding())
	}
	results := readAll(t, r)
	last := results[len(results)-1]
	if !strings.Contains(last.Err, `column "name": is not valid UTF-8`) {
		t.Fatalf("last record error = %q, want an invalid UTF-8 error", last.Err)
	}
}

func TestValidUTF8PrefixToleratesCutRune(t *testing.T) {
	t.Parallel()
	euro := "€" // three bytes
	if !validUTF8Prefix([]byte("ab"+euro[:2]), false) {
		t.Error("a rune cut by the peek should not make the prefix invalid")
	}
	if validUTF8Prefix([]byte("ab"+euro[:2]), true) {
		t.Error("a cut rune at the real end of the file is invalid")
	}
	if validUTF8Prefix([]byte("M\xfcller"), false) {
		t.Error("Windows-1252 ü must not pass as UTF-8")
	}
}

func FuzzReader(f *testing.F) {
	for _, seed := range []string{
		"id,name\n1,Acme\n",
		"\uFEFFid;name\r\n1;\"Ac;me\"\r\n2;x",
		"a\tb\n\"multi\nline\",2\n",
		"id,name\n1,M\xfcller\n",
		"id,name,amount\n1\n2,\"bad\"quote,3\n",
		"\"unterminated\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := NewReader(strings.NewReader(string(data)))
		if err != nil {
			return
		}
		prevLine := 1
		for range 10000 {
			rec, err := r.Read()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				var rowErr *Error
				if !errors.As(err, &rowErr) {
					t.Fatalf("non-row error %T: %v", err, err)
				}
				continue
			}
			if rec.Line <= prevLine {
				t.Fatalf("line %d does not come after line %d", rec.Line, prevLine)
			}
			prevLine = rec.Line
			if len(rec.Fields) != len(r.Header()) {
				t.Fatalf("line %d: %d fields, header has %d", rec.Line, len(rec.Fields), len(r.Header()))
			}
			for _, f := range rec.Fields {
				if !utf8.ValidString(f) {
					t.Fatalf("line %d: field %q is not valid UTF-8", rec.Line, f)
				}
			}
		}
	})
}

func TestFileErrorText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		err  FileError
		want string
	}{
		{"the whole file", FileError{File: "h.csv", Reason: "no data rows after the header"}, "h.csv: no data rows after the header"},
		{"a row", FileError{File: "h.csv", Line: 3, Reason: "duplicate month"}, "h.csv:3: duplicate month"},
		{"a cell", FileError{File: "lms.csv", Line: 2, Column: "earned", Reason: "empty"}, `lms.csv:2: column "earned": empty`},
	} {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("%s: Error() = %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestInFile: a record's problem is placed in the file on its line and column; another failure is
// wrapped, still reachable with errors.Is.
func TestInFile(t *testing.T) {
	t.Parallel()
	var fe *FileError
	err := InFile("lms.csv", &Error{Line: 4, Column: "earned", Reason: "empty"})
	if !errors.As(err, &fe) || *fe != (FileError{File: "lms.csv", Line: 4, Column: "earned", Reason: "empty"}) {
		t.Errorf("InFile(record error) = %#v, want a FileError at lms.csv:4 column earned", err)
	}
	err = InFile("lms.csv", io.ErrUnexpectedEOF)
	if errors.As(err, &fe) || !errors.Is(err, io.ErrUnexpectedEOF) || err.Error() != "reading lms.csv: unexpected EOF" {
		t.Errorf("InFile(read failure) = %v, want it wrapped as reading lms.csv", err)
	}
}
