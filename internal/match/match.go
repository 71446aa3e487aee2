// Package match resolves the company a partner typed on a deal registration ("ACME Corp.",
// "Acme Corporation, Inc.", "acme.com") to an existing account, or says it is new.
//
// It owns name normalisation (Normalize), the account index (NewIndex) and the decision (Match).
// Matching blocks before it scores, so it scales to millions of accounts: candidates come from an
// inverted index on normalised name tokens (rarest first; very common tokens only re-weigh accounts
// already found), whole-name and initials keys, the website domain, and a trigram index over the
// token vocabulary for typos. At most maxRescored candidates, ranked by shared IDF weight, are then
// scored in full.
//
// The score (0..1) combines:
//   - token-set similarity weighted by IDF learned from the account base, so "Systems", "Holdings"
//     and "International" weigh little and "Cisco" a lot. It leans towards how much of the query is
//     covered (partners type short names; accounts hold legal names), see tokenSimilarity;
//   - Jaro-Winkler on the normalised names, in written and in sorted token order;
//   - the website: the same normalised domain is decisive, and a domain label equal to the name
//     ("acme.com" ↔ "Acme Corp") counts as a name match;
//   - country: two different countries lower the score;
//   - numbers and roman numerals ("Fund II" vs "Fund III") must agree, or the match is held for review.
//
// The decision is `match` when the best score reaches MatchThreshold and leads the runner-up by
// MatchMargin; `review` when it reaches ReviewThreshold (or is held back as above), so a person
// picks from the candidates instead of the system guessing; `new` otherwise. Near spellings (typos),
// query words the account lacks (more than MaxMissingShare of the query's weight) and differing
// numbers also send a candidate to review rather than match.
//
// The thresholds were tuned on the public company lists under ../shared/data (realdata_test.go;
// MATCH_SWEEP=1 prints the grid): 7.8k accounts (SEC registrants less a 10% hold-out, plus listings
// as distractors) and 6.2k queries (S&P 500 short names, Nasdaq/NYSE spellings, held-out names).
// With these constants precision of automatic matches is 0.996, recall of automatic matches 0.967
// (0.987 counting reviews whose candidates hold the right account); S&P 500 short names alone:
// precision 1.000, recall 0.972. The grid is flat around them: match 0.80–0.88 and margin 0.04–0.10
// all keep precision ≥ 0.994 and recall ≥ 0.955.
package match

import (
	"fmt"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"strings"

	"github.com/adrg/strutil/metrics"
	"github.com/tandem-revops/tandem"
)

// Decision is what to do with a registration's company.
// It is the domain's tandem.AccountDecision, the value the store records.
type Decision = tandem.AccountDecision

const (
	DecisionMatch  = tandem.AccountDecisionMatch  // confidently an existing account
	DecisionReview = tandem.AccountDecisionReview // plausible, but a person should confirm (review queue)
	DecisionNew    = tandem.AccountDecisionNew    // nothing close: a new account
)

// Thresholds tuned on the labelled public data (realdata_test.go); see the package doc.
const (
	MatchThreshold  = 0.84
	MatchMargin     = 0.06
	ReviewThreshold = 0.60
	// MaxMissingShare: when more of the query's IDF weight than this is absent from an account, that
	// account is never matched automatically.
	MaxMissingShare = 0.06
)

// tuning holds the decision thresholds; tests vary them to show the precision/recall trade-off.
type tuning struct {
	match, margin, review, missingShare float64
}

var defaultTuning = tuning{match: MatchThreshold, margin: MatchMargin, review: ReviewThreshold, missingShare: MaxMissingShare}

// Query is a registration's company as the partner typed it. Name may be a website ("acme.com").
type Query struct {
	ID      string
	Name    string
	Domain  string
	Country string
}

// Candidate is one account considered for a query.
type Candidate struct {
	AccountID string
	Name      string
	Score     float64
	Reason    string
}

