package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// The home page's trends: time series where the tables show a snapshot. New pipeline by month and
// motion, registrations by month and status — for a partner user its own, scoped in SQL — each bar
// linking to the deals or registrations behind it.

// trendMonths is how many months a trend shows, the current one last.
const trendMonths = 12

// stackSeries is one kind of a stacked chart: a count per period, each linking to its records.
type stackSeries struct {
	Name   string   `json:"name"`
	Color  string   `json:"color"`
	Values []int64  `json:"values"`
	Links  []string `json:"links"`
}

// stackChart is what app.js draws for data-chart with stack set: a bar per period, stacked by kind.
type stackChart struct {
	Stack  bool          `json:"stack"`
	Labels []string      `json:"labels"`
	Series []stackSeries `json:"series"`
}

// trendBounds are the first days of the last trendMonths months and of the next one.
func trendBounds(now time.Time) []time.Time {
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, 1-trendMonths, 0)
	bounds := make([]time.Time, trendMonths+1)
	for i := range bounds {
		bounds[i] = first.AddDate(0, i, 0)
	}
	return bounds
}

// buildStack lays out cells as a stacked chart with a series per kind (in kinds' order; kinds without a
// record are left out), each bar the sum of value over its cells; link gives the list behind a bar.
// The total returned counts the records charted.
func buildStack[K ~string](bounds []time.Time, cells []sqlstore.TrendCell, kinds []K, colors map[K]string,
	value func(sqlstore.TrendCell) int64, link func(kind string, from, to time.Time) string) (string, int, error) {
	c := stackChart{Stack: true}
	for _, b := range bounds[:len(bounds)-1] {
		c.Labels = append(c.Labels, b.Format("Jan 2006"))
	}
	total := 0
	for _, k := range kinds {
		s := stackSeries{Name: human(string(k)), Color: colors[k], Values: make([]int64, len(c.Labels))}
		n := 0
		for _, cell := range cells {
			if cell.Kind == string(k) && cell.Period >= 0 && cell.Period < len(s.Values) {
				s.Values[cell.Period] += value(cell)
				n += cell.Count
			}
		}
		if n == 0 {
			continue
		}
		total += n
		for i := range c.Labels {
			s.Links = append(s.Links, link(string(k), bounds[i], bounds[i+1]))
		}
		c.Series = append(c.Series, s)
	}
	b, err := json.Marshal(c)
	if err != nil {
		return "", 0, fmt.Errorf("trend chart: %w", err)
	}
	return string(b), total, nil
}

// trendCount charts a cell's records: a bar as tall as the records it counts.
func trendCount(c sqlstore.TrendCell) int64 { return int64(c.Count) }

var registrationColors = map[tandem.RegistrationStatus]string{
	tandem.RegistrationSubmitted: "#8f5500", tandem.RegistrationApproved: "#1e7a3c",
	tandem.RegistrationRejected: "#b3261e", tandem.RegistrationExpired: "#5f6b7a",
}

// trendsData is the home page's trends card.
type trendsData struct {
	Pipeline, Registrations           string // the charts' JSON
	PipelineTotal, RegistrationsTotal int
	From, To                          string
}

func (s *Server) homeTrends(r *http.Request, actor tandem.Actor) (trendsData, error) {
	ctx := r.Context()
	bounds := trendBounds(s.now())
	day := func(t time.Time) string { return t.Format("2006-01-02") }
	d := trendsData{From: bounds[0].Format("Jan 2006"), To: bounds[len(bounds)-2].Format("Jan 2006")}
	cells, err := s.store.PipelineTrend(ctx, actor, bounds)
	if err != nil {
		return d, err
	}
	d.Pipeline, d.PipelineTotal, err = buildStack(bounds, cells, tandem.Motions, motionColors, trendCount, func(k string, from, to time.Time) string {
		return "/opportunities?" + url.Values{"motion": {k}, "created_from": {day(from)}, "created_to": {day(to)}, "sort": {"-acv"}}.Encode()
	})
	if err != nil {
		return d, err
	}
	cells, err = s.store.RegistrationTrend(ctx, actor, bounds)
	if err != nil {
		return d, err
	}
	d.Registrations, d.RegistrationsTotal, err = buildStack(bounds, cells, tandem.RegistrationStatuses, registrationColors, trendCount, func(k string, from, to time.Time) string {
		return "/registrations?" + url.Values{"status": {k}, "submitted_from": {day(from)}, "submitted_to": {day(to)}}.Encode()
	})
	return d, err
}

// dayParam reads a YYYY-MM-DD query parameter: zero when absent, EINVALID naming it when malformed.
func dayParam(q url.Values, name string) (time.Time, error) {
	v := q.Get(name)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse("2006-01-02", v)
	if err != nil {
		return time.Time{}, tandem.Errorf(tandem.EINVALID, "%s: %q is not a date (YYYY-MM-DD)", name, v)
	}
	return t, nil
}
