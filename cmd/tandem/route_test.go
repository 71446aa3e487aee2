package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// runTandem runs the command in-process and returns its exit status and output.
func runTandem(t testing.TB, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	env := &Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }}
	code := run(context.Background(), env, args)
	return code, out.String(), errOut.String()
}

func writeTemp(t testing.TB, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// decodeLines decodes every output line as a JSON object, failing on anything that is not JSON.
func decodeLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var rows []map[string]any
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("output line %q is not JSON: %v", line, err)
		}
		rows = append(rows, m)
	}
	return rows
}

func TestRouteCommand(t *testing.T) {
	t.Parallel()
	const header = "id,account,acv,country,vertical,product_type,registration_status,current_motion\n"
	tests := []struct {
		name  string
		input string
		code  int
		want  []map[string]any
	}{
		{
			name: "boundaries and order",
			input: header +
				"D-1,Acme,\"$249,999.99\",US,technology,core,,\n" +
				"D-2,Beta,250000,United States,technology,core,,\n" +
				"D-3,Gamma,\"$1,000,000.00\",Germany,technology,core,,\n" +
				"D-4,Delta,1000000.01,us,technology,core,,\n" +
				"D-5,Eps,2000000,US,Healthcare,core,,\n" +
				"D-6,Zeta,2000000,US,technology,core,approved,partner-led\n",
			want: []map[string]any{
				{"id": "D-1", "motion": "partner_led", "partner_attached": true, "rule": "under-250k"},
				{"id": "D-2", "motion": "co_sell", "partner_attached": true, "rule": "250k-to-1m"},
				{"id": "D-3", "motion": "co_sell", "partner_attached": true, "rule": "250k-to-1m"},
				{"id": "D-4", "motion": "direct", "partner_attached": true, "rule": "over-1m"},
				{"id": "D-5", "motion": "partner_led", "partner_attached": true, "rule": "specialised-verticals"},
				{"id": "D-6", "motion": "partner_led", "partner_attached": true, "rule": "sticky-partner-led"},
			},
		},
		{
			name: "bad rows are reported and the rest still routed",
			input: header +
				"D-1,Acme,12x,US,technology,core,,\n" +
				"D-2,Beta,100,Atlantis,technology,core,,\n" +
				"D-3,Gamma,100,US,technology,hardware,,\n" +
				"D-4,Delta,100,US,technology,core,,\n" +
				",Eps,100,US,technology,core,,\n" +
				"D-6,Zeta,€100,US,technology,core,,\n",
			code: 1,
			want: []map[string]any{
				{"line": 2.0, "error": `acv: "12x" is not a number`},
				{"line": 3.0, "error": `country: "Atlantis" is not an ISO country code or a known country name`},
				{"line": 4.0, "error": `product_type: "hardware" is not one of core, addon, services`},
				{"id": "D-4", "motion": "partner_led", "partner_attached": true, "rule": "under-250k"},
				{"line": 6.0, "error": "id: empty"},
				{"id": "D-6", "motion": "partner_led", "partner_attached": true, "rule": "under-250k"},
			},
		},
		{
			name:  "BOM, CRLF, semicolons, no final newline, headers in any case",
			input: "\uFEFFID; Account ;ACV;Country;Vertical;Product Type\r\nD-1;Acme;1.200.000,00 €;FR;technology;core\r\nD-2;Beta;\"1200\";JP;technology;core",
			want: []map[string]any{
				{"id": "D-1", "motion": "direct", "partner_attached": true, "rule": "over-1m"},
				{"id": "D-2", "motion": "partner_led", "partner_attached": true, "rule": "no-direct-presence"},
			},
		},
		{
			name:  "a currency without an fx rate is an error for that deal",
			input: "id,account,acv,country,vertical,product_type,currency\nD-1,Acme,100,US,technology,core,JPY\n",
			code:  1,
			want:  []map[string]any{{"line": 2.0, "error": "currency: JPY is not a currency the programme accepts (use one of CAD, EUR, GBP, USD)"}},
		},
		{
			name: "negative, doubly negative and out-of-range ACVs are refused",
			input: header +
				"D-1,Acme,-5,US,technology,core,,\n" +
				"D-2,Beta,(100.00),US,technology,core,,\n" +
				"D-3,Gamma,--5,US,technology,core,,\n" +
				"D-4,Delta,\"20,000,000,000\",US,technology,core,,\n" +
				"D-5,Eps,\"10,000,000,000\",US,technology,core,,\n",
			code: 1,
			want: []map[string]any{
				{"line": 2.0, "error": `acv: "-5" cannot be negative`},
				{"line": 3.0, "error": `acv: "(100.00)" cannot be negative`},
				{"line": 4.0, "error": `acv: "--5" is not a number`},
				{"line": 5.0, "error": `acv: "20,000,000,000" is over the largest amount Tandem accepts (10000000000.00)`},
				{"id": "D-5", "motion": "direct", "partner_attached": true, "rule": "over-1m"},
			},
		},
		{
			name:  "a CSV syntax error spoils only its row",
			input: header + "D-1,Be\"ta,100,US,technology,core,,\nD-2,Beta,100,US,technology,core,,\n",
			code:  1,
			want: []map[string]any{
				{"line": 2.0, "error": `a quote (") inside an unquoted field on line 2; quote the whole field and double the inner quotes`},
				{"id": "D-2", "motion": "partner_led", "partner_attached": true, "rule": "under-250k"},
			},
		},
		{
			name:  "a quoted field spanning lines keeps later line numbers right",
			input: header + "D-1,\"Acme\nInc\",100,US,technology,core,,\nD-2,Beta,x,US,technology,core,,\n",
			code:  1,
			want: []map[string]any{
				{"id": "D-1", "motion": "partner_led", "partner_attached": true, "rule": "under-250k"},
				{"line": 4.0, "error": `acv: "x" is not a number`},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := writeTemp(t, "deals.csv", tt.input)
			code, out, stderr := runTandem(t, "", "route", "--deals", path)
			if code != tt.code {
				t.Errorf("exit status %d, want %d (stderr %q)", code, tt.code, stderr)
			}
			got := decodeLines(t, out)
			for _, row := range got {
				if _, ok := row["explanation"]; ok {
					if row["explanation"] == "" {
						t.Errorf("row %v has an empty explanation", row)
					}
					delete(row, "explanation")
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("output mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRouteCommandUsage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, input string
		args        []string
		code        int
		stderr      string
	}{
		{"missing required column", "id,account,acv,country,vertical\nD-1,A,1,US,tech\n", nil, 2, "has no product_type column"},
		{"two missing columns", "id,acv,country,vertical\n", nil, 2, "has no account, product_type column"},
		{"empty file", "", nil, 2, "is empty"},
		{"no --deals", "", []string{"route"}, 2, "--deals FILE.csv is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			args := tt.args
			if args == nil {
				args = []string{"route", "--deals", writeTemp(t, "deals.csv", tt.input)}
			}
			code, _, stderr := runTandem(t, "", args...)
			if code != tt.code || !strings.Contains(stderr, tt.stderr) {
				t.Errorf("exit %d stderr %q; want %d and %q", code, stderr, tt.code, tt.stderr)
			}
		})
	}
}

func TestRouteCommandWithPolicyFields(t *testing.T) {
	t.Parallel()
	pol := writeTemp(t, "p.yaml", `name: Segments
version: "2"
effective_from: 2026-01-01
rules:
  - {id: smb, title: SMB, when: 'fields["Segment"] == "smb"', motion: partner_led, explain: "SMB deal {{.ID}}"}
  - {id: rest, title: Rest, motion: direct, partner_attached: false, explain: "Direct for {{.Account}}"}
`)
	deals := writeTemp(t, "d.csv", "id,account,acv,country,vertical,product_type,Segment\nD-1,\"Acme \"\"Q\"\"\",1,US,t,core,smb\nD-2,Beta,1,US,t,core,ent\n")
	code, out, stderr := runTandem(t, "", "route", "--deals", deals, "--policy", pol)
	want := `{"id":"D-1","motion":"partner_led","partner_attached":true,"rule":"smb","explanation":"SMB deal D-1"}
{"id":"D-2","motion":"direct","partner_attached":false,"rule":"rest","explanation":"Direct for Beta"}
`
	if code != 0 || out != want {
		t.Errorf("exit %d, stderr %q, output:\n%s\nwant:\n%s", code, stderr, out, want)
	}
}

// TestRouteCommandOrder routes more rows than fit in one batch through several workers and checks
// they come out in input order.
func TestRouteCommandOrder(t *testing.T) {
	t.Parallel()
	var in strings.Builder
	in.WriteString("id,account,acv,country,vertical,product_type\n")
	const n = 5*routeBatchSize + 17
	for i := range n {
		fmt.Fprintf(&in, "D-%d,Acme,%d,US,technology,core\n", i, (i*7919)%3_000_000)
	}
	code, out, stderr := runTandem(t, "", "route", "--deals", writeTemp(t, "d.csv", in.String()), "--workers", "4")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	rows := decodeLines(t, out)
	if len(rows) != n {
		t.Fatalf("%d rows out, want %d", len(rows), n)
	}
	for i, r := range rows {
		if r["id"] != fmt.Sprintf("D-%d", i) {
			t.Fatalf("row %d is %v", i, r["id"])
		}
	}
}

func TestAppendJSONString(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"plain", `quo"te\back`, "tab\tnew\nline\x01", "€ and \u2028", "bad \xff utf8"} {
		var got string
		if err := json.Unmarshal(appendJSONString(nil, s), &got); err != nil {
			t.Errorf("appendJSONString(%q) is not JSON: %v", s, err)
			continue
		}
		want, _ := json.Marshal(s)
		var wantS string
		json.Unmarshal(want, &wantS)
		if got != wantS {
			t.Errorf("appendJSONString(%q) decodes to %q, want %q", s, got, wantS)
		}
	}
}
