package match

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/tandem-revops/tandem/internal/shareddata"
)

// The labelled set is built at run time from the public company lists in ../shared/data (never
// copied into the repository):
//
//   - accounts: SEC EDGAR registrants (company_tickers.json `title`, id = CIK) minus a held-out 10%,
//     plus Nasdaq/NYSE listings of companies the SEC file does not know (ETFs, funds, new listings)
//     as distractors;
//   - queries with a true account: S&P 500 `Security` short names joined on CIK (the 4 rows that do
//     not join are skipped: their truth is unknown), and Nasdaq/NYSE "Company Name" spellings joined by
//     ticker to the SEC CIK;
//   - queries whose truth is "new": the held-out registrants' SEC titles and their listings' names.
//
// precision = correct automatic matches / automatic matches (a match of a "new" query is wrong).
// recall    = correct automatic matches / queries that have a true account. `review` does not count
// as recalled; the "with review" figure also counts reviews whose candidates hold the true account.

// sharedDataDir returns the shared data directory next to the repository, or skips the test.
func sharedDataDir(t testing.TB) string {
	t.Helper()
	shareddata.Path(t, filepath.Join("company-names-sec-tickers", "company_tickers.json"))
	return shareddata.Path(t, ".")
}

type labelledQuery struct {
	source string
	query  Query
	truth  string // account id, or "" when the company is new
}

type labelledSet struct {
	accounts []Account
	queries  []labelledQuery
}

type secEntry struct {
	CIK    int    `json:"cik_str"`
	Ticker string `json:"ticker"`
	Title  string `json:"title"`
}

// buildLabelledSet reads the lists and builds accounts and labelled queries; holdout is the share of
// SEC registrants (never S&P 500 members) left out of the accounts so their queries must come out new.
func buildLabelledSet(t testing.TB, dir string, holdout float64, seed uint64) labelledSet {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "company-names-sec-tickers", "company_tickers.json"))
	if err != nil {
		t.Fatal(err)
	}
	var byKey map[string]secEntry
	if err := json.Unmarshal(raw, &byKey); err != nil {
		t.Fatalf("company_tickers.json: %v", err)
	}
	keys := make([]int, 0, len(byKey))
	for k := range byKey {
		n, err := strconv.Atoi(k)
		if err != nil {
			t.Fatalf("company_tickers.json: key %q: %v", k, err)
		}
		keys = append(keys, n)
	}
	sort.Ints(keys)
	titleByCIK := map[int]string{}
	cikByTicker := map[string]int{}
	var ciks []int
	for _, k := range keys {
		e := byKey[strconv.Itoa(k)]
		if _, ok := titleByCIK[e.CIK]; !ok {
			titleByCIK[e.CIK] = e.Title
			ciks = append(ciks, e.CIK)
		}
		cikByTicker[strings.ToUpper(e.Ticker)] = e.CIK
	}

	sp := readCSV(t, filepath.Join(dir, "company-names-sp500", "constituents.csv"))
	spCIK := map[int]bool{}
	for _, r := range sp.rows {
		if cik, err := strconv.Atoi(r[sp.col["CIK"]]); err == nil {
			spCIK[cik] = true
		}
	}

	rng := rand.New(rand.NewPCG(seed, seed^0x5eed))
	heldOut := map[int]bool{}
	for _, cik := range ciks {
		if !spCIK[cik] && rng.Float64() < holdout {
			heldOut[cik] = true
		}
	}

	var set labelledSet
	secNorm := map[string]bool{}
	for _, cik := range ciks {
		secNorm[Normalize(titleByCIK[cik])] = true
		if !heldOut[cik] {
			set.accounts = append(set.accounts, Account{ID: accountID(cik), Name: titleByCIK[cik]})
		}
	}
	truthOf := func(cik int) string {
		if heldOut[cik] {
			return ""
		}
		return accountID(cik)
	}

	for _, r := range sp.rows {
		cik, err := strconv.Atoi(r[sp.col["CIK"]])
		if err != nil || titleByCIK[cik] == "" {
			continue // not in the SEC snapshot: truth unknown
		}
		set.queries = append(set.queries, labelledQuery{source: "sp500",
			query: Query{ID: "sp500:" + r[sp.col["Symbol"]], Name: r[sp.col["Security"]]}, truth: truthOf(cik)})
	}

	seenQuery := map[string]bool{}
	noiseSeen := map[string]bool{}
	queryNorm := listingNamesWithCIK(t, dir, cikByTicker) // renamed registrants are not noise
	addListing := func(source, symbol, security string, etf bool) {
		// The packagers' "Company Name" is cut at the first hyphen ("Bristol" for Bristol-Myers
		// Squibb), so the name is taken from the security name, cut at " - " as Nasdaq writes it.
		name, _, _ := strings.Cut(security, " - ")
		name = strings.TrimSpace(name)
		if name == "" || strings.HasPrefix(symbol, "File Creation Time") {
			return
		}
		ticker := strings.ToUpper(strings.ReplaceAll(symbol, ".", "-"))
		cik, ok := cikByTicker[ticker]
		if !ok {
			root := ticker
			if i := strings.IndexAny(root, "-$+=^"); i > 0 {
				root = root[:i]
			}
			_, known := cikByTicker[root]
			if source == "nasdaq" && len(root) == 5 {
				_, known4 := cikByTicker[root[:4]] // Nasdaq's fifth letter marks warrants, units, notes
				known = known || known4
			}
			if known {
				return // another class of a registrant we know: neither a clean query nor noise
			}
			norm := Normalize(name)
			if secNorm[norm] || queryNorm[norm] || noiseSeen[norm] {
				return
			}
			noiseSeen[norm] = true
			set.accounts = append(set.accounts, Account{ID: source + ":" + symbol, Name: name})
			return
		}
		if etf || !isCommonEquity(security) {
			return // notes, ETNs, preferreds and funds are issued under another name than the registrant's
		}
		key := name + "\x00" + strconv.Itoa(cik)
		if seenQuery[key] {
			return
		}
		seenQuery[key] = true
		set.queries = append(set.queries, labelledQuery{source: source,
			query: Query{ID: source + ":" + symbol, Name: name}, truth: truthOf(cik)})
	}
	nasdaq := readCSV(t, filepath.Join(dir, "company-names-nasdaq-listed", "nasdaq-listed-symbols.csv"))
	for _, r := range nasdaq.rows {
		if r[nasdaq.col["Test Issue"]] == "Y" {
			continue
		}
		addListing("nasdaq", r[nasdaq.col["Symbol"]], r[nasdaq.col["Security Name"]], r[nasdaq.col["ETF"]] == "Y")
	}
	nyse := readCSV(t, filepath.Join(dir, "company-names-nyse-other-listed", "other-listed.csv"))
	for _, r := range nyse.rows {
		addListing("nyse", r[nyse.col["ACT Symbol"]], r[nyse.col["Security Name"]], r[nyse.col["ETF"]] == "Y")
	}

	for _, cik := range ciks {
		if heldOut[cik] {
			set.queries = append(set.queries, labelledQuery{source: "sec-heldout",
				query: Query{ID: "sec:" + strconv.Itoa(cik), Name: titleByCIK[cik]}})
		}
	}
	return set
}

