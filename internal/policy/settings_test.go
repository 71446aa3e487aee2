package policy

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	tandem "github.com/tandem-revops/tandem"
)

const settingsHead = "name: P\nversion: \"1\"\neffective_from: 2026-01-01\nfx: {EUR: \"1.10\"}\n"
const settingsRules = "rules:\n  - {id: all, title: All, motion: direct, explain: x}\n"

// TestProgrammeSettings checks the registration.auto_approve, registration.alerts and conflicts blocks:
// defaults when absent, values laid over the defaults when written.
func TestProgrammeSettings(t *testing.T) {
	t.Parallel()
	defaults := tandem.DefaultConflictSettings()
	tests := []struct {
		name      string
		src       string
		auto      AutoApprove
		limit     tandem.Money
		warn      int
		conflicts tandem.ConflictSettings
	}{
		{"defaults", "", AutoApprove{Enabled: true, RequireGoodStanding: true}, 0, 75, defaults},
		{"auto-approval off", "registration:\n  auto_approve: {enabled: false}\n",
			AutoApprove{Enabled: false, RequireGoodStanding: true}, 0, 75, defaults},
		{"limit in the policy currency", "registration:\n  auto_approve: {max_acv: \"250,000.00\", require_good_standing: false}\n  alerts: {warn_at_percent: 50}\n",
			AutoApprove{Enabled: true, MaxACV: "250,000.00"}, tandem.Major(250_000), 50, defaults},
		{"limit as a number", "registration:\n  auto_approve: {max_acv: 100000}\n",
			AutoApprove{Enabled: true, MaxACV: "100000", RequireGoodStanding: true}, tandem.Major(100_000), 75, defaults},
		{"limit in another currency", "registration:\n  auto_approve: {max_acv: \"EUR 100000\"}\n",
			AutoApprove{Enabled: true, MaxACV: "EUR 100000", RequireGoodStanding: true}, tandem.Major(110_000), 75, defaults},
		{"conflicts", "conflicts:\n  level_sla_business_days: [5, 4, 3, 2]\n  protected_stage: Negotiation\n  discount_guardrails: {partner_led: 12.5%, direct: 25}\n",
			AutoApprove{Enabled: true, RequireGoodStanding: true}, 0, 75,
			tandem.ConflictSettings{LevelSLADays: [4]int{5, 4, 3, 2}, ProtectedStage: tandem.StageNegotiation,
				DiscountGuardrailBasisPoints: map[tandem.Motion]int{tandem.MotionPartnerLed: 1250, tandem.MotionCoSell: 2000, tandem.MotionDirect: 2500}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := mustParse(t, settingsHead+tt.src+settingsRules)
			set := p.Settings()
			if diff := cmp.Diff(tt.auto, set.AutoApprove); diff != "" {
				t.Errorf("auto_approve (-want +got):\n%s", diff)
			}
			if got := p.AutoApproveLimit(); got != tt.limit {
				t.Errorf("AutoApproveLimit = %v, want %v", got, tt.limit)
			}
			if set.Alerts.WarnAtPercent != tt.warn {
				t.Errorf("warn_at_percent = %d, want %d", set.Alerts.WarnAtPercent, tt.warn)
			}
			if diff := cmp.Diff(tt.conflicts, p.ConflictSettings()); diff != "" {
				t.Errorf("conflicts (-want +got):\n%s", diff)
			}
			if err := p.ConflictSettings().Validate(); err != nil {
				t.Errorf("conflict settings do not validate: %v", err)
			}
		})
	}
	t.Run("the default file states the defaults", func(t *testing.T) {
		t.Parallel()
		p := Default()
		if diff := cmp.Diff(defaults, p.ConflictSettings()); diff != "" {
			t.Errorf("default.yaml conflicts (-want +got):\n%s", diff)
		}
		if a := p.Settings().AutoApprove; !a.Enabled || !a.RequireGoodStanding || p.AutoApproveLimit() != 0 {
			t.Errorf("default.yaml auto_approve = %+v limit %v", a, p.AutoApproveLimit())
		}
	})
	t.Run("the settings are copies", func(t *testing.T) {
		t.Parallel()
		p := Default()
		p.ConflictSettings().DiscountGuardrailBasisPoints[tandem.MotionDirect] = 1
		if got := p.ConflictSettings().Guardrail(tandem.MotionDirect); got != 3000 {
			t.Errorf("changing a returned map changed the policy: direct guardrail %d", got)
		}
	})
}

