package importer

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/dealrow"
	"github.com/tandem-revops/tandem/internal/policy"
)

// accountRow is an account with the external id of its parent, linked once the whole file is in.
type accountRow struct {
	tandem.Account
	parent string
}

func accountsSpec(imp *Importer, l *layout) kindSpec[accountRow] {
	s := l.sources
	extID, name, domain, country, vertical := s["external_id"], s["name"], s["domain"], s["country"], s["vertical"]
	parent, owner, ownerEmail := s["parent"], s["owner"], s["owner_email"]
	buf := make([]tandem.Account, 0, imp.opts.BatchSize)
	return kindSpec[accountRow]{
		parse: func(p *rowParser, row *accountRow, refs *refList) string {
			row.ExternalID = p.text(extID)
			row.Name = p.text(name)
			row.Domain = tandem.NormalizeDomain(p.text(domain))
			row.Country = p.country(country)
			row.Vertical = p.text(vertical)
			row.parent = p.text(parent)
			if row.parent != "" && row.parent == row.ExternalID {
				p.fail(parent, row.parent, "an account cannot be its own parent")
			}
			refs.addUser(&row.OwnerID, p.text(owner), owner)
			refs.add(&row.OwnerID, "users", byEmail, strings.ToLower(p.text(ownerEmail)), ownerEmail)
			return row.ExternalID
		},
		validate: func(row *accountRow) error { return row.Validate() },
		fields:   map[string]string{"parent_id": "parent"},
		write: func(ctx context.Context, tx Tx, rows []accountRow) (tandem.UpsertCounts, error) {
			buf = buf[:0]
			for i := range rows {
				buf = append(buf, rows[i].Account)
			}
			return tx.UpsertAccounts(ctx, buf)
		},
		written: func(row *accountRow, m *rowMeta) {
			if row.parent == "" {
				return
			}
			if imp.parents == nil {
				imp.parents = map[string]parentLink{}
			}
			// The reader reuses its field slice for the next row: keep a copy for a possible reject line.
			imp.parents[row.ExternalID] = parentLink{line: m.line, parent: row.parent, fields: slices.Clone(m.fields)}
		},
	}
}

// linkParents sets the parents of the accounts imported with one, now that every row is in. A parent
// that is neither in the store nor in the file is an error on the child's line.
func (imp *Importer) linkParents(ctx context.Context, tx Tx) error {
	if len(imp.parents) == 0 {
		return nil
	}
	parents := make([]string, 0, len(imp.parents))
	for _, link := range imp.parents {
		parents = append(parents, link.parent)
	}
	parents = uniq(parents)
	found := map[string]int64{}
	for start := 0; start < len(parents); start += imp.opts.BatchSize {
		chunk := parents[start:min(start+imp.opts.BatchSize, len(parents))]
		ids, err := tx.ResolveIDs(ctx, "accounts", chunk)
		if err != nil {
			return fmt.Errorf("resolve parent accounts: %w", err)
		}
		for k, v := range ids {
			found[k] = v
		}
	}
	links := make(map[string]string, len(imp.parents))
	parentSrc := imp.reportLabel("parent")
	for _, child := range sortedKeys(imp.parents) {
		link := imp.parents[child]
		if _, ok := found[link.parent]; ok {
			links[child] = link.parent
			continue
		}
		err := RowError{Line: link.line, Column: parentSrc, Value: link.parent,
			Reason: "no account with this external id (the account was imported without its parent)"}
		if err := imp.reject(link.line, link.fields, []RowError{err}); err != nil {
			return err
		}
	}
	if imp.report.ErrorCount > 0 && !imp.opts.SkipInvalid {
		return nil
	}
	if err := tx.LinkAccountParents(ctx, links); err != nil {
		return fmt.Errorf("link parent accounts: %w", err)
	}
	return nil
}

func (imp *Importer) reportLabel(field string) string {
	if imp.layout != nil {
		return labelOf(imp.layout.sources[field], field)
	}
	return field
}

