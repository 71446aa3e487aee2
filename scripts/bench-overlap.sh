#!/bin/sh
# Benchmarks the overlap check on submit (account resolution with the in-memory matcher + conflict
# detection in the store) with 1,000,000 generated accounts on SQLite, and on PostgreSQL too when
# TANDEM_TEST_POSTGRES is set. Prints p50/p95/p99 per submit; the target is p95 under 300 ms.
#
#   scripts/bench-overlap.sh                       # 1,000,000 accounts, 2,000 submits
#   TANDEM_BENCH_ACCOUNTS=100000 scripts/bench-overlap.sh
set -eu
cd "$(dirname "$0")/.."
export TANDEM_BENCH_ACCOUNTS="${TANDEM_BENCH_ACCOUNTS:-1000000}"
export TANDEM_BENCH_SUBMITS="${TANDEM_BENCH_SUBMITS:-2000}"
exec go test -run '^$' -bench '^BenchmarkOverlapSubmit$' -benchtime 1x -timeout 60m ./internal/sqlstore/
