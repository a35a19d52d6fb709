#!/usr/bin/env bash
# http_bench.sh - the partner API under load, through lighttpd. Prints:
#   - requests/second and p50/p99 latency with wrk at 1, 8 and 64 connections for
#     GET /partners/loan/:id and GET /partners/my/stats, beside the same load on a
#     no-op FastCGI responder behind the same lighttpd (the floor), and the loan read
#     again with [metrics] enabled = false (what counting every call costs);
#   - the CPU left idle during each lendgate run (from /proc/stat): what the
#     responders wait on rather than compute;
#   - the resident memory (VmRSS) of each responder after a warm-up and after
#     1,000,000 more requests, and the audit rows written against the responses the
#     clients counted (none may be missing);
#   - the latency of sequential borrows through lighttpd on the devnet (p50/p99), and
#     the part of each spent in lendgate rather than waiting for the chain node (its
#     Server-Timing header: app;dur) and the responder's CPU time (cpu;dur), after a
#     warm-up of two borrows per responder whose own figures (a responder's first
#     borrow compiles its statements and fills its caches) are printed apart; once
#     with the store on the build's disk, once on tmpfs (/dev/shm), where a sync
#     costs nothing: what the two differ by is the disk's.
# Starts and stops everything itself (lighttpd, its responders, the devnet) and
# leaves nothing running. Prints figures; never fails on a time. Run by `make bench`
# from the build directory, or directly:
#
#   LG_TOP_BUILDDIR=BUILD tests/bench/http_bench.sh
#
# Knobs (environment): LG_BENCH_SECONDS (per wrk run, 5), LG_BENCH_PROCS (responders,
# 4), LG_BENCH_REQUESTS (the memory run, 1000000), LG_BENCH_BORROWS (100; 0 skips the
# devnet), LG_BENCH_FCGI (another lendgate.fcgi to measure, for before/after runs),
# LG_BENCH_CLUSTER_GUARDS ([store] cluster_guards: auto, on or off; auto).
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
. "$LG_TOP_SRCDIR/tests/integration/devnet.sh"
# The devnet helpers report like a test; here a devnet that will not start only
# leaves the borrow figures out (the EXIT trap still stops whatever was started).
pass() { :; }
fail() { echo "http_bench: $1${2:+: $2}"; }
skip() { echo "http_bench: SKIPPED $1: $2"; }
finish() {
    echo "borrow latency: not measured"
    exit 0
}

ws_bin=${LG_BENCH_FCGI:-$ws_bin}
noop="$LG_TOP_BUILDDIR/tests/bench/fcgi_noop"
ctl="$LG_TOP_BUILDDIR/lendgatectl"
mk="$LG_TOP_BUILDDIR/tests/integration/mkpartner"
duration=${LG_BENCH_SECONDS:-5}
procs=${LG_BENCH_PROCS:-4}
requests=${LG_BENCH_REQUESTS:-1000000}
borrows=${LG_BENCH_BORROWS:-100}
for prog in "$ws_bin" "$noop" "$ctl" "$mk"; do
    [ -x "$prog" ] || { echo "http_bench: SKIPPED: $prog is not built"; exit 0; }
done
for tool in wrk ab lighttpd sqlite3; do
    command -v $tool >/dev/null || { echo "http_bench: SKIPPED: $tool not installed"; exit 0; }
done

db="$T/state/lendgate.db"
mkdir -m 700 "$T/state"
cat >"$T/lendgate.conf" <<CONF
[store]
backend = sqlite
state_dir = $T/state
path = $db
cluster_guards = ${LG_BENCH_CLUSTER_GUARDS:-auto}
[chain]
rpc_url = http://127.0.0.1:9
connect_timeout_ms = 200
request_timeout_ms = 500
platform_key_file = $T/no-such.key
[ratelimit]
basic_rpm = 1000000
ip_rpm = 1000000
[log]
level = error
CONF
"$ctl" --config "$T/lendgate.conf" init >/dev/null 2>&1 || { echo "http_bench: init failed"; exit 0; }
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
# The host's audit journal ingester, as reconcile --watch is on a production host: the
# responders then only answer calls.
"$ctl" --config "$T/lendgate.conf" journal-flush --watch >>"$T/ws/error.log" 2>&1 &
ingester=$!
at_exit "kill $ingester 2>/dev/null"
base="http://127.0.0.1:$port"
for i in $(seq 1 100); do curl -s -o /dev/null "$base/noop" && break; sleep 0.1; done

auth="Authorization: Bearer $key"
answered=0 # responses the clients counted on the audited routes

rss_each() {
    local p
    for p in $(ws_pids); do printf ' %s' "$(awk '/^VmRSS/ {print $2}' /proc/$p/status)"; done
}

# The share of CPU time the whole machine left idle between two /proc/stat reads.
cpu_now() { awk '/^cpu / { print $5 + $6, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat; }
idle_pct() {
    awk -v a="$1" -v b="$2" 'BEGIN { split(a, x, " "); split(b, y, " ");
        t = y[2] - x[2]; printf "%.0f%%", (t > 0 ? 100 * (y[1] - x[1]) / t : 0) }'
}

