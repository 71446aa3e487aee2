package server

import (
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/conflicts"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// The account-match review page: the registrations whose company the matcher could not resolve with
// confidence, each with what the partner typed and the best candidates, decided by the channel team
// ("this account", "a new account", or another account found by search). Deciding re-runs conflict
// detection for the registration, and the page says what it opened. Vendor staff only (partner users
// get 404); only the deciders see the buttons.

// matchSearchLimit is how many accounts a search offers.
const matchSearchLimit = 8

type matchCandidate struct {
	sqlstore.AccountMatchCandidate
	Percent string
}

// matchCard is one waiting match, or after a decision its outcome.
type matchCard struct {
	sqlstore.AccountMatch
	Partner    string
	Candidates []matchCandidate
	CanDecide  bool
	CSRF       string
	// After a decision:
	Decided     bool
	AccountName string // the account picked ("" for a new account)
	Opened      []openedConflict
	// AutoApproved: the registration waited for its account alone and the system approved it.
	AutoApproved bool
	Error        string
}

type openedConflict struct {
	ID    int64
	Cause string
}

type matchesData struct {
	Cards     []matchCard
	Total     int
	TotalText string
	CanDecide bool
	Pager     pager
}

type matchSearchData struct {
	MatchID   int64
	Query     string
	Accounts  []tandem.Account
	CanDecide bool
	CSRF      string
}

func scorePercent(f float64) string { return strconv.Itoa(int(f*100+0.5)) + " %" }

func (s *Server) matchesPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderMatches(w, r, http.StatusOK, "", false)
}

func (s *Server) renderMatches(w http.ResponseWriter, r *http.Request, status int, flash string, flashOK bool) error {
	ctx := r.Context()
	actor := actorFrom(ctx)
	lp := parseList(r)
	lp.Path = "/account-matches" // also rendered after a decision POST
	items, total, names, err := partnerListRows(s, r, lp, func(limit, offset int) ([]sqlstore.AccountMatch, int, error) {
		return s.store.ListAccountMatches(ctx, actor, sqlstore.AccountMatchFilter{Status: sqlstore.AccountMatchReview, Limit: limit, Offset: offset})
	})
	if err != nil {
		return err
	}
	if lp.CSV {
		return writeRowsCSV(w, "account-matches", s.now(), []string{"id", "registration_id", "partner", "account_name", "website", "country",
			"decision", "score", "reason", "candidates", "created_at"}, items, total, func(m sqlstore.AccountMatch) []string {
			var cands []string
			for _, c := range m.Candidates {
				cands = append(cands, fmt.Sprintf("%s (#%d, %s)", c.Name, c.AccountID, scorePercent(c.Score)))
			}
			return []string{strconv.FormatInt(m.ID, 10), strconv.FormatInt(m.RegistrationID, 10), names[m.PartnerID], m.AccountName,
				m.Website, m.Country, string(m.Decision), strconv.FormatFloat(m.Score, 'f', 3, 64), m.Reason, strings.Join(cands, "; "),
				dateTimeText(m.CreatedAt)}
		})
	}
	d := matchesData{Total: total, TotalText: count(total), CanDecide: actor.Can(deciders.roles...), Pager: lp.Pager(total, len(items))}
	for _, m := range items {
		d.Cards = append(d.Cards, newMatchCard(m, names[m.PartnerID], d.CanDecide, csrfOf(r)))
	}
	s.render(w, r, status, "account_matches", view{Title: "Account matches", Nav: "account-matches", Flash: flash, FlashOK: flashOK, Data: d})
	return nil
}

func newMatchCard(m sqlstore.AccountMatch, partner string, canDecide bool, csrf string) matchCard {
	c := matchCard{AccountMatch: m, Partner: partner, CanDecide: canDecide, CSRF: csrf}
	for _, cand := range m.Candidates {
		c.Candidates = append(c.Candidates, matchCandidate{AccountMatchCandidate: cand, Percent: scorePercent(cand.Score)})
	}
	return c
}

