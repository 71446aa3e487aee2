package importer

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	tandem "github.com/tandem-revops/tandem"
)

func TestReadHistory(t *testing.T) {
	day := func(y int, m time.Month, d int) string {
		return strconv.FormatInt(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).UnixMicro(), 10)
	}
	at := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	const (
		stage = tandem.HistoryStage
		acv   = tandem.HistoryACV
		close = tandem.HistoryCloseDate
		fc    = tandem.HistoryForecastCategory
	)
	tests := []struct {
		file, format string
		want         []HistoryChange
	}{
		{"sf-opportunity-history.csv", "salesforce-opportunity-history", []HistoryChange{
			{2, "006A", "", stage, "", "prospecting", at("2025-01-06T09:00:00Z")},
			{2, "006A", "", acv, "", "5000000", at("2025-01-06T09:00:00Z")},
			{2, "006A", "", close, "", day(2025, 3, 31), at("2025-01-06T09:00:00Z")},
			{2, "006A", "", fc, "", "pipeline", at("2025-01-06T09:00:00Z")},
			{3, "006A", "", stage, "prospecting", "proposal", at("2025-02-03T09:00:00Z")},
			{3, "006A", "", fc, "pipeline", "best_case", at("2025-02-03T09:00:00Z")},
			{4, "006B", "", stage, "", "qualified", at("2025-01-10T12:30:00Z")},
			{4, "006B", "", acv, "", "1200050", at("2025-01-10T12:30:00Z")},
			{4, "006B", "", close, "", day(2025, 6, 30), at("2025-01-10T12:30:00Z")},
			{4, "006B", "", fc, "", "pipeline", at("2025-01-10T12:30:00Z")},
			{5, "006A", "", stage, "proposal", "closed_won", at("2025-03-20T16:00:00Z")},
			{5, "006A", "", acv, "5000000", "6200000", at("2025-03-20T16:00:00Z")},
			{5, "006A", "", close, day(2025, 3, 31), day(2025, 3, 20), at("2025-03-20T16:00:00Z")},
			{5, "006A", "", fc, "best_case", "closed", at("2025-03-20T16:00:00Z")},
		}},
		{"sf-field-history.csv", "salesforce-field-history", []HistoryChange{
			{2, "006A", "", stage, "prospecting", "proposal", at("2025-02-03T09:00:00Z")},
			{4, "006A", "", acv, "5000000", "6200000", at("2025-03-01T10:00:00Z")},
			{5, "006A", "", close, day(2025, 3, 31), day(2025, 4, 15), at("2025-03-01T10:00:00Z")},
		}},
		{"hubspot-deal-property-history.csv", "hubspot-property-history", []HistoryChange{
			{2, "9001", "", stage, "", "prospecting", at("2025-01-06T09:00:00Z")},
			{3, "9001", "", acv, "", "4000000", at("2025-01-06T09:00:00Z")},
			{5, "9001", "", stage, "prospecting", "negotiation", time.UnixMilli(1739350800000).UTC()},
			{6, "9001", "", acv, "4000000", "4500000", time.UnixMilli(1739350800000).UTC()},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			for _, format := range []string{"", tc.format} { // detected from the header, and named
				f, err := os.Open(filepath.Join("testdata", tc.file))
				if err != nil {
					t.Fatal(err)
				}
				got, err := ReadHistory(f, tc.file, format)
				f.Close()
				if err != nil {
					t.Fatalf("format %q: %v", format, err)
				}
				if len(got) != len(tc.want) {
					t.Fatalf("format %q: %d changes, want %d: %+v", format, len(got), len(tc.want), got)
				}
				for i := range got {
					g, w := got[i], tc.want[i]
					if g.Line != w.Line || g.OpportunityID != w.OpportunityID || g.IDColumn == "" || g.Field != w.Field || g.Old != w.Old ||
						g.New != w.New || !g.ChangedAt.Equal(w.ChangedAt) {
						t.Errorf("format %q: change %d = %+v, want %+v", format, i+1, g, w)
					}
				}
			}
		})
	}
}

func TestReadHistoryErrors(t *testing.T) {
	tests := []struct {
		name, format, input string
		want                []string // parts of the error: file, line, column, reason
	}{
		{"bad amount", "", "", []string{"sf-opportunity-history-bad-amount.csv", "line 3", `"Amount"`, "not a number"}},
		{"missing column", "salesforce-field-history", "OpportunityId,CreatedDate,Field,OldValue\n006A,2025-01-01,Amount,1\n",
			[]string{"in.csv", "line 1", `"NewValue"`, "is required"}},
		{"unknown stage", "", "OpportunityId,CreatedDate,Field,OldValue,NewValue\n006A,2025-01-01,StageName,,Dreaming\n",
			[]string{"in.csv", "line 2", `"NewValue"`, `"Dreaming" is not a known stage`}},
		{"bad old value", "", "OpportunityId,CreatedDate,Field,OldValue,NewValue\n006A,2025-01-01,Amount,lots,5\n",
			[]string{"in.csv", "line 2", `"OldValue"`, "not a number"}},
		{"bad timestamp", "", "Deal ID,Property,Value,Timestamp\n9001,amount,5,yesterday\n",
			[]string{"in.csv", "line 2", `"Timestamp"`, "not a date"}},
		{"no deal id", "", "Deal ID,Property,Value,Timestamp\n,amount,5,2025-01-01\n",
			[]string{"in.csv", "line 2", `"Deal ID"`, "is required"}},
		{"unknown shape", "", "a,b\n1,2\n", []string{"in.csv", "unknown history format"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			if tc.input == "" {
				f, ferr := os.Open(filepath.Join("testdata", tc.want[0]))
				if ferr != nil {
					t.Fatal(ferr)
				}
				defer f.Close()
				_, err = ReadHistory(f, tc.want[0], tc.format)
			} else {
				_, err = ReadHistory(strings.NewReader(tc.input), "in.csv", tc.format)
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, part := range tc.want {
				if !strings.Contains(err.Error(), part) {
					t.Errorf("error %q does not contain %q", err, part)
				}
			}
		})
	}
}