// Resolution is r as the store records it, with the account ids as numbers (the store's ids, which a
// Source built on it writes in decimal).
func (r Result) Resolution() (*tandem.AccountResolution, error) {
	res := &tandem.AccountResolution{Decision: r.Decision, Score: r.Score, Reason: r.Reason,
		Candidates: make([]tandem.AccountMatchCandidate, 0, len(r.Candidates))}
	if r.Decision == DecisionMatch {
		id, err := strconv.ParseInt(r.AccountID, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("matched account id %q: %w", r.AccountID, err)
		}
		res.AccountID = id
	}
	for _, c := range r.Candidates {
		id, err := strconv.ParseInt(c.AccountID, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("candidate account id %q: %w", c.AccountID, err)
		}
		res.Candidates = append(res.Candidates, tandem.AccountMatchCandidate{AccountID: id, Name: c.Name, Score: c.Score, Reason: c.Reason})
	}
	return res, nil
}

// Result is the outcome for one query. AccountID is set for DecisionMatch and, as the best guess, for
// DecisionReview. Candidates holds the best three, best first.
type Result struct {
	QueryID    string
	Decision   Decision
	AccountID  string
	Score      float64
	Reason     string
	Candidates []Candidate
}

const (
	flagTouched uint8 = 1 << iota
	flagCompact       // same name with spaces removed
	flagAcronym       // query is the initials of the account's name
	flagDomain        // same normalised domain
	flagLabel         // query domain's label is the account's name
)

const (
	// maxRescored is how many candidates, by shared token weight, are scored on their tokens.
	maxRescored = 200
	// minSharedFraction: a candidate sharing less than this fraction of the query weight that the best
	// candidate shares is not scored.
	minSharedFraction = 0.3
	// maxCompared is how many of those, by token score, are compared with Jaro-Winkler.
	maxCompared = 25
	// addLimit: a query token found in more accounts than this only re-weighs candidates that rarer
	// tokens already found, unless nothing was found yet. It bounds the work per query.
	addLimit = 20000
	// jwWeight is the share of Jaro-Winkler in the name score; the rest is token similarity.
	jwWeight = 0.2
	// countryPenalty multiplies the score when both sides name different countries.
	countryPenalty = 0.85
	// fuzzyCredit discounts a token matched only by a near spelling.
	fuzzyCredit = 0.9
	// legalWeight is the share of the score given to agreeing legal forms when both names have one.
	legalWeight = 0.06
)

// queryTerm is one distinct query token and how it is found in the vocabulary.
type queryTerm struct {
	text   string
	weight float64 // IDF of the token (of its closest vocabulary token for a typo)
	ids    []uint32
	sims   []float64 // per id: 1 for the token itself, < 1 for a vocabulary token close to a typo
	fuzzy  bool      // ids are vocabulary tokens close to a token no account has
}

// preparedQuery is a query after normalisation and lookup.
type preparedQuery struct {
	tokens      []string
	legal       uint64
	norm        string
	sorted      string
	terms       []queryTerm
	totalWeight float64
	numbers     []string // digits and roman numerals, sorted
	domain      string
	label       string
	country     string
}

// Match resolves one query. It is safe for concurrent use.
func (idx *Index) Match(q Query) Result {
	s := idx.getScratch()
	defer idx.putScratch(s)
	pq := idx.prepare(q, s)
	if len(pq.tokens) == 0 && pq.domain == "" {
		return Result{QueryID: q.ID, Decision: DecisionNew, Reason: "no name or domain to match on"}
	}
	idx.collect(pq, s)
	cands := idx.rescore(pq, s)
	return decide(idx.tuning, q.ID, cands, func(c scored) Account { return idx.accounts[c.account] })
}

// candidates returns the scored candidates for q, best first, and false when q has nothing to match on.
func (idx *Index) candidates(q Query) ([]scored, bool) {
	s := idx.getScratch()
	defer idx.putScratch(s)
	pq := idx.prepare(q, s)
	if len(pq.tokens) == 0 && pq.domain == "" {
		return nil, false
	}
	idx.collect(pq, s)
	return idx.rescore(pq, s), true
}

