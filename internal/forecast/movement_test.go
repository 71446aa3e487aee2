package forecast_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/forecast"
)

func TestMovementsWaterfall(t *testing.T) {
	t.Parallel()
	q := forecast.Quarter{Year: 2025, Q: 3}
	in, later := day(t, "2025-08-20"), day(t, "2025-10-15")
	open := func(id string, c forecast.Category, amount int64, close forecast.Day) forecast.SnapshotDeal {
		return forecast.SnapshotDeal{ID: id, Category: c, Outcome: forecast.Open, Amount: tandem.Major(amount), CloseDate: close}
	}
	closed := func(id string, c forecast.Category, o forecast.Outcome, amount int64) forecast.SnapshotDeal {
		return forecast.SnapshotDeal{ID: id, Category: c, Outcome: o, Amount: tandem.Major(amount), CloseDate: day(t, "2025-08-01")}
	}
	d, pl := forecast.Direct, forecast.PartnerLed
	from := []forecast.SnapshotDeal{
		open("stays", d, 100, in), open("grows", d, 50, in), open("pushed", d, 30, in), open("wins", d, 40, in),
		open("loses", d, 20, in), open("deleted", d, 10, in), open("pulled", d, 60, later), open("to-partner", d, 70, in),
	}
	to := []forecast.SnapshotDeal{
		open("stays", d, 100, in), open("grows", d, 55, in), open("pushed", d, 30, later), closed("wins", d, forecast.Won, 45),
		closed("loses", d, forecast.Lost, 0), open("pulled", d, 65, in), open("new", d, 5, in), open("to-partner", pl, 70, in),
	}
	got, err := forecast.Movements(to[:0:0], nil, q)
	if err != nil || len(got) != 5 {
		t.Fatalf("empty snapshots: %v, %v", got, err)
	}
	got, err = forecast.Movements(from, to, q)
	if err != nil {
		t.Fatal(err)
	}
	m := func(x int64) tandem.Money { return tandem.Major(x) }
	wantDirect := forecast.Movement{Category: "direct", Start: m(320), Added: m(5), PulledIn: m(65), PushedOut: m(30),
		Won: m(40), Lost: m(20), Removed: m(80), AmountChanged: m(5), End: m(225),
		AddedDeals: 1, PulledInDeals: 1, PushedOutDeals: 1, WonDeals: 1, LostDeals: 1, RemovedDeals: 2, ChangedDeals: 1}
	if diff := cmp.Diff(wantDirect, got[0]); diff != "" {
		t.Errorf("direct (-want +got):\n%s", diff)
	}
	wantLed := forecast.Movement{Category: "partner_led", Added: m(70), End: m(70), AddedDeals: 1}
	if diff := cmp.Diff(wantLed, got[2]); diff != "" {
		t.Errorf("partner_led (-want +got):\n%s", diff)
	}
	for _, mv := range got {
		if !mv.Reconciles() {
			t.Errorf("%s does not reconcile: %+v", mv.Category, mv)
		}
	}
	if _, err := forecast.Movements(append(from, from[0]), to, q); err == nil {
		t.Error("a repeated id was accepted")
	}
	if _, err := forecast.Movements([]forecast.SnapshotDeal{{ID: "x", Category: "channel"}}, nil, q); err == nil {
		t.Error("an unknown category was accepted")
	}
}

