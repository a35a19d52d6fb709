#!/usr/bin/env bash
# The borrow and repay pipelines end to end through lighttpd and through Apache +
# mod_fcgid, against the devnet, as a partner drives them: a valid key, each borrow
# refusal (ownership 403, inactive line 400, over credit 400 naming the available
# amount), the daily and total limits at their exact edges, idempotency, a borrow
# whose fee, net and records are checked and whose payout is read from chain, the
# repay cases (404, overpayment, partial, full, already repaid, proofs good, reused,
# too small, from another wallet) with the loan's status read back, a balance repay
# repeated with its Idempotency-Key drawn once (another body with the key 409), repayments paid
# only from the partner's own deposits (never the platform wallet's USDC), a borrow
# stuck in the pool replaced by reconcile with raised fees, the platform wallet short
# of gas or of USDC, and 16
# concurrent borrows racing for one total limit, chain and store agreeing after.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/webserver.sh"
. "$(dirname "$0")/devnet.sh"
. "$(dirname "$0")/partner_api.sh"

pa_start "http pipeline"
# The platform wallet holds USDC that is no partner's (fees, other partners' money):
# none of it may ever repay a partner's loan.
if pay $((100000 * U)) 3 >/dev/null 2>"$T/fund.err"; then
    pass "platform wallet funded"
else
    fail "platform wallet funded" "$(cat "$T/fund.err")"
fi

# new_store KIND SETTLEMENT: a fresh store and config for one web server, with the
# five partners of the cases.
new_store() {
    local settle=$2
    pa_store "$1"
    read -r pid_ok key_ok < <("$mk" --db "$db" --prefix okay --fee 33 --settlement "$settle")
    read -r _ key_day < <("$mk" --db "$db" --prefix daily --daily $((500 * U)) --settlement "$settle")
    read -r _ key_tot < <("$mk" --db "$db" --prefix total --total $((300 * U)) --settlement "$settle")
    read -r _ key_race < <("$mk" --db "$db" --prefix race --fee 0 --total $((1000 * U)) \
        --settlement "$settle")
    read -r _ key_usd < <("$mk" --db "$db" --prefix usdshort --settlement "$settle")
    [ -n "${key_ok:-}" ] && [ -n "${key_race:-}" ] || { fail "$1: mkpartner" "no keys"; finish; }
}

guard_and_refusals() {
    local s=$1 avail
    get "$key_ok" /partners/my/stats
    expect_eq "$s: valid partner is 200" "$ws_status:$(ws_py 'd["partnerId"]')" "200:$pid_ok"
    borrow "$key_ok" rej-owner "$wallet1" "$oaid0" $((10 * U))
    ws_expect_error "$s: non-owned OAID is 403" 403 "User does not own this OAID"
    borrow "$key_ok" rej-line "$wallet2" "$oaid2" $((10 * U))
    ws_expect_error "$s: inactive credit line is 400" 400 "OAID credit line is not active"
    ws_call GET "/partners/public/oaid/$oaid1/credit-line"
    local avail_units
    avail=$(jd 'x["availableCredit"]')
    # ethers' formatUnits(available, 6), as the plan words it: "3000.0"
    avail_units=$(python3 -c 'import sys; v = int(sys.argv[1]); f = ("%06d" % (v % 10**6)).rstrip("0") or "0"; print("%d.%s" % (v // 10**6, f))' "$avail")
    borrow "$key_ok" rej-credit "$wallet1" "$oaid1" $((avail + 1))
    ws_expect_error "$s: over credit is 400 naming the available amount" 400 \
        "Insufficient credit. Available: \$$avail_units"
    local id left=""
    for id in rej-owner rej-line rej-credit; do
        get "$key_ok" "/partners/loan/$id"
        left="$left$ws_status "
    done
    expect_eq "$s: refused borrows left no loan" "$left" "404 404 404 "
}

