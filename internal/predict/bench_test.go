package predict

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"
)

// benchExamples makes n deals with ten fields (four categorical, six numeric, some missing) and an
// outcome that depends on most of them, some through interactions.
func benchExamples(n int) []Example {
	rng := rand.New(rand.NewPCG(42, 42))
	regions := []string{"north", "south", "east", "west", "central", "overseas", "remote"}
	routes := []string{"direct", "reseller", "telesales", "other"}
	products := make([]string, 25)
	for i := range products {
		products[i] = fmt.Sprintf("product-%02d", i)
	}
	ex := make([]Example, n)
	for i := range ex {
		region, route, product := rng.IntN(len(regions)), rng.IntN(len(routes)), rng.IntN(len(products))
		amount := rng.ExpFloat64() * 50000
		size := 1 + rng.IntN(5)
		history := rng.IntN(5)
		days := rng.IntN(200)
		z := -1.2 + 0.3*float64(history) - 0.002*float64(days) + 0.2*float64(region%3) - 0.000004*amount
		if route == 1 {
			z += 0.8
			if size > 3 {
				z -= 1.0
			}
		}
		if product%5 == 0 {
			z += 0.5
		}
		tier := []string{"gold", "silver", "bronze", ""}[rng.IntN(4)]
		f := Record{
			"region": regions[region], "route": routes[route], "product": products[product], "tier": tier,
			"amount": strconv.FormatFloat(amount, 'f', 2, 64), "size": strconv.Itoa(size),
			"history": strconv.Itoa(history), "days": strconv.Itoa(days),
			"discount": strconv.FormatFloat(rng.Float64()*0.3, 'f', 3, 64), "touches": strconv.Itoa(rng.IntN(40)),
		}
		if i%17 == 0 {
			f["amount"] = ""
		}
		ex[i] = Example{ID: strconv.Itoa(i), Fields: f, Positive: rng.Float64() < sigmoid(z)}
	}
	return ex
}

// BenchmarkTrain100k is the time to train on 100,000 rows (60,000 train, 20,000 calibration, 20,000
// test) with the default parameters, from examples to a finished, evaluated model.
func BenchmarkTrain100k(b *testing.B) {
	ex := benchExamples(100_000)
	b.ResetTimer()
	for b.Loop() {
		m, err := Train(context.Background(), ex, Config{Params: DefaultParams(), Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(m.Training.TreesTried), "trees")
		b.ReportMetric(m.Metrics.Test.AUC, "AUC")
	}
}

// BenchmarkScore is the latency of scoring one record with its reasons.
func BenchmarkScore(b *testing.B) {
	ex := benchExamples(20_000)
	m, err := Train(context.Background(), ex, Config{Params: DefaultParams(), Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(len(m.Trees)), "trees")
	b.ResetTimer()
	i := 0
	for b.Loop() {
		if _, err := m.Score(ex[i%len(ex)].Fields); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
