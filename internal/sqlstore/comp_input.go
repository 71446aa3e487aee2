package sqlstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	tandem "github.com/tandem-revops/tandem"
)

// Building a period's calculation input from the records. A quarter may hold a million deals, so the
// input is read with a handful of set-based queries (deals with their registration flag, splits,
// attribution facts for deals not yet attributed, AEs with quotas, partners, the product catalogue), never
// a query per deal.

// dealWhere returns the condition over "opportunities o" selecting the period's closed-won deals, or
// only one payee's (an AE's attainment and a partner's margins depend only on their own deals).
func dealWhere(p tandem.CompQuarter, payee *tandem.CompPayee) where {
	var w where
	w.add("o.stage = 'closed_won'")
	w.add("o.close_date >= ?", p.Start.UnixMicro())
	w.add("o.close_date < ?", p.End.UnixMicro())
	if payee != nil {
		if payee.Kind == tandem.PayeeAE {
			w.add("o.owner_id = ?", payee.ID)
		} else {
			w.add("o.partner_id = ?", payee.ID)
		}
	}
	return w
}

// CompPeriodInput reads the calculation input of period p (of one payee's deals when payee is set;
// see buildInput) and the attribution facts of its deals whose attribution is not stored yet, which
// the caller derives with the plan in force (the store knows no plan). A whole period on SQLite is
// read on a connection of its own that gives its page cache back afterwards: reading a quarter of a
// million deals pulls most of the database into the connection's cache (up to 256 MiB), which would
// otherwise stay resident while the calculation needs the memory.
func (s *Store) CompPeriodInput(ctx context.Context, p tandem.CompQuarter, payee *tandem.CompPayee) (*tandem.CompInput, []tandem.AttributionFacts, error) {
	if payee != nil || !s.dialect.oneWriter() {
		return s.buildInput(ctx, s.read, p, payee)
	}
	conn, err := s.read.Conn(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("comp input %s: %w", p.ID, err)
	}
	defer conn.Close()
	in, facts, err := s.buildInput(ctx, conn, p, nil)
	if err != nil {
		return nil, nil, err
	}
	if _, err := conn.ExecContext(ctx, `PRAGMA shrink_memory`); err != nil {
		return nil, nil, fmt.Errorf("comp input %s: release the page cache: %w", p.ID, err)
	}
	return in, facts, nil
}