borrow_success() {
    local s=$1 settle=$2 amount=1234567 fee net bal0 loan_id
    fee=$((amount * 33 / 10000))
    net=$((amount - fee))
    bal0=$(balance "$settle")
    borrow "$key_ok" "ok-$s" "$wallet0" "$oaid0" "$amount"
    local st got_fee got_net got_settle h1 h2
    IFS=: read -r st got_fee got_net got_settle h1 h2 loan_id <<<"$(jd 'x["status"]' 'x["platformFee"]' \
        'x["netAmountTransferred"]' 'x["settlementAddress"].lower()' 'len(x["txHash"])' \
        'len(x["transferTxHash"])' 'x["internalLoanId"]')"
    expect_eq "$s: borrow is 201 ACTIVE" "$ws_status:$st" "201:ACTIVE"
    # Server-Timing: chain, app and cpu in ms; the responder cannot have used more CPU
    # than the call's wall time (a clock mixed up would).
    expect_eq "$s: Server-Timing names chain, app and cpu, cpu within chain + app" "$(tr -d '\r' \
        <"$T/ws/headers" | sed -n 's/^Server-Timing: //Ip' | python3 -c '
import re, sys
m = re.fullmatch(r"chain;dur=([0-9.]+), app;dur=([0-9.]+), cpu;dur=([0-9.]+)", sys.stdin.read().strip())
print("ok" if m and 0 < float(m[3]) <= float(m[1]) + float(m[2]) + 0.01 else "bad: %r" % (m and m.groups()))')" ok
    expect_eq "$s: fee = floor(amount*bps/10000), net = amount - fee" "$got_fee:$got_net" "$fee:$net"
    expect_eq "$s: the answer names the settlement address" "$got_settle" "${settle,,}"
    expect_eq "$s: both transaction hashes given" "$h1:$h2" "66:66"
    expect_eq "$s: settlement USDC on chain rose by exactly the net" "$(($(balance "$settle") - bal0))" "$net"
    get "$key_ok" "/partners/loan/ok-$s"
    expect_eq "$s: GET loan: ACTIVE, amount, remaining, no repayment" \
        "$ws_status:$(jd 'x["internalLoanId"]' 'x["status"]' 'x["remainingDebt"]' 'len(x["repaymentHistory"])')" \
        "200:$loan_id:ACTIVE:$amount:0"
    get "$key_ok" "/partners/user/$wallet0/loans"
    expect_eq "$s: the wallet's loans hold it" \
        "$ws_status:$(ws_py '[i["internalLoanId"] for i in d["loans"]]')" "200:['$loan_id']"
    get "$key_ok" /partners/my/stats
    expect_eq "$s: stats: borrowed, fees, outstanding, active, today" \
        "$(ws_py '[d["lifetime"]["totalBorrowed"], d["lifetime"]["platformFeesPaid"], d["limits"]["currentOutstanding"], d["lifetime"]["activeLoans"], d["usage"]["dailyBorrowed"]]')" \
        "['$amount', '$fee', '$amount', 1, '$amount']"
    get "$key_ok" "/partners/my/transactions?limit=100"
    expect_eq "$s: ledger: BORROW amount, FEE fee, PAYOUT net" \
        "$(ws_py 'sorted((i["type"], i["amount"], i["partnerLoanId"]) for i in d["transactions"])')" \
        "[('BORROW', '$amount', 'ok-$s'), ('FEE', '$fee', 'ok-$s'), ('PAYOUT', '$net', 'ok-$s')]"
}

idempotency() {
    local s=$1 first tx b0 n0
    borrow "$key_ok" "dup-$s" "$wallet0" "$oaid0" $((100 * U))
    expect_eq "$s: first borrow of a loan id is 201" "$ws_status" 201
    IFS=: read -r first tx <<<"$(jd 'x["internalLoanId"]' 'x["transferTxHash"]')"
    b0=$(block)
    n0=$(loan_txs "dup-$s")
    borrow "$key_ok" "dup-$s" "$wallet0" "$oaid0" $((100 * U))
    expect_eq "$s: same body again: the stored loan" \
        "$ws_status:$(jd 'x["internalLoanId"]' 'x["transferTxHash"]')" "201:$first:$tx"
    expect_eq "$s: no second chain transaction (block, persisted txs)" "$(block):$(loan_txs "dup-$s")" "$b0:$n0"
    borrow "$key_ok" "dup-$s" "$wallet0" "$oaid0" $((101 * U))
    ws_expect_error "$s: same loan id, another body is 409" 409 \
        "Partner loan ID already exists with a different request"
}

