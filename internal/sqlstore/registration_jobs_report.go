package sqlstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	tandem "github.com/tandem-revops/tandem"
)

// ApprovalStats summarises how long registration decisions took, in business hours of the approval
// SLA's calendar.
type ApprovalStats struct {
	Decided  int `json:"decided" doc:"approvals and rejections in the period"`
	Approved int `json:"approved"`
	Rejected int `json:"rejected"`
	// AutoApproved counts the approvals the system gave on submission.
	AutoApproved      int     `json:"auto_approved"`
	AutoApprovedShare float64 `json:"auto_approved_share" doc:"auto-approved / decided, 0 to 1"`
	// MedianBusinessHours and P90BusinessHours are nearest-rank percentiles of the business hours from
	// submission to decision (0 when nothing was decided).
	MedianBusinessHours float64 `json:"median_business_hours"`
	P90BusinessHours    float64 `json:"p90_business_hours"`
	WithinSLA           int     `json:"within_sla" doc:"decided within the approval SLA"`
	WithinSLAShare      float64 `json:"within_sla_share" doc:"within_sla / decided, 0 to 1"`
	// Breaches counts the decisions that came after the SLA ran out.
	Breaches int `json:"breaches"`

	seconds []int64 // business seconds of each decision, for the percentiles
}

func (a *ApprovalStats) add(d approvalDecision, budget int64) {
	a.Decided++
	if d.event == tandem.EventApprove {
		a.Approved++
	} else {
		a.Rejected++
	}
	if d.auto {
		a.AutoApproved++
	}
	if d.seconds <= budget {
		a.WithinSLA++
	} else {
		a.Breaches++
	}
	a.seconds = append(a.seconds, d.seconds)
}

func (a *ApprovalStats) finish() {
	if a.Decided == 0 {
		return
	}
	a.AutoApprovedShare = round4(float64(a.AutoApproved) / float64(a.Decided))
	a.WithinSLAShare = round4(float64(a.WithinSLA) / float64(a.Decided))
	slices.Sort(a.seconds)
	a.MedianBusinessHours = hoursOf(nearestRank(a.seconds, 50))
	a.P90BusinessHours = hoursOf(nearestRank(a.seconds, 90))
	a.seconds = nil
}

// nearestRank is the p-th percentile of sorted by the nearest-rank method: the smallest value with at
// least p % of the values at or below it. It is always one of the values, never an interpolation.
func nearestRank(sorted []int64, p int) int64 {
	rank := (p*len(sorted) + 99) / 100 // ceil(p/100 × n)
	return sorted[max(rank, 1)-1]
}

func hoursOf(seconds int64) float64 { return float64(seconds*100/3600) / 100 } // to the hundredth, down
func round4(f float64) float64      { return float64(int64(f*10000+0.5)) / 10000 }

// ApprovalGroup is the stats of one partner manager's partners, or of one month.
type ApprovalGroup struct {
	Key   string `json:"key" doc:"the partner manager's user id (\"\" for partners without one), or the month YYYY-MM"`
	Label string `json:"label" doc:"the partner manager's name, or the month"`
	ApprovalStats
}

// ApprovalReport is the approval-time report for a period.
type ApprovalReport struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	// SLABusinessHours is the approval SLA the decisions are measured against.
	SLABusinessHours float64 `json:"sla_business_hours"`
	ApprovalStats
	// ByPartnerManager has one row per partner manager of the deciding registrations' partners, most
	// decisions first; ByMonth one per calendar month (UTC) of the decisions, oldest first.
	ByPartnerManager []ApprovalGroup `json:"by_partner_manager"`
	ByMonth          []ApprovalGroup `json:"by_month"`
	// SLABreachAlerts counts the sla_breached alerts recorded in the period (decided or not since).
	SLABreachAlerts int `json:"sla_breach_alerts"`
	// Waiting is how many registrations wait for a decision now.
	Waiting int `json:"waiting"`
}

type approvalDecision struct {
	event       tandem.RegistrationEvent
	at          time.Time
	auto        bool
	seconds     int64
	managerID   int64
	managerName string
}

