#!/usr/bin/env bash
# Runs Tandem's whole test suite against both storage engines: SQLite always, and PostgreSQL in a
# throwaway database created for this run on the local server (127.0.0.1:5432, trust auth), which is
# started first if it is installed but down. Set TANDEM_TEST_POSTGRES to use another server instead.
# Extra arguments go to `go test` (e.g. scripts/test.sh -run Policy ./internal/policy/).
set -euo pipefail
cd "$(dirname "$0")/.."

pg_host=${PGHOST_FOR_TESTS:-127.0.0.1}
created_db=""

start_postgres() {
	pg_isready -q -h "$pg_host" -p 5432 2>/dev/null && return 0
	if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
		echo "test.sh: starting the local PostgreSQL server"
		pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
		for _ in $(seq 1 30); do pg_isready -q -h "$pg_host" -p 5432 && return 0; sleep 1; done
	fi
	return 1
}

if [ -z "${TANDEM_TEST_POSTGRES:-}" ]; then
	if start_postgres; then
		created_db="tandem_test_$(date +%s)_$$"
		psql -q -h "$pg_host" -U postgres -d postgres -c "CREATE DATABASE $created_db" >/dev/null
		export TANDEM_TEST_POSTGRES="postgres://postgres@$pg_host:5432/$created_db?sslmode=disable"
		trap 'psql -q -h "$pg_host" -U postgres -d postgres -c "DROP DATABASE IF EXISTS $created_db WITH (FORCE)" >/dev/null 2>&1 || true' EXIT
		echo "test.sh: PostgreSQL tests use the throwaway database $created_db"
	elif [ "${CI:-}" = "true" ]; then
		echo "test.sh: no PostgreSQL server reachable at $pg_host:5432; CI must exercise both engines" >&2
		exit 1
	else
		echo "test.sh: WARNING: no PostgreSQL server reachable; PostgreSQL tests will be skipped" >&2
	fi
fi

if [ $# -eq 0 ]; then set -- ./...; fi
go vet ./...
go test -count=1 -timeout 20m "$@"
