// Package lint owns what Tandem's document checkers report — `tandem policy check` over the
// rules-of-engagement policy, `tandem comp check` over the compensation plan, and their API and pages:
// a finding's severity, what it is about, where it is written and why.
package lint

import "fmt"

// Severity says how serious a finding is: errors make a check fail, warnings do not.
type Severity string

const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
)

// Finding is one thing a checker found in a document: about a policy rule (RuleID) or a plan setting
// (Field), written at Line and Column (0 for the whole document, or for the built-in default of a
// setting the file leaves out).
type Finding struct {
	Severity Severity `json:"severity"`
	RuleID   string   `json:"rule_id,omitempty"`
	Field    string   `json:"field,omitempty"`
	Line     int      `json:"line,omitempty"`
	Column   int      `json:"column,omitempty"`
	Message  string   `json:"message"`
}

// String is the finding without its position ("warning: rule x: never matches…", "error: ae.base_rate:
// 60% is out of range…"); a caller that knows the file writes it after FILE:LINE:COL (see Position).
func (f Finding) String() string {
	s := string(f.Severity) + ": "
	if f.RuleID != "" {
		s += "rule " + f.RuleID + ": "
	}
	if f.Field != "" {
		s += f.Field + ": "
	}
	return s + f.Message
}

// Position is "LINE:COL" of what the finding is about, or "" when it has no place in the file.
func (f Finding) Position() string {
	if f.Line <= 0 {
		return ""
	}
	return fmt.Sprintf("%d:%d", f.Line, max(f.Column, 1))
}
