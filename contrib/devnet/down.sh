#!/usr/bin/env bash
# Stops the devnet that up.sh started from the same state dir: the node's whole process
# group, SIGTERM first and SIGKILL after a bound. Fine when nothing runs.
#
#   down.sh [--state-dir DIR]
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
state_dir=$here/.state
term_wait=${LG_DEVNET_TERM_WAIT:-10}

die() {
    echo "devnet down: $*" >&2
    exit 1
}

while [ $# -gt 0 ]; do
    case $1 in
    --state-dir)
        [ $# -ge 2 ] || die "--state-dir needs a value"
        state_dir=$2
        shift 2
        ;;
    -h | --help)
        sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'
        exit 0
        ;;
    *) die "unknown argument: $1 (usage: down.sh [--state-dir DIR])" ;;
    esac
done

pid_file=$state_dir/devnet.pid
env_file=$state_dir/devnet.env
[ -f "$pid_file" ] || {
    rm -f "$env_file"
    exit 0
}
pgid=$(cat "$pid_file" 2>/dev/null || true)
[[ $pgid =~ ^[0-9]+$ ]] && [ "$pgid" -gt 1 ] || die "$pid_file does not hold a process id"

# A zombie holds no port and only waits for its parent to reap it: it counts as gone.
group_alive() {
    ps -eo pgid=,stat= | awk -v g="$1" '$1 == g && $2 !~ /^Z/ { found = 1 } END { exit !found }'
}

# The pid file may be stale and its number reused by an unrelated program: only a group
# whose leader is (or was) our node is signalled.
ours() {
    local cmd
    cmd=$(tr '\0' ' ' <"/proc/$pgid/cmdline" 2>/dev/null) || return 1
    case $cmd in *hardhat*) return 0 ;; *) return 1 ;; esac
}

wait_gone() {
    local deadline=$((SECONDS + $1))
    while group_alive "$pgid"; do
        [ $SECONDS -lt "$deadline" ] || return 1
        sleep 0.1
    done
}

if group_alive "$pgid"; then
    if ours; then
        kill -TERM -- "-$pgid" 2>/dev/null || true
        if ! wait_gone "$term_wait"; then
            echo "devnet down: node group $pgid ignored SIGTERM for ${term_wait}s; killing it" >&2
            kill -KILL -- "-$pgid" 2>/dev/null || true
            wait_gone 5 || die "process group $pgid is still running after SIGKILL"
        fi
    else
        echo "devnet down: pid $pgid is not the devnet node any more; leaving it alone" >&2
    fi
fi
rm -f "$pid_file" "$env_file"
