package demo

import (
	"testing"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/enablement"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// TestDemoPortfolio checks that the demo company gives every portfolio page data: two years of spend
// in every motion (with the paid SPIFFs), MDF requests in the queue and paid, certifications with gaps,
// returns with margin, and a recommendation.
func TestDemoPortfolio(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	st := companyAtToday(t)
	actor := tandem.SystemActor
	spend, err := st.AllSpend(ctx, actor, sqlstore.SpendFilter{})
	if err != nil {
		t.Fatal(err)
	}
	months, motions, kinds := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, l := range spend {
		months[l.Month], motions[l.Motion], kinds[l.Kind] = true, true, true
	}
	if len(months) < portfolioMonths || len(motions) != 4 || !kinds["spiff"] || !kinds["mdf"] {
		t.Errorf("spend covers %d months, motions %v, kinds %v", len(months), motions, kinds)
	}
	reqs, err := st.ListMDFRequests(ctx, actor, sqlstore.MDFRequestFilter{})
	if err != nil {
		t.Fatal(err)
	}
	states := map[string]int{}
	for _, r := range reqs {
		states[r.State]++
	}
	if states["paid"] == 0 || states["rejected"] == 0 || states["expired"] == 0 || states["requested"] == 0 || states["approved"]+states["activity_done"]+states["proof_submitted"]+states["claimed"] == 0 {
		t.Errorf("MDF states %v", states)
	}
	svc := &enablement.Service{Store: st}
	rep, err := svc.Certifications(ctx, actor, Today)
	if err != nil {
		t.Fatal(err)
	}
	gaps := 0
	for _, p := range rep.Partners {
		gaps += len(p.Gaps)
	}
	if len(rep.Partners) == 0 || gaps == 0 || rep.Comparison == nil {
		t.Errorf("certifications: %d partners, %d gaps, comparison %v (%s)", len(rep.Partners), gaps, rep.Comparison != nil, rep.ComparisonNote)
	}
	w, err := enablement.ParseWindow("", "", Today.AddDate(0, -1, 0))
	if err != nil {
		t.Fatal(err)
	}
	l, err := svc.ReadLedger(ctx, actor, w)
	if err != nil {
		t.Fatal(err)
	}
	var margin tandem.Money
	for _, row := range l.Totals() {
		margin += row.GrossMargin
	}
	if margin <= 0 {
		t.Errorf("no attributable margin in the demo's returns")
	}
	rec, err := l.Recommend(enablement.RecommendOptions{Seed: 1})
	if err != nil {
		t.Fatalf("recommendation on the demo: %v", err)
	}
	if rec.Explanation == "" || len(rec.Motions) != 4 {
		t.Errorf("recommendation %+v", rec)
	}
	t.Logf("demo: %d spend lines, MDF %v, %d gaps, recommendation: %s", len(spend), states, gaps, rec.Explanation)
}