func partnersSpec(imp *Importer, l *layout) kindSpec[tandem.Partner] {
	s := l.sources
	extID, name, tier, typ, countries := s["external_id"], s["name"], s["tier"], s["type"], s["countries"]
	verticals, certs, manager, managerEmail, standing := s["verticals"], s["certifications"], s["manager"], s["manager_email"], s["standing"]
	v := imp.vocab
	return kindSpec[tandem.Partner]{
		parse: func(p *rowParser, row *tandem.Partner, refs *refList) string {
			row.ExternalID = p.text(extID)
			row.Name = p.text(name)
			row.Tier = enum(p, tier, v.tiers, tandem.Tiers, "")
			row.Type = enum(p, typ, v.partnerTypes, tandem.PartnerTypes, "")
			row.Countries = p.countries(countries)
			row.Verticals = splitList(p.text(verticals))
			row.Certifications = splitList(p.text(certs))
			row.Standing = enum(p, standing, v.standings, tandem.Standings, tandem.StandingGood)
			refs.addUser(&row.ManagerID, p.text(manager), manager)
			refs.add(&row.ManagerID, "users", byEmail, strings.ToLower(p.text(managerEmail)), managerEmail)
			return row.ExternalID
		},
		validate: func(row *tandem.Partner) error { return row.Validate() },
		write: func(ctx context.Context, tx Tx, rows []tandem.Partner) (tandem.UpsertCounts, error) {
			return tx.UpsertPartners(ctx, rows)
		},
	}
}

func usersSpec(imp *Importer, l *layout) kindSpec[tandem.User] {
	s := l.sources
	extID, email, name, role, partner := s["external_id"], s["email"], s["name"], s["role"], s["partner"]
	manager, managerEmail, disabled := s["manager"], s["manager_email"], s["disabled"]
	v := imp.vocab
	imp.emails = map[uint64]int{}
	return kindSpec[tandem.User]{
		parse: func(p *rowParser, row *tandem.User, refs *refList) string {
			row.ExternalID = p.text(extID)
			row.Email = strings.ToLower(p.text(email))
			if row.Email != "" {
				if first, dup := firstSeen(imp.emails, imp.seed, row.Email, p.line); dup {
					p.fail(email, row.Email, "duplicate email, first seen on line %d", first)
				}
			}
			row.Name = p.text(name)
			row.Role = enum(p, role, v.roles, tandem.Roles, "")
			row.Disabled = p.boolean(disabled)
			refs.add(&row.PartnerID, "partners", byExternalID, p.text(partner), partner)
			refs.addUser(&row.ManagerID, p.text(manager), manager)
			refs.add(&row.ManagerID, "users", byEmail, strings.ToLower(p.text(managerEmail)), managerEmail)
			return row.ExternalID
		},
		validate: func(row *tandem.User) error { return row.Validate() },
		fields:   map[string]string{"partner_id": "partner"},
		prepare: func(ctx context.Context, tx Tx, rows []tandem.User, metas []rowMeta) error {
			return imp.checkEmailOwners(ctx, tx, rows, metas, email)
		},
		write: func(ctx context.Context, tx Tx, rows []tandem.User) (tandem.UpsertCounts, error) {
			return tx.UpsertUsers(ctx, rows)
		},
	}
}

// checkEmailOwners makes sure no row takes the email of another user already in the store, which the
// upsert would otherwise fail on.
func (imp *Importer) checkEmailOwners(ctx context.Context, tx Tx, rows []tandem.User, metas []rowMeta, email *source) error {
	var emails []string
	for i := range metas {
		if metas[i].ok() {
			emails = append(emails, rows[i].Email)
		}
	}
	if len(emails) == 0 {
		return nil
	}
	byEmail, err := tx.ResolveUserEmails(ctx, emails)
	if err != nil {
		return fmt.Errorf("resolve user emails: %w", err)
	}
	if len(byEmail) == 0 {
		return nil
	}
	byID, err := tx.ResolveIDs(ctx, "users", okExternalIDs(metas))
	if err != nil {
		return fmt.Errorf("resolve users: %w", err)
	}
	for i := range metas {
		if !metas[i].ok() {
			continue
		}
		holder, taken := byEmail[rows[i].Email]
		if own, exists := byID[rows[i].ExternalID]; taken && (!exists || own != holder) {
			metas[i].errs = append(metas[i].errs, RowError{Line: metas[i].line, Column: labelOf(email, "email"),
				Value: rows[i].Email, Reason: "another user already has this email"})
		}
	}
	return nil
}