func (idx *Index) prepare(q Query, s *scratch) *preparedQuery {
	pq := &preparedQuery{country: normalizeCountry(q.Country)}
	pq.domain = normalizeDomain(q.Domain)
	name := strings.TrimSpace(q.Name)
	if pq.domain == "" && looksLikeDomain(name) {
		pq.domain = normalizeDomain(name)
		name = strings.ReplaceAll(domainLabel(pq.domain), "-", " ")
	}
	if pq.domain != "" {
		pq.label = strings.ReplaceAll(domainLabel(pq.domain), "-", "")
		if name == "" {
			name = strings.ReplaceAll(domainLabel(pq.domain), "-", " ")
		}
	}
	pq.tokens, pq.legal = analyseName(name)
	pq.norm = strings.Join(pq.tokens, " ")
	pq.sorted = sortedJoin(pq.tokens)
	pq.numbers = numberTokens(pq.tokens)

	seen := make(map[string]bool, len(pq.tokens))
	for _, t := range pq.tokens {
		if seen[t] {
			continue
		}
		seen[t] = true
		term := queryTerm{text: t}
		if id, ok := idx.vocab[t]; ok {
			// known token: its own weight
			term.weight = float64(idx.idf[id])
			term.ids = []uint32{id}
			term.sims = []float64{1}
		} else if left, right, ok := idx.splitCompound(t); ok {
			// "supermicro" for accounts spelled "Super Micro": two terms.
			for _, id := range []uint32{left, right} {
				part := queryTerm{text: idx.words[id], weight: float64(idx.idf[id]), ids: []uint32{id}, sims: []float64{1}}
				pq.terms = append(pq.terms, part)
				pq.totalWeight += part.weight
			}
			continue
		} else {
			term.weight = float64(idx.unknown)
			term.fuzzy = true
			for _, f := range idx.similarTokens(t, s) {
				if len(term.ids) == 0 {
					term.weight = float64(idx.idf[f.id])
				}
				term.ids = append(term.ids, f.id)
				term.sims = append(term.sims, f.similarity)
			}
		}
		pq.terms = append(pq.terms, term)
		pq.totalWeight += term.weight
	}
	return pq
}

// collect finds candidate accounts and accumulates the query weight each shares.
func (idx *Index) collect(pq *preparedQuery, s *scratch) {
	type posting struct {
		weight float32
		id     uint32
	}
	var lists []posting
	for _, term := range pq.terms {
		for i, id := range term.ids {
			lists = append(lists, posting{weight: float32(term.weight * term.sims[i]), id: id})
		}
	}
	postingLen := func(id uint32) int { return int(idx.postings.start[id+1] - idx.postings.start[id]) }
	slices.SortFunc(lists, func(a, b posting) int { return postingLen(a.id) - postingLen(b.id) })

	for _, p := range lists {
		accounts := idx.postings.ids[idx.postings.start[p.id]:idx.postings.start[p.id+1]]
		if len(accounts) <= addLimit || len(s.touched) == 0 {
			for _, a := range accounts {
				s.touch(a, 0)
				s.shared[a] += p.weight
				s.maxShared = max(s.maxShared, s.shared[a])
			}
			continue
		}
		// A very common token: only credit the accounts already found.
		for _, a := range s.touched {
			if slices.Contains(idx.tokensOf(a), p.id) {
				s.shared[a] += p.weight
				s.maxShared = max(s.maxShared, s.shared[a])
			}
		}
	}

	if len(pq.tokens) > 0 {
		for _, a := range idx.compact.lookup(strings.Join(pq.tokens, "")) {
			s.touch(a, flagCompact)
		}
	}
	if len(pq.tokens) == 1 && len(pq.tokens[0]) >= 2 && len(pq.tokens[0]) <= 6 {
		for _, a := range idx.acronym.lookup(pq.tokens[0]) {
			s.touch(a, flagAcronym)
		}
	}
	if pq.domain != "" {
		for _, a := range idx.domains.lookup(pq.domain) {
			s.touch(a, flagDomain)
		}
		if pq.label != "" && len(pq.label) >= 3 {
			for _, a := range idx.compact.lookup(pq.label) {
				s.touch(a, flagLabel)
			}
		}
	}
}

func (idx *Index) tokensOf(a uint32) []uint32 {
	return idx.tokenIDs[idx.tokenStart[a]:idx.tokenStart[a+1]]
}

