package tandem

import (
	"fmt"
	"math/big"
	"strings"
)

// Money is an exact amount in minor units (cents for USD, EUR, GBP…). Every currency Tandem handles is
// assumed to have two decimal places; amounts are never held in floating point.
type Money int64

// MinorUnits is the number of minor units in one major unit.
const MinorUnits = 100

// Major returns a Money of whole major units (dollars).
func Major(units int64) Money { return Money(units * MinorUnits) }

// String formats m as a plain decimal with two places, e.g. "-1200000.50".
func (m Money) String() string {
	neg := m < 0
	v := int64(m)
	if neg {
		v = -v
	}
	s := fmt.Sprintf("%d.%02d", v/MinorUnits, v%MinorUnits)
	if neg {
		return "-" + s
	}
	return s
}

// Format formats m for people: thousands separators and a currency symbol where one is known,
// e.g. "$1,200,000.00" or "1,200,000.00 CHF".
func (m Money) Format(currency string) string {
	s := m.String()
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	num := b.String() + "." + frac
	sign := ""
	if neg {
		sign = "-"
	}
	switch strings.ToUpper(currency) {
	case "", "USD":
		return sign + "$" + num
	case "EUR":
		return sign + "€" + num
	case "GBP":
		return sign + "£" + num
	default:
		return sign + num + " " + strings.ToUpper(currency)
	}
}

// ParseMoney parses a decimal amount as people and CRM exports write it: "1200000", "1,200,000.00",
// "$1,200,000.00", "€ 1.200.000,00" (a comma decimal separator is recognised when it is the last
// separator and is followed by one or two digits), "(1,200.00)" for negatives, "USD 1200". More decimal
// places than two are rounded half-to-even. It returns the amount and the ISO currency code it saw
// ("" when none was written).
func ParseMoney(s string) (Money, string, error) {
	if m, cur, ok := parsePlainMoney(s); ok {
		return m, cur, nil
	}
	return parseMoneySlow(s)
}

// parsePlainMoney parses the shapes exports use most, [-][$]digits[,ddd...][.d[d]], without
// allocating; ok is false for anything else, which parseMoneySlow handles.
func parsePlainMoney(s string) (Money, string, bool) {
	i, neg, cur := 0, false, ""
	if i < len(s) && s[i] == '-' {
		neg, i = true, i+1
	}
	if i < len(s) && s[i] == '$' {
		cur, i = "USD", i+1
	}
	var units int64
	digits, group := 0, -1 // group counts the digits since the last thousands comma, -1 before any
	for ; i < len(s); i++ {
		c := s[i]
		if c == ',' {
			if digits == 0 || (group >= 0 && group != 3) || (group < 0 && digits > 3) {
				return 0, "", false
			}
			group = 0
			continue
		}
		if c < '0' || c > '9' {
			break
		}
		if digits >= 15 {
			return 0, "", false
		}
		units = units*10 + int64(c-'0')
		digits++
		if group >= 0 {
			group++
		}
	}
	if digits == 0 || (group >= 0 && group != 3) {
		return 0, "", false
	}
	cents := int64(0)
	if i < len(s) && s[i] == '.' {
		i++
		frac := 0
		for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			if frac == 2 {
				return 0, "", false // more places: let ParseMoney round
			}
			cents = cents*10 + int64(s[i]-'0')
			frac++
		}
		if frac == 1 {
			cents *= 10
		}
	}
	if i != len(s) {
		return 0, "", false
	}
	m := Money(units*MinorUnits + cents)
	if neg {
		m = -m
	}
	return m, cur, true
}

