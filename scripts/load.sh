#!/usr/bin/env bash
# Load test of issue 11: mixed reads at 200 req/s and registration submits at 100 req/s against the
# demo company, on SQLite and (when a local server is reachable) on PostgreSQL, reporting p50/p95/p99
# and errors. Loopback only; bounded by LOAD_DURATION (default 30s) per engine. The machine's load
# average is printed beside the figures, since a shared machine skews them.
#   scripts/load.sh                     # both engines
#   LOAD_ENGINES=sqlite LOAD_DURATION=20s scripts/load.sh
# Rates and connections: LOAD_READ_RATE (200), LOAD_SUBMIT_RATE (100), LOAD_CONNS (50); LOAD_WARMUP
# (20, seconds) is how long the started server is left to finish its start-up jobs before the load.
set -euo pipefail
cd "$(dirname "$0")/.."

duration=${LOAD_DURATION:-30s}
engines=${LOAD_ENGINES:-sqlite postgres}
pg_host=${PGHOST_FOR_TESTS:-127.0.0.1}
work=$(mktemp -d)
server_pid=""
pg_db=""
cleanup() {
	if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
	if [ -n "$pg_db" ]; then psql -q -h "$pg_host" -U postgres -d postgres -c "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null 2>&1 || true; fi
	rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/tandem" ./cmd/tandem
go build -o "$work/loadgen" ./scripts/loadgen

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

run_engine() {
	local engine=$1 db=$2
	echo "== $engine: creating the demo company"
	"$work/tandem" demo -no-serve -db "$db" >"$work/demo-$engine.txt"
	grep '^Created\|^Using' "$work/demo-$engine.txt"
	local revops partner
	revops=$(awk '$1 == "RevOps" {print $2}' "$work/demo-$engine.txt" | head -n 1)
	partner=$(awk '/^  Partner user/ {print $NF}' "$work/demo-$engine.txt" | head -n 1)
	local read_token partner_token
	read_token=$("$work/tandem" token create -db "$db" -email "$revops" -name "load test reads" 2>/dev/null)
	partner_token=$("$work/tandem" token create -db "$db" -email "$partner" -name "load test partner" 2>/dev/null)
	local port
	port=$(free_port)
	# The demo serves without rate limits, on its own clock.
	TANDEM_LOG_LEVEL=warn "$work/tandem" demo -db "$db" -addr "127.0.0.1:$port" >"$work/serve-$engine.log" 2>&1 &
	server_pid=$!
	for _ in $(seq 1 120); do
		curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
		sleep 0.5
	done
	# The jobs that run once at start (prediction training, the forecast snapshot) take both cores for
	# a few seconds; the figures are of the server at work, after them.
	sleep "${LOAD_WARMUP:-20}"
	echo "== $engine: load for $duration (load average before: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores)"
	"$work/loadgen" -url "http://127.0.0.1:$port" -read-token "$read_token" -partner-token "$partner_token" \
		-read-rate "${LOAD_READ_RATE:-200}" -submit-rate "${LOAD_SUBMIT_RATE:-100}" -conns "${LOAD_CONNS:-50}" \
		-duration "$duration" -label "$engine: "
	echo "== $engine: load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
	kill "$server_pid"
	wait "$server_pid" || true
	server_pid=""
}

for engine in $engines; do
	case $engine in
	sqlite) run_engine sqlite "$work/tandem-demo.db" ;;
	postgres)
		if ! pg_isready -q -h "$pg_host" -p 5432 2>/dev/null; then
			echo "== postgres: no server reachable at $pg_host:5432; skipped" >&2
			continue
		fi
		pg_db="tandem_load_$(date +%s)_$$"
		psql -q -h "$pg_host" -U postgres -d postgres -c "CREATE DATABASE $pg_db" >/dev/null
		run_engine postgres "postgres://postgres@$pg_host:5432/$pg_db?sslmode=disable"
		;;
	*) echo "unknown engine $engine" >&2; exit 2 ;;
	esac
done