// matchResolve decides a match: account_id names the account, new=1 says the company is new. Conflict
// detection then runs again for the registration. An htmx request gets the card back with the outcome
// (or the refusal); a plain form post gets the page with the outcome as its flash.
func (s *Server) matchResolve(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	actor := actorFrom(ctx)
	card := matchCard{CSRF: csrfOf(r), CanDecide: true}
	id, err := pathID(r, "account match")
	if err == nil {
		err = s.resolveMatch(r, actor, id, &card)
	}
	if err != nil {
		_, card.Error = s.uiError(ctx, err)
		if m, gerr := s.store.GetAccountMatch(ctx, actor, id); gerr == nil {
			card = newMatchCard(*m, "", true, csrfOf(r))
			_, card.Error = s.uiError(ctx, err)
			card.Decided = m.Status != sqlstore.AccountMatchReview
		}
	}
	if card.ID != 0 {
		card.Partner = s.partnerName(ctx, actor, card.PartnerID)
	}
	if r.Header.Get("HX-Request") != "" {
		return s.renderFragment(w, r, "account_matches", "match-card", card)
	}
	if err != nil {
		status, _ := s.uiError(ctx, err)
		return s.renderMatches(w, r, status, card.Error, false)
	}
	return s.renderMatches(w, r, http.StatusOK, card.outcome(), true)
}

// outcome is a decided card's outcome in one sentence, for the flash of a plain form post.
func (c matchCard) outcome() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (registration #%d): ", c.AccountMatch.AccountName, c.RegistrationID)
	if c.AccountName != "" {
		b.WriteString("matched to " + c.AccountName + ".")
	} else {
		b.WriteString("a new account.")
	}
	if len(c.Opened) == 0 {
		b.WriteString(" No conflict opened.")
	}
	for _, o := range c.Opened {
		fmt.Fprintf(&b, " %s: conflict #%d (%s) opened.", tandem.OverlapUnderReview, o.ID, o.Cause)
	}
	if c.AutoApproved {
		b.WriteString(" The registration was auto-approved.")
	}
	return b.String()
}

// resolveMatch decides match id from the form and fills card with the outcome.
func (s *Server) resolveMatch(r *http.Request, actor tandem.Actor, id int64, card *matchCard) error {
	ctx := r.Context()
	var accountID int64
	isNew := r.PostFormValue("new") != ""
	if v := r.PostFormValue("account_id"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return tandem.FieldError("account_id", "%q is not an account id", v)
		}
		accountID = n
	}
	if (accountID == 0) == !isNew {
		return tandem.FieldError("account_id", "pick an account, or say the company is a new account")
	}
	m, err := s.store.ResolveAccountMatch(ctx, actor, id, accountID)
	if err != nil {
		return err
	}
	*card = newMatchCard(*m, "", true, card.CSRF)
	card.Decided = true
	if accountID != 0 {
		if a, err := s.store.GetAccount(ctx, actor, accountID); err == nil {
			card.AccountName = a.Name
		}
	}
	// The decision stands whatever detection does; a failure is logged, as on the API.
	rules, err := s.ConflictRules(ctx)
	if err == nil {
		var opened []tandem.Conflict
		if opened, err = conflicts.DetectRegistration(ctx, s.store, actor, rules, m.RegistrationID); err == nil {
			for _, c := range opened {
				card.Opened = append(card.Opened, openedConflict{ID: c.ID, Cause: human(string(c.Cause))})
			}
		}
	}
	if err != nil {
		s.log.ErrorContext(ctx, "conflict detection failed", slog.Int64("account_match", id), slog.Any("err", err))
	}
	card.AutoApproved = s.autoApproveAfterResolution(ctx, m.RegistrationID, len(card.Opened))
	return nil
}

// matchSearch offers the accounts whose name or website contains q, each with a "this account" button.
func (s *Server) matchSearch(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	actor := actorFrom(ctx)
	id, err := pathID(r, "account match")
	if err != nil {
		return err
	}
	d := matchSearchData{MatchID: id, Query: strings.TrimSpace(r.URL.Query().Get("q")), CanDecide: actor.Can(deciders.roles...), CSRF: csrfOf(r)}
	if len([]rune(d.Query)) >= 2 {
		d.Accounts, _, err = s.store.ListAccounts(ctx, actor, sqlstore.AccountFilter{Query: d.Query, Sort: "name", Limit: matchSearchLimit})
		if err != nil {
			return err
		}
	}
	return s.renderFragment(w, r, "account_matches", "match-search", d)
}

// matchReviewCount is how many account matches wait for review, for the navigation badge; 0 for
// partner users (and on error: a badge is not worth failing a page for).
func (s *Server) matchReviewCount(r *http.Request, actor tandem.Actor) int {
	if actor.IsPartner() {
		return 0
	}
	_, total, err := s.store.ListAccountMatches(r.Context(), actor, sqlstore.AccountMatchFilter{Status: sqlstore.AccountMatchReview, Limit: 1})
	if err != nil {
		return 0
	}
	return total
}
