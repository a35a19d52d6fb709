#!/usr/bin/env bash
# Runs lendgate locally on a fresh Debian 12 machine (as root):
#   installs what it needs, builds, starts the devnet (a local EVM chain with the
#   lending contracts), creates the SQLite store, starts lighttpd on 127.0.0.1 with a
#   pool of lendgate.fcgi responders, creates a demo partner, prints its API key once
#   and curl commands that work as printed. Ctrl-C stops everything it started.
#
#   contrib/quickstart.sh            run until Ctrl-C
#   contrib/quickstart.sh --check    run the printed curl commands itself, then stop
#
# Everything lives under _run/quickstart (mode 0700), rebuilt on every start.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build="$top/_build/quickstart"
run="$top/_run/quickstart"
check=0
[ "${1:-}" = "--check" ] && check=1

# shellcheck source=contrib/deps.sh
. "$top/contrib/deps.sh"

# One quickstart at a time: a second one would rebuild _run/quickstart under the
# running one and orphan its devnet. The lock is an open file descriptor that the
# devnet and lighttpd inherit, so it is held until the last of them has stopped.
mkdir -p "$top/_run"
exec 9>>"$top/_run/quickstart.lock"
if ! flock -n 9; then
    echo "a quickstart is already running from $top (stop it with Ctrl-C first)" >&2
    exit 1
fi

say() { printf '\n== %s\n' "$*"; }

lighttpd_pid=""
jobs_pids=""
stop_all() {
    trap - INT TERM EXIT
    say "stopping"
    if [ -n "$lighttpd_pid" ]; then
        kill "$lighttpd_pid" 2>/dev/null || true
        wait "$lighttpd_pid" 2>/dev/null || true
    fi
    for pid in $jobs_pids; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    # lighttpd's spawned responders exit when their socket closes; make sure.
    pkill -f "^$build/lendgate.fcgi" 2>/dev/null || true
    "$top/contrib/devnet/down.sh" --state-dir "$run/devnet" >/dev/null 2>&1 || true
    "$top/contrib/devnet/down.sh" --state-dir "$run/sandbox-devnet" >/dev/null 2>&1 || true
    echo "stopped: lighttpd, the responder pool, dispatch, reconcile, the webhook receiver and the devnets"
}

build_all() {
    say "building (log: $build/build.log)"
    (cd "$top" && ./bootstrap) >/dev/null 2>&1
    mkdir -p "$build"
    cd "$build"
    { [ -f Makefile ] && [ Makefile -nt "$top/configure" ]; } || "$top/configure" -q
    make -j"$(nproc)" >"$build/build.log" 2>&1 || { tail -n 30 "$build/build.log"; exit 1; }
    cd "$top"
}

start_devnet() {
    say "starting the devnet"
    local out
    out=$("$top/contrib/devnet/up.sh" --state-dir "$run/devnet")
    eval "$(printf '%s\n' "$out" | grep -E '^(RPC_URL|DEPLOYMENT|PLATFORM_KEY)=')"
    echo "chain node: $RPC_URL"
    # The sandbox's chain: a second devnet with a chain id and a deployment of its own.
    say "starting the sandbox's devnet"
    out=$("$top/contrib/devnet/up.sh" --state-dir "$run/sandbox-devnet" --chain-id 31338)
    eval "$(printf '%s\n' "$out" | grep -E '^(RPC_URL|DEPLOYMENT|PLATFORM_KEY)=' | sed 's/^/SANDBOX_/')"
    echo "sandbox chain node: $SANDBOX_RPC_URL"
}

# Prints one value of the deployment file: js expression over d (the sandbox's
# deployment with a second argument).
dep() {
    node -e 'const d = require(process.argv[1]); console.log(eval(process.argv[2]))' \
        "${2:-$DEPLOYMENT}" "$1"
}

write_config() {
    cat >"$run/lendgate.conf" <<CONF
[store]
backend = sqlite
state_dir = $run/state
path = $run/state/lendgate.db

[chain]
rpc_url = $RPC_URL
chain_id = $(dep d.chainId)
oaid_address = $(dep d.contracts.oaid)
vault_address = $(dep d.contracts.vault)
usdc_address = $(dep d.contracts.usdc)
platform_key_file = $PLATFORM_KEY

# Sandbox keys borrow, repay and deposit on this chain only, live keys never.
[sandbox]
rpc_url = $SANDBOX_RPC_URL
chain_id = $(dep d.chainId "$SANDBOX_DEPLOYMENT")
oaid_address = $(dep d.contracts.oaid "$SANDBOX_DEPLOYMENT")
vault_address = $(dep d.contracts.vault "$SANDBOX_DEPLOYMENT")
usdc_address = $(dep d.contracts.usdc "$SANDBOX_DEPLOYMENT")
platform_key_file = $SANDBOX_PLATFORM_KEY

[admin]
trust_remote_user = true
admins = admin

# The demo partner's webhook endpoint is a receiver on this machine, over plain
# http: for the demo only. Production deliveries go to https:// at public addresses.
[webhook]
allow_http = true
allow_loopback = true
poll_ms = 200

[log]
level = info
CONF
    chmod 600 "$run/lendgate.conf"
    "$build/lendgatectl" --config "$run/lendgate.conf" init
}

