// Package forecasttest generates deal histories with known per-category behaviour, for the forecast's
// tests and benchmarks: each category has its own arrival rate, win rate, sales cycle and deal size, so
// a forecast can be checked against the truth that produced the data.
package forecasttest

import (
	"bufio"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/forecast"
)

// Motion is one category's true behaviour.
type Motion struct {
	Category forecast.Category
	PerDay   float64 // deals created per day (Poisson)
	WinRate  float64 // share of deals that end won
	// CycleDays is the mean days from creation to close, won or lost: gamma-distributed with shape 2, so
	// the median is about 0.84 × CycleDays.
	CycleDays float64
	// MedianAmount is the median deal size in major units; sizes are log-normal with σ = 0.6, rounded to
	// whole units.
	MedianAmount float64
	// QuarterShock is the standard deviation of a shift of the win odds' logarithm drawn once per
	// calendar quarter and applied to the deals closing in it: 0 for a stationary motion, larger for one
	// whose win rate moves from quarter to quarter (a good or a bad quarter for everyone).
	QuarterShock float64
	// SizeWinSlope and SizeCycleSlope tie a deal's fate to its size, as in most books: with z the
	// logarithm of its amount over MedianAmount, its win odds are WinRate's times exp(SizeWinSlope·z)
	// and its cycle is drawn as above and multiplied by exp(SizeCycleSlope·z). Zero (the default): size
	// tells nothing.
	SizeWinSlope   float64
	SizeCycleSlope float64
}

// AmountSigma is the log-normal σ of deal sizes.
const AmountSigma = 0.6

// MeanAmount returns the mean deal size of a motion in major units.
func (m Motion) MeanAmount() float64 { return m.MedianAmount * math.Exp(AmountSigma*AmountSigma/2) }

// MedianCycle returns the median days to close of a motion (gamma, shape 2).
func (m Motion) MedianCycle() float64 { return 0.8392 * m.CycleDays }

// Spec is a history to generate: deals created from First for Days days, exported at the end of the
// last of them (deals closing later are still open in the export).
type Spec struct {
	Seed    uint64
	First   forecast.Day
	Days    int
	Motions []Motion
}

// Export returns the day the history is exported on.
func (s Spec) Export() forecast.Day { return s.First + forecast.Day(s.Days-1) }

// Motions returns four motions that really differ in win rate, cycle and size.
func Motions() []Motion {
	return []Motion{
		{Category: forecast.Direct, PerDay: 3, WinRate: 0.25, CycleDays: 40, MedianAmount: 20000},
		{Category: forecast.PartnerSourced, PerDay: 1.2, WinRate: 0.45, CycleDays: 75, MedianAmount: 35000},
		{Category: forecast.PartnerLed, PerDay: 0.8, WinRate: 0.6, CycleDays: 110, MedianAmount: 60000},
		{Category: forecast.PartnerInfluenced, PerDay: 1.5, WinRate: 0.3, CycleDays: 55, MedianAmount: 15000},
	}
}

