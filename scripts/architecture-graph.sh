#!/usr/bin/env bash
# Prints the module's import graph (non-test files, module packages only) in the form of the README's
# Architecture block; architecture_test.go checks that block against the source. With -w it rewrites
# the block in README.md in place.
set -euo pipefail
cd "$(dirname "$0")/.."
mod=$(go list -m)
graph=$(go list -f '{{.ImportPath}} {{join .Imports " "}}' ./... | awk -v mod="$mod" '
function short(p) { if (p == mod) return "tandem"; sub("^" mod "/", "", p); return p }
{
	name = short($1); deps = ""; n = 0
	for (i = 2; i <= NF; i++) if ($i == mod || index($i, mod "/") == 1) d[++n] = short($i)
	# sort deps
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (d[j] < d[i]) { t = d[i]; d[i] = d[j]; d[j] = t }
	for (i = 1; i <= n; i++) deps = deps (i > 1 ? ", " : "") d[i]
	if (n == 0) deps = "(standard library and outside modules only)"
	print name "\t" deps
}' | sort -t$'\t' -k1,1 | awk -F'\t' '{ w = length($1) > w ? length($1) : w; a[NR] = $1; b[NR] = $2 } END { for (i = 1; i <= NR; i++) printf "%-*s -> %s\n", w, a[i], b[i] }')
if [ "${1:-}" = "-w" ]; then
	GRAPH="$graph" python3 - <<'PY'
import os
s = open("README.md").read()
i = s.index("## Architecture")
a = s.index("```text\n", i) + len("```text\n")
b = s.index("```", a)
open("README.md", "w").write(s[:a] + os.environ["GRAPH"] + "\n" + s[b:])
PY
else
	printf '%s\n' "$graph"
fi
