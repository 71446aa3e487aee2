package main

import (
	"errors"
	"testing"
)

func TestParseByteSize(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"900MiB", 900 << 20, true},
		{"900 MiB", 900 << 20, true},
		{"1.5GiB", 3 << 29, true},
		{"2GB", 2_000_000_000, true},
		{"512kB", 512_000, true},
		{"1048576", 1 << 20, true},
		{"1048576B", 1 << 20, true},
		{"off", 0, true},
		{"OFF", 0, true},
		{"0", 0, true},
		{"", 0, false},
		{"-1GiB", 0, false},
		{"NaN", 0, false},
		{"lots", 0, false},
		{"9e30", 0, false},
		{"12 parsecs", 0, false},
	} {
		got, err := parseByteSize(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("parseByteSize(%q) = %d, %v; want %d (ok %v)", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestCompMemoryLimitRefusesABadSize(t *testing.T) {
	t.Parallel()
	env := testEnv(discard{}, discard{})
	env.Getenv = func(k string) string {
		if k == "TANDEM_MEMORY_LIMIT" {
			return "a lot"
		}
		return ""
	}
	if err := setCompMemoryLimit(env); !errors.Is(err, errUsage) {
		t.Fatalf("got %v, want a usage error", err)
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
