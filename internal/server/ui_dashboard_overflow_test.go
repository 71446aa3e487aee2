package server

import (
	"math"
	"testing"
)

// Finding 11.1: a dashboard tally past the money range says so instead of showing a wrapped
// (negative) ACV.
func TestTallyOverflow(t *testing.T) {
	t.Parallel()
	var tl tally
	tl.add(1, math.MaxInt64)
	tl.add(1, 1)
	tl.add(1, -5) // sticky: cannot come back into range
	tl.text("USD")
	if tl.ACV < 0 || tl.ACVExact != "ACV total past the money range" || tl.ACVShort != "past the money range" || tl.Count != 3 {
		t.Errorf("tally = %+v, want the range message and no wrapped ACV", tl)
	}
	var ok tally
	ok.add(2, 150)
	ok.text("USD")
	if ok.ACV != 150 || ok.ACVExact != "$1.50" {
		t.Errorf("tally in range = %+v", ok)
	}
}
