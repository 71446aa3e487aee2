package server

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	tandem "github.com/tandem-revops/tandem"
)

// postCSV sends a CSV body to the bulk endpoint with the role's token.
func (e *testEnv) postCSV(role, contentType string, body []byte) response {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.http.URL+APIPrefix+"/registrations/bulk", bytes.NewReader(body))
	must(e.t, err)
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", "Bearer "+e.tokens[role])
	return e.send(http.DefaultClient, req)
}

func (e *testEnv) registrationCount(role string) int {
	e.t.Helper()
	var list listBody[tandem.Registration]
	e.do(role, "GET", APIPrefix+"/registrations?limit=1", nil).json(e.t, &list)
	return list.Total
}

func TestBulkRegistrations(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		before := e.registrationCount("admin")

		// Invalid rows anywhere: nothing is written and every problem is listed.
		bad := "account_name,country,product_type,estimated_acv,expected_close,partner_id,vertical\n" +
			"Good One,US,core,10000,2026-06-30,,retail\n" +
			",DE,core,5000,,,retail\n" +
			"Bad Bits,U5,gadget,-3,30/06/2026,,retail\n" +
			"Other Partner,US,core,100," + "," + itoa(e.ids.partnerB) + ",retail\n"
		res := e.postCSV("partner_a", "text/csv", []byte(bad))
		var out bulkResult
		res.json(t, &out)
		want := []BulkRowError{
			{Line: 3, Column: "account_name", Reason: "is required"},
			{Line: 4, Column: "country", Value: "U5", Reason: "is not an ISO 3166 two-letter country code (US, DE, GB…)"},
			{Line: 4, Column: "product_type", Value: "gadget", Reason: "is not one of core, addon, services"},
			{Line: 4, Column: "estimated_acv", Value: "-3", Reason: "cannot be negative"},
			{Line: 4, Column: "expected_close", Value: "30/06/2026", Reason: "is not a date like 2026-06-30"},
			{Line: 5, Column: "partner_id", Value: itoa(e.ids.partnerB), Reason: "names another partner: you register deals for your own partner only"},
		}
		if res.status != http.StatusUnprocessableEntity || out.Registered != 0 || len(out.Rows) != 0 {
			t.Fatalf("bad file: %d %s", res.status, res.body)
		}
		if diff := cmp.Diff(want, out.Errors); diff != "" {
			t.Errorf("errors (-want +got):\n%s", diff)
		}
		if n := e.registrationCount("admin"); n != before {
			t.Fatalf("a refused file wrote %d registrations", n-before)
		}

		// A clean file as Excel writes it (BOM, semicolons, CRLF, quoted amounts) is filed in order.
		good := "\ufeffAccount_Name;Country;Product_Type;Estimated_ACV;Currency;Website;Vertical\r\n" +
			"Zeta Labs;US;core;\"120.000,50\";EUR;zeta.test;retail\r\n" +
			"Direct Dynamics;US;core;90000;;direct.test;\r\n"
		res = e.postCSV("partner_a", "text/csv; charset=utf-8", []byte(good))
		out = bulkResult{}
		res.json(t, &out)
		if res.status != http.StatusCreated || out.Registered != 2 || len(out.Errors) != 0 {
			t.Fatalf("clean file: %d %s", res.status, res.body)
		}
		if r := out.Rows[0]; r.Line != 2 || r.AccountName != "Zeta Labs" || r.RegistrationID == 0 || r.Motion == "" || r.Review != "" {
			t.Errorf("row 1: %+v", r)
		}
		if r := out.Rows[1]; r.Line != 3 || r.Review != tandem.OverlapUnderReview || r.RegistrationID <= out.Rows[0].RegistrationID {
			t.Errorf("row 2 (overlaps the direct deal): %+v", r)
		}
		if strings.Contains(string(res.body), "Direct Dynamics platform") {
			t.Error("the answer names the other side of the overlap")
		}
		var reg tandem.Registration
		e.do("partner_a", "GET", APIPrefix+"/registrations/"+itoa(out.Rows[0].RegistrationID), nil).json(t, &reg)
		if reg.PartnerID != e.ids.partnerA || reg.EstimatedACV != 12_000_050 || reg.Currency != "EUR" || reg.Website != "zeta.test" {
			t.Errorf("filed %+v", reg)
		}

		// Multipart works too; channel staff must say whose deal each row is.
		body, contentType := multipartForm(t, nil, nil, fileField("deals.csv",
			fmt.Sprintf("partner_id,account_name,country,product_type,estimated_acv,vertical\n%d,Yotta Co,DE,addon,7000,retail\n", e.ids.partnerB)))
		res = e.postCSV("revops", contentType, body.Bytes())
		out = bulkResult{}
		res.json(t, &out)
		if res.status != http.StatusCreated || out.Registered != 1 {
			t.Fatalf("staff multipart: %d %s", res.status, res.body)
		}
		res = e.postCSV("revops", "text/csv", []byte("account_name,country,product_type,estimated_acv,colour\nX,US,core,1,red\n"))
		out = bulkResult{}
		res.json(t, &out)
		wantCols := []BulkRowError{{Line: 1, Column: "colour", Reason: "unknown column; the columns are " + strings.Join(bulkColumns, ", ")},
			{Line: 1, Column: "partner_id", Reason: "required column missing"}}
		if diff := cmp.Diff(wantCols, out.Errors); res.status != 422 || diff != "" {
			t.Errorf("staff without partner_id: %d (-want +got):\n%s", res.status, diff)
		}

		// Too many rows: refused whole, with a clear message.
		var big strings.Builder
		big.WriteString("account_name,country,product_type,estimated_acv\n")
		for i := range maxBulkRows + 1 {
			fmt.Fprintf(&big, "Deal %d,US,core,1000\n", i)
		}
		res = e.postCSV("partner_a", "text/csv", []byte(big.String()))
		if res.status != http.StatusUnprocessableEntity || !strings.Contains(string(res.body), "more than 5000 rows") {
			t.Errorf("too many rows: %d %s", res.status, res.body)
		}
		if res := e.postCSV("partner_a", "text/csv", nil); res.status != http.StatusBadRequest {
			t.Errorf("no body: %d %s", res.status, res.body)
		}
		if res := e.postCSV("partner_a", "text/csv", []byte("account_name,country,product_type,estimated_acv\n")); res.status != 422 ||
			!strings.Contains(string(res.body), "no rows") {
			t.Errorf("header only: %d %s", res.status, res.body)
		}
		// Roles that do not register deals may not call it.
		if res := e.postCSV("ae", "text/csv", []byte(good)); res.status != http.StatusForbidden {
			t.Errorf("AE: %d", res.status)
		}
		if n := e.registrationCount("admin"); n != before+3 {
			t.Errorf("%d registrations written in all, want 3", n-before)
		}
	})
}

