package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/policy"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// GeneratorVersion changes whenever Generate's output for a seed changes, so that a demo file made by
// an older generator is regenerated rather than reused.
const GeneratorVersion = 7 // 7: the current quarter follows the trend, open pipeline reaches the next two quarters (no deal created after today), a smaller quarter-end rush; 6: outcomes with documented drivers (win odds, conflict propensity), strategic deals, escalated disputes; 2: replayed registration and conflict history; 3: compensation (plan, quotas, closed quarters); 4: a plausible mid-market company (deal sizes, AE headcount, plan rates, escalation by deal size); 5: enablement portfolio and the deals' history

// batchSize is how many rows go to one bulk upsert call. It is small on purpose: the SQLite driver binds
// numbered parameters ($1…) in time quadratic in their count, so a 100-row statement (~2,500
// parameters for opportunities) writes the full demo ten times faster than a 500-row one.
const batchSize = 100

// Kinds of record, as sqlstore's ImportTx.ResolveIDs names them.
const (
	kindUsers         = "users"
	kindPartners      = "partners"
	kindAccounts      = "accounts"
	kindOpportunities = "opportunities"
	kindRegistrations = "registrations"
)

// markerAction is the audit action that records which seed made a demo database. It is written last,
// after everything else committed, so its presence means the data is complete.
const (
	markerAction = "demo.generate"
	markerEntity = "demo"
)

// Marker is what the audit log remembers about a generated demo: enough to decide whether to reuse
// the file and to print the sign-ins without generating again.
type Marker struct {
	Seed             uint64   `json:"seed"`
	GeneratorVersion int      `json:"generator_version"`
	SignIns          []SignIn `json:"sign_ins"`
}

// HashFunc hashes a password (auth.Hasher.Hash).
type HashFunc func(ctx context.Context, password string) (string, error)

// Write stores ds in st, which should be empty: the territories, the products and (when none is
// published yet) pol as the published policy, each in its own transaction; then every user, partner,
// account, opportunity, registration and touch in one import transaction, so a failure leaves no
// half-written company; then the demo sign-ins' passwords, hashed with hash; and last the marker.
// The sign-ins in the returned marker carry the store's user ids.
func Write(ctx context.Context, st *sqlstore.Store, ds *Dataset, pol *policy.Policy, hash HashFunc) (*Marker, error) {
	actor := tandem.SystemActor
	// Hash while the rows are written: argon2id takes tens of milliseconds per password.
	hashes := make([]string, len(ds.SignIns))
	hashErrs := make([]error, len(ds.SignIns))
	var wg sync.WaitGroup
	for i := range ds.SignIns {
		wg.Go(func() { hashes[i], hashErrs[i] = hash(ctx, Password) })
	}
	defer wg.Wait()

	territoryIDs := make([]int64, len(ds.Territories)+1)
	for _, t := range ds.Territories {
		datasetID := t.ID
		t.ID = 0
		if err := st.CreateTerritory(ctx, actor, &t); err != nil {
			return nil, fmt.Errorf("demo: territory %s: %w", t.Name, err)
		}
		territoryIDs[datasetID] = t.ID
	}
	for _, p := range ds.Products {
		p.ID = 0
		if err := st.CreateProduct(ctx, actor, &p); err != nil {
			return nil, fmt.Errorf("demo: product %s: %w", p.ExternalID, err)
		}
	}
	if err := publishPolicy(ctx, st, pol); err != nil {
		return nil, err
	}

	tx, err := st.BeginImport(ctx, actor)
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	defer tx.Rollback()
	w := &writer{tx: tx, ds: ds, territories: territoryIDs}
	if err := w.writeAll(ctx); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("demo: commit: %w", err)
	}
	if err := replayHistory(ctx, st, w, ds, pol); err != nil {
		return nil, err
	}

	wg.Wait()
	m := &Marker{Seed: ds.Config.Seed, GeneratorVersion: GeneratorVersion}
	for i, s := range ds.SignIns {
		if err := hashErrs[i]; err != nil {
			return nil, fmt.Errorf("demo: hash the password of %s: %w", s.Email, err)
		}
		s.UserID = w.users[s.UserID]
		if err := st.SetPassword(ctx, s.UserID, hashes[i]); err != nil {
			return nil, fmt.Errorf("demo: set the password of %s: %w", s.Email, err)
		}
		m.SignIns = append(m.SignIns, s)
	}
	if err := writeComp(ctx, st, ds.Config.Today); err != nil {
		return nil, err
	}
	if err := writePortfolio(ctx, st, ds.Config.Seed, ds.Config.Today); err != nil {
		return nil, err
	}
	if err := writeForecastHistory(ctx, st, ds.Config.Seed, ds.Config.Today); err != nil {
		return nil, err
	}
	if err := st.AppendAudit(ctx, actor, markerAction, markerEntity, strconv.FormatUint(m.Seed, 10), m); err != nil {
		return nil, fmt.Errorf("demo: record the seed: %w", err)
	}
	return m, nil
}

