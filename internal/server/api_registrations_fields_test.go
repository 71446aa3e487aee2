package server

import (
	"net/http"
	"strings"
	"testing"

	tandem "github.com/tandem-revops/tandem"
)

// TestRegistrationCollectsWhatThePolicyTests (issue 10 #1): the policy routes by vertical, so a
// registration carries one, and the decision says where it came from; without it the registration is
// refused rather than routed as if it had none.
func TestRegistrationCollectsWhatThePolicyTests(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		res := e.registerAsPartnerA(t,
			`{"account_name":"Saint X Regional Hospital","country":"US","product_type":"core","estimated_acv":90000000,"vertical":"healthcare"}`)
		var got registrationCreated
		res.json(t, &got)
		if got.Motion != tandem.MotionPartnerLed || got.Vertical != "healthcare" || got.FieldSources["vertical"] != "registration" {
			t.Errorf("healthcare at $900k: motion %q vertical %q sources %v (%s)", got.Motion, got.Vertical, got.FieldSources, got.Explanation)
		}
		// Left out, the vertical of the account the company matches is used, and the answer says so.
		res = e.do("partner_a", http.MethodPost, APIPrefix+"/registrations",
			`{"account_name":"Direct Dynamics","website":"direct.test","country":"US","product_type":"core","estimated_acv":90000000}`)
		got = registrationCreated{}
		res.json(t, &got)
		if res.status != http.StatusCreated || got.Vertical != "technology" || got.FieldSources["vertical"] != "account" ||
			!strings.Contains(got.Explanation, "matched account") {
			t.Errorf("vertical from the account: %d %s", res.status, res.body)
		}
		res = e.do("partner_a", http.MethodPost, APIPrefix+"/registrations",
			`{"account_name":"Saint Y Regional Hospital","country":"US","product_type":"core","estimated_acv":90000000}`)
		if res.status != http.StatusUnprocessableEntity || !strings.Contains(string(res.body), "vertical") {
			t.Errorf("no vertical: %d %s", res.status, res.body)
		}
	})
}