limit_edges() {
    local s=$1
    borrow "$key_day" "day1-$s" "$wallet0" "$oaid0" $((300 * U))
    expect_eq "$s: daily: 300 of 500 is 201" "$ws_status" 201
    borrow "$key_day" "day2-$s" "$wallet0" "$oaid0" $((200 * U + 1))
    ws_expect_error "$s: daily: headroom + 1 is 403 naming what is left" 403 \
        'Partner daily limit exceeded. Remaining: $200.0'
    borrow "$key_day" "day3-$s" "$wallet0" "$oaid0" $((200 * U))
    expect_eq "$s: daily: exactly the headroom is 201" "$ws_status" 201
    borrow "$key_day" "day4-$s" "$wallet0" "$oaid0" 1
    ws_expect_error "$s: daily: one base unit over a spent limit is 403" 403 \
        'Partner daily limit exceeded. Remaining: $0.0'
    get "$key_day" /partners/my/stats
    expect_eq "$s: daily: stats show the day spent" \
        "$(jd 'x["usage"]["dailyBorrowed"]' 'x["usage"]["dailyRemaining"]')" "$((500 * U)):0"

    borrow "$key_tot" "tot1-$s" "$wallet0" "$oaid0" $((100 * U))
    expect_eq "$s: total: 100 of 300 is 201" "$ws_status" 201
    borrow "$key_tot" "tot2-$s" "$wallet0" "$oaid0" $((200 * U + 1))
    ws_expect_error "$s: total: headroom + 1 is 403 naming what is left" 403 \
        'Partner total limit exceeded. Remaining: $200.0'
    borrow "$key_tot" "tot3-$s" "$wallet0" "$oaid0" $((200 * U))
    expect_eq "$s: total: exactly the headroom is 201" "$ws_status" 201
    borrow "$key_tot" "tot4-$s" "$wallet0" "$oaid0" 1
    ws_expect_error "$s: total: one base unit over a spent limit is 403" 403 \
        'Partner total limit exceeded. Remaining: $0.0'
    get "$key_tot" /partners/my/stats
    expect_eq "$s: total: stats show the limit spent" \
        "$(jd 'x["limits"]["currentOutstanding"]' 'x["usage"]["totalRemaining"]' 'x["usage"]["utilizationRate"]')" "$((300 * U)):0:100.0%"
}

# A repayment is paid from the partner's own transfers to the platform wallet, never
# from the wallet's other USDC: refused with nothing moved until the partner deposits.
partner_money() {
    local s=$1 k=$2 w0 d0 tx hex
    w0=$(balance "$platform")
    d0=$(borrowed_on_chain "$pos0")
    repay "$key_ok" "rep-$s" $((400 * U))
    ws_expect_error "$s: repaying with no deposit is 400 naming the balance" 400 \
        'Insufficient repayment balance: $0.0 available, repayment of $400.0'
    expect_eq "$s: the refusal moved no USDC and no debt on chain" \
        "$(balance "$platform"):$(borrowed_on_chain "$pos0")" "$w0:$d0"
    get "$key_ok" "/partners/loan/rep-$s"
    expect_eq "$s: the refused repayment left no trace on the loan" \
        "$(jd 'x["remainingDebt"]' 'len(x["repayments"])')" "$((1000 * U)):0"
    tx=$(pay $((1000 * U)) "$k")
    deposit "$key_ok" "$tx"
    expect_eq "$s: a deposit from the settlement address is credited: 201" \
        "$ws_status:$(ws_py 'd["amount"]'):$(ws_py 'd["balance"]')" \
        "201:$((1000 * U)):$((1000 * U))"
    hex=${tx:2}
    deposit "$key_ok" "0x${hex^^}"
    expect_eq "$s: the same deposit again (any case) is the same credit: 200" \
        "$ws_status:$(ws_py 'd["balance"]')" "200:$((1000 * U))"
    deposit "$key_day" "$tx"
    ws_expect_error "$s: another partner cannot take that deposit" 409 \
        "txHash: credited to another partner"
    deposit "$key_ok" "$(pay $((5 * U)) 3)"
    ws_expect_error "$s: a transfer from another wallet is not a deposit" 400 \
        "txHash: no USDC transfer from the settlement address"
    get "$key_ok" /partners/my/stats
    expect_eq "$s: stats show the repayment balance" "$(jd 'x["repaymentBalance"]')" "$((1000 * U))"
    get "$key_ok" "/partners/my/transactions?limit=100"
    expect_eq "$s: the ledger shows the deposit" \
        "$(ws_py '[(i["type"], i["amount"], i["txHash"].lower()) for i in d["transactions"] if i["type"] == "DEPOSIT"]')" \
        "[('DEPOSIT', '$((1000 * U))', '${tx,,}')]"
}

