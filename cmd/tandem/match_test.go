package main

import (
	"strings"
	"testing"
)

func TestMatchCommand(t *testing.T) {
	t.Parallel()
	accounts := writeTemp(t, "accounts.csv", "\ufeffid,name,domain,country\r\n"+
		"A1,\"CISCO SYSTEMS, INC.\",cisco.com,US\r\n"+
		"A2,LOWES COMPANIES INC,lowes.com,US\r\n"+
		"A3,HUNT J B TRANSPORT SERVICES INC,jbhunt.com,US\r\n"+
		"A4,ELI LILLY & Co,lilly.com,US\r\n"+
		"A5,Acme Corporation,acme.com,US")
	tests := []struct {
		name     string
		queries  string
		code     int
		wantID   []string
		decision []string
		match    []string
	}{
		{
			name: "brand names resolve to registrant names",
			queries: "id,name\n" +
				"q1,Cisco\n" +
				"q2,Lowe's\n" +
				"q3,J.B. Hunt\n" +
				"q4,Lilly (Eli)\n",
			wantID:   []string{"q1", "q2", "q3", "q4"},
			decision: []string{"match", "match", "match", "match"},
			match:    []string{"A1", "A2", "A3", "A4"},
		},
		{
			name:     "domain wins over a different spelling",
			queries:  "id,name,domain\nq1,ACME Corp.,https://www.acme.com/about\n",
			wantID:   []string{"q1"},
			decision: []string{"match"},
			match:    []string{"A5"},
		},
		{
			name:     "an unknown company is new",
			queries:  "id,name\nq1,Zebulon Quarry Widgets\n",
			wantID:   []string{"q1"},
			decision: []string{"new"},
			match:    []string{""},
		},
		{
			name:     "a bad row is reported by line and the rest still match",
			queries:  "id,name\nq1,Cisco\nq2\nq3,Lowe's\n",
			code:     1,
			wantID:   []string{"q1", "", "q3"},
			decision: []string{"match", "", "match"},
			match:    []string{"A1", "", "A2"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			queries := writeTemp(t, "queries.csv", tt.queries)
			code, out, errOut := runTandem(t, "", "match", "--accounts", accounts, "--queries", queries)
			if code != tt.code {
				t.Fatalf("exit status %d, want %d; stderr: %s", code, tt.code, errOut)
			}
			rows := decodeLines(t, out)
			if len(rows) != len(tt.wantID) {
				t.Fatalf("got %d output lines, want %d:\n%s", len(rows), len(tt.wantID), out)
			}
			for i, row := range rows {
				if tt.wantID[i] == "" {
					if row["line"] != float64(3) || !strings.Contains(row["error"].(string), "queries.csv") {
						t.Errorf("line %d: got %v, want an error for line 3 naming the file", i, row)
					}
					continue
				}
				m, _ := row["match"].(string)
				if row["id"] != tt.wantID[i] || row["decision"] != tt.decision[i] || m != tt.match[i] {
					t.Errorf("line %d: got id=%v decision=%v match=%v (%v), want %s %s %s",
						i, row["id"], row["decision"], row["match"], row["reason"], tt.wantID[i], tt.decision[i], tt.match[i])
				}
				if row["decision"] != "new" && (row["score"] == nil || row["reason"] == "") {
					t.Errorf("line %d: a match needs a score and a reason: %v", i, row)
				}
			}
		})
	}
}

func TestMatchCommandUsage(t *testing.T) {
	t.Parallel()
	code, _, errOut := runTandem(t, "", "match", "--queries", "x.csv")
	if code != 2 || !strings.Contains(errOut, "accounts") {
		t.Fatalf("missing --accounts: exit %d, stderr %q; want 2 naming the flag", code, errOut)
	}
}
