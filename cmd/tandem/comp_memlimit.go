package main

import (
	"fmt"
	"math"
	"runtime/debug"
	"strconv"
	"strings"
)

// defaultCompMemoryLimit is the Go memory limit of the compensation commands that calculate periods.
// A quarter of a million deals keeps about 660 MiB live at its peak (the input, two million statement
// lines and a million profit rows); without a limit the garbage collector lets the heap grow to twice
// what was live at its last cycle, which carries the process past 1 GiB. The limit makes it collect
// earlier instead. It is a soft limit: a larger quarter still runs, with more collection.
const defaultCompMemoryLimit = 768 << 20

// setCompMemoryLimit applies TANDEM_MEMORY_LIMIT (a size such as "900MiB", "1.5GiB", "2GB" or a number
// of bytes; "off" or "0" for none) to the process, else the default, unless GOMEMLIMIT was set, which
// then stays in force. The limit is process-wide, which is right for a command-line run; tandem serve
// never calls this.
func setCompMemoryLimit(env *Env) error {
	v := strings.TrimSpace(env.Getenv("TANDEM_MEMORY_LIMIT"))
	if v == "" {
		if env.Getenv("GOMEMLIMIT") != "" {
			return nil
		}
		debug.SetMemoryLimit(defaultCompMemoryLimit)
		return nil
	}
	n, err := parseByteSize(v)
	if err != nil {
		return fmt.Errorf("%w: TANDEM_MEMORY_LIMIT: %v", errUsage, err)
	}
	if n == 0 {
		n = math.MaxInt64 // the runtime's "no limit"
	}
	debug.SetMemoryLimit(n)
	return nil
}

// parseByteSize reads "900MiB", "1.5GiB", "2GB", "512kB" or "1048576"; "off" is 0.
func parseByteSize(s string) (int64, error) {
	if strings.EqualFold(s, "off") {
		return 0, nil
	}
	units := []struct {
		suffix string
		mult   float64
	}{
		{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30}, {"tib", 1 << 40},
		{"kb", 1e3}, {"mb", 1e6}, {"gb", 1e9}, {"tb", 1e12}, {"b", 1},
	}
	num, mult := strings.ToLower(s), 1.0
	for _, u := range units {
		if rest, ok := strings.CutSuffix(num, u.suffix); ok {
			num, mult = strings.TrimSpace(rest), u.mult
			break
		}
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || !(f >= 0) || f*mult >= math.MaxInt64 { // !(f >= 0) also refuses NaN
		return 0, fmt.Errorf("%q is not a size such as 900MiB, 2GB or off", s)
	}
	return int64(f * mult), nil
}
