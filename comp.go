package tandem

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The records of compensation: what a period's calculation reads (CompInput, built by the store from
// the opportunities, registrations, touches and conflicts) and what it produces (CompResult, frozen by
// the store when a period closes). The engine (internal/comp) fills them and names them without the
// Comp prefix; the store reads and writes them without knowing the engine.

// CompQuarter is a compensation period: a calendar quarter such as "2026-Q3", in UTC, [Start, End).
type CompQuarter struct {
	ID    string    `json:"id"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// CompAE is an account executive paid under the plan in one period.
type CompAE struct {
	UserID      int64  `json:"user_id"`
	Name        string `json:"name"`
	Email       string `json:"email"`
	ManagerID   int64  `json:"manager_id,omitempty"`
	TerritoryID int64  `json:"territory_id,omitempty"`
	Quota       Money  `json:"quota"` // 0: the plan's default quota per period
}

// CompPartner is a partner paid margins under the plan in one period.
type CompPartner struct {
	ID   int64       `json:"id"`
	Name string      `json:"name"`
	Tier Tier        `json:"tier"`
	Type PartnerType `json:"type"` // reseller deals pay resale margin; referral and co_sell pay referral margin
}

// CompSplit is a share of a deal decided by a conflict's escalation.
type CompSplit struct {
	ConflictID int64 `json:"conflict_id"`
	// PartnerShareBasisPoints is the partner's share of the deal (1..9999); the AE side has the rest.
	PartnerShareBasisPoints int    `json:"partner_share_basis_points"`
	Rationale               string `json:"rationale"`
}

// CompDeal is a closed-won opportunity as the plan sees it. The store builds it from the opportunity, its
// registrations, touches and conflicts.
type CompDeal struct {
	OpportunityID int64       `json:"opportunity_id"`
	ExternalID    string      `json:"external_id"`
	Name          string      `json:"name"`
	OwnerID       int64       `json:"owner_id"` // the AE; 0 when nobody owns it
	PartnerID     int64       `json:"partner_id,omitempty"`
	TerritoryID   int64       `json:"territory_id,omitempty"`
	Motion        Motion      `json:"motion"`
	Attribution   Attribution `json:"attribution"`
	ACV           Money       `json:"acv"` // list value in Currency, before discount
	Currency      string      `json:"currency"`
	// DiscountBasisPoints is the discount off list; commission, margin and profit use the net value.
	DiscountBasisPoints int       `json:"discount_basis_points"`
	COGSBasisPoints     int       `json:"cogs_basis_points"`
	ClosedOn            time.Time `json:"closed_on"` // decides the period
	// Registered is true when an approved (or won) registration of PartnerID covers the deal.
	Registered bool `json:"registered"`
	// Cannibalisation is the anti-cannibalisation flag set by conflict detection: the AE forfeits
	// commission on the deal and is flagged for performance review.
	Cannibalisation bool       `json:"cannibalisation"`
	Split           *CompSplit `json:"split,omitempty"`
}

// CompInput is everything one period's calculation reads. Frozen as JSON when the period closes, it
// reproduces the period's statements byte for byte.
type CompInput struct {
	Period   CompQuarter   `json:"period"`
	AEs      []CompAE      `json:"aes"`
	Partners []CompPartner `json:"partners"`
	Deals    []CompDeal    `json:"deals"`
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

// CompLine is one line of a statement: every cent traces to a deal, a rule and a plan version.
type CompLine struct {
	Period        string      `json:"period"`
	PayeeKind     PayeeKind   `json:"payee_kind"`
	PayeeID       int64       `json:"payee_id"`
	OpportunityID int64       `json:"opportunity_id"`
	DealExternal  string      `json:"deal_external_id"`
	Kind          LineKind    `json:"kind"`
	Attribution   Attribution `json:"attribution"`
	// Basis is the amount the rate applies to (plan currency); Rate is in basis points (0 for fixed amounts).
	Basis           Money `json:"basis"`
	RateBasisPoints int   `json:"rate_basis_points"`
	Amount          Money `json:"amount"`
	// QuotaCredit is the credit the line adds to the AE's attainment (AE commission lines only).
	QuotaCredit   Money  `json:"quota_credit"`
	Rule          string `json:"rule"` // the plan rule, e.g. "ae.base_rate", "spiff.bands[1]", "partner.margins.resale.gold"
	PlanVersion   string `json:"plan_version"`
	Explanation   string `json:"explanation"`
	AdjustsPeriod string `json:"adjusts_period,omitempty"` // adjustments and clawbacks: the closed period changed
}

// CompStatement is one payee's statement for one period. Total equals the sum of Lines' amounts exactly.
type CompStatement struct {
	Period                string     `json:"period"`
	PayeeKind             PayeeKind  `json:"payee_kind"`
	PayeeID               int64      `json:"payee_id"`
	Name                  string     `json:"name"`
	Quota                 Money      `json:"quota,omitempty"`                   // AE only
	Credit                Money      `json:"credit,omitempty"`                  // AE only: quota credit earned
	AttainmentBasisPoints int        `json:"attainment_basis_points,omitempty"` // AE only: credit / quota
	PerformanceReview     bool       `json:"performance_review,omitempty"`      // AE with a forfeited (cannibalising) deal
	Lines                 []CompLine `json:"lines"`
	Total                 Money      `json:"total"`
}

// DealProfit is one deal's gross profit: ACV − discount − partner margin − SPIFFs − MDF share − cost of goods.
type DealProfit struct {
	OpportunityID int64  `json:"opportunity_id"`
	ExternalID    string `json:"external_id"`
	OwnerID       int64  `json:"owner_id,omitempty"`
	TerritoryID   int64  `json:"territory_id,omitempty"`
	PartnerID     int64  `json:"partner_id,omitempty"`
	Motion        Motion `json:"motion"`
	ACV           Money  `json:"acv"`
	Discount      Money  `json:"discount"`
	PartnerMargin Money  `json:"partner_margin"`
	SPIFF         Money  `json:"spiff"`
	MDF           Money  `json:"mdf"`
	COGS          Money  `json:"cogs"`
	GrossProfit   Money  `json:"gross_profit"`
}

// CompResult is one period's calculation under one plan version.
type CompResult struct {
	PlanVersion string          `json:"plan_version"`
	Period      string          `json:"period"`
	AEs         []CompStatement `json:"aes"`      // ordered by payee id
	Partners    []CompStatement `json:"partners"` // ordered by payee id
	Profit      []DealProfit    `json:"profit"`   // ordered by opportunity id
}

// ParseQuarter parses a calendar quarter written "2026Q3" or "2026-Q3" (case-insensitive) into its UTC
// bounds [Start, End). The ID is always the stored form "2026-Q3"; Label gives the displayed "2026Q3".
// It returns an EINVALID error for anything else.
func ParseQuarter(s string) (CompQuarter, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	year, q, ok := strings.Cut(s, "Q")
	year = strings.TrimSuffix(year, "-")
	y, err := strconv.Atoi(year)
	if !ok || err != nil || len(year) != 4 || len(q) != 1 || q[0] < '1' || q[0] > '4' {
		return CompQuarter{}, FieldError("period", "%q is not a quarter such as 2026Q3", s)
	}
	start := time.Date(y, time.Month(3*int(q[0]-'1')+1), 1, 0, 0, 0, 0, time.UTC)
	return CompQuarter{ID: year + "-Q" + q, Start: start, End: start.AddDate(0, 3, 0)}, nil
}

// QuarterOf returns the calendar quarter (UTC) that t falls in.
func QuarterOf(t time.Time) CompQuarter {
	t = t.UTC()
	q := (int(t.Month())-1)/3 + 1
	start := time.Date(t.Year(), time.Month(3*(q-1)+1), 1, 0, 0, 0, 0, time.UTC)
	return CompQuarter{ID: fmt.Sprintf("%04d-Q%d", t.Year(), q), Start: start, End: start.AddDate(0, 3, 0)}
}

// Label is the quarter as Tandem writes it for people: "2026Q3", the form of every --quarter flag and
// report. (Stored keys keep "2026-Q3"; both are accepted as input.)
func (p CompQuarter) Label() string { return QuarterLabel(p.ID) }

// QuarterLabel turns a stored period key "2026-Q3" into its displayed form "2026Q3"; anything else is
// returned as it is.
func QuarterLabel(id string) string {
	if len(id) == 7 && id[4] == '-' && id[5] == 'Q' {
		return id[:4] + id[5:]
	}
	return id
}

// Contains reports whether t falls in the period.
func (p CompQuarter) Contains(t time.Time) bool { return !t.Before(p.Start) && t.Before(p.End) }

// RegistrationFact is what attribution reads of a deal registration linked to the opportunity.
type RegistrationFact struct {
	ID          int64              `json:"id"`
	PartnerID   int64              `json:"partner_id"`
	Status      RegistrationStatus `json:"status"`
	SubmittedAt time.Time          `json:"submitted_at"`
	DecidedAt   time.Time          `json:"decided_at,omitzero"`
}

// TouchFact is what attribution reads of a partner touch on the opportunity.
type TouchFact struct {
	PartnerID  int64     `json:"partner_id"`
	Kind       TouchKind `json:"kind"`
	OccurredAt time.Time `json:"occurred_at"`
}

// AttributionFacts is everything attribution reads about one opportunity.
type AttributionFacts struct {
	OpportunityID int64     `json:"opportunity_id"`
	CreatedOn     time.Time `json:"created_on"` // when the vendor opportunity was created
	// ClosedOn bounds the influence window; zero for an open deal.
	ClosedOn      time.Time          `json:"closed_on,omitzero"`
	Motion        Motion             `json:"motion"`
	PartnerID     int64              `json:"partner_id,omitempty"` // the partner attached, 0 for none
	Registrations []RegistrationFact `json:"registrations,omitempty"`
	Touches       []TouchFact        `json:"touches,omitempty"`
}

// AttributionFactsOf gathers the attribution facts of an opportunity from its linked registrations and its
// touches (registrations and touches of other opportunities are ignored). A closed opportunity's
// close date ends the influence window.
func AttributionFactsOf(o *Opportunity, regs []Registration, touches []Touch) AttributionFacts {
	f := AttributionFacts{OpportunityID: o.ID, CreatedOn: o.CreatedOn, Motion: o.Routing.Motion, PartnerID: o.PartnerID}
	if o.Stage.Closed() {
		f.ClosedOn = o.CloseDate
	}
	for _, r := range regs {
		if r.OpportunityID != 0 && r.OpportunityID != o.ID {
			continue
		}
		f.Registrations = append(f.Registrations, RegistrationFact{ID: r.ID, PartnerID: r.PartnerID, Status: r.Status, SubmittedAt: r.SubmittedAt, DecidedAt: r.DecidedAt})
	}
	for _, t := range touches {
		if t.OpportunityID != 0 && t.OpportunityID != o.ID {
			continue
		}
		f.Touches = append(f.Touches, TouchFact{PartnerID: t.PartnerID, Kind: t.Kind, OccurredAt: t.OccurredAt})
	}
	return f
}
