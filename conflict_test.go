package tandem

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var conflictOpened = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

func openConflict(level EscalationLevel) Conflict {
	return Conflict{ID: 11, Cause: CausePartnerOverlap, Level: level, Status: ConflictOpen, OpenedAt: conflictOpened,
		LevelDueAt: conflictOpened.Add(72 * time.Hour)}
}

func TestDefaultConflictSettings(t *testing.T) {
	t.Parallel()
	s := DefaultConflictSettings()
	if err := s.Validate(); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
	got := []int{s.LevelSLA(1), s.LevelSLA(2), s.LevelSLA(3), s.LevelSLA(4), s.LevelSLA(5)}
	if diff := cmp.Diff([]int{3, 2, 1, 2, 0}, got); diff != "" {
		t.Errorf("level SLAs (-want +got):\n%s", diff)
	}
	guard := map[Motion]int{}
	for _, m := range append(Motions, "") {
		guard[m] = s.Guardrail(m)
	}
	if diff := cmp.Diff(map[Motion]int{MotionPartnerLed: 1500, MotionCoSell: 2000, MotionDirect: 3000, "": 1500}, guard); diff != "" {
		t.Errorf("guardrails (-want +got):\n%s", diff)
	}
	for st, want := range map[Stage]bool{StageProspecting: false, StageQualified: false, StageProposal: true,
		StageNegotiation: true, StageClosedWon: true, StageClosedLost: true} {
		if got := s.Protected(st); got != want {
			t.Errorf("Protected(%s) = %v, want %v", st, got, want)
		}
	}
}

func TestHoldsReroute(t *testing.T) {
	t.Parallel()
	s := DefaultConflictSettings() // protected from proposal on
	tests := []struct {
		name      string
		from      Motion
		fromStage Stage
		to        Motion
		toStage   Stage
		want      bool
	}{
		{"before the stage the re-route applies", MotionPartnerLed, StageQualified, MotionDirect, StageQualified, false},
		{"at the stage it is held", MotionPartnerLed, StageProposal, MotionDirect, StageProposal, true},
		{"past the stage it is held", MotionCoSell, StageNegotiation, MotionPartnerLed, StageNegotiation, true},
		{"moving into the stage it is held", MotionPartnerLed, StageQualified, MotionDirect, StageProposal, true},
		{"a closed deal is held", MotionDirect, StageClosedWon, MotionCoSell, StageClosedWon, true},
		{"the same motion is no re-route", MotionCoSell, StageProposal, MotionCoSell, StageProposal, false},
		{"a deal never routed takes its first motion", "", StageProposal, MotionDirect, StageProposal, false},
	}
	for _, tt := range tests {
		if got := s.HoldsReroute(tt.from, tt.fromStage, tt.to, tt.toStage); got != tt.want {
			t.Errorf("%s: HoldsReroute = %v, want %v", tt.name, got, tt.want)
		}
	}
	motions := map[Resolution]Motion{}
	for _, r := range Resolutions {
		motions[r] = r.RerouteMotion()
	}
	want := map[Resolution]Motion{ResolveDirect: MotionDirect, ResolvePartner: MotionPartnerLed, ResolveCoSell: MotionCoSell,
		ResolveSplit: MotionCoSell}
	if diff := cmp.Diff(want, motions); diff != "" {
		t.Errorf("RerouteMotion (-want +got):\n%s", diff)
	}
}

func TestConflictSettingsValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change func(*ConflictSettings)
		field  string
	}{
		{"a level without SLA", func(s *ConflictSettings) { s.LevelSLADays[2] = 0 }, "level_sla_days"},
		{"a closed protected stage", func(s *ConflictSettings) { s.ProtectedStage = StageClosedWon }, "protected_stage"},
		{"an unknown protected stage", func(s *ConflictSettings) { s.ProtectedStage = "signed" }, "protected_stage"},
		{"a missing guardrail", func(s *ConflictSettings) { delete(s.DiscountGuardrailBasisPoints, MotionCoSell) }, "discount_guardrails"},
		{"a guardrail over 100 %", func(s *ConflictSettings) { s.DiscountGuardrailBasisPoints[MotionDirect] = 10001 }, "discount_guardrails"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := DefaultConflictSettings()
			tt.change(&s)
			err := s.Validate()
			var e *Error
			if ErrorCode(err) != EINVALID || !errors.As(err, &e) || e.Field != tt.field {
				t.Errorf("Validate() = %v, want EINVALID on %s", err, tt.field)
			}
		})
	}
}

