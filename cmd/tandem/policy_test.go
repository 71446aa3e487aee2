package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tandem-revops/tandem/internal/policy"
)

func TestPolicyCommand(t *testing.T) {
	t.Parallel()
	gap := writeTemp(t, "gap.yaml", `name: Gap
version: "1"
effective_from: 2026-01-01
rules:
  - {id: small, title: Small, when: acv < 250000, motion: partner_led, explain: x}
  - {id: large, title: Large, when: acv > 1000000, motion: direct, explain: y}
`)
	broken := writeTemp(t, "broken.yaml", "name: B\nversion: \"1\"\neffective_from: 2026-01-01\nrules:\n  - id: a\n    title: A\n    when: acv <\n    motion: direct\n    explain: x\n")
	def := writeTemp(t, "default.yaml", string(policy.DefaultSource()))
	shadowed, _ := filepath.Abs("../../internal/policy/testdata/shadowed.yaml")
	tests := []commandCase{
		{"show", []string{"policy", "show"}, 0, []string{"sticky-partner-led", "direct_presence: [US, CA, GB, DE, FR]"}},
		{"check clean", []string{"policy", "check", def}, 0, []string{"ok " + def, "every rule can match"}},
		{"check warnings only", []string{"policy", "check", gap}, 0, []string{gap + ": warning: no rule decides deals with ACV from $250,000.00 to $1,000,000.00"}},
		{"check errors", []string{"policy", "check", broken}, 1, []string{broken + ":7:"}},
		{"check rule warnings", []string{"policy", "check", shadowed}, 0, []string{
			shadowed + ":10:5: warning: rule healthcare-cosell: never matches"}},
		{"render markdown", []string{"policy", "render", "--format", "md"}, 0, []string{"# Tandem default rules of engagement", "| 5 | Deals under $250,000 are partner-led"}},
		{"render html file after flags", []string{"policy", "render", gap, "--format", "html"}, 0, []string{"<!DOCTYPE html>", "<h1>Gap</h1>"}},
		{"render bad format", []string{"policy", "render", "--format", "pdf"}, 2, nil},
		{"unknown subcommand", []string{"policy", "publish"}, 2, nil},
	}
	runCommandCases(t, tests)
}

// TestRenderToFile: comp render and policy render write -o through a temporary file and leave only the
// document behind.
func TestRenderToFile(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, file string
		args       []string
		ok         func(doc string) bool
	}{
		{"comp", "plan.html", []string{"comp", "render", "-format", "html"}, func(doc string) bool { return strings.Contains(doc, "Co-sell SPIFF") }},
		{"policy", "guide.html", []string{"policy", "render", "--format", "html"}, func(doc string) bool { return strings.HasSuffix(doc, "</html>\n") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), tt.file)
			if code, _, stderr := runTandem(t, "", append(tt.args, "-o", path)...); code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			b, err := os.ReadFile(path)
			if err != nil || !tt.ok(string(b)) {
				t.Errorf("rendered file: %v, %d bytes: %.200s", err, len(b), b)
			}
			entries, _ := os.ReadDir(filepath.Dir(path))
			if len(entries) != 1 {
				t.Errorf("render left %d files behind, want only the document", len(entries))
			}
		})
	}
}
