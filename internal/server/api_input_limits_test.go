package server

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// Findings 11.1–11.3 and 10.2 through the API: out-of-range money, overlong text, control characters and
// unknown values are refused with a 4xx naming the field, never stored, never a 500.
func TestAPIRefusesUnboundedAndUnknownInput(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		acct := fmt.Sprint(e.ids.accountA)
		reg := func(fields string) string {
			return `{"country":"US","product_type":"core","estimated_acv":10000000,` + fields + `}`
		}
		for _, tc := range []struct {
			name, role, method, path, body string
			wantInBody                     string
		}{
			{"int64-max ACV", "ae", "POST", "/opportunities", `{"name":"Huge","account_id":` + acct + `,"acv":9223372036854775807}`, "acv"},
			{"ACV one cent over 10^12", "ae", "POST", "/opportunities", `{"name":"Huge","account_id":` + acct + `,"acv":1000000000001}`, "acv"},
			{"int64-max registration", "partner_a", "POST", "/registrations", reg(`"account_name":"Max Co","estimated_acv":9223372036854775807`), "estimated_acv"},
			{"400 KB account_name", "partner_a", "POST", "/registrations", reg(`"account_name":"` + strings.Repeat("x", 400_000) + `"`), "account_name"},
			{"100 KB opportunity name", "ae", "POST", "/opportunities", `{"name":"` + strings.Repeat("n", 100_000) + `","account_id":` + acct + `,"acv":100}`, "name"},
			{"NUL in an account_name", "partner_a", "POST", "/registrations", reg(`"account_name":"Acme\u0000Corp"`), "account_name"},
			{"ESC in an opportunity name", "ae", "POST", "/opportunities", `{"name":"Acme \u001b[31m","account_id":` + acct + `,"acv":100}`, "name"},
			{"opportunity country ZZ", "ae", "POST", "/opportunities", `{"name":"Zed","account_id":` + acct + `,"acv":100,"country":"ZZ"}`, "country"},
			{"registration country ZZ", "partner_a", "POST", "/registrations", `{"account_name":"Zed Co","country":"ZZ","product_type":"core","estimated_acv":100}`, "country"},
			{"registration currency BTC", "partner_a", "POST", "/registrations", reg(`"account_name":"Coin Co","currency":"BTC"`), "BTC is not a currency the programme accepts"},
			{"registration currency JPY without a rate", "partner_a", "POST", "/registrations", reg(`"account_name":"Yen Co","currency":"JPY"`), "currency"},
			{"webhook event registration.explode", "revops", "POST", "/webhooks", `{"url":"https://hooks.example.test/x","events":["registration.explode"]}`, "registration.explode"},
			{"200 KB registration search", "revops", "GET", "/registrations?q=" + url.QueryEscape(strings.Repeat("%_", 100_000)), "", "q"},
			{"200 KB opportunity search", "revops", "GET", "/opportunities?q=" + strings.Repeat("a", 200_000), "", "q"},
			{"200 KB account search", "partner_a", "GET", "/accounts?q=" + strings.Repeat("a", 200_000), "", "q"},
		} {
			res := e.do(tc.role, tc.method, APIPrefix+tc.path, nilIfEmpty(tc.body))
			if res.status < 400 || res.status >= 500 {
				t.Errorf("%s: %d, want a 4xx (%.300s)", tc.name, res.status, res.body)
				continue
			}
			if !strings.Contains(string(res.body), tc.wantInBody) {
				t.Errorf("%s: the answer does not name %q: %.300s", tc.name, tc.wantInBody, res.body)
			}
			if strings.Contains(string(res.body), "fx:") || strings.Contains(string(res.body), "no fx rate") {
				t.Errorf("%s: the answer shows internal policy text: %.300s", tc.name, res.body)
			}
		}
		// Nothing of it was stored.
		list := e.do("revops", "GET", APIPrefix+"/registrations?q=Coin", nil)
		if list.status != 200 || strings.Contains(string(list.body), "Coin Co") {
			t.Errorf("a refused registration was stored: %d %.300s", list.status, list.body)
		}
	})
}

// nilIfEmpty turns an empty body into no body.
func nilIfEmpty(body string) any {
	if body == "" {
		return nil
	}
	return body
}

