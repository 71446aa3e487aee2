package certification

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestReadLMS(t *testing.T) {
	t.Parallel()
	known := []Curriculum{{ID: "sell-fin", Role: PartnerSales}, {ID: "tech-core", Role: PartnerTechnical}}
	got, err := ReadLMS("lms.csv", strings.NewReader("Person;Partner;Curriculum;Earned;Expires;Score\nann;acme;sell-fin;2025-03-01;2027-03-01;91\nzed;;tech-core;2024-01-15;;80\n"), known)
	if err != nil {
		t.Fatal(err)
	}
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	want := []Certification{
		{Person: "ann", Partner: "acme", Curriculum: "sell-fin", Earned: day(2025, 3, 1), Expires: day(2027, 3, 1)},
		{Person: "zed", Curriculum: "tech-core", Earned: day(2024, 1, 15)},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}

	const header = "person,partner,curriculum,earned,expires\n"
	tests := []struct {
		name, input string
		want        InputError
	}{
		{"empty", "", InputError{File: "lms.csv", Reason: "the file is empty: it needs a header line person,curriculum,earned"}},
		{"no earned column", "person,curriculum\n", InputError{File: "lms.csv", Line: 1, Reason: "the header has no earned column (needed: person, curriculum, earned; optional: partner, expires)"}},
		{"no person", header + " ,acme,sell-fin,2025-01-01,\n", InputError{File: "lms.csv", Line: 2, Column: "person", Reason: "empty"}},
		{"unknown curriculum", header + "ann,acme,sell-x,2025-01-01,\n", InputError{File: "lms.csv", Line: 2, Column: "curriculum", Reason: `"sell-x" is not a known curriculum`}},
		{"bad date", header + "ann,acme,sell-fin,2025-01-01,\nbob,acme,sell-fin,01/02/2025,\n", InputError{File: "lms.csv", Line: 3, Column: "earned", Reason: `"01/02/2025" is not a date written YYYY-MM-DD`}},
		{"expires first", header + "ann,acme,sell-fin,2025-01-01,2024-12-31\n", InputError{File: "lms.csv", Line: 2, Column: "expires", Reason: "2024-12-31 is not after the earned date 2025-01-01"}},
	}
	for _, tt := range tests {
		_, err := ReadLMS("lms.csv", strings.NewReader(tt.input), known)
		var ie *InputError
		if !errors.As(err, &ie) {
			t.Errorf("%s: error %v, want *InputError", tt.name, err)
			continue
		}
		if diff := cmp.Diff(tt.want, *ie); diff != "" {
			t.Errorf("%s: (-want +got):\n%s", tt.name, diff)
		}
	}
}
