package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/tandem-revops/tandem/internal/comp"
)

const compInput = `{
 "period": {"id": "2026-Q3"},
 "aes": [{"user_id": 1, "name": "Ann"}],
 "partners": [{"id": 7, "name": "=Northwind", "tier": "gold", "type": "reseller"}],
 "deals": [
  {"opportunity_id": 1, "external_id": "O-1", "owner_id": 1, "motion": "direct", "attribution": "direct", "acv": 140000000, "currency": "USD", "closed_on": "2026-07-02T00:00:00Z"},
  {"opportunity_id": 2, "external_id": "O-2", "owner_id": 1, "partner_id": 7, "motion": "co_sell", "attribution": "partner_led", "acv": 20000000, "currency": "USD", "closed_on": "2026-07-03T00:00:00Z", "registered": true},
  {"opportunity_id": 3, "external_id": "O-3", "owner_id": 1, "motion": "direct", "attribution": "direct", "acv": 100000, "currency": "USD", "closed_on": "2026-10-03T00:00:00Z"}
 ]
}`

func TestCompCommand(t *testing.T) {
	t.Parallel()
	def := writeTemp(t, "plan.yaml", string(comp.DefaultSource()))
	gap := writeTemp(t, "gap.yaml", strings.Replace(string(comp.DefaultSource()), `{from: "100000", to: "250000"`, `{from: "150000", to: "250000"`, 1))
	warn := writeTemp(t, "warn.yaml", strings.Replace(string(comp.DefaultSource()), `amount: "2000"`, `amount: "2500"`, 1))
	broken := writeTemp(t, "broken.yaml", strings.Replace(string(comp.DefaultSource()), `base_rate: "8%"`, `base_rate: "8"`, 1))
	input := writeTemp(t, "input.json", compInput)
	tests := []commandCase{
		{"show", []string{"comp", "show"}, 0, []string{"name: Tandem default compensation plan", "registration_bonus:"}},
		{"check clean", []string{"comp", "check", def}, 0, []string{"ok " + def + ": Tandem default compensation plan version 2026.1, effective 2026-01-01, paid in USD"}},
		{"check errors", []string{"comp", "check", gap}, 1, []string{gap + ":65:14: error: spiff.bands[1].from: gap: no SPIFF for values from $100,000.00 up to $150,000.00"}},
		{"check warnings only", []string{"comp", "check", warn}, 0, []string{warn + ":67:32: warning: spiff.bands[3].amount: $2,500.00 is outside"}},
		{"check parse error", []string{"comp", "check", broken}, 1, []string{broken + ":43:14: ae.base_rate: \"8\" is not a percentage"}},
		{"check no file", []string{"comp", "check"}, 2, nil},
		{"render markdown", []string{"comp", "render"}, 0, []string{"# Tandem default compensation plan", "| Accelerator 1 | 100% | 150% | 12% |"}},
		{"render html file after flags", []string{"comp", "render", def, "-format", "html"}, 0, []string{"<!DOCTYPE html>", "<h1>Tandem default compensation plan</h1>"}},
		{"render bad format", []string{"comp", "render", "-format", "pdf"}, 2, nil},
		{"run csv", []string{"comp", "run", "-plan", def, "-input", input, "-period", "2026-Q3", "-format", "csv"}, 0, []string{
			"period,payee_kind,payee_id,payee_name,opportunity_id",
			"2026-Q3,ae,1,Ann,2,O-2,accelerator,partner_led,100000.00,1200,12000.00,100000.00,ae.accelerators[0],2026.1,,",
			"2026-Q3,partner,7,'=Northwind,2,O-2,partner_margin,partner_led,200000.00,2000,40000.00,",
			"2026-Q3,ae,1,Ann,,,total,,,,133000.00,1600000.00,,,,total of 4 lines"}},
		{"run deal outside the input's period", []string{"comp", "run", "-input", input}, 1, nil},
		{"run without input", []string{"comp", "run"}, 2, nil},
		{"unknown subcommand", []string{"comp", "pay"}, 2, nil},
	}
	runCommandCases(t, tests)
}

func TestCompRunJSON(t *testing.T) {
	t.Parallel()
	input := writeTemp(t, "input.json", compInput)
	code, out, stderr := runTandem(t, "", "comp", "run", "-input", input, "-period", "2026-q3")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var res comp.Result
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if res.Period != "2026-Q3" || len(res.AEs) != 1 || res.AEs[0].Total != 13_300_000 || len(res.Profit) != 2 {
		t.Errorf("result: period %s, %d AEs, total %v, %d profit rows", res.Period, len(res.AEs), res.AEs[0].Total, len(res.Profit))
	}
	// The same run twice prints the same bytes.
	if _, again, _ := runTandem(t, "", "comp", "run", "-input", input, "-period", "2026-Q3"); again != out {
		t.Error("two runs printed different output")
	}
}
