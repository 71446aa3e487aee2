package server

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
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
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if csrf != "" {
		must(e.t, mw.WriteField(csrfField, csrf))
	}
	fw, err := mw.CreateFormFile("file", name)
	must(e.t, err)
	_, _ = fw.Write([]byte(content))
	must(e.t, mw.Close())
	req, err := http.NewRequest(http.MethodPost, e.http.URL+path, &body)
	must(e.t, err)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if htmx {
		req.Header.Set("HX-Request", "true")
	}
	return e.send(c, req)
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
