#!/usr/bin/env bash
# Measures `tandem forecast --as-of` end to end over a generated history of about 1.2 million deals,
# about 200,000 of them open on the as-of day (forecasttest.BenchmarkSpec; the Go benchmark writes the
# file), and the floor it is compared with: a process that only reads the CSV and sums the amounts by
# category. Prints wall and CPU seconds and peak memory of each, three runs apiece. Then runs the Go
# benchmarks of the engine alone, the reading, and the floor in-process.
#   scripts/bench-forecast.sh
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
trap 'rm -rf "$work" cmd/tandem-forecast-floor' EXIT

echo "bench-forecast: generating the history"
TANDEM_BENCH_HISTORY="$work/history.csv" go test ./cmd/tandem -run '^$' -bench 'ForecastCommand$' -benchtime 1x >/dev/null
echo "bench-forecast: $(wc -l <"$work/history.csv") lines, $(awk -F, '$5 == "open"' "$work/history.csv" | wc -l) open; building"
go build -o "$work/tandem" ./cmd/tandem

# The floor: read the CSV the same way (internal/csvio) and sum the amounts by category.
mkdir -p cmd/tandem-forecast-floor
cat >cmd/tandem-forecast-floor/main.go <<'GO'
package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/csvio"
)

func main() {
	f, err := os.Open(os.Args[1])
	if err != nil {
		panic(err)
	}
	rd, err := csvio.NewReader(f)
	if err != nil {
		panic(err)
	}
	sums := map[string]tandem.Money{}
	for {
		rec, err := rd.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		m, _, _ := tandem.ParseMoney(rec.Fields[5])
		sums[rec.Fields[1]] += m
	}
	fmt.Println(sums)
}
GO
go build -o "$work/floor" ./cmd/tandem-forecast-floor

for i in 1 2 3; do
	/usr/bin/time -f "floor:    %e s wall, %U s user + %S s sys, %M KiB peak" "$work/floor" "$work/history.csv" >/dev/null
	/usr/bin/time -f "forecast: %e s wall, %U s user + %S s sys, %M KiB peak" \
		"$work/tandem" forecast --history "$work/history.csv" --as-of 2025-11-15 >"$work/out.jsonl"
done
cat "$work/out.jsonl"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
go test ./internal/forecast -run '^$' -bench . -benchtime 3x
