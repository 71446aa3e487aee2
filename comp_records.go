package tandem

import (
	"time"
)

// The stored records of compensation runs (periods, plan versions, who sees which statement) and the
// rules over them that both the store and the compensation workflows (internal/compensation) apply.
// The store reads and writes these; the workflows calculate with the engine (internal/comp).

// Period statuses.
const (
	PeriodOpen   = "open"
	PeriodClosed = "closed"
)

// CompPeriod is a compensation period and, once closed, what froze it.
type CompPeriod struct {
	ID            string    `json:"id" doc:"a quarter such as 2026-Q3"`
	Start         time.Time `json:"start"`
	End           time.Time `json:"end" doc:"exclusive"`
	Status        string    `json:"status" enum:"open,closed"`
	ClosedAt      time.Time `json:"closed_at,omitzero"`
	ClosedBy      int64     `json:"closed_by,omitempty"`
	PlanVersionID int64     `json:"plan_version_id,omitempty" doc:"the stored plan version frozen with the period; 0 for the built-in default plan"`
	PlanVersion   string    `json:"plan_version,omitempty" doc:"closed periods: the plan version frozen with the period"`
	ResultSHA256  string    `json:"result_sha256,omitempty" doc:"closed periods: SHA-256 of the frozen result's canonical JSON"`
	// AdjustmentsLand is true for the open period that receives the adjustments of closed periods.
	AdjustmentsLand bool `json:"adjustments_land,omitempty" doc:"this open period receives the adjustments and clawbacks of closed periods"`
}

// FrozenCompPeriod is a closed period with the documents frozen with it, as stored.
type FrozenCompPeriod struct {
	CompPeriod
	PlanSource  string // the plan YAML in force at the period's start
	Input       string // the CompInput as JSON
	Adjustments string // the adjustment lines that landed in it, as a JSON array
	Result      string // the CompResult as canonical JSON (the bytes ResultSHA256 sums)
}

// CompPeriodClose is what closing a period writes in one transaction: the period with its frozen
// documents, one statement per payee, and the counts the audit entry gives.
type CompPeriodClose struct {
	Frozen     FrozenCompPeriod
	Statements []CompStatement
	// Deals and Adjustments are counted in the audit entry.
	Deals, Adjustments int
	// ClosedBefore is how many periods were closed when the result was calculated: the close is
	// refused when another one closed since, as the adjustments were calculated against the old ones.
	ClosedBefore int
}

// CompPlanVersion is one stored version of the compensation plan (a DocumentVersion, named apart
// from a policy version in the API).
type CompPlanVersion DocumentVersion

// CompPayee names one payee: an AE (user id) or a partner (partner id).
type CompPayee struct {
	Kind PayeeKind
	ID   int64
}

// CompPayout is one imported payout row of a period, with the payee's name.
type CompPayout struct {
	Payee     CompPayee
	Amount    Money
	Reference string
	Name      string
}

// CompScope is the set of statements an actor may see:
//   - revops, admins, VPs, the CRO and the CEO: every statement, gross profit and reconciliation;
//   - anyone else on the vendor's side (AEs, managers): their own statement and their team's — the
//     users who report to them, directly or through others (users.manager_id);
//   - partner managers, in addition: the partner statements of the partners they manage;
//   - partner users: their own partner's partner statement, never an AE's, never gross profit.
type CompScope struct {
	All      bool
	AEs      map[int64]bool
	Partners map[int64]bool
}

// Sees reports whether the scope holds the statement of payee kind id.
func (c CompScope) Sees(kind PayeeKind, id int64) bool {
	if c.All {
		return true
	}
	if kind == PayeeAE {
		return c.AEs[id]
	}
	return c.Partners[id]
}

// CompSeesAll reports whether actor's role sees every statement.
func CompSeesAll(actor Actor) bool {
	return actor.Can(RoleRevOps, RoleVPSales, RoleVPChannel, RoleCRO, RoleCEO)
}

// CompAdmin reports whether actor runs compensation (revops or admin): plans, quotas, closing periods,
// payouts, attribution runs.
func CompAdmin(actor Actor) bool { return actor.Can(RoleRevOps) }

// RequireCompAdmin refuses everyone but revops and admins: partner users as if the record did not
// exist (ENOTFOUND), others EFORBIDDEN saying what only revops may do.
func RequireCompAdmin(actor Actor, kind string, id any, what string) error {
	if actor.IsPartner() {
		return NotFound(kind, id)
	}
	if !CompAdmin(actor) {
		return Errorf(EFORBIDDEN, "only revops may %s", what)
	}
	return nil
}

// ForbiddenOrHidden refuses actor: partner users as if the record kind id did not exist (ENOTFOUND),
// others EFORBIDDEN saying what they may not do.
func ForbiddenOrHidden(actor Actor, kind string, id any, what string) error {
	if actor.IsPartner() {
		return NotFound(kind, id)
	}
	return Errorf(EFORBIDDEN, "you may not %s", what)
}

// ParseCompPeriod parses a period id such as "2026-Q3"; EINVALID on field "period" otherwise.
func ParseCompPeriod(id string) (CompQuarter, error) {
	p, err := ParseQuarter(id)
	if err != nil {
		return p, FieldError("period", "%q is not a quarter like 2026Q3", id)
	}
	return p, nil
}

// AdjustmentPeriod returns the id of the open period that receives adjustments: the quarter after the
// latest of closed (oldest first); "" when none is closed.
func AdjustmentPeriod(closed []CompPeriod) string {
	if len(closed) == 0 {
		return ""
	}
	return QuarterOf(closed[len(closed)-1].End).ID
}

// MayClosePeriod refuses (ECONFLICT) to close period p when it is closed already, has not ended at now,
// or is not the quarter after the latest of closed (oldest first).
func MayClosePeriod(p CompQuarter, closed []CompPeriod, now time.Time) error {
	for _, c := range closed {
		if c.ID == p.ID {
			return Errorf(ECONFLICT, "period %s is closed already; a closed period never changes", p.ID)
		}
	}
	if now.Before(p.End) {
		return Errorf(ECONFLICT, "period %s has not ended; it can close from %s", p.ID, p.End.Format(time.DateOnly))
	}
	if next := AdjustmentPeriod(closed); next != "" && next != p.ID {
		return Errorf(ECONFLICT, "periods close in order: the next period to close is %s", next)
	}
	return nil
}

// AttributionRun is what an attribution recompute did.
type AttributionRun struct {
	PlanVersion string `json:"plan_version" doc:"the plan whose attribution rules were applied"`
	Examined    int    `json:"examined" doc:"opportunities derived"`
	Changed     int    `json:"changed" doc:"opportunities whose stored attribution changed (each audited)"`
	Decided     int    `json:"decided" doc:"opportunities left as a resolved attribution dispute decided them (counted in examined)"`
}
