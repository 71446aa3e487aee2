package comp

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	tandem "github.com/tandem-revops/tandem"
)

// ParsePeriod parses a calendar quarter written "2026Q3" or "2026-Q3" (case-insensitive) into its UTC
// bounds [Start, End). The ID is always the stored form "2026-Q3"; Label gives the displayed "2026Q3".
// It returns an EINVALID error for anything else.
func ParsePeriod(s string) (Period, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	year, q, ok := strings.Cut(s, "Q")
	year = strings.TrimSuffix(year, "-")
	y, err := strconv.Atoi(year)
	if !ok || err != nil || len(year) != 4 || len(q) != 1 || q[0] < '1' || q[0] > '4' {
		return Period{}, tandem.FieldError("period", "%q is not a quarter such as 2026Q3", s)
	}
	start := time.Date(y, time.Month(3*int(q[0]-'1')+1), 1, 0, 0, 0, 0, time.UTC)
	return Period{ID: year + "-Q" + q, Start: start, End: start.AddDate(0, 3, 0)}, nil
}

// QuarterOf returns the calendar quarter (UTC) that t falls in.
func QuarterOf(t time.Time) Period {
	t = t.UTC()
	q := (int(t.Month())-1)/3 + 1
	start := time.Date(t.Year(), time.Month(3*(q-1)+1), 1, 0, 0, 0, 0, time.UTC)
	return Period{ID: fmt.Sprintf("%04d-Q%d", t.Year(), q), Start: start, End: start.AddDate(0, 3, 0)}
}

// Label is the quarter as Tandem writes it for people: "2026Q3", the form of every --quarter flag and
// report. (Stored keys keep "2026-Q3"; both are accepted as input.)
func (p Period) Label() string { return PeriodLabel(p.ID) }

// PeriodLabel turns a stored period key "2026-Q3" into its displayed form "2026Q3"; anything else is
// returned as it is.
func PeriodLabel(id string) string {
	if len(id) == 7 && id[4] == '-' && id[5] == 'Q' {
		return id[:4] + id[5:]
	}
	return id
}

// Contains reports whether t falls in the period.
func (p Period) Contains(t time.Time) bool { return !t.Before(p.Start) && t.Before(p.End) }
