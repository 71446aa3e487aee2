package enablement

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/certification"
	"github.com/tandem-revops/tandem/internal/compensation"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// Cache keeps what the portfolio and certification pages compute from the whole deal history — every
// closed deal, each quarter's gross profit from the comp engine, the partners' selling scopes and the
// certified-versus-uncertified comparison — for one data version (sqlstore.PortfolioDataVersion). A
// write that changes any input moves the version and the next read starts afresh, so the cache never
// serves figures older than the data. Reads that miss are computed under the lock: concurrent first
// visits compute once. The zero value is not usable; build one with NewCache. Safe for concurrent use.
type Cache struct {
	mu        sync.Mutex
	version   string
	deals     []sqlstore.PortfolioDeal
	dealsRead bool
	margins   map[string]map[int64]tandem.Money
	// frozen keeps closed quarters' gross profit across data versions: a closed period never changes.
	frozen      map[string]map[int64]tandem.Money
	scopes      map[int64]map[int64]sqlstore.SellingScope
	comparisons map[string]comparisonEntry
	// warmed is the data version Warm last read the portfolio page's figures for.
	warmed string
}

type comparisonEntry struct {
	cmp  *certification.Comparison
	note string
}

// NewCache returns an empty cache.
func NewCache() *Cache { return &Cache{frozen: map[string]map[int64]tandem.Money{}} }

// at returns the cache for version, emptied when the version moved. Call with c.mu held.
func (c *Cache) at(version string) {
	if c.version == version {
		return
	}
	c.version, c.deals, c.dealsRead = version, nil, false
	c.margins = map[string]map[int64]tandem.Money{}
	c.scopes = map[int64]map[int64]sqlstore.SellingScope{}
	c.comparisons = map[string]comparisonEntry{}
}

// Warm reads into the cache what the portfolio page opens on — every closed deal and the gross profit
// of each quarter in the default window (the 24 months to now) — unless it did so for the current data
// version already. Run in the background after writes (server.Config.CompWarmInterval), it moves the
// cold read (about 0.8 s of CPU on the demo company) off the first view; a view that arrives meanwhile
// waits on the cache's lock for the same figures instead of reading them again.
func (s *Service) Warm(ctx context.Context, now time.Time) error {
	c := s.Cache
	if c == nil {
		return nil
	}
	v, err := s.Store.PortfolioDataVersion(ctx, tandem.SystemActor)
	if err != nil {
		return fmt.Errorf("warm the portfolio cache: %w", err)
	}
	c.mu.Lock()
	done := c.warmed == v
	c.mu.Unlock()
	if done {
		return nil
	}
	w, err := ParseWindow("", "", now)
	if err != nil {
		return fmt.Errorf("warm the portfolio cache: %w", err)
	}
	if _, err := s.ReadLedger(ctx, tandem.SystemActor, w); err != nil {
		return fmt.Errorf("warm the portfolio cache: %w", err)
	}
	c.mu.Lock()
	c.warmed = v
	c.mu.Unlock()
	return nil
}

// allTime bounds every close date the store holds.
var (
	allFrom = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	allTo   = time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)
)

// history is what ReadLedger and the comparison need from the deal history: the closed deals in
// [from, to) and the gross profit of each quarter named. Without a cache it reads the store each time.
type history struct {
	svc     *Service
	actor   tandem.Actor
	version string
}

// openHistory checks that actor may read every deal's margin (the store refuses otherwise) and pins
// the data version the reads are cached under.
func (s *Service) openHistory(ctx context.Context, actor tandem.Actor) (*history, error) {
	h := &history{svc: s, actor: actor}
	if s.Cache == nil {
		return h, nil
	}
	v, err := s.Store.PortfolioDataVersion(ctx, actor)
	if err != nil {
		return nil, err
	}
	h.version = v
	return h, nil
}

// closedDeals returns the deals closed in [from, to), by close date. From the cache it is a slice of
// the kept deals, shared: callers must not modify it.
func (h *history) closedDeals(ctx context.Context, from, to time.Time) ([]sqlstore.PortfolioDeal, error) {
	c := h.svc.Cache
	if c == nil {
		return h.svc.Store.PortfolioDeals(ctx, h.actor, from, to)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at(h.version)
	if !c.dealsRead {
		all, err := h.svc.Store.PortfolioDeals(ctx, h.actor, allFrom, allTo)
		if err != nil {
			return nil, err
		}
		c.deals, c.dealsRead = all, true
	}
	// The deals are by close date: the window is the run between two binary searches, not a copy.
	at := func(t time.Time) int {
		i, _ := slices.BinarySearchFunc(c.deals, t, func(d sqlstore.PortfolioDeal, t time.Time) int { return d.CloseDate.Compare(t) })
		return i
	}
	i, j := at(from), at(to)
	if i >= j {
		return nil, nil
	}
	return slices.Clip(c.deals[i:j]), nil
}

// quarterMargins returns each deal's gross profit in quarter period ("2026-Q1").
func (h *history) quarterMargins(ctx context.Context, period string) (map[int64]tandem.Money, error) {
	c := h.svc.Cache
	if c == nil {
		m, _, err := h.svc.grossProfitByDeal(ctx, h.actor, period)
		return m, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at(h.version)
	if m, ok := c.frozen[period]; ok {
		return m, nil
	}
	if m, ok := c.margins[period]; ok {
		return m, nil
	}
	m, closed, err := h.svc.grossProfitByDeal(ctx, h.actor, period)
	if err != nil {
		return nil, err
	}
	if closed {
		c.frozen[period] = m
	} else {
		c.margins[period] = m
	}
	return m, nil
}

// grossProfitByDeal is the one call into the comp engine: each deal's gross profit in a quarter, and
// whether the quarter is closed (its figures frozen for good).
func (s *Service) grossProfitByDeal(ctx context.Context, actor tandem.Actor, period string) (map[int64]tandem.Money, bool, error) {
	deals, closed, err := compensation.DealGrossProfit(ctx, s.Store, actor, period)
	if err != nil {
		return nil, false, fmt.Errorf("gross profit of %s: %w", period, err)
	}
	out := make(map[int64]tandem.Money, len(deals))
	for _, d := range deals {
		out[d.OpportunityID] = d.GrossProfit
	}
	return out, closed, nil
}

// sellingScopes returns the partners' selling scopes actor sees, cached per partner scope when the
// caller may read every deal (a partner user's scopes are read each time: they are few).
func (s *Service) sellingScopes(ctx context.Context, actor tandem.Actor, h *history) (map[int64]sqlstore.SellingScope, error) {
	c := s.Cache
	if c == nil || h == nil || h.version == "" {
		return s.Store.PartnerSellingScopes(ctx, actor)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at(h.version)
	if sc, ok := c.scopes[actor.PartnerID]; ok {
		return sc, nil
	}
	sc, err := s.Store.PartnerSellingScopes(ctx, actor)
	if err != nil {
		return nil, err
	}
	c.scopes[actor.PartnerID] = sc
	return sc, nil
}

// comparison returns the comparison kept at key, if any.
func (h *history) comparison(key string) (comparisonEntry, bool) {
	c := h.svc.Cache
	if c == nil || h.version == "" {
		return comparisonEntry{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at(h.version)
	e, ok := c.comparisons[key]
	return e, ok
}

// keepComparison keeps a computed comparison at key.
func (h *history) keepComparison(key string, e comparisonEntry) {
	c := h.svc.Cache
	if c == nil || h.version == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at(h.version)
	c.comparisons[key] = e
}