// scored is a candidate during scoring.
type scored struct {
	account     uint32
	score       float64
	holdBack    bool // numbers disagree: never decided automatically
	reason      string
	tokenCover  float64
	accountPart float64
}

// rescore ranks the touched accounts by shared token weight, scores the best maxRescored on tokens,
// adds Jaro-Winkler for the best maxCompared of those, and explains the best three. It returns the
// compared candidates, best first.
func (idx *Index) rescore(pq *preparedQuery, s *scratch) []scored {
	top := s.top[:0]
	floor := minSharedFraction * s.maxShared
	for _, a := range s.touched {
		if s.shared[a] < floor && s.flags[a]&^flagTouched == 0 {
			continue // shares too little of what the best candidates share to rank among them
		}
		est := float32(0)
		if pq.totalWeight > 0 {
			shared := s.shared[a]
			est = 0.65*shared/float32(pq.totalWeight) + 0.35*shared/max(idx.weight[a], 1e-6)
		}
		if s.flags[a]&^flagTouched != 0 {
			est += 2 // keys that matched exactly are always scored in full
		}
		top = pushBounded(top, estimate{est: est, account: a}, maxRescored)
	}
	s.top = top

	cands := make([]scored, 0, len(top))
	for _, e := range top {
		c := idx.score(pq, e.account, s.flags[e.account], false, false)
		if c.score > 0 {
			cands = append(cands, c)
		}
	}
	slices.SortFunc(cands, cmpScored)
	cands = cands[:min(len(cands), maxCompared)]
	for i, c := range cands {
		cands[i] = idx.score(pq, c.account, s.flags[c.account], true, false)
	}
	slices.SortFunc(cands, cmpScored)
	for i := range cands[:min(len(cands), 3)] {
		cands[i] = idx.score(pq, cands[i].account, s.flags[cands[i].account], true, true)
	}
	return cands
}

// estimate is a candidate's cheap rank before scoring.
type estimate struct {
	est     float32
	account uint32
}

// pushBounded keeps the limit best estimates in a min-heap, so choosing the best few hundred of many
// thousand candidates costs one comparison for most of them.
func pushBounded(heap []estimate, e estimate, limit int) []estimate {
	if len(heap) < limit {
		heap = append(heap, e)
		for i := len(heap) - 1; i > 0; {
			parent := (i - 1) / 2
			if !heap[i].less(heap[parent]) {
				break
			}
			heap[i], heap[parent] = heap[parent], heap[i]
			i = parent
		}
		return heap
	}
	if !heap[0].less(e) {
		return heap
	}
	heap[0] = e
	for i := 0; ; {
		l, r, smallest := 2*i+1, 2*i+2, i
		if l < len(heap) && heap[l].less(heap[smallest]) {
			smallest = l
		}
		if r < len(heap) && heap[r].less(heap[smallest]) {
			smallest = r
		}
		if smallest == i {
			return heap
		}
		heap[i], heap[smallest] = heap[smallest], heap[i]
		i = smallest
	}
}

// less orders estimates worst first; ties go to the later account so earlier accounts are kept.
func (e estimate) less(o estimate) bool {
	if e.est != o.est {
		return e.est < o.est
	}
	return e.account > o.account
}

// cmpScored orders by score, best first, then by account position so results are deterministic.
func cmpScored(x, y scored) int {
	if x.score == y.score {
		return int(x.account) - int(y.account)
	}
	switch {
	case x.score > y.score:
		return -1
	case x.score < y.score:
		return 1
	}
	return int(x.account) - int(y.account)
}

var jaroWinkler = metrics.JaroWinkler{CaseSensitive: true}

