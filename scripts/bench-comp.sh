#!/usr/bin/env bash
# Measures the compensation engine on a full quarter: BenchmarkCalculateQuarter recalculates 1,000,000
# closed deals for 500 AEs and 2,000 partners (generated in the benchmark). Prints the benchmark line
# (ns/op, B/op, allocs/op) and the test binary's peak resident memory, which includes the generated
# input. Targets: under 20 s and under 1 GiB.
#   scripts/bench-comp.sh
#   COUNT=3 scripts/bench-comp.sh     # three one-shot runs
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go test -c -o "$work/comp.test" ./internal/comp

for _ in $(seq "${COUNT:-1}"); do
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -v "$work/comp.test" -test.run '^$' -test.bench BenchmarkCalculateQuarter -test.benchtime 1x \
			-test.benchmem >"$work/out.txt" 2>"$work/time.txt"
		rss_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
		cpu=$(awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} END {print u + s}' "$work/time.txt")
	else
		echo "bench-comp: /usr/bin/time not found; no memory figure" >&2
		"$work/comp.test" -test.run '^$' -test.bench BenchmarkCalculateQuarter -test.benchtime 1x -test.benchmem >"$work/out.txt"
		rss_kb=0
		cpu=0
	fi
	grep '^BenchmarkCalculateQuarter' "$work/out.txt"
	# The process's CPU time includes generating the input; on a busy machine it is steadier than the wall clock.
	awk -v rss="$rss_kb" -v cpu="$cpu" 'BEGIN { printf "bench-comp: peak RSS %.1f MiB; process CPU (user+sys, incl. generating the input) %.2fs\n", rss / 1024, cpu }'
done
