package match

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// The benchmarks generate their own input: company names built from a synthetic vocabulary drawn with
// Zipf frequencies (a few words in many names, most in a handful), generic industry words, legal
// forms, websites and countries; queries are noisy variants of accounts (case, punctuation, dropped or
// swapped legal form, reordered words, a typo, only the website) plus names that are new.
//
// Run the big one with scripts/bench-match.sh, or:
//
//	go test -run '^$' -bench BenchmarkMatch1M -benchtime 1x ./internal/match/

var syntheticIndustryWords = []string{
	"Systems", "Holdings", "International", "Technologies", "Global", "Capital", "Financial",
	"Solutions", "Services", "Industries", "Partners", "Energy", "Health", "Bank", "Media", "Software",
	"Labs", "Networks", "Pharmaceuticals", "Therapeutics", "Resources", "Logistics", "Foods", "Retail",
	"Motors", "Realty", "Trust", "Consulting", "Digital", "Data", "Cloud", "Security", "Analytics",
	"Bio", "Medical", "Insurance", "Manufacturing", "Aerospace", "Automotive", "Mining", "Gold", "Oil",
	"Gas", "Power", "Water", "Air", "North", "South", "American", "Pacific", "Atlantic", "United",
	"First", "National", "General", "Advanced", "Applied", "Integrated", "Premier", "Enterprises",
}

var legalSuffixes = []string{"Inc", "Inc.", ", Inc.", "Corp", "Corp.", "Corporation", "LLC", "Ltd", "Limited",
	"GmbH", "AG", "S.A.", "PLC", "Co.", "Company", "Holdings", "Group", "N.V.", "B.V."}

var countries = []string{"US", "GB", "DE", "FR", "CA", "JP", "NL", "AU", "IN", "BR"}

// syntheticCorpus generates accounts and queries deterministically from a seed.
type syntheticCorpus struct {
	rng   *rand.Rand
	words []string
	zipf  *rand.Zipf
	gen   *rand.Zipf
}

func newSyntheticCorpus(seed uint64, vocabulary int) *syntheticCorpus {
	rng := rand.New(rand.NewPCG(seed, seed+1))
	c := &syntheticCorpus{rng: rng}
	seen := make(map[string]bool, vocabulary)
	onsets := []string{"b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z",
		"br", "cr", "dr", "fl", "gr", "kl", "pr", "st", "tr", "sh", "ch", "th", "qu", "sp", "bl"}
	nuclei := []string{"a", "e", "i", "o", "u", "ai", "ea", "io", "ou", "y"}
	codas := []string{"", "", "n", "r", "s", "x", "l", "m", "ck", "nd", "st", "th"}
	for len(c.words) < vocabulary {
		var b strings.Builder
		syllables := 2 + rng.IntN(2)
		for range syllables {
			b.WriteString(onsets[rng.IntN(len(onsets))])
			b.WriteString(nuclei[rng.IntN(len(nuclei))])
		}
		b.WriteString(codas[rng.IntN(len(codas))])
		w := b.String()
		if seen[w] {
			continue
		}
		seen[w] = true
		c.words = append(c.words, strings.ToUpper(w[:1])+w[1:])
	}
	c.zipf = rand.NewZipf(rng, 1.01, 40, uint64(vocabulary-1))
	c.gen = rand.NewZipf(rng, 1.2, 1, uint64(len(syntheticIndustryWords)-1))
	return c
}

func (c *syntheticCorpus) distinctive() string { return c.words[c.zipf.Uint64()] }

func (c *syntheticCorpus) account(i int) Account {
	r := c.rng
	parts := []string{c.distinctive()}
	if r.IntN(3) > 0 {
		parts = append(parts, c.distinctive())
	}
	for range r.IntN(3) {
		parts = append(parts, syntheticIndustryWords[c.gen.Uint64()])
	}
	a := Account{ID: fmt.Sprintf("acc-%07d", i)}
	if r.IntN(10) < 3 {
		a.Domain = strings.ToLower(parts[0]) + ".com"
	}
	if r.IntN(2) == 0 {
		a.Country = countries[r.IntN(len(countries))]
	}
	name := strings.Join(parts, " ")
	if r.IntN(5) > 0 {
		name += " " + legalSuffixes[r.IntN(len(legalSuffixes))]
	}
	a.Name = name
	return a
}

