package match

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/periodic"
)

// Cursor is a position in the source's order of changes: the change time, and among the accounts
// changed at that same time (one bulk import stamps thousands alike) the source's sequence (the store:
// the account id).
// It is the domain's tandem.ChangeCursor, so the store can be a Source without importing the matcher.
type Cursor = tandem.ChangeCursor

// Source is where a Live index reads the account base (the store implements it).
type Source interface {
	// MatchAccounts returns every account and the cursor of the latest change, read no later than the
	// accounts themselves, so a change made during the read is seen again by the next call below.
	MatchAccounts(ctx context.Context) ([]Account, Cursor, error)
	// MatchAccountsChangedSince returns the accounts created or changed after since in change order
	// (it may repeat accounts seen before) and the cursor of the last (since when there is none).
	MatchAccountsChangedSince(ctx context.Context, since Cursor) ([]Account, Cursor, error)
	// MatchAccountCount returns how many accounts there are.
	MatchAccountCount(ctx context.Context) (int, error)
}

// LiveConfig tunes a Live index; zero fields take the defaults in NewLive.
type LiveConfig struct {
	// CommitLag is how far back the periodic check looks before the latest change it saw last time, so
	// that a transaction stamped earlier than a change already seen but committed later is still picked
	// up (default 10s).
	CommitLag time.Duration
	// RebuildAt is how many changed accounts the delta may hold before a rebuild starts: the larger of
	// this (default 10,000) and 5 % of the base.
	RebuildAt int
	// SmallBase: a base of fewer accounts than this (default 5,000) is rebuilt in full on every change
	// instead of carrying a delta: its token weights say little about new names, and the build takes
	// milliseconds.
	SmallBase int
	// CheckInterval is how often the background check compares the account count (default 1 min).
	CheckInterval time.Duration
	// Logger logs rebuilds and failures (default: discard).
	Logger *slog.Logger
	// Now is the clock (default time.Now); it only times the rebuilds for the log.
	Now func() time.Time
}

// Live is the matcher a server keeps in memory: an Index of the whole account base (built in seconds
// for a million accounts, so built once and then kept) plus a small delta index of the accounts created
// or changed since, scored on the base's token weights.
//
// The staleness rule:
//  1. Every Match first asks the source for the accounts changed after the latest change it has seen
//     — one indexed query on updated_at, usually returning nothing — and puts new and changed accounts
//     in the delta; a changed account's old entry in the base is masked. A registration submitted right
//     after its account was created or renamed is therefore matched against the account as it now is.
//  2. The periodic check (Check, every CheckInterval once Start is called) looks again from CommitLag
//     before what the previous check had seen, for changes committed late (stamped before a change
//     already seen), and compares the source's account count with what base and delta can explain.
//  3. A base smaller than SmallBase is rebuilt at once on any change. When the delta holds more than max(RebuildAt, 5 % of the base), or the count is off (an account
//     vanished, or a change escaped the lag window), a new base is built in the background from a
//     fresh read; matching continues on the old base and delta until the new one is swapped in, and
//     the changes made during the build are applied on the next look.
//
// Live is safe for concurrent use. It holds no package-level state: each server builds its own.
type Live struct {
	src Source
	cfg LiveConfig

	refreshMu sync.Mutex // one look for changes at a time
	lookMu    sync.Mutex
	nextLook  *look // the Refresh not begun yet, which callers arriving now join
	mu        sync.RWMutex
	base      *Index
	delta     *Index
	changed   map[string]Account // delta accounts by id
	masked    map[string]bool    // base accounts superseded by the delta
	seen      Cursor             // latest change applied
	checked   Cursor             // seen at the previous check

	buildMu  sync.Mutex // one build at a time
	building bool
	loadMu   sync.Mutex // the first build
	stopped  bool       // under buildMu: no background rebuild starts after Stop
	checks   *periodic.Runner
	// rebuilds run on their own goroutines under this context, which Stop cancels.
	rebuildCtx    context.Context
	cancelRebuild context.CancelFunc
	background    sync.WaitGroup
}

