package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/companyname"
)

// Account resolution on submit. A submitted registration's company ("ACME Corp.", "acme.com") is
// resolved with the account matcher (internal/match, kept in memory by the server as a match.Live):
//   - match: the registration's account_id is set, so overlap detection compares account ids;
//   - review: account_id stays empty and the registration waits in the account-match review queue until
//     a person picks the account or says it is new (ResolveAccountMatch);
//   - new: account_id stays empty: nothing in the account base is close.
//
// Every outcome is one account_matches row with the score, the reason and the best candidates. The rows
// are the vendor's: partner users can neither list nor resolve them, and never see which account their
// registration was matched to.

// Account-match statuses.
const (
	AccountMatchAuto     = "auto"     // decided by the matcher (match or new)
	AccountMatchReview   = "review"   // waiting for a person
	AccountMatchResolved = "resolved" // a person decided
)

// AccountMatchCandidate is one account the matcher considered.
type AccountMatchCandidate = tandem.AccountMatchCandidate

// AccountMatch is the matcher's decision about one registration's company, and a person's when it was
// reviewed.
type AccountMatch struct {
	ID             int64  `json:"id"`
	RegistrationID int64  `json:"registration_id"`
	PartnerID      int64  `json:"partner_id"`
	AccountName    string `json:"account_name" doc:"the company as the partner typed it"`
	Website        string `json:"website,omitempty"`
	Country        string `json:"country,omitempty"`
	// CandidateID is the best candidate: the account matched, or the best guess for a review.
	CandidateID   int64                   `json:"candidate_id,omitempty"`
	CandidateName string                  `json:"candidate_name,omitempty"`
	Score         float64                 `json:"score" doc:"0 to 1"`
	Reason        string                  `json:"reason"`
	Candidates    []AccountMatchCandidate `json:"candidates" doc:"the best three, best first"`
	Decision      tandem.AccountDecision  `json:"decision" enum:"match,review,new" doc:"the matcher's"`
	Status        string                  `json:"status" enum:"auto,review,resolved"`
	// ResolvedAccountID is the account a person picked (0 for a new account, or while in review).
	ResolvedAccountID int64     `json:"resolved_account_id,omitempty"`
	DecidedBy         int64     `json:"decided_by,omitempty"`
	DecidedAt         time.Time `json:"decided_at,omitzero"`
	CreatedAt         time.Time `json:"created_at"`
}

const accountMatchColumns = `m.id, m.registration_id, r.partner_id, r.account_name, r.website, r.country, m.candidate_id,
	COALESCE(a.name, ''), m.score, m.reason, m.candidates, m.decision, m.status, m.resolved_account_id, m.decided_by,
	m.decided_at, m.created_at`

const accountMatchFrom = `account_matches m JOIN registrations r ON r.id = m.registration_id
	LEFT JOIN accounts a ON a.id = m.candidate_id`

func scanAccountMatch(scan func(...any) error) (AccountMatch, error) {
	var m AccountMatch
	var candidates string
	err := scan(&m.ID, &m.RegistrationID, &m.PartnerID, &m.AccountName, &m.Website, &m.Country, idCol{&m.CandidateID},
		&m.CandidateName, &m.Score, &m.Reason, &candidates, &m.Decision, &m.Status, idCol{&m.ResolvedAccountID},
		idCol{&m.DecidedBy}, timeCol{&m.DecidedAt}, timeCol{&m.CreatedAt})
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal([]byte(candidates), &m.Candidates); err != nil {
		return m, fmt.Errorf("account match %d candidates: %w", m.ID, err)
	}
	if m.Candidates == nil {
		m.Candidates = []AccountMatchCandidate{}
	}
	return m, nil
}

