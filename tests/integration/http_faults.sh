#!/usr/bin/env bash
# Faults of the store and of the chain node, through lighttpd and Apache + mod_fcgid,
# against the devnet behind a proxy that goes wrong on cue (rpc_proxy.py). Each fault
# gives the partner a JSON 502, 503 or 504 in the plan's error shape, with no
# internals in it; changes nothing (no loan, no repayment, no debt moved on chain);
# leaves every responder alive; and the same call goes through once the fault is
# gone. Store: a write lock held by another process past [store] busy_timeout_ms (a
# real lock), and writes that fail as a full or read-only disk would (the
# X-Lendgate-Store-Fault header of test-hook builds). Node: garbage for JSON, an
# HTTP 500 page, a dropped connection, and a node that never answers.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/webserver.sh"
. "$(dirname "$0")/devnet.sh"
. "$(dirname "$0")/partner_api.sh"

hooks=0
grep -q '^#define LG_TEST_HOOKS 1' "$LG_TOP_BUILDDIR/config.h" && hooks=1
pa_start "faults"

mode_file="$T/node.mode"
: >"$mode_file"
"${lg_python:-python3}" "$LG_TOP_SRCDIR/tests/integration/rpc_proxy.py" "$LG_RPC_URL" "$mode_file" "$T/proxy.port" \
    2>"$T/proxy.log" &
proxy_pid=$!
at_exit "kill $proxy_pid 2>/dev/null"
proxy_up() { [ -s "$T/proxy.port" ]; }
wait_for 30 proxy_up || { fail "the node proxy starts" "$(cat "$T/proxy.log")"; finish; }
node_mode() { printf '%s\n' "$1" >"$mode_file"; }

# A store of its own per server, its node behind the proxy, short bounds everywhere.
fault_store() {
    pa_store "$1"
    sed -i -e "s|^rpc_url = .*|rpc_url = http://127.0.0.1:$(cat "$T/proxy.port")|" \
        -e 's|^request_timeout_ms = .*|request_timeout_ms = 2000\nread_timeout_ms = 1000\nrpc_retries = 0|' \
        -e 's|^\[store\]|[store]\nbusy_timeout_ms = 300|' "$T/lendgate.conf"
    read -r _ key < <("$mk" --db "$db" --prefix "flt$2" --fee 100 --settlement "$3")
    [ -n "${key:-}" ] || { fail "$1: mkpartner" "no key"; return 1; }
}

borrow_body() { body "$1" "$wallet0" "$oaid0" $((10 * U)); }

# no_loan NAME ID: the store holds no loan of that id (the fault changed nothing).
no_loan() {
    get "$key" "/partners/loan/$2"
    expect_eq "$1: nothing was recorded" "$ws_status" 404
}

# no_internals NAME: the last answer names no address, port or the node's own words.
no_internals() {
    expect_eq "$1: no internals in the answer" \
        "$(grep -ciE '10\.0\.0\.7|127\.0\.0\.1|port|html|not json' "$T/ws/body")" 0
}

node_faults() {
    local s=$1 m want msg
    for m in garbage error drop hang; do
        case $m in
        hang) want=504 msg="Chain node timed out" ;;
        *) want=502 msg="Chain node unavailable" ;;
        esac
        node_mode "$m"
        ws_call GET "/partners/public/oaid/$oaid0/credit-line"
        ws_expect_error "$s: node $m: a public read is $want" "$want" "$msg"
        no_internals "$s: node $m: the read"
        borrow "$key" "node-$m-$s" "$wallet0" "$oaid0" $((10 * U))
        ws_expect_error "$s: node $m: a borrow is $want" "$want" "$msg"
        no_internals "$s: node $m: the borrow"
        node_mode pass
        no_loan "$s: node $m" "node-$m-$s"
    done
    borrow "$key" "node-back-$s" "$wallet0" "$oaid0" $((10 * U))
    expect_eq "$s: the node back, a borrow is 201" "$ws_status" 201
}

# hold_lock FILE: a write transaction on the store held by another process until
# FILE is removed (the lock is real: SQLite's own).
hold_lock() {
    python3 - "$db" "$1" <<'PY' &
import os, sqlite3, sys, time
db, flag = sys.argv[1:3]
con = sqlite3.connect(db, timeout=30, isolation_level=None)
con.execute("BEGIN IMMEDIATE")
open(flag + ".held", "w").close()
while os.path.exists(flag):
    time.sleep(0.05)
con.execute("ROLLBACK")
PY
    lock_pid=$!
}

