package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/conflicts"
)

// The quarterly conflict review: the conflicts opened in a quarter by cause, rule, segment, partner and
// AE, the share resolved at each level against the 90 % level-1 target, the median time to resolution
// and the rules causing most conflicts. Every count links to the conflict queue filtered to the
// conflicts behind it.

// levelOneTarget is the programme's goal: nine conflicts in ten settled by the AE and partner manager.
const levelOneTarget = 0.9

// ruleCandidates is how many of the rules causing most conflicts the review puts forward for change.
const ruleCandidates = 3

type quarter struct {
	Year, Q int
}

func (q quarter) String() string { return fmt.Sprintf("%dQ%d", q.Year, q.Q) }
func (q quarter) Start() time.Time {
	return time.Date(q.Year, time.Month((q.Q-1)*3+1), 1, 0, 0, 0, 0, time.UTC)
}
func (q quarter) End() time.Time { return q.Start().AddDate(0, 3, 0) }
func (q quarter) add(n int) quarter {
	i := q.Year*4 + q.Q - 1 + n
	return quarter{Year: i / 4, Q: i%4 + 1}
}

func quarterOf(t time.Time) quarter {
	t = t.UTC()
	return quarter{Year: t.Year(), Q: (int(t.Month())-1)/3 + 1}
}

var quarterRE = regexp.MustCompile(`^(\d{4})-?Q([1-4])$`)

// parseQuarter reads "2026Q1" (or "2026-Q1").
func parseQuarter(s string) (quarter, error) {
	m := quarterRE.FindStringSubmatch(s)
	if m == nil {
		return quarter{}, tandem.FieldError("quarter", "%q is not a quarter like 2026Q1", s)
	}
	y, _ := strconv.Atoi(m[1])
	q, _ := strconv.Atoi(m[2])
	return quarter{Year: y, Q: q}, nil
}

// reviewLine is one value of a review dimension: its count, share of the quarter's conflicts, and the
// filtered queue behind it.
type reviewLine struct {
	Key, Label, Link, Share string
	Count                   int
	Candidate               bool // a rule to look at changing
}

type levelLine struct {
	Level       tandem.EscalationLevel
	Label, Link string
	Resolved    int
	Share       string
	Target      string // "≥ 90 %" on level 1
	Met, Missed bool
}

type quarterOption struct {
	Value    string
	Selected bool
}

type reviewData struct {
	Quarter                            string
	Quarters                           []quarterOption
	From, To                           string // the period's days, To the last day included
	Opened, Resolved, Open             int
	OpenedLink, ResolvedLink, OpenLink string
	Median                             string
	ByCause, ByRule, BySegment         []reviewLine
	ByPartner, ByAE                    []reviewLine
	Levels                             []levelLine
	LevelOneShare, LevelOneTarget      string
	LevelOneMet                        bool
	CauseChart, LevelChart             string
	Candidates                         []reviewLine
}

// reviewChart is what app.js draws (the dashboard's bar chart), with an optional fixed top of the
// value axis (100 for percentages).
type reviewChart struct {
	barChart
	Max int64 `json:"max,omitempty"`
}

func percentText(f float64) string {
	return strconv.FormatFloat(f*100, 'f', 1, 64) + " %"
}