// recordAccountMatchTx stores the matcher's resolution for registration regID.
func recordAccountMatchTx(ctx context.Context, tx querier, now time.Time, regID int64, res *tandem.AccountResolution) error {
	if res == nil {
		return nil
	}
	cands := res.Candidates
	if cands == nil {
		cands = []AccountMatchCandidate{}
	}
	var candidate int64
	if len(cands) > 0 {
		candidate = cands[0].AccountID
	}
	status := AccountMatchAuto
	if res.Decision == tandem.AccountDecisionReview {
		status = AccountMatchReview
	}
	js, err := json.Marshal(cands)
	if err != nil {
		return fmt.Errorf("account match of registration %d: %w", regID, err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO account_matches (registration_id, candidate_id, score, reason, candidates,
		decision, status, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		regID, dbID(candidate), res.Score, res.Reason, string(js), string(res.Decision), status, now.UnixMicro())
	if err != nil {
		return fmt.Errorf("account match of registration %d: %w", regID, err)
	}
	return nil
}

// AccountMatchFilter selects account matches; Status "" is "review", the queue.
type AccountMatchFilter struct {
	Status string
	Limit  int
	Offset int
}

// ListAccountMatches returns a page of account matches with status f.Status (the review queue by
// default), oldest first, and how many there are. ENOTFOUND for partner users: to them the queue does
// not exist.
func (s *Store) ListAccountMatches(ctx context.Context, actor tandem.Actor, f AccountMatchFilter) ([]AccountMatch, int, error) {
	if actor.IsPartner() {
		return nil, 0, tandem.Errorf(tandem.ENOTFOUND, "no account matches")
	}
	status := f.Status
	if status == "" {
		status = AccountMatchReview
	}
	switch status {
	case AccountMatchAuto, AccountMatchReview, AccountMatchResolved:
	default:
		return nil, 0, tandem.FieldError("status", "%q is not auto, review or resolved", status)
	}
	var w where
	w.add("m.status = ?", status)
	items, total, err := listRecords(ctx, s, "account matches", accountMatchColumns, accountMatchFrom, w, " ORDER BY m.id",
		f.Limit, f.Offset, scanAccountMatch)
	if err != nil {
		return nil, 0, err
	}
	if items == nil {
		items = []AccountMatch{}
	}
	return items, total, nil
}

// GetAccountMatch returns account match id. ENOTFOUND when there is none or actor is a partner user.
func (s *Store) GetAccountMatch(ctx context.Context, actor tandem.Actor, id int64) (*AccountMatch, error) {
	return getAccountMatch(ctx, s.read, actor, id)
}

func getAccountMatch(ctx context.Context, q querier, actor tandem.Actor, id int64) (*AccountMatch, error) {
	if actor.IsPartner() {
		return nil, tandem.NotFound("account match", id)
	}
	return getOne(ctx, q, "account match", id, `SELECT `+accountMatchColumns+` FROM `+accountMatchFrom+` WHERE m.id = $1`,
		[]any{id}, scanAccountMatch)
}

// ResolveAccountMatch decides account match id, which must be waiting for review: accountID is the
// account the registration is for, or 0 for a new account (the registration stays unresolved). It sets
// the registration's account, records who decided and when, and audits it; the caller then runs
// conflict detection for the registration again. ENOTFOUND when there is no such match (or account) or
// actor is a partner user; ECONFLICT when it is not in review (decided already). On error nothing is
// written.
func (s *Store) ResolveAccountMatch(ctx context.Context, actor tandem.Actor, id, accountID int64) (*AccountMatch, error) {
	if actor.IsPartner() {
		return nil, tandem.NotFound("account match", id)
	}
	if accountID < 0 {
		return nil, tandem.FieldError("account_id", "must be an account id, or absent for a new account")
	}
	var out *AccountMatch
	err := s.inTx(ctx, func(tx *sql.Tx, now time.Time) error {
		m, err := getAccountMatch(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		if m.Status != AccountMatchReview {
			return tandem.Errorf(tandem.ECONFLICT, "account match %d is %s, not waiting for review", id, m.Status)
		}
		if accountID != 0 {
			if _, err := accountRecord.get(ctx, tx, actor, accountID); err != nil {
				return err
			}
		}
		ok, err := changedOne(ctx, tx, `UPDATE account_matches SET status = $1, resolved_account_id = $2, decided_by = $3,
			decided_at = $4 WHERE id = $5 AND status = $6`,
			AccountMatchResolved, dbID(accountID), dbID(actor.UserID), now.UnixMicro(), id, AccountMatchReview)
		if err != nil {
			return s.mapErr(fmt.Errorf("resolve account match %d: %w", id, err), "account match")
		}
		if !ok {
			return tandem.Errorf(tandem.ECONFLICT, "account match %d changed while it was being resolved; look again", id)
		}
		if accountID != 0 {
			if _, err := tx.ExecContext(ctx, `UPDATE registrations SET account_id = $1, updated_at = $2 WHERE id = $3`,
				accountID, now.UnixMicro(), m.RegistrationID); err != nil {
				return s.mapErr(fmt.Errorf("resolve account match %d: registration: %w", id, err), "registration")
			}
		}
		m.Status, m.ResolvedAccountID, m.DecidedBy, m.DecidedAt = AccountMatchResolved, accountID, actor.UserID, now
		out = m
		return appendAuditTx(ctx, tx, now, actor, "account_match.resolve", "registration", idString(m.RegistrationID),
			map[string]any{"account_match": id, "account_id": accountID, "candidate_id": m.CandidateID, "score": m.Score})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// AccountSource returns the store as the account base a match.Live index reads (its Source).
func (s *Store) AccountSource() AccountSource { return AccountSource{s} }

// AccountSource reads the accounts for the account matcher, in the domain's terms.
type AccountSource struct{ s *Store }

// MatchAccounts reads every account for a new base and fills the normalised name keys detection needs
// where they are missing (after a bulk import, say), so the first detection does not pay for them.
func (a AccountSource) MatchAccounts(ctx context.Context) ([]tandem.MatchAccount, tandem.ChangeCursor, error) {
	var latest tandem.ChangeCursor
	err := a.s.read.QueryRowContext(ctx, `SELECT updated_at, id FROM accounts ORDER BY updated_at DESC, id DESC LIMIT 1`).
		Scan(timeCol{&latest.At}, &latest.Seq)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, tandem.ChangeCursor{}, fmt.Errorf("accounts for matching: %w", err)
	}
	accounts, _, err := a.read(ctx, `SELECT id, name, domain, country, updated_at FROM accounts ORDER BY id`)
	if err != nil {
		return nil, tandem.ChangeCursor{}, err
	}
	if err := a.s.FillMatchKeys(ctx); err != nil {
		return nil, tandem.ChangeCursor{}, err
	}
	return accounts, latest, nil
}

// changesBatch bounds one look for changed accounts; the next look goes on from where it stopped. The
// LIMIT also keeps PostgreSQL on the index when it plans the statement once for any cursor (a generic
// plan would otherwise expect a third of the table and scan it).
const changesBatch = 20000

// MatchAccountsChangedSince reads the accounts changed after since in (updated_at, id) order: a range
// of the accounts_updated_at index (written as a row comparison, which both engines read as one
// range; the equivalent OR made PostgreSQL scan the table), usually empty.
func (a AccountSource) MatchAccountsChangedSince(ctx context.Context, since tandem.ChangeCursor) ([]tandem.MatchAccount, tandem.ChangeCursor, error) {
	at := since.At.UnixMicro()
	if since.At.IsZero() {
		at = 0
	}
	accounts, latest, err := a.read(ctx, `SELECT id, name, domain, country, updated_at FROM accounts
		WHERE (updated_at, id) > ($1, $2) ORDER BY updated_at, id LIMIT `+strconv.Itoa(changesBatch), at, since.Seq)
	if err != nil {
		return nil, tandem.ChangeCursor{}, err
	}
	if len(accounts) == 0 {
		latest = since
	}
	return accounts, latest, nil
}

func (a AccountSource) MatchAccountCount(ctx context.Context) (int, error) {
	var n int
	if err := a.s.read.QueryRowContext(ctx, `SELECT count(*) FROM accounts`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count accounts: %w", err)
	}
	return n, nil
}

// read returns the accounts of query and the cursor of the last row.
func (a AccountSource) read(ctx context.Context, query string, args ...any) ([]tandem.MatchAccount, tandem.ChangeCursor, error) {
	var last tandem.ChangeCursor
	out, err := scanAll(ctx, a.s.read, query, args, func(scan func(...any) error) (tandem.MatchAccount, error) {
		var a tandem.MatchAccount
		err := scan(&last.Seq, &a.Name, &a.Domain, &a.Country, timeCol{&last.At})
		a.ID = strconv.FormatInt(last.Seq, 10)
		return a, err
	})
	if err != nil {
		return nil, tandem.ChangeCursor{}, fmt.Errorf("accounts for matching: %w", err)
	}
	return out, last, nil
}

// keyBatch is how many rows one transaction of FillMatchKeys updates, so a million accounts after a
// bulk import do not hold SQLite's one writer for long.
const keyBatch = 5000

// FillMatchKeys computes the normalised name (and website) keys overlap detection looks records up by,
// for the accounts and registrations that lack them; rows written before migration 00005, by a bulk
// import, or renamed since. Detection fills what is left itself; this does it ahead, in batches.
func (s *Store) FillMatchKeys(ctx context.Context) error {
	for {
		n := 0
		err := s.inTx(ctx, func(tx *sql.Tx, _ time.Time) error {
			var err error
			n, err = fillKeysTx(ctx, tx, keyBatch)
			return err
		})
		if err != nil || n < keyBatch {
			return err
		}
	}
}

// fillKeysTx fills up to limit missing account and registration keys (all when limit is 0) and returns
// how many rows it filled of the kind with more.
func fillKeysTx(ctx context.Context, tx *sql.Tx, limit int) (int, error) {
	lim := ""
	if limit > 0 {
		lim = " LIMIT " + strconv.Itoa(limit)
	}
	type row struct {
		id         int64
		name, site string
	}
	read := func(query string) ([]row, error) {
		// A probe for one missing key first: usually there is none, and a LIMIT 1 is read by a plain
		// index scan, which (on PostgreSQL) marks the entries of rows keyed since as dead as it passes
		// them, so the next probe does not walk them again as a full bitmap scan would.
		var probe int64
		err := tx.QueryRowContext(ctx, query+" LIMIT 1").Scan(&probe, new(string), new(string))
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil
		} else if err != nil {
			return nil, err
		}
		return scanAll(ctx, tx, query+lim, nil, func(scan func(...any) error) (row, error) {
			var r row
			err := scan(&r.id, &r.name, &r.site)
			return r, err
		})
	}
	accounts, err := read(`SELECT id, name, '' FROM accounts WHERE name_key IS NULL`)
	if err != nil {
		return 0, fmt.Errorf("fill account keys: %w", err)
	}
	for _, a := range accounts {
		if _, err := tx.ExecContext(ctx, `UPDATE accounts SET name_key = $1 WHERE id = $2`, companyname.Normalize(a.name), a.id); err != nil {
			return 0, fmt.Errorf("fill account %d key: %w", a.id, err)
		}
	}
	regs, err := read(`SELECT id, account_name, website FROM registrations WHERE name_key IS NULL`)
	if err != nil {
		return 0, fmt.Errorf("fill registration keys: %w", err)
	}
	for _, r := range regs {
		if _, err := tx.ExecContext(ctx, `UPDATE registrations SET name_key = $1, domain_key = $2 WHERE id = $3`,
			companyname.Normalize(r.name), tandem.NormalizeDomain(r.site), r.id); err != nil {
			return 0, fmt.Errorf("fill registration %d keys: %w", r.id, err)
		}
	}
	return max(len(accounts), len(regs)), nil
}