// listingNamesWithCIK returns the normalised names of the listings whose ticker the SEC knows: a
// listing of the same name under an unknown ticker is the same company, not a distractor.
func listingNamesWithCIK(t testing.TB, dir string, cikByTicker map[string]int) map[string]bool {
	t.Helper()
	names := map[string]bool{}
	for _, f := range []struct{ path, symbol string }{
		{filepath.Join(dir, "company-names-nasdaq-listed", "nasdaq-listed-symbols.csv"), "Symbol"},
		{filepath.Join(dir, "company-names-nyse-other-listed", "other-listed.csv"), "ACT Symbol"},
	} {
		tbl := readCSV(t, f.path)
		for _, r := range tbl.rows {
			ticker := strings.ToUpper(strings.ReplaceAll(r[tbl.col[f.symbol]], ".", "-"))
			if _, ok := cikByTicker[ticker]; ok {
				name, _, _ := strings.Cut(r[tbl.col["Security Name"]], " - ")
				names[Normalize(name)] = true
			}
		}
	}
	return names
}

// isCommonEquity reports whether a listing's security description is common or ordinary shares
// (or depositary shares for them), the securities that carry the issuer's own name.
func isCommonEquity(security string) bool {
	s := strings.ToLower(security)
	for _, other := range []string{"preferred", "pfd", "notes", "debenture", "etn", "warrant", "right",
		"unit", "fixed", "due 20", "%", "trust preferred", "depositary shares representing"} {
		if strings.Contains(s, other) {
			return false
		}
	}
	for _, common := range []string{"common stock", "common share", "ordinary share", "american depositary",
		"american depository", "ads"} {
		if strings.Contains(s, common) {
			return true
		}
	}
	return false
}

func accountID(cik int) string { return "cik:" + strconv.Itoa(cik) }

type csvTable struct {
	col  map[string]int
	rows [][]string
}

func readCSV(t testing.TB, path string) csvTable {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		t.Fatalf("%s: header: %v", path, err)
	}
	tbl := csvTable{col: map[string]int{}}
	for i, h := range header {
		tbl.col[strings.TrimPrefix(h, "\ufeff")] = i
	}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if len(rec) == len(header) {
			tbl.rows = append(tbl.rows, rec)
		}
	}
	return tbl
}

// tally counts outcomes for one slice of the labelled queries.
type tally struct {
	queries, positives                     int
	autoMatches, correctAuto, wrongAuto    int
	reviews, reviewWithTruth, newDecisions int
}

