package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// The approval-time report: how fast the registrations decided in a period were decided, in business
// hours of the policy's calendar — overall, by partner manager and by month, with a chart of the
// months. The period is a quarter, a year or the last twelve months.

// period is the report's time span, [From, To).
type period struct {
	Value, Label string
	From, To     time.Time
}

var yearRE = regexp.MustCompile(`^\d{4}$`)

// lastTwelveMonths is the period value of the twelve months up to the current one.
const lastTwelveMonths = "12m"

// parsePeriod reads a period: "2026Q3", "2026", or "12m" (the twelve months up to and including the
// month of now); "" is the quarter of now.
func parsePeriod(v string, now time.Time) (period, error) {
	now = now.UTC()
	switch {
	case v == "":
		q := quarterOf(now)
		return period{Value: q.String(), Label: q.String(), From: q.Start(), To: q.End()}, nil
	case v == lastTwelveMonths:
		to := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, 1, 0)
		return period{Value: v, Label: "last 12 months", From: to.AddDate(-1, 0, 0), To: to}, nil
	case yearRE.MatchString(v):
		y, _ := strconv.Atoi(v)
		from := time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)
		return period{Value: v, Label: v, From: from, To: from.AddDate(1, 0, 0)}, nil
	}
	q, err := parseQuarter(v)
	if err != nil {
		return period{}, tandem.FieldError("period", "%q is not a period like 2026Q1, 2026 or 12m", v)
	}
	return period{Value: q.String(), Label: q.String(), From: q.Start(), To: q.End()}, nil
}

// periodOptions are the periods the picker offers: the last twelve months, the last six quarters and
// the next, and the last two years.
func periodOptions(now time.Time, selected string) []quarterOption {
	opts := []quarterOption{{Value: lastTwelveMonths}}
	cur := quarterOf(now)
	for i := 1; i >= -6; i-- {
		opts = append(opts, quarterOption{Value: cur.add(i).String()})
	}
	for y := now.UTC().Year(); y >= now.UTC().Year()-1; y-- {
		opts = append(opts, quarterOption{Value: strconv.Itoa(y)})
	}
	found := false
	for i := range opts {
		if opts[i].Value == selected {
			opts[i].Selected, found = true, true
		}
	}
	if !found {
		opts = append([]quarterOption{{Value: selected, Selected: true}}, opts...)
	}
	return opts
}

// statsLine is a row of the report as the page shows it.
type statsLine struct {
	Label                       string
	Decided, Approved, Rejected int
	AutoApproved                int
	AutoShare, WithinShare      string
	Median, P90                 string
	WithinSLA, Breaches         int
	BreachRisk                  bool // breaches outnumber a tenth of the decisions
}

func newStatsLine(label string, a sqlstore.ApprovalStats) statsLine {
	l := statsLine{Label: label, Decided: a.Decided, Approved: a.Approved, Rejected: a.Rejected, AutoApproved: a.AutoApproved,
		WithinSLA: a.WithinSLA, Breaches: a.Breaches, BreachRisk: a.Decided > 0 && a.Breaches*10 > a.Decided}
	if a.Decided > 0 {
		l.AutoShare, l.WithinShare = percentText(a.AutoApprovedShare), percentText(a.WithinSLAShare)
		l.Median, l.P90 = hoursText(a.MedianBusinessHours), hoursText(a.P90BusinessHours)
	}
	return l
}

func hoursText(h float64) string { return strconv.FormatFloat(h, 'f', 1, 64) + " h" }

type approvalReportData struct {
	Period       period
	Periods      []quarterOption
	From, To     string // the days of the period, To the last one included
	SLAHours     string
	Total        statsLine
	ByManager    []statsLine
	ByMonth      []statsLine
	Waiting      int
	BreachAlerts int
	MonthChart   string
	ManagerChart string
	QueueLink    string
}

func (s *Server) approvalReportPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	now := s.now()
	p, err := parsePeriod(r.URL.Query().Get("period"), now)
	if err != nil {
		return err
	}
	rules, err := s.registrationRules(ctx)
	if err != nil {
		return err
	}
	rep, err := s.store.ApprovalReport(ctx, actorFrom(ctx), p.From, p.To, rules.ApprovalSLA)
	if err != nil {
		return err
	}
	d := approvalReportData{Period: p, Periods: periodOptions(now, p.Value), From: p.From.Format(time.DateOnly),
		To: p.To.AddDate(0, 0, -1).Format(time.DateOnly), SLAHours: hoursText(rep.SLABusinessHours),
		Total: newStatsLine("All", rep.ApprovalStats), Waiting: rep.Waiting, BreachAlerts: rep.SLABreachAlerts,
		QueueLink: "/approvals"}
	for _, g := range rep.ByPartnerManager {
		d.ByManager = append(d.ByManager, newStatsLine(g.Label, g.ApprovalStats))
	}
	for _, g := range rep.ByMonth {
		d.ByMonth = append(d.ByMonth, newStatsLine(g.Label, g.ApprovalStats))
	}
	if d.MonthChart, err = approvalChart(rep.ByMonth, func(g sqlstore.ApprovalGroup) string {
		t, _ := time.Parse("2006-01", g.Key)
		return t.Format("Jan 2006")
	}); err == nil {
		managers := rep.ByPartnerManager[:min(len(rep.ByPartnerManager), 12)]
		d.ManagerChart, err = approvalChart(managers, func(g sqlstore.ApprovalGroup) string { return g.Label })
	}
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "approval_report", view{Title: "Approval times " + p.Label, Nav: "approval-report", Data: d})
	return nil
}

// approvalChart draws, per group, the decisions and the share decided within the SLA (whole percent,
// on the right axis); a group with more than a tenth of its decisions late is drawn amber.
func approvalChart(groups []sqlstore.ApprovalGroup, label func(sqlstore.ApprovalGroup) string) (string, error) {
	c := reviewChart{barChart: barChart{Series: []chartSeries{{Name: "Decided"}, {Name: "% within SLA", Axis: 1}}}}
	for _, g := range groups {
		c.Labels = append(c.Labels, label(g))
		color := "#1f5fbf"
		if g.Breaches*10 > g.Decided {
			color = "#a35200"
		}
		c.Colors = append(c.Colors, color)
		c.Series[0].Values = append(c.Series[0].Values, int64(g.Decided))
		c.Series[0].Display = append(c.Series[0].Display, fmt.Sprintf("%d (%d auto-approved, %d breaches)", g.Decided, g.AutoApproved, g.Breaches))
		c.Series[1].Values = append(c.Series[1].Values, int64(g.WithinSLAShare*100+0.5))
		c.Series[1].Display = append(c.Series[1].Display, fmt.Sprintf("%s (median %s, p90 %s)",
			percentText(g.WithinSLAShare), hoursText(g.MedianBusinessHours), hoursText(g.P90BusinessHours)))
	}
	b, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("approval chart: %w", err)
	}
	return string(b), nil
}
