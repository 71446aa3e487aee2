#!/usr/bin/env bash
# One SHA-256 per table of a demo SQLite file (rows in key order), to check that a change to how the
# demo is written leaves its data as it was: `tandem demo -no-serve -db A.db` before and B.db after,
# then diff the two outputs. Random by design and left out: password hashes, the audit chain's hashes,
# and the MDF requests' random ids (and the lead ids made from them).
set -euo pipefail
db=$1
for t in $(sqlite3 "$db" "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' AND name NOT IN ('goose_db_version', 'audit_chain') ORDER BY name"); do
	cols='*'
	case $t in
	users) cols="id, external_id, email, name, role, partner_id, manager_id, territory_id, disabled, created_at, updated_at" ;;
	audit_log) cols="id, at, actor_id, actor, action, entity, entity_id, detail" ;;
	esac
	sum=$(sqlite3 "$db" "SELECT $cols FROM \"$t\" ORDER BY 1" | sed -E 's/mdf_[0-9a-f]{16}/mdf_X/g; s/L-[0-9A-F]{4}-/L-X-/g' | sha256sum | cut -c1-16)
	printf '%-28s %8s %s\n' "$t" "$(sqlite3 "$db" "SELECT count(*) FROM \"$t\"")" "$sum"
done
