package match

import (
	"cmp"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/tandem-revops/tandem"
)

// Account is an existing account that registrations are resolved against.
// It is the domain's tandem.MatchAccount, so the store can be a Source without importing the matcher.
type Account = tandem.MatchAccount

// Index holds accounts ready for matching. It is immutable after NewIndex, so Match may be called
// from many goroutines at once.
type Index struct {
	accounts []Account
	norm     []string // normalised name per account
	country  []string // normalised country per account
	legal    []uint64 // legal forms stripped from each name, as bits

	// Account → its distinct token ids, as one flat slice with offsets (CSR), and the sum of their IDF.
	tokenStart []uint32
	tokenIDs   []uint32
	weight     []float32

	words    []string          // token id → token
	vocab    map[string]uint32 // token → id
	idf      []float32
	numeric  []bool  // token is a number or roman numeral
	unknown  float32 // IDF of a token no account has
	postings keyPostings

	compact keyPostings // name with spaces removed ("cocacola") → accounts
	acronym keyPostings // initials of names of 2+ tokens ("ibm") → accounts
	domains keyPostings // normalised domain → accounts
	grams   keyPostings // character trigram → token ids, to find the intended token behind a typo

	tuning tuning
	// scratches is a free list of working memory for Match. Not a sync.Pool: the pool drops its items
	// at every GC, and a scratch for a million accounts is 5 MB to allocate and clear again.
	scratches chan *scratch
}

// keyPostings maps a key to a list of ids, stored flat (one slice and offsets) so a million lists
// cost two allocations instead of a million.
type keyPostings struct {
	keys  map[string]uint32
	start []uint32
	ids   []uint32
}

func (k *keyPostings) lookup(key string) []uint32 {
	g, ok := k.keys[key]
	if !ok {
		return nil
	}
	return k.ids[k.start[g]:k.start[g+1]]
}

// keyPostingsBuilder collects (key, id) pairs and then lays them out flat.
type keyPostingsBuilder struct {
	keys  map[string]uint32
	group []uint32 // per pair
	ids   []uint32 // per pair
}

func newKeyPostingsBuilder(sizeHint int) *keyPostingsBuilder {
	return &keyPostingsBuilder{keys: make(map[string]uint32, sizeHint)}
}

func (b *keyPostingsBuilder) add(key string, id uint32) {
	g, ok := b.keys[key]
	if !ok {
		g = uint32(len(b.keys))
		b.keys[key] = g
	}
	b.group = append(b.group, g)
	b.ids = append(b.ids, id)
}

func (b *keyPostingsBuilder) build() keyPostings {
	start := make([]uint32, len(b.keys)+1)
	for _, g := range b.group {
		start[g+1]++
	}
	for i := 1; i < len(start); i++ {
		start[i] += start[i-1]
	}
	fill := make([]uint32, len(b.keys))
	ids := make([]uint32, len(b.ids))
	for i, g := range b.group {
		ids[start[g]+fill[g]] = b.ids[i]
		fill[g]++
	}
	return keyPostings{keys: b.keys, start: start, ids: ids}
}

// NewIndex normalises the accounts and builds the blocking keys: an inverted index on name tokens
// weighted by IDF learned from these accounts, whole-name, initials and domain keys, and a trigram
// index over the token vocabulary for typos. The accounts slice is kept, not copied.
func NewIndex(accounts []Account) *Index { return newIndex(accounts, nil) }

