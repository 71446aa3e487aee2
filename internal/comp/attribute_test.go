package comp

import (
	"strings"
	"testing"
	"time"

	tandem "github.com/tandem-revops/tandem"
)

func TestAttribute(t *testing.T) {
	t.Parallel()
	created := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	closed := time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC)
	reg := func(status tandem.RegistrationStatus, submitted time.Time) RegistrationFact {
		return RegistrationFact{ID: 4, PartnerID: 7, Status: status, SubmittedAt: submitted}
	}
	touch := func(kind tandem.TouchKind, at time.Time) TouchFact {
		return TouchFact{PartnerID: 7, Kind: kind, OccurredAt: at}
	}
	base := AttributionFacts{OpportunityID: 1, CreatedOn: created, ClosedOn: closed, Motion: tandem.MotionDirect}
	with := func(f func(*AttributionFacts)) AttributionFacts { b := base; f(&b); return b }
	tests := []struct {
		name   string
		plan   *Plan
		facts  AttributionFacts
		want   tandem.Attribution
		reason string
	}{
		{"no partner", nil, base, tandem.AttributionDirect, "no partner sourced, led or influenced the deal"},
		{"approved registration before the opportunity", nil, with(func(f *AttributionFacts) {
			f.PartnerID, f.Registrations = 7, []RegistrationFact{reg(tandem.RegistrationApproved, created.Add(-24*time.Hour))}
		}), tandem.AttributionPartnerSourced, "registration 4 (approved) was submitted on 2026-03-09, before the opportunity was created on 2026-03-10"},
		{"won registration counts as approved", nil, with(func(f *AttributionFacts) {
			f.Registrations = []RegistrationFact{reg(tandem.RegistrationWon, created.Add(-time.Hour))}
		}), tandem.AttributionPartnerSourced, "(won)"},
		{"registration submitted at the same instant is not before", nil, with(func(f *AttributionFacts) {
			f.Registrations = []RegistrationFact{reg(tandem.RegistrationApproved, created)}
		}), tandem.AttributionDirect, ""},
		{"registration after the opportunity", nil, with(func(f *AttributionFacts) {
			f.Registrations = []RegistrationFact{reg(tandem.RegistrationApproved, created.Add(time.Hour))}
		}), tandem.AttributionDirect, ""},
		{"rejected registration", nil, with(func(f *AttributionFacts) {
			f.Registrations = []RegistrationFact{reg(tandem.RegistrationRejected, created.Add(-time.Hour))}
		}), tandem.AttributionDirect, ""},
		{"registration rule switched off", nil, with(func(f *AttributionFacts) {
			f.Registrations = []RegistrationFact{reg(tandem.RegistrationApproved, created.Add(-time.Hour))}
		}), tandem.AttributionDirect, ""},
		{"sourced touch", nil, with(func(f *AttributionFacts) {
			f.Touches = []TouchFact{touch(tandem.TouchSourced, created.Add(5*24*time.Hour))}
		}), tandem.AttributionPartnerSourced, "a sourced touch on 2026-03-15 (attribution.sourced_by_touch)"},
		{"sourced touch switched off", nil, with(func(f *AttributionFacts) {
			f.Touches = []TouchFact{touch(tandem.TouchSourced, created)}
		}), tandem.AttributionDirect, ""},
		{"co-sell motion with a partner", nil, with(func(f *AttributionFacts) { f.Motion, f.PartnerID = tandem.MotionCoSell, 7 }),
			tandem.AttributionPartnerLed, "motion co_sell with the partner attached"},
		{"partner-led motion with a partner", nil, with(func(f *AttributionFacts) { f.Motion, f.PartnerID = tandem.MotionPartnerLed, 7 }),
			tandem.AttributionPartnerLed, "motion partner_led"},
		{"partner-led motion without a partner", nil, with(func(f *AttributionFacts) { f.Motion = tandem.MotionPartnerLed }),
			tandem.AttributionDirect, ""},
		{"co-sell touch", nil, with(func(f *AttributionFacts) { f.Touches = []TouchFact{touch(tandem.TouchCoSell, created)} }),
			tandem.AttributionPartnerLed, "a co-sell touch on 2026-03-10"},
		{"influence inside the window", nil, with(func(f *AttributionFacts) {
			f.Touches = []TouchFact{touch(tandem.TouchInfluence, created.AddDate(0, 0, -180))}
		}), tandem.AttributionPartnerInfluenced, "an influence touch on 2025-09-11, within 180 days"},
		{"influence too early", nil, with(func(f *AttributionFacts) {
			f.Touches = []TouchFact{touch(tandem.TouchInfluence, created.AddDate(0, 0, -181))}
		}), tandem.AttributionDirect, ""},
		{"influence after close", nil, with(func(f *AttributionFacts) {
			f.Touches = []TouchFact{touch(tandem.TouchInfluence, closed.Add(time.Second))}
		}), tandem.AttributionDirect, ""},
		{"influence on an open deal", nil, with(func(f *AttributionFacts) {
			f.ClosedOn = time.Time{}
			f.Touches = []TouchFact{touch(tandem.TouchInfluence, closed.AddDate(1, 0, 0))}
		}), tandem.AttributionPartnerInfluenced, ""},
		{"sourced beats led beats influenced", nil, with(func(f *AttributionFacts) {
			f.Motion, f.PartnerID = tandem.MotionCoSell, 7
			f.Touches = []TouchFact{touch(tandem.TouchInfluence, created), touch(tandem.TouchSourced, created.Add(time.Hour))}
		}), tandem.AttributionPartnerSourced, "sourced touch"},
		{"attached partner without touches", nil, with(func(f *AttributionFacts) { f.PartnerID = 7 }),
			tandem.AttributionDirect, "partner 7 is attached but did not source, lead or (within the window) influence the deal"},
	}
	off := mustPlan(t, "sourced_by_registration: true", "sourced_by_registration: false", "sourced_by_touch: true", "sourced_by_touch: false")
	tests[6].plan, tests[8].plan = off, off
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, reason := orDefault(tt.plan).Attribute(tt.facts)
			if got != tt.want || !strings.Contains(reason, tt.reason) || reason == "" {
				t.Errorf("Attribute = %s, %q; want %s containing %q", got, reason, tt.want, tt.reason)
			}
		})
	}
}

func TestFactsOf(t *testing.T) {
	t.Parallel()
	o := &tandem.Opportunity{ID: 5, PartnerID: 7, Stage: tandem.StageClosedWon, CreatedOn: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		CloseDate: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), Routing: tandem.Routing{Motion: tandem.MotionCoSell}}
	regs := []tandem.Registration{{ID: 1, PartnerID: 7, OpportunityID: 5, Status: tandem.RegistrationApproved}, {ID: 2, PartnerID: 8, OpportunityID: 6}}
	touches := []tandem.Touch{{PartnerID: 7, OpportunityID: 5, Kind: tandem.TouchInfluence}, {PartnerID: 7, OpportunityID: 9, Kind: tandem.TouchSourced}}
	f := FactsOf(o, regs, touches)
	if f.Motion != tandem.MotionCoSell || f.ClosedOn != o.CloseDate || len(f.Registrations) != 1 || len(f.Touches) != 1 || f.PartnerID != 7 {
		t.Errorf("FactsOf = %+v", f)
	}
	if got, _ := Default().Attribute(f); got != tandem.AttributionPartnerLed {
		t.Errorf("attribution %s, want partner_led", got)
	}
}
