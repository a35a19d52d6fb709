#!/usr/bin/env bash
# lendgate.fcgi as its own prefork master (--listen unix:PATH --workers N) behind
# lighttpd: N workers serve, a worker killed with SIGKILL is replaced, SIGHUP
# re-reads the configuration and restarts every worker, SIGTERM stops the master
# and all workers and removes the socket; --listen HOST:PORT works too, and bad
# arguments exit 2.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/webserver.sh"

command -v lighttpd >/dev/null || { skip "http prefork" "lighttpd not installed"; finish; }
ws_offline_store "http prefork" "[http]
request_budget_ms = 1000"
read -r _ key < <("$mk" --db "$db" --prefix omega)
auth=(-H "Authorization: Bearer $key")

workers() { pgrep -P "$master" | sort -n; }
three_workers() { [ "$(workers | wc -l)" -eq 3 ]; }

"$ws_bin" --listen "unix:$T/fcgi.sock" --workers 0 >/dev/null 2>&1
expect_eq "--workers 0 exits 2" "$?" 2
"$ws_bin" --frobnicate >/dev/null 2>&1
expect_eq "unknown argument exits 2" "$?" 2
"$ws_bin" --config "$T/missing.conf" --listen "unix:$T/x.sock" >/dev/null 2>&1
expect_eq "missing config exits 2" "$?" 2

LENDGATE_CONFIG="$T/lendgate.conf" "$ws_bin" --listen "unix:$T/fcgi.sock" --workers 3 \
    2>>"$T/master.log" &
master=$!
at_exit "kill -KILL \$(pgrep -P $master) $master 2>/dev/null"
wait_for 10 three_workers && pass "master starts 3 workers" || fail "master starts 3 workers" "$(workers | tr '\n' ' ')"
wait_for 10 test -S "$T/fcgi.sock" || fail "socket exists" "$T/fcgi.sock"

ws_socket="$T/fcgi.sock"
if ! ws_start lighttpd; then
    fail "lighttpd starts" "$ws_why"
    finish
fi
ws_call GET /partners/my/stats "${auth[@]}"
expect_eq "a worker of the master answers" "$ws_status" 200

victim=$(workers | head -n 1)
kill -KILL "$victim"
replaced() { three_workers && ! workers | grep -qx "$victim"; }
wait_for 10 replaced && pass "a killed worker is replaced" || fail "a killed worker is replaced" "$(workers | tr '\n' ' ')"
ws_call GET /partners/my/stats "${auth[@]}"
expect_eq "the pool answers after the replacement" "$ws_status" 200

old=$(workers | tr '\n' ' ')
sed -i 's/^level = warn/level = error/' "$T/lendgate.conf"
kill -HUP "$master"
all_new() {
    local p
    three_workers || return 1
    for p in $old; do workers | grep -qx "$p" && return 1; done
    return 0
}
wait_for 15 all_new && pass "SIGHUP restarts every worker" || fail "SIGHUP restarts every worker" "old $old now $(workers | tr '\n' ' ')"
kill -0 "$master" 2>/dev/null && pass "master survives SIGHUP" || fail "master survives SIGHUP"
ws_call GET /partners/my/stats "${auth[@]}"
expect_eq "the pool answers after SIGHUP" "$ws_status" 200

printf '[store]\nbusy_timeout_ms = never\n' >"$T/lendgate.conf.bad"
cp "$T/lendgate.conf" "$T/lendgate.conf.good"
cp "$T/lendgate.conf.bad" "$T/lendgate.conf"
kill -HUP "$master"
sleep 1
kill -0 "$master" 2>/dev/null && pass "a bad config on SIGHUP is refused, master runs" ||
    fail "a bad config on SIGHUP is refused, master runs"
cp "$T/lendgate.conf.good" "$T/lendgate.conf"
ws_call GET /partners/my/stats "${auth[@]}"
expect_eq "the pool answers after a refused reload" "$ws_status" 200

pool=$(workers)
kill -TERM "$master"
gone() { ! kill -0 "$master" 2>/dev/null; }
wait_for 10 gone && pass "SIGTERM stops the master" || fail "SIGTERM stops the master"
wait "$master" 2>/dev/null
expect_eq "master exits 0" "$?" 0
left=""
for p in $pool; do kill -0 "$p" 2>/dev/null && left="$left $p"; done
expect_eq "no worker left after SIGTERM" "$left" ""
expect_eq "socket removed" "$(test -e "$T/fcgi.sock" && echo yes || echo no)" no
ws_stop

port=$(ws_free_port)
LENDGATE_CONFIG="$T/lendgate.conf" "$ws_bin" --listen "127.0.0.1:$port" --workers 1 \
    2>>"$T/master.log" &
master=$!
one_worker() { [ "$(workers | wc -l)" -eq 1 ]; }
wait_for 10 one_worker && pass "--listen HOST:PORT starts" || fail "--listen HOST:PORT starts"
kill -TERM "$master"
wait_for 10 gone && pass "--listen HOST:PORT stops on SIGTERM" || fail "--listen HOST:PORT stops on SIGTERM"
wait "$master" 2>/dev/null
expect_eq "no sanitizer report or crash" \
    "$(grep -E 'AddressSanitizer|runtime error|LeakSanitizer' "$T/master.log" | head -n 3)" ""
finish
