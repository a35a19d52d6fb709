#!/usr/bin/env bash
# Runs every lendgate test on a fresh Debian 12 machine.
#
#   contrib/test.sh            install what is missing (as root), build with ASan+UBSan,
#                              run `make check` (unit, store conformance, integration),
#                              and beside it `make distcheck` (the tarball builds out of
#                              a read-only tree, passes its unit tests, installs and
#                              uninstalls cleanly; then, built with --prefix=/opt/lendgate,
#                              it is installed into a temporary root and run from there)
#
# Environment: LG_BUILD_DIR (default _build/check), LG_JOBS (default nproc),
# LG_SKIP_INSTALL=1 to never call apt-get.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${LG_BUILD_DIR:-$top/_build/check}
jobs=${LG_JOBS:-$(nproc)}

# shellcheck source=contrib/deps.sh
. "$top/contrib/deps.sh"

# Adds up the LG-RESULT lines every test program prints and prints the closing line.
summarize() {
    local logs
    logs=$(find "$build/tests" -name '*.log' ! -name 'test-suite.log' 2>/dev/null | sort)
    [ -n "$logs" ] || { echo "0 passed, 0 failed"; return; }
    echo
    echo "== suites run"
    # shellcheck disable=SC2086
    { grep -h '^ *Suite: ' $logs || true; } | sed 's/^ *Suite: /  /' | sort -u
    echo
    echo "== skipped, and why"
    # shellcheck disable=SC2086
    { grep -h '^SKIPPED: ' $logs || true; } | sed 's/^SKIPPED: /  /' | sort -u
    echo
    echo "== results per test program"
    # shellcheck disable=SC2086
    { grep -h '^LG-RESULT ' $logs || true; } | sed 's/^LG-RESULT /  /'
    # shellcheck disable=SC2086
    { grep -h '^LG-RESULT ' $logs || true; } | awk '
        { for (i = 3; i <= NF; i++) { split($i, kv, "="); t[kv[1]] += kv[2] } }
        END { printf "\n%d passed, %d failed, %d skipped\n", t["passed"], t["failed"], t["skipped"] }'
}

# Builds every libFuzzer target with clang and runs each briefly from its committed
# corpus, so a parser change that crashes on a known input fails here. Longer runs:
# make fuzz (see tests/fuzz).
fuzz_smoke() {
    local fb="$build-fuzz" passed=0 failed=0 src name corpus
    mkdir -p "$fb"
    (cd "$fb" && { [ -f Makefile ] && [ Makefile -nt "$top/configure" ] ||
        CC=clang "$top/configure" -q --enable-fuzzers --enable-sanitizers; }) || return 1
    for src in "$top"/tests/fuzz/fuzz_*.c; do
        name=$(basename "$src" .c)
        corpus="$top/tests/fuzz/corpus/$name"
        if ! make -s -C "$fb" -j"$jobs" "tests/fuzz/$name" >/dev/null 2>"$fb/$name.build.log"; then
            echo "FAIL: fuzz target $name does not build"; tail -n 20 "$fb/$name.build.log"
            failed=$((failed + 1)); continue
        fi
        mkdir -p "$fb/corpus-$name"
        if "$fb/tests/fuzz/$name" -max_total_time="${LG_FUZZ_SECONDS:-15}" -print_final_stats=0 \
            "$fb/corpus-$name" "$corpus" >"$fb/$name.log" 2>&1; then
            echo "PASS: fuzz $name (${LG_FUZZ_SECONDS:-15} s from its corpus)"; passed=$((passed + 1))
        else
            echo "FAIL: fuzz $name"; tail -n 30 "$fb/$name.log"; failed=$((failed + 1))
        fi
    done
    echo "LG-RESULT fuzz-smoke passed=$passed failed=$failed skipped=0" | tee "$build/tests/fuzz-smoke.log"
    [ "$failed" -eq 0 ]
}

# docs/openapi.yaml lints clean with the pinned linter; its npm ci also installs the
# validator every integration test holds its HTTP exchanges to.
openapi_lint() {
    local log="$build/tests/openapi-lint.log"
    mkdir -p "$build/tests"
    if "$top/contrib/openapi/lint.sh" >"$log" 2>&1; then
        echo "PASS: docs/openapi.yaml lints clean"
        echo "LG-RESULT openapi-lint passed=1 failed=0 skipped=0" >>"$log"
    else
        echo "FAIL: docs/openapi.yaml lint"; tail -n 30 "$log"
        echo "LG-RESULT openapi-lint passed=0 failed=1 skipped=0" >>"$log"
        return 1
    fi
}

# make distcheck in a build directory of its own, started in the background before
# make check and waited for at the end, so it shares the machine with the suite
# instead of adding its minutes after it. Its check runs the unit tests only
# (AM_DISTCHECK_CONFIGURE_FLAGS in Makefile.am says why).
# Then the tarball it made is built again with a prefix of its own and installed into a
# temporary root, and tests/ops/install.sh runs it from the installed files alone.
distcheck_start() {
    local db="$build-distcheck"
    mkdir -p "$db" "$build/tests"
    (cd "$db" && { [ -f Makefile ] && [ Makefile -nt "$top/configure" ] || "$top/configure" -q; } &&
        make -j"$jobs" distcheck && tarball_install "$db") >"$build/tests/distcheck.out" 2>&1 &
    distcheck_pid=$!
}
tarball_install() {
    local tb tree="$1/from-tarball"
    tb=$(ls "$1"/lendgate-*.tar.gz | head -n 1)
    rm -rf "$tree" && mkdir -p "$tree" && tar -xzf "$tb" -C "$tree" --strip-components=1 &&
        (cd "$tree" && ./configure -q --prefix=/opt/lendgate && make -s -j"$jobs" &&
            make check TESTS=tests/ops/install.sh)
    local rc=$?
    cp "$tree/tests/ops/install.sh.log" "$build/tests/tarball-install.log" 2>/dev/null
    return $rc
}
distcheck_finish() {
    local log="$build/tests/distcheck.log"
    if wait "$distcheck_pid"; then
        echo "PASS: make distcheck"
        echo "LG-RESULT distcheck passed=1 failed=0 skipped=0" >"$log"
    else
        echo "FAIL: make distcheck"; tail -n 30 "$build/tests/distcheck.out"
        echo "LG-RESULT distcheck passed=0 failed=1 skipped=0" >"$log"
        return 1
    fi
}

lg_install_packages
cd "$top"
./bootstrap >/dev/null 2>&1 || { ./bootstrap; exit 1; }
mkdir -p "$build"
cd "$build"
if [ ! -f Makefile ] || [ "$top/configure" -nt Makefile ]; then
    "$top/configure" -q --enable-sanitizers --enable-werror --enable-test-hooks
fi
make -s -j"$jobs" >/dev/null
status=0
distcheck_start
openapi_lint || status=1
make -s -j"$jobs" check || status=$?
if [ $status -ne 0 ]; then
    for f in $(grep -l -E '^:test-result: (FAIL|ERROR)' $(find tests -name '*.trs') 2>/dev/null || true); do
        echo "---- ${f%.trs}.log"
        tail -n 60 "${f%.trs}.log"
    done
fi
fuzz_smoke || status=1
distcheck_finish || status=1
summarize
exit $status
