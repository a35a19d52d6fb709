#!/usr/bin/env bash
# The service layer against a real devnet and a real SQLite file: borrow success with
# every record and the settlement balance read from chain, each refusal, idempotency,
# repayments with and without an on-chain proof, 16 processes racing for one total
# limit, a worker killed between broadcast and confirm, 202 PENDING on a slow chain,
# and reconcile (lendgatectl) finishing loans and filling a nonce gap.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/devnet.sh"

live="$LG_TOP_BUILDDIR/tests/integration/service_live"
ctl="$LG_TOP_BUILDDIR/lendgatectl"
for prog in "$live" "$ctl"; do
    if [ ! -x "$prog" ]; then
        fail "$(basename "$prog") is built" "$prog is missing"
        finish
    fi
done
devnet_up

field() { node -p "require(process.argv[1]).$1" "$LG_DEPLOYMENT"; }
# acct IDX: "WALLET,OAID,POSITION" of users[IDX]
acct() { node -p "const u = require(process.argv[1]).users[$1]; [u.address, u.oaid, u.positionId].join(',')" "$LG_DEPLOYMENT"; }

mkdir -m 700 "$T/state"
cat >"$T/lendgate.conf" <<CONF
[store]
backend = sqlite
path = $T/state/lendgate.db
state_dir = $T/state
[chain]
rpc_url = $LG_RPC_URL
chain_id = 31337
oaid_address = $(field contracts.oaid)
vault_address = $(field contracts.vault)
usdc_address = $(field contracts.usdc)
platform_key_file = $LG_PLATFORM_KEY
connect_timeout_ms = 1000
request_timeout_ms = 5000
receipt_timeout_ms = 20000
receipt_poll_ms = 50
[http]
request_budget_ms = 20000
[log]
level = warn
CONF
export LENDGATE_CONFIG=$T/lendgate.conf
export LG_T_MAIN=$(acct 0) LG_T_SMALL=$(acct 1) LG_T_INACTIVE=$(acct 2) LG_T_RACE=$(acct 3)
export LG_T_NOPOS=$(acct 4)
for i in 0 1 2 3; do export "LG_T_SETTLE$i=$(field "settlement[$i].address")"; done

check "lendgatectl init" "$ctl" init

# run NAME ARGS...: passes when service_live exits 0; output kept in $T/out.$2.
run() {
    local name=$1 sub=$2
    shift
    if "$live" --config "$T/lendgate.conf" "$@" >"$T/out.$sub" 2>&1; then
        pass "$name"
    else
        fail "$name" "service_live $* exited $?"
        sed 's/^/    | /' "$T/out.$sub" | tail -n 30
    fi
}
# reconcile NAME: lendgatectl reconcile as an operator runs it. The requests it
# finishes are known to be over (killed, or answered 202), so it need not wait the
# budget of a live request before touching them.
reconcile() {
    if LENDGATE_HTTP_REQUEST_BUDGET_MS=1000 LENDGATE_CHAIN_REQUEST_TIMEOUT_MS=300 \
        "$ctl" reconcile >"$T/reconcile.$2" 2>&1; then
        pass "$1"
    else
        fail "$1" "lendgatectl reconcile exited $?"
    fi
    sed 's/^/    | /' "$T/reconcile.$2"
}

run "platform wallet funded for repayments" fund
run "borrow: 201, fee, net on chain, ledger, totals, position, outbox" borrow-ok
run "borrow refusals: ownership 403, line 400, credit 400, position 400, daily/total 403" \
    borrow-rejects
run "idempotency: same body returns the loan, different body 409" idempotency
run "repay: 404, overpay 400, partial, full, already repaid 400" repay
run "repay proofs: good, wrong sender, too small, reverted, unknown, reused" proof
run "two concurrent repayments never overdraw the loan" repay-race
run "16 concurrent borrows never pass the total limit; chain equals store" race 16

run "worker killed after broadcast, before confirm" crash-start
from_block=$(sed -n 's/^from_block=//p' "$T/out.crash-start")
sleep 2
reconcile "reconcile after the crash" crash
run "reconcile completed it: one borrow and one transfer on chain" crash-check "${from_block:-0}"

run "slow chain: 202 PENDING, then the node loses the transaction" pending-start
sleep 2
reconcile "reconcile after the node lost it" pending
if grep -q "1 re-broadcast" "$T/reconcile.pending"; then
    pass "reconcile re-broadcast the persisted bytes"
else
    fail "reconcile re-broadcast the persisted bytes"
fi
run "reconcile finished the pending loan" pending-check

run "artificial nonce gap" gap-start
reconcile "reconcile fills the nonce gap" gap
if grep -q "1 nonce gap(s) filled" "$T/reconcile.gap"; then
    pass "reconcile reports the gap filled"
else
    fail "reconcile reports the gap filled"
fi
run "no gap left, and borrowing goes on" gap-check
run "one reconcile pass at a time" reconcile-lock

if out=$("$ctl" nonce resync 2>&1) && [[ $out =~ :\ ([0-9]+)\ -\>\ ([0-9]+)$ ]] &&
    [ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ]; then
    pass "nonce resync finds the counter in step ($out)"
else
    fail "nonce resync finds the counter in step" "$out"
fi

"$ctl" reconcile --watch --interval 1 >"$T/watch.out" 2>&1 &
watch_pid=$!
sleep 2
kill -TERM "$watch_pid" 2>/dev/null
wait "$watch_pid"
expect_eq "reconcile --watch stops cleanly on SIGTERM" "$?" 0
if [ "$(grep -c '^reconcile:' "$T/watch.out")" -ge 2 ]; then
    pass "reconcile --watch runs pass after pass"
else
    fail "reconcile --watch runs pass after pass" "$(cat "$T/watch.out")"
fi

finish
