package main

import (
	"path/filepath"
	"testing"
)

func TestEnablementCommands(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "tandem.db")
	spend := writeTemp(t, "spend.csv", "month,motion,segment,kind,amount,currency\n2026-01,co_sell,enterprise,content,12500.00,USD\n2026-01,direct,smb,event,4000,USD\n")
	bad := writeTemp(t, "bad.csv", "month,motion,kind,amount,currency\n2026-13,co_sell,content,1,USD\n")
	lms := writeTemp(t, "lms.csv", "person,curriculum,earned\nada@vendor.test,nope,2026-01-01\n")
	steps := []commandRun{
		{"create the database", []string{"migrate", "-db", db}, 0, ""},
		{"import spend", []string{"enablement", "import-spend", "-db", db, spend}, 0, "import-spend: 2 new"},
		{"import spend again", []string{"enablement", "import-spend", spend, "-db", db}, 0, "import-spend: 0 new"},
		{"bad spend", []string{"enablement", "import-spend", "-db", db, bad}, 1, `bad.csv: line 2: column "month"`},
		{"lms with an unknown curriculum", []string{"enablement", "import-lms", "-db", db, lms}, 1, "nope"},
		{"sync spiffs with no closed quarter", []string{"enablement", "sync-spiffs", "-db", db}, 0, "sync-spiffs: 0 new"},
		{"expire", []string{"enablement", "expire-mdf", "-db", db, "-at", "2026-07-01"}, 0, "expire-mdf: 0 new"},
		{"unknown", []string{"enablement", "frobnicate", "-db", db}, 2, "unknown enablement command"},
		{"missing file", []string{"enablement", "import-spend", "-db", db}, 2, "takes one FILE"},
	}
	runCommandSteps(t, steps)
}