func TestConflictEscalate(t *testing.T) {
	t.Parallel()
	at := conflictOpened.Add(72 * time.Hour)
	due := at.Add(48 * time.Hour)
	for _, from := range []EscalationLevel{LevelAEAndPartnerManager, LevelVPs, LevelCRO} {
		c := openConflict(from)
		entry, err := c.Escalate(at, due)
		if err != nil {
			t.Fatalf("escalate from %d: %v", from, err)
		}
		if c.Level != from+1 || !c.LevelDueAt.Equal(due) || c.Status != ConflictOpen {
			t.Errorf("escalated from %d to %+v", from, c)
		}
		want := EscalationEntry{ConflictID: 11, At: at, Level: from + 1, Action: EscalationEscalated}
		if diff := cmp.Diff(want, entry, cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Note" }, cmp.Ignore())); diff != "" {
			t.Errorf("entry (-want +got):\n%s", diff)
		}
	}

	refusals := []struct {
		name string
		c    Conflict
	}{
		{"the CEO is the last level", openConflict(LevelCEO)},
		{"a resolved conflict", func() Conflict { c := openConflict(LevelVPs); c.Status = ConflictResolved; return c }()},
	}
	for _, tt := range refusals {
		before := tt.c
		if _, err := tt.c.Escalate(at, due); ErrorCode(err) != ECONFLICT {
			t.Errorf("%s: error %v, want conflict", tt.name, err)
		}
		if diff := cmp.Diff(before, tt.c); diff != "" {
			t.Errorf("%s: changed on error:\n%s", tt.name, diff)
		}
	}
}

func TestConflictResolve(t *testing.T) {
	t.Parallel()
	at := conflictOpened.Add(5 * time.Hour)
	ok := []struct {
		name      string
		res       Resolution
		share     int
		wantShare int
	}{
		{"award to the partner takes the whole deal", ResolvePartner, 0, 10000},
		{"award to direct leaves the partner nothing", ResolveDirect, 0, 0},
		{"co-sell takes no share", ResolveCoSell, 0, 0},
		{"split 60/40", ResolveSplit, 6000, 6000},
		{"smallest split", ResolveSplit, 1, 1},
		{"largest split", ResolveSplit, 9999, 9999},
	}
	for _, tt := range ok {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := openConflict(LevelVPs)
			entry, err := c.Resolve(tt.res, tt.share, "  first to register, partner sourced the meeting ", 42, at)
			if err != nil {
				t.Fatal(err)
			}
			if c.Status != ConflictResolved || c.Resolution != tt.res || c.PartnerShareBasisPoints != tt.wantShare ||
				c.Rationale != "first to register, partner sourced the meeting" || c.ResolvedBy != 42 || !c.ResolvedAt.Equal(at) {
				t.Errorf("resolved to %+v", c)
			}
			if entry.Action != EscalationResolved || entry.Level != LevelVPs || entry.ActorID != 42 || entry.ConflictID != 11 {
				t.Errorf("entry %+v", entry)
			}
		})
	}

	refusals := []struct {
		name      string
		c         Conflict
		res       Resolution
		share     int
		rationale string
		code      string
	}{
		{"already resolved", func() Conflict {
			c := openConflict(LevelAEAndPartnerManager)
			c.Status, c.Resolution = ConflictResolved, ResolveDirect
			return c
		}(), ResolvePartner, 0, "changed my mind", ECONFLICT},
		{"unknown resolution", openConflict(1), "toss_a_coin", 0, "fair", EINVALID},
		{"split without a share", openConflict(1), ResolveSplit, 0, "half each", EINVALID},
		{"split of the whole deal", openConflict(1), ResolveSplit, 10000, "all theirs", EINVALID},
		{"negative split", openConflict(1), ResolveSplit, -5, "odd", EINVALID},
		{"split without rationale", openConflict(1), ResolveSplit, 5000, " ", EINVALID},
		{"award without rationale", openConflict(1), ResolvePartner, 0, "", EINVALID},
		{"share on an award", openConflict(1), ResolveDirect, 3000, "some", EINVALID},
	}
	for _, tt := range refusals {
		before := tt.c
		if _, err := tt.c.Resolve(tt.res, tt.share, tt.rationale, 42, at); ErrorCode(err) != tt.code {
			t.Errorf("%s: error %v, want %s", tt.name, err, tt.code)
		}
		if diff := cmp.Diff(before, tt.c); diff != "" {
			t.Errorf("%s: changed on error:\n%s", tt.name, diff)
		}
	}
}

