package importer

import (
	"testing"

	"github.com/tandem-revops/tandem/internal/crmvalue"
)

// TestImportReadsTheCRMSpellingsTable (issue 10 #4): import reads every stage and registration-status
// spelling of the table tandem route reads, as the same value ("Pending Approval" is submitted).
func TestImportReadsTheCRMSpellingsTable(t *testing.T) {
	t.Parallel()
	v := newVocabulary()
	for _, s := range crmvalue.StageSpellings() {
		for _, n := range append([]string{string(s.Value)}, s.Names...) {
			if got, ok := lookup(v, v.stages, n); !ok || got != s.Value {
				t.Errorf("stage %q = %q, %v; want %q", n, got, ok, s.Value)
			}
		}
	}
	for _, s := range crmvalue.RegistrationStatusSpellings() {
		for _, n := range append([]string{string(s.Value)}, s.Names...) {
			if got, ok := lookup(v, v.regStatuses, n); !ok || got != s.Value {
				t.Errorf("registration status %q = %q, %v; want %q", n, got, ok, s.Value)
			}
		}
	}
	if got, ok := lookup(v, v.regStatuses, "Pending Approval"); !ok || got != "submitted" {
		t.Errorf("Pending Approval = %q, %v", got, ok)
	}
}
