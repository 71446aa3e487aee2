package match

import (
	"context"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"
)

// memSource is an account base in memory with change times, as the store keeps it.
type memSource struct {
	mu       sync.Mutex
	accounts []Account
	changed  []time.Time
	clock    time.Time
	loads    int
	sinces   []Cursor
}

func (m *memSource) put(a Account) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.clock = m.clock.Add(time.Minute)
	for i := range m.accounts {
		if m.accounts[i].ID == a.ID {
			m.accounts[i], m.changed[i] = a, m.clock
			return
		}
	}
	m.accounts = append(m.accounts, a)
	m.changed = append(m.changed, m.clock)
}

// cursorOf is account i's place in the change order: its change time, then its position.
func (m *memSource) cursorOf(i int) Cursor { return Cursor{At: m.changed[i], Seq: int64(i)} }

func (m *memSource) MatchAccounts(context.Context) ([]Account, Cursor, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.loads++
	var latest Cursor
	for i := range m.accounts {
		if c := m.cursorOf(i); c.After(latest) {
			latest = c
		}
	}
	return slices.Clone(m.accounts), latest, nil
}

func (m *memSource) MatchAccountsChangedSince(_ context.Context, since Cursor) ([]Account, Cursor, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sinces = append(m.sinces, since)
	var out []Account
	latest := since
	for i, a := range m.accounts {
		if c := m.cursorOf(i); c.After(since) {
			out = append(out, a)
			if c.After(latest) {
				latest = c
			}
		}
	}
	return out, latest, nil
}

func (m *memSource) MatchAccountCount(context.Context) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.accounts), nil
}

func (m *memSource) remove(id string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	i := slices.IndexFunc(m.accounts, func(a Account) bool { return a.ID == id })
	m.accounts = slices.Delete(m.accounts, i, i+1)
	m.changed = slices.Delete(m.changed, i, i+1)
}