run() {
    local name=$1 path=$2 c out rps p50 p99 n cpu0
    for c in 1 8 64; do
        cpu0=$(cpu_now)
        out=$(wrk -t "$([ $c -lt 4 ] && echo $c || echo 4)" -c "$c" -d "${duration}s" --latency \
            -H "$auth" "$base$path" 2>&1)
        rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
        p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
        p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
        n=$(awk '/requests in/ {print $1}' <<<"$out")
        [ "$path" != /noop ] && answered=$((answered + ${n:-0}))
        printf '%-28s c=%-3s %10s req/s   p50 %-9s p99 %-9s cpu idle %s\n' "$name" "$c" "$rps" \
            "$p50" "$p99" "$(idle_pct "$cpu0" "$(cpu_now)")"
    done
}

echo "http_bench: lighttpd, $procs responders each, ${duration}s per wrk run"
echo "http_bench: $ws_bin (cluster_guards ${LG_BENCH_CLUSTER_GUARDS:-auto})"
echo "http_bench: $(nproc) CPUs, $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo), $(date -u '+%Y-%m-%d %H:%M UTC')"

# Memory: every responder warmed up (its caches filled: SQLite's pages, the
# allocator's arenas), then $requests requests, 8 at a time.
out=$(ab -q -k -c 8 -n 50000 -H "$auth" "$base/partners/loan/bench-loan-1" 2>&1)
answered=$(awk '/^Complete requests/ {print $3}' <<<"$out")
before=$(rss_each)
out=$(ab -q -k -c 8 -n "$requests" -H "$auth" "$base/partners/loan/bench-loan-1" 2>&1)
done_n=$(awk '/^Complete requests/ {print $3}' <<<"$out")
failed=$(awk '/^Non-2xx responses/ {print $3}' <<<"$out")
answered=$((answered + ${done_n:-0}))
echo "responder VmRSS kB before:${before}"
after=$(rss_each)
echo "responder VmRSS kB after: ${after}  (${done_n:-?} requests of GET /partners/loan/:id" \
    "by ab -c 8, $(awk '/^Requests per second/ {print $4}' <<<"$out") req/s, ${failed:-0} non-2xx)"
echo "responder VmRSS growth kB:$(paste -d' ' <(tr ' ' '\n' <<<"${before# }") <(tr ' ' '\n' <<<"${after# }") |
    awk '{ printf " %d", $2 - $1 }')"

run "no-op FastCGI (floor)" /noop
run "GET /partners/loan/:id" /partners/loan/bench-loan-1
run "GET /partners/my/stats" /partners/my/stats
# The cost of the metrics on the read path: the same route with [metrics] off, by
# the same lighttpd restarted (its responders read the configuration at start).
ws_stop
printf '[metrics]\nenabled = false\n' >>"$T/lendgate.conf"
lighttpd -D -f "$T/ws/server.conf" >>"$T/ws/error.log" 2>&1 &
ws_pid=$!
for i in $(seq 1 100); do curl -s -o /dev/null "$base/noop" && break; sleep 0.1; done
run "GET /partners/loan/:id, no metrics" /partners/loan/bench-loan-1
ws_stop
# The rows the last calls left in the audit journal go in before the count.
"$ctl" --config "$T/lendgate.conf" journal-flush >/dev/null
rows=$(sqlite3 "$db" 'select count(*) from partner_api_logs')
echo "audit rows: $rows written, $answered responses counted by the clients" \
    "($([ "$rows" -ge "$answered" ] && echo "none missing" || echo "ROWS MISSING"))"

[ "$borrows" -gt 0 ] || exit 0

# Borrow latency: sequential borrows of 10 USDC through lighttpd on the devnet, with the
# store on the disk the build is on, then (when /dev/shm is there) on tmpfs, where a
# sync costs nothing: the difference is the disk's, the rest lendgate's own time.
devnet_up
dep() { node -p "const d = require(process.argv[1]); $1" "$LG_DEPLOYMENT"; }
wallet=$(dep 'd.users[0].address')
oaid=$(dep 'd.users[0].oaid')
# one_borrow ID MS-FILE APP-FILE: a borrow; its total time appended to MS-FILE, its time
# in lendgate and the responder's CPU time during it ("app cpu") to APP-FILE.
one_borrow() {
    read -r code secs < <(curl -s -o /dev/null -D "$T/borrow.head" -w '%{http_code} %{time_total}\n' -X POST \
        "$LG_BASE_URL/partners/borrow" -H "Authorization: Bearer $key" \
        -H 'Content-Type: application/json' \
        -d "{\"partnerLoanId\":\"$1\",\"userWallet\":\"$wallet\",\"oaidTokenId\":$oaid,\"borrowAmount\":\"10000000\"}")
    [ "$code" = 201 ] && ok=$((ok + 1))
    awk -v s="$secs" 'BEGIN { printf "%.1f\n", s * 1000 }' >>"$2"
    sed -n 's/^Server-Timing:.*app;dur=\([0-9.]*\).*cpu;dur=\([0-9.]*\).*/\1 \2/Ip' \
        "$T/borrow.head" >>"$3"
}

