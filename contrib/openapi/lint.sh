#!/usr/bin/env bash
# lint.sh - lints docs/openapi.yaml with the pinned Redocly CLI (package-lock.json),
# offline: the only network use is `npm ci` from the npm registry, and only when
# node_modules is missing or older than the lock file.
#
#   contrib/openapi/lint.sh [SPEC]     SPEC defaults to docs/openapi.yaml
#
# Works from any directory. Exit status: 0 clean (no error, no warning: the ruleset in
# redocly.yaml raises every warning to an error), 1 lint problems, 2 set-up failure.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
spec=${1:-$top/docs/openapi.yaml}
case $spec in /*) ;; *) spec=$PWD/$spec ;; esac

# Redocly CLI 1.34 runs on Node.js 18.17 or later (Debian 12 ships 18.19).
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "lint.sh: node and npm are needed (Node.js 18.17 or later)" >&2
    exit 2
fi
if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number);
              process.exit(a > 18 || (a === 18 && b >= 17) ? 0 : 1)'; then
    echo "lint.sh: Node.js 18.17 or later is needed, found $(node --version)" >&2
    exit 2
fi

# No telemetry, no update checks, no audit or funding requests: nothing leaves the
# machine but npm ci's downloads from the registry.
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true
export npm_config_update_notifier=false npm_config_audit=false npm_config_fund=false

# npm ci writes node_modules/.package-lock.json; a lock file newer than it means the
# pinned set changed since the last install.
if [ ! -f "$here/node_modules/.package-lock.json" ] ||
    [ "$here/package-lock.json" -nt "$here/node_modules/.package-lock.json" ]; then
    (cd "$here" && npm ci --silent) || { echo "lint.sh: npm ci failed" >&2; exit 2; }
fi

[ -f "$spec" ] || { echo "lint.sh: no such file: $spec" >&2; exit 2; }

# Redocly prints a Node.js 20 end-of-life banner on each run; it is not a lint finding.
cd "$here"
set +e
node node_modules/@redocly/cli/bin/cli.js lint --config "$here/redocly.yaml" --format codeframe \
    "$spec" 2>&1 | grep -v -e '[║╔╚]' -e '^\s*$'
rc=${PIPESTATUS[0]}
set -e
if [ "$rc" -ne 0 ]; then
    echo "lint.sh: $spec has lint problems (see above)" >&2
    exit 1
fi
echo "lint.sh: $spec lints clean"