// Generate returns the history the spec describes, as exported: ids are "<category>-<n>".
func Generate(spec Spec) []forecast.Deal {
	var deals []forecast.Deal
	export := spec.Export()
	for _, m := range spec.Motions {
		// Each motion has its own stream, so changing one leaves the others' deals unchanged.
		h := fnv.New64a()
		h.Write([]byte(m.Category))
		rng := rand.New(rand.NewPCG(spec.Seed, h.Sum64()))
		n := 0
		shocks := map[forecast.Quarter]float64{}
		// Shocks are drawn for every quarter up front, so the deals' own draws do not depend on them.
		if m.QuarterShock > 0 {
			for q := forecast.QuarterOf(spec.First); q.Start() <= export+4*365; q = q.Next() {
				shocks[q] = m.QuarterShock * rng.NormFloat64()
			}
		}
		for day := spec.First; day <= export; day++ {
			for range poisson(rng, m.PerDay) {
				n++
				cycle := gamma2(rng, m.CycleDays/2)
				z := AmountSigma * rng.NormFloat64()
				amount := math.Round(m.MedianAmount * math.Exp(z))
				cycle *= math.Exp(m.SizeCycleSlope * z)
				d := forecast.Deal{
					ID: fmt.Sprintf("%s-%07d", m.Category, n), Category: m.Category, Created: day,
					Amount: tandem.Money(amount) * tandem.MinorUnits, AmountKnown: true,
				}
				closed := day + forecast.Day(int(cycle))
				winRate, odds, moved := m.WinRate, m.WinRate/(1-m.WinRate), false
				if shock, ok := shocks[forecast.QuarterOf(closed)]; ok {
					odds, moved = odds*math.Exp(shock), true
				}
				if m.SizeWinSlope != 0 {
					odds, moved = odds*math.Exp(m.SizeWinSlope*z), true
				}
				if moved {
					winRate = odds / (1 + odds)
				}
				won := rng.Float64() < winRate
				if closed <= export {
					d.Closed = closed
					d.Outcome = forecast.Lost
					if won {
						d.Outcome = forecast.Won
					}
				}
				deals = append(deals, d)
			}
		}
	}
	return deals
}

// WriteCSV writes deals in the history layout: id, category, created_on, closed_on, outcome, amount,
// and pipeline_amount and segment when any deal has them.
func WriteCSV(w io.Writer, deals []forecast.Deal) error {
	extra := slices.ContainsFunc(deals, func(d forecast.Deal) bool { return d.OpenAmountKnown || d.Segment != "" })
	bw := bufio.NewWriterSize(w, 1<<16)
	bw.WriteString("id,category,created_on,closed_on,outcome,amount")
	if extra {
		bw.WriteString(",pipeline_amount,segment")
	}
	bw.WriteString("\n")
	var buf []byte
	for _, d := range deals {
		buf = buf[:0]
		buf = append(buf, d.ID...)
		buf = append(buf, ',')
		buf = append(buf, d.Category...)
		buf = append(buf, ',')
		buf = append(buf, d.Created.String()...)
		buf = append(buf, ',')
		if d.Outcome != forecast.Open {
			buf = append(buf, d.Closed.String()...)
		}
		buf = append(buf, ',')
		buf = append(buf, d.Outcome.String()...)
		buf = append(buf, ',')
		if d.AmountKnown {
			buf = append(buf, d.Amount.String()...)
		}
		if extra {
			buf = append(buf, ',')
			if d.OpenAmountKnown {
				buf = append(buf, d.OpenAmount.String()...)
			}
			buf = append(buf, ',')
			buf = append(buf, d.Segment...) // segments are plain words: no quoting needed
		}
		buf = append(buf, '\n')
		if _, err := bw.Write(buf); err != nil {
			return err
		}
	}
	return bw.Flush()
}

func poisson(r *rand.Rand, lambda float64) int {
	l, k, p := math.Exp(-lambda), 0, 1.0
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

// gamma2 draws from a gamma distribution of shape 2 and the given scale: the sum of two exponentials.
func gamma2(r *rand.Rand, scale float64) float64 {
	return scale * (r.ExpFloat64() + r.ExpFloat64())
}

// BenchmarkSpec returns the performance target's history: about 1.2 million deals from 2022-01-01 to
// the export day 2025-11-15 (mid-quarter), about 200,000 of them open that day.
func BenchmarkSpec() Spec {
	first := forecast.DayOf(time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC))
	return Spec{Seed: 42, First: first, Days: 1415, Motions: []Motion{
		{Category: forecast.Direct, PerDay: 413, WinRate: 0.25, CycleDays: 200, MedianAmount: 20000},
		{Category: forecast.PartnerSourced, PerDay: 165, WinRate: 0.45, CycleDays: 280, MedianAmount: 35000},
		{Category: forecast.PartnerLed, PerDay: 114, WinRate: 0.6, CycleDays: 320, MedianAmount: 60000},
		{Category: forecast.PartnerInfluenced, PerDay: 156, WinRate: 0.3, CycleDays: 250, MedianAmount: 15000},
	}}
}
