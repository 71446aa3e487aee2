package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	tandem "github.com/tandem-revops/tandem"
)

// Policy versions go draft → published → superseded, and nowhere else. Published and superseded
// versions are public (the partner guide is rendered from them); drafts are internal.

const policyColumns = `id, name, version, effective_from, status, source, created_at, created_by, published_at, published_by`

func scanPolicy(scan func(...any) error) (tandem.PolicyVersion, error) {
	var p tandem.PolicyVersion
	err := scan(&p.ID, &p.Name, &p.Version, timeCol{&p.EffectiveFrom}, &p.Status, &p.Source, timeCol{&p.CreatedAt},
		idCol{&p.CreatedBy}, timeCol{&p.PublishedAt}, idCol{&p.PublishedBy})
	return p, err
}

// CreatePolicyVersion stores a new draft. ECONFLICT when the name and version exist.
func (s *Store) CreatePolicyVersion(ctx context.Context, actor tandem.Actor, p *tandem.PolicyVersion) error {
	if err := forbidPartner(actor, "write policies"); err != nil {
		return err
	}
	switch {
	case strings.TrimSpace(p.Name) == "":
		return tandem.FieldError("name", "is required")
	case strings.TrimSpace(p.Version) == "":
		return tandem.FieldError("version", "is required")
	case strings.TrimSpace(p.Source) == "":
		return tandem.FieldError("source", "is required")
	}
	return s.inTx(ctx, func(tx *sql.Tx, now time.Time) error {
		p.Status, p.CreatedAt, p.CreatedBy = tandem.PolicyDraft, now, actor.UserID
		p.PublishedAt, p.PublishedBy = time.Time{}, 0
		err := tx.QueryRowContext(ctx, `INSERT INTO policy_versions (name, version, effective_from, status, source,
			created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			p.Name, p.Version, dbTime(p.EffectiveFrom), string(p.Status), p.Source, now.UnixMicro(), dbID(actor.UserID)).Scan(&p.ID)
		if err != nil {
			return s.mapErr(fmt.Errorf("create policy version: %w", err), "policy "+p.Name+" version "+p.Version)
		}
		return appendAuditTx(ctx, tx, now, actor, "policy.create", "policy_version", idString(p.ID),
			map[string]any{"name": p.Name, "version": p.Version})
	})
}

// GetPolicyVersion returns a policy version; partner users see only published and superseded ones.
func (s *Store) GetPolicyVersion(ctx context.Context, actor tandem.Actor, id int64) (*tandem.PolicyVersion, error) {
	return getPolicy(ctx, s.read, actor, id)
}

func getPolicy(ctx context.Context, q querier, actor tandem.Actor, id int64) (*tandem.PolicyVersion, error) {
	var w where
	w.add("id = ?", id)
	if actor.IsPartner() {
		w.add("status <> 'draft'")
	}
	p, err := scanPolicy(q.QueryRowContext(ctx, `SELECT `+policyColumns+` FROM policy_versions`+w.sql(), w.args...).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, tandem.NotFound("policy version", id)
	}
	if err != nil {
		return nil, fmt.Errorf("get policy version %d: %w", id, err)
	}
	return &p, nil
}

// ListPolicyVersions returns every version actor may see, newest first.
func (s *Store) ListPolicyVersions(ctx context.Context, actor tandem.Actor) ([]tandem.PolicyVersion, error) {
	q := `SELECT ` + policyColumns + ` FROM policy_versions`
	if actor.IsPartner() {
		q += ` WHERE status <> 'draft'`
	}
	return queryAll(ctx, s.read, "list policy versions", q+` ORDER BY id DESC`, nil, scanPolicy)
}

// PublishPolicyVersion publishes a draft and supersedes the version published before it. Publishing
// anything but a draft is ECONFLICT and changes nothing.
func (s *Store) PublishPolicyVersion(ctx context.Context, actor tandem.Actor, id int64) error {
	if actor.IsPartner() {
		return tandem.NotFound("policy version", id)
	}
	return s.inTx(ctx, func(tx *sql.Tx, now time.Time) error {
		p, err := getPolicy(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		if p.Status != tandem.PolicyDraft {
			return tandem.Errorf(tandem.ECONFLICT, "policy version %s is %s; only a draft can be published", p.Version, p.Status)
		}
		superseded, err := publishVersionTx(ctx, tx, now, actor, "policy_versions", "policy", id, p.Version)
		if err != nil {
			return err
		}
		return appendAuditTx(ctx, tx, now, actor, "policy.publish", "policy_version", idString(id),
			map[string]any{"name": p.Name, "version": p.Version, "superseded": superseded})
	})
}

// ActivePolicyVersion returns the published version; ENOTFOUND when none has been published.
func (s *Store) ActivePolicyVersion(ctx context.Context) (*tandem.PolicyVersion, error) {
	p, err := scanPolicy(s.read.QueryRowContext(ctx, `SELECT `+policyColumns+` FROM policy_versions
		WHERE status = 'published' ORDER BY published_at DESC, id DESC LIMIT 1`).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, tandem.Errorf(tandem.ENOTFOUND, "no policy has been published")
	}
	if err != nil {
		return nil, fmt.Errorf("active policy version: %w", err)
	}
	return &p, nil
}

// publishVersionTx publishes draft id of a versions table (policy_versions or comp_plan_versions, a
// constant of the caller's) and supersedes the version published before it, returning the superseded
// ids for the audit log. ECONFLICT when the draft changed meanwhile.
func publishVersionTx(ctx context.Context, tx *sql.Tx, now time.Time, actor tandem.Actor, table, what string,
	id int64, version string) ([]int64, error) {
	superseded, err := queryAll(ctx, tx, "publish "+what, `SELECT id FROM `+table+` WHERE status = 'published'`, nil, scanOne[int64])
	if err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE `+table+` SET status = 'superseded' WHERE status = 'published'`); err != nil {
		return nil, fmt.Errorf("publish %s: supersede: %w", what, err)
	}
	ok, err := changedOne(ctx, tx, `UPDATE `+table+` SET status = 'published', published_at = $1, published_by = $2
		WHERE id = $3 AND status = 'draft'`, now.UnixMicro(), dbID(actor.UserID), id)
	if err != nil {
		return nil, fmt.Errorf("publish %s: %w", what, err)
	}
	if !ok {
		return nil, tandem.Errorf(tandem.ECONFLICT, "%s version %s changed while being published", what, version)
	}
	return superseded, nil
}
