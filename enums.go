package tandem

import (
	"slices"
	"strings"
)

// CheckOneOf returns nil when v is one of all, and otherwise a field error that lists them: the
// message follows the list, so a value added to an enumeration is named in its errors too.
func CheckOneOf[T ~string](field string, v T, all []T) error {
	if slices.Contains(all, v) {
		return nil
	}
	return FieldError(field, "%q is not one of %s", v, strings.Join(Strings(all), ", "))
}

// Strings returns the values of an enumeration (or any string type) as plain strings, in order.
func Strings[T ~string](values []T) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = string(v)
	}
	return out
}

// Motion is the route a deal takes to market, decided by the rules-of-engagement policy.
type Motion string

const (
	MotionPartnerLed Motion = "partner_led" // the partner leads; the vendor supports
	MotionCoSell     Motion = "co_sell"     // vendor AE and partner sell together (the hybrid motion)
	MotionDirect     Motion = "direct"      // the vendor sells; a partner may be attached
)

// Motions lists every motion in display order.
var Motions = []Motion{MotionPartnerLed, MotionCoSell, MotionDirect}

// Valid reports whether m is a known motion.
func (m Motion) Valid() bool { return slices.Contains(Motions, m) }

// ProductType classifies a product for routing: core products route by size, add-ons and services
// default to partner-led.
type ProductType string

const (
	ProductCore     ProductType = "core"
	ProductAddon    ProductType = "addon"
	ProductServices ProductType = "services"
)

var ProductTypes = []ProductType{ProductCore, ProductAddon, ProductServices}

func (p ProductType) Valid() bool { return slices.Contains(ProductTypes, p) }

// Tier is a partner's programme tier; margins and benefits depend on it.
type Tier string

const (
	TierPlatinum   Tier = "platinum"
	TierGold       Tier = "gold"
	TierSilver     Tier = "silver"
	TierRegistered Tier = "registered"
)

var Tiers = []Tier{TierPlatinum, TierGold, TierSilver, TierRegistered}

func (t Tier) Valid() bool { return slices.Contains(Tiers, t) }

// PartnerType is how a partner takes part in deals.
type PartnerType string

const (
	PartnerReseller PartnerType = "reseller"
	PartnerReferral PartnerType = "referral"
	PartnerCoSell   PartnerType = "co_sell"
)

var PartnerTypes = []PartnerType{PartnerReseller, PartnerReferral, PartnerCoSell}

func (p PartnerType) Valid() bool { return slices.Contains(PartnerTypes, p) }

// Standing is a partner's standing in the programme; only partners in good standing get clean
// registrations auto-approved.
type Standing string

const (
	StandingGood      Standing = "good"
	StandingProbation Standing = "probation"
	StandingSuspended Standing = "suspended"
)

var Standings = []Standing{StandingGood, StandingProbation, StandingSuspended}

func (s Standing) Valid() bool { return slices.Contains(Standings, s) }

// Stage is an opportunity's sales stage.
type Stage string

const (
	StageProspecting Stage = "prospecting"
	StageQualified   Stage = "qualified"
	StageProposal    Stage = "proposal"
	StageNegotiation Stage = "negotiation"
	StageClosedWon   Stage = "closed_won"
	StageClosedLost  Stage = "closed_lost"
)

var Stages = []Stage{StageProspecting, StageQualified, StageProposal, StageNegotiation, StageClosedWon, StageClosedLost}

func (s Stage) Valid() bool { return slices.Contains(Stages, s) }

// Closed reports whether the stage is won or lost.
func (s Stage) Closed() bool { return s == StageClosedWon || s == StageClosedLost }

// ForecastCategory is the rep's call on an opportunity.
type ForecastCategory string

const (
	ForecastPipeline ForecastCategory = "pipeline"
	ForecastBestCase ForecastCategory = "best_case"
	ForecastCommit   ForecastCategory = "commit"
	ForecastClosed   ForecastCategory = "closed"
	ForecastOmitted  ForecastCategory = "omitted"
)

var ForecastCategories = []ForecastCategory{ForecastPipeline, ForecastBestCase, ForecastCommit, ForecastClosed, ForecastOmitted}

func (f ForecastCategory) Valid() bool { return slices.Contains(ForecastCategories, f) }

// Attribution is how much of a deal a partner can claim; it drives quota credit and the joint forecast.
type Attribution string

const (
	AttributionDirect            Attribution = "direct"
	AttributionPartnerSourced    Attribution = "partner_sourced"
	AttributionPartnerLed        Attribution = "partner_led"
	AttributionPartnerInfluenced Attribution = "partner_influenced"
)

var Attributions = []Attribution{AttributionDirect, AttributionPartnerSourced, AttributionPartnerLed, AttributionPartnerInfluenced}

func (a Attribution) Valid() bool { return slices.Contains(Attributions, a) }

// Role is what a user may do. Every user has exactly one.
type Role string

