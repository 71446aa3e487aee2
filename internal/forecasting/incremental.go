package forecasting

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"sync"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/forecast"
)

// # Results brought up to date
//
// A refresh swaps a few changed deals into a new book (Book.with); recomputing the forecast, the deals
// behind it and the week's movement over every deal would cost seconds after each change. The books of
// one cache scope share a lineage: the ids each refresh changed, by book version, and the results last
// computed, with the version they are for. A result kept for an earlier version is brought up to date
// from the deals changed since alone: each changed deal's state as of the day is computed afresh in the
// new book and replaces its old entry (or removes it, or is added). Everything is a function of the
// deals' states, so the result equals the one computed from scratch.
//
// The forecast keeps each category's engine deals and its simulated quarters
// (forecast.CategoryForecast): a category is simulated again only when its deals as of the day changed
// — by design of the engine, a category's band depends on its own deals alone — and the total is the
// per-simulation sum of the four again (forecast.Combine). Past days' results (the accuracy tables')
// are brought up to date the same way, and since a change made today leaves the states of past days
// as they were, nothing but the changed deals is looked at.

// lineageVersions is how many refreshes' changed ids a lineage remembers; a result older than that is
// computed from scratch.
const lineageVersions = 64

// lineage is what the books of one cache scope share. Safe for concurrent use.
type lineage struct {
	mu      sync.Mutex
	changed map[uint64][]int64 // by version: the ids changed since the version before
	kept    map[memoKey]kept
}

type kept struct {
	version uint64
	v       any // never modified once kept
}

func newLineage() *lineage {
	return &lineage{changed: map[uint64][]int64{}, kept: map[memoKey]kept{}}
}

// record notes the ids changed from version−1 to version.
func (l *lineage) record(version uint64, ids []int64) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.changed[version] = ids
	delete(l.changed, version-lineageVersions)
}

// get returns the result kept under k and the ids changed between its version and version, sorted and
// without repeats; false when there is none, it is too old, or more than limit ids changed (a refresh
// that read most of the book, as the first one after an import does, is cheaper computed from scratch).
func (l *lineage) get(k memoKey, version uint64, limit int) (any, []int64, bool) {
	if l == nil {
		return nil, nil, false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.kept[k]
	if !ok || e.version > version {
		return nil, nil, false
	}
	var ids []int64
	for v := e.version + 1; v <= version; v++ {
		ch, ok := l.changed[v]
		if !ok {
			return nil, nil, false
		}
		ids = append(ids, ch...)
		if len(ids) > limit {
			return nil, nil, false
		}
	}
	slices.Sort(ids)
	return e.v, slices.Compact(ids), true
}

// put keeps v as the result under k for version, unless a later one is kept.
func (l *lineage) put(k memoKey, version uint64, v any) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if e, ok := l.kept[k]; ok && e.version > version {
		return
	}
	if _, ok := l.kept[k]; !ok && len(l.kept) >= memoSize {
		clear(l.kept)
	}
	l.kept[k] = kept{version: version, v: v}
}

// incrementalLimit is the most changed deals a kept result is brought up to date from.
func (b *Book) incrementalLimit() int { return max(len(b.opps)/16, 64) }

// index returns the place of opportunity id in the book.
func (b *Book) index(id int64) (int, bool) {
	return slices.BinarySearchFunc(b.opps, id, func(o *tandem.Opportunity, id int64) int { return cmp.Compare(o.ID, id) })
}

