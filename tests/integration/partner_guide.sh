#!/usr/bin/env bash
# The documentation runs as written: the blocks of docs/onboarding.md (an admin
# onboarding a partner with lendgatectl and the admin API) and then those of
# docs/partner-guide.md (a partner's curl and SDK examples) are extracted by
# doc_blocks.py and run, in order, each file in one bash session, against a real stack:
# the devnet and the sandbox's (the guide's partner has a sandbox key, so its chain is
# the second one), lighttpd with its pool of lendgate.fcgi responders, a SQLite store, the
# operator's `lendgatectl reconcile --watch` and, once the guide's webhook receiver
# listens, `lendgatectl dispatch --watch`. A block that exits non-zero is a FAIL naming
# its file and line, with its output. Blocks run where a reader's application would:
# an empty project with the SDK installed from its `npm pack` tarball (as sdk.sh does)
# and ethers, the devnet's own copy.
#
# What a reader sets by hand, the session is given in the environment: LENDGATE_URL,
# LENDGATE_KEY (a partner made here with lendgatectl), USER_WALLET and OAID (a seeded
# borrower), LENDGATE_WEBHOOK_SECRET and WEBHOOK_PORT (the guide's receiver), RPC_URL,
# USDC_ADDRESS, PLATFORM_WALLET and SETTLEMENT_KEY (the sandbox devnet's); for onboarding
# LENDGATE_CONFIG, ADMIN_URL, ADMIN_AUTH, SETTLEMENT_ADDRESS and WEBHOOK_URL (a receiver
# here). The tags of doc_blocks.py that need the stack are done here (guide_* hooks):
#   pending   the chain holds its blocks back while the block runs, until the borrow in
#             it has answered 202 (its loan.pending event is in the outbox); then a block
#             is mined and automining is back, and reconcile finishes the loan
#   signing   signing is switched on for the partner first (PATCH signingRequired) and
#             its new secret exported as LENDGATE_SIGNING_SECRET
#   dispatch  `lendgatectl dispatch --watch` starts after the block (its receiver listens)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/webserver.sh"
. "$(dirname "$0")/devnet.sh"
. "$(dirname "$0")/partner_api.sh"

sdk_dir="$LG_TOP_SRCDIR/contrib/sdk/typescript"
export npm_config_update_notifier=false npm_config_audit=false npm_config_fund=false

for tool in node npm jq openssl sqlite3 htpasswd; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        skip "partner guide" "$tool is needed"
        finish
    fi
done
if ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 18 ? 0 : 1)'; then
    skip "partner guide" "Node.js 18 or newer is needed, found $(node --version)"
    finish
fi

# ---- the SDK, packed and installed into an empty project, as sdk.sh does -----------
sdk_prepare() { # a read-only source tree (make distcheck) gets a copy
    [ -w "$sdk_dir" ] && return 0
    local work="$LG_TOP_BUILDDIR/sdk-work"
    (
        flock -w 600 9 || exit 1
        rm -rf "$work.guide" && mkdir -p "$work.guide" &&
            (cd "$sdk_dir" && tar cf - --exclude=./node_modules --exclude=./dist .) |
            (cd "$work.guide" && tar xf -) && chmod -R u+w "$work.guide"
    ) 9>"$LG_TOP_BUILDDIR/sdk-npm.lock" || return 1
    sdk_dir=$work.guide
}
sdk_npm_ci() { # the lock file newer than node_modules: the pinned set changed
    (
        flock -w 600 9 || exit 1
        if [ ! -f "$sdk_dir/node_modules/.package-lock.json" ] ||
            [ "$sdk_dir/package-lock.json" -nt "$sdk_dir/node_modules/.package-lock.json" ]; then
            cd "$sdk_dir" && npm ci --no-audit --no-fund
        fi
    ) 9>"$LG_TOP_BUILDDIR/sdk-npm.lock" >"$T/npm-ci.log" 2>&1
}
if ! sdk_prepare; then
    fail "partner guide" "cannot copy contrib/sdk/typescript out of the read-only source tree"
    finish