# repay_state S D0: the partner's repayment balance, rep-$S's remaining debt and number
# of repayments, how far the vault's debt fell since D0, and the platform wallet's USDC.
repay_state() {
    get "$key_ok" /partners/my/stats
    printf '%s:' "$(jd 'x["repaymentBalance"]')"
    get "$key_ok" "/partners/loan/rep-$1"
    printf '%s:%s:%s' "$(jd 'x["remainingDebt"]' 'len(x["repaymentHistory"])')" \
        "$(($2 - $(borrowed_on_chain "$pos0")))" "$(balance "$platform")"
}

# The partial repayment of rep-$s, 400 from the balance, was made with the
# Idempotency-Key idem-$s-1 (repayment id $3; $2 the vault's debt before it): the same
# request again is its answer and draws nothing; another body with the key is 409, a
# malformed key 400, and neither changes anything.
idempotent_repay() {
    local s=$1 d0=$2 first=$3 w0 state
    w0=$(balance "$platform")
    repay_keyed "idem-$s-1" "$key_ok" "rep-$s" $((400 * U))
    expect_eq "$s: the same balance repay with its Idempotency-Key again: the first's answer" \
        "$ws_status:$(jd 'x["loanStatus"]' 'x["remainingDebt"]' 'x["repayment"]["repaymentId"]' 'x["repayment"]["status"]')" \
        "200:ACTIVE:$((600 * U)):$first:APPLIED"
    state=$(repay_state "$s" "$d0")
    expect_eq "$s: one key, two calls: drawn once, one repayment, the vault's debt fell once" \
        "$state" "$((600 * U)):$((600 * U)):1:$((400 * U)):$w0"
    repay_keyed "idem-$s-1" "$key_ok" "rep-$s" $((300 * U))
    ws_expect_error "$s: the key with another amount is 409" 409 \
        "Idempotency-Key: already used for a different repayment"
    repay_keyed "$(printf 'k%.0s' {1..65})" "$key_ok" "rep-$s" $((300 * U))
    ws_expect_error "$s: a 65-character Idempotency-Key is 400" 400 \
        "Idempotency-Key: must be 1 to 64 printable ASCII characters"
    expect_eq "$s: the 409 and the 400 changed nothing" "$(repay_state "$s" "$d0")" "$state"
}

