#!/usr/bin/env bash
# Every named crash point of borrow and repay, through lighttpd, Apache + mod_fcgid
# and lighttpd in front of lendgate's own prefork master, against the devnet. The
# request itself names the point (X-Lendgate-Crash-At, honoured by test-hook builds
# only): its responder ends with SIGKILL exactly there, as if killed from
# outside at that line, so no case races the request. ONE `lendgatectl reconcile`,
# started right after the answer, must then finish the work: the borrow's loan ACTIVE
# with exactly one borrow and one payout on chain and its limit kept (or, killed
# before anything was signed, FAILED with nothing on chain and the limit given
# back); the repayment applied exactly once, the vault's debt down by its amount.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/webserver.sh"
. "$(dirname "$0")/devnet.sh"
. "$(dirname "$0")/partner_api.sh"

if ! grep -q '^#define LG_TEST_HOOKS 1' "$LG_TOP_BUILDDIR/config.h"; then
    skip "crash points" "this build has none (configure --enable-test-hooks, as contrib/test.sh does)"
    finish
fi
pa_start "crash points"

# Point and what one reconcile makes of the loan. Killed before its transaction was
# signed, a borrow cannot go on: reconcile fails it and gives its limit back.
borrow_points="borrow.reserved:FAILED borrow.persisted:ACTIVE borrow.broadcast:ACTIVE
    borrow.mined:ACTIVE payout.persisted:ACTIVE payout.broadcast:ACTIVE payout.mined:ACTIVE"
# A repayment killed before its repayLoan was sent is sent by reconcile (the
# partner's funds are drawn already); the approve points start from no allowance.
repay_points="repay.reserved approve.persisted approve.broadcast repay.persisted
    repay.broadcast repay.mined"

serving() { get "$key" /partners/my/stats && [ "$ws_status" = 200 ]; }

# crashing_call NAME POINT PATH BODY: the call with the crash point named; the
# responder must end before answering (no 2xx). Its status goes to $code.
crashing_call() {
    code=$(curl -s -o "$T/crash.body" -w '%{http_code}' --max-time 120 -X POST \
        -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
        -H "X-Lendgate-Crash-At: $2" --data-binary "$4" "$LG_BASE_URL$3")
    case $code in
    2*) fail "$1: the responder ended at $2" "HTTP $code: $(head -c 200 "$T/crash.body")" ;;
    *) pass "$1: the responder ended at $2 (the client got HTTP $code)" ;;
    esac
}

# reconcile_once NAME: one run, right away; the lease of the killed request names a
# process that has ended, so nothing waits for it.
reconcile_once() {
    local rc=0
    "$ctl" --config "$T/lendgate.conf" reconcile >"$T/reconcile.out" 2>&1 || rc=$?
    ws_fix_owner
    expect_eq "$1: one lendgatectl reconcile runs" "$rc" 0
    grep -q 'still pending' "$T/reconcile.out" && ! grep -q ' 0 still pending' "$T/reconcile.out" &&
        fail "$1: nothing left pending" "$(tail -n 3 "$T/reconcile.out")"
    return 0
}

crash_borrow() {
    local s=$1 point=${2%%:*} want=${2##*:} id from out0 n
    id="b-$s-${point//./-}"
    wait_for 30 serving || fail "$s: serving before $point" "HTTP $ws_status"
    out0=$(jd 'x["limits"]["currentOutstanding"]')
    from=$(($(block) + 1))
    crashing_call "$s $point" "$point" /partners/borrow "$(body "$id" "$wallet0" "$oaid0" $((10 * U)))"
    reconcile_once "$s $point"
    get "$key" "/partners/loan/$id"
    expect_eq "$s $point: one reconcile leaves the loan $want" "$(jd 'x["status"]')" "$want"
    n=1
    [ "$want" = ACTIVE ] || n=0
    expect_eq "$s $point: borrows on chain for it" \
        "$(python3 "$chain" logs "$vault" "$borrowed_topic" "$from" "$pos0" | cut -d' ' -f1)" "$n"
    expect_eq "$s $point: payouts on chain for it" \
        "$(python3 "$chain" logs "$usdc" "$transfer_topic" "$from" "$platform" "$settle" |
            cut -d' ' -f1)" "$n"
    get "$key" /partners/my/stats
    expect_eq "$s $point: the limit is kept for the loan, or given back" \
        "$(jd 'x["limits"]["currentOutstanding"]')" $((out0 + n * 10 * U))
}

