#!/usr/bin/env bash
# The malformed-input corpus, through lighttpd and through Apache + mod_fcgid:
# invalid JSON, a JSON array, wrong types, negative, exponent, hex, 2^64 and 2^256
# as strings, unicode and control characters and 200-character loan ids, bad
# wallets, duplicate keys, member names with a NUL or another control character,
# 1000-deep nesting, a 10 MB body, a wrong Content-Type.
# Each gets a 4xx in the API's error shape whose message names the field; none
# changes the store (a dump before and after, leaving out the audit log and the
# keys' last_used_at) and no responder dies (every pid from before is alive after).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/webserver.sh"

ws_offline_store "http malformed"
read -r _ key < <("$mk" --db "$db" --prefix gamma --loan gamma-1)
[ -n "${key:-}" ] || { fail "mkpartner" "no key"; finish; }

state_dump() {
    local t
    for t in $(sqlite3 "$db" "select name from sqlite_master where type = 'table' and name not in ('partner_api_logs', 'audit_journal', 'api_keys') order by name"); do
        sqlite3 "$db" ".dump $t"
    done
    sqlite3 "$db" "select id, partner_id, key_hash, prefix, env, created_at_ms, expires_at_ms, revoked_at_ms from api_keys"
}

W=0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed
P2_64=18446744073709551616
P2_256=115792089237316195423570985008687907853269984665640564039457584007913129639936
L200=$(printf 'L%.0s' $(seq 1 200))
borrow() { printf '{"partnerLoanId":%s,"userWallet":%s,"oaidTokenId":%s,"borrowAmount":%s}' "$1" "$2" "$3" "$4"; }
ok_borrow() { borrow '"m-1"' "\"$W\"" '"1"' "$1"; }

# name|expected status|expected message prefix|body
cases() {
    echo "invalid JSON|400|body:|{\"partnerLoanId\":"
    echo "JSON array|400|body:|[\"m-1\",\"$W\",\"1\",\"5\"]"
    echo "JSON string|400|body:|\"hello\""
    echo "empty object|400|partnerLoanId:|{}"
    echo "borrowAmount as number|400|borrowAmount:|$(ok_borrow 1000000)"
    echo "borrowAmount null|400|borrowAmount:|$(ok_borrow null)"
    echo "borrowAmount negative|400|borrowAmount:|$(ok_borrow '"-5"')"
    echo "borrowAmount zero|400|borrowAmount:|$(ok_borrow '"0"')"
    echo "borrowAmount exponent|400|borrowAmount:|$(ok_borrow '"1e6"')"
    echo "borrowAmount hex|400|borrowAmount:|$(ok_borrow '"0x10"')"
    echo "borrowAmount decimal point|400|borrowAmount:|$(ok_borrow '"1.5"')"
    echo "borrowAmount 2^64|400|borrowAmount:|$(ok_borrow "\"$P2_64\"")"
    echo "borrowAmount 2^256|400|borrowAmount:|$(ok_borrow "\"$P2_256\"")"
    echo "oaid 2^256|400|oaidTokenId:|$(borrow '"m-1"' "\"$W\"" "\"$P2_256\"" '"5"')"
    echo "oaid negative|400|oaidTokenId:|$(borrow '"m-1"' "\"$W\"" '"-1"' '"5"')"
    echo "oaid as a float|400|oaidTokenId:|$(borrow '"m-1"' "\"$W\"" 1.5 '"5"')"
    echo "oaid zero|400|oaidTokenId:|$(borrow '"m-1"' "\"$W\"" 0 '"5"')"
    echo "oaid above 2^53|400|oaidTokenId:|$(borrow '"m-1"' "\"$W\"" 9007199254740993 '"5"')"
    echo "metadata not an object|400|metadata:|{\"partnerLoanId\":\"m-1\",\"userWallet\":\"$W\",\"oaidTokenId\":1,\"borrowAmount\":\"5\",\"metadata\":[]}"
    echo "the old field name amount|400|amount: unknown field|{\"partnerLoanId\":\"m-1\",\"userWallet\":\"$W\",\"oaidTokenId\":1,\"amount\":\"5\"}"
    echo "loan id unicode|400|partnerLoanId:|$(borrow '"pr\u00eat-1"' "\"$W\"" '"1"' '"5"')"
    echo "loan id raw unicode|400|partnerLoanId:|$(borrow '"prêt-1"' "\"$W\"" '"1"' '"5"')"
    echo "loan id control char|400|partnerLoanId:|$(borrow '"a\u0001b"' "\"$W\"" '"1"' '"5"')"
    echo "loan id NUL|400|partnerLoanId:|$(borrow '"a\u0000b"' "\"$W\"" '"1"' '"5"')"
    echo "loan id 200 chars|400|partnerLoanId:|$(borrow "\"$L200\"" "\"$W\"" '"1"' '"5"')"
    echo "loan id empty|400|partnerLoanId:|$(borrow '""' "\"$W\"" '"1"' '"5"')"
    echo "wallet short|400|userWallet:|$(borrow '"m-1"' '"0x1234"' '"1"' '"5"')"
    echo "wallet not hex|400|userWallet:|$(borrow '"m-1"' '"0xZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ"' '"1"' '"5"')"
    echo "wallet bad checksum|400|userWallet:|$(borrow '"m-1"' '"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"' '"1"' '"5"')"
    echo "wallet as number|400|userWallet:|$(borrow '"m-1"' 12345 '"1"' '"5"')"
    echo "duplicate key|400|borrowAmount: key given more than once|{\"partnerLoanId\":\"m-1\",\"userWallet\":\"$W\",\"oaidTokenId\":\"1\",\"borrowAmount\":\"5\",\"borrowAmount\":\"6\"}"
    echo "amount and amount with a NUL|400|body: invalid member name|{\"partnerLoanId\":\"m-1\",\"userWallet\":\"$W\",\"oaidTokenId\":\"1\",\"borrowAmount\":\"1000000\",\"borrowAmount\\u0000\":\"2000000\"}"
    echo "amount only with a NUL|400|body: invalid member name|{\"partnerLoanId\":\"m-1\",\"userWallet\":\"$W\",\"oaidTokenId\":\"1\",\"borrowAmount\\u0000\":\"5\"}"
    echo "amount with a control escape|400|body: invalid member name|{\"partnerLoanId\":\"m-1\",\"userWallet\":\"$W\",\"oaidTokenId\":\"1\",\"borrowAmount\\u001f\":\"5\"}"
    echo "unknown field|400|fee:|{\"partnerLoanId\":\"m-1\",\"userWallet\":\"$W\",\"oaidTokenId\":\"1\",\"borrowAmount\":\"5\",\"fee\":\"0\"}"
    echo "nested object value|400|borrowAmount:|$(ok_borrow '{"value":"5"}')"
}