func TestMayResolve(t *testing.T) {
	t.Parallel()
	roles := []Role{RoleAdmin, RoleRevOps, RoleAE, RolePartnerManager, RoleVPSales, RoleVPChannel, RoleCRO, RoleCEO, RolePartnerUser}
	want := map[EscalationLevel][]Role{
		LevelAEAndPartnerManager: {RoleAdmin, RoleAE, RolePartnerManager},
		LevelVPs:                 {RoleAdmin, RoleVPSales, RoleVPChannel},
		LevelCRO:                 {RoleAdmin, RoleCRO},
		LevelCEO:                 {RoleAdmin, RoleCEO},
	}
	for level, deciders := range want {
		var got []Role
		for _, r := range roles {
			if level.MayResolve(Actor{Role: r}) {
				got = append(got, r)
			}
		}
		if diff := cmp.Diff(deciders, got); diff != "" {
			t.Errorf("level %d deciders (-want +got):\n%s", level, diff)
		}
	}
}

func TestACVBand(t *testing.T) {
	t.Parallel()
	for acv, want := range map[Money]string{0: BandSmall, Major(49_999): BandSmall, Major(50_000): BandMid,
		Major(249_999): BandMid, Major(250_000): BandLarge, Major(1_000_000): BandStrategic} {
		if got := ACVBand(acv); got != want {
			t.Errorf("ACVBand(%d) = %s, want %s", acv, got, want)
		}
	}
}

func TestLabels(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ got, want string }{
		{ACVBandLabel(ACVBand(Major(49_999))), "under 50k"},
		{ACVBandLabel(ACVBand(Major(272_000))), "250k–1M"},
		{ACVBandLabel(ACVBand(Major(1_000_000))), "over 1M"},
		{ACVBandLabel("other"), "other"},
		{RoleRevOps.Label(), "RevOps"},
		{RolePartnerManager.Label(), "Partner manager"},
		{Role("x").Label(), "x"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
	for _, r := range Roles {
		if r.Label() == string(r) {
			t.Errorf("role %s has no label", r)
		}
	}
}

func TestResolutionErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		res       Resolution
		share     int
		rationale string
		fields    []string
	}{
		{"whole", ResolveSplit, 4000, "both worked it", nil},
		{"award without share", ResolvePartner, 0, "theirs", nil},
		{"everything wrong at once", "halve", 0, " ", []string{"resolution", "rationale"}},
		{"split without share or rationale", ResolveSplit, 0, "", []string{"rationale", "partner_share_basis_points"}},
		{"split of everything", ResolveSplit, 10000, "x", []string{"partner_share_basis_points"}},
		{"share on an award", ResolveDirect, 500, "x", []string{"partner_share_basis_points"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, err := range ResolutionErrors(tc.res, tc.share, tc.rationale) {
				var e *Error
				if !errors.As(err, &e) || e.Code != EINVALID {
					t.Fatalf("%v is not an EINVALID field error", err)
				}
				got = append(got, e.Field)
			}
			if !slices.Equal(got, tc.fields) {
				t.Errorf("fields %v, want %v", got, tc.fields)
			}
		})
	}
}