// newIndex builds an index. With stats, token weights come from stats (a base index) instead of these
// accounts, so that a small index of recently added accounts scores on the base's scale (see Live).
func newIndex(accounts []Account, stats *Index) *Index {
	n := len(accounts)
	idx := &Index{
		accounts: accounts,
		norm:     make([]string, n),
		country:  make([]string, n),
		legal:    make([]uint64, n),
		tuning:   defaultTuning,
	}
	tokens := idx.normaliseAll()

	// Token ids, per-account token lists and document frequencies.
	idx.vocab = make(map[string]uint32, n/4+16)
	idx.tokenStart = make([]uint32, n+1)
	idx.tokenIDs = make([]uint32, 0, n*3)
	var df []uint32
	for i, ts := range tokens {
		first := len(idx.tokenIDs)
	next:
		for _, t := range ts {
			id, ok := idx.vocab[t]
			if !ok {
				id = uint32(len(idx.words))
				idx.vocab[t] = id
				idx.words = append(idx.words, t)
				df = append(df, 0)
			}
			for _, seen := range idx.tokenIDs[first:] {
				if seen == id {
					continue next
				}
			}
			idx.tokenIDs = append(idx.tokenIDs, id)
			df[id]++
		}
		idx.tokenStart[i+1] = uint32(len(idx.tokenIDs))
	}

	idx.idf = make([]float32, len(df))
	idx.numeric = make([]bool, len(df))
	for id, d := range df {
		idx.idf[id] = idfOf(n, int(d))
		if stats != nil {
			idx.idf[id] = stats.unknown
			if sid, ok := stats.vocab[idx.words[id]]; ok {
				idx.idf[id] = stats.idf[sid]
			} else if genericWords[idx.words[id]] {
				idx.idf[id] *= genericDiscount
			}
		} else if genericWords[idx.words[id]] {
			idx.idf[id] *= genericDiscount
		}
		idx.numeric[id] = isNumberToken(idx.words[id])
	}
	idx.unknown = idfOf(n, 1)
	if stats != nil {
		idx.unknown = stats.unknown
	}

	// Token → accounts, laid out by counting sort.
	start := make([]uint32, len(df)+1)
	for id, d := range df {
		start[id+1] = start[id] + d
	}
	posts := make([]uint32, len(idx.tokenIDs))
	fill := make([]uint32, len(df))
	idx.weight = make([]float32, n)
	for a := 0; a < n; a++ {
		var w float32
		for _, id := range idx.tokenIDs[idx.tokenStart[a]:idx.tokenStart[a+1]] {
			posts[start[id]+fill[id]] = uint32(a)
			fill[id]++
			w += idx.idf[id]
		}
		idx.weight[a] = w
	}
	idx.postings = keyPostings{keys: idx.vocab, start: start, ids: posts}

	compact := newKeyPostingsBuilder(n)
	acronym := newKeyPostingsBuilder(n / 2)
	domains := newKeyPostingsBuilder(0)
	for a, ts := range tokens {
		if len(ts) > 0 {
			compact.add(strings.Join(ts, ""), uint32(a))
		}
		if acr := acronymOf(ts); acr != "" {
			acronym.add(acr, uint32(a))
		}
		if d := normalizeDomain(accounts[a].Domain); d != "" {
			domains.add(d, uint32(a))
		}
	}
	idx.compact = compact.build()
	idx.acronym = acronym.build()
	idx.domains = domains.build()

	grams := newKeyPostingsBuilder(len(idx.words))
	for id, w := range idx.words {
		forEachTrigram(w, func(g string) { grams.add(g, uint32(id)) })
	}
	idx.grams = grams.build()

	idx.scratches = make(chan *scratch, 2*runtime.GOMAXPROCS(0))
	return idx
}

// Len returns the number of accounts in the index.
func (idx *Index) Len() int { return len(idx.accounts) }

// genericWords describe a line of business rather than name a company. IDF learns that from a large
// account base, but a small one (a few hundred accounts) cannot, so these words are discounted
// up front: "Cisco" must match "CISCO SYSTEMS, INC." in any account base.
var genericWords = map[string]bool{
	"systems": true, "system": true, "holdings": true, "international": true, "technologies": true,
	"technology": true, "global": true, "group": true, "services": true, "solutions": true,
	"industries": true, "enterprises": true, "partners": true, "capital": true, "financial": true,
	"resources": true, "worldwide": true, "networks": true, "communications": true, "products": true,
	"brands": true, "corp": true, "inc": true, "co": true, "cos": true, "ltd": true, "llc": true,
	"software": true, "labs": true, "laboratories": true, "management": true, "consulting": true,
}

// genericDiscount multiplies the IDF of a generic word.
const genericDiscount = 0.5

// idfOf is a smoothed inverse document frequency: ln(1 + N/df). A token in every account weighs
// ln 2 ≈ 0.69, one in a single account of a million weighs ≈ 13.8.
func idfOf(n, df int) float32 {
	if df < 1 {
		df = 1
	}
	return float32(math.Log(1 + float64(n)/float64(df)))
}

// normaliseAll tokenises every account name on all CPUs; it is most of the build time.
func (idx *Index) normaliseAll() [][]string {
	accounts := idx.accounts
	tokens := make([][]string, len(accounts))
	workers := runtime.GOMAXPROCS(0)
	chunk := (len(accounts) + workers - 1) / workers
	var wg sync.WaitGroup
	for lo := 0; lo < len(accounts); lo += chunk {
		hi := min(lo+chunk, len(accounts))
		wg.Go(func() {
			for i := lo; i < hi; i++ {
				ts, legal := analyseName(accounts[i].Name)
				tokens[i] = ts
				idx.norm[i] = strings.Join(ts, " ")
				idx.legal[i] = legal
				idx.country[i] = normalizeCountry(accounts[i].Country)
			}
		})
	}
	wg.Wait()
	return tokens
}

// acronymOf returns the initials of a name of two to six tokens ("international business machines"
// → "ibm"), or "" when the name is too short or too long to be known by its initials.
func acronymOf(tokens []string) string {
	if len(tokens) < 2 || len(tokens) > 6 {
		return ""
	}
	b := make([]byte, 0, len(tokens))
	for _, t := range tokens {
		if t[0] >= 0x80 {
			return ""
		}
		b = append(b, t[0])
	}
	return string(b)
}

// forEachTrigram calls f with each trigram of the token padded with one boundary mark on each side,
// so a four-letter token has four trigrams and a typo in it leaves at least one intact.
func forEachTrigram(token string, f func(string)) {
	if len(token) < 3 {
		return
	}
	padded := "^" + token + "$"
	for i := 0; i+3 <= len(padded); i++ {
		f(padded[i : i+3])
	}
}