deep_body() {
    printf '{"partnerLoanId":'
    head -c 1000 /dev/zero | tr '\0' '['
    head -c 1000 /dev/zero | tr '\0' ']'
    printf '}'
}

corpus() {
    local s=$1 name want prefix body auth=(-H "Authorization: Bearer $key")
    while IFS='|' read -r name want prefix body; do
        printf '%s' "$body" >"$T/case.body"
        ws_call POST /partners/borrow "${auth[@]}" -H 'Content-Type: application/json' \
            --data-binary "@$T/case.body"
        ws_expect_error "$s: borrow, $name" "$want" "$prefix"
    done < <(cases)
    printf '{"partnerLoanId":"a\001b","userWallet":"%s","oaidTokenId":"1","borrowAmount":"5"}' "$W" \
        >"$T/case.body"
    ws_call POST /partners/borrow "${auth[@]}" -H 'Content-Type: application/json' \
        --data-binary "@$T/case.body"
    ws_expect_error "$s: borrow, raw control character" 400 "body:"
    printf '{"partnerLoanId":"m-1","userWallet":"%s","oaidTokenId":"1","borrowAmount\001":"5"}' "$W" \
        >"$T/case.body"
    ws_call POST /partners/borrow "${auth[@]}" -H 'Content-Type: application/json' \
        --data-binary "@$T/case.body"
    ws_expect_error "$s: borrow, raw control character in a name" 400 "body: invalid member name"
    deep_body >"$T/case.body"
    ws_call POST /partners/borrow "${auth[@]}" -H 'Content-Type: application/json' \
        --data-binary "@$T/case.body"
    ws_expect_error "$s: borrow, 1000-deep nesting" 400 "body: JSON nested deeper"
    head -c 10485760 /dev/zero | tr '\0' '7' >"$T/case.body"
    ws_call POST /partners/borrow "${auth[@]}" -H 'Content-Type: application/json' \
        --data-binary "@$T/case.body"
    ws_expect_error "$s: borrow, 10 MB body" 413 "body:"
    ok_borrow '"5"' >"$T/case.body"
    ws_call POST /partners/borrow "${auth[@]}" -H 'Content-Type: text/plain' \
        --data-binary "@$T/case.body"
    ws_expect_error "$s: borrow, wrong Content-Type" 415 "Content-Type"
    ws_call POST /partners/borrow "${auth[@]}" --data-binary "@$T/case.body"
    ws_expect_error "$s: borrow, form Content-Type" 415 "Content-Type"

    local repay_hdr=(-H 'Content-Type: application/json')
    ws_call POST /partners/repay "${auth[@]}" "${repay_hdr[@]}" \
        --data-binary '{"partnerLoanId":"gamma-1","repaymentAmount":"1.5"}'
    ws_expect_error "$s: repay, decimal amount" 400 "repaymentAmount:"
    ws_call POST /partners/repay "${auth[@]}" "${repay_hdr[@]}" \
        --data-binary '{"partnerLoanId":"gamma-1","repaymentAmount":"5","repaymentTxHash":"0xzz"}'
    ws_expect_error "$s: repay, bad proof hash" 400 "repaymentTxHash:"
    ws_call POST /partners/repay "${auth[@]}" "${repay_hdr[@]}" \
        --data-binary '{"partnerLoanId":"gamma-1","repaymentAmount":"5","repaymentTxHash":5}'
    ws_expect_error "$s: repay, proof hash as number" 400 "repaymentTxHash:"
    ws_call POST /partners/repay "${auth[@]}" "${repay_hdr[@]}" \
        --data-binary "{\"partnerLoanId\":\"gamma-1\",\"repaymentAmount\":\"$P2_64\"}"
    ws_expect_error "$s: repay, amount 2^64" 400 "repaymentAmount:"
    ws_call POST /partners/repay "${auth[@]}" "${repay_hdr[@]}" \
        --data-binary '{"partnerLoanId":"gamma-1","repaymentAmount":"5","repaymentAmount\u0000":"6"}'
    ws_expect_error "$s: repay, amount and amount with a NUL" 400 "body: invalid member name"

    ws_call GET "/partners/loan/$L200" "${auth[@]}"
    ws_expect_error "$s: loan id of 200 characters in the path" 400 "partnerLoanId:"
    ws_call GET "/partners/loan/pr%C3%AAt" "${auth[@]}"
    ws_expect_error "$s: unicode loan id in the path" 400 "partnerLoanId:"
    ws_call GET /partners/user/0x1234/loans "${auth[@]}"
    ws_expect_error "$s: bad wallet in the path" 400 "userWallet:"
    ws_call GET "/partners/user/$W/loans?status=OPEN" "${auth[@]}"
    ws_expect_error "$s: unknown status filter" 400 "status:"
    ws_call GET "/partners/user/$W/loans?limit=-1" "${auth[@]}"
    ws_expect_error "$s: negative limit" 400 "limit:"
    ws_call GET "/partners/user/$W/loans?offset=1e3" "${auth[@]}"
    ws_expect_error "$s: exponent offset" 400 "offset:"
    ws_call GET "/partners/my/transactions?startDate=yesterday" "${auth[@]}"
    ws_expect_error "$s: bad startDate" 400 "startDate:"
    ws_call GET "/partners/public/oaid/1e5/credit-line"
    ws_expect_error "$s: exponent OAID" 400 "oaidTokenId:"
    ws_call GET "/partners/public/oaid/$P2_256/credit-line"
    ws_expect_error "$s: OAID 2^256" 400 "oaidTokenId:"
    ws_call GET "/partners/public/position/0x10/details"
    ws_expect_error "$s: hex position id" 400 "positionId:"
}

for server in lighttpd apache; do
    if ! ws_start "$server" 3; then
        if [ "$ws_missing" = 1 ]; then skip "$server" "$ws_why"; else fail "$server starts" "$ws_why"; fi
        continue
    fi
    # Give every responder the chance to be up before the pids are taken.
    for i in 1 2 3 4 5 6; do ws_call GET /partners/my/stats -H "Authorization: Bearer $key"; done
    pids_before=$(ws_pids)
    before=$(state_dump | sha256sum)
    corpus "$server"
    expect_eq "$server: the corpus changed nothing in the store" "$(state_dump | sha256sum)" "$before"
    dead=""
    for p in $pids_before; do kill -0 "$p" 2>/dev/null || dead="$dead $p"; done
    expect_eq "$server: no responder died" "$dead" ""
    [ -n "$pids_before" ] && pass "$server: responders seen ($(echo $pids_before))" ||
        fail "$server: responders seen" "none"
    ws_stop
    expect_eq "$server: no sanitizer report or crash" "$(ws_errors | head -n 3)" ""
done
finish
