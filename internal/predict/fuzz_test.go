package predict

import (
	"bytes"
	"context"
	"errors"
	"math"
	"strings"
	"testing"
)

// FuzzScore: whatever values a record holds, Score either refuses a non-number in a numeric feature
// with a *ValueError or returns a probability in (0, 1) whose contributions add up to it.
func FuzzScore(f *testing.F) {
	ex, _ := synthetic(1500, 13)
	m, err := Train(context.Background(), ex, Config{Params: quickParams(), Seed: 1})
	if err != nil {
		f.Fatal(err)
	}
	f.Add("50", "north", "gold", "0")
	f.Add("", "", "", "")
	f.Add("1e308", "Atlantis", "platinum", "-1e308")
	f.Add("abc", "north", "gold", "0")
	f.Add(" 7 ", "south ", "\tsilver", "NaN")
	f.Fuzz(func(t *testing.T, amount, region, tier, noise string) {
		p, err := m.Score(Record{"amount": amount, "region": region, "tier": tier, "noise": noise})
		if err != nil {
			var ve *ValueError
			if !errors.As(err, &ve) || (ve.Feature != "amount" && ve.Feature != "noise") {
				t.Fatalf("error %v is not a ValueError on a numeric feature", err)
			}
			return
		}
		if !(p.Probability > 0 && p.Probability < 1) {
			t.Fatalf("probability %v", p.Probability)
		}
		sum := p.Base
		for _, c := range p.Contributions {
			sum += c.LogOdds
		}
		if math.Abs(sigmoid(sum)-p.Probability) > 1e-9 {
			t.Fatalf("contributions add to %v, probability %v", sigmoid(sum), p.Probability)
		}
	})
}

// FuzzDecode: a model file that decodes can score any record without panicking.
func FuzzDecode(f *testing.F) {
	ex, _ := synthetic(800, 14)
	p := quickParams()
	p.MaxTrees = 5
	m, err := Train(context.Background(), ex, Config{Params: p, Seed: 1})
	if err != nil {
		f.Fatal(err)
	}
	var b bytes.Buffer
	if err := m.Encode(&b); err != nil {
		f.Fatal(err)
	}
	f.Add(b.Bytes())
	f.Add([]byte(`{"format":1,"features":[{"name":"a","kind":"categorical","levels":["x"]}],"trees":[{"nodes":[{"f":0,"l":"ffffffffffffffff","y":1,"n":2,"v":0},{"f":-1,"v":1},{"f":-1,"v":-1}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Decode("fuzz.json", bytes.NewReader(data))
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.json: ") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		for _, rec := range []Record{{}, {"a": "x", "amount": "5", "region": "north"}, {"amount": "1e9", "tier": "gold"}} {
			m.Score(rec) //nolint:errcheck // only a panic fails
		}
	})
}
