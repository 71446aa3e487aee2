package compensation

import (
	"context"
	"fmt"
	"sync"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/comp"
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

	// frozen keeps closed periods' decoded frozen plans and results across data versions: a closed
	// period's documents never change (decoding the four closed quarters' results took a third of the
	// reconciliation's first view after a write). Its own lock: adjustments reads it in parallel.
	frozenMu sync.Mutex
	frozen   map[frozenKey]frozenDocs
}

// frozenKey names one close of a period: its documents are fixed by it, and a period closed again (a
// restored database) carries another close time and result hash.
type frozenKey struct {
	id, resultSHA256 string
	closedAt         int64
}

// frozenDocs is a closed period's frozen plan and result, decoded.
type frozenDocs struct {
	plan   *comp.Plan
	result *tandem.CompResult
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
		return periodResult(ctx, st, nil, p, nil)
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
	res, err := periodResult(ctx, st, c, p, nil)
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

// closedDocs returns closed period cp's frozen plan and whole result, decoded once per close and kept
// in c (a nil c decodes them each time). Both are shared and must not be modified.
func (c *Cache) closedDocs(ctx context.Context, st Store, cp tandem.CompPeriod) (*comp.Plan, *tandem.CompResult, error) {
	key := frozenKey{id: cp.ID, resultSHA256: cp.ResultSHA256, closedAt: cp.ClosedAt.UnixMicro()}
	if c != nil {
		c.frozenMu.Lock()
		docs, ok := c.frozen[key]
		c.frozenMu.Unlock()
		if ok {
			return docs.plan, docs.result, nil
		}
	}
	// Decoded outside the lock, so the closed periods decode in parallel; two first readers of one
	// period both decode it and keep equal documents.
	source, err := st.FrozenCompPlanSource(ctx, cp.ID)
	if err != nil {
		return nil, nil, err
	}
	plan, err := parseFrozenPlan(cp.ID, source)
	if err != nil {
		return nil, nil, err
	}
	res, err := frozenResult(ctx, st, cp.ID)
	if err != nil {
		return nil, nil, err
	}
	if c != nil {
		c.frozenMu.Lock()
		if c.frozen == nil {
			c.frozen = map[frozenKey]frozenDocs{}
		}
		c.frozen[key] = frozenDocs{plan: plan, result: res}
		c.frozenMu.Unlock()
	}
	return plan, res, nil
}

// Warm computes into c the whole results the reconciliation page opens on — the current quarter's (the
// quarter of now) and that of the period the adjustments land in, whose live result recalculates every
// closed period — unless c holds them for the current data version already. Run in the background
// (server.Config.CompWarmInterval), it moves that work off the first view after a write; a view that
// arrives during the computation waits for it (the cache's lock) instead of computing it again.
func (c *Cache) Warm(ctx context.Context, st Store, now time.Time) error {
	if c == nil {
		return nil
	}
	closed, err := st.ClosedCompPeriods(ctx)
	if err != nil {
		return err
	}
	ids := []string{tandem.QuarterOf(now).ID}
	if landing := tandem.AdjustmentPeriod(closed); landing != "" && landing != ids[0] {
		ids = append(ids, landing)
	}
	for _, id := range ids {
		p, err := tandem.ParseQuarter(id)
		if err != nil {
			return fmt.Errorf("warm the comp cache: period %s: %w", id, err)
		}
		if _, err := c.wholeResult(ctx, st, p); err != nil {
			return fmt.Errorf("warm the comp cache: period %s: %w", id, err)
		}
	}
	return nil
}
