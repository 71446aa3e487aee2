#!/usr/bin/env bash
# Times each role's main pages on the full demo company (BenchmarkDemoPages in
# internal/server/bench_pages_test.go) and every demo role's home (BenchmarkDemoHomes in
# internal/server/bench_home_test.go, with the CPU time of a render, which a loaded machine inflates
# less than wall time) and prints milliseconds per page. The target is 300 ms a page.
#   scripts/bench-pages.sh            # 3 renders of each page
#   BENCHTIME=10x scripts/bench-pages.sh
#   TANDEM_BENCH_DEMO_DB=demo.db scripts/bench-pages.sh   # copy a file from `tandem demo -no-serve -db demo.db`
set -euo pipefail
cd "$(dirname "$0")/.."
go test -run '^$' -bench 'BenchmarkDemo(Pages|Homes)$' -benchtime "${BENCHTIME:-3x}" -timeout 30m ./internal/server/ |
	awk '/^BenchmarkDemo(Pages|Homes)\// { name = $1; sub(/-[0-9]+$/, "", name); sub(/^BenchmarkDemoPages\//, "", name);
		sub(/^BenchmarkDemoHomes\//, "home of ", name); cpu = ($6 == "cpu-ms/op") ? sprintf("  (CPU %.1f ms)", $5) : "";
		flag = ($3 / 1e6 > 300) ? "  over 300 ms" : ""; printf "%-75s %9.1f ms%s%s\n", name, $3 / 1e6, cpu, flag }'