// NewLive returns a Live index over src. Nothing is read until Load, Start or the first Match.
func NewLive(src Source, cfg LiveConfig) *Live {
	if cfg.CommitLag == 0 {
		cfg.CommitLag = 10 * time.Second
	}
	if cfg.RebuildAt == 0 {
		cfg.RebuildAt = 10000
	}
	if cfg.SmallBase == 0 {
		cfg.SmallBase = 5000
	}
	if cfg.CheckInterval == 0 {
		cfg.CheckInterval = time.Minute
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	l := &Live{src: src, cfg: cfg, changed: map[string]Account{}, masked: map[string]bool{}}
	l.rebuildCtx, l.cancelRebuild = context.WithCancel(context.Background())
	l.checks = periodic.New(cfg.CheckInterval, l.tick)
	return l
}

// Load builds the first base unless it is built already (waiting for a build under way), and returns
// the build's error; a failed first build is tried again on the next call.
func (l *Live) Load(ctx context.Context) error {
	l.loadMu.Lock()
	defer l.loadMu.Unlock()
	l.mu.RLock()
	loaded := l.base != nil
	l.mu.RUnlock()
	if loaded {
		return nil
	}
	return l.Rebuild(ctx)
}

// Start loads the base in the background and checks it every CheckInterval until Stop.
func (l *Live) Start(ctx context.Context) { l.checks.Start(ctx) }

// tick is one scheduled look: the first build while there is no base (so a failed one is tried again),
// a check afterwards.
func (l *Live) tick(ctx context.Context) {
	l.mu.RLock()
	loaded := l.base != nil
	l.mu.RUnlock()
	if !loaded {
		if err := l.Load(ctx); err != nil && ctx.Err() == nil {
			l.cfg.Logger.Error("account index: first build failed", slog.Any("err", err))
		}
		return
	}
	if err := l.Check(ctx); err != nil && ctx.Err() == nil {
		l.cfg.Logger.Error("account index: check failed", slog.Any("err", err))
	}
}

// Stop ends the background check, cancels a running rebuild and waits for it; no rebuild starts after.
func (l *Live) Stop() {
	l.checks.Stop()
	l.buildMu.Lock()
	l.stopped = true
	l.buildMu.Unlock()
	l.cancelRebuild()
	l.background.Wait()
}

// Len returns how many accounts the index holds (base and delta; a changed account counts twice).
func (l *Live) Len() int {
	l.mu.RLock()
	defer l.mu.RUnlock()
	n := len(l.changed)
	if l.base != nil {
		n += l.base.Len()
	}
	return n
}

// Match resolves q against the accounts as they are now: it waits for the first base, applies the
// changes since the last look (rule 1 above), then matches on base and delta together.
func (l *Live) Match(ctx context.Context, q Query) (Result, error) {
	if err := l.Load(ctx); err != nil {
		return Result{}, fmt.Errorf("account index: %w", err)
	}
	if err := l.Refresh(ctx); err != nil {
		return Result{}, err
	}
	l.mu.RLock()
	base, delta, masked := l.base, l.delta, l.masked
	l.mu.RUnlock()

	baseCands, ok := base.candidates(q)
	if !ok {
		return Result{QueryID: q.ID, Decision: DecisionNew, Reason: "no name or domain to match on"}, nil
	}
	cands := slices.DeleteFunc(baseCands, func(c scored) bool { return masked[base.accounts[c.account].ID] })
	offset := uint32(base.Len())
	if delta != nil {
		deltaCands, _ := delta.candidates(q)
		for _, c := range deltaCands {
			c.account += offset
			cands = append(cands, c)
		}
		slices.SortFunc(cands, cmpScored)
	}
	return decide(base.tuning, q.ID, cands, func(c scored) Account {
		if c.account >= offset {
			return delta.accounts[c.account-offset]
		}
		return base.accounts[c.account]
	}), nil
}

// Refresh applies the accounts changed since the last look to the delta, and starts a background
// rebuild when the delta has grown past its limit.
//
// Looks are shared: a caller joins the look that has not begun yet, or becomes it, so that under a
// burst of submits one query serves everyone who arrived while the previous one ran, instead of each
// submit queueing for its own. A look a caller gets always begins after the caller arrived, so it
// sees every account committed before (rule 1 above).
func (l *Live) Refresh(ctx context.Context) error {
	l.lookMu.Lock()
	lk := l.nextLook
	run := lk == nil
	if run {
		lk = &look{done: make(chan struct{})}
		l.nextLook = lk
	} else {
		lk.joined++
	}
	l.lookMu.Unlock()
	if !run {
		select {
		case <-lk.done:
			return lk.err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	l.refreshMu.Lock() // the look under way ends first
	l.lookMu.Lock()
	l.nextLook = nil // begun: whoever comes now needs the next one
	l.lookMu.Unlock()
	l.mu.RLock()
	since := l.seen
	l.mu.RUnlock()
	// Others wait on this look too: one caller giving up does not end it for them.
	lk.err = l.refreshLocked(context.WithoutCancel(ctx), since)
	l.refreshMu.Unlock()
	close(lk.done)
	return lk.err
}

// look is one shared Refresh: done is closed when it ended, with err.
type look struct {
	done   chan struct{}
	err    error
	joined int // callers waiting on it besides the one running it
}

func (l *Live) refreshSince(ctx context.Context, since Cursor) error {
	l.refreshMu.Lock()
	defer l.refreshMu.Unlock()
	return l.refreshLocked(ctx, since)
}

// refreshLocked is refreshSince with refreshMu held.
func (l *Live) refreshLocked(ctx context.Context, since Cursor) error {
	accounts, latest, err := l.src.MatchAccountsChangedSince(ctx, since)
	if err != nil {
		return fmt.Errorf("account index: changes: %w", err)
	}
	l.mu.RLock()
	small := l.base == nil || l.base.Len() < l.cfg.SmallBase
	l.mu.RUnlock()
	if small && len(accounts) > 0 {
		return l.Rebuild(ctx)
	}
	l.apply(accounts, latest)
	if l.deltaTooLarge() {
		l.rebuildInBackground()
	}
	return nil
}

// apply puts the accounts that differ from what the delta holds into it and rebuilds the delta.
func (l *Live) apply(accounts []Account, latest Cursor) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if latest.After(l.seen) {
		l.seen = latest
	}
	fresh := slices.ContainsFunc(accounts, func(a Account) bool { old, ok := l.changed[a.ID]; return !ok || old != a })
	if !fresh || l.base == nil {
		return
	}
	// Copy on write: matches under way hold the old maps.
	l.changed, l.masked = maps.Clone(l.changed), maps.Clone(l.masked)
	for _, a := range accounts {
		l.changed[a.ID] = a
		l.masked[a.ID] = true
	}
	delta := make([]Account, 0, len(l.changed))
	for _, a := range l.changed {
		delta = append(delta, a)
	}
	slices.SortFunc(delta, func(x, y Account) int { return cmpID(x.ID, y.ID) })
	l.delta = newIndex(delta, l.base)
}

// cmpID orders ids numerically when they are numbers of the same length, else as text.
func cmpID(a, b string) int {
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (l *Live) deltaTooLarge() bool {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.base != nil && len(l.changed) > max(l.cfg.RebuildAt, l.base.Len()/20)
}

// Check compares the source's account count with what the index can explain and rebuilds in the
// background when they disagree or the delta is too large (rule 2 above).
func (l *Live) Check(ctx context.Context) error {
	l.mu.Lock()
	since := Cursor{At: l.checked.At.Add(-l.cfg.CommitLag)}
	l.checked = l.seen
	l.mu.Unlock()
	if err := l.refreshSince(ctx, since); err != nil {
		return err
	}
	n, err := l.src.MatchAccountCount(ctx)
	if err != nil {
		return fmt.Errorf("account index: count: %w", err)
	}
	l.mu.RLock()
	baseLen, deltaLen := 0, len(l.changed)
	if l.base != nil {
		baseLen = l.base.Len()
	}
	l.mu.RUnlock()
	if n < baseLen || n > baseLen+deltaLen {
		l.cfg.Logger.Info("account index stale: rebuilding", "accounts", n, "indexed", baseLen, "changed", deltaLen)
		l.rebuildInBackground()
	}
	return nil
}

func (l *Live) rebuildInBackground() {
	l.buildMu.Lock()
	if l.building || l.stopped {
		l.buildMu.Unlock()
		return
	}
	l.building = true
	l.buildMu.Unlock()
	l.background.Go(func() {
		defer func() {
			l.buildMu.Lock()
			l.building = false
			l.buildMu.Unlock()
		}()
		if err := l.Rebuild(l.rebuildCtx); err != nil && l.rebuildCtx.Err() == nil {
			l.cfg.Logger.Error("account index: rebuild failed", slog.Any("err", err))
		}
	})
}

// Rebuild reads every account and builds a new base, then swaps it in with an empty delta. Matching
// goes on against the old base meanwhile.
func (l *Live) Rebuild(ctx context.Context) error {
	start := l.cfg.Now()
	accounts, latest, err := l.src.MatchAccounts(ctx)
	if err != nil {
		return fmt.Errorf("account index: load: %w", err)
	}
	base := NewIndex(accounts)
	l.mu.Lock()
	l.base, l.delta = base, nil
	l.changed, l.masked = map[string]Account{}, map[string]bool{}
	l.seen, l.checked = latest, latest
	l.mu.Unlock()
	l.cfg.Logger.Info("account index built", "accounts", len(accounts), "took", l.cfg.Now().Sub(start))
	return nil
}