func (s *Server) reviewPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	actor := actorFrom(ctx)
	current := quarterOf(s.now())
	q := current
	if v := r.URL.Query().Get("quarter"); v != "" {
		var err error
		if q, err = parseQuarter(v); err != nil {
			return err
		}
	}
	rv, err := conflicts.Review(ctx, s.store, actor, q.Start(), q.End())
	if err != nil {
		return err
	}
	d := reviewData{Quarter: q.String(), From: q.Start().Format(time.DateOnly),
		To: q.End().AddDate(0, 0, -1).Format(time.DateOnly), Opened: rv.Opened, Resolved: rv.Resolved, Open: rv.Open,
		LevelOneTarget: percentText(levelOneTarget)}
	for i := -8; i <= 1; i++ {
		o := current.add(i).String()
		d.Quarters = append(d.Quarters, quarterOption{Value: o, Selected: o == d.Quarter})
	}
	if !slices.ContainsFunc(d.Quarters, func(o quarterOption) bool { return o.Selected }) {
		d.Quarters = append([]quarterOption{{Value: d.Quarter, Selected: true}}, d.Quarters...)
	}
	// Every link is the conflict queue over the quarter, narrowed by one more filter.
	link := func(k, v string) string {
		u := url.Values{"from": {q.Start().Format(time.DateOnly)}, "to": {q.End().Format(time.DateOnly)}}
		if k != "" {
			u.Set(k, v)
		}
		return "/conflicts?" + u.Encode()
	}
	d.OpenedLink, d.ResolvedLink, d.OpenLink = link("", ""), link("status", "resolved"), link("status", "open")
	lines := func(counts []tandem.ReviewCount, param string, label func(c tandem.ReviewCount) string) []reviewLine {
		var out []reviewLine
		for _, c := range counts {
			l := reviewLine{Key: c.Key, Label: label(c), Count: c.Count, Link: link(param, c.Key)}
			if rv.Opened > 0 {
				l.Share = percentText(float64(c.Count) / float64(rv.Opened))
			}
			out = append(out, l)
		}
		return out
	}
	plain := func(c tandem.ReviewCount) string { return human(c.Key) }
	named := func(c tandem.ReviewCount) string { return cmpOr(c.Name, "#"+c.Key) }
	d.ByCause = lines(rv.ByCause, "cause", plain)
	d.ByRule = lines(rv.ByRule, "rule", func(c tandem.ReviewCount) string { return c.Key })
	d.BySegment = lines(rv.BySegment, "segment", func(c tandem.ReviewCount) string { return tandem.ACVBandLabel(c.Key) })
	d.ByPartner = lines(rv.ByPartner, "partner_id", named)
	d.ByAE = lines(rv.ByAE, "ae_id", named)
	// The rules behind most conflicts (more than one each; "no rule" is not a rule to change).
	for i := range d.ByRule {
		if len(d.Candidates) < ruleCandidates && d.ByRule[i].Key != "(none)" && d.ByRule[i].Count > 1 {
			d.ByRule[i].Candidate = true
			d.Candidates = append(d.Candidates, d.ByRule[i])
		}
	}
	for _, ls := range rv.ResolvedAtLevel {
		l := levelLine{Level: ls.Level, Label: levelLabels[ls.Level], Resolved: ls.Resolved,
			Link: link("status", "resolved") + "&level=" + strconv.Itoa(int(ls.Level))}
		if rv.Resolved > 0 {
			l.Share = percentText(ls.Share)
		}
		if ls.Level == tandem.LevelAEAndPartnerManager {
			l.Target = "≥ " + percentText(levelOneTarget)
			l.Met, l.Missed = rv.Resolved > 0 && ls.Share >= levelOneTarget, rv.Resolved > 0 && ls.Share < levelOneTarget
			d.LevelOneShare, d.LevelOneMet = l.Share, l.Met
		}
		d.Levels = append(d.Levels, l)
	}
	if rv.MedianSecondsToResolution > 0 {
		d.Median = shortDuration(time.Duration(rv.MedianSecondsToResolution) * time.Second)
		if rv.MedianSecondsToResolution < 60 {
			d.Median = "under a minute"
		}
	}
	if d.CauseChart, err = reviewCauseChart(d.ByCause); err == nil {
		d.LevelChart, err = reviewLevelChart(d.Levels, rv.ResolvedAtLevel)
	}
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "review", view{Title: "Conflict review " + d.Quarter, Nav: "review", Data: d})
	return nil
}

func human(s string) string {
	b := []byte(s)
	for i := range b {
		if b[i] == '_' {
			b[i] = ' '
		}
	}
	return string(b)
}

func reviewCauseChart(causes []reviewLine) (string, error) {
	c := reviewChart{barChart: barChart{Series: []chartSeries{{Name: "Conflicts"}}}}
	for _, l := range causes {
		c.Labels = append(c.Labels, l.Label)
		c.Links = append(c.Links, l.Link)
		c.Colors = append(c.Colors, "#b3261e")
		c.Series[0].Values = append(c.Series[0].Values, int64(l.Count))
		c.Series[0].Display = append(c.Series[0].Display, fmt.Sprintf("%d (%s)", l.Count, l.Share))
	}
	b, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("cause chart: %w", err)
	}
	return string(b), nil
}

// reviewLevelChart draws the share of resolved conflicts settled at each level, in whole percent; the
// level-1 bar turns amber when it misses the target. (The embedded ECharts build has no mark lines,
// so the target itself is marked in the table and the caption.)
func reviewLevelChart(lines []levelLine, shares []tandem.LevelShare) (string, error) {
	c := reviewChart{barChart: barChart{Series: []chartSeries{{Name: "% of resolved"}}}, Max: 100}
	for i, l := range lines {
		c.Labels = append(c.Labels, fmt.Sprintf("Level %d", l.Level))
		c.Links = append(c.Links, l.Link)
		color := "#1f5fbf"
		if l.Missed {
			color = "#a35200"
		}
		c.Colors = append(c.Colors, color)
		c.Series[0].Values = append(c.Series[0].Values, int64(shares[i].Share*100+0.5))
		c.Series[0].Display = append(c.Series[0].Display, fmt.Sprintf("%s (%d resolved)", cmpOr(l.Share, "—"), l.Resolved))
	}
	b, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("level chart: %w", err)
	}
	return string(b), nil
}

// dict builds a map from key, value pairs, for passing several values to a template.
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, fmt.Errorf("dict: odd number of arguments")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
		}
		m[k] = kv[i+1]
	}
	return m, nil
}
