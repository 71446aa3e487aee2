package main

import (
	"path/filepath"
	"testing"

	"github.com/tandem-revops/tandem/internal/comp"
)

func TestCompStoreCommands(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "tandem.db")
	plan := writeTemp(t, "plan.yaml", string(comp.DefaultSource()))
	steps := []commandRun{
		{"migrate", []string{"migrate", "-db", db}, 0, "created a new database"},
		{"publish", []string{"comp", "publish", "-db", db, plan}, 0, "published Tandem default compensation plan version 2026.1"},
		{"publish again", []string{"comp", "publish", plan, "-db", db}, 1, "already exists"},
		{"statements json", []string{"comp", "statements", "2026Q1", "-db", db}, 0, `"plan_version": "2026.1"`},
		{"statements csv", []string{"comp", "statements", "-db", db, "-format", "csv", "2026-Q1"}, 0, "period,payee_kind,payee_id"},
		{"statements bad format", []string{"comp", "statements", "2026-Q1", "-db", db, "-format", "xml"}, 2, "json or csv"},
		{"close", []string{"comp", "close", "2026-Q1", "-db", db}, 0, "closed 2026Q1 under plan 2026.1; result sha256 "},
		{"close again", []string{"comp", "close", "2026-Q1", "-db", db}, 1, "closed already"},
		{"close bad period", []string{"comp", "close", "2026-Q5", "-db", db}, 1, "not a quarter"},
	}
	runCommandSteps(t, steps)
}