// publishPolicy stores pol as the published policy unless one is published already.
func publishPolicy(ctx context.Context, st *sqlstore.Store, pol *policy.Policy) error {
	if _, err := st.ActivePolicyVersion(ctx); err == nil {
		return nil
	} else if tandem.ErrorCode(err) != tandem.ENOTFOUND {
		return fmt.Errorf("demo: %w", err)
	}
	pv := &tandem.PolicyVersion{Name: pol.Name(), Version: pol.Version(), EffectiveFrom: pol.EffectiveFrom(), Source: string(pol.Source())}
	if err := st.CreatePolicyVersion(ctx, tandem.SystemActor, pv); err != nil {
		return fmt.Errorf("demo: store policy %s: %w", pol.Version(), err)
	}
	if err := st.PublishPolicyVersion(ctx, tandem.SystemActor, pv.ID); err != nil {
		return fmt.Errorf("demo: publish policy %s: %w", pol.Version(), err)
	}
	return nil
}

// ReadMarker returns the marker of the demo in st; ENOTFOUND when st holds no complete demo.
func ReadMarker(ctx context.Context, st *sqlstore.Store) (*Marker, error) {
	entries, _, err := st.ListAudit(ctx, tandem.SystemActor, sqlstore.AuditFilter{Entity: markerEntity, Action: markerAction, Limit: 1})
	if err != nil {
		return nil, fmt.Errorf("demo: read marker: %w", err)
	}
	if len(entries) == 0 {
		return nil, tandem.Errorf(tandem.ENOTFOUND, "the database holds no complete demo")
	}
	var m Marker
	if err := json.Unmarshal([]byte(entries[0].Detail), &m); err != nil {
		return nil, fmt.Errorf("demo: read marker: %w", err)
	}
	return &m, nil
}

// writer writes a dataset in an import transaction, keeping the store id of every dataset id (index:
// dataset id; 0 unused).
type writer struct {
	tx          *sqlstore.ImportTx
	ds          *Dataset
	territories []int64
	users       []int64
	partners    []int64
	accounts    []int64
	opps        []int64
}

func (w *writer) writeAll(ctx context.Context) error {
	ds := w.ds
	w.users = make([]int64, len(ds.Users)+1)
	w.partners = make([]int64, 1) // vendor users have no partner (dataset id 0)

	// Vendor users in waves so that each user's manager is stored before the user; then partners
	// (their managers are vendor users), then partner users.
	var vendor, partnerUsers []int
	for i, u := range ds.Users {
		if u.Role == tandem.RolePartnerUser {
			partnerUsers = append(partnerUsers, i)
		} else {
			vendor = append(vendor, i)
		}
	}
	for len(vendor) > 0 {
		var wave, later []int
		for _, i := range vendor {
			if m := ds.Users[i].ManagerID; m == 0 || w.users[m] != 0 {
				wave = append(wave, i)
			} else {
				later = append(later, i)
			}
		}
		if len(wave) == 0 {
			return errors.New("demo: the vendor's reporting lines have a cycle")
		}
		if err := w.writeUsers(ctx, wave); err != nil {
			return err
		}
		vendor = later
	}

	partners := make([]tandem.Partner, len(ds.Partners))
	for i, p := range ds.Partners {
		p.ID, p.ManagerID = 0, w.users[p.ManagerID]
		partners[i] = p
	}
	var err error
	if w.partners, err = upsert(ctx, w.tx, kindPartners, partners, (*sqlstore.ImportTx).UpsertPartners, func(p *tandem.Partner) string { return p.ExternalID }); err != nil {
		return err
	}
	if err := w.writeUsers(ctx, partnerUsers); err != nil {
		return err
	}

	accounts := make([]tandem.Account, len(ds.Accounts))
	parents := map[string]string{}
	for i, a := range ds.Accounts {
		if a.ParentID != 0 {
			parents[a.ExternalID] = ds.Accounts[a.ParentID-1].ExternalID
		}
		a.ID, a.ParentID, a.OwnerID, a.TerritoryID = 0, 0, w.users[a.OwnerID], w.territories[a.TerritoryID]
		accounts[i] = a
	}
	if w.accounts, err = upsert(ctx, w.tx, kindAccounts, accounts, (*sqlstore.ImportTx).UpsertAccounts, func(a *tandem.Account) string { return a.ExternalID }); err != nil {
		return err
	}
	if err := w.tx.LinkAccountParents(ctx, parents); err != nil {
		return fmt.Errorf("demo: link account parents: %w", err)
	}

	opps := make([]tandem.Opportunity, len(ds.Opportunities))
	for i, o := range ds.Opportunities {
		o.ID, o.AccountID, o.OwnerID, o.PartnerID = 0, w.accounts[o.AccountID], w.users[o.OwnerID], w.partners[o.PartnerID]
		opps[i] = o
	}
	if w.opps, err = upsert(ctx, w.tx, kindOpportunities, opps, (*sqlstore.ImportTx).UpsertOpportunities, func(o *tandem.Opportunity) string { return o.ExternalID }); err != nil {
		return err
	}

	regs := make([]tandem.Registration, len(ds.Registrations))
	for i, r := range ds.Registrations {
		r.ID, r.PartnerID, r.AccountID = 0, w.partners[r.PartnerID], w.accounts[r.AccountID]
		r.OpportunityID, r.DecidedBy = w.opps[r.OpportunityID], w.users[r.DecidedBy]
		regs[i] = r
	}
	if err := upsertOnly(ctx, w.tx, kindRegistrations, regs, (*sqlstore.ImportTx).UpsertRegistrations); err != nil {
		return err
	}

	touches := make([]tandem.Touch, len(ds.Touches))
	for i, t := range ds.Touches {
		t.ID, t.PartnerID, t.OpportunityID = 0, w.partners[t.PartnerID], w.opps[t.OpportunityID]
		touches[i] = t
	}
	return upsertOnly(ctx, w.tx, "touches", touches, (*sqlstore.ImportTx).UpsertTouches)
}