# borrow_report WHERE: the figures of the borrows in $T/borrow.ms and $T/borrow.app.
borrow_report() {
    sort -n "$T/borrow.ms" | awk -v ok="$ok" -v n="$borrows" -v w="$1" '
        { v[NR] = $1 }
        END {
            p50 = v[int((NR + 1) / 2)]; p99 = v[int(NR * 0.99 + 0.999)]
            printf "POST /partners/borrow, store on %s: %d sequential (%d answered 201): p50 %s ms  p99 %s ms  min %s ms\n",
                w, n, ok, p50, p99, v[1]
        }'
    sort -n "$T/borrow.app" | awk -v w="$1" '
        { v[NR] = $1 }
        END {
            if (NR == 0) { print "borrow time in lendgate: no Server-Timing header seen"; exit }
            printf "borrow time in lendgate, outside chain calls (Server-Timing app), store on %s: p50 %s ms  p99 %s ms  max %s ms\n",
                w, v[int((NR + 1) / 2)], v[int(NR * 0.99 + 0.999)], v[NR]
        }'
    # The responder's CPU time per borrow (chain calls' included), and that of the
    # slowest 5 % in lendgate: app far above cpu there is waiting (disk, or a CPU taken).
    sort -n -k2 "$T/borrow.app" | awk '
        { v[NR] = $2 }
        END {
            if (NR == 0) exit
            printf "  CPU time of the responder per borrow (Server-Timing cpu): p50 %s ms  p99 %s ms\n",
                v[int((NR + 1) / 2)], v[int(NR * 0.99 + 0.999)]
        }'
    sort -n "$T/borrow.app" | awk '
        { a[NR] = $1; c[NR] = $2 }
        END {
            if (NR == 0) exit
            k = int(NR / 20); if (k < 1) k = 1
            for (i = NR - k + 1; i <= NR; i++) { sa += a[i]; sc += c[i] }
            printf "  the slowest %d in lendgate: %.2f ms in lendgate, %.2f ms of CPU on average\n",
                k, sa / k, sc / k
        }'
}

# borrow_series WHERE DIR: a fresh store in DIR, a warm-up of two borrows per
# responder (a responder's first compiles its statements), then $borrows borrows.
borrow_series() {
    local where=$1 dir=$2 bdb="$2/lendgate.db"
    rm -rf "$dir" && mkdir -m 700 "$dir"
    cat >"$T/lendgate.conf" <<CONF
[store]
backend = sqlite
state_dir = $dir
path = $bdb
cluster_guards = ${LG_BENCH_CLUSTER_GUARDS:-auto}
[chain]
rpc_url = $LG_RPC_URL
chain_id = $(dep d.chainId)
oaid_address = $(dep d.contracts.oaid)
vault_address = $(dep d.contracts.vault)
usdc_address = $(dep d.contracts.usdc)
platform_key_file = $LG_PLATFORM_KEY
[ratelimit]
basic_rpm = 1000000
ip_rpm = 1000000
[log]
level = error
CONF
    "$ctl" --config "$T/lendgate.conf" init >/dev/null 2>&1 || { echo "http_bench: init failed"; return 0; }
    read -r _ key < <("$mk" --db "$bdb" --prefix "bench" --daily 50000000000 --total 200000000000 \
        --fee 100 --settlement "$(dep 'd.settlement[0].address')")
    ws_start lighttpd "$procs" || { echo "http_bench: $ws_why"; return 0; }
    : >"$T/borrow.ms"
    : >"$T/borrow.app"
    : >"$T/warm.ms"
    : >"$T/warm.app"
    ok=0
    for i in $(seq 1 $((2 * procs))); do
        one_borrow "bench-$where-w-$i" "$T/warm.ms" "$T/warm.app"
    done
    [ -s "$T/warm.app" ] &&
        echo "warm-up, store on $where: $((2 * procs)) borrows, time in lendgate: the first $(head -n 1 "$T/warm.app" | cut -d' ' -f1) ms, the most $(sort -n "$T/warm.app" | tail -n 1 | cut -d' ' -f1) ms"
    ok=0
    for i in $(seq 1 "$borrows"); do
        one_borrow "bench-$where-b-$i" "$T/borrow.ms" "$T/borrow.app"
    done
    borrow_report "$where"
    ws_stop
    rm -rf "$dir"
}

borrow_series disk "$T/state"
if shm=$(mktemp -d /dev/shm/lendgate-bench.XXXXXX 2>/dev/null); then
    at_exit "rm -rf '$shm'"
    borrow_series tmpfs "$shm/state"
else
    echo "borrows with the store on tmpfs: SKIPPED (no writable /dev/shm)"
fi
devnet_down >/dev/null
exit 0