// opportunityRow is an opportunity with the references the routing policy sees.
type opportunityRow struct {
	tandem.Opportunity
	account string
	partner string
}

func opportunitiesSpec(imp *Importer, l *layout) kindSpec[opportunityRow] {
	s := l.sources
	extID, name, account, accountName := s["external_id"], s["name"], s["account"], s["account_name"]
	owner, ownerEmail, partner, product, productType := s["owner"], s["owner_email"], s["partner"], s["product"], s["product_type"]
	acv, currency, stage, forecast, country := s["acv"], s["currency"], s["stage"], s["forecast_category"], s["country"]
	vertical, discount, attribution, createdOn, closeDate := s["vertical"], s["discount"], s["attribution"], s["created_on"], s["close_date"]
	v := imp.vocab
	deals := dealrow.NewParser()
	buf := make([]tandem.Opportunity, 0, imp.opts.BatchSize)
	return kindSpec[opportunityRow]{
		parse: func(p *rowParser, row *opportunityRow, refs *refList) string {
			o := &row.Opportunity
			o.ExternalID = p.text(extID)
			o.Name = p.text(name)
			row.account = p.text(account)
			refs.add(&o.AccountID, "accounts", byExternalID, row.account, account)
			if row.account == "" {
				row.account = p.text(accountName)
				refs.add(&o.AccountID, "accounts", byName, row.account, accountName)
			}
			refs.addUser(&o.OwnerID, p.text(owner), owner)
			refs.add(&o.OwnerID, "users", byEmail, strings.ToLower(p.text(ownerEmail)), ownerEmail)
			row.partner = p.text(partner)
			refs.add(&o.PartnerID, "partners", byExternalID, row.partner, partner)
			o.Product = p.text(product)
			// The deal values go through the reader tandem route uses; the errors keep import's wording
			// and come in the order they always have.
			cells := dealrow.Cells{ACV: p.text(acv), Currency: p.text(currency), Country: p.text(country),
				Vertical: p.text(vertical), ProductType: p.text(productType), Stage: p.text(stage)}
			var d dealrow.Deal
			errs := deals.Parse(&cells, &d, nil)
			o.ProductType = cmp.Or(d.ProductType, tandem.ProductCore)
			report(p, errs, dealrow.ProductType, productType, oneOf(tandem.ProductTypes))
			o.ACV = d.ACV
			report(p, errs, dealrow.ACV, acv, "")
			o.Currency = d.Currency
			if o.Currency == "" {
				o.Currency = l.currency
			}
			for _, e := range errs {
				switch {
				case e.Field != dealrow.Currency:
				case e.Problem == dealrow.NotCurrency:
					p.fail(currency, p.raw(currency), "not an ISO 4217 currency code")
				case e.Problem == dealrow.CurrencyMismatch:
					p.fail(acv, p.raw(acv), "the amount is in %s but the currency column says %s", d.WrittenCurrency, o.Currency)
				}
			}
			o.Stage = d.Stage
			report(p, errs, dealrow.Stage, stage, oneOf(tandem.Stages))
			o.ForecastCategory = enum(p, forecast, v.forecasts, tandem.ForecastCategories, defaultForecast(o.Stage))
			o.Country = d.Country
			report(p, errs, dealrow.Country, country, "")
			// Stored as written, for people to read; routing reads its code (policy.DealOf).
			o.Vertical = cells.Vertical
			o.DiscountBasisPoints = p.percent(discount)
			o.Attribution = enum(p, attribution, v.attributions, tandem.Attributions, "")
			o.CreatedOn = p.date(createdOn)
			o.CloseDate = p.date(closeDate)
			return o.ExternalID
		},
		validate: func(row *opportunityRow) error { return row.Validate() },
		fields: map[string]string{"account_id": "account", "acv": "acv", "discount_basis_points": "discount",
			"forecast_category": "forecast_category", "close_date": "close_date"},
		prepare: func(ctx context.Context, tx Tx, rows []opportunityRow, metas []rowMeta) error {
			return imp.route(ctx, tx, rows, metas)
		},
		write: func(ctx context.Context, tx Tx, rows []opportunityRow) (tandem.UpsertCounts, error) {
			buf = buf[:0]
			for i := range rows {
				buf = append(buf, rows[i].Opportunity)
			}
			return tx.UpsertOpportunities(ctx, buf)
		},
	}
}

