#!/usr/bin/env bash
# The two end states of a debt the partner did not repay, end to end through lighttpd
# on the devnet: a loan borrowed for a user, the position's collateral revalued below
# its debt by the vault's owner, the position liquidated on chain, one reconcile pass,
# then the loan LIQUIDATED with remainingDebt "0" and a LIQUIDATION entry in its
# repaymentHistory, and its loan.liquidated event in the store's outbox. And an admin
# marking another loan DEFAULTED: 200 with the loan, 409 the second time, 404 for an
# unknown loan, the audit row and the loan.defaulted event written.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/webserver.sh"
. "$(dirname "$0")/devnet.sh"
. "$(dirname "$0")/partner_api.sh"

pa_start "liquidation"
command -v htpasswd >/dev/null || { skip "liquidation" "htpasswd (apache2-utils) not installed"; finish; }
pa_store lighttpd
cat >>"$T/lendgate.conf" <<CONF
[admin]
trust_remote_user = true
admins = root-admin
CONF
pw=admin-pw-$RANDOM$RANDOM
export WS_ADMIN_HTPASSWD="$T/htpasswd"
htpasswd -c -b -m "$WS_ADMIN_HTPASSWD" root-admin "$pw" 2>/dev/null
read -r pid key < <("$mk" --db "$db" --prefix liq --fee 0 --settlement "$settle0")
[ -n "${key:-}" ] || { fail "mkpartner" "no key"; finish; }

