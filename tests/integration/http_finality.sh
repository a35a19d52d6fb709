#!/usr/bin/env bash
# [chain] confirmations through lighttpd and Apache + mod_fcgid, against the devnet.
# With 2: a borrow mined with no block on it answers 202 PENDING; one reconcile after
# two more blocks makes it SETTLING with its payout sent, and the payout counts only
# two blocks later (ACTIVE). With blocks coming (the test mines one every 50 ms, as a
# chain would) the request sees both become final itself (201). A partner's proof of
# transfer with no block on it is refused, and credited two blocks later.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/webserver.sh"
. "$(dirname "$0")/devnet.sh"
. "$(dirname "$0")/partner_api.sh"

pa_start "finality"

# receipt_block HASH: the block a transaction was mined in, from the node.
receipt_block() {
    python3 "$chain" rpc eth_getTransactionReceipt "[\"$1\"]" |
        python3 -c 'import json,sys; r=json.load(sys.stdin); print(int(r["blockNumber"],16) if r else -1)'
}

# Blocks keep coming while a request waits for depth: one every 50 ms.
start_miner() {
    (while [ -e "$T/mining" ]; do python3 "$chain" rpc evm_mine >/dev/null 2>&1; sleep 0.05; done) &
    miner=$!
}

status_of_loan() { sqlite3 -readonly "$db" "select status from partner_loans where partner_loan_id = '$1'"; }

# reconcile_now NAME: one pass that waits for no receipt longer than half a second.
reconcile_now() {
    LENDGATE_CHAIN_RECEIPT_TIMEOUT_MS=500 "$ctl" --config "$T/lendgate.conf" reconcile \
        >"$T/reconcile.out" 2>&1 || fail "$1: reconcile runs" "$(tail -n 3 "$T/reconcile.out")"
    ws_fix_owner
}

finality() {
    local s=$1 k=$2 settle=$3 key tx proof
    pa_store "$s"
    sed -i -e 's|^receipt_poll_ms = .*|receipt_poll_ms = 50\nconfirmations = 2|' \
        -e 's|^request_budget_ms = .*|request_budget_ms = 8000|' "$T/lendgate.conf"
    read -r _ key < <("$mk" --db "$db" --prefix "fin$k" --fee 100 --settlement "$settle")
    if ! ws_start "$s" 2; then
        if [ "$ws_missing" = 1 ]; then skip "$s" "$ws_why"; else fail "$s starts" "$ws_why"; fi
        return
    fi
    # No block after the borrow's own: mined, never final, so never ACTIVE.
    borrow "$key" "deep-$s" "$wallet0" "$oaid0" $((10 * U))
    tx=$(sqlite3 -readonly "$db" "select hash from chain_txs where purpose = 0 and loan_id = \
        (select id from partner_loans where partner_loan_id = 'deep-$s')")
    expect_eq "$s: mined but not 2 deep: 202 PENDING" \
        "$ws_status:$(jd 'x["status"]'):$([ "$(receipt_block "$tx")" -ge 0 ] && echo mined)" \
        "202:PENDING:mined"
    rpc evm_mine
    rpc evm_mine
    reconcile_now "$s"
    expect_eq "$s: the borrow 2 deep: SETTLING, its payout mined but not yet final" \
        "$(status_of_loan "deep-$s")" 1
    rpc evm_mine
    reconcile_now "$s"
    expect_eq "$s: the payout 1 deep: still SETTLING" "$(status_of_loan "deep-$s")" 1
    rpc evm_mine
    reconcile_now "$s"
    expect_eq "$s: the payout 2 deep: ACTIVE" "$(status_of_loan "deep-$s")" 2

    # Blocks coming as on a live chain: the request itself sees both become final. Its
    # budget is a minute here, so how fast this machine mines is never the question.
    ws_stop
    sed -i 's|^request_budget_ms = .*|request_budget_ms = 60000|' "$T/lendgate.conf"
    if ! ws_start "$s" 2; then
        fail "$s restarts with a one-minute budget" "$ws_why"
        return
    fi
    touch "$T/mining"
    start_miner
    borrow "$key" "live-$s" "$wallet0" "$oaid0" $((10 * U))
    rm -f "$T/mining"
    wait "$miner"
    expect_eq "$s: with blocks coming, the borrow is 201" "$ws_status" 201

    proof=$(pay $((4 * U)) "$k")
    repay "$key" "deep-$s" $((4 * U)) "$proof"
    ws_expect_error "$s: a proof with no block on it is refused" 400 \
        "repaymentTxHash: not yet confirmed by enough blocks"
    rpc evm_mine
    rpc evm_mine
    touch "$T/mining"
    start_miner
    repay "$key" "deep-$s" $((4 * U)) "$proof"
    rm -f "$T/mining"
    wait "$miner"
    expect_eq "$s: two blocks later the same repayment goes through" \
        "$ws_status:$(jd 'x["remainingDebt"]')" "200:$((6 * U))"
    ws_stop
    expect_eq "$s: no sanitizer report or crash" "$(ws_errors | head -n 3)" ""
}

finality lighttpd 0 "$settle0"
finality apache 1 "$settle1"
finish
