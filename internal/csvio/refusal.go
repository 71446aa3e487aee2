package csvio

import (
	"errors"
	"fmt"
	"io"
	"strings"

	tandem "github.com/tandem-revops/tandem"
)

// Refusal gathers the problems of a file that is imported whole or not at all (the payout and spend
// files): any problem refuses the file, and the refusal names each one, after the file's name.
type Refusal struct {
	File     string
	Problems []string // each "FILE: problem"
	// Max, when above 0, stops Next once that many problems are found.
	Max int
}

// OpenWhole reads the header of file (src) and the index of each required column. The refusal it
// returns gathers the file's problems; when src is no CSV file or lacks a required column the reader
// is nil and the refusal's Err names each problem ("FILE: line 1: column "C" is missing (the file
// needs …)").
func OpenWhole(file string, src io.Reader, required []string) (*Reader, map[string]int, *Refusal) {
	f := &Refusal{File: file}
	r, err := NewReader(src)
	if err != nil {
		f.Add(err.Error())
		return nil, nil, f
	}
	col := map[string]int{}
	for _, name := range required {
		if col[name] = r.Index(name); col[name] < 0 {
			f.Add(fmt.Sprintf("line 1: column %q is missing (the file needs %s)", name, strings.Join(required, ", ")))
		}
	}
	if len(f.Problems) > 0 {
		return nil, nil, f
	}
	return r, col, f
}

// Next returns the next record of r. A record Read refuses is recorded as a problem and skipped. more
// is false at the end of the file, once Max problems are found, or with the error of a failed read.
func (f *Refusal) Next(r *Reader) (rec Record, more bool, err error) {
	for f.Max <= 0 || len(f.Problems) < f.Max {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var ce *Error
		if errors.As(err, &ce) {
			f.Add(ce.Error())
			continue
		}
		if err != nil {
			return Record{}, false, err
		}
		return rec, true, nil
	}
	return Record{}, false, nil
}

// Add records a problem with the file.
func (f *Refusal) Add(problem string) { f.Problems = append(f.Problems, f.File+": "+problem) }

// Err returns nil when no problem was recorded, and otherwise the EINVALID error (field "file") that
// refuses the file: "FILE was not imported (nothing was written):" and the problems, one a line.
func (f *Refusal) Err() error {
	if len(f.Problems) == 0 {
		return nil
	}
	return &tandem.Error{Code: tandem.EINVALID, Field: "file",
		Message: fmt.Sprintf("%s was not imported (nothing was written):\n%s", f.File, strings.Join(f.Problems, "\n"))}
}

// Refuse returns the error that refuses file for the one problem given.
func (f *Refusal) Refuse(problem string) error {
	only := &Refusal{File: f.File}
	only.Add(problem)
	return only.Err()
}
