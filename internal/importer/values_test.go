package importer

import (
	"testing"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/country/countrytest"
)

func TestParseMoney(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		in       string
		want     tandem.Money
		currency string
		wantErr  bool
	}{
		{"plain", "1200", 120000, "", false},
		{"cents", "1200.5", 120050, "", false},
		{"negative", "-3.25", -325, "", false},
		{"dollars with separators", "$1,200,000.00", 120000000, "USD", false},
		{"euro comma decimals", "€1.200,50", 120050, "EUR", false},
		{"three places round half even", "0.125", 12, "", false},
		{"not a number", "12x", 0, "", true},
		{"negative dollars", "-$1,200.50", -120050, "USD", false},
		{"comma decimal", "1200,50", 120050, "", false},
		{"indian grouping goes the slow way", "1,20,000", 12000000, "", false},
		{"two dots", "1.2.3", 0, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, cur, err := parseMoney(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("parseMoney(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			}
			if got != tt.want || cur != tt.currency {
				t.Errorf("parseMoney(%q) = %v %q, want %v %q", tt.in, got, cur, tt.want, tt.currency)
			}
		})
	}
}

func TestParseTime(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		layouts []string
		want    time.Time
		wantErr bool
	}{
		{"iso", "2017-03-01", nil, time.Date(2017, 3, 1, 0, 0, 0, 0, time.UTC), false},
		{"us", "3/1/2017", nil, time.Date(2017, 3, 1, 0, 0, 0, 0, time.UTC), false},
		{"rfc3339", "2020-12-22T21:16:01Z", nil, time.Date(2020, 12, 22, 21, 16, 1, 0, time.UTC), false},
		{"mapping layout first", "3/1/2017", []string{"2/1/2006"}, time.Date(2017, 1, 3, 0, 0, 0, 0, time.UTC), false},
		{"garbage", "31.02.x", nil, time.Time{}, true},
		{"impossible date", "2017-02-31", nil, time.Time{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseTime(tt.in, tt.layouts)
			if (err != nil) != tt.wantErr {
				t.Fatalf("parseTime(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			}
			if !got.Equal(tt.want) {
				t.Errorf("parseTime(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestVocabulary(t *testing.T) {
	t.Parallel()
	v := newVocabulary()
	stages := map[string]tandem.Stage{
		"Closed Won": tandem.StageClosedWon, "closedwon": tandem.StageClosedWon, "Closed/Won": tandem.StageClosedWon,
		"Prospecting": tandem.StageProspecting, "Qualification": tandem.StageQualified,
		"Needs Analysis": tandem.StageQualified, "Proposal/Price Quote": tandem.StageProposal,
		"Negotiation/Review": tandem.StageNegotiation, "appointmentscheduled": tandem.StageProspecting,
		"contractsent": tandem.StageNegotiation, "Closed Lost": tandem.StageClosedLost, "closed_won": tandem.StageClosedWon,
		"Loss": tandem.StageClosedLost,
	}
	for in, want := range stages {
		if got, ok := lookup(v, v.stages, in); !ok || got != want {
			t.Errorf("stage %q = %q, %v; want %q", in, got, ok, want)
		}
	}
	if _, ok := lookup(v, v.stages, "Assigned dynamically"); ok {
		t.Error(`"Assigned dynamically" is not a standard stage and must need a mapping`)
	}
	countries := map[string]string{
		"United States": "US", "USA": "US", "U.S.": "US", "Germany": "DE", "United Kingdom": "GB", "UK": "GB",
		"de": "DE", "DEU": "DE", "Korea": "KR", "españa": "ES", "Philippines": "PH",
	}
	for in, want := range countries {
		if got, ok := v.country(in); !ok || got != want {
			t.Errorf("country %q = %q, %v; want %q", in, got, ok, want)
		}
	}
	if _, ok := v.country("Atlantis"); ok {
		t.Error("Atlantis is not a country")
	}
}

func TestParsePercent(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]int{"12.5%": 1250, "12.5": 1250, "0": 0, "100": 10000} {
		got, err := parsePercent(in)
		if err != nil || got != want {
			t.Errorf("parsePercent(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"abc", "101", "-1"} {
		if _, err := parsePercent(in); err == nil {
			t.Errorf("parsePercent(%q) should fail", in)
		}
	}
}

func TestSlugAndTemplates(t *testing.T) {
	t.Parallel()
	if got := slug("Anna  Snelling"); got != "anna.snelling" {
		t.Errorf("slug = %q", got)
	}
	if got := slug("Zane Levy-Jones"); got != "zane.levy.jones" {
		t.Errorf("slug = %q", got)
	}
	if _, err := parseTemplate("{unclosed"); err == nil {
		t.Error("an unclosed { must be an error")
	}
	if _, err := parseTemplate("{a|shout}"); err == nil {
		t.Error("an unknown filter must be an error")
	}
}

// TestImportAcceptsExportSpellings runs the country spellings real exports use through the import's
// vocabulary: the same list route accepts (cmd/tandem TestRouteAcceptsExportSpellings).
func TestImportAcceptsExportSpellings(t *testing.T) {
	t.Parallel()
	v := newVocabulary()
	for _, s := range countrytest.ReadSpellingsFile(t, "../country/testdata/export_spellings.txt") {
		if got, ok := v.country(s.In); !ok || got != s.Want {
			t.Errorf("import: country %q = %q, %v; want %q", s.In, got, ok, s.Want)
		}
	}
}
