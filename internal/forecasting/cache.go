package forecasting

import (
	"context"
	"fmt"
	"sync"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/forecast"
)

// # The cache
//
// Reading 200,000 open deals and their history and rebuilding them as of a day costs seconds; the
// forecast page asks for it on every request. A Cache keeps one Book per visibility scope (everyone
// who sees every opportunity shares one; each partner has its own, read through the store's own
// partner scoping) and, on each request, asks the store for its ForecastMark — counts and highest
// update time and history id, a few milliseconds. While the mark is unchanged the book, and the
// forecasts already computed from it, are served as they are. When it moved, only the opportunities
// updated since the previous mark (less Overlap, for a write stamped before the mark but committed
// after it) or with a history record after it are read again, with their whole history, and swapped
// into a new book. A history record committed late with an id below the mark's highest (PostgreSQL
// sequences do not commit in order) shows as a count that does not add up, and the book is read
// whole. Each instance refreshes from the database this way, so several instances stay right without
// telling each other anything.

// CacheStore is what a Cache reads (the SQL store).
type CacheStore interface {
	Store
	ForecastMark(ctx context.Context) (tandem.ForecastMark, error)
	ForecastChangedSince(ctx context.Context, actor tandem.Actor, since, afterChange int64) (tandem.ForecastChanges, error)
}

// DefaultOverlap is how far before the previous mark's last update a refresh reads again.
const DefaultOverlap = 2 * time.Minute

// Cache is the books of each visibility scope, refreshed from the store's changes. Safe for concurrent
// use.
type Cache struct {
	st      CacheStore
	overlap time.Duration

	mu     sync.Mutex
	scopes map[int64]*scope // by partner id; 0: everyone who sees every opportunity
}

type scope struct {
	mu   sync.Mutex // one refresh at a time
	mark tandem.ForecastMark
	book *Book
}

// NewCache returns an empty cache over st; overlap ≤ 0 means DefaultOverlap.
func NewCache(st CacheStore, overlap time.Duration) *Cache {
	if overlap <= 0 {
		overlap = DefaultOverlap
	}
	return &Cache{st: st, overlap: overlap, scopes: map[int64]*scope{}}
}

// scopeKey must match the store's opportunity scoping (sqlstore scopeOpportunities): partner users see
// their partner's deals, everyone else every deal.
func scopeKey(actor tandem.Actor) int64 {
	if actor.IsPartner() {
		return actor.PartnerID
	}
	return 0
}

// Book returns the book actor may see, as of the store's latest mark. The book is shared: it must not
// be modified (nothing in this package does).
func (c *Cache) Book(ctx context.Context, actor tandem.Actor) (*Book, error) {
	c.mu.Lock()
	sc := c.scopes[scopeKey(actor)]
	if sc == nil {
		sc = &scope{}
		c.scopes[scopeKey(actor)] = sc
	}
	c.mu.Unlock()

	sc.mu.Lock()
	defer sc.mu.Unlock()
	mark, err := c.st.ForecastMark(ctx)
	if err != nil {
		return nil, fmt.Errorf("forecast: %w", err)
	}
	switch {
	case sc.book != nil && mark == sc.mark:
		return sc.book, nil
	case sc.book != nil && mark.Opportunities >= sc.mark.Opportunities && mark.Changes >= sc.mark.Changes:
		ch, err := c.st.ForecastChangedSince(ctx, actor, sc.mark.LastUpdate-c.overlap.Microseconds(), sc.mark.LastChange)
		if err != nil {
			return nil, fmt.Errorf("forecast: %w", err)
		}
		if ch.Earlier == sc.mark.Changes {
			sc.book, sc.mark = sc.book.with(ch), mark
			return sc.book, nil
		}
	}
	book, err := Load(ctx, c.st, actor) // first use, or a change committed out of order
	if err != nil {
		return nil, err
	}
	book.memo, book.lin = newMemo(), newLineage()
	sc.book, sc.mark = book, mark
	return book, nil
}

// memo keeps a cached book's forecasts and movements by their arguments: a book never changes, so
// neither do they. Bounded: it forgets everything when full.
type memo struct {
	mu sync.Mutex
	m  map[memoKey]any
}

type memoKey struct {
	kind     string
	q        forecast.Quarter
	from, to forecast.Day
	opts     forecast.Options
}

const memoSize = 64

func newMemo() *memo { return &memo{m: map[memoKey]any{}} }

func (m *memo) get(k memoKey) (any, bool) {
	if m == nil {
		return nil, false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.m[k]
	return v, ok
}

func (m *memo) put(k memoKey, v any) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.m) >= memoSize {
		clear(m.m)
	}
	m.m[k] = v
}
