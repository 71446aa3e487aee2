package portfolio

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/csvio"
)

// Month is a calendar month counted from year 0 (year·12 + month−1), so consecutive months differ by 1.
type Month int

// ParseMonth parses "YYYY-MM".
func ParseMonth(s string) (Month, error) {
	s = strings.TrimSpace(s)
	if len(s) != 7 || s[4] != '-' {
		return 0, fmt.Errorf("%q is not a month written YYYY-MM", s)
	}
	year, month := 0, 0
	for i, c := range s {
		switch {
		case i == 4:
		case c < '0' || c > '9':
			return 0, fmt.Errorf("%q is not a month written YYYY-MM", s)
		case i < 4:
			year = year*10 + int(c-'0')
		default:
			month = month*10 + int(c-'0')
		}
	}
	if month < 1 || month > 12 {
		return 0, fmt.Errorf("%q: month %d is not between 01 and 12", s, month)
	}
	return Month(year*12 + month - 1), nil
}

// String formats m as "YYYY-MM".
func (m Month) String() string { return fmt.Sprintf("%04d-%02d", int(m)/12, int(m)%12+1) }

// Start returns the first instant of the month, UTC.
func (m Month) Start() time.Time {
	return time.Date(int(m)/12, time.Month(int(m)%12+1), 1, 0, 0, 0, 0, time.UTC)
}

// Observation is one motion's spend and gross margin in one month.
type Observation struct {
	Month       Month
	Motion      string
	Spend       tandem.Money
	GrossMargin tandem.Money
	// Line is where the observation was read (0 when it did not come from a file); errors cite it.
	Line int
}

// History is a validated monthly history: at most one observation per motion and month, spend never
// negative, ordered by motion then month whatever order it was given in.
type History struct {
	obs []Observation
}

// InputError is a problem with a history: the file, the line (0 when the file as a whole is at fault),
// the column ("" when the whole row is) and the reason.
type InputError = csvio.FileError

// NormalizeMotion turns "Co-Sell" or " partner sourced " into co_sell, partner_sourced, so the history
// and the minimums name motions the same way.
func NormalizeMotion(s string) string {
	return strings.Join(strings.FieldsFunc(strings.ToLower(strings.TrimSpace(s)), func(r rune) bool {
		return r == ' ' || r == '-' || r == '_'
	}), "_")
}

// NewHistory validates observations (from a store or a test) and orders them. It fails on an empty
// motion, negative spend or two observations for the same motion and month; file is the name errors use.
func NewHistory(file string, obs []Observation) (History, error) {
	out := make([]Observation, len(obs))
	for i, o := range obs {
		o.Motion = NormalizeMotion(o.Motion)
		if o.Motion == "" {
			return History{}, &InputError{File: file, Line: o.Line, Column: "motion", Reason: "empty"}
		}
		if o.Spend < 0 {
			return History{}, &InputError{File: file, Line: o.Line, Column: "spend", Reason: fmt.Sprintf("%s is negative", o.Spend)}
		}
		out[i] = o
	}
	slices.SortStableFunc(out, func(a, b Observation) int {
		return cmp.Or(strings.Compare(a.Motion, b.Motion), cmp.Compare(a.Month, b.Month))
	})
	for i := 1; i < len(out); i++ {
		if a, b := out[i-1], out[i]; a.Motion == b.Motion && a.Month == b.Month {
			first, second := a, b
			if first.Line > second.Line {
				first, second = second, first
			}
			return History{}, &InputError{File: file, Line: second.Line, Column: "month",
				Reason: fmt.Sprintf("motion %s already has a row for %s (line %d)", b.Motion, b.Month, first.Line)}
		}
	}
	return History{obs: out}, nil
}