// writeUsers upserts the users at the dataset indexes idx and records their store ids.
func (w *writer) writeUsers(ctx context.Context, idx []int) error {
	rows := make([]tandem.User, len(idx))
	for j, i := range idx {
		u := w.ds.Users[i]
		u.ID, u.ManagerID, u.PartnerID, u.TerritoryID = 0, w.users[u.ManagerID], w.partners[u.PartnerID], w.territories[u.TerritoryID]
		rows[j] = u
	}
	if err := upsertOnly(ctx, w.tx, kindUsers, rows, (*sqlstore.ImportTx).UpsertUsers); err != nil {
		return err
	}
	exts := make([]string, len(rows))
	for j := range rows {
		exts[j] = rows[j].ExternalID
	}
	ids, err := w.tx.ResolveIDs(ctx, kindUsers, exts)
	if err != nil {
		return fmt.Errorf("demo: resolve users: %w", err)
	}
	for j, i := range idx {
		id, ok := ids[rows[j].ExternalID]
		if !ok {
			return fmt.Errorf("demo: user %s was not stored", rows[j].ExternalID)
		}
		w.users[i+1] = id
	}
	return nil
}

// upsertOnly writes rows in batches.
func upsertOnly[T any](ctx context.Context, tx *sqlstore.ImportTx, kind string, rows []T,
	fn func(*sqlstore.ImportTx, context.Context, []T) (tandem.UpsertCounts, error)) error {
	for start := 0; start < len(rows); start += batchSize {
		end := min(start+batchSize, len(rows))
		if _, err := fn(tx, ctx, rows[start:end]); err != nil {
			return fmt.Errorf("demo: write %s %d to %d: %w", kind, start+1, end, err)
		}
	}
	return nil
}

// upsert writes rows in batches and returns the store id of each: index i+1 for rows[i] (0 unused),
// so dataset ids index it directly.
func upsert[T any](ctx context.Context, tx *sqlstore.ImportTx, kind string, rows []T,
	fn func(*sqlstore.ImportTx, context.Context, []T) (tandem.UpsertCounts, error), externalID func(*T) string) ([]int64, error) {
	if err := upsertOnly(ctx, tx, kind, rows, fn); err != nil {
		return nil, err
	}
	ids := make([]int64, len(rows)+1)
	for start := 0; start < len(rows); start += batchSize {
		end := min(start+batchSize, len(rows))
		exts := make([]string, 0, end-start)
		for i := start; i < end; i++ {
			exts = append(exts, externalID(&rows[i]))
		}
		m, err := tx.ResolveIDs(ctx, kind, exts)
		if err != nil {
			return nil, fmt.Errorf("demo: resolve %s: %w", kind, err)
		}
		for i := start; i < end; i++ {
			id, ok := m[exts[i-start]]
			if !ok {
				return nil, fmt.Errorf("demo: %s %s was not stored", kind, exts[i-start])
			}
			ids[i+1] = id
		}
	}
	return ids, nil
}
