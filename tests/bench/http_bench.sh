#!/usr/bin/env bash
# http_bench.sh - requests/second and p50/p99 latency with wrk at 1, 8 and 64
# connections through lighttpd for GET /partners/loan/:id and GET /partners/my/stats,
# beside the same load on a no-op FastCGI responder behind the same lighttpd (the
# floor), and the resident memory of the responders before and after. Prints
# figures; never fails on a time. Run by `make bench` from the build directory.
set -u
here=$(cd "$(dirname "$0")" && pwd)
LG_TOP_BUILDDIR=${LG_TOP_BUILDDIR:-$PWD}
if [ -z "${LG_TOP_SRCDIR:-}" ]; then
    for c in "$here/../.." "$LG_TOP_BUILDDIR/.." "$LG_TOP_BUILDDIR"; do
        [ -f "$c/tests/integration/lib.sh" ] && LG_TOP_SRCDIR=$(cd "$c" && pwd) && break
    done
fi
export LG_TOP_SRCDIR LG_TOP_BUILDDIR
. "$LG_TOP_SRCDIR/tests/integration/lib.sh"
. "$LG_TOP_SRCDIR/tests/integration/webserver.sh"

noop="$LG_TOP_BUILDDIR/tests/bench/fcgi_noop"
ctl="$LG_TOP_BUILDDIR/lendgatectl"
mk="$LG_TOP_BUILDDIR/tests/integration/mkpartner"
duration=${LG_BENCH_SECONDS:-5}
procs=${LG_BENCH_PROCS:-4}
for prog in "$ws_bin" "$noop" "$ctl" "$mk"; do
    [ -x "$prog" ] || { echo "http_bench: SKIPPED: $prog is not built"; exit 0; }
done
for tool in wrk lighttpd; do
    command -v $tool >/dev/null || { echo "http_bench: SKIPPED: $tool not installed"; exit 0; }
done

db="$T/state/lendgate.db"
cat >"$T/lendgate.conf" <<CONF
[store]
backend = sqlite
state_dir = $T/state
path = $db
[chain]
rpc_url = http://127.0.0.1:9
connect_timeout_ms = 200
request_timeout_ms = 500
platform_key_file = $T/no-such.key
[log]
level = error
CONF
"$ctl" --config "$T/lendgate.conf" init >/dev/null 2>&1 || { echo "http_bench: init failed"; exit 1; }
read -r _ key < <("$mk" --db "$db" --prefix bench --loan bench-loan-1)

port=$(ws_free_port)
mkdir -p "$T/ws/www"
cat >"$T/ws/server.conf" <<CONF
server.document-root = "$T/ws/www"
server.bind = "127.0.0.1"
server.port = $port
server.errorlog = "$T/ws/error.log"
server.max-connections = 1024
server.modules = ( "mod_fastcgi" )
fastcgi.server = (
    "/partners" => (( "socket" => "$T/ws/lendgate.sock", "bin-path" => "$ws_bin",
        "max-procs" => $procs, "check-local" => "disable",
        "bin-environment" => ( "LENDGATE_CONFIG" => "$T/lendgate.conf" ) )),
    "/noop" => (( "socket" => "$T/ws/noop.sock", "bin-path" => "$noop",
        "max-procs" => $procs, "check-local" => "disable" )),
)
CONF
lighttpd -D -f "$T/ws/server.conf" >>"$T/ws/error.log" 2>&1 &
ws_pid=$!
at_exit ws_stop
base="http://127.0.0.1:$port"
for i in $(seq 1 100); do curl -s -o /dev/null "$base/noop" && break; sleep 0.1; done

rss_kb() { local p t=0; for p in $(ws_pids); do t=$((t + $(awk '/^VmRSS/ {print $2}' /proc/$p/status))); done; echo $t; }

run() {
    local name=$1 path=$2 c out rps p50 p99
    for c in 1 8 64; do
        out=$(wrk -t "$([ $c -lt 4 ] && echo $c || echo 4)" -c "$c" -d "${duration}s" --latency \
            -H "Authorization: Bearer $key" "$base$path" 2>&1)
        rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
        p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
        p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
        printf '%-28s c=%-3s %10s req/s   p50 %-9s p99 %s\n' "$name" "$c" "$rps" "$p50" "$p99"
    done
}

echo "http_bench: lighttpd, $procs responders each, ${duration}s per run ($(basename "$ws_bin") from $LG_TOP_BUILDDIR)"
curl -s -o /dev/null -H "Authorization: Bearer $key" "$base/partners/my/stats"
before=$(rss_kb)
run "no-op FastCGI (floor)" /noop
run "GET /partners/loan/:id" /partners/loan/bench-loan-1
run "GET /partners/my/stats" /partners/my/stats
after=$(rss_kb)
echo "responder RSS total: ${before} kB before, ${after} kB after $(sqlite3 "$db" 'select count(*) from partner_api_logs') audited requests"
ws_stop
exit 0
