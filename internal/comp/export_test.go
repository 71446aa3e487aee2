package comp

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"

	tandem "github.com/tandem-revops/tandem"
)

// encodeWhole is the reference for MarshalResult: encoding/json on the whole Result.
func encodeWhole(t *testing.T, res *Result) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", " ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(res); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestWriteResultJSONMatchesEncoder holds the streaming writer to the bytes encoding/json writes for
// the whole document: frozen periods are compared byte for byte, so the two may never drift.
func TestWriteResultJSONMatchesEncoder(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(7, 11))
	p := Default()
	results := map[string]*Result{
		"nil slices": {PlanVersion: "v1", Period: "2026-Q3"},
		"empty slices": {PlanVersion: "v<1>&", Period: "2026-Q3", AEs: []Statement{}, Partners: []Statement{},
			Profit: []DealProfit{}},
		"nil": nil,
	}
	for _, n := range []int{0, 1, 5, 60} {
		in := randomInput(r, n)
		for i := range in.Deals { // the default plan has no fx for every currency of the random input
			in.Deals[i].Currency = "USD"
		}
		res, err := Calculate(p, in)
		if err != nil {
			t.Fatal(err)
		}
		results["calculated "+string(rune('a'+len(results)))] = res
	}
	for name, res := range results {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			want := encodeWhole(t, res)
			got, err := MarshalResult(res)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("MarshalResult differs from encoding/json:\n got %q\nwant %q", got, want)
			}
			var w bytes.Buffer
			if err := WriteResultJSON(&w, res); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(w.Bytes(), want) {
				t.Error("WriteResultJSON differs from encoding/json")
			}
		})
	}
}

func TestMoneyTextMatchesString(t *testing.T) {
	t.Parallel()
	for _, m := range []tandem.Money{0, 1, 5, 10, 99, 100, 123456, -1, -5, -99, -100, -123456, 1<<63 - 1, -1 << 63, -(1<<63 - 1)} {
		if got, want := moneyText(m), m.String(); got != want {
			t.Errorf("moneyText(%d) = %q, want %q", int64(m), got, want)
		}
	}
}
