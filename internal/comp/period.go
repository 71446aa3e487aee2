package comp

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	tandem "github.com/tandem-revops/tandem"
)

// ParsePeriod parses a calendar quarter written "2026-Q3" (case-insensitive) into its UTC bounds
// [Start, End). It returns an EINVALID error for anything else.
func ParsePeriod(s string) (Period, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	year, q, ok := strings.Cut(s, "-Q")
	y, err := strconv.Atoi(year)
	if !ok || err != nil || len(year) != 4 || len(q) != 1 || q[0] < '1' || q[0] > '4' {
		return Period{}, tandem.FieldError("period", "%q is not a quarter such as 2026-Q3", s)
	}
	start := time.Date(y, time.Month(3*int(q[0]-'1')+1), 1, 0, 0, 0, 0, time.UTC)
	return Period{ID: s, Start: start, End: start.AddDate(0, 3, 0)}, nil
}

// QuarterOf returns the calendar quarter (UTC) that t falls in.
func QuarterOf(t time.Time) Period {
	t = t.UTC()
	q := (int(t.Month())-1)/3 + 1
	start := time.Date(t.Year(), time.Month(3*(q-1)+1), 1, 0, 0, 0, 0, time.UTC)
	return Period{ID: fmt.Sprintf("%04d-Q%d", t.Year(), q), Start: start, End: start.AddDate(0, 3, 0)}
}

// Contains reports whether t falls in the period.
func (p Period) Contains(t time.Time) bool { return !t.Before(p.Start) && t.Before(p.End) }
