// Package versioned owns the head that Tandem's versioned, effective-dated programme documents — the
// rules-of-engagement policy and the compensation plan — both open with: name, version,
// effective_from, currency and fx. It reads the head as written, checks it, and answers for it once
// parsed; each document words the problems it reports in its own way.
package versioned

import (
	"fmt"
	"maps"
	"math/big"
	"regexp"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/tandem-revops/tandem/internal/yamlnode"
)

// HeaderYAML is the head as written. A document's file type embeds it with `yaml:",inline"`.
type HeaderYAML struct {
	Name          string            `yaml:"name"`
	Version       string            `yaml:"version"`
	EffectiveFrom string            `yaml:"effective_from"`
	Currency      string            `yaml:"currency"`
	FX            map[string]string `yaml:"fx"`
}

// Header is a parsed head. It is immutable and safe for concurrent use; a document type embeds it, so
// its methods answer for the document.
type Header struct {
	name          string
	version       string
	effectiveFrom time.Time
	currency      string
	fx            map[string]*big.Rat // by upper-case currency code
	fxSource      map[string]string   // each rate as written
}

// Name returns the document's name.
func (h *Header) Name() string { return h.name }

// Version returns the document's version as written, e.g. "2026.1".
func (h *Header) Version() string { return h.version }

// EffectiveFrom returns the date (UTC midnight) from which the document applies.
func (h *Header) EffectiveFrom() time.Time { return h.effectiveFrom }

// Currency returns the document's currency (USD when the file leaves it out); amounts in other
// currencies are converted to it.
func (h *Header) Currency() string { return h.currency }

// FXRate returns the exact value of one unit of currency in the document's currency, and whether the
// document has a rate for it (its own currency always has rate 1).
func (h *Header) FXRate(currency string) (*big.Rat, bool) {
	currency = strings.ToUpper(currency)
	if currency == "" || currency == h.currency {
		return big.NewRat(1, 1), true
	}
	r, ok := h.fx[currency]
	if !ok {
		return nil, false
	}
	return new(big.Rat).Set(r), true
}

// HasFX reports whether the document can convert currency: its own ("" included) or one with a rate.
// Validation asks it for every deal, so unlike FXRate it allocates nothing.
func (h *Header) HasFX(currency string) bool {
	if currency == "" || currency == h.currency {
		return true
	}
	currency = strings.ToUpper(currency)
	return currency == h.currency || h.fx[currency] != nil
}

// FXCodes returns the currencies the document has an fx rate for, upper-case and sorted.
func (h *Header) FXCodes() []string { return slices.Sorted(maps.Keys(h.fx)) }

// FXSource returns the fx rate for currency (upper-case) as written in the file, "" when there is none.
func (h *Header) FXSource(currency string) string { return h.fxSource[currency] }

var currencyCode = regexp.MustCompile(`^[A-Z]{3}$`)

// Report receives each problem ParseHeader finds, at line and col, about field — "name", "version",
// "effective_from", "currency" or "fx.CODE" (CODE as written) — with msg worded without the field
// ("is required (e.g. \"2026.1\")").
type Report func(line, col int, field, msg string)

// ParseHeader checks the head f decoded from the document node doc and returns it parsed, reporting
// every problem; badRate words an fx rate (for code, upper-case) that is not a positive decimal
// number, given the document's currency.
func ParseHeader(f *HeaderYAML, doc *yaml.Node, report Report, badRate func(code, rate, currency string) string) Header {
	h := Header{
		name:     strings.TrimSpace(f.Name),
		version:  strings.TrimSpace(f.Version),
		currency: strings.ToUpper(strings.TrimSpace(f.Currency)),
		fx:       map[string]*big.Rat{},
		fxSource: map[string]string{},
	}
	at := func(n *yaml.Node, key, field, msg string) {
		l, c := yamlnode.ValuePos(n, key)
		report(l, c, field, msg)
	}
	if h.name == "" {
		at(doc, "name", "name", "is required")
	}
	if h.version == "" {
		at(doc, "version", "version", "is required (e.g. \"2026.1\")")
	}
	if f.EffectiveFrom == "" {
		at(doc, "effective_from", "effective_from", "is required (a date such as 2026-01-01)")
	} else if t, err := time.Parse(time.DateOnly, strings.TrimSpace(f.EffectiveFrom)); err != nil {
		at(doc, "effective_from", "effective_from", fmt.Sprintf("%q is not a date like 2026-01-01", f.EffectiveFrom))
	} else {
		h.effectiveFrom = t
	}
	if h.currency == "" {
		h.currency = "USD"
	} else if !currencyCode.MatchString(h.currency) {
		at(doc, "currency", "currency", fmt.Sprintf("%q is not an ISO 4217 code such as USD", f.Currency))
	}
	fxNode := yamlnode.Child(doc, "fx")
	for code, rate := range f.FX {
		up := strings.ToUpper(strings.TrimSpace(code))
		if !currencyCode.MatchString(up) {
			at(fxNode, code, "fx."+code, fmt.Sprintf("%q is not an ISO 4217 currency code", code))
			continue
		}
		r, ok := new(big.Rat).SetString(strings.TrimSpace(rate))
		if !ok || r.Sign() <= 0 {
			at(fxNode, code, "fx."+code, badRate(up, rate, h.currency))
			continue
		}
		h.fx[up], h.fxSource[up] = r, strings.TrimSpace(rate)
	}
	return h
}
