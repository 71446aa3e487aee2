#!/usr/bin/env bash
# Installs the pinned front-end libraries from web/package-lock.json with npm and copies their minified
# builds into internal/server/assets/vendor/, where go:embed picks them up. The copied files are committed,
# so building the Go binary never needs npm; run this only after changing web/package.json.
set -euo pipefail
cd "$(dirname "$0")/.."

(cd web && npm ci --no-audit --no-fund)

vendor=internal/server/assets/vendor
mkdir -p "$vendor"
# echarts.simple has the bar, line and pie charts the UI draws, at half the size of the full build.
cp web/node_modules/echarts/dist/echarts.simple.min.js "$vendor/echarts.min.js"
cp web/node_modules/htmx.org/dist/htmx.min.js "$vendor/htmx.min.js"
cp web/node_modules/echarts/LICENSE "$vendor/echarts.LICENSE"
cp web/node_modules/htmx.org/LICENSE "$vendor/htmx.LICENSE"

# axe-core is for the browser tests only: they inject it into each role's main pages (a11y_test.go). It
# goes to testdata, never into the binary, and the tests never fetch it.
mkdir -p internal/server/testdata
cp web/node_modules/axe-core/axe.min.js internal/server/testdata/axe.min.js
cp web/node_modules/axe-core/LICENSE internal/server/testdata/axe.LICENSE

echo "build-assets: axe-core $(node -p "require('./web/node_modules/axe-core/package.json').version") copied to internal/server/testdata"
echo "build-assets: echarts $(node -p "require('./web/node_modules/echarts/package.json').version"), htmx $(node -p "require('./web/node_modules/htmx.org/package.json').version") copied to $vendor"
