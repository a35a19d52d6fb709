#!/usr/bin/env bash
# End-to-end check of the devnet: up.sh, then scripts/selftest.js (borrow, reverts, repay,
# settlement transfer, manual mining, documented selectors), then down.sh, and proof that
# no process and no listening port is left behind. Then a few more bare up/down cycles to
# show that nothing leaks between runs.
#
#   scripts/selftest.sh [--cycles N]      (default 3 cycles in all)
#
# Ends with an "N passed, N failed" line; exits non-zero on any failure.
set -uo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
cycles=3
if [ "${1:-}" = --cycles ]; then
    [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || {
        echo "usage: selftest.sh [--cycles N]" >&2
        exit 2
    }
    cycles=$2
fi

passed=0
failed=0
ok() {
    passed=$((passed + 1))
    echo "ok - $*"
}
not_ok() {
    failed=$((failed + 1))
    echo "not ok - $*"
}

state=$(mktemp -d "${TMPDIR:-/tmp}/lendgate-devnet-selftest.XXXXXX")
cleanup() {
    "$here/down.sh" --state-dir "$state" >/dev/null 2>&1 || true
    rm -rf "$state"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_listening() {
    node "$here/scripts/netutil.js" port-free "$1" && return 1
    return 0
}

# Runs one up/down cycle; with "drive" the selftest.js checks run in between.
cycle() {
    local n=$1 drive=${2:-} out rpc port pgid
    if ! out=$("$here/up.sh" --state-dir "$state" 2>"$state/up.err"); then
        cat "$state/up.err" >&2
        not_ok "cycle $n: up.sh failed"
        return
    fi
    rpc=$(sed -n 's/^RPC_URL=//p' <<<"$out")
    port=${rpc##*:}
    if [[ $port =~ ^[0-9]+$ ]] &&
        [ "$(sed -n 's/^DEPLOYMENT=//p' <<<"$out")" = "$state/deployment.json" ] &&
        [ "$(sed -n 's/^PLATFORM_KEY=//p' <<<"$out")" = "$state/platform.key" ]; then
        ok "cycle $n: up.sh printed RPC_URL, DEPLOYMENT and PLATFORM_KEY"
    else
        not_ok "cycle $n: unexpected up.sh output: $out"
        return
    fi
    pgid=$(cat "$state/devnet.pid")
    if ss -ltnH "sport = :$port" 2>/dev/null | grep -q '127\.0\.0\.1:'; then
        ok "cycle $n: node listens on 127.0.0.1:$port only"
    elif ! command -v ss >/dev/null 2>&1 && port_listening "$port"; then
        ok "cycle $n: node listens on 127.0.0.1:$port"
    else
        not_ok "cycle $n: nothing listens on 127.0.0.1:$port"
    fi
    if ss -ltnH "sport = :$port" 2>/dev/null | grep -qv '127\.0\.0\.1:'; then
        not_ok "cycle $n: port $port is also bound on another address"
    fi
    if [ "$drive" = drive ]; then
        if node "$here/scripts/selftest.js" --deployment "$state/deployment.json" \
            --platform-key "$state/platform.key" >"$state/drive.out" 2>&1; then
            ok "cycle $n: selftest.js ($(tail -n 1 "$state/drive.out"))"
        else
            grep -v '^ok - ' "$state/drive.out"
            not_ok "cycle $n: selftest.js"
        fi
    fi
    if "$here/down.sh" --state-dir "$state"; then
        ok "cycle $n: down.sh succeeded"
    else
        not_ok "cycle $n: down.sh failed"
    fi
    if ps -eo pgid=,stat= | awk -v g="$pgid" '$1 == g && $2 !~ /^Z/ { f = 1 } END { exit !f }'; then
        not_ok "cycle $n: process group $pgid still has processes"
    else
        ok "cycle $n: no process of group $pgid remains"
    fi
    if port_listening "$port"; then
        not_ok "cycle $n: port $port still taken"
    else
        ok "cycle $n: port $port is free again"
    fi
    if [ -e "$state/devnet.pid" ]; then
        not_ok "cycle $n: pid file left"
    else
        ok "cycle $n: pid file removed"
    fi
}

cycle 1 drive
for n in $(seq 2 "$cycles"); do
    cycle "$n"
done

# A port that is taken makes up.sh fail cleanly, leaving nothing behind.
holder_port=$(node "$here/scripts/netutil.js" free-port)
node -e 'require("net").createServer().listen(Number(process.argv[1]), "127.0.0.1")' \
    "$holder_port" &
holder=$!
for _ in $(seq 50); do
    port_listening "$holder_port" && break
    sleep 0.1
done
if "$here/up.sh" --port "$holder_port" --state-dir "$state" >"$state/up.out" 2>"$state/up.err"; then
    not_ok "up.sh on a taken port should fail"
    "$here/down.sh" --state-dir "$state"
elif [ -s "$state/up.out" ] || [ -e "$state/devnet.pid" ]; then
    not_ok "failed up.sh left output or a pid file behind"
else
    ok "up.sh on a taken port fails: $(head -n 1 "$state/up.err")"
fi
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null

# Stopping what is not running is fine; a second up.sh on a running state dir refuses.
if "$here/down.sh" --state-dir "$state"; then
    ok "down.sh with nothing running"
else
    not_ok "down.sh with nothing running"
fi
if "$here/up.sh" --state-dir "$state" >/dev/null 2>"$state/up.err"; then
    if "$here/up.sh" --state-dir "$state" >/dev/null 2>"$state/up2.err"; then
        not_ok "second up.sh on a running state dir should refuse"
    else
        if grep -q "already runs" "$state/up2.err"; then
            ok "second up.sh refuses: $(cat "$state/up2.err")"
        else
            not_ok "second up.sh failed for another reason: $(cat "$state/up2.err")"
        fi
    fi
    "$here/down.sh" --state-dir "$state" || not_ok "down.sh after refusal test"
else
    not_ok "up.sh for the refusal test: $(tail -n 3 "$state/up.err")"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
