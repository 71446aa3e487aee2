#!/usr/bin/env bash
# Measures the real user path of the issue's target: recalculating a stored quarter of 1,000,000
# closed-won deals (500 AEs, 2,000 partners) from SQLite. The database is built once, in a process of
# its own (TestWriteCompBenchDB, the set-based SQL of BenchmarkCalculateQuarterStored); then a separate
# `tandem comp statements 2026-Q1 -db FILE -format csv|json > /dev/null` is run under /usr/bin/time -v,
# so the figures are those of the recalculating process alone. Targets: under 20 s and under 1 GiB.
#   scripts/bench-comp-stored.sh
#   COUNT=3 FORMATS="csv json" scripts/bench-comp-stored.sh
#   DB=/tmp/q1.db scripts/bench-comp-stored.sh       # keep (and reuse) the database
#   TANDEM_MEMORY_LIMIT=off scripts/bench-comp-stored.sh  # without the commands' default memory limit
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/time ]; then
	echo "bench-comp-stored: /usr/bin/time is needed for the memory figure (apt-get install time)" >&2
	exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
db=${DB:-$work/quarter.db}
go build -o "$work/tandem" ./cmd/tandem
if [ ! -f "$db" ]; then
	start=$(date +%s)
	TANDEM_COMP_BENCH_DB="$db" TANDEM_COMP_BENCH_DEALS="${DEALS:-1000000}" \
		go test -count=1 -run '^TestWriteCompBenchDB$' ./internal/sqlstore >/dev/null
	echo "bench-comp-stored: built $(du -h "$db" | cut -f1) database with ${DEALS:-1000000} deals in $(($(date +%s) - start))s"
fi

for format in ${FORMATS:-csv json}; do
	for _ in $(seq "${COUNT:-1}"); do
		/usr/bin/time -v "$work/tandem" comp statements 2026-Q1 -db "$db" -format "$format" \
			>"$work/out.$format" 2>"$work/time.txt"
		wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/time.txt")
		rss_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
		cpu=$(awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} END {print u + s}' "$work/time.txt")
		bytes=$(wc -c <"$work/out.$format")
		awk -v f="$format" -v w="$wall" -v rss="$rss_kb" -v cpu="$cpu" -v b="$bytes" 'BEGIN {
			printf "bench-comp-stored: comp statements -format %s: wall %s, CPU %.2fs, peak RSS %.1f MiB, output %.0f MiB\n",
				f, w, cpu, rss / 1024, b / 1048576 }'
		rm -f "$work/out.$format"
	done
done
