package server

import (
	"encoding/json"
	"net/http"
	"net/url"

	tandem "github.com/tandem-revops/tandem"
)

// motionRow is one line of the dashboard: a motion's deals by stage.
type motionRow struct {
	Motion  tandem.Motion
	Link    string
	Total   int
	ACV     tandem.Money
	ByStage []stageCell
}

type stageCell struct {
	Count int
	Link  string
}

type dashboardData struct {
	Stages   []tandem.Stage
	Rows     []motionRow
	Total    int
	TotalACV tandem.Money
	Chart    string // JSON for app.js
}

// listLink is the opportunity list filtered by motion and stage ("" for any).
func listLink(m tandem.Motion, st tandem.Stage) string {
	q := url.Values{}
	if m != "" {
		q.Set("motion", string(m))
	}
	if st != "" {
		q.Set("stage", string(st))
	}
	q.Set("sort", "-acv")
	return "/opportunities?" + q.Encode()
}

func (s *Server) dashboardPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	totals, err := s.store.PipelineTotals(ctx, actorFrom(ctx))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := dashboardData{Stages: tandem.Stages}
	stageIndex := map[tandem.Stage]int{}
	for i, st := range tandem.Stages {
		stageIndex[st] = i
	}
	rowIndex := map[tandem.Motion]int{}
	addRow := func(m tandem.Motion) *motionRow {
		if i, ok := rowIndex[m]; ok {
			return &d.Rows[i]
		}
		row := motionRow{Motion: m, Link: listLink(m, ""), ByStage: make([]stageCell, len(tandem.Stages))}
		for i, st := range tandem.Stages {
			row.ByStage[i].Link = listLink(m, st)
		}
		rowIndex[m] = len(d.Rows)
		d.Rows = append(d.Rows, row)
		return &d.Rows[len(d.Rows)-1]
	}
	for _, m := range tandem.Motions {
		addRow(m)
	}
	for _, t := range totals {
		row := addRow(t.Motion) // "" (never routed) gets a row of its own
		row.Total += t.Count
		row.ACV += t.ACV
		row.ByStage[stageIndex[t.Stage]].Count += t.Count
		d.Total += t.Count
		d.TotalACV += t.ACV
	}
	chart := struct {
		Name   string   `json:"name"`
		Labels []string `json:"labels"`
		Values []int    `json:"values"`
		Links  []string `json:"links"`
		Colors []string `json:"colors"`
	}{Name: "deals"}
	colors := map[tandem.Motion]string{tandem.MotionPartnerLed: "#2e7d32", tandem.MotionCoSell: "#b26a00", tandem.MotionDirect: "#1f5fbf"}
	for _, row := range d.Rows {
		label := string(row.Motion)
		if label == "" {
			label = "not routed"
		}
		chart.Labels = append(chart.Labels, label)
		chart.Values = append(chart.Values, row.Total)
		chart.Links = append(chart.Links, row.Link)
		chart.Colors = append(chart.Colors, colors[row.Motion])
	}
	b, err := json.Marshal(chart)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Chart = string(b)
	s.render(w, r, http.StatusOK, "dashboard", view{Title: "Home", Nav: "home", Data: d})
}
