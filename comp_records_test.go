package tandem

import (
	"testing"
	"time"
)

// TestMayClosePeriod holds the close order: the first close may be any period that has ended, every
// later one only the quarter after the latest closed period; a closed period never closes again.
func TestMayClosePeriod(t *testing.T) {
	t.Parallel()
	q := func(id string) CompQuarter {
		p, err := ParseQuarter(id)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	closed := func(ids ...string) []CompPeriod {
		var out []CompPeriod
		for _, id := range ids {
			p := q(id)
			out = append(out, CompPeriod{ID: p.ID, Start: p.Start, End: p.End, Status: PeriodClosed})
		}
		return out
	}
	now := time.Date(2026, 7, 2, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		period  string
		closed  []CompPeriod
		wantErr string // "" for allowed, else the ECONFLICT message
	}{
		{"first close, any ended period", "2025-Q3", nil, ""},
		{"next in order", "2026-Q2", closed("2026-Q1"), ""},
		{"not ended", "2026-Q3", closed("2026-Q2"), "period 2026-Q3 has not ended; it can close from 2026-10-01"},
		{"closed already", "2026-Q1", closed("2026-Q1"), "period 2026-Q1 is closed already; a closed period never changes"},
		{"out of order", "2026-Q2", closed("2025-Q4"), "periods close in order: the next period to close is 2026-Q1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := MayClosePeriod(q(tt.period), tt.closed, now)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("MayClosePeriod = %v, want nil", err)
				}
				return
			}
			if ErrorCode(err) != ECONFLICT || ErrorMessage(err) != tt.wantErr {
				t.Fatalf("MayClosePeriod = %v, want ECONFLICT %q", err, tt.wantErr)
			}
		})
	}
	if got := AdjustmentPeriod(closed("2025-Q4", "2026-Q1")); got != "2026-Q2" {
		t.Errorf("AdjustmentPeriod = %q, want 2026-Q2", got)
	}
	if got := AdjustmentPeriod(nil); got != "" {
		t.Errorf("AdjustmentPeriod(none closed) = %q, want \"\"", got)
	}
}

// TestCompScopeSees checks that a scope sees its own payees and, when it sees everything, all.
func TestCompScopeSees(t *testing.T) {
	t.Parallel()
	sc := CompScope{AEs: map[int64]bool{7: true}, Partners: map[int64]bool{3: true}}
	tests := []struct {
		name string
		sc   CompScope
		kind PayeeKind
		id   int64
		want bool
	}{
		{"own AE", sc, PayeeAE, 7, true},
		{"other AE", sc, PayeeAE, 3, false},
		{"own partner", sc, PayeePartner, 3, true},
		{"partner id is not an AE id", sc, PayeePartner, 7, false},
		{"all", CompScope{All: true}, PayeeAE, 99, true},
	}
	for _, tt := range tests {
		if got := tt.sc.Sees(tt.kind, tt.id); got != tt.want {
			t.Errorf("%s: Sees(%s, %d) = %v, want %v", tt.name, tt.kind, tt.id, got, tt.want)
		}
	}
}
