#!/usr/bin/env bash
# Starts the lendgate devnet: a Hardhat node on 127.0.0.1 with the development lending
# contracts deployed and seeded. Leaves the node running and prints, on stdout:
#
#   RPC_URL=http://127.0.0.1:PORT
#   DEPLOYMENT=DIR/deployment.json
#   PLATFORM_KEY=DIR/platform.key
#   CHAIN_ID=31337
#
# (the same lines are kept in DIR/devnet.env). Progress and errors go to stderr.
#
#   up.sh [--port N] [--state-dir DIR] [--chain-id N]
#
# DIR defaults to contrib/devnet/.state. A free port is chosen when none is given.
# --chain-id (default 31337) gives a second devnet a chain of its own: lendgate's
# sandbox runs on one beside the live devnet.
# On any failure it stops what it started and exits non-zero. down.sh stops the node.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
port=
state_dir=$here/.state
chain_id=31337
ready_timeout=${LG_DEVNET_READY_TIMEOUT:-60}

die() {
    echo "devnet up: $*" >&2
    exit 1
}

while [ $# -gt 0 ]; do
    case $1 in
    --port)
        [ $# -ge 2 ] || die "--port needs a value"
        port=$2
        shift 2
        ;;
    --state-dir)
        [ $# -ge 2 ] || die "--state-dir needs a value"
        state_dir=$2
        shift 2
        ;;
    --chain-id)
        [ $# -ge 2 ] || die "--chain-id needs a value"
        chain_id=$2
        shift 2
        ;;
    -h | --help)
        sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
        exit 0
        ;;
    *) die "unknown argument: $1 (usage: up.sh [--port N] [--state-dir DIR] [--chain-id N])" ;;
    esac
done
if [ -n "$port" ]; then
    [[ $port =~ ^[0-9]+$ ]] && [ "$port" -ge 1 ] && [ "$port" -le 65535 ] ||
        die "--port must be a number from 1 to 65535"
fi
[[ $chain_id =~ ^[1-9][0-9]{0,8}$ ]] || die "--chain-id must be a number from 1 to 999999999"
# hardhat.config.js and scripts/lib.js read it.
export LG_DEVNET_CHAIN_ID=$chain_id
command -v node >/dev/null 2>&1 || die "node is not installed (Node.js 18 or newer is needed)"
command -v npm >/dev/null 2>&1 || die "npm is not installed"

mkdir -p "$state_dir" || die "cannot create state dir $state_dir"
state_dir=$(cd "$state_dir" && pwd)
pid_file=$state_dir/devnet.pid
log_file=$state_dir/node.log
deployment=$state_dir/deployment.json
key_file=$state_dir/platform.key
env_file=$state_dir/devnet.env

# Nothing that runs here may prompt or phone home.
export HARDHAT_DISABLE_TELEMETRY_PROMPT=true
export HARDHAT_HIDE_SOLIDITY_SURVEY_MESSAGE=true
export NO_COLOR=1
export npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false

# Alive means some process of the group is still running (a zombie does not count: it
# holds no port and is only waiting for its parent).
group_alive() {
    ps -eo pgid=,stat= | awk -v g="$1" '$1 == g && $2 !~ /^Z/ { found = 1 } END { exit !found }'
}

if [ -f "$pid_file" ]; then
    old=$(cat "$pid_file" 2>/dev/null || true)
    if [[ $old =~ ^[0-9]+$ ]] && group_alive "$old"; then
        die "a devnet already runs from $state_dir (pid $old); run down.sh --state-dir $state_dir first"
    fi
    rm -f "$pid_file"
fi
rm -f "$deployment" "$key_file" "$env_file"

node_pid=
ok=0
stop_node() {
    [ -n "$node_pid" ] || return 0
    kill -TERM -- "-$node_pid" 2>/dev/null || true
    for _ in $(seq 50); do
        group_alive "$node_pid" || break
        sleep 0.1
    done
    kill -KILL -- "-$node_pid" 2>/dev/null || true
    rm -f "$pid_file"
    node_pid=
}
on_exit() {
    if [ "$ok" != 1 ]; then
        if [ -n "$node_pid" ]; then
            stop_node
            echo "devnet up: failed; the node was stopped (its log: $log_file)" >&2
        fi
    fi
}
trap on_exit EXIT
trap 'exit 130' INT TERM

