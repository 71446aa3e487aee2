#!/usr/bin/env bash
# Backup and restore drill on SQLite: a database of N opportunities (default 1,000,000; the comp
# benchmark's company: 500 AEs, 2,000 partners) of which CLOSED (default 200,000) are won in 2026-Q1
# and the rest in 2026-Q2, with 2026-Q1 closed (frozen: `tandem comp close` keeps a quarter's input in
# one row, which SQLite caps at 1 GB — about 300,000 deals), then
#   1. `tandem backup` while a writer keeps committing (opportunities created through the store);
#   2. `tandem restore` of that backup into a new file (it checks integrity and the audit chain);
#   3. every closed period's frozen statements printed from both databases and compared byte for byte,
#      and `tandem audit verify` on the restored one.
# Prints the timings; the target is backup + restore under 5 minutes at 1M.
#   scripts/backup-drill.sh               # 1,000,000 opportunities
#   DEALS=100000 CLOSED=50000 scripts/backup-drill.sh
#   KEEP=/tmp/drill scripts/backup-drill.sh   # keep the databases there
set -euo pipefail
cd "$(dirname "$0")/.."

deals=${DEALS:-1000000}
work=${KEEP:-$(mktemp -d)}
mkdir -p "$work"
[ -n "${KEEP:-}" ] || trap 'kill "${writer:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
db=$work/live.db backup=$work/backup.db restored=$work/restored.db
rm -f "$backup" "$restored"
go build -o "$work/tandem" ./cmd/tandem
tandem=$work/tandem
secs() { awk -v s="$1" -v e="$2" 'BEGIN { printf "%.1f", (e - s) / 1e9 }'; }

if [ -n "${REUSE:-}" ] && [ -f "$db" ]; then
	echo "backup-drill: reusing $db ($(du -h "$db" | cut -f1))"
else
rm -f "$db" "$db"-wal "$db"-shm
t0=$(date +%s%N)
TANDEM_COMP_BENCH_DB="$db" TANDEM_COMP_BENCH_DEALS="$deals" \
	go test -count=1 -run '^TestWriteCompBenchDB$' ./internal/sqlstore >/dev/null
closed=${CLOSED:-200000}
if [ "$closed" -lt "$deals" ]; then
	sqlite3 "$db" "UPDATE opportunities SET close_date = close_date + 90 * 86400000000 WHERE id > $closed"
fi
"$tandem" comp close 2026-Q1 -db "$db" >/dev/null
t1=$(date +%s%N)
echo "backup-drill: built $deals opportunities and closed 2026-Q1 ($((closed < deals ? closed : deals)) deals) in $(secs "$t0" "$t1")s ($(du -h "$db" | cut -f1))"
fi

# A writer during the backup: accounts imported in small batches, each its own transaction.
(
	i=0
	while :; do
		i=$((i + 1))
		printf 'external_id,name,domain,country\nDRILL-%d,Drill Co %d,drill%d.test,US\n' "$i" "$i" "$i" >"$work/acct.csv"
		"$tandem" import --kind accounts -db "$db" "$work/acct.csv" >/dev/null 2>&1 || true
	done
) &
writer=$!
drill_accounts() { sqlite3 -cmd ".timeout 10000" "$1" "SELECT count(*) FROM accounts WHERE external_id LIKE 'DRILL-%'"; }
before=$(drill_accounts "$db")
while [ "$(drill_accounts "$db")" = "$before" ]; do sleep 0.2; done # the writer is committing

t0=$(date +%s%N)
"$tandem" backup -db "$db" "$backup" >/dev/null
t1=$(date +%s%N)
kill "$writer" 2>/dev/null || true
wait "$writer" 2>/dev/null || true
writer=
backup_s=$(secs "$t0" "$t1")
echo "backup-drill: tandem backup under a writer: ${backup_s}s ($(du -h "$backup" | cut -f1)); the writer's accounts: $(drill_accounts "$backup") in the backup, $(drill_accounts "$db") in the live database after it"

t0=$(date +%s%N)
"$tandem" restore -db "$restored" "$backup" >/dev/null
t1=$(date +%s%N)
restore_s=$(secs "$t0" "$t1")
echo "backup-drill: tandem restore (copy, integrity check, audit chain): ${restore_s}s"

periods=$(sqlite3 "$backup" "SELECT id FROM comp_periods ORDER BY id")
[ -n "$periods" ] || { echo "backup-drill: no closed period to compare" >&2; exit 1; }
for p in $periods; do
	before=$("$tandem" comp statements "$p" -db "$backup" -format json | sha256sum | cut -d' ' -f1)
	after=$("$tandem" comp statements "$p" -db "$restored" -format json | sha256sum | cut -d' ' -f1)
	if [ "$before" != "$after" ]; then
		echo "backup-drill: closed period $p differs after restore" >&2
		exit 1
	fi
	# And the frozen rows themselves.
	q="SELECT period, payee_kind, payee_id, total, statement FROM comp_period_statements WHERE period = '$p' ORDER BY payee_kind, payee_id"
	if [ "$(sqlite3 "$backup" "$q" | sha256sum)" != "$(sqlite3 "$restored" "$q" | sha256sum)" ]; then
		echo "backup-drill: frozen statements of $p differ after restore" >&2
		exit 1
	fi
	echo "backup-drill: closed period $p identical after restore (statements sha256 ${after:0:16}…)"
done
"$tandem" audit verify -db "$restored"
echo "backup-drill: $deals opportunities: backup ${backup_s}s + restore ${restore_s}s = $(awk -v a="$backup_s" -v b="$restore_s" 'BEGIN { print a + b }')s"