func testSource(t *testing.T) *memSource {
	t.Helper()
	src := &memSource{clock: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	for _, r := range readTestCSV(t, "testdata/accounts.csv") {
		src.put(Account{ID: r["id"], Name: r["name"], Domain: r["domain"], Country: r["country"]})
	}
	return src
}

func mustMatch(t *testing.T, l *Live, q Query) Result {
	t.Helper()
	r, err := l.Match(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// loadedLive returns a live index over src with its base loaded.
func loadedLive(t *testing.T, src Source, cfg LiveConfig) *Live {
	t.Helper()
	l := NewLive(src, cfg)
	if err := l.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	return l
}

// checkNow runs a check and waits for the rebuild it may have started.
func checkNow(t *testing.T, l *Live) {
	t.Helper()
	if err := l.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	l.background.Wait()
}

func TestLiveIncremental(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src := testSource(t)
	l := NewLive(src, LiveConfig{CommitLag: time.Second, SmallBase: 1})
	defer l.Stop()

	q := Query{ID: "q", Name: "Zyntrofax Corp.", Country: "US"}
	if r := mustMatch(t, l, q); r.Decision != DecisionNew {
		t.Fatalf("before the account exists: %s %s, want new", r.Decision, r.AccountID)
	}
	src.put(Account{ID: "new-1", Name: "Zyntrofax Corporation, Inc.", Domain: "zyntrofax.com", Country: "US"})
	r := mustMatch(t, l, q)
	if r.Decision != DecisionMatch || r.AccountID != "new-1" {
		t.Fatalf("after the account is created: %s %s (%s), want match new-1", r.Decision, r.AccountID, r.Reason)
	}
	if src.loads != 1 {
		t.Errorf("the base was read %d times, want once", src.loads)
	}
	// The delta is scored on the base's token weights: the same decision and score as a full build.
	all, _, _ := src.MatchAccounts(ctx)
	full := NewIndex(all).Match(q)
	if full.Decision != r.Decision || full.AccountID != r.AccountID || full.Score != r.Score {
		t.Errorf("live %s %s %.3f, full build %s %s %.3f", r.Decision, r.AccountID, r.Score, full.Decision, full.AccountID, full.Score)
	}

	// A rename takes effect at once: the old name no longer finds the account.
	src.put(Account{ID: "new-1", Name: "Quibblesnort Ltd", Domain: "", Country: "US"})
	if r := mustMatch(t, l, q); r.AccountID == "new-1" {
		t.Errorf("after the rename the old name still matches: %+v", r)
	}
	if r := mustMatch(t, l, Query{ID: "q2", Name: "Quibblesnort"}); r.Decision != DecisionMatch || r.AccountID != "new-1" {
		t.Errorf("the new name: %s %s (%s), want match new-1", r.Decision, r.AccountID, r.Reason)
	}
	// Each look asks for what changed after the latest change seen; the check reaches back CommitLag
	// before what the previous check saw, for late commits.
	if last := src.sinces[len(src.sinces)-1]; !last.At.Equal(src.clock) {
		t.Errorf("last look since %v, want %v", last, src.clock)
	}
	late := Account{ID: "late-1", Name: "Latecomer Foods"}
	src.mu.Lock()
	src.accounts = append(src.accounts, late)
	src.changed = append(src.changed, src.clock.Add(-time.Second/2)) // stamped before the latest change seen
	src.mu.Unlock()
	if r := mustMatch(t, l, Query{ID: "q", Name: "Latecomer Foods"}); r.AccountID == "late-1" {
		t.Fatalf("a late commit was seen by a look that should not reach back")
	}
	if err := l.Check(ctx); err != nil {
		t.Fatal(err)
	}
	if r := mustMatch(t, l, Query{ID: "q", Name: "Latecomer Foods"}); r.AccountID != "late-1" {
		t.Errorf("the check missed a late commit: %+v", r)
	}
}

func TestLiveRenameOfBaseAccount(t *testing.T) {
	t.Parallel()
	src := testSource(t)
	first := src.accounts[0]
	l := NewLive(src, LiveConfig{SmallBase: 1})
	defer l.Stop()
	if r := mustMatch(t, l, Query{ID: "q", Name: first.Name}); r.AccountID != first.ID {
		t.Fatalf("%q: got %s, want %s", first.Name, r.AccountID, first.ID)
	}
	src.put(Account{ID: first.ID, Name: "Vorpelgrund Kft"})
	if r := mustMatch(t, l, Query{ID: "q", Name: first.Name}); r.AccountID == first.ID && r.Decision == DecisionMatch {
		t.Errorf("%q still matches %s after its rename: %+v", first.Name, first.ID, r)
	}
}

func TestLiveRebuildsWhenDeltaGrows(t *testing.T) {
	t.Parallel()
	src := testSource(t)
	l := NewLive(src, LiveConfig{RebuildAt: 3, SmallBase: 1})
	base := len(src.accounts)
	mustMatch(t, l, Query{ID: "q", Name: "x"})
	for i := range 3 {
		src.put(Account{ID: "n" + strconv.Itoa(i), Name: "Company " + strconv.Itoa(i)})
	}
	for i := range 3 {
		if r := mustMatch(t, l, Query{ID: "q", Name: "Company " + strconv.Itoa(i)}); r.AccountID != "n"+strconv.Itoa(i) {
			t.Errorf("Company %d: got %s %s, want n%d", i, r.Decision, r.AccountID, i)
		}
	}
	if src.loads != 1 {
		t.Fatalf("rebuilt within the limit")
	}
	src.put(Account{ID: "n3", Name: "Company 3"})
	mustMatch(t, l, Query{ID: "q", Name: "x"})
	l.background.Wait() // the background rebuild
	if src.loads != 2 {
		t.Fatalf("base read %d times, want a rebuild", src.loads)
	}
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.base.Len() != base+4 || len(l.changed) != 0 {
		t.Errorf("after the rebuild: base %d, delta %d; want %d and 0", l.base.Len(), len(l.changed), base+4)
	}
}

func TestLiveCheckRebuildsOnCountMismatch(t *testing.T) {
	t.Parallel()
	src := testSource(t)
	l := loadedLive(t, src, LiveConfig{SmallBase: 1})
	checkNow(t, l)
	if src.loads != 1 {
		t.Fatalf("rebuilt although nothing changed")
	}
	gone := src.accounts[0]
	src.remove(gone.ID)
	checkNow(t, l)
	if src.loads != 2 {
		t.Fatalf("no rebuild after an account vanished")
	}
	if r := mustMatch(t, l, Query{ID: "q", Name: gone.Name}); r.AccountID == gone.ID {
		t.Errorf("a removed account still matches: %+v", r)
	}
}

func TestLiveConcurrent(t *testing.T) {
	t.Parallel()
	src := testSource(t)
	l := NewLive(src, LiveConfig{RebuildAt: 2, SmallBase: 1})
	defer l.Stop()
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 20 {
				if w == 0 {
					src.put(Account{ID: "c" + strconv.Itoa(i), Name: "Concurrent Widgets " + strconv.Itoa(i)})
				}
				if _, err := l.Match(context.Background(), Query{ID: "q", Name: "Concurrent Widgets"}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
}

func TestLiveSmallBaseRebuilds(t *testing.T) {
	t.Parallel()
	src := &memSource{clock: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	l := NewLive(src, LiveConfig{})
	defer l.Stop()
	mustMatch(t, l, Query{ID: "q", Name: "anything"}) // built empty
	src.put(Account{ID: "1", Name: "Direct Dynamics"})
	src.put(Account{ID: "2", Name: "Acme Corp"})
	// On an empty base a delta would have no token weights; a small base is rebuilt instead.
	if r := mustMatch(t, l, Query{ID: "q", Name: "Direct Dynamics Inc."}); r.Decision != DecisionMatch || r.AccountID != "1" {
		t.Errorf("got %s %s (%s), want match 1", r.Decision, r.AccountID, r.Reason)
	}
	if src.loads != 2 {
		t.Errorf("base read %d times, want 2", src.loads)
	}
}

// TestLiveNoRebuildAfterStop: a check that finds the index stale after Stop starts no rebuild, so
// nothing of the index outlives its owner.
func TestLiveNoRebuildAfterStop(t *testing.T) {
	t.Parallel()
	src := testSource(t)
	l := loadedLive(t, src, LiveConfig{SmallBase: 1})
	l.Stop()
	src.remove(src.accounts[0].ID)
	checkNow(t, l)
	if src.loads != 1 {
		t.Fatalf("%d loads: a rebuild started after Stop", src.loads)
	}
}

// gatedSource holds the first look for changes until the test opens the gate.
type gatedSource struct {
	*memSource
	entered, gate chan struct{}
	once          sync.Once
}

func (g *gatedSource) MatchAccountsChangedSince(ctx context.Context, since Cursor) ([]Account, Cursor, error) {
	g.once.Do(func() { close(g.entered); <-g.gate })
	return g.memSource.MatchAccountsChangedSince(ctx, since)
}

// Submits arriving while a look for changes runs share the next look instead of queueing one each,
// and that look still sees an account created before they arrived.
func TestLiveRefreshesAreShared(t *testing.T) {
	t.Parallel()
	src := &gatedSource{memSource: testSource(t), entered: make(chan struct{}), gate: make(chan struct{})}
	for i := range 6000 { // above SmallBase: changes go to the delta, no rebuild
		src.put(Account{ID: "bulk" + strconv.Itoa(i), Name: "Bulk Holdings " + strconv.Itoa(i)})
	}
	l := loadedLive(t, src, LiveConfig{})
	defer l.Stop()
	first := make(chan error, 1)
	go func() { first <- l.Refresh(context.Background()) }()
	<-src.entered // the first look is under way, held
	src.put(Account{ID: "late", Name: "Latecomer Robotics"})
	const callers = 8
	var wg sync.WaitGroup
	results := make([]Result, callers)
	for i := range callers {
		wg.Go(func() {
			r, err := l.Match(context.Background(), Query{ID: "q", Name: "Latecomer Robotics"})
			if err != nil {
				t.Error(err)
			}
			results[i] = r
		})
	}
	for { // wait until all have joined the next look; none can start it while the first is held
		l.lookMu.Lock()
		joined := l.nextLook != nil && l.nextLook.joined == callers-1
		l.lookMu.Unlock()
		if joined {
			break
		}
		runtime.Gosched()
	}
	close(src.gate)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if n := len(src.sinces); n != 2 {
		t.Errorf("%d looks for changes for 1 + %d callers, want 2 (the held one and one shared)", n, callers)
	}
	for i, r := range results {
		if r.AccountID != "late" {
			t.Errorf("caller %d: %+v, want the account created before it arrived", i, r)
		}
	}
}
