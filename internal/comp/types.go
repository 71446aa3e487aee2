package comp

import (
	"time"

	tandem "github.com/tandem-revops/tandem"
)

// The contract between the engine (this package) and its callers (the store, the API, the CLI and the
// UI) is the compensation records of the domain (the root package's comp.go): the store builds and
// freezes them without importing the engine. They are named here as the engine speaks of them.

type (
	Period           = tandem.CompQuarter
	AE               = tandem.CompAE
	Partner          = tandem.CompPartner
	Split            = tandem.CompSplit
	Deal             = tandem.CompDeal
	Input            = tandem.CompInput
	PayeeKind        = tandem.PayeeKind
	LineKind         = tandem.LineKind
	Line             = tandem.CompLine
	Statement        = tandem.CompStatement
	DealProfit       = tandem.DealProfit
	Result           = tandem.CompResult
	RegistrationFact = tandem.RegistrationFact
	TouchFact        = tandem.TouchFact
	AttributionFacts = tandem.AttributionFacts
)

const (
	PayeeAE      = tandem.PayeeAE
	PayeePartner = tandem.PayeePartner

	LineCommission        = tandem.LineCommission
	LineAccelerator       = tandem.LineAccelerator
	LineSPIFF             = tandem.LineSPIFF
	LineForfeit           = tandem.LineForfeit
	LinePartnerMargin     = tandem.LinePartnerMargin
	LineRegistrationBonus = tandem.LineRegistrationBonus
	LineAdjustment        = tandem.LineAdjustment
	LineClawback          = tandem.LineClawback
)

// ParsePeriod parses a calendar quarter written "2026Q3" or "2026-Q3" (case-insensitive) into its UTC bounds
// [Start, End). It returns an EINVALID error for anything else.
func ParsePeriod(s string) (Period, error) { return tandem.ParseQuarter(s) }

// PeriodLabel turns a stored period key "2026-Q3" into its displayed form "2026Q3".
func PeriodLabel(id string) string { return tandem.QuarterLabel(id) }

// QuarterOf returns the calendar quarter (UTC) that t falls in.
func QuarterOf(t time.Time) Period { return tandem.QuarterOf(t) }

// FactsOf gathers the attribution facts of an opportunity (see tandem.AttributionFactsOf).
func FactsOf(o *tandem.Opportunity, regs []tandem.Registration, touches []tandem.Touch) AttributionFacts {
	return tandem.AttributionFactsOf(o, regs, touches)
}
