package server

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/policy"
)

// publishPolicy publishes the built-in policy with the registration: block's auto_approve line
// replaced by autoApprove (a YAML flow mapping) as a new version.
func (e *testEnv) publishPolicy(t testing.TB, version, autoApprove string) {
	t.Helper()
	src := string(policy.DefaultSource())
	const line = "auto_approve: {enabled: true, require_good_standing: true}"
	if !strings.Contains(src, line) {
		t.Fatalf("the default policy has no line %q", line)
	}
	src = strings.Replace(src, line, "auto_approve: "+autoApprove, 1)
	src = strings.Replace(src, `version: "2026.1"`, `version: "`+version+`"`, 1)
	if _, err := policy.Parse("test", []byte(src)); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	v := &tandem.PolicyVersion{Name: "Tandem default rules of engagement", Version: version, Source: src,
		Status: tandem.PolicyDraft, EffectiveFrom: policy.Default().EffectiveFrom()}
	must(t, e.store.CreatePolicyVersion(ctx, tandem.SystemActor, v))
	must(t, e.store.PublishPolicyVersion(ctx, tandem.SystemActor, v.ID))
}

// setStanding puts a seeded partner in standing st.
func (e *testEnv) setStanding(t testing.TB, id int64, st tandem.Standing) {
	t.Helper()
	ctx := context.Background()
	p, err := e.store.GetPartner(ctx, tandem.SystemActor, id)
	must(t, err)
	p.Standing = st
	must(t, e.store.UpdatePartner(ctx, tandem.SystemActor, p))
}

// TestSubmitRegistration files registrations through the API under different policies and partner
// standings: a clean one is approved by the system at once; each reason not to auto-approve keeps the
// registration in the queue. Every answer carries the motion the policy gives the deal.
func TestSubmitRegistration(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		tests := []struct {
			name        string
			autoApprove string // "" keeps the policy in force
			standing    tandem.Standing
			role        string
			body        string
			wantStatus  tandem.RegistrationStatus
			wantMotion  tandem.Motion
			wantReview  bool
			explains    string
		}{
			{name: "clean: auto-approved", role: "partner_a", standing: tandem.StandingGood,
				body:       `{"account_name":"Clean Co","vertical":"technology","country":"US","product_type":"core","estimated_acv":10000000}`,
				wantStatus: tandem.RegistrationApproved, wantMotion: tandem.MotionPartnerLed, explains: "under $250,000"},
			{name: "channel staff file for a partner: auto-approved too", role: "partner_manager", standing: tandem.StandingGood,
				body:       `{"partner_id":%A,"account_name":"Staff Filed Co","vertical":"technology","country":"JP","product_type":"core","estimated_acv":90000000}`,
				wantStatus: tandem.RegistrationApproved, wantMotion: tandem.MotionPartnerLed, explains: "no direct sales team in JP"},
			{name: "overlap with another partner's claim", role: "partner_b", standing: tandem.StandingGood,
				body:       `{"account_name":"Acme Corp","vertical":"technology","country":"US","product_type":"core","estimated_acv":10000000}`,
				wantStatus: tandem.RegistrationSubmitted, wantMotion: tandem.MotionPartnerLed, wantReview: true},
			{name: "partner on probation", role: "partner_a", standing: tandem.StandingProbation,
				body:       `{"account_name":"Probation Co","vertical":"technology","country":"US","product_type":"core","estimated_acv":10000000}`,
				wantStatus: tandem.RegistrationSubmitted, wantMotion: tandem.MotionPartnerLed},
			{name: "suspended partner", role: "partner_a", standing: tandem.StandingSuspended,
				body:       `{"account_name":"Suspended Co","vertical":"technology","country":"US","product_type":"core","estimated_acv":10000000}`,
				wantStatus: tandem.RegistrationSubmitted, wantMotion: tandem.MotionPartnerLed},
			{name: "auto-approval off", autoApprove: "{enabled: false}", role: "partner_a", standing: tandem.StandingGood,
				body:       `{"account_name":"Off Co","vertical":"technology","country":"US","product_type":"core","estimated_acv":10000000}`,
				wantStatus: tandem.RegistrationSubmitted, wantMotion: tandem.MotionPartnerLed},
			{name: "over the auto-approval limit", autoApprove: `{enabled: true, max_acv: "100,000"}`, role: "partner_a", standing: tandem.StandingGood,
				body:       `{"account_name":"Big Co","vertical":"technology","country":"US","product_type":"core","estimated_acv":10000001}`,
				wantStatus: tandem.RegistrationSubmitted, wantMotion: tandem.MotionPartnerLed},
			{name: "over the limit once converted", role: "partner_a", standing: tandem.StandingGood,
				body:       `{"account_name":"Euro Co","vertical":"technology","country":"US","product_type":"core","estimated_acv":9300000,"currency":"EUR"}`,
				wantStatus: tandem.RegistrationSubmitted, wantMotion: tandem.MotionPartnerLed},
			{name: "at the limit", role: "partner_a", standing: tandem.StandingGood,
				body:       `{"account_name":"Limit Co","vertical":"technology","country":"US","product_type":"core","estimated_acv":10000000}`,
				wantStatus: tandem.RegistrationApproved, wantMotion: tandem.MotionPartnerLed},
			{name: "probation allowed by the policy", autoApprove: "{require_good_standing: false}", role: "partner_a", standing: tandem.StandingProbation,
				body:       `{"account_name":"Lenient Co","vertical":"technology","country":"US","product_type":"core","estimated_acv":10000000}`,
				wantStatus: tandem.RegistrationApproved, wantMotion: tandem.MotionPartnerLed},
			{name: "suspension never allowed", role: "partner_a", standing: tandem.StandingSuspended,
				body:       `{"account_name":"Still Suspended Co","vertical":"technology","country":"US","product_type":"core","estimated_acv":10000000}`,
				wantStatus: tandem.RegistrationSubmitted, wantMotion: tandem.MotionPartnerLed},
		}
		for i, tt := range tests {
			if tt.autoApprove != "" {
				e.publishPolicy(t, fmt.Sprintf("2026.1-t%d", i), tt.autoApprove)
			}
			e.setStanding(t, e.ids.partnerA, tt.standing)
			body := strings.ReplaceAll(tt.body, "%A", itoa(e.ids.partnerA))
			res := e.do(tt.role, http.MethodPost, APIPrefix+"/registrations", body)
			if res.status != http.StatusCreated {
				t.Errorf("%s: %d %s", tt.name, res.status, res.body)
				continue
			}
			var got registrationCreated
			res.json(t, &got)
			if got.Status != tt.wantStatus || got.Motion != tt.wantMotion || (got.Review != "") != tt.wantReview ||
				got.AutoApproved != (tt.wantStatus == tandem.RegistrationApproved) || !strings.Contains(got.Explanation, tt.explains) {
				t.Errorf("%s: status %s motion %q review %q auto %v explanation %q; want %s %q review %v explaining %q",
					tt.name, got.Status, got.Motion, got.Review, got.AutoApproved, got.Explanation, tt.wantStatus, tt.wantMotion,
					tt.wantReview, tt.explains)
			}
			if tt.wantMotion != "" && (got.Rule == "" || got.PolicyVersion == "") {
				t.Errorf("%s: no rule or policy version: %+v", tt.name, got)
			}
			var events []tandem.RegistrationEntry
			e.do("admin", http.MethodGet, APIPrefix+"/registrations/"+itoa(got.ID)+"/events", nil).json(t, &events)
			if tt.wantStatus == tandem.RegistrationSubmitted {
				if len(events) != 1 {
					t.Errorf("%s: %d log entries, want the submission only", tt.name, len(events))
				}
				continue
			}
			if len(events) != 2 || events[1].Event != tandem.EventApprove || events[1].ActorID != 0 ||
				!strings.HasPrefix(events[1].Reason, "auto-approved: no overlap, conforms to policy 2026.1") ||
				!strings.HasSuffix(events[1].Reason, "partner in good standing") {
				t.Errorf("%s: log %+v", tt.name, events)
			}
			if got.ExpiresAt.IsZero() || got.DecidedBy != 0 {
				t.Errorf("%s: approved without protection or by a person: %+v", tt.name, got.Registration)
			}
		}
		// A partner user is told the motion but never whom it overlaps.
		res := e.do("partner_b", http.MethodPost, APIPrefix+"/registrations",
			`{"account_name":"Acme Corp","vertical":"technology","country":"US","product_type":"core","estimated_acv":100}`)
		if strings.Contains(string(res.body), "Alpha") || !strings.Contains(string(res.body), tandem.OverlapUnderReview) {
			t.Errorf("overlap answer to a partner: %s", res.body)
		}
	})
}

