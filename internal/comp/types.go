package comp

import (
	"time"

	tandem "github.com/tandem-revops/tandem"
)

// This file is the contract between the engine (this package) and its callers (the store, the API, the
// CLI and the UI). The engine fills these types; nothing here does I/O.

// Period is a compensation period: a calendar quarter such as "2026-Q3", in UTC, [Start, End).
type Period struct {
	ID    string    `json:"id"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// AE is an account executive paid under the plan in one period.
type AE struct {
	UserID      int64        `json:"user_id"`
	Name        string       `json:"name"`
	Email       string       `json:"email"`
	ManagerID   int64        `json:"manager_id,omitempty"`
	TerritoryID int64        `json:"territory_id,omitempty"`
	Quota       tandem.Money `json:"quota"` // 0: the plan's default quota per period
}

// Partner is a partner paid margins under the plan in one period.
type Partner struct {
	ID   int64              `json:"id"`
	Name string             `json:"name"`
	Tier tandem.Tier        `json:"tier"`
	Type tandem.PartnerType `json:"type"` // reseller deals pay resale margin; referral and co_sell pay referral margin
}

// Split is a share of a deal decided by a conflict's escalation.
type Split struct {
	ConflictID int64 `json:"conflict_id"`
	// PartnerShareBasisPoints is the partner's share of the deal (1..9999); the AE side has the rest.
	PartnerShareBasisPoints int    `json:"partner_share_basis_points"`
	Rationale               string `json:"rationale"`
}

// Deal is a closed-won opportunity as the plan sees it. The store builds it from the opportunity, its
// registrations, touches and conflicts.
type Deal struct {
	OpportunityID int64              `json:"opportunity_id"`
	ExternalID    string             `json:"external_id"`
	Name          string             `json:"name"`
	OwnerID       int64              `json:"owner_id"` // the AE; 0 when nobody owns it
	PartnerID     int64              `json:"partner_id,omitempty"`
	TerritoryID   int64              `json:"territory_id,omitempty"`
	Motion        tandem.Motion      `json:"motion"`
	Attribution   tandem.Attribution `json:"attribution"`
	ACV           tandem.Money       `json:"acv"` // list value in Currency, before discount
	Currency      string             `json:"currency"`
	// DiscountBasisPoints is the discount off list; commission, margin and profit use the net value.
	DiscountBasisPoints int       `json:"discount_basis_points"`
	COGSBasisPoints     int       `json:"cogs_basis_points"`
	ClosedOn            time.Time `json:"closed_on"` // decides the period
	// Registered is true when an approved (or won) registration of PartnerID covers the deal.
	Registered bool `json:"registered"`
	// Cannibalisation is the anti-cannibalisation flag set by conflict detection: the AE forfeits
	// commission on the deal and is flagged for performance review.
	Cannibalisation bool   `json:"cannibalisation"`
	Split           *Split `json:"split,omitempty"`
}

// Input is everything one period's calculation reads. Frozen as JSON when the period closes, it
// reproduces the period's statements byte for byte.
type Input struct {
	Period   Period    `json:"period"`
	AEs      []AE      `json:"aes"`
	Partners []Partner `json:"partners"`
	Deals    []Deal    `json:"deals"`
}

// PayeeKind says whether a statement is an AE's or a partner's.
type PayeeKind string

const (
	PayeeAE      PayeeKind = "ae"
	PayeePartner PayeeKind = "partner"
)

// LineKind is what a statement line pays or takes back.
type LineKind string

const (
	LineCommission        LineKind = "commission"         // AE: base rate on credit up to quota
	LineAccelerator       LineKind = "accelerator"        // AE: accelerated rate on credit above a threshold
	LineSPIFF             LineKind = "spiff"              // AE: co-sell SPIFF for a partner-led deal supported
	LineForfeit           LineKind = "forfeit"            // AE: commission forfeited (anti-cannibalisation); amount 0
	LinePartnerMargin     LineKind = "partner_margin"     // partner: tier margin (resale or referral)
	LineRegistrationBonus LineKind = "registration_bonus" // partner: deal-registration bonus
	LineAdjustment        LineKind = "adjustment"         // a change to a deal of a closed period, paid now
	LineClawback          LineKind = "clawback"           // a negative adjustment
)

// Line is one line of a statement: every cent traces to a deal, a rule and a plan version.
type Line struct {
	Period        string             `json:"period"`
	PayeeKind     PayeeKind          `json:"payee_kind"`
	PayeeID       int64              `json:"payee_id"`
	OpportunityID int64              `json:"opportunity_id"`
	DealExternal  string             `json:"deal_external_id"`
	Kind          LineKind           `json:"kind"`
	Attribution   tandem.Attribution `json:"attribution"`
	// Basis is the amount the rate applies to (plan currency); Rate is in basis points (0 for fixed amounts).
	Basis           tandem.Money `json:"basis"`
	RateBasisPoints int          `json:"rate_basis_points"`
	Amount          tandem.Money `json:"amount"`
	// QuotaCredit is the credit the line adds to the AE's attainment (AE commission lines only).
	QuotaCredit   tandem.Money `json:"quota_credit"`
	Rule          string       `json:"rule"` // the plan rule, e.g. "ae.base_rate", "spiff.bands[1]", "partner.margins.resale.gold"
	PlanVersion   string       `json:"plan_version"`
	Explanation   string       `json:"explanation"`
	AdjustsPeriod string       `json:"adjusts_period,omitempty"` // adjustments and clawbacks: the closed period changed
}

// Statement is one payee's statement for one period. Total equals the sum of Lines' amounts exactly.
type Statement struct {
	Period                string       `json:"period"`
	PayeeKind             PayeeKind    `json:"payee_kind"`
	PayeeID               int64        `json:"payee_id"`
	Name                  string       `json:"name"`
	Quota                 tandem.Money `json:"quota,omitempty"`                   // AE only
	Credit                tandem.Money `json:"credit,omitempty"`                  // AE only: quota credit earned
	AttainmentBasisPoints int          `json:"attainment_basis_points,omitempty"` // AE only: credit / quota
	PerformanceReview     bool         `json:"performance_review,omitempty"`      // AE with a forfeited (cannibalising) deal
	Lines                 []Line       `json:"lines"`
	Total                 tandem.Money `json:"total"`
}

// DealProfit is one deal's gross profit: ACV − discount − partner margin − SPIFFs − MDF share − cost of goods.
type DealProfit struct {
	OpportunityID int64         `json:"opportunity_id"`
	ExternalID    string        `json:"external_id"`
	OwnerID       int64         `json:"owner_id,omitempty"`
	TerritoryID   int64         `json:"territory_id,omitempty"`
	PartnerID     int64         `json:"partner_id,omitempty"`
	Motion        tandem.Motion `json:"motion"`
	ACV           tandem.Money  `json:"acv"`
	Discount      tandem.Money  `json:"discount"`
	PartnerMargin tandem.Money  `json:"partner_margin"`
	SPIFF         tandem.Money  `json:"spiff"`
	MDF           tandem.Money  `json:"mdf"`
	COGS          tandem.Money  `json:"cogs"`
	GrossProfit   tandem.Money  `json:"gross_profit"`
}

// Result is one period's calculation under one plan version.
type Result struct {
	PlanVersion string       `json:"plan_version"`
	Period      string       `json:"period"`
	AEs         []Statement  `json:"aes"`      // ordered by payee id
	Partners    []Statement  `json:"partners"` // ordered by payee id
	Profit      []DealProfit `json:"profit"`   // ordered by opportunity id
}