// score computes the score of one account for a query. Without compare, Jaro-Winkler is taken as
// perfect (an upper bound used to pick whom to compare); without explain, no reason is written.
func (idx *Index) score(pq *preparedQuery, a uint32, flags uint8, compare, explain bool) scored {
	var reasons []string
	accountTokens := idx.tokensOf(a)

	// Token-set similarity: which query terms the account has, weighted by IDF on both sides.
	var coveredQuery, coveredAccount, missingWeight float64
	var sharedWords, missingWords, typoWords []string // filled only to explain
	shared, missing, typos := 0, 0, 0
	for _, term := range pq.terms {
		best, bestID := 0.0, uint32(0)
		for i, id := range term.ids {
			if term.sims[i] > best && slices.Contains(accountTokens, id) {
				best, bestID = term.sims[i], id
			}
		}
		switch {
		case best == 0:
			missingWeight += term.weight
			missing++
			if explain {
				missingWords = append(missingWords, term.text)
			}
		case term.fuzzy:
			coveredQuery += term.weight * best * fuzzyCredit
			coveredAccount += float64(idx.idf[bestID]) * best * fuzzyCredit
			typos++
			if explain {
				typoWords = append(typoWords, term.text+"~"+idx.words[bestID])
			}
		default:
			coveredQuery += term.weight
			coveredAccount += float64(idx.idf[bestID])
			shared++
			if explain {
				sharedWords = append(sharedWords, term.text)
			}
		}
	}
	queryPart, accountPart := 0.0, 0.0
	if pq.totalWeight > 0 {
		queryPart = coveredQuery / pq.totalWeight
	}
	if w := float64(idx.weight[a]); w > 0 {
		accountPart = min(coveredAccount/w, 1)
	}
	tokens := tokenSimilarity(queryPart, accountPart)
	if explain && len(sharedWords) > 0 {
		reasons = append(reasons, fmt.Sprintf("name tokens %s match (weight %.2f)",
			strings.Join(sharedWords, " "), tokens))
	}
	holdBack := false
	if typos > 0 {
		holdBack = true // a one-letter difference is as often another company ("Masimo", "Massimo")
		if explain {
			reasons = append(reasons, "near spellings "+strings.Join(typoWords, " "))
		}
	}
	if pq.totalWeight > 0 && missingWeight/pq.totalWeight > idx.tuning.missingShare && shared+typos > 0 {
		holdBack = true // a word the partner typed that the account lacks may name another company
		if explain {
			reasons = append(reasons, "not in the account name: "+strings.Join(missingWords, " "))
		}
	}

	accountNorm := idx.norm[a]
	switch {
	case flags&flagCompact != 0 && accountNorm != pq.norm:
		tokens = 1
		if explain {
			reasons = append(reasons, fmt.Sprintf("names %q and %q differ only in spacing", pq.norm, accountNorm))
		}
	case flags&flagAcronym != 0:
		tokens = max(tokens, 0.8)
		if explain {
			reasons = append(reasons, fmt.Sprintf("%q is the initials of %q", pq.norm, accountNorm))
		}
	}

	jw := 1.0
	if compare {
		jw = 0
		if pq.norm != "" && accountNorm != "" {
			jw = jaroWinkler.Compare(pq.norm, accountNorm)
			if len(pq.tokens) > 1 || len(accountTokens) > 1 {
				jw = max(jw, jaroWinkler.Compare(pq.sorted, sortedJoin(strings.Fields(accountNorm))))
			}
		}
		if explain {
			reasons = append(reasons, fmt.Sprintf("Jaro-Winkler %.2f", jw))
		}
	}
	score := (1-jwWeight)*tokens + jwWeight*jw
	if len(pq.tokens) == 0 {
		score = 0
	}
	if pq.legal != 0 && idx.legal[a] != 0 {
		agree := float64(bits.OnesCount64(pq.legal&idx.legal[a])) / float64(bits.OnesCount64(pq.legal|idx.legal[a]))
		score = (1-legalWeight)*score + legalWeight*agree
	}

	if flags&flagLabel != 0 {
		score = max(score, 0.9)
		if explain {
			reasons = append([]string{fmt.Sprintf("domain label %q matches the name", pq.label)}, reasons...)
		}
	}
	if flags&flagDomain != 0 {
		score = max(score, 0.97)
		if tokens >= 0.5 {
			score = max(score, 0.99)
		}
		if explain {
			reasons = append([]string{fmt.Sprintf("domain %s matches", pq.domain)}, reasons...)
		}
	}

	if flags&flagDomain != 0 || flags&flagCompact != 0 && missing > 0 {
		holdBack = false // the domain decides; or the words are all there, only spaced differently
	}
	if flags&flagDomain == 0 && !idx.sameNumbers(pq.numbers, accountTokens) {
		score *= 0.9
		holdBack = true
		if explain {
			reasons = append(reasons, "numbers in the names differ")
		}
	}
	if c := idx.country[a]; pq.country != "" && c != "" {
		if c == pq.country {
			if explain {
				reasons = append(reasons, "country "+c+" agrees")
			}
		} else {
			score *= countryPenalty
			if explain {
				reasons = append(reasons, fmt.Sprintf("countries differ (%s vs %s)", pq.country, c))
			}
		}
	}
	score = math.Round(min(max(score, 0), 1)*1000) / 1000
	return scored{account: a, score: score, holdBack: holdBack, reason: strings.Join(reasons, "; "),
		tokenCover: queryPart, accountPart: accountPart}
}