// TestApprovalReportAPI reads the approval-time report over HTTP: who may, the period, and the
// counts after one automatic and one manual approval.
func TestApprovalReportAPI(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		path := APIPrefix + "/registrations/approval-report"
		var clean registrationCreated
		e.do("partner_a", http.MethodPost, APIPrefix+"/registrations",
			`{"account_name":"Report Co","vertical":"technology","country":"US","product_type":"core","estimated_acv":100}`).json(t, &clean)
		if !clean.AutoApproved {
			t.Fatalf("not auto-approved: %+v", clean)
		}
		if res := e.do("partner_manager", http.MethodPost, APIPrefix+"/registrations/"+itoa(e.ids.regB)+"/approve", nil); res.status != http.StatusOK {
			t.Fatalf("approve: %d %s", res.status, res.body)
		}
		for role, want := range map[string]int{"revops": 200, "partner_manager": 200, "admin": 200, "ae": 403, "cro": 403, "partner_a": 404} {
			if res := e.do(role, http.MethodGet, path, nil); res.status != want {
				t.Errorf("%s reads the report: %d, want %d", role, res.status, want)
			}
		}
		now := e.srv.now().UTC()
		var rep struct {
			Decided           int     `json:"decided"`
			AutoApproved      int     `json:"auto_approved"`
			AutoApprovedShare float64 `json:"auto_approved_share"`
			SLABusinessHours  float64 `json:"sla_business_hours"`
			ByMonth           []struct {
				Key     string `json:"key"`
				Decided int    `json:"decided"`
			} `json:"by_month"`
			ByPartnerManager []struct {
				Label string `json:"label"`
			} `json:"by_partner_manager"`
		}
		q := "?from=" + now.AddDate(0, 0, -1).Format("2006-01-02") + "&to=" + now.AddDate(0, 0, 1).Format("2006-01-02")
		e.do("revops", http.MethodGet, path+q, nil).json(t, &rep)
		if rep.Decided != 2 || rep.AutoApproved != 1 || rep.AutoApprovedShare != 0.5 || rep.SLABusinessHours != 48 ||
			len(rep.ByMonth) != 1 || rep.ByMonth[0].Key != now.Format("2006-01") || len(rep.ByPartnerManager) != 1 {
			t.Errorf("report %+v", rep)
		}
		if res := e.do("revops", http.MethodGet, path+"?from=yesterday", nil); res.status != http.StatusUnprocessableEntity ||
			!strings.Contains(string(res.body), "from") {
			t.Errorf("bad date: %d %s", res.status, res.body)
		}
	})
}