repayments() {
    local s=$1 k=$2 d0
    borrow "$key_ok" "rep-$s" "$wallet0" "$oaid0" $((1000 * U))
    expect_eq "$s: borrow to repay is 201" "$ws_status" 201
    partner_money "$s" "$k"
    d0=$(borrowed_on_chain "$pos0")
    repay "$key_ok" "no-such-loan-$s" $((1 * U))
    ws_expect_error "$s: repay of an unknown loan is 404" 404 "Loan not found"
    repay "$key_ok" "rep-$s" $((1000 * U + 1))
    ws_expect_error "$s: overpayment is 400 naming the debt" 400 \
        'Repayment exceeds remaining debt of $1000.0'
    repay_keyed "idem-$s-1" "$key_ok" "rep-$s" $((400 * U))
    expect_eq "$s: partial repayment: 200, ACTIVE, 600 left, applied" \
        "$ws_status:$(jd 'x["loanStatus"]' 'x["remainingDebt"]' 'x["repayment"]["status"]' 'x["message"]')" \
        "200:ACTIVE:$((600 * U)):APPLIED:Partial repayment processed"
    idempotent_repay "$s" "$d0" "$(jd 'x["repayment"]["repaymentId"]')"
    get "$key_ok" "/partners/loan/rep-$s"
    expect_eq "$s: GET loan after the partial: ACTIVE, 600 left, one repayment" \
        "$(jd 'x["status"]' 'x["remainingDebt"]' 'x["totalRepaid"]' 'len(x["repaymentHistory"])')" \
        "ACTIVE:$((600 * U)):$((400 * U)):1"
    repay "$key_ok" "rep-$s" $((600 * U))
    expect_eq "$s: full repayment: 200, REPAID, nothing left" \
        "$ws_status:$(jd 'x["loanStatus"]' 'x["remainingDebt"]' 'x["message"]')" "200:REPAID:0:Loan fully repaid"
    get "$key_ok" "/partners/loan/rep-$s"
    expect_eq "$s: GET loan after the full: REPAID, two repayments" \
        "$(jd 'x["status"]' 'x["totalRepaid"]' 'len(x["repaymentHistory"])')" \
        "REPAID:$((1000 * U)):2"
    expect_eq "$s: the vault's debt of the position fell by 1,000 on chain" \
        "$((d0 - $(borrowed_on_chain "$pos0")))" $((1000 * U))
    repay "$key_ok" "rep-$s" 1
    ws_expect_error "$s: repaying a repaid loan is 400" 400 "Loan already fully repaid"
    get "$key_ok" /partners/my/stats
    expect_eq "$s: stats count the repaid loan, the deposit drawn in full" \
        "$(jd 'x["lifetime"]["repaidLoans"]' 'x["lifetime"]["totalRepaid"]' 'x["repaymentBalance"]')" "1:$((1000 * U)):0"
}

proofs() {
    local s=$1 k=$2 good small wrong
    borrow "$key_ok" "prf-$s" "$wallet0" "$oaid0" $((500 * U))
    expect_eq "$s: borrow to repay with proofs is 201" "$ws_status" 201
    good=$(pay $((200 * U)) "$k")
    small=$(pay $((50 * U)) "$k")
    wrong=$(pay $((100 * U)) 3)
    repay "$key_ok" "prf-$s" $((100 * U)) "$wrong"
    ws_expect_error "$s: a proof from another wallet is 400" 400 \
        "repaymentTxHash: no USDC transfer from the settlement address"
    repay "$key_ok" "prf-$s" $((100 * U)) "$small"
    ws_expect_error "$s: a too small proof (and no balance) is 400" 400 \
        'Insufficient repayment balance: $50.0 available, repayment of $100.0'
    repay "$key_ok" "prf-$s" $((200 * U)) "$good"
    expect_eq "$s: a good proof is accepted" \
        "$ws_status:$(jd 'x["remainingDebt"]' 'x["repayment"]["repaymentTxHash"].lower()')" \
        "200:$((300 * U)):${good,,}"
    repay "$key_ok" "prf-$s" $((100 * U)) "$good"
    ws_expect_error "$s: a reused proof is 400" 400 "repaymentTxHash: already used"
    repay "$key_ok" "prf-$s" $((50 * U)) "$small"
    expect_eq "$s: the refused small proof still proves 50 alone" \
        "$ws_status:$(jd 'x["remainingDebt"]')" "200:$((250 * U))"
    get "$key_ok" "/partners/loan/prf-$s"
    expect_eq "$s: GET loan: ACTIVE, 250 left, two repayments" \
        "$(jd 'x["status"]' 'x["remainingDebt"]' 'len(x["repaymentHistory"])')" \
        "ACTIVE:$((250 * U)):2"
}

