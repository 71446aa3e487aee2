package importer

import (
	"strings"
	"testing"
	"time"
)

// TestISODateMatchesTimeParse checks the fast date path against time.Parse on every day of several
// centuries' worth of boundaries, and that it refuses what time.Parse refuses.
func TestISODateMatchesTimeParse(t *testing.T) {
	t.Parallel()
	for d := time.Date(1899, 12, 1, 0, 0, 0, 0, time.UTC); d.Year() < 2102; d = d.AddDate(0, 0, 1) {
		s := d.Format(time.DateOnly)
		got, ok := isoDate(s)
		if !ok || !got.Equal(d) {
			t.Fatalf("isoDate(%q) = %v, %v; want %v", s, got, ok, d)
		}
	}
	for _, s := range []string{"2023-02-29", "2024-13-01", "2024-00-10", "2024-04-31", "2024-1-01", "20x4-01-01", "2024/01/01"} {
		if _, ok := isoDate(s); ok {
			t.Errorf("isoDate(%q) accepted a bad date", s)
		}
	}
}

func TestFieldReaderHistoryKind(t *testing.T) {
	t.Parallel()
	src := "ID,Category,Created_On,closed_on,outcome,amount,extra\n1,direct,2025-02-28,,open,\"1,000\",x\n"
	r, err := NewFieldReader("history", nil, strings.NewReader(src), false)
	if err != nil {
		t.Fatal(err)
	}
	if w := r.Warnings(); len(w) != 1 || !strings.Contains(w[0], `"extra"`) {
		t.Errorf("warnings %v, want the unread column", w)
	}
	if err := r.Next(); err != nil {
		t.Fatal(err)
	}
	created, err := r.Date(r.Field("created_on"))
	if err != nil || !created.Equal(time.Date(2025, 2, 28, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("created_on = %v, %v", created, err)
	}
	m, ok, err := r.Money(r.Field("amount"))
	if err != nil || !ok || m != 100000 {
		t.Errorf("amount = %v, %v, %v", m, ok, err)
	}
	if r.Field("segment").Present() {
		t.Error("segment has no column but reads as present")
	}
	if _, err := NewFieldReader("history", nil, strings.NewReader("id,category\n"), false); err == nil ||
		!strings.Contains(err.Error(), "no column for created_on") {
		t.Errorf("missing columns: %v", err)
	}
}
