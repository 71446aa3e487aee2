package sqlstore

import (
	"context"
	"database/sql"
	"time"

	tandem "github.com/tandem-revops/tandem"
)

const partnerColumns = `p.id, p.external_id, p.name, p.tier, p.type, p.countries, p.verticals, p.certifications,
	p.manager_id, p.standing, p.created_at, p.updated_at`

func scanPartner(scan func(...any) error) (tandem.Partner, error) {
	var p tandem.Partner
	err := scan(&p.ID, &p.ExternalID, &p.Name, &p.Tier, &p.Type, listCol{&p.Countries}, listCol{&p.Verticals},
		listCol{&p.Certifications}, idCol{&p.ManagerID}, &p.Standing, timeCol{&p.CreatedAt}, timeCol{&p.UpdatedAt})
	return p, err
}

// GetPartner returns the partner with id; ENOTFOUND when there is none or actor may not see it.
func (s *Store) GetPartner(ctx context.Context, actor tandem.Actor, id int64) (*tandem.Partner, error) {
	return partnerRecord.get(ctx, s.read, actor, id)
}

// ListPartners returns a page of the partners actor may see and how many match f.
func (s *Store) ListPartners(ctx context.Context, actor tandem.Actor, f PartnerFilter) ([]tandem.Partner, int, error) {
	w := partnerRecord.scoped(actor)
	if err := w.search(f.Query, `lower(p.name) LIKE ? ESCAPE '\'`); err != nil {
		return nil, 0, err
	}
	addEq(&w, "p.tier", string(f.Tier))
	addEq(&w, "p.standing", string(f.Standing))
	return partnerRecord.list(ctx, s, w, f.Sort, "name", map[string]string{
		"name": "p.name", "tier": "p.tier", "type": "p.type", "standing": "p.standing",
		"created_at": "p.created_at", "updated_at": "p.updated_at", "id": "p.id",
	}, f.Limit, f.Offset)
}

// CreatePartner stores a new partner, filling its ID, timestamps and, when empty, its external id.
func (s *Store) CreatePartner(ctx context.Context, actor tandem.Actor, p *tandem.Partner) error {
	if err := forbidPartner(actor, "create partners"); err != nil {
		return err
	}
	return partnerRecord.create(ctx, s, actor, p, p.Validate, func(tx *sql.Tx, now time.Time) *sql.Row {
		return tx.QueryRowContext(ctx, `INSERT INTO partners (external_id,
			name, tier, type, countries, verticals, certifications, manager_id, standing, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id`,
			p.ExternalID, p.Name, string(p.Tier), string(p.Type), jsonText(p.Countries), jsonText(p.Verticals),
			jsonText(p.Certifications), dbID(p.ManagerID), string(p.Standing), now.UnixMicro())
	})
}

// UpdatePartner writes p's fields over the stored partner p.ID. ENOTFOUND when actor cannot see it,
// EFORBIDDEN for partner users.
func (s *Store) UpdatePartner(ctx context.Context, actor tandem.Actor, p *tandem.Partner) error {
	return partnerRecord.update(ctx, s, actor, p, func(old *tandem.Partner) error {
		if err := forbidPartner(actor, "change partner records"); err != nil {
			return err
		}
		return p.Validate()
	}, func(tx *sql.Tx, now time.Time) error {
		_, err := tx.ExecContext(ctx, `UPDATE partners SET external_id = $1, name = $2, tier = $3, type = $4,
			countries = $5, verticals = $6, certifications = $7, manager_id = $8, standing = $9, updated_at = $10
			WHERE id = $11`,
			p.ExternalID, p.Name, string(p.Tier), string(p.Type), jsonText(p.Countries), jsonText(p.Verticals),
			jsonText(p.Certifications), dbID(p.ManagerID), string(p.Standing), now.UnixMicro(), p.ID)
		return err
	})
}