# reconcile_until_settled KEY: lendgatectl reconcile until the partner has no pending
# loan.
reconcile_until_settled() {
    local i pending
    for i in $(seq 1 10); do
        get "$1" /partners/my/stats
        pending=$(ws_py 'd["lifetime"]["pendingLoans"]')
        [ "$pending" = 0 ] && return 0
        sleep 1
        reconcile_quick >>"$T/reconcile.out" 2>&1
    done
    return 1
}

# The platform wallet short of ether for gas: a 503 that says so, found before
# anything is signed (no block mined, no nonce used), and the next borrow after the
# operator funds the wallet goes through.
gas_shortfall() {
    local s=$1 wei b0 n0
    wei=$(python3 "$chain" rpc eth_getBalance "[\"$platform\", \"latest\"]" | tr -d '"')
    if [[ ! $wei =~ ^0x[0-9a-f]+$ ]]; then
        fail "$s: platform wallet balance read" "got '$wei'"
        return
    fi
    n0=$(python3 "$chain" rpc eth_getTransactionCount "[\"$platform\", \"latest\"]")
    b0=$(block)
    rpc hardhat_setBalance "[\"$platform\", \"0x1\"]"
    borrow "$key_ok" "gas-$s" "$wallet0" "$oaid0" $((10 * U))
    ws_expect_error "$s: wallet without gas money is 503" 503 \
        "Platform wallet cannot pay for gas now, try again later"
    # Every later case needs the wallet's ether back: without it they would all
    # fail for this reason, hiding their own.
    if ! rpc hardhat_setBalance "[\"$platform\", \"$wei\"]"; then
        fail "$s: platform wallet balance restored"
        finish
    fi
    # A transaction signed and refused by the node would leave the block and the
    # nonce as they were too: the store is what shows nothing was signed.
    expect_eq "$s: nothing signed, nothing sent (stored txs, block, nonce)" \
        "$(loan_txs "gas-$s"):$(block):$(python3 "$chain" rpc eth_getTransactionCount "[\"$platform\", \"latest\"]")" "0:$b0:$n0"
    borrow "$key_ok" "gas-$s-funded" "$wallet0" "$oaid0" $((10 * U))
    expect_eq "$s: funded again, the next borrow is 201" "$ws_status" 201
}