// tokenSimilarity combines the share of the query's weight that the account covers and the share of
// the account's weight that the query covers. It leans to the first: "Cisco" covers all of itself and
// most of "Cisco Systems" (whose "Systems" weighs little), while "Cisco Systems Capital" typed for the
// account "Cisco" leaves a heavy token unexplained.
func tokenSimilarity(queryPart, accountPart float64) float64 {
	return 0.65*queryPart + 0.35*accountPart
}

// decide turns the candidates, best first, into a decision; accountOf names a candidate's account.
func decide(t tuning, queryID string, cands []scored, accountOf func(scored) Account) Result {
	r := Result{QueryID: queryID, Decision: DecisionNew}
	if len(cands) == 0 {
		r.Reason = "no account shares a name token, key or domain"
		return r
	}
	best := cands[0]
	r.Score = best.score
	r.Reason = best.reason
	runnerUp := 0.0
	if len(cands) > 1 {
		runnerUp = cands[1].score
	}
	switch {
	case best.score >= t.match && best.score-runnerUp >= t.margin && !best.holdBack:
		r.Decision = DecisionMatch
	case best.score >= t.review:
		r.Decision = DecisionReview
		if best.score-runnerUp < t.margin {
			r.Reason += fmt.Sprintf("; runner-up scores %.2f", runnerUp)
		}
	default:
		r.Reason = "best candidate too far: " + best.reason
	}
	if r.Decision != DecisionNew {
		r.AccountID = accountOf(best).ID
	}
	for _, c := range cands[:min(3, len(cands))] {
		acc := accountOf(c)
		r.Candidates = append(r.Candidates, Candidate{AccountID: acc.ID, Name: acc.Name, Score: c.score, Reason: c.reason})
	}
	return r
}

// sortedJoin joins tokens in alphabetical order, so word order does not affect Jaro-Winkler.
func sortedJoin(tokens []string) string {
	if len(tokens) < 2 {
		return strings.Join(tokens, " ")
	}
	sorted := slices.Clone(tokens)
	slices.Sort(sorted)
	return strings.Join(sorted, " ")
}

// numberTokens returns the digits-only and roman-numeral tokens, sorted: "fund ii" and "fund 2"
// differ from "fund iii", and such names must not be matched automatically.
func numberTokens(tokens []string) []string {
	var nums []string
	for _, t := range tokens {
		if isNumberToken(t) {
			nums = append(nums, t)
		}
	}
	slices.Sort(nums)
	return slices.Compact(nums)
}

func isNumberToken(t string) bool { return isNumber(t) || romanNumerals[t] }

// sameNumbers reports whether an account's number tokens are exactly the query's.
func (idx *Index) sameNumbers(queryNumbers []string, accountTokens []uint32) bool {
	count := 0
	for _, id := range accountTokens {
		if !idx.numeric[id] {
			continue
		}
		count++
		if _, found := slices.BinarySearch(queryNumbers, idx.words[id]); !found {
			return false
		}
	}
	return count == len(queryNumbers)
}

var romanNumerals = map[string]bool{
	"ii": true, "iii": true, "iv": true, "vi": true, "vii": true, "viii": true, "ix": true, "xi": true, "xii": true,
}

func isNumber(t string) bool {
	for i := 0; i < len(t); i++ {
		if t[i] < '0' || t[i] > '9' {
			return false
		}
	}
	return t != ""
}
