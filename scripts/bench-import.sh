#!/bin/sh
# bench-import.sh — measure bulk import speed of opportunities: end to end (a generated CSV read,
# checked, routed by the built-in policy and stored in SQLite by the importer, then committed), and the
# store path alone into SQLite and, when TANDEM_TEST_POSTGRES is set, PostgreSQL (upsert next to a plain
# COPY of the same rows).
#
# Usage: scripts/bench-import.sh [ROWS]        (default 1000000)
#   TANDEM_TEST_POSTGRES=postgres://postgres@127.0.0.1:5432/test?sslmode=disable scripts/bench-import.sh
#
# Targets: end to end into SQLite >= 100,000 rows/s; PostgreSQL upsert/copy >= 0.5. Run on a quiet machine: the
# rows/cpu-s figure (SQLite) stays meaningful when other work competes for the CPU.
set -eu
rows=${1:-1000000}
cd "$(dirname "$0")/.."
echo "importing $rows opportunities per engine${TANDEM_TEST_POSTGRES:+ (PostgreSQL included)}"
go test -run '^$' -bench 'BenchmarkImportOpportunities/sqlite' -benchtime 1x -timeout 60m \
	./internal/importer -args -rows "$rows" |
	awk '/^Benchmark/ {
		line = "csv->sqlite"
		for (i = 3; i < NF; i += 2) line = line sprintf("  %s %s", $i, $(i+1))
		print line
	}
	/^(FAIL|ok|PASS)/ { print }'
go test -run '^$' -bench 'BenchmarkImportOpportunities' -benchtime 1x -timeout 60m \
	./internal/sqlstore -args -rows "$rows" |
	awk '/^Benchmark/ {
		name = $1; sub(/^BenchmarkImportOpportunities\//, "", name); sub(/-[0-9]+$/, "", name)
		line = sprintf("%-9s", name)
		for (i = 3; i < NF; i += 2) line = line sprintf("  %s %s", $i, $(i+1))
		print line
	}
	/^(FAIL|ok|PASS)/ { print }'
