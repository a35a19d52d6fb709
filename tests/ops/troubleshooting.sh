#!/usr/bin/env bash
# docs/troubleshooting.md lists every error message the API can answer: the messages
# passed to lg_http_fail, lg_svc_fail, the refuse/bad/fail helpers and friends in
# src/http and src/service, and the web servers' error pages in etc/errors, are read
# out of the sources by error_messages.py (its docstring gives the rule) and each must
# be in the document. A message added to the code without a line there fails here.
. "$(dirname "$0")/../integration/lib.sh"

extract="$LG_TOP_SRCDIR/tests/ops/error_messages.py"
doc="$LG_TOP_SRCDIR/docs/troubleshooting.md"
command -v python3 >/dev/null 2>&1 || { skip "troubleshooting" "python3 is needed"; finish; }

# The extraction itself works: messages of each kind of source are found.
python3 "$extract" --list "$LG_TOP_SRCDIR" >"$T/all" 2>&1 || fail "error_messages.py --list" "$(tail -n 3 "$T/all")"
for want in "Route not found" "Invalid API key" "X-Signature does not match the request" \
    "Insufficient credit. Available: \$" "userWallet: not a valid address" \
    "Rate limit exceeded" "Chain node timed out" "must be 0x followed by 40 hex digits" \
    "Request body too large"; do
    if cut -f2 "$T/all" | grep -qxF -- "$want"; then
        pass "the sources give \"$want\""
    else
        fail "the sources give \"$want\"" "error_messages.py no longer finds it"
    fi
done

python3 "$extract" "$LG_TOP_SRCDIR" "$doc" >"$T/missing" 2>&1
rc=$?
if [ "$rc" = 0 ]; then
    pass "docs/troubleshooting.md has every one of the $(cut -f2 "$T/all" | sort -u | wc -l) messages"
else
    while IFS= read -r line; do
        fail "docs/troubleshooting.md lacks a message" "$line"
    done <"$T/missing"
fi
finish