store_faults() {
    local s=$1 d0 id rid
    touch "$T/lock"
    hold_lock "$T/lock"
    held() { [ -e "$T/lock.held" ]; }
    wait_for 30 held || fail "$s: another process holds the store's write lock"
    borrow "$key" "busy-$s" "$wallet0" "$oaid0" $((10 * U))
    ws_expect_error "$s: store locked past busy_timeout_ms: a borrow is 503" 503 \
        "The database is busy, try again"
    rid=$(ws_header X-Request-Id)
    # Its audit row does not wait on the lock: it is in its responder's audit journal
    # while the store is still locked, and goes into the store once the lock is gone.
    logged() { sqlite3 -readonly "$db" "select count(*) from partner_api_logs where request_id = '$rid'"; }
    expect_eq "$s: the locked call's audit row is in the journal, not in the store" \
        "$(cat "$(dirname "$db")/audit-journal/"*.log | grep -c "	$rid	"):$(logged)" "1:0"
    rm -f "$T/lock"
    wait "$lock_pid"
    rm -f "$T/lock.held"
    no_loan "$s: store locked" "busy-$s"
    in_store() { [ "$(logged)" = 1 ]; }
    wait_for 30 in_store
    reconcile_quick >/dev/null 2>&1
    expect_eq "$s: the lock gone, the responders store the locked call's row, once" "$(logged)" 1
    borrow "$key" "busy-$s" "$wallet0" "$oaid0" $((10 * U))
    expect_eq "$s: the lock gone, the same borrow is 201" "$ws_status" 201

    if [ "$hooks" = 0 ]; then
        skip "$s: store writes failing" "this build has no test hooks (configure --enable-test-hooks)"
        return
    fi
    ws_call POST /partners/borrow -H "Authorization: Bearer $key" \
        -H 'Content-Type: application/json' -H 'X-Lendgate-Store-Fault: io' \
        --data-binary "$(borrow_body "io-$s")"
    ws_expect_error "$s: store writes failing: a borrow is 503" 503 \
        "The database cannot record this now, try again later"
    no_loan "$s: store writes failing" "io-$s"
    ws_call GET /partners/my/stats -H "Authorization: Bearer $key" -H 'X-Lendgate-Store-Fault: io'
    expect_eq "$s: store writes failing: reads still answer" "$ws_status" 200
    id="busy-$s"
    d0=$(borrowed_on_chain "$pos0")
    ws_call POST /partners/repay -H "Authorization: Bearer $key" \
        -H 'Content-Type: application/json' -H 'X-Lendgate-Store-Fault: io' \
        --data-binary "{\"partnerLoanId\":\"$id\",\"repaymentAmount\":\"$((4 * U))\",\"repaymentTxHash\":\"$(pay $((4 * U)) "$k")\"}"
    ws_expect_error "$s: store writes failing: a repay is 503" 503 \
        "The database cannot record this now, try again later"
    get "$key" "/partners/loan/$id"
    expect_eq "$s: store writes failing: debt unchanged, in the store and on chain" \
        "$(jd 'x["remainingDebt"]' 'len(x["repaymentHistory"])'):$((d0 - $(borrowed_on_chain "$pos0")))" \
        "$((10 * U)):0:0"
    # The calls refused for failing writes have their rows too (the fault ends with the
    # call; the journal does not write to the store), next to the locked call's.
    refused() { sqlite3 -readonly "$db" "select count(*) from partner_api_logs where status_code = 503"; }
    three() { [ "$(refused)" = 3 ]; }
    wait_for 30 three
    expect_eq "$s: every refused call has its audit row" "$(refused)" 3
}

k=0
for server in lighttpd apache; do
    settle_var="settle$k"
    fault_store "$server" "$k" "${!settle_var}" || { k=$((k + 1)); continue; }
    if ! ws_start "$server" 2; then
        if [ "$ws_missing" = 1 ]; then skip "$server" "$ws_why"; else fail "$server starts" "$ws_why"; fi
        k=$((k + 1))
        continue
    fi
    get "$key" /partners/my/stats
    before=$(ws_pids | tr '\n' ' ')
    node_faults "$server"
    store_faults "$server"
    dead=""
    for p in $before; do kill -0 "$p" 2>/dev/null || dead="$dead $p"; done
    expect_eq "$server: every responder lived through the faults ($before)" "$dead" ""
    ws_stop
    expect_eq "$server: no sanitizer report or crash" "$(ws_errors | head -n 3)" ""
    k=$((k + 1))
done
finish