// buildInput reads the input of period p (of one payee when payee is set), and the attribution facts
// of the deals whose attribution is not stored yet.
func (s *Store) buildInput(ctx context.Context, q querier, p tandem.CompQuarter, payee *tandem.CompPayee) (*tandem.CompInput, []tandem.AttributionFacts, error) {
	in := &tandem.CompInput{Period: p, AEs: []tandem.CompAE{}, Partners: []tandem.CompPartner{}, Deals: []tandem.CompDeal{}}
	cogs, err := productCOGS(ctx, q)
	if err != nil {
		return nil, nil, err
	}

	w := dealWhere(p, payee)
	// Counted first so the deals are read into one exactly sized slice: a quarter of a million deals
	// grown by appending would copy itself a dozen times.
	var count int
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM opportunities o`+w.sql(), w.args...).Scan(&count); err != nil {
		return nil, nil, fmt.Errorf("comp input %s: deals: %w", p.ID, err)
	}
	in.Deals = make([]tandem.CompDeal, 0, count)
	// Registered: a registration linked to the deal, or (as attribution.go does) one linked to no deal
	// on the same account and product type; one linked to another deal does not count for this one.
	rows, err := q.QueryContext(ctx, `SELECT o.id, o.external_id, o.name, o.owner_id, o.partner_id, a.territory_id,
		o.routing_motion, o.attribution, o.acv, o.currency, o.discount_basis_points, o.product, o.product_type,
		o.close_date, o.cannibalisation_flag,
		(o.partner_id IS NOT NULL AND (
			EXISTS (SELECT 1 FROM registrations r WHERE r.opportunity_id = o.id AND r.partner_id = o.partner_id
				AND (r.status = 'approved' OR r.status = 'won'))
			OR EXISTS (SELECT 1 FROM registrations r WHERE r.account_id = o.account_id AND r.partner_id = o.partner_id
				AND r.product_type = o.product_type AND r.opportunity_id IS NULL
				AND (r.status = 'approved' OR r.status = 'won'))))
		FROM opportunities o JOIN accounts a ON a.id = o.account_id`+w.sql()+` ORDER BY o.id`, w.args...)
	if err != nil {
		return nil, nil, fmt.Errorf("comp input %s: deals: %w", p.ID, err)
	}
	// One set of scan targets serves every row (plain int64 and string targets take database/sql's
	// fast path); the few distinct motions, attributions, currencies and products are interned, so
	// the deals share them instead of each keeping its own copy.
	var (
		d                                          tandem.CompDeal
		motion, attribution, currency, product, pt string
		acv, discount                              int64
	)
	dest := []any{&d.OpportunityID, &d.ExternalID, &d.Name, idCol{&d.OwnerID}, idCol{&d.PartnerID},
		idCol{&d.TerritoryID}, &motion, &attribution, &acv, &currency, &discount, &product, &pt,
		timeCol{&d.ClosedOn}, boolCol{&d.Cannibalisation}, boolCol{&d.Registered}}
	interned := map[string]string{}
	intern := func(s string) string {
		if v, ok := interned[s]; ok {
			return v
		}
		interned[s] = s
		return s
	}
	type productKey struct{ name, pt string }
	productCost := map[productKey]int{}
	unattributed := 0
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			rows.Close()
			return nil, nil, fmt.Errorf("comp input %s: deals: %w", p.ID, err)
		}
		d.Motion, d.Attribution = tandem.Motion(intern(motion)), tandem.Attribution(intern(attribution))
		d.Currency, d.ACV, d.DiscountBasisPoints = intern(currency), tandem.Money(acv), int(discount)
		if d.Motion == "" {
			d.Motion = tandem.MotionDirect // not routed yet: sold by the vendor
		}
		key := productKey{product, pt}
		cost, ok := productCost[key]
		if !ok {
			cost = cogs.of(product, tandem.ProductType(pt))
			productCost[productKey{intern(product), intern(pt)}] = cost
		}
		d.COGSBasisPoints = cost
		if d.Attribution == "" {
			unattributed++
		}
		in.Deals = append(in.Deals, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("comp input %s: deals: %w", p.ID, err)
	}
	// The deals are ordered by opportunity id: the later queries find theirs by binary search.
	dealAt := func(oppID int64) (int, bool) {
		return slices.BinarySearchFunc(in.Deals, oppID, func(d tandem.CompDeal, id int64) int { return cmp.Compare(d.OpportunityID, id) })
	}

	var facts []tandem.AttributionFacts
	if unattributed > 0 {
		aw := dealWhere(p, payee)
		aw.add("o.attribution = ''")
		if facts, err = s.attributionFacts(ctx, q, aw); err != nil {
			return nil, nil, err
		}
	}

	// Splits decided by a resolved conflict on the deal; the latest decision wins.
	sw := dealWhere(p, payee)
	err = eachRow(ctx, q, `SELECT c.opportunity_id, c.id, c.partner_share_basis_points, c.rationale
		FROM conflicts c JOIN opportunities o ON o.id = c.opportunity_id`+sw.sql()+`
		AND c.status = 'resolved' AND c.resolution = 'split' ORDER BY c.resolved_at, c.id`, sw.args,
		func(scan func(...any) error) error {
			var oppID int64
			var sp tandem.CompSplit
			if err := scan(&oppID, &sp.ConflictID, &sp.PartnerShareBasisPoints, &sp.Rationale); err != nil {
				return err
			}
			if i, ok := dealAt(oppID); ok && sp.PartnerShareBasisPoints > 0 && sp.PartnerShareBasisPoints < 10000 {
				in.Deals[i].Split = &sp
			}
			return nil
		})
	if err != nil {
		return nil, nil, fmt.Errorf("comp input %s: splits: %w", p.ID, err)
	}

	// AEs: every AE (or the one payee) and whoever else owns one of the deals, with the period's quota.
	uw := dealWhere(p, payee)
	cond := `u.role = 'ae' OR u.id IN (SELECT o.owner_id FROM opportunities o` + uw.sql() + `)`
	switch {
	case payee != nil && payee.Kind == tandem.PayeeAE:
		cond, uw.args = "u.id = $1", []any{payee.ID}
	case payee != nil:
		cond = `u.id IN (SELECT o.owner_id FROM opportunities o` + uw.sql() + `)`
	}
	n := len(uw.args) + 1
	err = eachRow(ctx, q, `SELECT u.id, u.name, u.email, u.manager_id, u.territory_id, COALESCE(cq.amount, 0)
		FROM users u LEFT JOIN comp_quotas cq ON cq.user_id = u.id AND cq.period = $`+fmt.Sprint(n)+`
		WHERE `+cond+` ORDER BY u.id`, append(uw.args, p.ID), func(scan func(...any) error) error {
		var a tandem.CompAE
		if err := scan(&a.UserID, &a.Name, &a.Email, idCol{&a.ManagerID}, idCol{&a.TerritoryID}, &a.Quota); err != nil {
			return err
		}
		in.AEs = append(in.AEs, a)
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("comp input %s: AEs: %w", p.ID, err)
	}

	pw := dealWhere(p, payee)
	err = eachRow(ctx, q, `SELECT p.id, p.name, p.tier, p.type FROM partners p
		WHERE p.id IN (SELECT o.partner_id FROM opportunities o`+pw.sql()+`) ORDER BY p.id`, pw.args,
		func(scan func(...any) error) error {
			var pa tandem.CompPartner
			if err := scan(&pa.ID, &pa.Name, &pa.Tier, &pa.Type); err != nil {
				return err
			}
			in.Partners = append(in.Partners, pa)
			return nil
		})
	if err != nil {
		return nil, nil, fmt.Errorf("comp input %s: partners: %w", p.ID, err)
	}
	return in, facts, nil
}

// cogsTable is the catalogue's cost of goods: by product name (case-insensitive), and by product type
// for deals whose product is not in the catalogue (the first product of the type, by id).
type cogsTable struct {
	byName map[string]int
	byType map[tandem.ProductType]int
}

func (c cogsTable) of(product string, pt tandem.ProductType) int {
	if v, ok := c.byName[strings.ToLower(strings.TrimSpace(product))]; ok {
		return v
	}
	return c.byType[pt]
}

func productCOGS(ctx context.Context, q querier) (cogsTable, error) {
	c := cogsTable{byName: map[string]int{}, byType: map[tandem.ProductType]int{}}
	rows, err := q.QueryContext(ctx, `SELECT name, type, cogs_basis_points FROM products ORDER BY id`)
	if err != nil {
		return c, fmt.Errorf("product costs: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var pt tandem.ProductType
		var bp int
		if err := rows.Scan(&name, &pt, &bp); err != nil {
			return c, fmt.Errorf("product costs: %w", err)
		}
		key := strings.ToLower(strings.TrimSpace(name))
		if _, ok := c.byName[key]; !ok {
			c.byName[key] = bp
		}
		if _, ok := c.byType[pt]; !ok {
			c.byType[pt] = bp
		}
	}
	return c, rows.Err()
}