// ReadHistory reads a CSV history with the columns month (YYYY-MM), motion, spend and gross_margin (plain
// numbers such as 12500 or -340.25, at most two decimals); other columns are ignored. Every error is an
// *InputError naming file, line, column and reason; nothing is returned unless the whole file is good.
func ReadHistory(file string, r io.Reader) (History, error) {
	cr, err := csvio.NewReader(r)
	if errors.Is(err, csvio.ErrEmpty) {
		return History{}, &InputError{File: file, Reason: "the file is empty: it needs a header line month,motion,spend,gross_margin"}
	}
	if err != nil {
		return History{}, &InputError{File: file, Line: 1, Reason: err.Error()}
	}
	cols := map[string]int{}
	var missing []string
	for _, name := range []string{"month", "motion", "spend", "gross_margin"} {
		if cols[name] = cr.Index(name); cols[name] < 0 {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return History{}, &InputError{File: file, Line: 1,
			Reason: fmt.Sprintf("the header has no %s column (needed: month, motion, spend, gross_margin)", strings.Join(missing, ", "))}
	}
	var obs []Observation
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return History{}, csvio.InFile(file, err)
		}
		o := Observation{Line: rec.Line}
		field := func(name string) string { return strings.TrimSpace(rec.Fields[cols[name]]) }
		bad := func(name, format string, args ...any) error {
			return &InputError{File: file, Line: rec.Line, Column: name, Reason: fmt.Sprintf(format, args...)}
		}
		if o.Month, err = ParseMonth(field("month")); err != nil {
			return History{}, bad("month", "%v", err)
		}
		if o.Motion = NormalizeMotion(field("motion")); o.Motion == "" {
			return History{}, bad("motion", "empty")
		}
		if o.Spend, err = ParsePlainAmount(field("spend")); err != nil {
			return History{}, bad("spend", "%v", err)
		}
		if o.Spend < 0 {
			return History{}, bad("spend", "%s is negative; spend is never below zero", field("spend"))
		}
		if o.GrossMargin, err = ParsePlainAmount(field("gross_margin")); err != nil {
			return History{}, bad("gross_margin", "%v", err)
		}
		obs = append(obs, o)
	}
	if len(obs) == 0 {
		return History{}, &InputError{File: file, Reason: "no data rows after the header"}
	}
	return NewHistory(file, obs)
}

// ParsePlainAmount parses a plain decimal amount in major units: an optional '-', digits, and an optional
// '.' with digits. Places beyond the second must be zeros, so nothing is silently rounded.
func ParsePlainAmount(s string) (tandem.Money, error) {
	if s == "" {
		return 0, errors.New("empty; write a plain number such as 12500.50")
	}
	i, neg := 0, false
	if s[0] == '-' {
		neg, i = true, 1
	}
	var units int64
	digits := 0
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		if digits == 15 {
			return 0, fmt.Errorf("%q is too large", s)
		}
		units = units*10 + int64(s[i]-'0')
		digits++
	}
	var cents int64
	if i < len(s) && s[i] == '.' {
		i++
		places := 0
		for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			places++
			switch {
			case places <= 2:
				cents = cents*10 + int64(s[i]-'0')
			case s[i] != '0':
				return 0, fmt.Errorf("%q has more than two decimal places; amounts are exact to the cent", s)
			}
		}
		if places == 1 {
			cents *= 10
		}
	}
	if digits <= 0 || i != len(s) {
		return 0, fmt.Errorf("%q is not a plain number (digits, an optional '-' and '.', e.g. 12500.50)", s)
	}
	m := tandem.Money(units*tandem.MinorUnits + cents)
	if neg {
		m = -m
	}
	return m, nil
}

// Observations returns the history's observations ordered by motion then month.
func (h History) Observations() []Observation { return slices.Clone(h.obs) }

// Motions returns the motions in the history, sorted.
func (h History) Motions() []string {
	var out []string
	for i, o := range h.obs {
		if i == 0 || h.obs[i-1].Motion != o.Motion {
			out = append(out, o.Motion)
		}
	}
	return out
}

// LastMonth returns the latest month in the history (0 for an empty history).
func (h History) LastMonth() Month {
	var last Month
	for i, o := range h.obs {
		if i == 0 || o.Month > last {
			last = o.Month
		}
	}
	return last
}

// series returns one motion's observations (a sub-slice of h.obs, ordered by month).
func (h History) series(motion string) []Observation {
	lo, _ := slices.BinarySearchFunc(h.obs, motion, func(o Observation, m string) int { return strings.Compare(o.Motion, m) })
	hi := lo
	for hi < len(h.obs) && h.obs[hi].Motion == motion {
		hi++
	}
	return h.obs[lo:hi]
}