// similarTokens returns up to three vocabulary tokens within a small edit distance of an unknown
// query token (a typo: "micorsoft" → "microsoft"), each with a similarity in (0, 1).
func (idx *Index) similarTokens(token string, s *scratch) []fuzzyToken {
	if len(token) < 4 {
		return nil
	}
	if len(s.gramCounts) < len(idx.words) {
		s.gramCounts = make([]uint8, len(idx.words))
	}
	defer func() {
		for _, id := range s.gramTouched {
			s.gramCounts[id] = 0
		}
		s.gramTouched = s.gramTouched[:0]
	}()
	grams := 0
	forEachTrigram(token, func(g string) {
		grams++
		for _, id := range idx.grams.lookup(g) {
			if d := len(idx.words[id]) - len(token); d > 2 || d < -2 {
				continue
			}
			if s.gramCounts[id] == 0 {
				s.gramTouched = append(s.gramTouched, id)
			}
			if s.gramCounts[id] < 255 {
				s.gramCounts[id]++
			}
		}
	})
	need := max(1, grams-4) // a substitution breaks three padded trigrams, a transposition four
	maxEdits := 1
	if len(token) >= 8 {
		maxEdits = 2
		need = max(1, grams-8)
	}
	var found []fuzzyToken
	for _, id := range s.gramTouched {
		if int(s.gramCounts[id]) < need {
			continue
		}
		w := idx.words[id]
		d := editDistance(token, w, maxEdits)
		if d > maxEdits {
			continue
		}
		sim := 1 - float64(d)/float64(max(len(token), len(w)))
		found = append(found, fuzzyToken{id: id, similarity: sim})
	}
	slices.SortFunc(found, func(a, b fuzzyToken) int {
		switch {
		case a.similarity != b.similarity:
			return cmp.Compare(b.similarity, a.similarity)
		case idx.idf[a.id] != idx.idf[b.id]:
			return cmp.Compare(idx.idf[a.id], idx.idf[b.id]) // the commoner word is the likelier intent
		}
		return cmp.Compare(a.id, b.id)
	})
	if len(found) > 3 {
		found = found[:3]
	}
	return found
}

// splitCompound splits a token no account has into two that accounts do have ("supermicro" →
// "super" "micro"), preferring the split whose rarer half is rarest.
func (idx *Index) splitCompound(token string) (left, right uint32, ok bool) {
	if len(token) < 6 {
		return 0, 0, false
	}
	best := float32(0)
	for i := 3; i <= len(token)-3; i++ {
		l, okL := idx.vocab[token[:i]]
		r, okR := idx.vocab[token[i:]]
		if !okL || !okR {
			continue
		}
		if w := min(idx.idf[l], idx.idf[r]); w > best {
			best, left, right, ok = w, l, r, true
		}
	}
	return left, right, ok
}

type fuzzyToken struct {
	id         uint32
	similarity float64
}

// editDistance is the optimal-string-alignment distance (Levenshtein plus adjacent transposition)
// between two byte strings, giving up with limit+1 once it is certain to exceed limit.
func editDistance(a, b string, limit int) int {
	if d := len(a) - len(b); d > limit || -d > limit {
		return limit + 1
	}
	var rows [3][33]int
	prev2, prev, cur := rows[0][:], rows[1][:], rows[2][:]
	if len(b) >= len(rows[0]) {
		prev2, prev, cur = make([]int, len(b)+1), make([]int, len(b)+1), make([]int, len(b)+1)
	}
	prev2, prev, cur = prev2[:len(b)+1], prev[:len(b)+1], cur[:len(b)+1]
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			rowMin = min(rowMin, v)
		}
		if rowMin > limit {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// scratch is per-call working memory, pooled so a query against a million accounts allocates
// almost nothing: dense accumulators indexed by account, reset through the touched list.
type scratch struct {
	shared      []float32 // IDF weight of query tokens each account shares
	flags       []uint8   // candidateFlag bits
	touched     []uint32
	maxShared   float32
	top         []estimate
	gramCounts  []uint8 // per vocabulary token: trigrams shared with a typo
	gramTouched []uint32
}

func newScratch(n int) *scratch {
	return &scratch{
		shared:  make([]float32, n),
		flags:   make([]uint8, n),
		touched: make([]uint32, 0, 1024),
	}
}

func (idx *Index) getScratch() *scratch {
	select {
	case s := <-idx.scratches:
		return s
	default:
		return newScratch(len(idx.accounts))
	}
}

func (idx *Index) putScratch(s *scratch) {
	s.reset()
	select {
	case idx.scratches <- s:
	default: // more concurrent callers than the list keeps; let this one go
	}
}

func (s *scratch) reset() {
	for _, a := range s.touched {
		s.shared[a] = 0
		s.flags[a] = 0
	}
	s.touched = s.touched[:0]
	s.maxShared = 0
}

func (s *scratch) touch(a uint32, flag uint8) {
	if s.flags[a] == 0 {
		s.touched = append(s.touched, a)
	}
	s.flags[a] |= flag | flagTouched
}
