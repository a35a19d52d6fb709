# lib.sh - shared helpers for the shell integration tests (sourced, not run).
#
# check NAME CMD...   runs CMD; counts it passed when it exits 0
# expect_eq NAME GOT WANT
# skip NAME WHY       counts a test that cannot run here, saying why
# finish              prints "LG-RESULT <test> passed=N failed=N skipped=N"; exits 1 on
#                     failure, 77 (SKIP) when everything was skipped
#
# Every test works in its own temporary directory ($T), removed on exit unless
# LG_KEEP_TMP=1. Tools come from the build tree ($LG_TOP_BUILDDIR) and sources from
# $LG_TOP_SRCDIR, both set by `make check`.

set -u
LG_TOP_SRCDIR=${LG_TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
LG_TOP_BUILDDIR=${LG_TOP_BUILDDIR:-$LG_TOP_SRCDIR}
lg_test_name=$(basename "$0" .sh)
lg_passed=0
lg_failed=0
lg_skipped=0
T=$(mktemp -d "${TMPDIR:-/tmp}/lg-$lg_test_name.XXXXXX")
lg_cleanup_hooks=()

lg_on_exit() {
    local h
    for h in "${lg_cleanup_hooks[@]}"; do eval "$h" || true; done
    if [ "${LG_KEEP_TMP:-0}" != 1 ]; then rm -rf "$T"; fi
}
trap lg_on_exit EXIT

at_exit() { lg_cleanup_hooks+=("$1"); }

pass() { lg_passed=$((lg_passed + 1)); echo "PASS: $1"; }
fail() { lg_failed=$((lg_failed + 1)); echo "FAIL: $1${2:+: $2}"; }
skip() { lg_skipped=$((lg_skipped + 1)); echo "SKIPPED: $1: $2"; }

check() {
    local name=$1
    shift
    if "$@" >"$T/check.out" 2>&1; then
        pass "$name"
    else
        fail "$name" "exit $? from: $*"
        sed 's/^/    | /' "$T/check.out" | tail -n 20
    fi
}

expect_eq() {
    if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "got '$2', want '$3'"; fi
}

finish() {
    echo "LG-RESULT $lg_test_name passed=$lg_passed failed=$lg_failed skipped=$lg_skipped"
    [ "$lg_failed" -eq 0 ] || exit 1
    # Automake's harness reports exit 77 as SKIP: a test that could run nothing here
    # must not show as PASS.
    [ "$lg_passed" -eq 0 ] && [ "$lg_skipped" -gt 0 ] && exit 77
    exit 0
}
