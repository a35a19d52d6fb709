# devnet.sh - the project's devnet for one integration test (sourced after lib.sh).
#
# devnet_up    starts contrib/devnet/up.sh with its state in "$T/devnet" on a free port,
#              exports LG_RPC_URL, LG_DEPLOYMENT and LG_PLATFORM_KEY, and registers the
#              node's stop with at_exit. Without node or npm it prints SKIPPED and
#              finishes the test; any other failure is a FAIL and finishes the test.
# devnet_down  stops the node now and checks that no process of it is left.
#
# The node listens on 127.0.0.1 only; loopback is kept out of any configured proxy.

lg_devnet_dir="$LG_TOP_SRCDIR/contrib/devnet"
lg_devnet_pgid=

# up.sh installs node_modules and compiles into its own directory. A read-only source
# tree (make distcheck) gets a copy in the build tree, shared by the tests of one build.
lg_devnet_prepare() {
    [ -w "$lg_devnet_dir" ] && return 0
    local work="$LG_TOP_BUILDDIR/devnet-work"
    (
        flock -w 600 9 || exit 1
        if [ ! -f "$work/package-lock.json" ]; then
            rm -rf "$work.tmp" && mkdir -p "$work.tmp" &&
                (cd "$lg_devnet_dir" && tar cf - --exclude=./node_modules --exclude=./artifacts \
                    --exclude=./.state .) | (cd "$work.tmp" && tar xf -) &&
                chmod -R u+w "$work.tmp" && mv "$work.tmp" "$work"
        fi
    ) 9>"$LG_TOP_BUILDDIR/devnet-work.lock" || return 1
    lg_devnet_dir=$work
}

# 0 when some process of group $1 is still running (zombies do not count).
lg_devnet_group_alive() {
    ps -eo pgid=,stat= | awk -v g="$1" '$1 == g && $2 !~ /^Z/ { found = 1 } END { exit !found }'
}

devnet_up() {
    local out line
    if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
        skip "devnet" "node and npm are needed for contrib/devnet (Node.js 18 or newer)"
        finish
    fi
    if ! lg_devnet_prepare; then
        fail "devnet starts" "cannot copy contrib/devnet out of the read-only source tree"
        finish
    fi
    export no_proxy="127.0.0.1,localhost${no_proxy:+,$no_proxy}"
    export NO_PROXY="$no_proxy"
    at_exit "'$lg_devnet_dir/down.sh' --state-dir '$T/devnet' >/dev/null 2>&1"
    if ! out=$("$lg_devnet_dir/up.sh" --state-dir "$T/devnet" 2>"$T/devnet-up.log"); then
        fail "devnet starts" "up.sh failed"
        sed 's/^/    | /' "$T/devnet-up.log" | tail -n 20
        finish
    fi
    while IFS= read -r line; do
        case $line in
        RPC_URL=*) export LG_RPC_URL=${line#RPC_URL=} ;;
        DEPLOYMENT=*) export LG_DEPLOYMENT=${line#DEPLOYMENT=} ;;
        PLATFORM_KEY=*) export LG_PLATFORM_KEY=${line#PLATFORM_KEY=} ;;
        esac
    done <<<"$out"
    if [ -z "${LG_RPC_URL:-}" ] || [ ! -f "${LG_DEPLOYMENT:-}" ] || [ ! -f "${LG_PLATFORM_KEY:-}" ]; then
        fail "devnet starts" "up.sh printed no RPC_URL/DEPLOYMENT/PLATFORM_KEY"
        finish
    fi
    lg_devnet_pgid=$(cat "$T/devnet/devnet.pid" 2>/dev/null || true)
    pass "devnet starts ($LG_RPC_URL)"
}

devnet_down() {
    "$lg_devnet_dir/down.sh" --state-dir "$T/devnet" >"$T/devnet-down.log" 2>&1
    local rc=$?
    expect_eq "devnet stops" "$rc" 0
    if [ -n "$lg_devnet_pgid" ] && lg_devnet_group_alive "$lg_devnet_pgid"; then
        fail "devnet leaves no process" "process group $lg_devnet_pgid still runs"
    else
        pass "devnet leaves no process"
    fi
}
