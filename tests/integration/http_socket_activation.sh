#!/usr/bin/env bash
# lendgate.fcgi as its own prefork master on a listening socket passed as systemd
# passes it (fd 3, LISTEN_FDS=1, LISTEN_PID=its pid; contrib/systemd/lendgate-fcgi.socket)
# behind lighttpd: the workers serve on it, --listen is then ignored, SIGTERM stops the
# master and leaves the socket file to its owner; LISTEN_* meant for another process
# is ignored, and more than one socket or an fd 3 that is not a listening socket exit 2.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/webserver.sh"

command -v lighttpd >/dev/null || { skip "socket activation" "lighttpd not installed"; finish; }
ws_offline_store "socket activation" "[http]
request_budget_ms = 1000"
read -r _ key < <("$mk" --db "$db" --prefix omega)
auth=(-H "Authorization: Bearer $key")

# activate SOCKET|-|file:PATH CMD...: binds and listens on the unix socket SOCKET (or
# opens PATH, or passes nothing for -) as fd 3, sets LISTEN_FDS (LG_FDS, default 1)
# and LISTEN_PID (LG_PID, default its own pid, which CMD keeps), then runs CMD. In a
# background subshell it execs, so $! is CMD's pid.
activate() {
    local ex=
    [ "$BASHPID" = "$$" ] || ex=exec
    $ex python3 -c '
import os, socket, sys
what, argv = sys.argv[1], sys.argv[2:]
if what.startswith("file:"):
    fd = os.open(what[5:], os.O_RDWR | os.O_CREAT, 0o600)
elif what != "-":
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(what)
    s.listen(16)
    fd = s.fileno()
if what != "-":
    if fd != 3:
        os.dup2(fd, 3)
    os.set_inheritable(3, True)
os.environ["LISTEN_FDS"] = os.environ.get("LG_FDS", "1")
os.environ["LISTEN_PID"] = os.environ.get("LG_PID", str(os.getpid()))
os.execv(argv[0], argv)
' "$@"
}
export LENDGATE_CONFIG="$T/lendgate.conf"

LG_PID=1 activate - "$ws_bin" </dev/null >/dev/null 2>"$T/other.err"
expect_eq "LISTEN_PID of another process is ignored (a CGI call without --listen exits 2)" "$?" 2
LG_FDS=2 activate "$T/two.sock" "$ws_bin" </dev/null >/dev/null 2>"$T/two.err"
expect_eq "LISTEN_FDS=2 exits 2" "$?" 2
expect_eq "LISTEN_FDS=2: one line saying why" "$(cat "$T/two.err")" \
    "lendgate.fcgi: LISTEN_FDS='2': expected one socket"
activate "file:$T/plain" "$ws_bin" </dev/null >/dev/null 2>"$T/plain.err"
expect_eq "fd 3 not a listening socket exits 2" "$?" 2
expect_eq "fd 3 not a listening socket: one line saying why" "$(cat "$T/plain.err")" \
    "lendgate.fcgi: fd 3 (LISTEN_FDS) is not a listening stream socket"

workers() { pgrep -P "$master" | sort -n; }
two_workers() { [ "$(workers | wc -l)" -eq 2 ]; }
activate "$T/act.sock" "$ws_bin" --workers 2 --listen "unix:$T/ignored.sock" \
    </dev/null 2>>"$T/master.log" &
master=$!
at_exit "kill -KILL \$(pgrep -P $master) $master 2>/dev/null"
wait_for 10 two_workers && pass "master on the inherited socket starts 2 workers" ||
    fail "master on the inherited socket starts 2 workers" "$(workers | tr '\n' ' ') $(cat "$T/master.log")"
expect_eq "--listen is ignored when systemd passed the socket" \
    "$(test -e "$T/ignored.sock" && echo created || echo absent)" absent

ws_socket="$T/act.sock"
if ! ws_start lighttpd; then
    fail "lighttpd starts" "$ws_why"
    finish
fi
for i in 1 2 3; do
    ws_call GET /partners/my/stats "${auth[@]}"
    expect_eq "a worker answers on the inherited socket (request $i)" "$ws_status" 200
done

# Before ws_stop, which would stop every lendgate.fcgi of this test's configuration.
kill -TERM "$master"
gone() { ! kill -0 "$master" 2>/dev/null; }
wait_for 10 gone && pass "SIGTERM stops the master" || fail "SIGTERM stops the master"
wait "$master" 2>/dev/null
expect_eq "master exits 0" "$?" 0
expect_eq "no worker left" "$(workers | wc -l)" 0
expect_eq "the socket file is left to its owner" "$(test -S "$T/act.sock" && echo kept || echo removed)" kept
ws_stop
expect_eq "no sanitizer report or crash" \
    "$(grep -E 'AddressSanitizer|runtime error|LeakSanitizer' "$T/master.log" "$T"/*.err | head -n 3)" ""
finish