# npm ci and compile write into the shared source dir: serialise them between concurrent
# up.sh runs with different state dirs.
setup() {
    mkdir -p "$here/.state"
    exec 9>"$here/.state/setup.lock"
    flock -w 600 9 || die "timed out waiting for another up.sh to finish npm ci"
    if [ ! -x "$here/node_modules/.bin/hardhat" ] ||
        [ ! -f "$here/node_modules/.package-lock.json" ] ||
        [ "$here/package-lock.json" -nt "$here/node_modules/.package-lock.json" ]; then
        echo "devnet up: installing npm packages (npm ci)" >&2
        if ! (cd "$here" && npm ci --no-audit --no-fund --loglevel=error) \
            >"$state_dir/npm-ci.log" 2>&1; then
            tail -n 20 "$state_dir/npm-ci.log" >&2
            die "npm ci failed (full output: $state_dir/npm-ci.log)"
        fi
    fi
    (cd "$here" && node scripts/compile.js) >&2 || die "compiling the contracts failed"
    exec 9>&-
}

# Starts the node in a session (and so process group) of its own, whose id is the pid
# written to the pid file: down.sh signals exactly that group.
start_node() {
    : >"$log_file"
    # Descriptors above 2 are closed so that the node holds no pipe of whoever ran up.sh.
    (cd "$here" && exec setsid bash -c '
        for fd in /proc/$$/fd/*; do
            fd=${fd##*/}
            [ "$fd" -gt 2 ] && eval "exec $fd>&-"
        done 2>/dev/null
        echo $$ >"$1"
        shift
        exec "$@"' _ "$pid_file" \
        node "$here/node_modules/hardhat/internal/cli/bootstrap.js" \
        node --hostname 127.0.0.1 --port "$1" </dev/null >>"$log_file" 2>&1) &
    for _ in $(seq 50); do
        [ -s "$pid_file" ] && break
        sleep 0.1
    done
    node_pid=$(cat "$pid_file" 2>/dev/null || true)
    [[ $node_pid =~ ^[0-9]+$ ]] || {
        node_pid=
        die "the node did not start (log: $log_file)"
    }
}

# 0: answering; 1: the node died; 2: no answer in time.
wait_ready() {
    local deadline=$((SECONDS + ready_timeout)) id
    while [ $SECONDS -lt $deadline ]; do
        group_alive "$node_pid" || return 1
        if id=$(node "$here/scripts/netutil.js" chain-id "$rpc_url"); then
            [ "$id" = "$chain_id" ] || die "node on $rpc_url answers chainId $id, not $chain_id"
            return 0
        fi
        sleep 0.25
    done
    return 2
}

setup

attempts=1
[ -n "$port" ] || attempts=3
for attempt in $(seq "$attempts"); do
    if [ -n "$port" ]; then
        p=$port
        node "$here/scripts/netutil.js" port-free "$p" || die "port $p on 127.0.0.1 is in use"
    else
        p=$(node "$here/scripts/netutil.js" free-port) || die "cannot find a free port"
    fi
    rpc_url=http://127.0.0.1:$p
    echo "devnet up: starting hardhat node on $rpc_url" >&2
    start_node "$p"
    rc=0
    wait_ready || rc=$?
    [ $rc -eq 0 ] && break
    if [ $rc -eq 2 ]; then
        tail -n 20 "$log_file" >&2
        die "node on $rpc_url did not answer within ${ready_timeout}s"
    fi
    # Another program may have taken the chosen port in between: try a new one.
    if [ "$attempt" -lt "$attempts" ] && grep -q "EADDRINUSE" "$log_file"; then
        stop_node
        continue
    fi
    tail -n 20 "$log_file" >&2
    die "the node exited during start-up"
done

echo "devnet up: deploying contracts" >&2
(cd "$here" && node scripts/deploy.js --rpc "$rpc_url" --out "$deployment" \
    --platform-key "$key_file") >&2 || die "deploying the contracts failed"

printf 'RPC_URL=%s\nDEPLOYMENT=%s\nPLATFORM_KEY=%s\nCHAIN_ID=%s\n' "$rpc_url" "$deployment" \
    "$key_file" "$chain_id" >"$env_file"
ok=1
cat "$env_file"