const (
	RoleAdmin          Role = "admin"
	RoleRevOps         Role = "revops"
	RoleAE             Role = "ae"
	RolePartnerManager Role = "partner_manager"
	RoleVPSales        Role = "vp_sales"
	RoleVPChannel      Role = "vp_channel"
	RoleCRO            Role = "cro"
	RoleCEO            Role = "ceo"
	RolePartnerUser    Role = "partner_user" // bound to exactly one partner; sees only that partner's records
)

var Roles = []Role{RoleAdmin, RoleRevOps, RoleAE, RolePartnerManager, RoleVPSales, RoleVPChannel, RoleCRO, RoleCEO, RolePartnerUser}

// RegistrationDeciders approve and reject deal registrations (admin always may): the one list the
// store's lifecycle checks and the API and UI permission table grants.
var RegistrationDeciders = []Role{RoleRevOps, RolePartnerManager, RoleVPChannel}

func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// roleLabels are the roles as the product names them to people.
var roleLabels = map[Role]string{
	RoleAdmin: "Admin", RoleRevOps: "RevOps", RoleAE: "AE", RolePartnerManager: "Partner manager",
	RoleVPSales: "VP Sales", RoleVPChannel: "VP Channel", RoleCRO: "CRO", RoleCEO: "CEO", RolePartnerUser: "Partner user",
}

// Label returns the role as people read it ("RevOps", "VP Sales"); an unknown role as it is.
func (r Role) Label() string {
	if l, ok := roleLabels[r]; ok {
		return l
	}
	return string(r)
}

// RegistrationStatus is where a deal registration is in its lifecycle.
type RegistrationStatus string

const (
	RegistrationSubmitted RegistrationStatus = "submitted"
	RegistrationApproved  RegistrationStatus = "approved"
	RegistrationRejected  RegistrationStatus = "rejected"
	RegistrationExpired   RegistrationStatus = "expired"
	RegistrationWon       RegistrationStatus = "won"
	RegistrationLost      RegistrationStatus = "lost"
	RegistrationWithdrawn RegistrationStatus = "withdrawn"
)

var RegistrationStatuses = []RegistrationStatus{RegistrationSubmitted, RegistrationApproved, RegistrationRejected,
	RegistrationExpired, RegistrationWon, RegistrationLost, RegistrationWithdrawn}

func (s RegistrationStatus) Valid() bool { return slices.Contains(RegistrationStatuses, s) }

// TouchKind is the kind of contribution a partner made to an opportunity.
type TouchKind string

const (
	TouchSourced   TouchKind = "sourced"
	TouchCoSell    TouchKind = "co_sell"
	TouchInfluence TouchKind = "influence"
)

var TouchKinds = []TouchKind{TouchSourced, TouchCoSell, TouchInfluence}

func (k TouchKind) Valid() bool { return slices.Contains(TouchKinds, k) }

// ConflictCause is why a conflict was opened.
type ConflictCause string

const (
	CausePartnerOverlap   ConflictCause = "partner_overlap"   // two partners registered the same account and product
	CauseDirectOverlap    ConflictCause = "direct_overlap"    // a registration overlaps a direct opportunity
	CauseProtectedReroute ConflictCause = "protected_reroute" // a deal past a protected stage was re-routed
	CauseCannibalisation  ConflictCause = "cannibalisation"   // an AE undercut a partner-registered deal
	CauseAttribution      ConflictCause = "attribution"       // a disputed attribution
)

var ConflictCauses = []ConflictCause{CausePartnerOverlap, CauseDirectOverlap, CauseProtectedReroute, CauseCannibalisation, CauseAttribution}

func (c ConflictCause) Valid() bool { return slices.Contains(ConflictCauses, c) }

// ConflictStatus is open until someone decides.
type ConflictStatus string

const (
	ConflictOpen     ConflictStatus = "open"
	ConflictResolved ConflictStatus = "resolved"
)

// Resolution is how a conflict was decided.
type Resolution string

const (
	ResolvePartner Resolution = "award_partner"
	ResolveDirect  Resolution = "award_direct"
	ResolveCoSell  Resolution = "co_sell"
	ResolveSplit   Resolution = "split"
)

var Resolutions = []Resolution{ResolvePartner, ResolveDirect, ResolveCoSell, ResolveSplit}

func (r Resolution) Valid() bool { return slices.Contains(Resolutions, r) }

// EscalationLevel is a rung of the four-level conflict path.
type EscalationLevel int

const (
	LevelAEAndPartnerManager EscalationLevel = 1
	LevelVPs                 EscalationLevel = 2
	LevelCRO                 EscalationLevel = 3
	LevelCEO                 EscalationLevel = 4
)

// Deciders returns the roles that own a conflict at this level.
func (l EscalationLevel) Deciders() []Role {
	switch l {
	case LevelAEAndPartnerManager:
		return []Role{RoleAE, RolePartnerManager}
	case LevelVPs:
		return []Role{RoleVPSales, RoleVPChannel}
	case LevelCRO:
		return []Role{RoleCRO}
	case LevelCEO:
		return []Role{RoleCEO}
	}
	return nil
}
