package certification

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/tandem-revops/tandem/internal/csvio"
)

// InputError is a problem with an LMS export: file, line (0 for the whole file), column and reason.
type InputError = csvio.FileError

// ReadLMS reads certifications exported from a learning management system: the columns person,
// curriculum and earned (YYYY-MM-DD) are required; partner (empty for the vendor's own people) and
// expires (YYYY-MM-DD, empty for never) are optional; other columns are ignored. Curricula must be among
// known (by id). Every error is an *InputError; nothing is returned unless the whole file is good.
func ReadLMS(file string, r io.Reader, known []Curriculum) ([]Certification, error) {
	cr, err := csvio.NewReader(r)
	if errors.Is(err, csvio.ErrEmpty) {
		return nil, &InputError{File: file, Reason: "the file is empty: it needs a header line person,curriculum,earned"}
	}
	if err != nil {
		return nil, &InputError{File: file, Line: 1, Reason: err.Error()}
	}
	var missing []string
	for _, c := range []string{"person", "curriculum", "earned"} {
		if cr.Index(c) < 0 {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return nil, &InputError{File: file, Line: 1, Reason: fmt.Sprintf("the header has no %s column (needed: person, curriculum, earned; optional: partner, expires)", strings.Join(missing, ", "))}
	}
	ids := map[string]bool{}
	for _, c := range known {
		ids[c.ID] = true
	}
	var out []Certification
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvio.InFile(file, err)
		}
		get := func(col string) string {
			if i := cr.Index(col); i >= 0 && i < len(rec.Fields) {
				return strings.TrimSpace(rec.Fields[i])
			}
			return ""
		}
		bad := func(col, format string, args ...any) error {
			return &InputError{File: file, Line: rec.Line, Column: col, Reason: fmt.Sprintf(format, args...)}
		}
		c := Certification{Person: get("person"), Partner: get("partner"), Curriculum: get("curriculum")}
		if c.Person == "" {
			return nil, bad("person", "empty")
		}
		if !ids[c.Curriculum] {
			return nil, bad("curriculum", "%q is not a known curriculum", c.Curriculum)
		}
		if c.Earned, err = time.Parse(time.DateOnly, get("earned")); err != nil {
			return nil, bad("earned", "%q is not a date written YYYY-MM-DD", get("earned"))
		}
		if s := get("expires"); s != "" {
			if c.Expires, err = time.Parse(time.DateOnly, s); err != nil {
				return nil, bad("expires", "%q is not a date written YYYY-MM-DD", s)
			}
			if !c.Expires.After(c.Earned) {
				return nil, bad("expires", "%s is not after the earned date %s", s, get("earned"))
			}
		}
		out = append(out, c)
	}
	return out, nil
}
