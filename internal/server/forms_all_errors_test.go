package server

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// fieldErrors counts the field-error messages a page shows.
func fieldErrors(body string) int { return strings.Count(body, `class="field-error"`) }

// The what-if form shows a broken plan, a bad from and a bad to at once, each next to its field, and
// runs nothing.
func TestWhatIfFormShowsEveryError(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		c, csrf := e.signIn("revops@vendor.test")
		res := e.postForm(c, "/comp/whatif", url.Values{"csrf_token": {csrf}, "source": {"plans: [unclosed"},
			"from": {"someday"}, "to": {"never"}}, e.http.URL)
		body := string(res.body)
		if res.status != http.StatusUnprocessableEntity || fieldErrors(body) != 3 ||
			!strings.Contains(body, `someday&#34; is not a quarter`) || !strings.Contains(body, `never&#34; is not a quarter`) {
			t.Errorf("what-if with three mistakes: %d, %d field errors: %s", res.status, fieldErrors(body), body)
		}
		res = e.postForm(c, "/comp/whatif", url.Values{"csrf_token": {csrf}, "source": {"plans: [unclosed"},
			"from": {"2026-Q2"}, "to": {"2026-Q1"}}, e.http.URL)
		if body := string(res.body); fieldErrors(body) != 2 || !strings.Contains(body, "is before") {
			t.Errorf("what-if with to before from: %d field errors: %s", fieldErrors(body), body)
		}
	})
}

// The MDF request form shows a missing activity, a bad amount and a bad expected pipeline at once, each
// next to its field, keeps what was typed, and requests nothing.
func TestMDFRequestFormShowsEveryError(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		ps := seedPortfolio(t, e)
		c, csrf := e.signIn("user@alpha.test")
		path := "/mdf/funds/" + itoa(ps.fundA) + "/moves"
		res := e.postForm(c, path, url.Values{"csrf_token": {csrf}, "action": {"request"}, "activity": {" "},
			"amount": {"12x"}, "expected_pipeline": {"lots"}, "motion": {"co_sell"}}, e.http.URL)
		body := string(res.body)
		if res.status != http.StatusUnprocessableEntity || fieldErrors(body) != 3 || !strings.Contains(body, "12x&#34; is not an amount") ||
			!strings.Contains(body, "lots&#34; is not an amount") || !strings.Contains(body, `value="12x"`) {
			t.Errorf("MDF request with three mistakes: %d, %d field errors: %s", res.status, fieldErrors(body), body)
		}
		res = e.postForm(c, path, url.Values{"csrf_token": {csrf}, "action": {"request"}, "activity": {"Webinar"},
			"amount": {"-5"}, "motion": {"co_sell"}}, e.http.URL)
		if body := string(res.body); res.status != http.StatusUnprocessableEntity || fieldErrors(body) != 1 || !strings.Contains(body, "negative") {
			t.Errorf("MDF request with a negative amount: %d: %s", res.status, body)
		}
		res = e.postForm(c, path, url.Values{"csrf_token": {csrf}, "action": {"request"}, "activity": {"Webinar"},
			"amount": {"500"}, "expected_pipeline": {"5000"}, "motion": {"co_sell"}}, e.http.URL)
		if res.status != http.StatusSeeOther {
			t.Errorf("a good MDF request: %d %s", res.status, res.body)
		}
	})
}