// TestMovementsReconcile: random pairs of snapshots always reconcile, per category and in total, and
// the total is the sum of the categories.
func TestMovementsReconcile(t *testing.T) {
	t.Parallel()
	q := forecast.Quarter{Year: 2025, Q: 3}
	rng := rand.New(rand.NewPCG(3, 4))
	random := func(id int) forecast.SnapshotDeal {
		return forecast.SnapshotDeal{ID: fmt.Sprint("D", id), Category: forecast.Categories[rng.IntN(4)],
			Outcome: forecast.Outcome(rng.IntN(3)), Amount: tandem.Money(rng.Int64N(1_000_000)),
			CloseDate: q.Start() - 40 + forecast.Day(rng.IntN(180))}
	}
	for round := range 200 {
		var from, to []forecast.SnapshotDeal
		for id := range 60 {
			if rng.IntN(5) > 0 {
				from = append(from, random(id))
			}
			if rng.IntN(5) > 0 {
				to = append(to, random(id))
			}
		}
		got, err := forecast.Movements(from, to, q)
		if err != nil {
			t.Fatal(err)
		}
		var sum forecast.Movement
		for _, m := range got[:4] {
			if !m.Reconciles() {
				t.Fatalf("round %d: %s does not reconcile: %+v", round, m.Category, m)
			}
			sum.Start += m.Start
			sum.End += m.End
			sum.Won += m.Won
		}
		total := got[4]
		if !total.Reconciles() || total.Start != sum.Start || total.End != sum.End || total.Won != sum.Won {
			t.Fatalf("round %d: total %+v is not the sum of the categories", round, total)
		}
	}
}

func TestScorePredictions(t *testing.T) {
	t.Parallel()
	preds := []forecast.Prediction{
		{Group: "ann", Forecast: 110, Actual: 100},
		{Group: "ann", Forecast: 80, Actual: 100, HasBand: true, P10: 70, P90: 90},
		{Group: "bob", Forecast: 50, Actual: 0},
		{Group: "bob", Forecast: 100, Actual: 200, HasBand: true, P10: 150, P90: 250},
	}
	got := forecast.ScorePredictions(preds)
	want := []forecast.Accuracy{
		{Group: "ann", Lines: 2, Covered: 0, Coverage: 0, MAPE: 0.15, Bias: -0.05},
		{Group: "bob", Lines: 2, Covered: 1, Coverage: 1, MAPE: 0.5, Bias: -0.5, ZeroActuals: 1},
	}
	if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b float64) bool { return a-b < 1e-12 && b-a < 1e-12 })); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// UpdateMovements changes one deal's part of a waterfall: after every kind of change of random deals
// (moved, won, lost, recategorised, created, deleted), the updated waterfall equals Movements computed
// over the changed snapshots.
func TestUpdateMovementsEqualsMovements(t *testing.T) {
	t.Parallel()
	q := forecast.Quarter{Year: 2025, Q: 3}
	rng := rand.New(rand.NewPCG(7, 7))
	random := func(id string) *forecast.SnapshotDeal {
		if rng.IntN(5) == 0 {
			return nil // absent
		}
		return &forecast.SnapshotDeal{ID: id, Category: forecast.Categories[rng.IntN(len(forecast.Categories))],
			Outcome: []forecast.Outcome{forecast.Open, forecast.Open, forecast.Won, forecast.Lost}[rng.IntN(4)],
			Amount:  tandem.Major(int64(1 + rng.IntN(50))), CloseDate: q.Start() - 20 + forecast.Day(rng.IntN(130))}
	}
	const n = 200
	var snaps [n][2]*forecast.SnapshotDeal
	for i := range snaps {
		snaps[i] = [2]*forecast.SnapshotDeal{random(fmt.Sprint(i)), random(fmt.Sprint(i))}
	}
	flat := func() (from, to []forecast.SnapshotDeal) {
		for _, s := range snaps {
			if s[0] != nil {
				from = append(from, *s[0])
			}
			if s[1] != nil {
				to = append(to, *s[1])
			}
		}
		return from, to
	}
	from, to := flat()
	moves, err := forecast.Movements(from, to, q)
	if err != nil {
		t.Fatal(err)
	}
	for step := range 300 {
		i := rng.IntN(n)
		old := snaps[i]
		snaps[i] = [2]*forecast.SnapshotDeal{random(fmt.Sprint(i)), random(fmt.Sprint(i))}
		moves = forecast.UpdateMovements(moves, q, old, snaps[i])
		from, to := flat()
		want, err := forecast.Movements(from, to, q)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, moves); diff != "" {
			t.Fatalf("step %d (-Movements +updated):\n%s", step, diff)
		}
	}
}