# adm METHOD PATH [CURL ARGS]: a call as root-admin; a POST without a body gets the
# Content-Length lighttpd wants.
adm() {
    local m=$1 p=$2
    shift 2
    if [ "$m" = POST ] && [ $# = 0 ]; then
        ws_call POST "$p" -H 'Content-Length: 0' -u "root-admin:$pw"
    else
        ws_call "$m" "$p" -u "root-admin:$pw" "$@"
    fi
}
liquidation_case() {
    local amount=$((1000 * U)) loan_id tx
    borrow "$key" liq-1 "$wallet0" "$oaid0" "$amount"
    loan_id=$(jd 'x["internalLoanId"]')
    expect_eq "borrow for user 0 is 201 ACTIVE" "$ws_status:$(jd 'x["status"]')" "201:ACTIVE"
    # The first pass only places the liquidation cursor at the chain's head.
    reconcile_quick >"$T/reconcile0.out" 2>&1 ||
        fail "first reconcile" "$(tail -n 3 "$T/reconcile0.out")"
    expect_eq "the first pass places the cursor" \
        "$(sqlite3 -readonly "$db" "select count(*) from chain_cursors where name = 'liquidations'")" 1

    # A price move: maxBorrow = 70% of 1,000 USDC, below the 1,000 USDC owed.
    if python3 "$chain" collateral "$vault" "$pos0" "$amount" >/dev/null 2>"$T/collateral.err"; then
        pass "the vault's owner lowers the collateral value"
    else
        fail "the vault's owner lowers the collateral value" "$(cat "$T/collateral.err")"
    fi
    if tx=$(python3 "$chain" liquidate "$vault" "$pos0" 2>"$T/liquidate.err"); then
        pass "the position is liquidated on chain"
    else
        fail "the position is liquidated on chain" "$(cat "$T/liquidate.err")"
    fi
    expect_eq "the vault's debt of the position is cleared" "$(borrowed_on_chain "$pos0")" 0

    if reconcile_quick >"$T/reconcile1.out" 2>&1; then
        pass "reconcile after the liquidation"
    else
        fail "reconcile after the liquidation" "$(tail -n 3 "$T/reconcile1.out")"
    fi
    grep -q "1 liquidation(s) ending 1 loan(s)" "$T/reconcile1.out" &&
        pass "reconcile reports the liquidation" ||
        fail "reconcile reports the liquidation" "$(tail -n 1 "$T/reconcile1.out")"

    get "$key" /partners/loan/liq-1
    expect_eq "the loan is LIQUIDATED with remainingDebt 0" \
        "$ws_status:$(jd 'x["status"]' 'x["remainingDebt"]' 'x["totalRepaid"]')" \
        "200:LIQUIDATED:0:$amount"
    expect_eq "its repaymentHistory holds the LIQUIDATION by the vault's transaction" \
        "$(jd '[(e["type"], e["amount"], e["repaidBy"], e["txHash"]) for e in x["repaymentHistory"]]')" \
        "[('LIQUIDATION', '$amount', 'LIQUIDATION', '$tx')]"
    expect_eq "the store's outbox holds its loan.liquidated event" \
        "$(sqlite3 -readonly "$db" "select count(*) from webhook_outbox where \
            event_type = 'loan.liquidated' and payload like '%$loan_id%'")" 1
    get "$key" /partners/my/stats
    expect_eq "the partner's outstanding is back to 0" "$(jd 'x["limits"]["currentOutstanding"]')" 0
    repay "$key" liq-1 1
    expect_eq "a liquidated loan takes no repayment" "$ws_status" 400

    reconcile_quick >"$T/reconcile2.out" 2>&1
    expect_eq "a second pass applies nothing again" \
        "$(sqlite3 -readonly "$db" "select count(*) from webhook_outbox where event_type = 'loan.liquidated'")" 1
}

default_case() {
    local loan_id rows
    borrow "$key" def-1 "$wallet1" "$oaid1" $((100 * U))
    loan_id=$(jd 'x["internalLoanId"]')
    expect_eq "borrow for user 1 is 201" "$ws_status" 201
    rows=$(sqlite3 -readonly "$db" "select count(*) from admin_audit where action = 'loan.default'")
    adm POST "/admin/loans/$loan_id/default" -H 'Content-Type: application/json' \
        --data-binary '{"reason":"borrower unreachable"}'
    expect_eq "admin default is 200 with the loan DEFAULTED" \
        "$ws_status:$(jd 'x["loan"]["status"]' 'x["loan"]["internalLoanId"]' 'x["loan"]["failureReason"]')" \
        "200:DEFAULTED:$loan_id:borrower unreachable"
    adm POST "/admin/loans/$loan_id/default"
    ws_expect_error "a second default is 409" 409 "Loan is DEFAULTED: only an ACTIVE loan can be defaulted"
    adm POST "/admin/loans/00000000-0000-4000-8000-000000000000/default"
    ws_expect_error "an unknown loan is 404" 404 "Loan not found"
    adm POST "/admin/loans/bad%20id/default"
    expect_eq "a malformed loan id is 400" "$ws_status" 400
    adm POST "/admin/loans/$loan_id/default" -H 'Content-Type: application/json' \
        --data-binary '{"why":"x"}'
    expect_eq "an unknown body field is 400" "$ws_status" 400
    expect_eq "one audit row loan.default by root-admin" \
        "$(sqlite3 -readonly "$db" "select count(*) from admin_audit where action = 'loan.default' \
            and admin = 'root-admin' and target = '$loan_id'"):$rows" "1:0"
    expect_eq "the store's outbox holds its loan.defaulted event" \
        "$(sqlite3 -readonly "$db" "select count(*) from webhook_outbox where \
            event_type = 'loan.defaulted' and payload like '%$loan_id%'")" 1
    get "$key" /partners/loan/def-1
    expect_eq "the partner sees it DEFAULTED, still owed" \
        "$ws_status:$(jd 'x["status"]' 'x["remainingDebt"]')" "200:DEFAULTED:$((100 * U))"
}

if ! WS_ADMIN_AUTH=1 ws_start lighttpd 2; then
    if [ "$ws_missing" = 1 ]; then skip "lighttpd" "$ws_why"; else fail "lighttpd starts" "$ws_why"; fi
    finish
fi
liquidation_case
default_case
ws_stop
expect_eq "no sanitizer report or crash" "$(ws_errors | head -n 3)" ""
finish
