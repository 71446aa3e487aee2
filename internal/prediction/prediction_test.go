package prediction

import (
	"context"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/tandem-revops/tandem/internal/policy"
	"github.com/tandem-revops/tandem/internal/predict"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// Every feature of every example must be what the history said at the example's own time: recomputed
// from the history cut at that time, it is the same. A feature that read a later record (a conflict
// opened after the submit, a deal closed after it, a match made after it) fails here.
func TestFeaturesUseNoLaterRecord(t *testing.T) {
	h := synthetic(3, 400)
	now := epoch.AddDate(3, 0, 0)
	th := Thresholds{Currency: "USD", Amounts: []int64{100 * 100_000}}
	conflicts := ConflictExamples(h, now, th)
	wins := WinExamples(h)
	first := h.Conflicts[0].OpenedAt
	for _, c := range h.Conflicts {
		if c.OpenedAt.Before(first) {
			first = c.OpenedAt
		}
	}
	since := 0
	for _, r := range h.Registrations {
		if !r.SubmittedAt.Before(first) {
			since++
		}
	}
	if len(conflicts) != since || since < 300 || len(wins) != 400 {
		t.Fatalf("%d conflict examples (want the %d since the first conflict) and %d win examples (want 400)", len(conflicts), since, len(wins))
	}
	byID := map[string]sqlstore.HistoryRegistration{}
	for _, r := range h.Registrations {
		byID[strconv.FormatInt(r.ID, 10)] = r
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 60 {
		ex := conflicts[rng.IntN(len(conflicts))]
		past := newIndex(cut(h, ex.At))
		if got := past.conflictRecord(byID[ex.ID], ex.At, th); !maps.Equal(got, ex.Fields) {
			t.Fatalf("registration %s: features from the whole history\n%v\ndiffer from those of the history at its submit\n%v", ex.ID, ex.Fields, got)
		}
	}
	oppByID := map[string]sqlstore.HistoryOpportunity{}
	for _, o := range h.Opportunities {
		oppByID[strconv.FormatInt(o.ID, 10)] = o
	}
	for range 60 {
		ex := wins[rng.IntN(len(wins))]
		past := newIndex(cut(h, ex.At))
		if got := past.winRecord(oppByID[ex.ID], ex.At); !maps.Equal(got, ex.Fields) {
			t.Fatalf("opportunity %s: features from the whole history\n%v\ndiffer from those at its opening\n%v", ex.ID, ex.Fields, got)
		}
	}
}

// The cut itself must bite: a feature read from a later record differs between the whole history and
// the history at the example's time, so the test above would catch it.
func TestCutCatchesAFutureDatedFeature(t *testing.T) {
	h := synthetic(3, 400)
	leaky := func(ix *index, partner int64) string {
		all, _ := ix.partnerConflicts[partner].before(epoch.AddDate(10, 0, 0)) // every conflict, later ones too
		return strconv.Itoa(all)
	}
	r := h.Registrations[100]
	if leaky(newIndex(h), r.PartnerID) == leaky(newIndex(cut(h, r.SubmittedAt)), r.PartnerID) {
		t.Fatal("counting every conflict gives the same value on the cut history: the cut does not remove later records")
	}
}

// A match made after the submit is not a feature of the registration, and were one declared, the
// engine would refuse to train on it.
func TestLateMatchIsNotUsed(t *testing.T) {
	h := synthetic(5, 200)
	h.Registrations[150].MatchedAt = h.Registrations[150].SubmittedAt.Add(time.Hour)
	exs := ConflictExamples(h, epoch.AddDate(3, 0, 0), Thresholds{})
	late := slices.IndexFunc(exs, func(ex predict.Example) bool { return ex.ID == strconv.FormatInt(h.Registrations[150].ID, 10) })
	if late < 0 {
		t.Fatal("registration 151 is not an example")
	}
	if v := exs[late].Fields[fMatchScore]; v != "" {
		t.Fatalf("a match made an hour after the submit is a feature: %q", v)
	}
	exs[late].Fields[fMatchScore] = "0.5" // as a careless builder would
	_, err := predict.Train(context.Background(), exs, predict.Config{Target: "conflict", Positive: "true", IDColumn: "id",
		TimeColumn: "at", Seed: 1, Features: ConflictFeatures, Params: predict.DefaultParams()})
	if err == nil {
		t.Fatal("training accepted a feature known after the moment of prediction")
	}
}

// The model finds the planted signal on the held-out later window; with the outcome shuffled it finds
// nothing.
func TestConflictModelFindsTheSignal(t *testing.T) {
	h := synthetic(11, 1500)
	exs := ConflictExamples(h, epoch.AddDate(3, 0, 0), Thresholds{})
	cfg := predict.Config{Target: "conflict", Positive: "true", IDColumn: "id", TimeColumn: "at", Seed: 1,
		Features: ConflictFeatures, Params: predict.DefaultParams()}
	m, err := predict.Train(context.Background(), exs, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if auc := m.Metrics.Test.AUC; auc < 0.75 {
		t.Fatalf("held-out AUC %.3f on a planted signal, want at least 0.75", auc)
	}
	if top := m.Metrics.Importance[0].Feature; top != fOtherPartnerRegs && top != fAccountRegs {
		t.Errorf("most important feature %q, want the earlier registration by another partner", top)
	}
	rng := rand.New(rand.NewPCG(4, 4))
	for i := range exs {
		j := rng.IntN(i + 1)
		exs[i].Positive, exs[j].Positive = exs[j].Positive, exs[i].Positive
	}
	shuffled, err := predict.Train(context.Background(), exs, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if auc := shuffled.Metrics.Test.AUC; auc < 0.38 || auc > 0.62 {
		t.Fatalf("held-out AUC %.3f with the outcome shuffled, want about 0.5", auc)
	}
}

func TestWinModelFindsTheSignal(t *testing.T) {
	m, err := predict.Train(context.Background(), WinExamples(synthetic(12, 1500)), predict.Config{Target: "won", Positive: "true",
		IDColumn: "id", TimeColumn: "at", Seed: 1, Features: WinFeatures, Params: predict.DefaultParams()})
	if err != nil {
		t.Fatal(err)
	}
	if auc := m.Metrics.Test.AUC; auc < 0.7 {
		t.Fatalf("held-out AUC %.3f on a planted signal, want at least 0.7", auc)
	}
}

func TestThresholdRatio(t *testing.T) {
	th := Thresholds{Currency: "USD", Amounts: []int64{25_000_000, 100_000_000}}
	for _, c := range []struct {
		minor    int64
		currency string
		want     string
	}{
		{25_000_000, "USD", "0.000"},
		{50_000_000, "USD", "1.000"}, // as far from 250k as from 1M: the first listed wins
		{90_000_000, "USD", "-0.152"},
		{90_000_000, "EUR", ""},
		{0, "USD", ""},
	} {
		if got := th.ratio(c.minor, c.currency); got != c.want {
			t.Errorf("ratio(%d %s) = %q, want %q", c.minor, c.currency, got, c.want)
		}
	}
	if got := daysToQuarterEnd(time.Date(2026, 3, 30, 0, 0, 0, 0, time.UTC)); got != "2" {
		t.Errorf("days to quarter end from 30 March = %s, want 2", got)
	}
}

func TestPolicyThresholdsOfTheDefaultPolicy(t *testing.T) {
	th := PolicyThresholds(policy.Default())
	if want := []int64{25_000_000, 100_000_000}; th.Currency != "USD" || !slices.Equal(th.Amounts, want) {
		t.Fatalf("default policy thresholds = %+v, want USD %v", th, want)
	}
}

// Promotion compares the version in force with the new one on the new one's held-out window: the
// version in force is measured again there.
func TestCurrentIsMeasuredOnTheNewWindow(t *testing.T) {
	exs := ConflictExamples(synthetic(11, 1500), epoch.AddDate(3, 0, 0), Thresholds{})
	cfg := predict.Config{Target: "conflict", Positive: "true", IDColumn: "id", TimeColumn: "at", Seed: 1,
		Features: ConflictFeatures, Params: predict.DefaultParams()}
	older, err := predict.Train(context.Background(), exs[:len(exs)*2/3], cfg)
	if err != nil {
		t.Fatal(err)
	}
	newer, err := predict.Train(context.Background(), exs, cfg)
	if err != nil {
		t.Fatal(err)
	}
	same := onSameWindow(newer, newer, exs)
	if same.Metrics.Test.AUC != newer.Metrics.Test.AUC || same.Metrics.Test.Rows != newer.Metrics.Test.Rows {
		t.Fatalf("a model measured again on its own window: AUC %v on %d rows, want %v on %d", same.Metrics.Test.AUC,
			same.Metrics.Test.Rows, newer.Metrics.Test.AUC, newer.Metrics.Test.Rows)
	}
	again := onSameWindow(older, newer, exs)
	if again.Metrics.Test.Rows != newer.Metrics.Test.Rows || again.Metrics.Test.AUC == older.Metrics.Test.AUC {
		t.Fatalf("the older model on the newer window: %d rows (want %d), AUC %v (its own window: %v)",
			again.Metrics.Test.Rows, newer.Metrics.Test.Rows, again.Metrics.Test.AUC, older.Metrics.Test.AUC)
	}
	if older.Metrics.Test.Rows == again.Metrics.Test.Rows && older.Metrics.Test.AUC == again.Metrics.Test.AUC {
		t.Fatal("the version in force was not measured again")
	}
}

// A registration that arrived by import was never checked for conflicts at submit: it is no example
// of "no conflict", so it is left out; the same registrations submitted through Tandem are kept.
func TestImportedRegistrationsAreNotLabelled(t *testing.T) {
	h := synthetic(11, 600)
	now := epoch.AddDate(3, 0, 0)
	all := len(ConflictExamples(h, now, Thresholds{}))
	imported := map[string]bool{}
	for i := range h.Registrations {
		if i%2 == 0 {
			h.Registrations[i].Imported = true
			imported[strconv.FormatInt(h.Registrations[i].ID, 10)] = true
		}
	}
	exs := ConflictExamples(h, now, Thresholds{})
	for _, ex := range exs {
		if imported[ex.ID] {
			t.Fatalf("imported registration %s is an example", ex.ID)
		}
	}
	if all == 0 || len(exs) == 0 || len(exs) >= all {
		t.Fatalf("%d examples of %d after marking half imported, want fewer but some", len(exs), all)
	}
}