// report words the dealrow errors about field f as import does, on the source column src: an amount
// that is not a number, an unknown country, a value no table knows (expected lists them). An amount
// out of range is left to the opportunity's own validation.
func report(p *rowParser, errs []dealrow.Error, f dealrow.Field, src *source, expected string) {
	for _, e := range errs {
		if e.Field != f {
			continue
		}
		switch e.Problem {
		case dealrow.NotNumber:
			p.fail(src, p.raw(src), "not a number")
		case dealrow.UnknownCountry:
			p.fail(src, p.raw(src), "unknown country (write an ISO code such as US or DE, or map it under values)")
		case dealrow.UnknownValue:
			p.fail(src, p.raw(src), "unknown value (%s; or map it under values)", expected)
		}
	}
}

// route runs the batch's good opportunities through the rules of engagement: one lookup for the state of
// those already stored, partner tiers loaded once per import.
func (imp *Importer) route(ctx context.Context, tx Tx, rows []opportunityRow, metas []rowMeta) error {
	ids := okExternalIDs(metas)
	if len(ids) == 0 {
		return nil
	}
	states, err := tx.RoutingStates(ctx, ids)
	if err != nil {
		return fmt.Errorf("routing states: %w", err)
	}
	if imp.tiers == nil {
		if imp.tiers, err = tx.PartnerTiers(ctx); err != nil {
			return fmt.Errorf("partner tiers: %w", err)
		}
	}
	for i := range metas {
		if !metas[i].ok() {
			continue
		}
		st := states[rows[i].ExternalID]
		if err := imp.routeOne(&rows[i], st); err != nil {
			metas[i].errs = append(metas[i].errs, RowError{Line: metas[i].line, Reason: "routing: " + tandem.ErrorMessage(err)})
			continue
		}
		// Past the protected stage a stored deal keeps its routing: only an escalation decides a new motion.
		o := &rows[i].Opportunity
		if st.OpportunityID != 0 && imp.opts.Conflicts.HoldsReroute(st.Motion, st.Stage, o.Routing.Motion, o.Stage) {
			imp.report.Held = append(imp.report.Held, HeldReroute{Line: metas[i].line, ExternalID: o.ExternalID,
				OpportunityID: st.OpportunityID, Motion: st.Motion, Proposed: o.Routing})
			o.Routing = st.Routing
		}
	}
	return nil
}

// routeOne routes one opportunity and records the decision on it.
func (imp *Importer) routeOne(row *opportunityRow, state tandem.RoutingState) error {
	o := &row.Opportunity
	// The tier of the partner the row names, which may differ from the stored deal's partner.
	if tier := imp.tiers[o.PartnerID]; tier != "" {
		state.PartnerTier = tier
	}
	if o.PartnerID == 0 {
		state.PartnerTier = ""
	}
	deal := policy.DealOf(o, state)
	deal.Account, deal.PartnerID = row.account, row.partner
	d, err := imp.opts.Router.Route(deal)
	if err != nil {
		return err
	}
	o.Routing = d.Routing(imp.now)
	return nil
}

