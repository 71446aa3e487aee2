package server

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// TestPagesRender renders every page for a vendor user and checks what a partner user may open.
func TestPagesRender(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, openSQLite(t))
	revops, _ := e.signIn("revops@vendor.test")
	partner, _ := e.signIn("user@alpha.test")
	tests := []struct {
		path        string
		revops      int
		partner     int
		revopsSees  string
		partnerSees string
	}{
		{"/", 200, 200, "motion-chart", "Our deals by motion"},
		{"/opportunities?sort=-acv&motion=direct", 200, 200, "Direct Dynamics platform", "No opportunities match"},
		{"/opportunities", 200, 200, "Bergmann rollout", "Acme expansion"},
		{"/opportunities/" + itoa(e.ids.oppB), 200, 404, "explanation", ""},
		{"/opportunities/" + itoa(e.ids.oppA), 200, 200, "Alpha Partners", "Alpha Partners"},
		{"/registrations", 200, 200, "Beta Systems", "Alpha Partners"},
		{"/guide", 200, 200, "How a deal is routed", "How a deal is routed"},
		{"/policy", 200, 404, "draft-source", ""},
		{"/import", 200, 404, "import-form", ""},
		{"/audit", 200, 404, "opportunity.create", ""},
		{"/opportunities/nope", 404, 404, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			res := e.get(revops, tc.path)
			if res.status != tc.revops || !strings.Contains(string(res.body), tc.revopsSees) {
				t.Errorf("revops: %d, want %d with %q", res.status, tc.revops, tc.revopsSees)
			}
			if res.status == 200 && strings.Contains(string(res.body), "<script>") {
				t.Error("page has an inline script")
			}
			res = e.get(partner, tc.path)
			if res.status != tc.partner || !strings.Contains(string(res.body), tc.partnerSees) {
				t.Errorf("partner: %d, want %d with %q", res.status, tc.partner, tc.partnerSees)
			}
			if strings.Contains(string(res.body), "Bergmann") || strings.Contains(string(res.body), "Beta Systems") {
				t.Error("partner A's page shows partner B's data")
			}
		})
	}
	t.Run("hashed assets", func(t *testing.T) {
		page := string(e.get(revops, "/").body)
		for _, name := range []string{"app.css", "app.js", "vendor/htmx.min.js", "vendor/echarts.min.js"} {
			u, err := e.srv.assets.url(name)
			must(t, err)
			if !strings.Contains(page, u) {
				t.Errorf("the page does not link %s as %s", name, u)
			}
			res := e.get(http.DefaultClient, u)
			if res.status != 200 || !strings.Contains(res.header.Get("Cache-Control"), "immutable") {
				t.Errorf("%s: %d %q", u, res.status, res.header.Get("Cache-Control"))
			}
		}
	})
}

// TestImportPage uploads a CSV through the import form and follows the job to its end.
func TestImportPage(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, openSQLite(t))
	c, csrf := e.signIn("revops@vendor.test")
	res := e.importUpload(c, csrf, map[string]string{"kind": "accounts"}, fileField("bad.csv", "external_id,name,country\nZ-1,Zed Co,GB\nZ-2,,XX\n"))
	loc := res.header.Get("Location")
	if res.status != http.StatusSeeOther || !regexp.MustCompile(`^/import/\d+$`).MatchString(loc) {
		t.Fatalf("upload: %d to %q: %s", res.status, loc, res.body)
	}
	e.srv.imports.Wait() // the job runs in the background; wait for it rather than poll
	res = e.get(c, loc+"/progress")
	page := string(res.body)
	if res.status != 200 || !strings.Contains(page, `data-status="failed"`) || !strings.Contains(page, "line 3") {
		t.Fatalf("progress of a refused import: %d\n%s", res.status, page)
	}
	if strings.Contains(page, "hx-trigger") {
		t.Error("a finished job still polls")
	}
}
