#!/usr/bin/env bash
# Times each role's main pages on the full demo company (BenchmarkDemoPages in
# internal/server/bench_pages_test.go) and prints milliseconds per page. The target is 300 ms a page.
#   scripts/bench-pages.sh            # 3 renders of each page
#   BENCHTIME=10x scripts/bench-pages.sh
#   TANDEM_BENCH_DEMO_DB=demo.db scripts/bench-pages.sh   # copy a file from `tandem demo -no-serve -db demo.db`
set -euo pipefail
cd "$(dirname "$0")/.."
go test -run '^$' -bench BenchmarkDemoPages -benchtime "${BENCHTIME:-3x}" -timeout 30m ./internal/server/ |
	awk '/^BenchmarkDemoPages/ { sub(/^BenchmarkDemoPages\//, "", $1); sub(/-[0-9]+$/, "", $1);
		flag = ($3 / 1e6 > 300) ? "  over 300 ms" : ""; printf "%-75s %9.1f ms%s\n", $1, $3 / 1e6, flag }'
