#!/usr/bin/env bash
# The partner SDK (contrib/sdk/typescript) against a real stack: the devnet, lighttpd,
# the lendgate.fcgi responders and their SQLite store, and a webhook receiver on
# loopback. First its types are held to docs/openapi.yaml, it is built and its unit
# tests run; then its node --test suite runs against the stack (every method, typed
# errors, a 202 borrow finished by polling, a 429 waited out, signing, real webhook
# deliveries verified, also during a secret rotation), every exchange it makes held to
# docs/openapi.yaml by the contract check; then `npm pack` makes the package, which is
# installed into an empty project where the README's usage example runs as written,
# and which CommonJS and TypeScript projects can use.
#
# The SDK's development dependencies are installed with `npm ci` when they are missing
# (from the npm registry); without node, npm or the registry the test is SKIPPED.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/webserver.sh"
. "$(dirname "$0")/devnet.sh"
. "$(dirname "$0")/partner_api.sh"

sdk_dir="$LG_TOP_SRCDIR/contrib/sdk/typescript"
export npm_config_update_notifier=false npm_config_audit=false npm_config_fund=false

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    skip "sdk" "node and npm are needed (Node.js 18 or newer)"
    finish
fi
if ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 18 ? 0 : 1)'; then
    skip "sdk" "Node.js 18 or newer is needed, found $(node --version)"
    finish
fi

# A read-only source tree (make distcheck) gets a copy in the build tree.
sdk_prepare() {
    [ -w "$sdk_dir" ] && return 0
    local work="$LG_TOP_BUILDDIR/sdk-work"
    rm -rf "$work" && mkdir -p "$work" &&
        (cd "$sdk_dir" && tar cf - --exclude=./node_modules --exclude=./dist .) | (cd "$work" && tar xf -) &&
        chmod -R u+w "$work" || return 1
    sdk_dir=$work
}

# npm ci writes node_modules/.package-lock.json; a lock file newer than it means the
# pinned set changed since the last install. One install at a time per tree.
sdk_npm_ci() {
    (
        flock -w 600 9 || exit 1
        if [ ! -f "$sdk_dir/node_modules/.package-lock.json" ] ||
            [ "$sdk_dir/package-lock.json" -nt "$sdk_dir/node_modules/.package-lock.json" ]; then
            cd "$sdk_dir" && npm ci --no-audit --no-fund
        fi
    ) 9>"$LG_TOP_BUILDDIR/sdk-npm.lock" >"$T/npm-ci.log" 2>&1
}

# node_tests LABEL FILE...: node --test over FILEs (run in the SDK's directory); each
# top-level test counts here as one PASS, FAIL or SKIPPED named "LABEL: <test>".
node_tests() {
    local label=$1 tap="$T/$1.tap" rc line name found=0
    shift
    (cd "$sdk_dir" && node --test --test-reporter=tap "$@") >"$tap" 2>"$T/$label.err"
    rc=$?
    while IFS= read -r line; do
        found=1
        name=$(printf '%s' "$line" | sed -E 's/^(not )?ok [0-9]+ - //; s/ # (SKIP|TODO)( .*)?$//; s/\\#/#/g')
        case $line in
        "not ok "*)
            fail "$label: $name"
            # The failure's YAML block: the lines after it up to its closing "  ...".
            awk -v want="$line" '$0 == want {on = 1; next} on && /^  \.\.\.$/ {exit} on' "$tap" |
                grep -v -e '^  ---$' -e '^  duration_ms' | head -n 25 | sed 's/^/    | /'
            ;;
        *" # SKIP"*) skip "$label: $name" "$(printf '%s' "$line" | sed -E 's/.* # SKIP ?//')" ;;
        *) pass "$label: $name" ;;
        esac
    done < <(grep -E '^(not )?ok [0-9]+ - ' "$tap")
    if [ "$found" = 0 ] || { [ "$rc" != 0 ] && ! grep -q '^not ok ' "$tap"; }; then
        fail "$label: node --test ran" "exit $rc: $(tail -n 5 "$T/$label.err" "$tap" | tr '\n' ' ')"
    fi
}

if ! sdk_prepare; then
    fail "sdk" "cannot copy contrib/sdk/typescript out of the read-only source tree"
    finish
fi
if ! sdk_npm_ci; then
    skip "sdk" "npm ci in contrib/sdk/typescript failed (no registry?): $(tail -n 3 "$T/npm-ci.log" | tr '\n' ' ')"
    finish
fi
pass "npm ci: the SDK's pinned development dependencies"

