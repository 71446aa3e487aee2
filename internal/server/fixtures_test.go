package server

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// Fixtures the server's tests share on top of the harness (harness_test.go): requests as a signed-in
// user and checks of the pages they answer.

// get fetches a page with a signed-in client.
func (e *testEnv) get(c *http.Client, path string) response {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.http.URL+path, nil)
	must(e.t, err)
	return e.send(c, req)
}

// post sends a form with the session's CSRF token ("" to leave it out).
func (e *testEnv) post(c *http.Client, csrf, path string, form url.Values) response {
	e.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if csrf != "" {
		form.Set(csrfField, csrf)
	}
	return e.postForm(c, path, form, "")
}

// upload posts a multipart form with a file field.
func (e *testEnv) upload(c *http.Client, csrf, path, name, content string, htmx bool) response {
	e.t.Helper()
	first := map[string]string{}
	if csrf != "" {
		first[csrfField] = csrf
	}
	req := e.multipartRequest(path, first, nil, fileField(name, content))
	if htmx {
		req.Header.Set("HX-Request", "true")
	}
	return e.send(c, req)
}

// apiUpload posts fields and files (as multipartForm) to path with the role's API token.
func (e *testEnv) apiUpload(role, path string, fields map[string]string, files map[string][2]string) response {
	e.t.Helper()
	req := e.multipartRequest(path, nil, fields, files)
	req.Header.Set("Authorization", "Bearer "+e.tokens[role])
	return e.send(http.DefaultClient, req)
}

// multipartRequest is a POST of path on the test server with the multipart body multipartForm makes.
func (e *testEnv) multipartRequest(path string, first, fields map[string]string, files map[string][2]string) *http.Request {
	e.t.Helper()
	body, contentType := multipartForm(e.t, first, fields, files)
	req, err := http.NewRequest(http.MethodPost, e.http.URL+path, body)
	must(e.t, err)
	req.Header.Set("Content-Type", contentType)
	return req
}

// multipartForm encodes the fields of first (such as the CSRF token), then those of fields, and files
// (field name → file name and content) as a multipart body, and returns it with its content type.
func multipartForm(t testing.TB, first, fields map[string]string, files map[string][2]string) (*bytes.Buffer, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, m := range []map[string]string{first, fields} {
		for k, v := range m {
			must(t, mw.WriteField(k, v))
		}
	}
	for field, f := range files {
		fw, err := mw.CreateFormFile(field, f[0])
		must(t, err)
		_, _ = fw.Write([]byte(f[1]))
	}
	must(t, mw.Close())
	return &body, mw.FormDataContentType()
}

// fileField is the files of a form whose one file, in the field "file", is name with content.
func fileField(name, content string) map[string][2]string {
	return map[string][2]string{"file": {name, content}}
}

func wantPage(t *testing.T, res response, status int, contains ...string) {
	t.Helper()
	if res.status != status {
		t.Fatalf("status %d, want %d:\n%s", res.status, status, res.body)
	}
	for _, s := range contains {
		if !strings.Contains(string(res.body), s) {
			t.Fatalf("the page does not show %q:\n%s", s, res.body)
		}
	}
}

func wantAbsent(t *testing.T, res response, absent ...string) {
	t.Helper()
	for _, s := range absent {
		if strings.Contains(string(res.body), s) {
			t.Errorf("the page shows %q, which it must not", s)
		}
	}
}

// getAs signs in as email and fetches path.
func (e *testEnv) getAs(email, path string) response {
	e.t.Helper()
	c, _ := e.signIn(email)
	return e.get(c, path)
}

// registerAsPartnerA files a registration (body: JSON text or a value to encode) over the API as
// partner A's user and fails the test unless it is created.
func (e *testEnv) registerAsPartnerA(t testing.TB, body any) response {
	t.Helper()
	res := e.do("partner_a", http.MethodPost, APIPrefix+"/registrations", body)
	if res.status != http.StatusCreated {
		t.Fatalf("register: %d %s", res.status, res.body)
	}
	return res
}

// doubtfulRegistration is a registration of "Direct Dynamics Europe", a company the account matcher
// cannot resolve with confidence (it is close to the seeded Direct Dynamics account): it waits in the
// account-match review.
const doubtfulRegistration = `{"account_name":"Direct Dynamics Europe","vertical":"technology","country":"US","product_type":"core","estimated_acv":100}`

// pageCase is what a user should get on a page: the status and, on a page that answers, text it
// must show and text it must not.
type pageCase struct {
	email, path string
	want        int
	has, hasNot []string
}

// checkPages signs in as each case's user and checks the page against the case.
func (e *testEnv) checkPages(t *testing.T, cases []pageCase) {
	t.Helper()
	for _, c := range cases {
		res := e.getAs(c.email, c.path)
		if res.status != c.want {
			t.Errorf("%s %s: %d, want %d", c.email, c.path, res.status, c.want)
			continue
		}
		for _, s := range c.has {
			if !strings.Contains(string(res.body), s) {
				t.Errorf("%s %s lacks %q", c.email, c.path, s)
			}
		}
		for _, s := range c.hasNot {
			if strings.Contains(string(res.body), s) {
				t.Errorf("%s %s shows %q", c.email, c.path, s)
			}
		}
	}
}

// openAPIChecker checks API calls against the OpenAPI document the server serves.
type openAPIChecker struct {
	e      *testEnv
	router routers.Router
}

// newOpenAPIChecker reads the served document (doc, the body of /api/v1/openapi.json). doc.Validate is
// not called: huma's 3.0 downgrade keeps a contentMediaType (3.1) on the upload's file field, which
// kin-openapi rejects; the response schemas are what the checks are about.
func newOpenAPIChecker(t *testing.T, e *testEnv, doc []byte) openAPIChecker {
	t.Helper()
	d, err := openapi3.NewLoader().LoadFromData(doc)
	must(t, err)
	d.Servers = openapi3.Servers{{URL: e.http.URL + APIPrefix}}
	router, err := legacy.NewRouter(d)
	must(t, err)
	return openAPIChecker{e: e, router: router}
}

// get GETs APIPrefix+path as the admin and checks the request and the response against the document.
// It returns the response and its validation input, for a test to check more against.
func (c openAPIChecker) get(t *testing.T, path string) (response, *openapi3filter.ResponseValidationInput) {
	t.Helper()
	req, _ := http.NewRequest("GET", c.e.http.URL+APIPrefix+path, nil)
	req.Header.Set("Authorization", "Bearer "+c.e.tokens["admin"])
	res := c.e.send(http.DefaultClient, req)
	route, params, err := c.router.FindRoute(req)
	must(t, err)
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	must(t, openapi3filter.ValidateRequest(context.Background(), in))
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: res.status,
		Header: res.header, Options: &openapi3filter.Options{IncludeResponseStatus: true}}
	out.SetBodyBytes(res.body)
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		t.Errorf("response does not match the document: %v\n%s", err, res.body)
	}
	return res, out
}
