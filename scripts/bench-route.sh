#!/usr/bin/env bash
# Measures `tandem route` end to end: generates a CSV of deals (1,000,000 rows unless ROWS is set)
# in a temporary directory, builds the binary, routes the file with the built-in policy and prints
# deals per second and the peak resident memory.
#   scripts/bench-route.sh            # 1,000,000 rows
#   ROWS=5000000 scripts/bench-route.sh
set -euo pipefail
cd "$(dirname "$0")/.."

rows=${ROWS:-1000000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "bench-route: generating $rows deals"
awk -v n="$rows" 'BEGIN {
	split("US DE JP GB BR FR CA", country, " ")
	split("technology retail healthcare manufacturing media", vertical, " ")
	split("core core core addon", product, " ")
	print "id,account,acv,country,vertical,product_type,partner_id,registration_status,current_motion"
	for (i = 0; i < n; i++) {
		cents = (i * 7919) % 300000000 + 1
		reg = ""; motion = ""; partner = ""
		if (i % 9 == 0) { reg = "approved"; motion = "partner_led"; partner = "P-7" }
		printf "OPP-%07d,Account %d,%d.%02d,%s,%s,%s,%s,%s,%s\n", i, i % 5000, int(cents / 100), cents % 100,
			country[i % 7 + 1], vertical[i % 5 + 1], product[i % 4 + 1], partner, reg, motion
	}
}' >"$work/deals.csv"
echo "bench-route: $(du -h "$work/deals.csv" | cut -f1) of CSV; building tandem"
go build -o "$work/tandem" ./cmd/tandem

start=$(date +%s.%N)
if [ -x /usr/bin/time ]; then
	/usr/bin/time -v "$work/tandem" route --deals "$work/deals.csv" >"$work/out.jsonl" 2>"$work/time.txt"
	rss_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
	cpu=$(awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} END {print u + s}' "$work/time.txt")
else
	"$work/tandem" route --deals "$work/deals.csv" >"$work/out.jsonl"
	rss_kb=$(awk '/VmHWM/ {print $2}' /proc/self/status) # no /usr/bin/time: report this shell's peak instead
	cpu=0
	echo "bench-route: /usr/bin/time not found; the memory figure below is not the route process's" >&2
fi
end=$(date +%s.%N)

lines=$(wc -l <"$work/out.jsonl")
if [ "$lines" -ne "$rows" ]; then
	echo "bench-route: expected $rows output lines, got $lines" >&2
	exit 1
fi
awk -v rows="$rows" -v s="$start" -v e="$end" -v rss="$rss_kb" -v cpu="$cpu" 'BEGIN {
	secs = e - s
	printf "bench-route: %d deals in %.2fs = %.0f deals/s; max RSS %.1f MiB\n", rows, secs, rows / secs, rss / 1024
	# On a busy machine the wall clock says more about the neighbours than about tandem; CPU time does not.
	if (cpu > 0) printf "bench-route: %.2fs of CPU (user+sys) = %.2f µs of CPU per deal\n", cpu, cpu * 1e6 / rows
}'
