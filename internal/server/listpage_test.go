package server

import (
	"encoding/csv"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseList(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		url        string
		page, size int
		csv        bool
		filters    string
	}{
		{"defaults", "/registrations", 1, 50, false, ""},
		{"page and size", "/registrations?page=3&size=25&status=approved", 3, 25, false, "status=approved"},
		{"a size not offered is the default", "/registrations?size=7", 1, 50, false, ""},
		{"a bad page is the first", "/registrations?page=-2", 1, 50, false, ""},
		{"an old offset link lands on its page", "/registrations?offset=100", 3, 50, false, ""},
		{"csv keeps filters, drops paging", "/registrations?format=csv&page=2&q=acme&sort=-estimated_acv", 2, 50, true, "q=acme&sort=-estimated_acv"},
		{"empty filters are dropped", "/registrations?status=&q=x", 1, 50, false, "q=x"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := parseList(httptest.NewRequest(http.MethodGet, c.url, nil))
			if p.Page != c.page || p.Size != c.size || p.CSV != c.csv || p.Filters.Encode() != c.filters {
				t.Errorf("parseList(%s) = page %d size %d csv %v filters %q", c.url, p.Page, p.Size, p.CSV, p.Filters.Encode())
			}
		})
	}
}

func TestPager(t *testing.T) {
	t.Parallel()
	p := parseList(httptest.NewRequest(http.MethodGet, "/registrations?status=approved&page=6&size=25", nil))
	pg := p.Pager(1234, 25)
	if pg.FromText != "126" || pg.ToText != "150" || pg.TotalText != "1,234" {
		t.Errorf("rows %s–%s of %s", pg.FromText, pg.ToText, pg.TotalText)
	}
	var pages []int
	for _, l := range pg.Pages {
		pages = append(pages, l.Number) // 0 is a gap
	}
	if diff := cmp.Diff([]int{1, 0, 4, 5, 6, 7, 8, 0, 50}, pages); diff != "" {
		t.Errorf("pages (-want +got):\n%s", diff)
	}
	if pg.Prev != "/registrations?page=5&size=25&status=approved" || pg.Next != "/registrations?page=7&size=25&status=approved" {
		t.Errorf("prev %q next %q", pg.Prev, pg.Next)
	}
	if pg.Pages[0].Link != "/registrations?size=25&status=approved" {
		t.Errorf("first page link %q", pg.Pages[0].Link)
	}
	if pg.CSV != "/registrations?format=csv&status=approved" {
		t.Errorf("csv link %q", pg.CSV)
	}
	if len(pg.Sizes) != len(listSizes) || pg.Sizes[0].Size != 25 || !pg.Sizes[0].On {
		t.Errorf("sizes %+v", pg.Sizes)
	}
	if one := parseList(httptest.NewRequest(http.MethodGet, "/x", nil)).Pager(3, 3); one.Pages != nil || one.Next != "" || one.Prev != "" {
		t.Errorf("a single page has page links: %+v", one)
	}
}

// The staff registrations list filters by status, company and partner, pages with a chosen size, and
// downloads what it shows as a formula-safe CSV; partner users never get it.
func TestRegistrationsList(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		c, _ := e.signIn("revops@vendor.test")
		get := func(path string) response {
			t.Helper()
			res := e.get(c, path)
			if res.status != http.StatusOK {
				t.Fatalf("%s: %d %s", path, res.status, res.body)
			}
			return res
		}
		body := string(get("/registrations?q=acme").body)
		if !strings.Contains(body, "Acme Corp") || strings.Contains(body, "Bergmann GmbH</a>") {
			t.Errorf("q=acme list: %s", body)
		}
		body = string(get("/registrations?partner_id=" + itoa(e.ids.partnerB)).body)
		if strings.Contains(body, "Acme Corp</a>") || !strings.Contains(body, "Bergmann GmbH</a>") {
			t.Errorf("partner B's list: %s", body)
		}
		body = string(get("/registrations?status=approved").body)
		if strings.Contains(body, "Acme Corp</a>") {
			t.Errorf("approved list shows a submitted registration")
		}
		body = string(get("/registrations?size=25").body)
		if !strings.Contains(body, `class="pager"`) || !strings.Contains(body, "1–2 of <strong>2</strong>") {
			t.Errorf("pager missing: %s", body)
		}
		res := get("/registrations?format=csv&sort=account_name")
		if ct := res.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
			t.Fatalf("csv content type %q", ct)
		}
		rows, err := csv.NewReader(strings.NewReader(string(res.body))).ReadAll()
		must(t, err)
		if len(rows) != 3 || rows[0][2] != "account_name" || rows[1][2] != "Acme Corp" || rows[2][3] != "Beta Systems" {
			t.Errorf("csv rows %q", rows)
		}
		if res := e.get(c, "/registrations?status=nonsense"); res.status != http.StatusUnprocessableEntity ||
			!strings.Contains(string(res.body), "status") {
			t.Errorf("bad status filter: %d", res.status)
		}
		// A partner user's CSV holds its own registrations only, whatever partner it asks for.
		pc, _ := e.signIn("user@alpha.test")
		res = e.get(pc, "/registrations?format=csv&partner_id="+itoa(e.ids.partnerB))
		if strings.Contains(string(res.body), "Bergmann") {
			t.Errorf("partner A's CSV shows partner B's registration: %s", res.body)
		}
		res = e.get(pc, "/registrations?format=csv")
		if !strings.Contains(string(res.body), "Acme Corp") || strings.Contains(string(res.body), "Bergmann") {
			t.Errorf("partner A's CSV: %s", res.body)
		}
	})
}
