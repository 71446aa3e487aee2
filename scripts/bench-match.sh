#!/usr/bin/env bash
# Runs the account-matching benchmark at full size and prints its figures: building the index of
# 1,000,000 synthetic accounts, matching 100,000 registrations against it on 2 workers (target: build
# + match under 60 s), and single-match latency percentiles (target: p95 under 300 ms).
# Extra arguments go to `go test` (e.g. scripts/bench-match.sh -bench BenchmarkMatch100k for a quick run).
set -euo pipefail
cd "$(dirname "$0")/.."

bench=BenchmarkMatch1M
args=()
while [ $# -gt 0 ]; do
	case "$1" in
	-bench) bench=$2; shift 2 ;;
	*) args+=("$1"); shift ;;
	esac
done

out=$(go test -run '^$' -bench "$bench" -benchtime 1x -timeout 30m "${args[@]}" ./internal/match/ | tee /dev/stderr)

# Each metric is printed as "value unit"; pick them out by unit.
metric() { echo "$out" | grep -- "$1" | grep -oE "[0-9.]+ $2" | head -n 1 | cut -d' ' -f1; }
echo
echo "account matching ($bench)"
echo "  index build:            $(metric /build s/build) s, $(metric /build MiB-index) MiB, $(metric /build tokens) distinct tokens"
echo "  match all (2 workers):  $(metric workers s/match-all) s"
echo "  build + match:          $(metric workers "s/build\\+match") s   (target < 60 s for 1M accounts / 100k queries)"
echo "  decisions:              match $(metric workers match-share), review $(metric workers review-share) (shares)"
echo "  single match latency:   p50 $(metric single-latency ms-p50) ms, p95 $(metric single-latency ms-p95) ms, p99 $(metric single-latency ms-p99) ms, max $(metric single-latency ms-max) ms   (target p95 < 300 ms)"