# /admin sits behind lighttpd's own basic auth, as etc/lighttpd-lendgate.conf ships
# it: user "admin" with a fresh random password, kept 0600 in the run directory.
write_admin_auth() {
    admin_pw=$(python3 -c 'import secrets; print(secrets.token_urlsafe(18))')
    (umask 077 && printf '%s\n' "$admin_pw" >"$run/admin.password")
    htpasswd -c -b -B "$run/admin.htpasswd" admin "$admin_pw" 2>/dev/null
}

# A webhook endpoint for the demo partner: records every delivery, one JSON line each.
start_receiver() {
    python3 "$top/tests/integration/webhook_receiver.py" --port-file "$run/webhooks.port" \
        --log "$run/webhooks.jsonl" 2>>"$run/webhooks.err" &
    jobs_pids="$jobs_pids $!"
    for _ in $(seq 1 100); do
        [ -s "$run/webhooks.port" ] && break
        sleep 0.1
    done
    [ -s "$run/webhooks.port" ] || { echo "the webhook receiver did not start" >&2; exit 1; }
    webhook_url="http://127.0.0.1:$(cat "$run/webhooks.port")/ok/demo"
}

# The long-running jobs: webhook deliveries, and reconcile for requests that answered 202.
start_jobs() {
    "$build/lendgatectl" --config "$run/lendgate.conf" dispatch --watch >>"$run/dispatch.log" 2>&1 &
    jobs_pids="$jobs_pids $!"
    "$build/lendgatectl" --config "$run/lendgate.conf" reconcile --watch --interval 5 \
        >>"$run/reconcile.log" 2>&1 &
    jobs_pids="$jobs_pids $!"
}

start_lighttpd() {
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    mkdir -p "$run/www"
    write_admin_auth
    cat >"$run/lighttpd.conf" <<CONF
server.document-root = "$run/www"
server.bind = "127.0.0.1"
server.port = $port
server.errorlog = "$run/lighttpd.log"
server.max-request-size = 16384
server.modules = ( "mod_fastcgi", "mod_auth", "mod_authn_file" )
fastcgi.server = (
  "/partners" => ((
    "socket" => "$run/lendgate.sock",
    "bin-path" => "$build/lendgate.fcgi",
    "max-procs" => 4,
    "check-local" => "disable",
    "bin-environment" => ( "LENDGATE_CONFIG" => "$run/lendgate.conf" ),
  )),
  "/admin" => ((
    "socket" => "$run/admin.sock",
    "bin-path" => "$build/lendgate.fcgi",
    "max-procs" => 1,
    "check-local" => "disable",
    "bin-environment" => ( "LENDGATE_CONFIG" => "$run/lendgate.conf" ),
  )),
)
auth.backend = "htpasswd"
auth.backend.htpasswd.userfile = "$run/admin.htpasswd"
auth.require = ( "/admin" => ( "method" => "basic", "realm" => "lendgate admin",
                               "require" => "valid-user" ) )
\$HTTP["url"] =~ "^/(partners|admin)(/|\$)" {
    server.errorfile-prefix = "$top/etc/errors/status-"
    mimetype.assign = ( ".html" => "application/json" )
}
CONF
    lighttpd -D -f "$run/lighttpd.conf" 2>>"$run/lighttpd.log" &
    lighttpd_pid=$!
    base="http://127.0.0.1:$port"
    echo "$base" >"$run/base-url"
    for _ in $(seq 1 100); do
        curl -s -o /dev/null "$base/partners/-" && return 0
        sleep 0.1
    done
    echo "lighttpd did not start: see $run/lighttpd.log" >&2
    exit 1
}

