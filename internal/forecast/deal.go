package forecast

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	tandem "github.com/tandem-revops/tandem"
)

// Category is an attribution category: the motion a deal's won value is forecast under.
type Category string

// The four categories, in the order the forecast reports them.
const (
	Direct            Category = "direct"
	PartnerSourced    Category = "partner_sourced"
	PartnerLed        Category = "partner_led"
	PartnerInfluenced Category = "partner_influenced"
)

// Total names the line that adds the four categories up.
const Total = "total"

// Categories lists the four categories in report order.
var Categories = [...]Category{Direct, PartnerSourced, PartnerLed, PartnerInfluenced}

// ParseCategory returns the category named s, or an error listing the valid names.
func ParseCategory(s string) (Category, error) {
	c := Category(s)
	if slices.Contains(Categories[:], c) {
		return c, nil
	}
	return "", fmt.Errorf("not a category (expected direct, partner_sourced, partner_led or partner_influenced)")
}

func categoryIndex(c Category) int { return slices.Index(Categories[:], c) }

// Outcome is where a deal stands: still open, won or lost.
type Outcome uint8

// The outcomes.
const (
	Open Outcome = iota
	Won
	Lost
)

func (o Outcome) String() string {
	switch o {
	case Won:
		return "won"
	case Lost:
		return "lost"
	}
	return "open"
}

// ParseOutcome reads "won", "lost" or "open".
func ParseOutcome(s string) (Outcome, error) {
	switch strings.ToLower(s) {
	case "won":
		return Won, nil
	case "lost":
		return Lost, nil
	case "open":
		return Open, nil
	}
	return Open, fmt.Errorf("not an outcome (expected won, lost or open)")
}

// Day is a calendar date as a count of days since 1970-01-01; the forecast works in whole days.
type Day int32

// DayOf returns the day of t's UTC date.
func DayOf(t time.Time) Day {
	s := t.Unix()
	if s < 0 && s%86400 != 0 {
		return Day(s/86400 - 1)
	}
	return Day(s / 86400)
}

// ParseDay reads YYYY-MM-DD.
func ParseDay(s string) (Day, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return 0, fmt.Errorf("not a date (expected YYYY-MM-DD)")
	}
	return DayOf(t), nil
}

// Time returns midnight UTC of the day.
func (d Day) Time() time.Time { return time.Unix(int64(d)*86400, 0).UTC() }

func (d Day) String() string { return d.Time().Format(time.DateOnly) }

// Quarter is a calendar quarter.
type Quarter struct {
	Year int
	Q    int // 1–4
}

// QuarterOf returns the quarter holding day d.
func QuarterOf(d Day) Quarter {
	t := d.Time()
	return Quarter{Year: t.Year(), Q: (int(t.Month())-1)/3 + 1}
}

// ParseQuarter reads "2025Q3".
func ParseQuarter(s string) (Quarter, error) {
	y, q, ok := strings.Cut(strings.ToUpper(s), "Q")
	year, err1 := strconv.Atoi(y)
	n, err2 := strconv.Atoi(q)
	if !ok || err1 != nil || err2 != nil || n < 1 || n > 4 || len(y) != 4 {
		return Quarter{}, fmt.Errorf("not a quarter (expected YYYYQn, e.g. 2025Q3)")
	}
	return Quarter{Year: year, Q: n}, nil
}

func (q Quarter) String() string { return fmt.Sprintf("%dQ%d", q.Year, q.Q) }

// Start returns the quarter's first day.
func (q Quarter) Start() Day {
	return DayOf(time.Date(q.Year, time.Month(3*(q.Q-1)+1), 1, 0, 0, 0, 0, time.UTC))
}

// End returns the quarter's last day.
func (q Quarter) End() Day { return q.Next().Start() - 1 }

// Next returns the following quarter.
func (q Quarter) Next() Quarter {
	if q.Q == 4 {
		return Quarter{Year: q.Year + 1, Q: 1}
	}
	return Quarter{Year: q.Year, Q: q.Q + 1}
}

// Prev returns the preceding quarter.
func (q Quarter) Prev() Quarter {
	if q.Q == 1 {
		return Quarter{Year: q.Year - 1, Q: 4}
	}
	return Quarter{Year: q.Year, Q: q.Q - 1}
}

// Deal is one opportunity as a history export shows it on the day it was taken: when it was created,
// how it ended (if it has) and its amount. A store-backed caller builds the same records from its
// opportunities.
type Deal struct {
	ID       string
	Category Category
	Created  Day
	Closed   Day // meaningful only when Outcome is Won or Lost
	Outcome  Outcome
	// Amount is the won value of a won deal and the pipeline value of an open or lost one, in minor
	// units. AmountKnown is false when the export left it blank (an open deal not yet priced); the model
	// then draws a value from the won deals of the same segment.
	Amount      tandem.Money
	AmountKnown bool
	// OpenAmount is what the deal showed while it was open, when the export keeps that apart from the
	// won value (some CRMs fill the amount only on closing). AsOf uses it for a deal that closed later.
	OpenAmount      tandem.Money
	OpenAmountKnown bool
	// Segment is an optional static attribute (partner tier, region, product…) the model splits the
	// category's win rate and deal sizes by, shrunk toward the category where the segment is thin.
	Segment string
	// WinProbability is an outside estimate (internal/prediction's win probability) that this open
	// deal will be won, in (0, 1]; 0 means none. The model reads it only when Options.WinProbabilityWeight
	// is above zero (see the package doc, "Outside win probabilities").
	WinProbability float64
}

// Validate checks one deal's own rules.
func (d *Deal) Validate() error {
	switch {
	case d.ID == "":
		return fmt.Errorf("id: is blank")
	case categoryIndex(d.Category) < 0:
		return fmt.Errorf("category: %q is not a category", d.Category)
	case d.Outcome != Open && d.Closed < d.Created:
		return fmt.Errorf("closed_on: %s is before created_on %s", d.Closed, d.Created)
	case d.Amount < 0:
		return fmt.Errorf("amount: is negative")
	case d.Outcome == Won && !d.AmountKnown:
		return fmt.Errorf("amount: a won deal needs its amount")
	case !(d.WinProbability >= 0 && d.WinProbability <= 1):
		return fmt.Errorf("win_probability: %v is not in 0..1", d.WinProbability)
	}
	return nil
}

// AsOf returns the deal as an export taken at the end of day would have shown it, and false when the
// deal did not exist yet. A deal closed after that day was still open then: no outcome, no close date,
// and the amount it showed while open (OpenAmount when the export has it).
func (d Deal) AsOf(day Day) (Deal, bool) {
	if d.Created > day {
		return Deal{}, false
	}
	if d.Outcome != Open && d.Closed > day {
		d.Outcome, d.Closed = Open, 0
		if d.OpenAmountKnown {
			d.Amount, d.AmountKnown = d.OpenAmount, true
		}
	}
	return d, true
}
