// Package crmvalue is the one table of how CRMs spell the sales stages, deal-registration statuses,
// product types and partner tiers Tandem reads: Salesforce's "Closed Won" and "Pending Approval",
// HubSpot's "contractsent", a PRM's "Declined", "Add-On", "Authorized". tandem import and tandem route
// both read through it, so a file one accepts the other accepts too; the README's "CRM spellings" section lists the same table (a test keeps them in step).
// Spellings compare by Key: case, spaces and punctuation do not matter.
package crmvalue

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	tandem "github.com/tandem-revops/tandem"
)

// Stages lists, for each stage, the CRM spellings read as it (besides the code itself).
var stages = []Spellings[tandem.Stage]{
	{tandem.StageProspecting, []string{"prospecting", "prospect", "new", "lead", "appointmentscheduled", "discovery"}},
	{tandem.StageQualified, []string{"qualified", "qualification", "needs analysis", "value proposition",
		"id. decision makers", "qualifiedtobuy", "qualified to buy", "perception analysis"}},
	{tandem.StageProposal, []string{"proposal", "proposal/price quote", "quote", "presentationscheduled",
		"presentation scheduled", "decisionmakerboughtin", "decision maker bought-in"}},
	{tandem.StageNegotiation, []string{"negotiation", "negotiation/review", "contractsent", "contract sent"}},
	{tandem.StageClosedWon, []string{"closed won", "closed/won", "closedwon", "won", "closed - won"}},
	{tandem.StageClosedLost, []string{"closed lost", "closed/lost", "closedlost", "lost", "loss", "closed - lost"}},
}

// registrationStatuses lists, for each registration status, the CRM and PRM spellings read as it.
var registrationStatuses = []Spellings[tandem.RegistrationStatus]{
	{tandem.RegistrationSubmitted, []string{"submitted", "pending", "pending approval", "pending review",
		"awaiting approval", "in review", "under review", "new", "open"}},
	{tandem.RegistrationApproved, []string{"approved", "accepted"}},
	{tandem.RegistrationRejected, []string{"rejected", "declined", "denied"}},
	{tandem.RegistrationExpired, []string{"expired"}},
	{tandem.RegistrationWon, []string{"won", "closed won"}},
	{tandem.RegistrationLost, []string{"lost", "closed lost"}},
	{tandem.RegistrationWithdrawn, []string{"withdrawn", "cancelled", "canceled", "recalled"}},
}

// productTypes lists, for each product type, the CRM spellings read as it (opportunity types and
// product families as exports write them).
var productTypes = []Spellings[tandem.ProductType]{
	{tandem.ProductCore, []string{"license", "licence", "subscription", "platform", "software", "new business",
		"existing business - replacement", "existing customer - replacement", "existing customer - downgrade"}},
	{tandem.ProductAddon, []string{"add-on", "add on", "upgrade", "expansion", "upsell", "existing business",
		"existing business - upgrade", "existing customer - upgrade"}},
	{tandem.ProductServices, []string{"service", "professional services", "consulting", "training", "implementation"}},
}

// tiers lists, for each partner tier, the PRM spellings read as it.
var tiers = []Spellings[tandem.Tier]{
	{tandem.TierPlatinum, nil}, {tandem.TierGold, nil}, {tandem.TierSilver, nil},
	{tandem.TierRegistered, []string{"member", "authorized", "authorised"}},
}

// Spellings is one value and the spellings read as it.
type Spellings[T ~string] struct {
	Value T
	Names []string
}

// StageSpellings returns the stage table, in stage order (for documentation).
func StageSpellings() []Spellings[tandem.Stage] { return stages }

// RegistrationStatusSpellings returns the registration status table, in lifecycle order.
func RegistrationStatusSpellings() []Spellings[tandem.RegistrationStatus] {
	return registrationStatuses
}

// ProductTypeSpellings returns the product type table.
func ProductTypeSpellings() []Spellings[tandem.ProductType] { return productTypes }

// TierSpellings returns the partner tier table, highest first.
func TierSpellings() []Spellings[tandem.Tier] { return tiers }

// Table maps Key(spelling) to its value. Build one with NewTable and keep it: lookups do not allocate.
type Table[T ~string] map[string]T

// NewTable builds the lookup of a spellings list: each value's code and each of its names.
func NewTable[T ~string](list []Spellings[T]) Table[T] {
	out := make(Table[T])
	for _, s := range list {
		out[Key(string(s.Value))] = s.Value
		for _, n := range s.Names {
			out[Key(n)] = s.Value
		}
	}
	return out
}

// Stages returns the lookup of the stage spellings.
func Stages() Table[tandem.Stage] { return NewTable(stages) }

// RegistrationStatuses returns the lookup of the registration status spellings.
func RegistrationStatuses() Table[tandem.RegistrationStatus] { return NewTable(registrationStatuses) }

// ProductTypes returns the lookup of the product type spellings.
func ProductTypes() Table[tandem.ProductType] { return NewTable(productTypes) }

// Tiers returns the lookup of the partner tier spellings.
func Tiers() Table[tandem.Tier] { return NewTable(tiers) }

// Lookup finds s in t, whatever its case, spaces and punctuation.
func (t Table[T]) Lookup(s string) (T, bool) {
	var buf [64]byte
	v, ok := t[string(AppendKey(buf[:0], s))]
	return v, ok
}

// Key reduces a label to lower-case letters and digits, so "Closed Won", "closed_won", "Closed/Won"
// and "closedwon" all compare equal.
func Key(s string) string {
	var buf [64]byte
	return string(AppendKey(buf[:0], s))
}

// AppendKey appends Key(s) to buf, for callers that reuse a buffer.
func AppendKey(buf []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
				buf = append(buf, c)
			case c >= 'A' && c <= 'Z':
				buf = append(buf, c+'a'-'A')
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			buf = utf8.AppendRune(buf, unicode.ToLower(r))
		}
		i += size
	}
	return buf
}

// Markdown renders the tables as the README documents them.
func Markdown() string {
	var b strings.Builder
	writeTable(&b, "Stage", stages)
	b.WriteString("\n")
	writeTable(&b, "Registration status", registrationStatuses)
	b.WriteString("\n")
	writeTable(&b, "Product type", productTypes)
	b.WriteString("\n")
	writeTable(&b, "Partner tier", tiers)
	return b.String()
}

func writeTable[T ~string](b *strings.Builder, title string, list []Spellings[T]) {
	fmt.Fprintf(b, "| %s | Also read as |\n|---|---|\n", title)
	for _, s := range list {
		fmt.Fprintf(b, "| `%s` | %s |\n", s.Value, quoteAll(s.Names))
	}
}

func quoteAll(names []string) string {
	if len(names) == 0 {
		return "—"
	}
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = "`" + n + "`"
	}
	return strings.Join(q, ", ")
}

// Code turns a free-text label into the code a policy rule tests: "Financial Services" and
// "Partner-Led" become financial_services and partner_led. It returns s (trimmed) itself when it is
// already a code, which is the common case and costs nothing. Verticals have no fixed table, so this
// is how tandem route and tandem import (and every router of a stored deal) agree on one.
func Code(s string) string {
	s = strings.TrimSpace(s)
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == ' ' || c == '-' || ('A' <= c && c <= 'Z') || c >= utf8.RuneSelf {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	return strings.Join(strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return r == ' ' || r == '-' || r == '_' }), "_")
}
