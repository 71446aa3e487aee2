package tandem

import (
	"strings"
	"time"
)

// The joint forecast's records (issue 9): what the store keeps for it and hands to the forecasting
// capability, which turns them into the forecast engine's deals.

// HistoryField names a field of an opportunity whose changes are recorded, as the store's column.
type HistoryField string

const (
	HistoryStage            HistoryField = "stage"
	HistoryACV              HistoryField = "acv"
	HistoryCloseDate        HistoryField = "close_date"
	HistoryForecastCategory HistoryField = "forecast_category"
	HistoryOwner            HistoryField = "owner_id"
	HistoryPartner          HistoryField = "partner_id"
	HistoryMotion           HistoryField = "routing_motion"
	HistoryAttribution      HistoryField = "attribution"
)

// HistoryFields lists the recorded fields.
var HistoryFields = []HistoryField{HistoryStage, HistoryACV, HistoryCloseDate, HistoryForecastCategory,
	HistoryOwner, HistoryPartner, HistoryMotion, HistoryAttribution}

// Valid reports whether f is a recorded field.
func (f HistoryField) Valid() bool {
	for _, g := range HistoryFields {
		if f == g {
			return true
		}
	}
	return false
}

// Where a change came from: captured by the store on a write, or imported from a CRM's history export.
const (
	HistorySourceStore  = "store"
	HistorySourceImport = "import"
)

// OpportunityChange is one recorded change of one field of an opportunity. Old and New are the stored
// values as text: enumerations as stored, acv in minor units, close_date in unix microseconds, owner
// and partner as ids; "" for none.
type OpportunityChange struct {
	ID            int64        `json:"id"`
	OpportunityID int64        `json:"opportunity_id"`
	Field         HistoryField `json:"field"`
	Old           string       `json:"old"`
	New           string       `json:"new"`
	ChangedAt     time.Time    `json:"changed_at"`
	Source        string       `json:"source"`
}

// ForecastSnapshot is one line of a stored weekly forecast: a quarter's category (or "total") as of a
// day, with the owners' roll-up and the statistical band, in minor units, and the seed that reproduces it.
type ForecastSnapshot struct {
	Quarter   string    `json:"quarter"`
	AsOf      string    `json:"as_of"`
	Category  string    `json:"category"`
	WonToDate Money     `json:"won_to_date"`
	Commit    Money     `json:"commit"`
	BestCase  Money     `json:"best_case"`
	Pipeline  Money     `json:"pipeline"`
	P10       Money     `json:"p10"`
	P50       Money     `json:"p50"`
	P90       Money     `json:"p90"`
	Seed      uint64    `json:"seed"`
	TakenAt   time.Time `json:"taken_at"`
}

// SubmissionLevel is whose number a forecast submission is.
type SubmissionLevel string

const (
	SubmissionTeam        SubmissionLevel = "team"
	SubmissionRegion      SubmissionLevel = "region"
	SubmissionPartnerTier SubmissionLevel = "partner_tier"
	SubmissionCompany     SubmissionLevel = "company"
)

// AttributionForecastLines are the attribution categories a forecast is made for, and "total".
var AttributionForecastLines = []string{"direct", "partner_sourced", "partner_led", "partner_influenced", "total"}

// ForecastSubmission is a manager's forecast: the roll-up they were shown, their adjustment on top and
// why. Amount is RollUp + Adjustment.
type ForecastSubmission struct {
	ID          int64           `json:"id"`
	Quarter     string          `json:"quarter"`
	Level       SubmissionLevel `json:"level"`
	Scope       string          `json:"scope"`
	Category    string          `json:"category"`
	RollUp      Money           `json:"roll_up"`
	Adjustment  Money           `json:"adjustment"`
	Amount      Money           `json:"amount"`
	Reason      string          `json:"reason"`
	SubmittedBy int64           `json:"submitted_by"`
	SubmittedAt time.Time       `json:"submitted_at"`
}

// Validate checks a submission's own rules; Amount is derived, not checked.
func (s *ForecastSubmission) Validate() error {
	switch {
	case !validQuarter(s.Quarter):
		return FieldError("quarter", "%q is not a quarter like 2026Q1", s.Quarter)
	case s.Level != SubmissionTeam && s.Level != SubmissionRegion && s.Level != SubmissionPartnerTier && s.Level != SubmissionCompany:
		return FieldError("level", "%q is not one of team, region, partner_tier, company", s.Level)
	case s.Level != SubmissionCompany && strings.TrimSpace(s.Scope) == "":
		return FieldError("scope", "is required for level %s", s.Level)
	case !validForecastCategory(s.Category):
		return FieldError("category", "%q is not a forecast category", s.Category)
	case s.Adjustment != 0 && strings.TrimSpace(s.Reason) == "":
		return FieldError("reason", "an adjustment needs a reason")
	}
	return nil
}

func validForecastCategory(c string) bool {
	for _, d := range AttributionForecastLines {
		if c == d {
			return true
		}
	}
	return false
}

// validQuarter accepts YYYYQn.
func validQuarter(q string) bool {
	if len(q) != 6 || q[4] != 'Q' || q[5] < '1' || q[5] > '4' {
		return false
	}
	for _, r := range q[:4] {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// ForecastMark is a cheap fingerprint of what the forecast reads, taken over every opportunity: how
// many opportunities there are and their latest update (microseconds since the epoch), how many history
// records and the highest record id. A forecast read after a mark holds every change the mark counts;
// while the mark is unchanged nothing it reads has changed (opportunities are never deleted).
type ForecastMark struct {
	Opportunities int
	LastUpdate    int64
	Changes       int
	LastChange    int64
}

// ForecastChanges is what changed after a ForecastMark: the store's answer to a cached forecast.
type ForecastChanges struct {
	// IDs are the opportunities changed, whoever may see them, by id: a cached forecast drops those of
	// them the caller no longer sees.
	IDs []int64
	// Opportunities are those of IDs the caller may see (the fields the forecast reads), by id, and
	// Changes their whole recorded history, by opportunity, time, then record.
	Opportunities []Opportunity
	Changes       []OpportunityChange
	// Earlier is how many history records have an id at or below the mark's highest: more than the
	// mark counted means one committed late with a lower id, which only a full read finds.
	Earlier int
}
