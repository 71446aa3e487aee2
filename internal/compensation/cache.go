package compensation

import (
	"context"
	"fmt"
	"sync"

	tandem "github.com/tandem-revops/tandem"
)

// Cache keeps what the reconciliation and gross-profit pages compute from a whole open period — its
// live result with the adjustments that land in it (recalculating every closed period to find them
// took half a second of CPU on the demo company), or its deals' gross profit alone — for one data
// version (see NewCache). A write that changes any input moves the version and the next read starts
// afresh, so the cache never serves figures older than the data. Misses are computed under the lock:
// concurrent first views compute once. Results handed out are shared and must not be modified. Safe
// for concurrent use; a nil *Cache caches nothing.
type Cache struct {
	version func(ctx context.Context) (string, error)

	mu      sync.Mutex
	at      string
	results map[string]*tandem.CompResult  // open periods' whole results, by period id
	profits map[string][]tandem.DealProfit // open periods' deal profit computed without the whole result
}

// NewCache returns an empty cache whose entries hold while version returns the same fingerprint of
// the records an open period is calculated from (sqlstore's CompDataVersion).
func NewCache(version func(ctx context.Context) (string, error)) *Cache {
	return &Cache{version: version}
}

// lock takes the cache's lock, empties the cache when the data version moved, and returns the unlock.
func (c *Cache) lock(ctx context.Context) (func(), error) {
	v, err := c.version(ctx)
	if err != nil {
		return nil, fmt.Errorf("comp data version: %w", err)
	}
	c.mu.Lock()
	if v != c.at {
		c.at, c.results, c.profits = v, map[string]*tandem.CompResult{}, map[string][]tandem.DealProfit{}
	}
	return c.mu.Unlock, nil
}

// wholeResult is periodResult(p, nil): the frozen result of a closed period, else the live one,
// kept for the data version.
func (c *Cache) wholeResult(ctx context.Context, st Store, p tandem.CompQuarter) (*tandem.CompResult, error) {
	if c == nil {
		return periodResult(ctx, st, p, nil)
	}
	unlock, err := c.lock(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if res, ok := c.results[p.ID]; ok {
		return res, nil
	}
	// A closed period's frozen result is read as it is; only the open ones' calculations are kept.
	cp, err := st.GetCompPeriod(ctx, tandem.SystemActor, p.ID)
	if err != nil {
		return nil, err
	}
	res, err := periodResult(ctx, st, p, nil)
	if err != nil {
		return nil, err
	}
	if cp.Status != tandem.PeriodClosed {
		c.results[p.ID] = res
	}
	return res, nil
}

// dealProfit is periodProfit(p): a closed period's frozen profit, else the open one's live profit,
// taken from a kept whole result when there is one (adjustments never change a deal's profit).
func (c *Cache) dealProfit(ctx context.Context, st Store, p tandem.CompQuarter) ([]tandem.DealProfit, bool, error) {
	if c == nil {
		return periodProfit(ctx, st, p)
	}
	unlock, err := c.lock(ctx)
	if err != nil {
		return nil, false, err
	}
	defer unlock()
	if res, ok := c.results[p.ID]; ok {
		return res.Profit, false, nil
	}
	if profit, ok := c.profits[p.ID]; ok {
		return profit, false, nil
	}
	profit, closed, err := periodProfit(ctx, st, p)
	if err != nil {
		return nil, false, err
	}
	if !closed {
		c.profits[p.ID] = profit
	}
	return profit, closed, nil
}