func registrationsSpec(imp *Importer, l *layout) kindSpec[tandem.Registration] {
	s := l.sources
	extID, partner, account, accountName, website := s["external_id"], s["partner"], s["account"], s["account_name"], s["website"]
	country, productType, estimated, currency, expectedClose := s["country"], s["product_type"], s["estimated_acv"], s["currency"], s["expected_close"]
	contactName, contactEmail, status, submittedAt, decidedAt := s["contact_name"], s["contact_email"], s["status"], s["submitted_at"], s["decided_at"]
	rejection, expiresAt, extensions, opportunity := s["rejection_reason"], s["expires_at"], s["extensions"], s["opportunity"]
	v := imp.vocab
	return kindSpec[tandem.Registration]{
		parse: func(p *rowParser, r *tandem.Registration, refs *refList) string {
			r.ExternalID = p.text(extID)
			refs.add(&r.PartnerID, "partners", byExternalID, p.text(partner), partner)
			refs.add(&r.AccountID, "accounts", byExternalID, p.text(account), account)
			refs.add(&r.OpportunityID, "opportunities", byExternalID, p.text(opportunity), opportunity)
			r.AccountName = p.text(accountName)
			r.Website = tandem.NormalizeDomain(p.text(website))
			r.Country = p.country(country)
			r.ProductType = enum(p, productType, v.productTypes, tandem.ProductTypes, tandem.ProductCore)
			var written string
			r.EstimatedACV, written = p.money(estimated)
			r.Currency = p.currency(currency)
			if r.Currency == "" {
				r.Currency = written
			}
			if r.Currency == "" {
				r.Currency = l.currency
			}
			r.ExpectedClose = p.date(expectedClose)
			r.ContactName = p.text(contactName)
			r.ContactEmail = strings.ToLower(p.text(contactEmail))
			r.Status = enum(p, status, v.regStatuses, tandem.RegistrationStatuses, tandem.RegistrationSubmitted)
			r.SubmittedAt = p.timestamp(submittedAt)
			r.DecidedAt = p.timestamp(decidedAt)
			r.RejectionReason = p.text(rejection)
			r.ExpiresAt = p.timestamp(expiresAt)
			r.Extensions = p.integer(extensions)
			return r.ExternalID
		},
		validate: func(r *tandem.Registration) error { return r.Validate() },
		fields:   map[string]string{"partner_id": "partner"},
		write: func(ctx context.Context, tx Tx, rows []tandem.Registration) (tandem.UpsertCounts, error) {
			return tx.UpsertRegistrations(ctx, rows)
		},
	}
}

func touchesSpec(imp *Importer, l *layout) kindSpec[tandem.Touch] {
	s := l.sources
	extID, partner, opportunity, kind, occurredAt, note := s["external_id"], s["partner"], s["opportunity"], s["kind"], s["occurred_at"], s["note"]
	v := imp.vocab
	return kindSpec[tandem.Touch]{
		parse: func(p *rowParser, t *tandem.Touch, refs *refList) string {
			t.ExternalID = p.text(extID)
			refs.add(&t.PartnerID, "partners", byExternalID, p.text(partner), partner)
			refs.add(&t.OpportunityID, "opportunities", byExternalID, p.text(opportunity), opportunity)
			t.Kind = enum(p, kind, v.touchKinds, tandem.TouchKinds, "")
			t.OccurredAt = p.timestamp(occurredAt)
			t.Note = p.text(note)
			return t.ExternalID
		},
		validate: func(t *tandem.Touch) error { return t.Validate() },
		fields:   map[string]string{"partner_id": "partner", "opportunity_id": "opportunity"},
		write: func(ctx context.Context, tx Tx, rows []tandem.Touch) (tandem.UpsertCounts, error) {
			return tx.UpsertTouches(ctx, rows)
		},
	}
}