// variant returns a noisy spelling of an account's name, as a partner might type it.
func (c *syntheticCorpus) variant(a Account, id string) Query {
	r := c.rng
	q := Query{ID: id, Country: a.Country}
	name := a.Name
	switch r.IntN(8) {
	case 0:
		name = strings.ToUpper(name)
	case 1:
		name = strings.ToLower(name) + " " + legalSuffixes[r.IntN(len(legalSuffixes))]
	case 2: // drop the generic words and legal form
		name = strings.Fields(name)[0]
	case 3: // reorder
		f := strings.Fields(name)
		if len(f) > 1 {
			f[0], f[1] = f[1], f[0]
		}
		name = strings.Join(f, " ")
	case 4: // typo
		f := strings.Fields(name)
		w := []byte(f[0])
		if len(w) > 4 {
			i := 1 + r.IntN(len(w)-2)
			w[i], w[i+1] = w[i+1], w[i]
		}
		f[0] = string(w)
		name = strings.Join(f, " ")
	case 5:
		if a.Domain != "" {
			name = "www." + a.Domain
		}
	case 6:
		name = "The " + strings.ReplaceAll(name, " ", ", ")
	}
	q.Name = name
	return q
}

func (c *syntheticCorpus) generate(accounts, queries int) ([]Account, []Query) {
	accs := make([]Account, accounts)
	for i := range accs {
		accs[i] = c.account(i)
	}
	qs := make([]Query, queries)
	for i := range qs {
		id := fmt.Sprintf("q-%07d", i)
		if c.rng.IntN(5) == 0 {
			fresh := c.account(accounts + i)
			qs[i] = Query{ID: id, Name: fresh.Name, Country: fresh.Country}
			continue
		}
		qs[i] = c.variant(accs[c.rng.IntN(accounts)], id)
	}
	return accs, qs
}

// matchParallel matches queries on the given number of workers, results in query order.
func matchParallel(idx *Index, queries []Query, workers int) []Result {
	results := make([]Result, len(queries))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(queries); i += workers {
				results[i] = idx.Match(queries[i])
			}
		})
	}
	wg.Wait()
	return results
}

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// BenchmarkMatch1M measures the targets: building the index of 1,000,000 accounts, matching 100,000
// registrations against it on 2 workers (build + match must stay under 60 s), and the latency of a
// single match (p95 under 300 ms).
func BenchmarkMatch1M(b *testing.B) {
	benchmarkMatch(b, 1_000_000, 100_000, 200_000)
}

// BenchmarkMatch100k is the same at a tenth of the size, quick enough for a routine run.
func BenchmarkMatch100k(b *testing.B) {
	benchmarkMatch(b, 100_000, 10_000, 50_000)
}

func benchmarkMatch(b *testing.B, accountCount, queryCount, vocabulary int) {
	corpus := newSyntheticCorpus(42, vocabulary)
	accounts, queries := corpus.generate(accountCount, queryCount)
	before := heapInUse()
	var idx *Index
	var buildTime time.Duration

	b.Run("build", func(b *testing.B) {
		for b.Loop() {
			start := time.Now()
			idx = NewIndex(accounts)
			buildTime = time.Since(start)
		}
		b.ReportMetric(buildTime.Seconds(), "s/build")
		b.ReportMetric(float64(heapInUse()-before)/(1<<20), "MiB-index")
		b.ReportMetric(float64(len(idx.words)), "tokens")
	})
	if idx == nil {
		idx = NewIndex(accounts)
	}

	b.Run(fmt.Sprintf("match%dk-2workers", queryCount/1000), func(b *testing.B) {
		var elapsed time.Duration
		var results []Result
		for b.Loop() {
			start := time.Now()
			results = matchParallel(idx, queries, 2)
			elapsed = time.Since(start)
		}
		counts := map[Decision]int{}
		for _, r := range results {
			counts[r.Decision]++
		}
		b.ReportMetric(elapsed.Seconds(), "s/match-all")
		b.ReportMetric((elapsed + buildTime).Seconds(), "s/build+match")
		b.ReportMetric(float64(counts[DecisionMatch])/float64(len(results)), "match-share")
		b.ReportMetric(float64(counts[DecisionReview])/float64(len(results)), "review-share")
	})

	b.Run("single-latency", func(b *testing.B) {
		const samples = 5000
		durations := make([]time.Duration, 0, samples)
		for b.Loop() {
			durations = durations[:0]
			for i := range samples {
				q := queries[(i*7919)%len(queries)]
				start := time.Now()
				idx.Match(q)
				durations = append(durations, time.Since(start))
			}
		}
		slices.Sort(durations)
		pct := func(p float64) float64 {
			return float64(durations[int(p*float64(len(durations)-1))].Microseconds()) / 1000
		}
		b.ReportMetric(pct(0.50), "ms-p50")
		b.ReportMetric(pct(0.95), "ms-p95")
		b.ReportMetric(pct(0.99), "ms-p99")
		b.ReportMetric(float64(durations[len(durations)-1].Microseconds())/1000, "ms-max")
	})
}
