package prediction

import (
	"math"
	"strconv"
	"time"

	"github.com/tandem-revops/tandem/internal/predict"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// Thresholds are the policy's ACV thresholds (in its currency's minor units) a registration's ACV is
// measured against: a deal just under a threshold that decides who leads is one the direct team
// watches.
type Thresholds struct {
	Currency string
	Amounts  []int64
}

// Windows over which the history features count.
const (
	overlapWindow = 365 * 24 * time.Hour // another partner's registration of the same account
	touchWindow   = 90 * 24 * time.Hour  // recent partner activity on the account
)

// Feature names. They are the column names the model learns and the reasons name.
const (
	fACV                 = "acv"
	fCurrency            = "currency"
	fACVThreshold        = "acv_to_nearest_threshold"
	fProductType         = "product_type"
	fProduct             = "product"
	fCountry             = "country"
	fVertical            = "vertical"
	fPartnerTier         = "partner_tier"
	fPartnerType         = "partner_type"
	fPartnerStanding     = "partner_standing"
	fPartnerRegs         = "partner_prior_registrations"
	fPartnerConflicts    = "partner_prior_conflicts"
	fPartnerConflictRate = "partner_conflict_rate"
	fPartnerWinRate      = "partner_win_rate"
	fMatchScore          = "account_match_score"
	fMatchDecision       = "account_match_decision"
	fAccountResolved     = "account_resolved"
	fOtherPartnerRegs    = "other_partners_registered_account"
	fAccountRegs         = "account_prior_registrations"
	fDirectDeals         = "account_direct_deals"
	fDaysSinceTouch      = "days_since_account_touched"
	fRecentTouches       = "account_touches_90d"
	fOwnerConflicts      = "ae_prior_conflicts"
	fOwnerWinRate        = "ae_win_rate"
	fDaysToQuarterEnd    = "days_to_quarter_end"
	fMotion              = "motion"
	fDiscount            = "discount_percent"
	fHasPartner          = "partner_attached"
)

// ConflictFeatures and WinFeatures are the features of each model, in order.
var (
	ConflictFeatures = []string{fACV, fCurrency, fACVThreshold, fProductType, fCountry, fVertical, fPartnerTier, fPartnerType,
		fPartnerStanding, fPartnerRegs, fPartnerConflicts, fPartnerConflictRate, fPartnerWinRate, fMatchScore, fMatchDecision,
		fAccountResolved, fOtherPartnerRegs, fAccountRegs, fDirectDeals, fDaysSinceTouch, fRecentTouches, fOwnerConflicts,
		fOwnerWinRate, fDaysToQuarterEnd}
	WinFeatures = []string{fACV, fCurrency, fProduct, fProductType, fMotion, fCountry, fVertical, fDiscount, fHasPartner,
		fPartnerTier, fPartnerType, fPartnerWinRate, fOwnerWinRate, fDirectDeals, fRecentTouches, fDaysToQuarterEnd}
)

// majorUnits turns minor units into whole major units for a feature. The one rounding rule: integer
// division, towards zero (a feature needs the size of a deal, not its cents); sums of money never go
// through here.
func majorUnits(minor int64) string { return strconv.FormatInt(minor/100, 10) }

func itoa(n int) string { return strconv.Itoa(n) }

// rate formats k/n, or missing when there is nothing to divide.
func rate(k, n int) string {
	if n == 0 {
		return ""
	}
	return strconv.FormatFloat(float64(k)/float64(n), 'f', 4, 64)
}

func daysToQuarterEnd(t time.Time) string {
	t = t.UTC()
	q := (int(t.Month()) - 1) / 3
	end := time.Date(t.Year(), time.Month(q*3+4), 1, 0, 0, 0, 0, time.UTC)
	return itoa(int(end.Sub(t).Hours() / 24))
}

// thresholdRatio is log2(ACV / the nearest threshold): 0 at a threshold, -0.1 just under one; missing
// when the currency is not the policy's or there are no thresholds.
func (th Thresholds) ratio(minor int64, currency string) string {
	if len(th.Amounts) == 0 || currency != th.Currency || minor <= 0 {
		return ""
	}
	best := math.Inf(1)
	for _, a := range th.Amounts {
		if a <= 0 {
			continue
		}
		if r := math.Log2(float64(minor) / float64(a)); math.Abs(r) < math.Abs(best) {
			best = r
		}
	}
	if math.IsInf(best, 0) {
		return ""
	}
	return strconv.FormatFloat(best, 'f', 3, 64)
}

// partnerFacts fills the partner's features as of t.
func (ix *index) partnerFacts(rec predict.Record, partnerID int64, t time.Time) {
	p, ok := ix.partners[partnerID]
	if !ok {
		rec[fPartnerTier], rec[fPartnerType] = "none", "none"
		return
	}
	rec[fPartnerTier], rec[fPartnerType], rec[fPartnerStanding] = p.Tier, p.Type, p.Standing
	closed, won := ix.partnerClosed[partnerID].before(t)
	rec[fPartnerWinRate] = rate(won, closed)
}

// conflictRecord is a registration's features as of at (its submit time): only records strictly
// earlier count, and the matcher's score only if it was known by then.
func (ix *index) conflictRecord(r sqlstore.HistoryRegistration, at time.Time, th Thresholds) predict.Record {
	rec := predict.Record{
		fACV: majorUnits(r.EstimatedACV), fCurrency: r.Currency, fACVThreshold: th.ratio(r.EstimatedACV, r.Currency),
		fProductType: r.ProductType, fCountry: r.Country, fDaysToQuarterEnd: daysToQuarterEnd(at),
		fAccountResolved: strconv.FormatBool(r.AccountID != 0),
	}
	ix.partnerFacts(rec, r.PartnerID, at)
	regs, _ := ix.partnerRegs[r.PartnerID].before(at)
	conflicts, _ := ix.partnerConflicts[r.PartnerID].before(at)
	rec[fPartnerRegs], rec[fPartnerConflicts], rec[fPartnerConflictRate] = itoa(regs), itoa(conflicts), rate(conflicts, regs)
	if r.MatchDecision != "" && !r.MatchedAt.After(at) {
		rec[fMatchScore] = strconv.FormatFloat(r.MatchScore, 'f', 3, 64)
		rec[fMatchDecision] = r.MatchDecision
	}
	if r.AccountID != 0 {
		a := ix.accounts[r.AccountID]
		rec[fVertical] = a.Vertical
		rec[fOtherPartnerRegs] = itoa(ix.otherPartnerRegs(r.AccountID, r.PartnerID, at, overlapWindow))
		n, _ := ix.accountRegs[r.AccountID].before(at)
		rec[fAccountRegs] = itoa(n)
		d, _ := ix.accountDirect[r.AccountID].before(at)
		rec[fDirectDeals] = itoa(d)
		ix.touchFacts(rec, r.AccountID, at)
		if a.OwnerID != 0 {
			c, _ := ix.ownerConflicts[a.OwnerID].before(at)
			closed, won := ix.ownerClosed[a.OwnerID].before(at)
			rec[fOwnerConflicts], rec[fOwnerWinRate] = itoa(c), rate(won, closed)
		}
	}
	return rec
}

func (ix *index) touchFacts(rec predict.Record, account int64, at time.Time) {
	tl := ix.accountTouches[account]
	if last := tl.last(at); !last.IsZero() {
		rec[fDaysSinceTouch] = itoa(int(at.Sub(last).Hours() / 24))
	}
	all, _ := tl.before(at)
	older, _ := tl.before(at.Add(-touchWindow))
	rec[fRecentTouches] = itoa(all - older)
}

// winRecord is an opportunity's features as of at: what the deal itself says from its start (amount,
// product, motion, partner, place) and the partner's and owner's record strictly before at.
func (ix *index) winRecord(o sqlstore.HistoryOpportunity, at time.Time) predict.Record {
	rec := predict.Record{
		fACV: majorUnits(o.ACV), fCurrency: o.Currency, fProduct: o.Product, fProductType: o.ProductType, fMotion: o.Motion,
		fCountry: o.Country, fVertical: o.Vertical, fDiscount: strconv.FormatFloat(float64(o.DiscountBP)/100, 'f', 2, 64),
		fHasPartner: strconv.FormatBool(o.PartnerID != 0), fDaysToQuarterEnd: daysToQuarterEnd(at),
	}
	if rec[fVertical] == "" {
		rec[fVertical] = ix.accounts[o.AccountID].Vertical
	}
	ix.partnerFacts(rec, o.PartnerID, at)
	if o.OwnerID != 0 {
		closed, won := ix.ownerClosed[o.OwnerID].before(at)
		rec[fOwnerWinRate] = rate(won, closed)
	}
	d, _ := ix.accountDirect[o.AccountID].before(at)
	rec[fDirectDeals] = itoa(d)
	ix.touchFacts(rec, o.AccountID, at)
	return rec
}
