#!/usr/bin/env bash
# The dependency direction of DESIGN.md over the real tree (check_layers.py), after
# proving the checker sees a violation of each kind in a tree made to have them.
. "$(dirname "$0")/../integration/lib.sh"

checker="$LG_TOP_SRCDIR/tests/layering/check_layers.py"

# A tree with one violation of each rule: http including the chain client, the
# service including a web header, http calling the store, bin taking the store
# handle from the service, the service answering in an HTTP status (one in a comment or
# a string is fine), the store including SQLite twice over is fine.
bad="$T/bad"
mkdir -p "$bad/src/http" "$bad/src/service" "$bad/src/bin" "$bad/src/store" "$bad/include/lendgate"
printf '#include <lendgate/rpc.h>\nvoid f(void) { lg_store_loan_get(0, 0, 0, 0); }\n' >"$bad/src/http/a.c"
printf '#include <lendgate/request.h>\n#include <fcgiapp.h>\nint s(void) { return 404; }\n' \
    >"$bad/src/service/b.c"
printf '/* a 500 */\nconst char *t = "503 busy";\n' >"$bad/src/service/e.c"
printf 'void g(void) { (void)lg_service_store(0); }\n' >"$bad/src/bin/c.c"
printf '#include <sqlite3.h>\n#include <lendgate/store.h>\n' >"$bad/src/store/d.c"
python3 "$checker" "$bad" >"$T/bad.out"
expect_eq "the checker fails a tree that breaks the layers" "$?" 1
expect_eq "it names each violation (http->eth, store call, service->http twice, a status, bin handle)" \
    "$(grep -c '^LAYER ' "$T/bad.out")" 6
expect_eq "the status found is the service's code, not its comment or string" \
    "$(grep -c 'HTTP status 404' "$T/bad.out"):$(grep -c 'e\.c' "$T/bad.out")" "1:0"
sed 's/^/    | /' "$T/bad.out"

if python3 "$checker" "$LG_TOP_SRCDIR" >"$T/tree.out"; then
    pass "lendgate's tree keeps the layers: $(tail -n 1 "$T/tree.out")"
else
    fail "lendgate's tree keeps the layers" "$(grep '^LAYER ' "$T/tree.out" | head -n 10)"
fi
finish