print_examples() {
    oaid=$(dep 'd.users[0].oaid')
    wallet=$(dep 'd.users[0].address')
    say "demo partner '$partner_id' (daily limit \$50,000, total \$200,000, fee 1%)"
    echo "API key (shown once): $key"
    echo "sandbox API key (shown once): $sandbox_key"
    echo "webhook secret (shown once): $webhook_secret"
    echo "webhook deliveries go to $webhook_url and are recorded in $run/webhooks.jsonl"
    cat <<EXAMPLES

lendgate is at $base (chain $RPC_URL, store $run/state/lendgate.db). Try:

  # the user's credit line (public)
  curl -s $base/partners/public/oaid/$oaid/credit-line

  # borrow 1,000 USDC for the user (amounts are USDC base units, 6 decimals)
  curl -s -X POST $base/partners/borrow -H 'Authorization: Bearer $key' \\
       -H 'Content-Type: application/json' \\
       -d '{"oaidTokenId":$oaid,"userWallet":"$wallet","borrowAmount":"1000000000","partnerLoanId":"demo-1","metadata":{"partnerUserId":"user_xyz_456","loanPurpose":"working_capital"}}'

  # the loan's status
  curl -s $base/partners/loan/demo-1 -H 'Authorization: Bearer $key'

  # repay 400 USDC of it: the partner first sends the USDC from its settlement wallet
  # to the platform wallet (on the devnet with this helper), then names that transfer
  proof=\$(node $top/contrib/devnet/scripts/pay.js --deployment $DEPLOYMENT --amount 400000000)
  curl -s -X POST $base/partners/repay -H 'Authorization: Bearer $key' \\
       -H 'Content-Type: application/json' \\
       -d '{"partnerLoanId":"demo-1","repaymentAmount":"400000000","repaymentTxHash":"'\$proof'"}'

  # the partner's stats and ledger
  curl -s $base/partners/my/stats -H 'Authorization: Bearer $key'
  curl -s $base/partners/my/transactions -H 'Authorization: Bearer $key'

  # the same partner's sandbox key: the same routes on the sandbox's chain
  # ($SANDBOX_RPC_URL), with loans, limits and stats of its own
  curl -s -X POST $base/partners/borrow -H 'Authorization: Bearer $sandbox_key' \\
       -H 'Content-Type: application/json' \\
       -d '{"oaidTokenId":$sb_oaid,"userWallet":"$sb_wallet","borrowAmount":"250000000","partnerLoanId":"demo-1"}'
  curl -s $base/partners/my/stats -H 'Authorization: Bearer $sandbox_key'

  # the admin API, behind lighttpd's basic auth (password in $run/admin.password)
  curl -s -u admin:$admin_pw $base/admin/partners
  curl -s -u admin:$admin_pw "$base/admin/partners/$partner_id/analytics?period=7d"
  curl -s -u admin:$admin_pw "$base/admin/partners/audit-logs?partnerId=$partner_id&limit=5"

  tail -n 3 $run/webhooks.jsonl    # loan.borrowed, loan.repayment_received, ... signed
  curl -s $base/partners/webhooks/deliveries -H 'Authorization: Bearer $key'

More in docs/operations.md (operators), docs/webhooks.md (events, signatures,
retries) and docs/security.md (rate limits, signing, allowlists).
EXAMPLES
}