crash_repay() {
    local s=$1 point=$2 id d0 proof
    id="r-$s-${point//./-}"
    wait_for 30 serving || fail "$s: serving before $point" "HTTP $ws_status"
    borrow "$key" "$id" "$wallet0" "$oaid0" $((10 * U))
    expect_eq "$s $point: a loan to repay is 201" "$ws_status" 201
    case $point in
    approve.*) python3 "$chain" setallowance "$usdc" "$platform" "$vault" 0 ;;
    *) python3 "$chain" setallowance "$usdc" "$platform" "$vault" max ;;
    esac
    proof=$(pay $((4 * U)) "$k")
    d0=$(borrowed_on_chain "$pos0")
    crashing_call "$s $point" "$point" /partners/repay \
        "{\"partnerLoanId\":\"$id\",\"repaymentAmount\":\"$((4 * U))\",\"repaymentTxHash\":\"$proof\"}"
    reconcile_once "$s $point"
    get "$key" "/partners/loan/$id"
    expect_eq "$s $point: one reconcile applies the repayment" \
        "$(jd 'x["status"]' 'x["remainingDebt"]' 'len(x["repaymentHistory"])')" "ACTIVE:$((6 * U)):1"
    expect_eq "$s $point: the vault's debt fell by the amount, once" \
        "$((d0 - $(borrowed_on_chain "$pos0")))" $((4 * U))
}

run_points() {
    local s=$1 p
    for p in $borrow_points; do crash_borrow "$s" "$p"; done
    for p in $repay_points; do crash_repay "$s" "$p"; done
}

front_end() {
    local s=$1 master=""
    settle_var="settle$k"
    settle=${!settle_var}
    pa_store "$s"
    read -r _ key < <("$mk" --db "$db" --prefix "cp$k" --fee 100 --settlement "$settle")
    [ -n "${key:-}" ] || { fail "$s: mkpartner" "no key"; return; }
    if [ "$s" = prefork ]; then
        command -v lighttpd >/dev/null || { skip "$s" "lighttpd not installed"; return; }
        LENDGATE_CONFIG="$T/lendgate.conf" "$ws_bin" --listen "unix:$T/fcgi.sock" --workers 3 \
            2>>"$T/master.log" &
        master=$!
        at_exit "kill -KILL \$(pgrep -P $master) $master 2>/dev/null"
        three_workers() { [ "$(pgrep -P "$master" | wc -l)" -eq 3 ] && [ -S "$T/fcgi.sock" ]; }
        wait_for 10 three_workers || { fail "$s: master starts 3 workers"; return; }
        ws_socket="$T/fcgi.sock"
        ws_start lighttpd || { fail "$s: lighttpd starts" "$ws_why"; ws_socket=""; return; }
    elif ! ws_start "$s" 4; then
        if [ "$ws_missing" = 1 ]; then skip "$s" "$ws_why"; else fail "$s starts" "$ws_why"; fi
        return
    fi
    run_points "$s"
    ws_stop
    if [ -n "$master" ]; then
        kill -TERM "$master"
        wait "$master" 2>/dev/null
        ws_socket=""
        expect_eq "$s: no sanitizer report or crash" \
            "$(grep -E 'AddressSanitizer|runtime error|LeakSanitizer' "$T/master.log" | head -n 3)" ""
    else
        expect_eq "$s: no sanitizer report or crash" "$(ws_errors | head -n 3)" ""
    fi
}

k=0
for front in lighttpd apache prefork; do
    front_end "$front"
    k=$((k + 1))
done
finish