# ---- the package itself ------------------------------------------------------------
check "the SDK's types are what docs/openapi.yaml gives (src/generated/api.ts)" \
    node "$sdk_dir/scripts/gen-types.mjs" --check --spec "$LG_TOP_SRCDIR/docs/openapi.yaml"
if ! node "$sdk_dir/scripts/build.mjs" >"$T/build.out" 2>&1; then
    fail "the SDK builds (tsc: ES modules, CommonJS, declarations)" "$(tail -n 20 "$T/build.out")"
    finish
fi
pass "the SDK builds (tsc: ES modules, CommonJS, declarations)"
node_tests unit "$sdk_dir"/test/unit/*.test.mjs

# ---- the stack -----------------------------------------------------------------------
pa_start "sdk"
pa_store "sdk"
# A borrow whose transaction is not mined answers 202 after 8 s rather than 20.
sed -i 's|^request_budget_ms = .*|request_budget_ms = 8000|' "$T/lendgate.conf"
cat >>"$T/lendgate.conf" <<CONF
[webhook]
allow_http = true
allow_loopback = true
timeout_ms = 5000
connect_timeout_ms = 2000
CONF

rx_log="$T/rx.jsonl"
: >"$rx_log"
# The interpreter itself, not partner_api.sh's python3 function: $! must be its pid.
"${lg_python:-python3}" "$LG_TOP_SRCDIR/tests/integration/webhook_receiver.py" \
    --port-file "$T/rx.port" --log "$rx_log" >"$T/rx.err" 2>&1 &
rx_pid=$!
at_exit "kill $rx_pid 2>/dev/null"
wait_for 20 test -s "$T/rx.port" || { fail "webhook receiver starts" "$(cat "$T/rx.err")"; finish; }
rx="http://127.0.0.1:$(cat "$T/rx.port")"

wh_secret="whsec_$(python3 -c 'import base64, os; print(base64.b64encode(os.urandom(24)).decode())')"
sig_secret="sig_$(python3 -c 'import secrets; print(secrets.token_hex(32))')"
read -r pid_main key_main < <("$mk" --db "$db" --prefix sdk --fee 100 --settlement "$settle0" \
    --webhook "$rx/ok/sdk" --webhook-secret "$wh_secret")
read -r pid_slow key_slow < <("$mk" --db "$db" --prefix sdkslow)
read -r pid_sig key_sig < <("$mk" --db "$db" --prefix sdksig)
read -r _ key_plan < <("$mk" --db "$db" --prefix sdkplan --settlement "$settle1")
if [ -z "$key_main" ] || [ -z "$key_slow" ] || [ -z "$key_sig" ] || [ -z "$key_plan" ]; then
    fail "mkpartner: four partners" "a key is missing"
    finish
fi
# One partner held to 2 requests a minute, one that must sign its requests.
sqlite3 "$db" "update partners set rate_limit_rpm = 2 where id = '$pid_slow';
               update partners set signing_required = 1, signing_secret = '$sig_secret' where id = '$pid_sig'"

ws_start lighttpd 2 || { fail "lighttpd starts" "$ws_why"; finish; }

SDK_TEST_BASE_URL=$LG_BASE_URL SDK_TEST_API_KEY=$key_main SDK_TEST_PARTNER_ID=$pid_main \
    SDK_TEST_WEBHOOK_SECRET=$wh_secret SDK_TEST_WEBHOOK_LOG=$rx_log \
    SDK_TEST_SLOW_API_KEY=$key_slow SDK_TEST_SIGNED_API_KEY=$key_sig SDK_TEST_SIGNING_SECRET=$sig_secret \
    SDK_TEST_USER_WALLET=$wallet0 SDK_TEST_OAID=$oaid0 SDK_TEST_POSITION_ID=$pos0 \
    SDK_TEST_CTL=$ctl SDK_TEST_CONFIG=$T/lendgate.conf SDK_TEST_CHAIN_PY=$chain \
    SDK_TEST_USDC=$usdc SDK_TEST_SETTLEMENT=$settle0 SDK_TEST_PLATFORM=$platform \
    SDK_TEST_EXCHANGES=$T/contract.extra.jsonl node_tests stack "$sdk_dir/test/integration/stack.test.mjs"

# ---- npm pack: the package a partner installs ----------------------------------------
mkdir -p "$T/pack" "$T/app"
if (cd "$sdk_dir" && npm pack --pack-destination "$T/pack") >"$T/pack.out" 2>&1; then
    tarball=$(ls "$T"/pack/*.tgz 2>/dev/null | head -n 1)
fi
if [ -z "${tarball:-}" ]; then
    fail "npm pack makes the SDK's tarball" "$(tail -n 10 "$T/pack.out")"
    finish
fi
pass "npm pack makes the SDK's tarball ($(basename "$tarball"))"
expect_eq "the tarball holds the README, package.json and dist/ only" \
    "$(tar tzf "$tarball" | sed 's|^package/||' | grep -v -e '^dist/' -e '^README.md$' -e '^package.json$' | tr '\n' ' ')" ""
printf '{"name": "partner-app", "version": "1.0.0", "private": true, "type": "module"}\n' >"$T/app/package.json"
if (cd "$T/app" && npm install --no-audit --no-fund --offline "$tarball") >"$T/install.out" 2>&1; then
    pass "the tarball installs into an empty project (no runtime dependency, offline)"
else
    fail "the tarball installs into an empty project" "$(tail -n 10 "$T/install.out")"
    finish
fi
expect_eq "the installed package has no dependencies of its own" \
    "$(ls "$T/app/node_modules" | tr '\n' ' ')" "@mantle-rwa "

# The README's usage example (its ```js example block), as written.
awk '$0 == "```js example" {on = 1; next} on && /^```/ {exit} on' "$sdk_dir/README.md" >"$T/app/example.mjs"
if [ ! -s "$T/app/example.mjs" ]; then
    fail "README.md has the usage example" "no \`\`\`js example block"
else
    (cd "$T/app" && MANTLE_API_KEY=$key_plan MANTLE_API_URL=$LG_BASE_URL OAID_TOKEN_ID=$oaid0 \
        USER_WALLET=$wallet0 PARTNER_LOAN_ID=plan-example-1 node example.mjs) >"$T/example.out" 2>&1
    rc=$?
    sed 's/^/    | /' "$T/example.out"
    if [ "$rc" = 0 ] && grep -q '^Available: \$[0-9.]*$' "$T/example.out" &&
        grep -Eq '^Success! TX: 0x[0-9a-fA-F]{64}$' "$T/example.out"; then
        pass "the README's usage example runs from the installed tarball"
    else
        fail "the README's usage example runs from the installed tarball" "exit $rc"
    fi
    get "$key_plan" /partners/loan/plan-example-1
    expect_eq "the example's loan is there, ACTIVE, \$5000 for its user" \
        "$ws_status:$(jd 'x["status"]' 'x["principalAmount"]' 'x["userWallet"].lower()')" \
        "200:ACTIVE:5000000000:$(echo "$wallet0" | tr 'A-F' 'a-f')"
fi

# CommonJS and TypeScript consumers of the installed package.
check "require() finds the CommonJS build" \
    bash -c "cd '$T/app' && node -e \"const s = require('@mantle-rwa/partner-sdk');
        if (typeof s.MantleRWAPartnerSDK !== 'function' || typeof s.verifyWebhook !== 'function') process.exit(1)\""
cat >"$T/app/consumer.ts" <<'TS'
import { LendgateError, MantleRWAPartnerSDK, isInFlight, verifyWebhook } from '@mantle-rwa/partner-sdk';
import type { BorrowRequest, Loan, WebhookEvent } from '@mantle-rwa/partner-sdk';

const sdk = new MantleRWAPartnerSDK('pk_xyz_live_00000000000000000000000000000000', 'http://127.0.0.1:1');
const req: BorrowRequest = { oaidTokenId: 1, userWallet: '0x0', borrowAmount: '1', partnerLoanId: 'x' };
export async function flow(): Promise<string> {
  const r = await sdk.borrow(req);
  if (isInFlight(r)) {
    const loan: Loan = await sdk.waitForLoan(req.partnerLoanId);
    return loan.status;
  }
  return r.txHash ?? '';
}
export function hook(body: string, headers: Record<string, string>): string {
  const ev: WebhookEvent = verifyWebhook(body, headers, 'whsec_x');
  return ev.type === 'loan.repaid' ? ev.totalRepaid : ev.type;
}
export const isErr = (e: unknown): number => (e instanceof LendgateError ? e.statusCode : 0);
TS
cat >"$T/app/tsconfig.json" <<'JSON'
{ "compilerOptions": { "strict": true, "noEmit": true, "module": "NodeNext", "moduleResolution": "NodeNext",
  "target": "ES2022", "types": [], "typeRoots": [] }, "files": ["consumer.ts"] }
JSON
check "a TypeScript project type-checks against the installed declarations" \
    node "$sdk_dir/node_modules/typescript/lib/tsc.js" -p "$T/app/tsconfig.json"

ws_stop
expect_eq "no sanitizer report or crash" "$(ws_errors | head -n 3)" ""
finish