func TestBulkPage(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		c, csrf := e.signIn("user@alpha.test")
		if res := e.upload(c, "", "/portal/bulk", "deals.csv", "account_name,country,product_type,estimated_acv\nA,US,core,1\n", false); res.status != http.StatusForbidden {
			t.Errorf("no CSRF: %d", res.status)
		}
		res := e.upload(c, csrf, "/portal/bulk", "deals.csv", "account_name,country,product_type,estimated_acv,partner_id\n"+
			"Fine Co,US,core,1000,\nWrong,US,core,1000,"+itoa(e.ids.partnerB)+"\n", false)
		wantPage(t, res, http.StatusUnprocessableEntity, `id="bulk-error-table"`, "nothing was registered", "<td class=\"num\">3</td><td>partner_id</td>",
			"names another partner")
		wantAbsent(t, res, "Beta Systems", `id="bulk-result-table"`)
		res = e.upload(c, csrf, "/portal/bulk", "deals.csv", "account_name,country,product_type,estimated_acv,vertical\nFine Co,US,core,1000,retail\nFiner Co,GB,services,2500,retail\n", false)
		wantPage(t, res, 200, `id="bulk-result-table"`, "2 deals registered from deals.csv", "Fine Co", "Finer Co", `class="motion `)
	})
}
