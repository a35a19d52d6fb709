#!/usr/bin/env bash
# Crash safety of the borrow pipeline through the web server, against the devnet.
# Through lighttpd and through Apache + mod_fcgid: the responder serving a borrow is
# killed with SIGKILL after its borrowUSDC is persisted and broadcast, before the
# receipt; once mined, `lendgatectl reconcile` completes the loan with exactly one
# borrow and one payout on chain, and the web server goes on serving with a new
# responder. Through lighttpd in front of `lendgate.fcgi --listen` (its own prefork
# master): SIGTERM while a borrow waits for its receipt lets that request finish with
# its answer, and the master exits within its drain bound leaving no worker.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/webserver.sh"
. "$(dirname "$0")/devnet.sh"
. "$(dirname "$0")/partner_api.sh"

pa_start "http crash"


# The responders not waiting in accept(2) (x86-64: 43 accept, 288 accept4): the one
# serving the borrow. Empty when that cannot be told.
busy_responders() {
    local p nr
    [ "$(uname -m)" = x86_64 ] || return 0
    for p in $(ws_pids); do
        nr=$(cut -d' ' -f1 "/proc/$p/syscall" 2>/dev/null) || continue
        case $nr in 43 | 288) ;; *) echo "$p" ;; esac
    done
}

crash_case() {
    local s=$1 settle=$2 id="crash-$1" from victims busy before pid key left
    pa_store "$s"
    read -r _ key < <("$mk" --db "$db" --prefix crash --fee 100 --settlement "$settle")
    if ! ws_start "$s" 2; then
        if [ "$ws_missing" = 1 ]; then skip "$s" "$ws_why"; else fail "$s starts" "$ws_why"; fi
        return
    fi
    from=$(($(block) + 1))
    before=$(ws_pids | tr '\n' ' ')
    rpc evm_setAutomine '[false]'
    start_borrow "$key" "$id" "$wallet1" "$oaid1" $((100 * U))
    if wait_for 30 persisted "$id"; then
        pass "$s: the borrow is persisted and waits for its receipt"
    else
        fail "$s: the borrow is persisted and waits for its receipt"
    fi
    busy=$(busy_responders)
    if [ "$(echo "$busy" | grep -c .)" = 1 ]; then
        victims=$busy
    else
        victims=$(ws_pids)
    fi
    echo "    | $s: SIGKILL to responder(s) ${victims//$'\n'/ } of $before"
    kill -KILL $victims 2>/dev/null
    wait "$bg_pid"
    echo "    | $s: the client got HTTP $(cat "$T/$id.code") from the web server"
    expect_eq "$s: loan left PENDING by the kill" \
        "$(sqlite3 -readonly "$db" "select status from partner_loans where partner_loan_id = '$id'")" 0
    rpc evm_setAutomine '[true]' # first: what is sent from now on is mined at once
    rpc evm_mine

    # Two calls at once, so a pool that kept a responder also needs its new one.
    curl -s -o /dev/null -H "Authorization: Bearer $key" "$LG_BASE_URL/partners/my/stats" &
    pid=$!
    get "$key" /partners/my/stats
    wait "$pid"
    expect_eq "$s: the web server keeps serving" "$ws_status" 200
    left=""
    for pid in $victims; do ws_pids | grep -qx "$pid" && left="$left $pid"; done
    expect_eq "$s: the killed responder is gone" "$left" ""
    replaced() { ws_pids | grep -qvxF "$(echo "$before" | tr ' ' '\n' | grep .)"; }
    if wait_for 10 replaced; then
        pass "$s: a new responder took its place ($(ws_pids | tr '\n' ' '))"
    else
        fail "$s: a new responder took its place" "before: $before now: $(ws_pids | tr '\n' ' ')"
    fi

    get "$key" "/partners/loan/$id"
    expect_eq "$s: GET loan shows it PENDING until reconcile" \
        "$ws_status:$(ws_py 'd["status"]')" "200:PENDING"
    # Right after the kill, with the configured 20 s budget: the killed responder's
    # lease names a process that has ended, so this one run finishes the loan.
    local rc=0
    "$ctl" --config "$T/lendgate.conf" reconcile >"$T/reconcile.$s" 2>&1 || rc=$?
    ws_fix_owner
    if [ "$rc" = 0 ]; then
        pass "$s: lendgatectl reconcile runs"
    else
        fail "$s: lendgatectl reconcile runs" "$(cat "$T/reconcile.$s")"
    fi
    sed 's/^/    | /' "$T/reconcile.$s"
    get "$key" "/partners/loan/$id"
    expect_eq "$s: reconcile completed the loan" \
        "$ws_status:$(ws_py 'd["status"]'):$(ws_py 'd["netAmountTransferred"]')" "200:ACTIVE:$((99 * U))"
    expect_eq "$s: exactly one borrow on chain for it" \
        "$(python3 "$chain" logs "$vault" "$borrowed_topic" "$from" "$pos1")" "1 $((100 * U))"
    expect_eq "$s: exactly one payout transfer on chain for it" \
        "$(python3 "$chain" logs "$usdc" "$transfer_topic" "$from" "$platform" "$settle")" "1 $((99 * U))"
    ws_stop
    expect_eq "$s: no sanitizer report" \
        "$(ws_errors | head -n 3)" ""
}