# --check: the same requests, with their answers checked.
run_checks() {
    local auth="Authorization: Bearer $key" ct="Content-Type: application/json" out
    say "checking the examples"
    out=$(curl -s "$base/partners/public/oaid/$oaid/credit-line")
    echo "credit line: $out"
    out=$(curl -s -w ' %{http_code}' -X POST "$base/partners/borrow" -H "$auth" -H "$ct" \
        -d "{\"oaidTokenId\":$oaid,\"userWallet\":\"$wallet\",\"borrowAmount\":\"1000000000\",\"partnerLoanId\":\"demo-1\",\"metadata\":{\"partnerUserId\":\"user_xyz_456\",\"loanPurpose\":\"working_capital\"}}")
    echo "borrow: $out"
    case "$out" in *' 201') ;; *) echo "borrow did not answer 201" >&2; return 1 ;; esac
    proof=$(node "$top/contrib/devnet/scripts/pay.js" --deployment "$DEPLOYMENT" --amount 400000000)
    out=$(curl -s -w ' %{http_code}' -X POST "$base/partners/repay" -H "$auth" -H "$ct" \
        -d '{"partnerLoanId":"demo-1","repaymentAmount":"400000000","repaymentTxHash":"'"$proof"'"}')
    echo "repay: $out"
    case "$out" in *' 200') ;; *) echo "repay did not answer 200" >&2; return 1 ;; esac
    out=$(curl -s -w ' %{http_code}' "$base/partners/loan/demo-1" -H "$auth")
    echo "loan: $out"
    case "$out" in *'600000000'*' 200') ;; *) echo "loan does not show 600 USDC remaining" >&2; return 1 ;; esac
    out=$(curl -s -w ' %{http_code}' -X POST "$base/partners/borrow" -H "Authorization: Bearer $sandbox_key" \
        -H "$ct" -d "{\"oaidTokenId\":$sb_oaid,\"userWallet\":\"$sb_wallet\",\"borrowAmount\":\"250000000\",\"partnerLoanId\":\"demo-1\"}")
    echo "sandbox borrow: $out"
    case "$out" in *' 201') ;; *) echo "the sandbox borrow did not answer 201" >&2; return 1 ;; esac
    out=$(curl -s -w ' %{http_code}' "$base/partners/my/stats" -H "Authorization: Bearer $sandbox_key")
    echo "sandbox stats: $out"
    case "$out" in *'"environment":"sandbox"'*'"totalBorrowed":"250000000"'*' 200') ;;
    *) echo "the sandbox's stats do not show its own loan only" >&2; return 1 ;; esac
    delivered() { # TYPE: the receiver recorded an event of TYPE
        python3 -c 'import json, sys
sys.exit(0 if any(json.loads(json.loads(l)["body"]).get("type") == sys.argv[2]
                  for l in open(sys.argv[1])) else 1)' "$run/webhooks.jsonl" "$1" 2>/dev/null
    }
    for _ in $(seq 1 300); do
        delivered loan.repayment_received && break
        sleep 0.1
    done
    delivered loan.borrowed && delivered loan.repayment_received ||
        { echo "the webhooks of the borrow and the repayment were not delivered" >&2; return 1; }
    echo "webhooks: loan.borrowed and loan.repayment_received delivered"
    out=$(curl -s -w ' %{http_code}' -u "admin:$admin_pw" "$base/admin/partners/$partner_id/analytics?period=7d")
    echo "admin analytics: $out"
    case "$out" in *'"newLoans":1'*' 200') ;; *) echo "admin analytics does not show the loan" >&2; return 1 ;; esac
    out=$(curl -s -o /dev/null -w '%{http_code}' -u "admin:wrong" "$base/admin/partners")
    [ "$out" = 401 ] || { echo "a wrong admin password answered $out, not 401" >&2; return 1; }
    # The plan's own SDK and usage example, and its partner_platforms.json.
    node "$top/contrib/examples/plan_sdk.mjs" "$base" "$key" "$oaid" "$wallet" plan-sdk-1 || return 1
    "$build/lendgatectl" --config "$run/lendgate.conf" partner import "$top/etc/partner_platforms.json" ||
        { echo "the plan's partner_platforms.json did not import" >&2; return 1; }
    out=$(curl -s -u "admin:$admin_pw" "$base/admin/partners/partner_xyz_lending_001")
    case "$out" in *'"partnerName":"XYZ Lending"'*) ;; *) echo "imported partner: $out" >&2; return 1 ;; esac
    echo "quickstart check passed"
}

lg_install_packages
build_all
rm -rf "$run"
mkdir -p -m 0700 "$run"
trap stop_all INT TERM EXIT
start_devnet
write_config
settlement=$(dep 'd.settlement[0].address')
# The operator's own onboarding verb; its JSON carries the key, shown only this once.
start_receiver
read -r partner_id key webhook_secret < <("$build/lendgatectl" --config "$run/lendgate.conf" partner create \
    --name "Demo Lending" --prefix demo --daily-limit 50000000000 --total-limit 200000000000 \
    --fee-bps 100 --settlement "$settlement" --webhook-url "$webhook_url" --json |
    python3 -c 'import json, sys; d = json.load(sys.stdin); print(d["partner"]["partnerId"], d["apiKey"], d["webhookSecret"])') || true
[ -n "${key:-}" ] || { echo "creating the demo partner failed" >&2; exit 1; }
# Its sandbox key, beside the live one (the onboarding gives it first).
sandbox_key=$("$build/lendgatectl" --config "$run/lendgate.conf" partner rotate-key "$partner_id" \
    --env sandbox --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["apiKey"])') || true
[ -n "${sandbox_key:-}" ] || { echo "making the demo partner's sandbox key failed" >&2; exit 1; }
sb_oaid=$(dep 'd.users[0].oaid' "$SANDBOX_DEPLOYMENT")
sb_wallet=$(dep 'd.users[0].address' "$SANDBOX_DEPLOYMENT")
start_lighttpd
start_jobs
print_examples
if [ $check = 1 ]; then
    run_checks
    exit $?
fi
say "running; press Ctrl-C to stop everything"
wait "$lighttpd_pid"
