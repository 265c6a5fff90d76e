#!/usr/bin/env bash
# Builds the SPA (frontend/) into frontend/dist, which the api serves at / (SPA_DIR).
# Skips everything when the sources have not changed since the last build (a hash of them is
# kept in frontend/dist/.sources-sha256); runs `npm ci` only when package-lock.json changed.
#   --always   build even when nothing changed (make test: `npm run build` is the type check)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$BB_ROOT/frontend"

always=0
[ "${1:-}" = --always ] && always=1

command -v npm >/dev/null 2>&1 || die "frontend: npm not found (Node.js 20 or newer is needed to build the SPA)"
node_major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$node_major" -ge 20 ] || die "frontend: Node.js $(node -v) is too old: 20 or newer is needed"

# Everything the build reads, the api's OpenAPI document included (types are generated from it).
sources_hash() {
    {
        find src tests/unit -type f ! -name schema.d.ts -print0 | sort -z | xargs -0 sha256sum
        sha256sum index.html docs.html package.json package-lock.json vite.config.ts tsconfig.json \
            ../services/api/openapi.json
    } | sha256sum | cut -d' ' -f1
}

# swagger-ui-dist depends on @scarf/scarf, an install-time analytics ping: off (package.json
# scarfSettings says so too)
export SCARF_ANALYTICS=false

lock_hash="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ ! -f node_modules/.bb-lock-sha256 ] || [ "$(cat node_modules/.bb-lock-sha256)" != "$lock_hash" ]; then
    say "frontend: npm ci (package-lock.json changed or node_modules missing)"
    npm ci --no-audit --no-fund --loglevel=error
    echo "$lock_hash" >node_modules/.bb-lock-sha256
fi

want="$(sources_hash)"
if [ "$always" = 0 ] && [ -f dist/index.html ] && [ "$(cat dist/.sources-sha256 2>/dev/null)" = "$want" ]; then
    say "frontend: dist/ is up to date"
    exit 0
fi
say "frontend: npm run build (OpenAPI types, type check, vite)"
npm run --silent build
echo "$want" >dist/.sources-sha256
js_gz="$(cat dist/assets/index-*.js | gzip -9 | wc -c)"
say "frontend: built dist/ (first page JS: $((js_gz / 1024)) KiB gzipped)"