# A borrow stuck in the node's pool (automine off): reconcile sends the same call
# again at its nonce with fees raised at least 10 %, while the request still waits.
# The pool keeps only the new version, which is mined; the loan settles on it and
# exactly one borrow reaches the vault.
stuck_replaced() {
    local s=$1 id="stuck-$1" d0 old new fee_old fee_new
    d0=$(borrowed_on_chain "$pos0")
    rpc evm_setAutomine '[false]'
    start_borrow "$key_ok" "$id" "$wallet0" "$oaid0" $((10 * U))
    if ! wait_for 30 persisted "$id"; then
        fail "$s: the stuck borrow is persisted"
        rpc evm_setAutomine '[true]'
        return
    fi
    old=$(sqlite3 -readonly "$db" "select hash from chain_txs where loan_id = \
        (select id from partner_loans where partner_loan_id = '$id') order by id limit 1")
    # Persisted comes before broadcast: wait until the node holds it too.
    in_pool() { [ "$(python3 "$chain" rpc eth_getTransactionByHash "[\"$old\"]")" != null ]; }
    wait_for 30 in_pool || fail "$s: the stuck borrow reaches the pool"
    fee_old=$(python3 "$chain" rpc eth_getTransactionByHash "[\"$old\"]" |
        python3 -c 'import json,sys; print(int(json.load(sys.stdin)["maxFeePerGas"], 16))')
    LENDGATE_CHAIN_REPLACE_AFTER_MS=1 reconcile_quick >"$T/$id.rec" 2>&1
    if grep -q '; 1 replaced;' "$T/$id.rec"; then
        pass "$s: reconcile replaced the stuck borrow"
    else
        fail "$s: reconcile replaced the stuck borrow" "$(tail -n 5 "$T/$id.rec")"
    fi
    new=$(sqlite3 -readonly "$db" "select hash from chain_txs where loan_id = \
        (select id from partner_loans where partner_loan_id = '$id') order by id limit 1 offset 1")
    fee_new=$(python3 "$chain" rpc eth_getTransactionByHash "[\"$new\"]" |
        python3 -c 'import json,sys; print(int(json.load(sys.stdin)["maxFeePerGas"], 16))' 2>/dev/null)
    expect_eq "$s: the new version is stored and in the pool; the old one left it" \
        "$([ -n "$new" ] && [ "$new" != "$old" ] && echo stored):$(python3 "$chain" rpc \
            eth_getTransactionByHash "[\"$old\"]")" "stored:null"
    if [ -n "$fee_old" ] && [ -n "$fee_new" ] && [ $((fee_new * 10)) -ge $((fee_old * 11)) ]; then
        pass "$s: the replacement's max fee is at least 10 % higher ($fee_old -> $fee_new)"
    else
        fail "$s: the replacement's max fee is at least 10 % higher" "$fee_old -> $fee_new"
    fi
    rpc evm_setAutomine '[true]' # first: what is sent from now on is mined at once
    rpc evm_mine
    wait "$bg_pid"
    expect_eq "$s: the request, waiting on the old version, answered 202" "$(cat "$T/$id.code")" 202
    if reconcile_until_settled "$key_ok"; then
        pass "$s: the loan settles after the replacement is mined"
    else
        fail "$s: the loan settles after the replacement is mined" "$(tail -n 5 "$T/reconcile.out")"
    fi
    get "$key_ok" "/partners/loan/$id"
    expect_eq "$s: ACTIVE on the replacement's hash" "$(jd 'x["status"]' 'x["borrowTxHash"]')" \
        "ACTIVE:$new"
    expect_eq "$s: stored versions: the old REPLACED (3), the new MINED (1)" \
        "$(sqlite3 -readonly "$db" "select group_concat(state, ',') from (select state from \
            chain_txs where hash in ('$old', '$new') order by id)")" "3,1"
    expect_eq "$s: on chain: one borrow of 10 USDC, not two" \
        "$(($(borrowed_on_chain "$pos0") - d0))" $((10 * U))
}

# The platform wallet short of USDC when a repayment would have the vault pull it
# (an operator swept it, say): a 503 that says so before anything is sent, the
# partner's credited transfer kept in its balance, and the same repayment drawn from
# that balance once the wallet is funded again.
usdc_shortfall() {
    local s=$1 k=$2 have n0 t0 proof
    borrow "$key_usd" "usdc-$s" "$wallet0" "$oaid0" $((10 * U))
    expect_eq "$s: a loan to repay is 201" "$ws_status" 201
    proof=$(pay $((5 * U)) "$k")
    have=$(balance "$platform")
    t0=$(loan_txs "usdc-$s")
    n0=$(python3 "$chain" rpc eth_getTransactionCount "[\"$platform\", \"latest\"]")
    if ! python3 "$chain" setbalance "$usdc" "$platform" 1; then
        fail "$s: the platform wallet's USDC set to 1 unit"
        return
    fi
    repay "$key_usd" "usdc-$s" $((5 * U)) "$proof"
    ws_expect_error "$s: wallet short of USDC: 503" 503 \
        "repayLoan: Platform wallet cannot cover the repayment now, try again later"
    if ! python3 "$chain" setbalance "$usdc" "$platform" "$have"; then
        fail "$s: the platform wallet's USDC restored"
        finish
    fi
    expect_eq "$s: nothing sent (stored txs, nonce)" \
        "$(loan_txs "usdc-$s"):$(python3 "$chain" rpc eth_getTransactionCount "[\"$platform\", \"latest\"]")" \
        "$t0:$n0"
    get "$key_usd" /partners/my/stats
    expect_eq "$s: the proof stays credited to the partner's balance" \
        "$(jd 'x["repaymentBalance"]')" $((5 * U))
    repay "$key_usd" "usdc-$s" $((5 * U))
    expect_eq "$s: funded again, the repayment draws on the balance: 200, 5 left" \
        "$ws_status:$(jd 'x["remainingDebt"]')" "200:$((5 * U))"
    repay "$key_usd" "usdc-$s" $((5 * U)) "$(pay $((5 * U)) "$k")"
    expect_eq "$s: the rest repaid with a new proof" "$ws_status:$(jd 'x["loanStatus"]')" "200:REPAID"
}

race() {
    local s=$1 dir="$T/race-$1" i b0 d0 pids=() c201=0 c202=0 c403=0 other=""
    mkdir -p "$dir"
    b0=$(($(block) + 1))
    d0=$(borrowed_on_chain "$pos3")
    for i in $(seq -w 1 16); do
        curl -s -o "$dir/$i.body" -w '%{http_code}' -X POST \
            -H "Authorization: Bearer $key_race" -H 'Content-Type: application/json' \
            --data-binary "$(body "race-$i" "$wallet3" "$oaid3" $((100 * U)))" \
            "$LG_BASE_URL/partners/borrow" >"$dir/$i.code" 2>/dev/null &
        pids+=($!)
    done
    wait "${pids[@]}"
    for i in $(seq -w 1 16); do
        case $(cat "$dir/$i.code") in
        201) c201=$((c201 + 1)) ;;
        202) c202=$((c202 + 1)) ;;
        403) grep -q 'Partner total limit exceeded' "$dir/$i.body" && c403=$((c403 + 1)) ||
            other="$other $i:403" ;;
        *) other="$other $i:$(cat "$dir/$i.code")" ;;
        esac
    done
    echo "    | $s race: $c201 x 201, $c202 x 202, $c403 x 403${other:+, other:$other}"
    expect_eq "$s: 16 concurrent borrows of 100 against 1,000: 10 accepted, 6 refused" \
        "$((c201 + c202)):$c403:$other" "10:6:"
    if reconcile_until_settled "$key_race"; then
        pass "$s: no loan of the race left pending (after reconcile if any was 202)"
    else
        fail "$s: no loan of the race left pending" "$(tail -n 5 "$T/reconcile.out")"
    fi
    get "$key_race" /partners/my/stats
    expect_eq "$s: the store holds exactly the limit" \
        "$(jd 'x["lifetime"]["totalBorrowed"]' 'x["limits"]["currentOutstanding"]' 'x["lifetime"]["activeLoans"]')" \
        "$((1000 * U)):$((1000 * U)):10"
    expect_eq "$s: on chain: 10 Borrowed events adding up to the store's total" \
        "$(python3 "$chain" logs "$vault" "$borrowed_topic" "$b0" "$pos3")" "10 $((1000 * U))"
    expect_eq "$s: on chain: the vault's usdcBorrowed grew by the store's total" \
        "$(($(borrowed_on_chain "$pos3") - d0))" $((1000 * U))
}

k=0
for server in lighttpd apache; do
    settle_var="settle$k"
    settle=${!settle_var}
    new_store "$server" "$settle"
    if ! ws_start "$server" 4; then
        if [ "$ws_missing" = 1 ]; then skip "$server" "$ws_why"; else fail "$server starts" "$ws_why"; fi
        k=$((k + 1))
        continue
    fi
    guard_and_refusals "$server"
    borrow_success "$server" "$settle"
    idempotency "$server"
    gas_shortfall "$server"
    stuck_replaced "$server"
    usdc_shortfall "$server" "$k"
    limit_edges "$server"
    repayments "$server" "$k"
    proofs "$server" "$k"
    race "$server"
    ws_stop
    expect_eq "$server: no sanitizer report or crash" "$(ws_errors | head -n 3)" ""
    k=$((k + 1))
done
finish
