package match

import (
	"encoding/csv"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func readTestCSV(t *testing.T, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var rows []map[string]string
	for _, rec := range recs[1:] {
		row := map[string]string{}
		for i, h := range recs[0] {
			row[h] = rec[i]
		}
		rows = append(rows, row)
	}
	return rows
}

func testIndex(t *testing.T) *Index {
	t.Helper()
	var accounts []Account
	for _, r := range readTestCSV(t, "testdata/accounts.csv") {
		accounts = append(accounts, Account{ID: r["id"], Name: r["name"], Domain: r["domain"], Country: r["country"]})
	}
	return NewIndex(accounts)
}

// TestVariants checks hand-written spellings (testdata/variants.csv) against a small account base
// (testdata/accounts.csv): each row names the decision and, for match and review, the account.
func TestVariants(t *testing.T) {
	t.Parallel()
	idx := testIndex(t)
	for _, v := range readTestCSV(t, "testdata/variants.csv") {
		t.Run(v["name"]+v["domain"]+v["country"], func(t *testing.T) {
			t.Parallel()
			r := idx.Match(Query{ID: "q", Name: v["name"], Domain: v["domain"], Country: v["country"]})
			got := [2]string{string(r.Decision), r.AccountID}
			want := [2]string{v["decision"], v["account"]}
			if got != want {
				t.Errorf("%s: got %v (score %.3f: %s), want %v; candidates %+v", v["why"], got, r.Score, r.Reason, want, r.Candidates)
			}
			if r.Decision != DecisionNew && (r.Reason == "" || r.Score <= 0 || r.Score > 1) {
				t.Errorf("score %v and reason %q, want a score in (0,1] and a reason", r.Score, r.Reason)
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"legal forms stripped repeatedly", "Acme Corporation, Inc.", "acme"},
		{"state tag", "BANK OF AMERICA CORP /DE/", "bank of america"},
		{"backslash state tag", `US BANCORP \DE\`, "us bancorp"},
		{"new tag", "COSTCO WHOLESALE CORP /NEW", "costco wholesale"},
		{"adr tag", "Midea Group Co., Ltd./ADR", "midea"},
		{"initials joined", "J.B. Hunt", "jb hunt"},
		{"spaced initials", "SMITH A O CORP", "smith ao"},
		{"apostrophe", "Lowe's", "lowes"},
		{"curly apostrophe", "Lowe’s Companies, Inc.", "lowes"},
		{"ampersand spaced", "ELI LILLY & Co", "eli lilly"},
		{"ampersand inside a word", "AT&T Inc.", "att"},
		{"the", "The Coca-Cola Company", "coca cola"},
		{"parenthesised the", "Hartford (The)", "hartford"},
		{"accents", "Nestlé S.A.", "nestle"},
		{"letters NFKD keeps", "Ørsted A/S", "orsted"},
		{"share class", "Alphabet Inc. (Class A)", "alphabet"},
		{"common stock", "3M Company Common Stock", "3m"},
		{"ordinary shares", "Arm Holdings plc - American Depositary Shares", "arm"},
		{"ads", "Braskem SA ADR", "braskem"},
		{"dotcom", "AMAZON COM INC", "amazon"},
		{"only legal words keeps the last", "Group Inc", "group"},
		{"canonical abbreviation", "Blackrock Limited Duration Income Trust", "blackrock ltd duration income trust"},
		{"empty", "  ", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := Normalize(tt.in); got != tt.want {
				t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestDomains(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, domain, label string }{
		{"acme.com", "acme.com", "acme"},
		{"https://www.Acme.co.uk/about?x=1", "acme.co.uk", "acme"},
		{"sales@shop.acme.com", "shop.acme.com", "acme"},
		{"Acme Corp", "", ""},
	}
	for _, tt := range tests {
		d := normalizeDomain(tt.in)
		label := ""
		if d != "" {
			label = domainLabel(d)
		}
		if d != tt.domain || label != tt.label {
			t.Errorf("%q: domain %q label %q, want %q %q", tt.in, d, label, tt.domain, tt.label)
		}
	}
}

func TestEditDistance(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b  string
		limit int
		want  int
	}{
		{"microsoft", "microsoft", 2, 0},
		{"microsfot", "microsoft", 2, 1}, // transposition
		{"micosoft", "microsoft", 2, 1},
		{"masimo", "massimo", 1, 1},
		{"abc", "xyz", 1, 2}, // gives up past the limit
	}
	for _, tt := range tests {
		if got := editDistance(tt.a, tt.b, tt.limit); got != tt.want {
			t.Errorf("editDistance(%q, %q, %d) = %d, want %d", tt.a, tt.b, tt.limit, got, tt.want)
		}
	}
}

func TestMatchResultShape(t *testing.T) {
	t.Parallel()
	idx := testIndex(t)
	r := idx.Match(Query{ID: "q1", Name: "Cisco"})
	if r.QueryID != "q1" || r.Decision != DecisionMatch || r.AccountID != "cisco" {
		t.Fatalf("got %+v", r)
	}
	if !strings.Contains(r.Reason, "name tokens cisco match") || !strings.Contains(r.Reason, "Jaro-Winkler") {
		t.Errorf("reason %q does not explain the match", r.Reason)
	}
	if len(r.Candidates) == 0 || r.Candidates[0].AccountID != "cisco" || r.Candidates[0].Score != r.Score {
		t.Errorf("candidates %+v, want cisco first with the result's score", r.Candidates)
	}
	domain := idx.Match(Query{ID: "q2", Name: "Whatever", Domain: "www.cisco.com"})
	if domain.AccountID != "cisco" || !strings.HasPrefix(domain.Reason, "domain cisco.com matches") {
		t.Errorf("domain match: %+v", domain)
	}
	empty := idx.Match(Query{ID: "q3"})
	if diff := cmp.Diff(Result{QueryID: "q3", Decision: DecisionNew, Reason: "no name or domain to match on"}, empty); diff != "" {
		t.Errorf("empty query (-want +got):\n%s", diff)
	}
}

// TestMatchConcurrent runs the same queries from several goroutines; with -race it checks that Match
// shares nothing mutable, and the results must equal the sequential ones.
func TestMatchConcurrent(t *testing.T) {
	t.Parallel()
	idx := testIndex(t)
	variants := readTestCSV(t, "testdata/variants.csv")
	want := make([]Result, len(variants))
	for i, v := range variants {
		want[i] = idx.Match(Query{ID: v["name"], Name: v["name"], Domain: v["domain"], Country: v["country"]})
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for i, v := range variants {
				got := idx.Match(Query{ID: v["name"], Name: v["name"], Domain: v["domain"], Country: v["country"]})
				if diff := cmp.Diff(want[i], got); diff != "" {
					t.Errorf("%q concurrently (-want +got):\n%s", v["name"], diff)
				}
			}
		})
	}
	wg.Wait()
}
