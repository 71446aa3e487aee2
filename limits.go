package tandem

import (
	"fmt"
	"unicode/utf8"
)

// MaxAmount is the largest money amount Tandem accepts anywhere: a deal's ACV, a registration's
// estimated ACV, a quota, a payout. 10^12 minor units is 10 billion in major units — above any B2B deal
// or quota a vendor books — and it keeps every sum exact: int64 holds 9.2 × 10^18, so at least 9.2
// million amounts of this size add up without overflow, more than a company has deals. Sums over money
// (pipeline cells, gross profit, statements) rely on this range; SumMoney and MoneySum check each sum
// anyway, for data written before the range was enforced, and report overflow instead of wrapping.
const MaxAmount Money = 1_000_000_000_000

// CheckAmount reports whether m is an amount Tandem accepts for field: 0 ≤ m ≤ MaxAmount.
func CheckAmount(field string, m Money) error {
	switch {
	case m < 0:
		return FieldError(field, "cannot be negative")
	case m > MaxAmount:
		return FieldError(field, "is over the largest amount Tandem accepts (%s)", MaxAmount)
	}
	return nil
}

// CheckSignedAmount is CheckAmount for amounts that may be negative (a payout that claws back):
// -MaxAmount ≤ m ≤ MaxAmount.
func CheckSignedAmount(field string, m Money) error {
	if m < -MaxAmount || m > MaxAmount {
		return FieldError(field, "is outside the range Tandem accepts (±%s)", MaxAmount)
	}
	return nil
}

// AddMoney returns a + b, or an error when the sum does not fit in 64 bits. Amounts inside MaxAmount
// never reach it in practice; it guards sums over data written before the range was enforced.
func AddMoney(a, b Money) (Money, error) {
	s := a + b
	if (b > 0 && s < a) || (b < 0 && s > a) {
		return 0, Errorf(EINVALID, "money sum overflows: %s + %s", a, b)
	}
	return s, nil
}

// SubMoney returns a − b, or an error when the difference does not fit in 64 bits.
func SubMoney(a, b Money) (Money, error) {
	s := a - b
	if (b < 0 && s < a) || (b > 0 && s > a) {
		return 0, Errorf(EINVALID, "money difference overflows: %s − %s", a, b)
	}
	return s, nil
}

// MoneySum adds and subtracts amounts exactly, like AddMoney, but keeps going: once a step overflows
// the sum is marked overflowed for good (later steps cannot wrap it back into range) and Err reports
// it. The zero value is an empty sum. It lets a loop over lines or deals add without an error check
// on every step and still never return a wrapped total.
type MoneySum struct {
	total    Money
	overflow bool
}

// Add adds m to the sum.
func (s *MoneySum) Add(m Money) {
	if s.overflow {
		return
	}
	t, err := AddMoney(s.total, m)
	s.total, s.overflow = t, err != nil
}

// Sub subtracts m from the sum.
func (s *MoneySum) Sub(m Money) {
	if s.overflow {
		return
	}
	t, err := SubMoney(s.total, m)
	s.total, s.overflow = t, err != nil
}

// Overflowed reports whether a step of the sum left the 64-bit range.
func (s *MoneySum) Overflowed() bool { return s.overflow }

// Total returns the sum and, when it overflowed, an EINVALID error "<what> total past the money
// range" (the total is then 0, never a wrapped number).
func (s *MoneySum) Total(what string) (Money, error) {
	if s.overflow {
		return 0, MoneyRangeError(what)
	}
	return s.total, nil
}

// MoneyRangeError is the error a money sum past the 64-bit range answers, naming what it totals.
func MoneyRangeError(what string) error {
	return Errorf(EINVALID, "%s total past the money range (the sum of amounts exceeds ±9,223,372,036,854,775,807 minor units)", what)
}

// SumMoney returns the sum of ms, or MoneyRangeError(what) when it leaves the 64-bit range at any step.
func SumMoney(what string, ms ...Money) (Money, error) {
	var s MoneySum
	for _, m := range ms {
		s.Add(m)
	}
	return s.Total(what)
}

// Text length limits, in characters (Unicode code points). The API documents them as maxLength and
// answers 4xx past them; the store, the portal, bulk upload and import refuse them through the entities'
// Validate, which calls CheckLine and CheckText.
const (
	// MaxNameLength bounds names: accounts, partners, people, products, opportunities, a registration's
	// account name and contact. The longest legal company names run to about 160 characters.
	MaxNameLength = 200
	// MaxCodeLength bounds identifiers and short codes: external ids, product names, verticals, emails,
	// websites (a DNS name is at most 253 octets).
	MaxCodeLength = 254
	// MaxTextLength bounds free multi-line text: notes, rationales, rejection reasons.
	MaxTextLength = 4000
	// MaxQueryLength bounds a search string (?q=): nobody searches with more than a name's length.
	MaxQueryLength = MaxNameLength
)

// CheckLine reports whether s is acceptable single-line text for field: at most max characters, valid
// UTF-8, and no control characters (C0, DEL, C1 — NUL and ESC among them, tab and newline too).
func CheckLine(field, s string, max int) error {
	return checkText(field, s, max, false)
}

// CheckText is CheckLine for multi-line text (notes, rationales): tab, newline and carriage return are
// allowed, every other control character is not.
func CheckText(field, s string, max int) error {
	return checkText(field, s, max, true)
}

func checkText(field, s string, max int, multiline bool) error {
	if len(s) > max*utf8.UTFMax || utf8.RuneCountInString(s) > max {
		return FieldError(field, "is longer than %d characters", max)
	}
	if !utf8.ValidString(s) {
		return FieldError(field, "is not valid UTF-8 text")
	}
	for i, r := range s {
		if !isControl(r) || (multiline && (r == '\t' || r == '\n' || r == '\r')) {
			continue
		}
		return FieldError(field, "contains the control character %s at position %d", controlName(r), i+1)
	}
	return nil
}

// isControl reports whether r is a C0 or C1 control character or DEL.
func isControl(r rune) bool { return r < 0x20 || (r >= 0x7f && r <= 0x9f) }

func controlName(r rune) string {
	switch r {
	case 0:
		return "NUL"
	case 0x1b:
		return "ESC"
	case '\t':
		return "tab"
	case '\n':
		return "newline"
	case '\r':
		return "carriage return"
	}
	return fmt.Sprintf("U+%04X", r)
}
