#!/usr/bin/env bash
# Every list a partner user opens (accounts, an account search, opportunities, registrations, touches;
# first page of 50) on a company of the demo's shape at 1× and 10× its size, on SQLite and — when
# TANDEM_TEST_POSTGRES is set, or a local server is found by scripts/test.sh's rules — PostgreSQL;
# then the query plan of the partner's account list on both. Target: each list under 100 ms.
#   scripts/bench-partner-scope.sh
#   SCALES=1 scripts/bench-partner-scope.sh
set -euo pipefail
cd "$(dirname "$0")/.."
TANDEM_BENCH_PARTNER_SCALES=${SCALES:-1,10} go test -count=1 -run '^$' -bench 'BenchmarkPartnerScopedLists' -benchtime 10x \
	-timeout 30m ./internal/sqlstore
go test -count=1 -v -run '^TestPartnerAccountScopePlan$' ./internal/sqlstore | grep -v '^=== '