drain_case() {
    local s=prefork settle=$1 id=drain-1 master workers t0 elapsed code left p key bound
    pa_store "$s"
    read -r _ key < <("$mk" --db "$db" --prefix drain --fee 100 --settlement "$settle")
    command -v lighttpd >/dev/null || { skip "$s" "lighttpd not installed"; return; }
    LENDGATE_CONFIG="$T/lendgate.conf" "$ws_bin" --listen "unix:$T/fcgi.sock" --workers 2 \
        2>>"$T/master.log" &
    master=$!
    at_exit "kill -KILL \$(pgrep -P $master) $master 2>/dev/null"
    two_workers() { [ "$(pgrep -P "$master" | wc -l)" -eq 2 ] && [ -S "$T/fcgi.sock" ]; }
    wait_for 10 two_workers || { fail "$s: master starts 2 workers"; return; }
    workers=$(pgrep -P "$master" | tr '\n' ' ')
    ws_socket="$T/fcgi.sock"
    if ! ws_start lighttpd; then
        fail "$s: lighttpd starts" "$ws_why"
        return
    fi
    rpc evm_setAutomine '[false]'
    start_borrow "$key" "$id" "$wallet1" "$oaid1" $((100 * U))
    if wait_for 30 persisted "$id"; then
        pass "$s: the borrow is persisted and waits for its receipt"
    else
        fail "$s: the borrow is persisted and waits for its receipt"
    fi
    t0=$(date +%s%N)
    kill -TERM "$master"
    sleep 0.5
    rpc evm_setAutomine '[true]'
    rpc evm_mine
    wait "$bg_pid"
    code=$(cat "$T/$id.code")
    case $code in
    201 | 202) pass "$s: the in-flight borrow got its answer ($code)" ;;
    *) fail "$s: the in-flight borrow got its answer" "HTTP $code: $(head -c 300 "$T/$id.body")" ;;
    esac
    gone() { ! kill -0 "$master" 2>/dev/null; }
    bound=$((20 + 2))
    wait_for $((bound + 2)) gone
    elapsed=$((($(date +%s%N) - t0) / 1000000))
    wait "$master" 2>/dev/null
    expect_eq "$s: master exits 0" "$?" 0
    if [ "$elapsed" -le $((bound * 1000)) ]; then
        pass "$s: master exited within the drain bound (${elapsed} ms)"
    else
        fail "$s: master exited within the drain bound" "${elapsed} ms"
    fi
    left=""
    for p in $workers; do kill -0 "$p" 2>/dev/null && left="$left $p"; done
    expect_eq "$s: no worker left" "$left$(pgrep -P "$master" | tr '\n' ' ')" ""
    ws_stop
    [ "$code" = 202 ] && reconcile_quick >/dev/null 2>&1
    expect_eq "$s: the drained loan is ACTIVE" \
        "$(sqlite3 -readonly "$db" "select status from partner_loans where partner_loan_id = '$id'")" 2
    expect_eq "$s: no sanitizer report or crash" \
        "$(grep -E 'AddressSanitizer|runtime error|LeakSanitizer' "$T/master.log" | head -n 3)" ""
    ws_socket=""
}

crash_case lighttpd "$settle0"
crash_case apache "$settle1"
drain_case "$settle2"
finish