// patch returns sorted (ascending by key, one entry per key) with the entries of the keys in changed
// (ascending) replaced by fresh's, or dropped where fresh returns none. sorted is not modified, and
// returned itself when nothing differs (a change today leaves a past day's entries as they were); nil
// when nothing is left.
func patch[T comparable, K cmp.Ordered](sorted []T, key func(*T) K, changed []K, fresh func(K) (T, bool, error)) ([]T, error) {
	out := make([]T, 0, len(sorted)+len(changed))
	j := 0
	add := func() error {
		v, ok, err := fresh(changed[j])
		if ok {
			out = append(out, v)
		}
		j++
		return err
	}
	for i := range sorted {
		k := key(&sorted[i])
		for j < len(changed) && changed[j] < k {
			if err := add(); err != nil {
				return nil, err
			}
		}
		if j < len(changed) && changed[j] == k {
			continue // its fresh entry is added before the next greater key
		}
		out = append(out, sorted[i])
	}
	for j < len(changed) {
		if err := add(); err != nil {
			return nil, err
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	if slices.Equal(out, sorted) {
		return sorted, nil
	}
	return out, nil
}

// freshStates returns the changed opportunities' states as of the end of day d, by id; one that does
// not exist then (or any more) is absent.
func (b *Book) freshStates(ids []int64, d forecast.Day) (map[int64]state, error) {
	end := endOf(d)
	out := make(map[int64]state, len(ids))
	for _, id := range ids {
		i, ok := b.index(id)
		if !ok {
			continue
		}
		st, ok, err := b.stateOf(i, d, end)
		if err != nil {
			return nil, err
		}
		if ok {
			out[id] = st
		}
	}
	return out, nil
}

// categories is what a forecast keeps of each category: its engine deals as of the day (in the
// engine's order) and its part of the forecast.
type categories struct {
	deals [len(forecast.Categories)][]forecast.Deal
	parts [len(forecast.Categories)]forecast.CategoryForecast
}

func (c *categories) empty() bool {
	for _, d := range c.deals {
		if len(d) > 0 {
			return false
		}
	}
	return true
}

// categoryParts returns the categories' deals and forecasts for quarter q as of asOf (opts with its
// seed set), brought up to date from a kept result where there is one.
func (b *Book) categoryParts(q forecast.Quarter, asOf forecast.Day, opts forecast.Options) (*categories, error) {
	key := memoKey{kind: "categories", q: q, to: asOf, opts: opts}
	var out *categories
	if v, changed, ok := b.lin.get(key, b.version, b.incrementalLimit()); ok {
		old := v.(*categories)
		fresh, err := b.freshStates(changed, asOf)
		if err != nil {
			return nil, err
		}
		ids := make([]string, len(changed))
		for i, id := range changed {
			ids[i] = strconv.FormatInt(id, 10)
			if st, ok := fresh[id]; ok {
				if err := st.deal.Validate(); err != nil {
					return nil, fmt.Errorf("forecast: deal %q: %w", st.deal.ID, err)
				}
			}
		}
		slices.Sort(ids) // the engine's order: ids as strings
		out = &categories{parts: old.parts}
		var wg sync.WaitGroup
		for ci, c := range forecast.Categories {
			deals, _ := patch(old.deals[ci], func(d *forecast.Deal) string { return d.ID }, ids, func(id string) (forecast.Deal, bool, error) {
				n, _ := strconv.ParseInt(id, 10, 64)
				st, ok := fresh[n]
				return st.deal, ok && st.deal.Category == c, nil
			})
			out.deals[ci] = deals
			if !slices.Equal(deals, old.deals[ci]) {
				wg.Go(func() { out.parts[ci] = forecast.ForecastCategory(c, deals, q, asOf, opts) })
			}
		}
		wg.Wait()
	} else {
		states, err := b.statesAsOf(asOf)
		if err != nil {
			return nil, err
		}
		out = &categories{}
		if len(states) > 0 {
			hist, err := forecast.NewHistory(b.engineDeals(states))
			if err != nil {
				return nil, fmt.Errorf("forecast: %w", err)
			}
			for ci, c := range forecast.Categories {
				if d := hist.Deals(c); len(d) > 0 {
					out.deals[ci] = d
				}
			}
		}
		var wg sync.WaitGroup
		for ci, c := range forecast.Categories {
			wg.Go(func() { out.parts[ci] = forecast.ForecastCategory(c, out.deals[ci], q, asOf, opts) })
		}
		wg.Wait()
	}
	b.lin.put(key, b.version, out)
	return out, nil
}
