package crmvalue

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	tandem "github.com/tandem-revops/tandem"
)

func TestLookup(t *testing.T) {
	t.Parallel()
	statuses, stages := RegistrationStatuses(), Stages()
	wantStatus := map[string]tandem.RegistrationStatus{
		"pending": tandem.RegistrationSubmitted, "Pending": tandem.RegistrationSubmitted,
		"Pending Approval": tandem.RegistrationSubmitted, "PENDING_APPROVAL": tandem.RegistrationSubmitted,
		"Approved": tandem.RegistrationApproved, "Declined": tandem.RegistrationRejected,
		"closed_won": tandem.RegistrationWon, "Cancelled": tandem.RegistrationWithdrawn,
	}
	for in, want := range wantStatus {
		if got, ok := statuses.Lookup(in); !ok || got != want {
			t.Errorf("status %q = %q, %v; want %q", in, got, ok, want)
		}
	}
	wantStage := map[string]tandem.Stage{
		"Closed Won": tandem.StageClosedWon, "closed_won": tandem.StageClosedWon, "Closed - Lost": tandem.StageClosedLost,
		"Id. Decision Makers": tandem.StageQualified, "contractsent": tandem.StageNegotiation,
	}
	for in, want := range wantStage {
		if got, ok := stages.Lookup(in); !ok || got != want {
			t.Errorf("stage %q = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"Maybe later", "", "Assigned dynamically"} {
		if got, ok := statuses.Lookup(in); ok {
			t.Errorf("status %q read as %q", in, got)
		}
		if got, ok := stages.Lookup(in); ok {
			t.Errorf("stage %q read as %q", in, got)
		}
	}
}

// TestEveryValueHasItsCode: each stage and status of the domain is in the table under its own code.
func TestEveryValueHasItsCode(t *testing.T) {
	t.Parallel()
	for _, s := range tandem.Stages {
		if got, ok := Stages().Lookup(string(s)); !ok || got != s {
			t.Errorf("stage %q missing", s)
		}
	}
	for _, s := range tandem.RegistrationStatuses {
		if got, ok := RegistrationStatuses().Lookup(string(s)); !ok || got != s {
			t.Errorf("status %q missing", s)
		}
	}
}

// TestREADMEDocumentsTheTable keeps the README's "CRM spellings" section the table the code reads.
func TestREADMEDocumentsTheTable(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), Markdown()) {
		t.Errorf("README.md's \"CRM spellings\" section is not the table; paste this under it:\n%s", Markdown())
	}
}
