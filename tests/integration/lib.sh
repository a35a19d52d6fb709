# lib.sh - shared helpers for the shell integration tests (sourced, not run).
#
# check NAME CMD...   runs CMD; counts it passed when it exits 0
# expect_eq NAME GOT WANT
# skip NAME WHY       counts a test that cannot run here, saying why
# finish              holds every exchange recorded by contract_record to
#                     docs/openapi.yaml (one failure per exchange that does not
#                     conform), then prints "LG-RESULT <test> passed=N failed=N
#                     skipped=N"; exits 1 on failure, 77 (SKIP) when everything was
#                     skipped
# contract_record METHOD PATH STATUS HEADERS BODY [CURL ARGS...]
#                     keeps one HTTP exchange for that check (the request body is the
#                     --data-binary/-d argument among the curl arguments)
# $T/contract.extra.jsonl
#                     exchanges a client other than curl recorded, one JSON line each
#                     in contract_jsonl.py's shape, held to the document as well
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

# wait_for SECONDS CMD...: 0 once CMD succeeds, 1 when the time is up.
wait_for() {
    local i n=$(($1 * 10))
    shift
    for i in $(seq 1 "$n"); do "$@" && return 0; sleep 0.1; done
    return 1
}

expect_eq() {
    if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "got '$2', want '$3'"; fi
}

lg_contract_n=0
contract_record() {
    local m=$1 p=$2 status=$3 headers=$4 body=$5 dir="$T/contract" n
    shift 5
    lg_contract_n=$((lg_contract_n + 1))
    n=$(printf '%06d' "$lg_contract_n")
    mkdir -p "$dir"
    printf '%s\n%s\n%s\n' "$m" "$p" "$status" >"$dir/$n.meta"
    cp "$headers" "$dir/$n.headers" 2>/dev/null || : >"$dir/$n.headers"
    cp "$body" "$dir/$n.body" 2>/dev/null || : >"$dir/$n.body"
    while [ $# -gt 0 ]; do
        case $1 in
        --data-binary | -d | --data)
            case $2 in
            @*) cp "${2#@}" "$dir/$n.req" 2>/dev/null ;;
            *) printf '%s' "$2" >"$dir/$n.req" ;;
            esac
            break
            ;;
        esac
        shift
    done
}

# Every recorded exchange against docs/openapi.yaml, by contrib/openapi/validate.mjs.
contract_check() {
    local tools="$LG_TOP_SRCDIR/contrib/openapi" out extra="$T/contract.extra.jsonl"
    [ "$lg_contract_n" -gt 0 ] || [ -s "$extra" ] || return 0
    if ! command -v node >/dev/null 2>&1 || [ ! -d "$tools/node_modules/ajv" ]; then
        skip "contract" "node or contrib/openapi/node_modules missing (contrib/test.sh installs them)"
        return 0
    fi
    mkdir -p "$T/contract"
    python3 "$LG_TOP_SRCDIR/tests/integration/contract_jsonl.py" "$T/contract" "$lg_test_name" \
        >"$T/contract.jsonl" || { fail "contract" "recorded exchanges unreadable"; return 0; }
    [ -s "$extra" ] && cat "$extra" >>"$T/contract.jsonl"
    # Kept beside the test's log: real answers, for docs/openapi.yaml's examples.
    cp "$T/contract.jsonl" "$LG_TOP_BUILDDIR/tests/integration/$lg_test_name.contract.jsonl" \
        2>/dev/null || true
    node "$tools/validate.mjs" "$LG_TOP_SRCDIR/docs/openapi.yaml" "$T/contract.jsonl" \
        >"$T/contract.out" 2>&1
    while IFS= read -r out; do
        case $out in
        FAIL\ *) fail "contract: ${out#FAIL }" ;;
        contract:\ *exchanges*) pass "$out (docs/openapi.yaml)" ;;
        esac
    done <"$T/contract.out"
    grep -q '^contract: .*exchanges' "$T/contract.out" ||
        fail "contract" "validate.mjs: $(tail -n 3 "$T/contract.out")"
}

finish() {
    contract_check
    echo "LG-RESULT $lg_test_name passed=$lg_passed failed=$lg_failed skipped=$lg_skipped"
    [ "$lg_failed" -eq 0 ] || exit 1
    # Automake's harness reports exit 77 as SKIP: a test that could run nothing here
    # must not show as PASS.
    [ "$lg_passed" -eq 0 ] && [ "$lg_skipped" -gt 0 ] && exit 77
    exit 0
}