fi
if ! sdk_npm_ci; then
    skip "partner guide" "npm ci in contrib/sdk/typescript failed (no registry?): $(tail -n 3 "$T/npm-ci.log" | tr '\n' ' ')"
    finish
fi
app="$T/app"
mkdir -p "$app" "$T/pack" "$T/sdk"
printf '{"name": "partner-app", "version": "1.0.0", "private": true, "type": "module"}\n' >"$app/package.json"
# Built and packed from a copy of its own (the installed dependencies shared): sdk.sh
# builds, tests and packs in the tree at the same time, and a build starts by
# removing dist/.
if ! (cd "$sdk_dir" && tar cf - --exclude=./node_modules --exclude=./dist .) | (cd "$T/sdk" && tar xf -) ||
    ! chmod -R u+w "$T/sdk" || ! ln -s "$sdk_dir/node_modules" "$T/sdk/node_modules" ||
    ! (node "$T/sdk/scripts/build.mjs" && cd "$T/sdk" && npm pack --pack-destination "$T/pack") \
    >"$T/pack.out" 2>&1 || ! tarball=$(ls "$T"/pack/*.tgz 2>/dev/null | head -n 1) ||
    ! (cd "$app" && npm install --no-audit --no-fund --offline "$tarball") >>"$T/pack.out" 2>&1; then
    fail "the SDK builds, packs and installs into an empty project" "$(tail -n 10 "$T/pack.out")"
    finish
fi
pass "the SDK builds, packs and installs into an empty project"

# ---- the stack ---------------------------------------------------------------------
pa_start "partner guide"
# The guide's partner starts in the sandbox, as the onboarding has it: its key acts on
# the sandbox's devnet, so the guide's chain is that one.
pa_sandbox_up
ln -s "$lg_devnet_dir/node_modules/ethers" "$app/node_modules/ethers"
pa_store "guide"
pa_sandbox_conf
# A borrow the chain has not mined answers 202 after 5 s rather than 20.
sed -i 's|^request_budget_ms = .*|request_budget_ms = 5000|' "$T/lendgate.conf"
cat >>"$T/lendgate.conf" <<CONF
[admin]
trust_remote_user = true
admins = root-admin
[webhook]
allow_http = true
allow_loopback = true
timeout_ms = 5000
connect_timeout_ms = 2000
poll_ms = 100
CONF
ws_admin_login
WS_ADMIN_AUTH=1 ws_start lighttpd 2 || { fail "lighttpd starts" "$ws_why"; finish; }

rx_log="$T/rx.jsonl"
: >"$rx_log"
"${lg_python:-python3}" "$LG_TOP_SRCDIR/tests/integration/webhook_receiver.py" \
    --port-file "$T/rx.port" --log "$rx_log" >"$T/rx.err" 2>&1 &
rx_pid=$!
at_exit "kill $rx_pid 2>/dev/null"
wait_for 20 test -s "$T/rx.port" || { fail "webhook receiver starts" "$(cat "$T/rx.err")"; finish; }

settlement_key=$(jq -r '.settlement[0].privateKey' "$sb_dep")
export PATH="$LG_TOP_BUILDDIR:$PATH" LENDGATE_CONFIG="$T/lendgate.conf"
export GUIDE_APP=$app GUIDE_HOOKS="$T/hooks.sh"
export LENDGATE_URL=$LG_BASE_URL USER_WALLET=$sb_wallet0 OAID=$sb_oaid0
export RPC_URL=$sb_rpc USDC_ADDRESS=$sb_usdc PLATFORM_WALLET=$sb_platform SETTLEMENT_KEY=$settlement_key

# The hooks doc_blocks.py's script calls, with this test's values written in.
cat >"$GUIDE_HOOKS" <<HOOKS
db='$db' chain='$chain' admin='root-admin:$ws_admin_pw' base='$LG_BASE_URL' conf='$T/lendgate.conf'
sb_rpc='$sb_rpc'
HOOKS
cat >>"$GUIDE_HOOKS" <<'HOOKS'
guide_rpc() { LG_RPC_URL=$sb_rpc python3 "$chain" rpc "$@" >/dev/null; }
guide_pending_events() { sqlite3 -readonly "$db" "select count(*) from webhook_outbox where event_type = 'loan.pending'"; }
guide_begin() {
    echo "$1" >"$GUIDE_OUT/current"
    case " $2 " in
    *" pending "*)
        guide_before_pending=$(guide_pending_events)
        guide_rpc evm_setAutomine '[false]'
        (   # mining resumes once the borrow has answered 202, or after 120 s
            for i in $(seq 1 1200); do
                [ "$(guide_pending_events)" -gt "$guide_before_pending" ] && break
                sleep 0.1
            done
            # Automining first: a transaction sent between the two calls (reconcile's
            # payout, once it sees the borrow mined) would otherwise wait in the pool.
            guide_rpc evm_setAutomine '[true]'
            guide_rpc evm_mine
        ) >"$GUIDE_OUT/$1.hook" 2>&1 &
        guide_miner=$!
        ;;
    esac
    case " $2 " in
    *" signing "*)
        curl -sS -u "$admin" -X PATCH "$base/admin/partners/$GUIDE_PARTNER" \
            -H 'Content-Type: application/json' --data-binary '{"signingRequired":true}' \
            >"$GUIDE_OUT/$1.hook"
        LENDGATE_SIGNING_SECRET=$(jq -r '.signingSecret // empty' "$GUIDE_OUT/$1.hook")
        [ -n "$LENDGATE_SIGNING_SECRET" ] || { echo "no signing secret" >>"$GUIDE_OUT/$1.hook"; return 1; }
        export LENDGATE_SIGNING_SECRET
        ;;
    esac
}
guide_end() {
    echo "$1" >>"$GUIDE_OUT/passed"
    case " $2 " in
    *" pending "*)
        wait "$guide_miner"
        if [ "$(guide_pending_events)" -le "$guide_before_pending" ]; then
            echo "the borrow did not answer 202 (no loan.pending event)" >>"$GUIDE_OUT/$1.hook"
            echo "$1" >>"$GUIDE_OUT/no202"
        fi
        ;;
    esac
    case " $2 " in
    *" dispatch "*)
        lendgatectl --config "$conf" dispatch --watch >"$GUIDE_OUT/dispatch.log" 2>&1 &
        echo $! >"$GUIDE_OUT/dispatch.pid"
        ;;
    esac
}
# The background block's first line, or its end (a failure then), within 60 s.
guide_background() {
    echo "$1 $2" >>"$GUIDE_OUT/background"
    for i in $(seq 1 600); do
        [ -s "$GUIDE_OUT/$1.out" ] && return 0
        kill -0 "$2" 2>/dev/null || break
        sleep 0.1
    done
    echo "it printed nothing and $(kill -0 "$2" 2>/dev/null && echo 'still runs' || echo 'ended')" \
        >"$GUIDE_OUT/$1.hook"
    return 1
}
# Every background block has ended with status 0 (within 120 s).
guide_finish() {
    local line pid i
    [ -f "$GUIDE_OUT/background" ] || return 0
    while read -r line pid; do
        echo "$line" >"$GUIDE_OUT/current"
        for i in $(seq 1 1200); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            echo "still running after 120 s" >"$GUIDE_OUT/$line.hook"
            kill "$pid"
            return 1
        fi
        wait "$pid" || { echo "exited with status $?" >"$GUIDE_OUT/$line.hook"; return 1; }
    done <"$GUIDE_OUT/background"
    echo done >"$GUIDE_OUT/current"
}
HOOKS

# run_doc NAME: the runnable blocks of docs/NAME.md, in order, in one bash session in
# the project directory; one PASS per block that ran, one FAIL for the block that did not.
run_doc() {
    local doc="$LG_TOP_SRCDIR/docs/$1.md" rc line
    export GUIDE_OUT="$T/out-$1"
    mkdir -p "$GUIDE_OUT"
    : >"$GUIDE_OUT/passed"
    if ! python3 "$LG_TOP_SRCDIR/tests/integration/doc_blocks.py" "$doc" "$app" >"$T/$1.session.sh" \
        2>"$T/$1.extract.err"; then
        fail "docs/$1.md: runnable blocks extracted" "$(cat "$T/$1.extract.err")"
        return
    fi
    (cd "$app" && bash "$T/$1.session.sh") >"$GUIDE_OUT/session.log" 2>&1
    rc=$?
    while read -r line; do
        pass "docs/$1.md:$line: runs"
        sed 's/^/    | /' "$GUIDE_OUT/$line.out" 2>/dev/null | head -n 12
    done <"$GUIDE_OUT/passed"
    if [ -s "$GUIDE_OUT/no202" ]; then
        while read -r line; do fail "docs/$1.md:$line: the borrow answers 202 while the chain holds back"; done \
            <"$GUIDE_OUT/no202"
    fi
    if [ "$rc" != 0 ]; then
        line=$(cat "$GUIDE_OUT/current" 2>/dev/null)
        fail "docs/$1.md:$line: the block exited with status $rc"
        cat "$GUIDE_OUT/$line.hook" "$GUIDE_OUT/$line.out" "$GUIDE_OUT/session.log" 2>/dev/null |
            tail -n 30 | sed 's/^/    | /'
    fi
}

# ---- docs/onboarding.md: the operator's side ----------------------------------------
ADMIN_URL=$LG_BASE_URL ADMIN_AUTH="root-admin:$ws_admin_pw" SETTLEMENT_ADDRESS=$settle1 \
    WEBHOOK_URL="http://127.0.0.1:$(cat "$T/rx.port")/ok/onboarding" run_doc onboarding
expect_eq "onboarding: the webhook test event reached the partner's endpoint" \
    "$(jq -r 'select(.path == "/ok/onboarding") | .headers["x-webhook-event"]' "$rx_log" | sort -u | tr '\n' ' ')" \
    "webhook.test "

# ---- docs/partner-guide.md: the partner's side --------------------------------------
# The operator's reconcile service, which finishes what a 202 left in flight.
lendgatectl reconcile --watch --interval 1 >"$T/reconcile.log" 2>&1 &
reconcile_pid=$!
at_exit "kill $reconcile_pid 2>/dev/null"
# The dispatcher the dispatch hook starts.
at_exit 'kill $(cat "$T/out-partner-guide/dispatch.pid" 2>/dev/null) 2>/dev/null'

export WEBHOOK_PORT=$(ws_free_port)
if ! lendgatectl partner create --name "Guide Lending" --prefix guide --settlement "$sb_settle0" \
    --tier PREMIUM --fee-bps 50 --env sandbox --webhook-url "http://127.0.0.1:$WEBHOOK_PORT/lendgate/webhooks" \
    --json >"$T/partner.json" 2>"$T/partner.err"; then
    fail "lendgatectl partner create (the guide's partner)" "$(cat "$T/partner.err")"
    finish
fi
export GUIDE_PARTNER=$(jq -r .partner.partnerId "$T/partner.json")
export LENDGATE_KEY=$(jq -r .apiKey "$T/partner.json") LENDGATE_WEBHOOK_SECRET=$(jq -r .webhookSecret "$T/partner.json")
run_doc partner-guide

# status 3 is REPAID (include/lendgate/model.h)
expect_eq "the guide's first loan is repaid: 400 with a proof, 600 from the balance" \
    "$(sqlite3 -readonly "$db" "select status || ':' || repaid from partner_loans where partner_loan_id = 'guide-loan-1'")" \
    "3:1000000000"
# Its lines "verified TYPE #SEQUENCE ...": 1, 2, 3, ... each once, the test event last.
verified=$(grep -h '^verified ' "$T"/out-partner-guide/*.out)
expect_eq "the guide's receiver verified every event, in order, once each, the test event last" \
    "$(printf '%s\n' "$verified" | awk '{ s = substr($3, 2); if (s != NR) bad = bad " " $3; t = $2 }
        END { print (NR > 1 ? "events" : "none") ":" t ":" (bad ? bad : "-") }')" \
    "events:webhook.test:-"

ws_stop
expect_eq "no sanitizer report or crash" "$(ws_errors | head -n 3)" ""
finish