// TestProgrammeSettingsErrors checks that every bad setting is reported at its line and column.
func TestProgrammeSettingsErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		src          string
		line, column int
		contains     string
	}{
		{"unknown auto_approve field", "registration:\n  auto_approve: {enabeld: true}\n", 6, 18, `unknown field "enabeld" in registration.auto_approve`},
		{"enabled not a bool", "registration:\n  auto_approve: {enabled: maybe}\n", 6, 27, "cannot unmarshal"},
		{"bad max_acv", "registration:\n  auto_approve: {max_acv: lots}\n", 6, 27, `registration.auto_approve.max_acv "lots" is not an amount`},
		{"negative max_acv", "registration:\n  auto_approve:\n    max_acv: \"-5\"\n", 7, 14, "must be positive"},
		{"max_acv without a rate", "registration:\n  auto_approve: {max_acv: \"GBP 5\"}\n", 6, 27, "no fx rate for GBP"},
		{"warn_at_percent out of range", "registration:\n  alerts:\n    warn_at_percent: 100\n", 7, 22, "between 1 and 99, not 100"},
		{"unknown alerts field", "registration:\n  alerts: {warn_at: 50}\n", 6, 12, `unknown field "warn_at" in registration.alerts`},
		{"unknown conflicts field", "conflicts:\n  sla: [1]\n", 6, 3, `unknown field "sla" in conflicts`},
		{"three levels", "conflicts:\n  level_sla_business_days: [3, 2, 1]\n", 6, 28, "needs 4 entries"},
		{"a zero-day level", "conflicts:\n  level_sla_business_days: [3, 0, 1, 2]\n", 6, 32, "level 2 needs at least 1 business day"},
		{"days not numbers", "conflicts:\n  level_sla_business_days: [3, two, 1, 2]\n", 6, 32, "cannot unmarshal"},
		{"closed protected stage", "conflicts:\n  protected_stage: closed_won\n", 6, 20, `"closed_won" is not an open stage`},
		{"unknown motion", "conflicts:\n  discount_guardrails: {partner: 10%}\n", 6, 25, `"partner" is not a motion`},
		{"guardrail over 100 %", "conflicts:\n  discount_guardrails:\n    direct: 120%\n", 7, 13, "from 0% to 100%"},
		{"guardrail not a number", "conflicts:\n  discount_guardrails: {co_sell: a lot}\n", 6, 34, `"a lot" is not a percentage`},
		{"guardrail too precise", "conflicts:\n  discount_guardrails: {co_sell: 12.345}\n", 6, 34, "at most two decimals"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			wantSettingsProblem(t, tt.src, tt.line, tt.column, tt.contains)
		})
	}
}

func TestBasisPoints(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]int{"15%": 1500, "15": 1500, " 12.5 % ": 1250, "0": 0, "100%": 10000, "0.01": 1, "33.33%": 3333} {
		if got, err := basisPoints(in); err != nil || got != want {
			t.Errorf("basisPoints(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "%", "-1", "100.01", "1/3", "1e2", "12.345", "x"} {
		if got, err := basisPoints(in); err == nil {
			t.Errorf("basisPoints(%q) = %d, want an error", in, got)
		}
	}
}

// TestRiskBands checks predictions.conflict_risk: the defaults when absent, one or both grades laid
// over them, the grading of a probability at and around each bound, and the problems a linter reports
// at the value's position.
func TestRiskBands(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		src  string
		want RiskBands
	}{
		{"defaults", "", RiskBands{MediumAtBP: 2000, HighAtBP: 5000}},
		{"both", "predictions:\n  conflict_risk: {medium_at: 10%, high_at: \"35.5%\"}\n", RiskBands{MediumAtBP: 1000, HighAtBP: 3550}},
		{"high only", "predictions:\n  conflict_risk: {high_at: 40}\n", RiskBands{MediumAtBP: 2000, HighAtBP: 4000}},
		{"empty block", "predictions: {}\n", RiskBands{MediumAtBP: 2000, HighAtBP: 5000}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := mustParse(t, settingsHead+tt.src+settingsRules).RiskBands(); got != tt.want {
				t.Errorf("RiskBands = %+v, want %+v", got, tt.want)
			}
		})
	}
	b := DefaultRiskBands()
	for p, want := range map[float64]string{0: "low", 0.1999: "low", 0.2: "medium", 0.4999: "medium", 0.5: "high", 1: "high"} {
		if got := b.Grade(p); got != want {
			t.Errorf("Grade(%v) = %s, want %s", p, got, want)
		}
	}
	if got := Default().RiskBands(); got != DefaultRiskBands() {
		t.Errorf("the built-in policy grades %+v, want the defaults %+v", got, DefaultRiskBands())
	}
	for _, tt := range []struct {
		name         string
		src          string
		line, column int
		contains     string
	}{
		{"medium above high", "predictions:\n  conflict_risk: {medium_at: 60%, high_at: 50%}\n", 6, 30, "medium_at (60%) must be below high_at (50%)"},
		{"medium above the default high", "predictions:\n  conflict_risk:\n    medium_at: 70%\n", 7, 16, "medium_at (70%) must be below high_at (50%)"},
		{"zero", "predictions:\n  conflict_risk: {medium_at: 0%}\n", 6, 30, "must be above 0% and at most 100%"},
		{"over 100 %", "predictions:\n  conflict_risk: {high_at: 120%}\n", 6, 28, "not a percentage from 0% to 100%"},
		{"not a percentage", "predictions:\n  conflict_risk: {high_at: very}\n", 6, 28, `"very" is not a percentage`},
		{"unknown field", "predictions:\n  conflict_risk: {low_at: 5%}\n", 6, 19, `unknown field "low_at"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			wantSettingsProblem(t, tt.src, tt.line, tt.column, tt.contains)
		})
	}
}

// wantSettingsProblem parses the settings src between the common head and rules and wants a problem
// whose message contains contains, at line:column.
func wantSettingsProblem(t *testing.T, src string, line, column int, contains string) {
	t.Helper()
	_, err := Parse("p.yaml", []byte(settingsHead+src+settingsRules))
	var pe *Error
	if !errors.As(err, &pe) {
		t.Fatalf("Parse error = %v, want *policy.Error", err)
	}
	i := slices.IndexFunc(pe.Problems, func(p Problem) bool { return strings.Contains(p.Message, contains) })
	if i < 0 {
		t.Fatalf("no problem contains %q; got:\n%v", contains, err)
	}
	if got := pe.Problems[i]; got.Line != line || got.Column != column {
		t.Errorf("problem at %d:%d, want %d:%d (%s)", got.Line, got.Column, line, column, got)
	}
}