// parseMoneySlow parses every shape ParseMoney accepts, through an exact rational.
func parseMoneySlow(s string) (Money, string, error) {
	orig := s
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, "", FieldError("", "empty amount")
	}
	neg := false
	if strings.HasPrefix(s, "(") && strings.HasSuffix(s, ")") {
		neg = true
		s = strings.TrimSpace(s[1 : len(s)-1])
	}
	// One sign at most: "--5" or "(-5)" is a typo or a mangled export, never a double negation.
	sign := func() error {
		if neg {
			return FieldError("", "%q has more than one minus sign", orig)
		}
		neg = true
		s = strings.TrimSpace(s[1:])
		return nil
	}
	if strings.HasPrefix(s, "-") {
		if err := sign(); err != nil {
			return 0, "", err
		}
	}
	currency := ""
	for _, c := range []struct{ sym, code string }{{"US$", "USD"}, {"$", "USD"}, {"€", "EUR"}, {"£", "GBP"}} {
		if strings.HasPrefix(s, c.sym) {
			currency, s = c.code, strings.TrimSpace(s[len(c.sym):])
			break
		}
		if strings.HasSuffix(s, c.sym) {
			currency, s = c.code, strings.TrimSpace(s[:len(s)-len(c.sym)])
			break
		}
	}
	if currency == "" && len(s) > 4 {
		if code := s[:3]; isUpperCode(code) && s[3] == ' ' {
			currency, s = code, strings.TrimSpace(s[4:])
		} else if code := s[len(s)-3:]; isUpperCode(code) && s[len(s)-4] == ' ' {
			currency, s = code, strings.TrimSpace(s[:len(s)-4])
		}
	}
	if strings.HasPrefix(s, "-") {
		if err := sign(); err != nil {
			return 0, "", err
		}
	}
	s = strings.ReplaceAll(s, " ", "")
	s = strings.ReplaceAll(s, "\u00a0", "")
	s = strings.ReplaceAll(s, "'", "")
	// Decide the decimal separator: the last of '.' or ',' when followed by 1–2 digits only.
	lastDot, lastComma := strings.LastIndexByte(s, '.'), strings.LastIndexByte(s, ',')
	decSep := byte('.')
	if lastComma > lastDot {
		if tail := len(s) - lastComma - 1; tail >= 1 && tail <= 2 && strings.Count(s, ",") == 1 {
			decSep = ','
		}
	}
	var intPart, fracPart string
	if decSep == ',' {
		intPart, fracPart, _ = strings.Cut(s, ",")
		intPart = strings.ReplaceAll(intPart, ".", "")
	} else {
		intPart, fracPart, _ = strings.Cut(strings.ReplaceAll(s, ",", ""), ".")
		if strings.Contains(fracPart, ".") {
			return 0, "", FieldError("", "%q is not a number", orig)
		}
	}
	if intPart == "" && fracPart == "" {
		return 0, "", FieldError("", "%q is not a number", orig)
	}
	if intPart == "" {
		intPart = "0"
	}
	for _, p := range []string{intPart, fracPart} {
		for i := 0; i < len(p); i++ {
			if p[i] < '0' || p[i] > '9' {
				return 0, "", FieldError("", "%q is not a number", orig)
			}
		}
	}
	r, ok := new(big.Rat).SetString(intPart + "." + fracPart + "0")
	if !ok {
		return 0, "", FieldError("", "%q is not a number", orig)
	}
	if neg {
		r.Neg(r)
	}
	m, err := RatToMoney(r)
	if err != nil {
		return 0, "", FieldError("", "%q: %v", orig, err)
	}
	return m, currency, nil
}

func isUpperCode(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

// RatToMoney converts an exact amount in major units to Money, rounding half-to-even at the minor unit.
// It fails when the result does not fit in 64 bits.
func RatToMoney(r *big.Rat) (Money, error) {
	scaled := new(big.Rat).Mul(r, big.NewRat(MinorUnits, 1))
	q := RoundHalfEven(scaled)
	if !q.IsInt64() {
		return 0, fmt.Errorf("amount out of range")
	}
	return Money(q.Int64()), nil
}

// RoundHalfEven rounds r to the nearest integer, ties to even. This is Tandem's one rounding rule.
func RoundHalfEven(r *big.Rat) *big.Int {
	num, den := new(big.Int).Set(r.Num()), r.Denom()
	q, m := new(big.Int).QuoRem(num, den, new(big.Int)) // truncated toward zero
	twice := new(big.Int).Mul(new(big.Int).Abs(m), big.NewInt(2))
	switch twice.Cmp(den) {
	case 1:
		q.Add(q, big.NewInt(int64(num.Sign())))
	case 0:
		if q.Bit(0) == 1 {
			q.Add(q, big.NewInt(int64(num.Sign())))
		}
	}
	return q
}

// MulRate returns m × rate rounded half-to-even, where rate is an exact fraction (a percentage as
// big.NewRat(15, 100), an FX rate, a split share).
func (m Money) MulRate(rate *big.Rat) Money {
	r := new(big.Rat).Mul(new(big.Rat).SetInt64(int64(m)), rate)
	return Money(RoundHalfEven(r).Int64())
}

// ParseRate parses a decimal string such as "0.9234" or "15%" into an exact fraction.
func ParseRate(s string) (*big.Rat, error) {
	s = strings.TrimSpace(s)
	pct := strings.HasSuffix(s, "%")
	s = strings.TrimSuffix(s, "%")
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return nil, FieldError("", "%q is not a decimal rate", s)
	}
	if pct {
		r.Quo(r, big.NewRat(100, 1))
	}
	return r, nil
}
