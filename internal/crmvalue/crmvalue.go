// Package crmvalue is the one table of how CRMs spell the sales stages and deal-registration statuses
// Tandem reads: Salesforce's "Closed Won" and "Pending Approval", HubSpot's "contractsent", a PRM's
// "Declined". tandem import and tandem route both read through it, so a file one accepts the other
// accepts too; the README's "CRM spellings" section lists the same table (a test keeps them in step).
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

// Markdown renders both tables as the README documents them.
func Markdown() string {
	var b strings.Builder
	b.WriteString("| Stage | Also read as |\n|---|---|\n")
	for _, s := range stages {
		fmt.Fprintf(&b, "| `%s` | %s |\n", s.Value, quoteAll(s.Names))
	}
	b.WriteString("\n| Registration status | Also read as |\n|---|---|\n")
	for _, s := range registrationStatuses {
		fmt.Fprintf(&b, "| `%s` | %s |\n", s.Value, quoteAll(s.Names))
	}
	return b.String()
}

func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = "`" + n + "`"
	}
	return strings.Join(q, ", ")
}
