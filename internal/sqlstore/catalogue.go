package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	tandem "github.com/tandem-revops/tandem"
)

// Territories are internal to the vendor: partner users see none. Products are the public catalogue.

// GetTerritory returns the territory with id; ENOTFOUND when there is none or actor is a partner user.
func (s *Store) GetTerritory(ctx context.Context, actor tandem.Actor, id int64) (*tandem.Territory, error) {
	if actor.IsPartner() {
		return nil, tandem.NotFound("territory", id)
	}
	return getOne(ctx, s.read, "territory", id, `SELECT id, name, countries FROM territories WHERE id = $1`, []any{id},
		scanTerritory)
}

func scanTerritory(scan func(...any) error) (tandem.Territory, error) {
	var t tandem.Territory
	err := scan(&t.ID, &t.Name, listCol{&t.Countries})
	return t, err
}

// ListTerritories returns territories by name; empty for partner users.
func (s *Store) ListTerritories(ctx context.Context, actor tandem.Actor, f TerritoryFilter) ([]tandem.Territory, int, error) {
	if actor.IsPartner() {
		return nil, 0, nil
	}
	var w where
	if err := w.search(f.Query, `lower(name) LIKE ? ESCAPE '\'`); err != nil {
		return nil, 0, err
	}
	return listRecords(ctx, s, "territories", "id, name, countries", "territories", w, " ORDER BY name, id", f.Limit, f.Offset,
		scanTerritory)
}

func validateTerritory(t *tandem.Territory) error {
	if strings.TrimSpace(t.Name) == "" {
		return tandem.FieldError("name", "is required")
	}
	for _, c := range t.Countries {
		if !tandem.ValidCountry(c) {
			return tandem.FieldError("countries", "%q is not an ISO 3166 two-letter country code", c)
		}
	}
	return nil
}

// CreateTerritory stores a new territory; ECONFLICT when the name is taken.
func (s *Store) CreateTerritory(ctx context.Context, actor tandem.Actor, t *tandem.Territory) error {
	if err := forbidPartner(actor, "create territories"); err != nil {
		return err
	}
	if err := validateTerritory(t); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx, now time.Time) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO territories (name, countries) VALUES ($1, $2) RETURNING id`,
			t.Name, jsonText(t.Countries)).Scan(&t.ID)
		if err != nil {
			return s.mapErr(fmt.Errorf("create territory %q: %w", t.Name, err), "territory "+t.Name)
		}
		return appendAuditTx(ctx, tx, now, actor, "territory.create", "territory", idString(t.ID), t)
	})
}

// UpdateTerritory writes t over the stored territory t.ID.
func (s *Store) UpdateTerritory(ctx context.Context, actor tandem.Actor, t *tandem.Territory) error {
	if actor.IsPartner() {
		return tandem.NotFound("territory", t.ID)
	}
	if err := validateTerritory(t); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx, now time.Time) error {
		res, err := tx.ExecContext(ctx, `UPDATE territories SET name = $1, countries = $2 WHERE id = $3`,
			t.Name, jsonText(t.Countries), t.ID)
		if err != nil {
			return s.mapErr(fmt.Errorf("update territory %d: %w", t.ID, err), "territory "+t.Name)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return tandem.NotFound("territory", t.ID)
		}
		return appendAuditTx(ctx, tx, now, actor, "territory.update", "territory", idString(t.ID), t)
	})
}

// GetProduct returns the product with id; ENOTFOUND when there is none.
func (s *Store) GetProduct(ctx context.Context, actor tandem.Actor, id int64) (*tandem.Product, error) {
	return getOne(ctx, s.read, "product", id, `SELECT `+productColumns+` FROM products WHERE id = $1`, []any{id}, scanProduct)
}

const productColumns = "id, external_id, name, type, cogs_basis_points"

func scanProduct(scan func(...any) error) (tandem.Product, error) {
	var p tandem.Product
	err := scan(&p.ID, &p.ExternalID, &p.Name, &p.Type, &p.COGSBasisPoints)
	return p, err
}

// ListProducts returns products by name.
func (s *Store) ListProducts(ctx context.Context, actor tandem.Actor, f ProductFilter) ([]tandem.Product, int, error) {
	var w where
	if err := w.search(f.Query, `lower(name) LIKE ? ESCAPE '\'`); err != nil {
		return nil, 0, err
	}
	addEq(&w, "type", string(f.Type))
	return listRecords(ctx, s, "products", productColumns, "products", w, " ORDER BY name, id", f.Limit, f.Offset,
		scanProduct)
}

// CreateProduct stores a new product; ECONFLICT when the external id is taken.
func (s *Store) CreateProduct(ctx context.Context, actor tandem.Actor, p *tandem.Product) error {
	if err := forbidPartner(actor, "create products"); err != nil {
		return err
	}
	return productRecord.create(ctx, s, actor, p, p.Validate, func(tx *sql.Tx, now time.Time) *sql.Row {
		return tx.QueryRowContext(ctx, `INSERT INTO products (external_id,
			name, type, cogs_basis_points) VALUES ($1, $2, $3, $4) RETURNING id`,
			p.ExternalID, p.Name, string(p.Type), p.COGSBasisPoints)
	})
}