func (c *tally) add(q labelledQuery, r Result) {
	c.queries++
	if q.truth != "" {
		c.positives++
	}
	switch r.Decision {
	case DecisionMatch:
		c.autoMatches++
		if r.AccountID == q.truth {
			c.correctAuto++
		} else {
			c.wrongAuto++
		}
	case DecisionReview:
		c.reviews++
		for _, cand := range r.Candidates {
			if q.truth != "" && cand.AccountID == q.truth {
				c.reviewWithTruth++
				break
			}
		}
	default:
		c.newDecisions++
	}
}

func (c tally) precision() float64 {
	if c.autoMatches == 0 {
		return 1
	}
	return float64(c.correctAuto) / float64(c.autoMatches)
}

func (c tally) recall() float64 {
	if c.positives == 0 {
		return 1
	}
	return float64(c.correctAuto) / float64(c.positives)
}

func (c tally) recallWithReview() float64 {
	if c.positives == 0 {
		return 1
	}
	return float64(c.correctAuto+c.reviewWithTruth) / float64(c.positives)
}

func (c tally) String() string {
	return fmt.Sprintf("queries=%d positives=%d auto=%d wrong=%d review=%d new=%d precision=%.4f recall(auto)=%.4f recall(auto+review)=%.4f",
		c.queries, c.positives, c.autoMatches, c.wrongAuto, c.reviews, c.newDecisions,
		c.precision(), c.recall(), c.recallWithReview())
}

func matchAll(idx *Index, queries []labelledQuery) []Result {
	results := make([]Result, len(queries))
	var wg sync.WaitGroup
	const workers = 2
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(queries); i += workers {
				results[i] = idx.Match(queries[i].query)
			}
		})
	}
	wg.Wait()
	return results
}

func TestLabelledPublicCompanies(t *testing.T) {
	dir := sharedDataDir(t)
	set := buildLabelledSet(t, dir, 0.10, 20250824)
	idx := NewIndex(set.accounts)
	results := matchAll(idx, set.queries)

	var total tally
	bySource := map[string]*tally{}
	var failures []string
	for i, q := range set.queries {
		r := results[i]
		total.add(q, r)
		if bySource[q.source] == nil {
			bySource[q.source] = &tally{}
		}
		bySource[q.source].add(q, r)
		wrong := r.Decision == DecisionMatch && r.AccountID != q.truth
		missed := q.truth != "" && r.Decision != DecisionMatch
		if wrong || missed {
			failures = append(failures, describeFailure(idx, q, r))
		}
	}
	t.Logf("accounts=%d", len(set.accounts))
	sources := make([]string, 0, len(bySource))
	for s := range bySource {
		sources = append(sources, s)
	}
	slices.Sort(sources)
	for _, s := range sources {
		t.Logf("%-12s %s", s, bySource[s])
	}
	t.Logf("%-12s %s", "all", total)
	if testing.Verbose() && os.Getenv("MATCH_SHOW_FAILURES") != "" {
		for _, f := range failures {
			t.Log(f)
		}
	}
	if p := total.precision(); p < 0.99 {
		t.Errorf("precision of automatic matches = %.4f, want ≥ 0.99", p)
	}
	if r := total.recall(); r < 0.95 {
		t.Errorf("recall of automatic matches = %.4f, want ≥ 0.95", r)
	}
	if sp := bySource["sp500"]; sp.precision() < 0.99 {
		t.Errorf("S&P 500 short names: precision = %.4f, want ≥ 0.99", sp.precision())
	}
}

// TestLabelledSweep prints precision and recall over a grid of thresholds (MATCH_SWEEP=1); it is how
// the constants in match.go were chosen.
func TestLabelledSweep(t *testing.T) {
	if os.Getenv("MATCH_SWEEP") == "" {
		t.Skip("set MATCH_SWEEP=1 to sweep the decision thresholds")
	}
	set := buildLabelledSet(t, sharedDataDir(t), 0.10, 20250824)
	idx := NewIndex(set.accounts)
	for _, th := range []float64{0.80, 0.84, 0.88} {
		for _, margin := range []float64{0.04, 0.06, 0.08, 0.10} {
			for _, missing := range []float64{0.03, 0.06, 0.1, 0.15} {
				idx.tuning = tuning{match: th, margin: margin, review: ReviewThreshold, missingShare: missing}
				var total tally
				for i, r := range matchAll(idx, set.queries) {
					total.add(set.queries[i], r)
				}
				t.Logf("match=%.2f margin=%.2f missing=%.2f  %s", th, margin, missing, total)
			}
		}
	}
}

func describeFailure(idx *Index, q labelledQuery, r Result) string {
	truth := "new"
	if q.truth != "" {
		truth = q.truth
		for _, a := range idx.accounts {
			if a.ID == q.truth {
				truth += " " + strconv.Quote(a.Name)
				break
			}
		}
	}
	var cands []string
	for _, c := range r.Candidates {
		cands = append(cands, fmt.Sprintf("%s %q %.3f [%s]", c.AccountID, c.Name, c.Score, c.Reason))
	}
	return fmt.Sprintf("%s %q → %s %s %.3f; truth %s; candidates: %s", q.source, q.query.Name,
		r.Decision, r.AccountID, r.Score, truth, strings.Join(cands, " | "))
}