// The limits are in the OpenAPI document: maxLength on names and the search parameter, the money range
// on ACVs.
func TestOpenAPIDocumentsInputLimits(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, openSQLite(t))
	var doc map[string]any
	e.do("", "GET", "/api/v1/openapi.json", nil).json(t, &doc)
	raw, _ := json.Marshal(doc)
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	prop := func(schema, field string) map[string]any {
		s, ok := schemas[schema].(map[string]any)
		if !ok {
			t.Fatalf("no schema %s", schema)
		}
		p, _ := s["properties"].(map[string]any)[field].(map[string]any)
		return p
	}
	for _, tc := range []struct{ schema, field, key string }{
		{"RegistrationInput", "account_name", "maxLength"},
		{"RegistrationInput", "contact_name", "maxLength"},
		{"RegistrationInput", "estimated_acv", "maximum"},
		{"RegistrationInput", "estimated_acv", "minimum"},
	} {
		if p := prop(tc.schema, tc.field); p == nil || p[tc.key] == nil {
			t.Errorf("%s.%s has no %s: %v", tc.schema, tc.field, tc.key, p)
		}
	}
	if !strings.Contains(string(raw), `"name":"q"`) {
		t.Fatal("no q parameter documented")
	}
	paths := doc["paths"].(map[string]any)
	for _, path := range []string{"/registrations", "/opportunities", "/accounts", "/partners"} {
		params := paths[path].(map[string]any)["get"].(map[string]any)["parameters"].([]any)
		found := false
		for _, p := range params {
			p := p.(map[string]any)
			if p["name"] == "q" {
				found = p["schema"].(map[string]any)["maxLength"] != nil
			}
		}
		if !found {
			t.Errorf("GET %s: q has no maxLength", path)
		}
	}
}

// Arrays in request bodies are bounded too: maxItems in the OpenAPI document, and a 4xx naming the
// field past it, with nothing stored.
func TestAPIRefusesOversizedArrays(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, openSQLite(t))
	var doc map[string]any
	e.do("", "GET", "/api/v1/openapi.json", nil).json(t, &doc)
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	bodySchema := func(method, path string) map[string]any {
		op := doc["paths"].(map[string]any)[path].(map[string]any)[method].(map[string]any)
		ref := op["requestBody"].(map[string]any)["content"].(map[string]any)["application/json"].(map[string]any)["schema"].(map[string]any)["$ref"].(string)
		return schemas[strings.TrimPrefix(ref, "#/components/schemas/")].(map[string]any)
	}
	many := func(n int, item string) string {
		items := make([]string, n)
		for i := range items {
			items[i] = item
		}
		return "[" + strings.Join(items, ",") + "]"
	}
	for _, tc := range []struct {
		name, method, path, field, role, body string
	}{
		{"partner countries", "post", "/partners", "countries", "admin", `{"name":"Many Countries","countries":` + many(251, `"US"`) + `}`},
		{"partner verticals", "post", "/partners", "verticals", "admin", `{"name":"Many Verticals","verticals":` + many(101, `"technology"`) + `}`},
		{"partner certifications", "post", "/partners", "certifications", "admin", `{"name":"Many Certs","certifications":` + many(101, `"x"`) + `}`},
		{"webhook events", "post", "/webhooks", "events", "revops", `{"url":"https://hooks.example.test/x","events":` + many(51, `"registration.approve"`) + `}`},
		{"quotas", "put", "/comp/quotas", "quotas", "revops", `{"quotas":` + many(5001, `{"period":"2026-Q3","ae_id":1,"amount":100}`) + `}`},
		{"curricula", "put", "/certifications/curricula", "curricula", "admin", `{"curricula":` + many(201, `{"role":"sales","name":"x"}`) + `}`},
	} {
		p, _ := bodySchema(tc.method, tc.path)["properties"].(map[string]any)[tc.field].(map[string]any)
		if p == nil || p["maxItems"] == nil {
			t.Errorf("%s: %s %s body.%s has no maxItems in the OpenAPI document", tc.name, tc.method, tc.path, tc.field)
		}
		res := e.do(tc.role, strings.ToUpper(tc.method), APIPrefix+tc.path, tc.body)
		if res.status < 400 || res.status >= 500 || !strings.Contains(string(res.body), tc.field) {
			t.Errorf("%s: %d, want a 4xx naming %s (%.300s)", tc.name, res.status, tc.field, res.body)
		}
	}
	if res := e.do("admin", "GET", APIPrefix+"/partners?q=Many", nil); !strings.Contains(string(res.body), `"total":0`) {
		t.Errorf("a refused partner was stored: %.300s", res.body)
	}
}