// ApprovalReport returns how fast registrations decided from from (inclusive) to to (exclusive) were
// decided, against sla: counts, the share auto-approved, the median and 90th percentile business hours
// from submission to decision, the share within the SLA and the breaches, overall, by partner manager
// and by month. A decision's business time is the one recorded when it was made, or, for a decision
// recorded without it, computed on sla's calendar. EFORBIDDEN for partner users; EINVALID when to is
// not after from.
func (s *Store) ApprovalReport(ctx context.Context, actor tandem.Actor, from, to time.Time, sla tandem.SLA) (*ApprovalReport, error) {
	if err := forbidPartner(actor, "see the approval report"); err != nil {
		return nil, err
	}
	if !to.After(from) {
		return nil, tandem.FieldError("to", "must be after from")
	}
	if sla.Calendar == nil {
		return nil, tandem.Errorf(tandem.EINVALID, "the approval report needs a business calendar")
	}
	from, to = from.UTC(), to.UTC()
	rows, err := s.read.QueryContext(ctx, `SELECT e.event, e.at, e.actor_id, e.reason, e.business_seconds, r.submitted_at,
			r.created_at, COALESCE(p.manager_id, 0), COALESCE(u.name, '')
		FROM registration_events e
		JOIN registrations r ON r.id = e.registration_id
		JOIN partners p ON p.id = r.partner_id
		LEFT JOIN users u ON u.id = p.manager_id
		WHERE (e.event = 'approve' OR e.event = 'reject') AND e.at >= $1 AND e.at < $2
		ORDER BY e.at, e.id`, from.UnixMicro(), to.UnixMicro())
	if err != nil {
		return nil, fmt.Errorf("approval report: %w", err)
	}
	var decisions []approvalDecision
	for rows.Next() {
		var (
			d                  approvalDecision
			actorID, seconds   int64
			reason             string
			submitted, created time.Time
		)
		if err := rows.Scan(&d.event, timeCol{&d.at}, idCol{&actorID}, &reason, idCol{&seconds}, timeCol{&submitted},
			timeCol{&created}, &d.managerID, &d.managerName); err != nil {
			rows.Close()
			return nil, fmt.Errorf("approval report: %w", err)
		}
		d.auto = d.event == tandem.EventApprove && actorID == 0 && strings.HasPrefix(reason, tandem.AutoApprovedPrefix)
		d.seconds = seconds
		if seconds == 0 && !d.auto {
			// Not recorded (a decision made without a calendar, or at the very instant of submission).
			start := submitted
			if start.IsZero() {
				start = created
			}
			d.seconds = int64(sla.Calendar.BusinessHoursBetween(start, d.at) / time.Second)
		}
		decisions = append(decisions, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("approval report: %w", err)
	}
	rep := &ApprovalReport{From: from, To: to, SLABusinessHours: sla.Budget.Hours(),
		ByPartnerManager: []ApprovalGroup{}, ByMonth: []ApprovalGroup{}}
	budget := int64(sla.Budget / time.Second)
	managers, months := map[int64]*ApprovalGroup{}, map[string]*ApprovalGroup{}
	var managerOrder []int64
	var monthOrder []string
	for _, d := range decisions {
		rep.add(d, budget)
		m := managers[d.managerID]
		if m == nil {
			m = &ApprovalGroup{Label: d.managerName}
			if d.managerID != 0 {
				m.Key = idString(d.managerID)
			} else {
				m.Label = "no partner manager"
			}
			managers[d.managerID] = m
			managerOrder = append(managerOrder, d.managerID)
		}
		m.add(d, budget)
		month := d.at.Format("2006-01")
		mo := months[month]
		if mo == nil {
			mo = &ApprovalGroup{Key: month, Label: d.at.Format("January 2006")}
			months[month] = mo
			monthOrder = append(monthOrder, month)
		}
		mo.add(d, budget)
	}
	rep.finish()
	for _, id := range managerOrder {
		g := managers[id]
		g.finish()
		rep.ByPartnerManager = append(rep.ByPartnerManager, *g)
	}
	slices.SortStableFunc(rep.ByPartnerManager, func(a, b ApprovalGroup) int {
		return cmp.Or(cmp.Compare(b.Decided, a.Decided), cmp.Compare(a.Label, b.Label))
	})
	slices.Sort(monthOrder)
	for _, k := range monthOrder {
		g := months[k]
		g.finish()
		rep.ByMonth = append(rep.ByMonth, *g)
	}
	err = s.read.QueryRowContext(ctx, `SELECT
			(SELECT count(*) FROM registration_events WHERE event = 'sla_breached' AND at >= $1 AND at < $2),
			(SELECT count(*) FROM registrations WHERE status = 'submitted')`,
		from.UnixMicro(), to.UnixMicro()).Scan(&rep.SLABreachAlerts, &rep.Waiting)
	if err != nil {
		return nil, fmt.Errorf("approval report: %w", err)
	}
	return rep, nil
}
