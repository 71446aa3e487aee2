package tandem_test

import (
	"math"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"

	tandem "github.com/tandem-revops/tandem"
)

// Finding 11.1, "make every sum overflow-safe": MoneySum and SumMoney against an exact big.Int sum on
// random amounts near the int64 limits. A sum that stays in 64 bits at every step equals the exact sum;
// one whose running total leaves 64 bits at any step reports the range error — it never wraps.
func TestMoneySumProperty(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(11, 1))
	near := func() tandem.Money {
		switch rng.IntN(5) {
		case 0:
			return tandem.Money(math.MaxInt64 - rng.Int64N(1000))
		case 1:
			return tandem.Money(math.MinInt64 + rng.Int64N(1000))
		case 2:
			return tandem.Money(rng.Int64N(2*int64(tandem.MaxAmount)+1)) - tandem.MaxAmount
		case 3:
			return tandem.Money(rng.Int64() >> rng.IntN(4)) // large positive
		default:
			return -tandem.Money(rng.Int64() >> rng.IntN(4)) // large negative
		}
	}
	lo, hi := big.NewInt(math.MinInt64), big.NewInt(math.MaxInt64)
	var overflowed, fit int
	for range 20000 {
		n := 1 + rng.IntN(6)
		ms := make([]tandem.Money, n)
		var s tandem.MoneySum
		exact, left := new(big.Int), false
		for i := range ms {
			ms[i] = near()
			sub := rng.IntN(3) == 0
			if sub {
				s.Sub(ms[i])
				exact.Sub(exact, big.NewInt(int64(ms[i])))
			} else {
				s.Add(ms[i])
				exact.Add(exact, big.NewInt(int64(ms[i])))
			}
			if exact.Cmp(lo) < 0 || exact.Cmp(hi) > 0 {
				left = true
			}
		}
		got, err := s.Total("test")
		switch {
		case left && err == nil:
			t.Fatalf("%v: the running sum left 64 bits but MoneySum gave %d, no error", ms, got)
		case left:
			overflowed++
			if got != 0 || !strings.Contains(err.Error(), "test total past the money range") || tandem.ErrorCode(err) != tandem.EINVALID {
				t.Fatalf("%v: got %d, %v; want 0 and the range error", ms, got, err)
			}
		case err != nil:
			t.Fatalf("%v: exact sum %s fits but MoneySum reported %v", ms, exact, err)
		case big.NewInt(int64(got)).Cmp(exact) != 0:
			t.Fatalf("%v: MoneySum = %d, exact sum %s", ms, got, exact)
		default:
			fit++
		}
	}
	if overflowed < 1000 || fit < 1000 {
		t.Fatalf("the generator should exercise both outcomes: %d overflowed, %d fit", overflowed, fit)
	}
}

func TestSumMoney(t *testing.T) {
	t.Parallel()
	if s, err := tandem.SumMoney("x", tandem.MaxAmount, tandem.MaxAmount, -1); err != nil || s != 2*tandem.MaxAmount-1 {
		t.Errorf("SumMoney in range = %d, %v", s, err)
	}
	// Sticky: once past the range the sum stays failed, even if a later amount would bring it back.
	if s, err := tandem.SumMoney("statement", math.MaxInt64, 1, -1); err == nil {
		t.Errorf("SumMoney(max, 1, -1) = %d, want the range error", s)
	}
	if s, err := tandem.SumMoney("empty"); err != nil || s != 0 {
		t.Errorf("SumMoney() = %d, %v", s, err)
	}
	if _, err := tandem.SubMoney(math.MinInt64, 1); err == nil {
		t.Error("SubMoney(min, 1): want an overflow error")
	}
	if _, err := tandem.SubMoney(0, math.MinInt64); err == nil {
		t.Error("SubMoney(0, min): want an overflow error")
	}
}
