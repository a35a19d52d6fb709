#!/usr/bin/env bash
# The sandbox through lighttpd: one partner with a live key and a sandbox key, the
# live chain on one devnet (chain 31337) and the sandbox's on a second (chain 31338,
# a deployment of its own). Each key borrows the same partnerLoanId; each loan moves
# USDC on its own chain only (balances and the vault's debt read from each node);
# each key sees only its own loan, stats and environment; a loan left pending on the
# sandbox's chain is finished by reconcile on that chain; without [sandbox] a sandbox
# key cannot borrow (503) while the live key still can.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/webserver.sh"
. "$(dirname "$0")/devnet.sh"
. "$(dirname "$0")/partner_api.sh"

pa_start "sandbox"
command -v lighttpd >/dev/null || { skip "sandbox" "lighttpd not installed"; finish; }

pa_sandbox_up
expect_eq "the two nodes are two chains" \
    "$(python3 "$chain" rpc eth_chainId):$(LG_RPC_URL=$sb_rpc python3 "$chain" rpc eth_chainId)" \
    '"0x7a69":"0x7a6a"'
pa_store "store"
# A short receipt wait: a borrow whose block is held answers 202 soon.
sed -i 's/^receipt_timeout_ms = .*/receipt_timeout_ms = 3000/' "$T/lendgate.conf"
cp "$T/lendgate.conf" "$T/live-only.conf"
pa_sandbox_conf
read -r pid key < <("$mk" --db "$db" --prefix sbx --fee 100 --settlement "$settle0")
[ -n "${key:-}" ] || { fail "sandbox: mkpartner" "no key"; finish; }
# The admin's verb for the sandbox key, beside the live one.
"$ctl" --config "$T/lendgate.conf" partner rotate-key "$pid" --env sandbox --json \
    >"$T/rotate.json" 2>"$T/rotate.err"
sbkey=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["apiKey"])' \
    "$T/rotate.json" 2>/dev/null)
expect_eq "a sandbox key is made beside the live one" "${sbkey:0:15}" "pk_sbx_sandbox_"

if ! ws_start lighttpd 2; then
    fail "lighttpd starts" "$ws_why"
    finish
fi
get "$key" /partners/my/stats
expect_eq "the live key still works after the sandbox key was made" "$ws_status" 200

live_bal0=$(balance "$settle0")
sb_bal0=$(sb_chain balance "$sb_usdc" "$sb_settle0")
borrow "$key" L-1 "$wallet0" "$oaid0" $((100 * U))
expect_eq "live borrow is 201" "$ws_status" 201
borrow "$sbkey" L-1 "$sb_wallet0" "$sb_oaid0" $((40 * U))
expect_eq "sandbox borrow of the same partnerLoanId is 201" "$ws_status" 201
expect_eq "live payout on the live chain only (99 USDC net)" \
    "$(($(balance "$settle0") - live_bal0))" $((99 * U))
expect_eq "sandbox payout on the sandbox's chain only (39.6 USDC net)" \
    "$(($(sb_chain balance "$sb_usdc" "$sb_settle0") - sb_bal0))" $((396 * U / 10))
expect_eq "each vault lent its own loan" \
    "$(borrowed_on_chain "$pos0"):$(sb_chain borrowed "$sb_vault" "$sb_pos0")" \
    "$((100 * U)):$((40 * U))"

get "$key" /partners/loan/L-1
expect_eq "the live key sees its loan" "$ws_status:$(jd 'd["principalAmount"]')" "200:$((100 * U))"
get "$sbkey" /partners/loan/L-1
expect_eq "the sandbox key sees its own" "$ws_status:$(jd 'd["principalAmount"]')" "200:$((40 * U))"
get "$key" /partners/my/stats
expect_eq "live stats: the live loan, the live environment, the partner's id" \
    "$(jd 'd["lifetime"]["totalBorrowed"]' 'd["environment"]' 'd["partnerId"]')" \
    "$((100 * U)):live:$pid"
get "$sbkey" /partners/my/stats
expect_eq "sandbox stats: the sandbox loan, the sandbox environment, the same partner id" \
    "$(jd 'd["lifetime"]["totalBorrowed"]' 'd["environment"]' 'd["partnerId"]')" \
    "$((40 * U)):sandbox:$pid"
borrow "$key" L-2 "$wallet0" "$oaid0" $((5 * U))
get "$sbkey" /partners/loan/L-2
expect_eq "a live loan is not the sandbox key's" "$ws_status" 404
get "$sbkey" "/partners/user/$wallet0/loans"
expect_eq "the sandbox key lists its loans only" "$ws_status:$(jd 'len(d["loans"])')" "200:1"

# A sandbox borrow whose block is held answers 202; reconcile finishes it on the
# sandbox's chain (the live chain never saw its transaction).
sb_chain rpc evm_setAutomine '[false]' >/dev/null
borrow "$sbkey" S-3 "$sb_wallet0" "$sb_oaid0" $((10 * U))
expect_eq "a sandbox borrow with its block held answers 202" "$ws_status" 202
sb_chain rpc evm_setAutomine '[true]' >/dev/null
sb_chain rpc evm_mine >/dev/null
reconcile_quick >"$T/reconcile.out" 2>&1
expect_eq "reconcile finishes it on the sandbox's chain" \
    "$(sqlite3 -readonly "$db" "select status from partner_loans where partner_loan_id = 'S-3'")" 2
check "the sandbox's transactions are kept as the sandbox's" \
    test "$(sqlite3 -readonly "$db" "select count(*) from chain_txs where sandbox = 1 and chain_id = 31338")" -ge 4
expect_eq "and none of them names the live chain" \
    "$(sqlite3 -readonly "$db" "select count(*) from chain_txs where sandbox = 1 and chain_id <> 31338")" 0
expect_eq "the live vault's debt did not move" "$(borrowed_on_chain "$pos0")" $((105 * U))

# The operator's nonce resync, on the sandbox's wallet and chain.
sb_pending=$(sb_chain rpc eth_getTransactionCount "[\"$sb_platform\", \"pending\"]" | tr -d '"')
out=$("$ctl" --config "$T/lendgate.conf" nonce resync --sandbox 2>&1)
expect_eq "nonce resync --sandbox sets the sandbox wallet's nonce from its chain" \
    "$(printf '%s\n' "$out" | grep -o -- '-> [0-9]*$')" "-> $((sb_pending))"
check "it names the sandbox's platform wallet" grep -qi "$sb_platform" <<<"$out"

# Without [sandbox], a sandbox key cannot reach any chain; the live key still can.
ws_stop
cp "$T/live-only.conf" "$T/lendgate.conf"
if ws_start lighttpd 2; then
    borrow "$sbkey" S-4 "$sb_wallet0" "$sb_oaid0" $((10 * U))
    ws_expect_error "without a sandbox, a sandbox key's borrow is 503" 503 \
        "Sandbox keys cannot use the chain here: this server has no sandbox"
    borrow "$key" L-4 "$wallet0" "$oaid0" $((10 * U))
    expect_eq "and the live key still borrows" "$ws_status" 201
else
    fail "lighttpd starts without [sandbox]" "$ws_why"
fi
expect_eq "no sanitizer report in the web server's log" "$(ws_errors | head -n 3)" ""
finish
