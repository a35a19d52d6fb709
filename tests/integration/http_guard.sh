#!/usr/bin/env bash
# The partner API's front door through lighttpd and through Apache + mod_fcgid:
# API-key guard (none, malformed, unknown, suspended, inactive, valid), routing
# (404, 405 with Allow, 413), X-Request-Id, the JSON error shape everywhere, a
# partner seeing only its own loans, the audit row of every authenticated call with
# no key material in it, and last_used_at kept current from the audit journal, not
# written by each request.
# Needs no chain: the configured node is unreachable, so chain routes answer 503.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/webserver.sh"

ws_offline_store "http guard"
read -r id_a key_a < <("$mk" --db "$db" --prefix alpha)
read -r id_b key_b < <("$mk" --db "$db" --prefix beta --loan beta-loan-1)
read -r _ key_s < <("$mk" --db "$db" --prefix susp --status suspended)
read -r _ key_i < <("$mk" --db "$db" --prefix inact --status inactive)
[ -n "${key_b:-}" ] && [ -n "${key_i:-}" ] || { fail "mkpartner" "no keys"; finish; }
wallet_b=0x0000000000000000000000000000000000000007

guard_cases() {
    local s=$1 auth_a=(-H "Authorization: Bearer $key_a") auth_b=(-H "Authorization: Bearer $key_b")
    ws_call GET /partners/my/stats
    ws_expect_error "$s: no key is 401" 401 "Missing API key"
    ws_call GET /partners/my/stats -H "Authorization: Bearer pk_alpha_live_00000000000000000000000000000000"
    ws_expect_error "$s: unknown key is 401" 401 "Invalid API key"
    ws_call GET /partners/my/stats -H "Authorization: Bearer nonsense"
    ws_expect_error "$s: malformed key is 401" 401 "Invalid API key"
    ws_call GET /partners/my/stats -H "Authorization: Basic YTpi"
    ws_expect_error "$s: other scheme is 401" 401 "Invalid API key"
    ws_call GET /partners/my/stats -H "Authorization: Bearer $key_s"
    ws_expect_error "$s: suspended partner is 403" 403 "Partner account is suspended"
    ws_call GET /partners/my/stats -H "Authorization: Bearer $key_i"
    ws_expect_error "$s: inactive partner is 403" 403 "Partner account is inactive"
    ws_call GET /partners/my/stats "${auth_a[@]}"
    expect_eq "$s: valid partner is 200" "$ws_status" 200
    expect_eq "$s: stats are the partner's" "$(ws_py 'd["success"] and d["partnerId"]')" "$id_a"
    local started_ms
    started_ms=$(($(date +%s%N) / 1000000))

    ws_call GET /partners/nowhere "${auth_a[@]}"
    ws_expect_error "$s: unknown path is 404" 404 "Route not found"
    ws_call DELETE /partners/my/stats "${auth_a[@]}"
    ws_expect_error "$s: wrong method is 405" 405 "Method DELETE"
    expect_eq "$s: 405 says Allow: GET" "$(ws_header Allow)" GET
    # HEAD answers like GET, without the body.
    local head_code
    head_code=$(curl -s -I -o "$T/head.headers" -w '%{http_code}:%{size_download}' --max-time 20 \
        "${auth_a[@]}" "$LG_BASE_URL/partners/my/stats")
    expect_eq "$s: HEAD on a GET route is 200 with no body" "$head_code" "200:0"
    expect_eq "$s: HEAD carries GET's headers (JSON, request id, rate limit)" \
        "$(tr -d '\r' <"$T/head.headers" | grep -ciE '^(content-type: application/json|x-request-id: .+|ratelimit: .+)$')" 3
    # An id longer than a path keeps is the field's 400, not an unknown route.
    local long600 long2000
    long600=$(printf 'x%.0s' $(seq 1 600))
    long2000=$(printf 'y%.0s' $(seq 1 2000))
    ws_call GET "/partners/loan/$long600" "${auth_a[@]}"
    ws_expect_error "$s: a 600-character loan id is 400 naming it" 400 "partnerLoanId: too long"
    ws_call GET "/partners/loan/$long2000" "${auth_a[@]}"
    ws_expect_error "$s: a 2000-character loan id is 400 naming it" 400 "partnerLoanId: too long"
    ws_call GET "/partners/user/$long2000/loans" "${auth_a[@]}"
    ws_expect_error "$s: a 2000-character wallet is 400 naming it" 400 "userWallet: too long"
    ws_call GET /partners/borrow "${auth_a[@]}"
    ws_expect_error "$s: GET on borrow is 405" 405 "Method GET"
    expect_eq "$s: borrow allows POST" "$(ws_header Allow)" POST
    head -c 10485760 /dev/zero | tr '\0' 'a' >"$T/big.body"
    ws_call POST /partners/borrow "${auth_a[@]}" -H 'Content-Type: application/json' \
        --data-binary "@$T/big.body"
    ws_expect_error "$s: 10 MB body is 413" 413 "body: larger than"

    ws_call GET /partners/my/stats "${auth_a[@]}" -H "X-Request-Id: trace-42.a"
    expect_eq "$s: sane X-Request-Id kept" "$(ws_header X-Request-Id)" trace-42.a
    ws_call GET /partners/nowhere -H "X-Request-Id: bad id <script>"
    case $(ws_header X-Request-Id) in
    ????????-????-4???-????-????????????) pass "$s: insane X-Request-Id replaced by a UUID" ;;
    *) fail "$s: insane X-Request-Id replaced by a UUID" "$(ws_header X-Request-Id)" ;;
    esac
    ws_expect_error "$s: 404 carries the generated request id" 404 "Route not found"

    ws_call GET /partners/loan/beta-loan-1 "${auth_b[@]}"
    expect_eq "$s: owner sees its loan" "$ws_status:$(ws_py 'd["status"]')" "200:PENDING"
    ws_call GET /partners/loan/beta-loan-1 "${auth_a[@]}"
    ws_expect_error "$s: another partner's loan is 404" 404 "Loan not found"
    ws_call GET "/partners/user/$wallet_b/loans" "${auth_b[@]}"
    expect_eq "$s: owner lists the wallet's loan" "$ws_status:$(ws_py 'd["total"]')" "200:1"
    ws_call GET "/partners/user/$wallet_b/loans?status=PENDING&limit=5&offset=0" "${auth_a[@]}"
    expect_eq "$s: another partner lists none" "$ws_status:$(ws_py 'd["total"]')" "200:0"
    ws_call GET "/partners/my/transactions?startDate=2026-01-01&endDate=2027-01-01" "${auth_b[@]}"
    expect_eq "$s: transactions answer a page" "$ws_status:$(ws_py 'd["transactions"]')" "200:[]"
    ws_call GET /partners/public/oaid/1/credit-line
    ws_expect_error "$s: chain route without a chain is 503" 503 "Chain node unavailable"
    ws_audit_flush
    expect_eq "$s: last_used_at is the key's latest call, from the journal" \
        "$(sqlite3 "$db" "select last_used_at_ms >= $started_ms from api_keys where partner_id = '$id_a'")" 1
}

for server in lighttpd apache; do
    if ! ws_start "$server" 2; then
        if [ "$ws_missing" = 1 ]; then skip "$server" "$ws_why"; else fail "$server starts" "$ws_why"; fi
        continue
    fi
    rows_before=$(sqlite3 "$db" "select count(*) from partner_api_logs")
    guard_cases "$server"
    ws_audit_flush
    rows_after=$(sqlite3 "$db" "select count(*) from partner_api_logs")
    [ "$rows_after" -gt "$rows_before" ] && pass "$server: authenticated calls audited" ||
        fail "$server: authenticated calls audited" "$rows_before -> $rows_after"
    expect_eq "$server: unauthenticated calls not audited" \
        "$(sqlite3 "$db" "select count(*) from partner_api_logs where partner_id = ''")" 0
    expect_eq "$server: suspended partner's refusal audited" \
        "$(sqlite3 "$db" "select count(*) > 0 from partner_api_logs where partner_id = 'partner_susp_001' and status_code = 403")" 1
    expect_eq "$server: audit row has route, ip and status" \
        "$(sqlite3 "$db" "select route || ' ' || method || ' ' || client_ip || ' ' || status_code from partner_api_logs where request_id = 'trace-42.a' order by id desc limit 1")" \
        "/partners/my/stats GET 127.0.0.1 200"
    ws_stop
    expect_eq "$server: no responder left after stop" "$(ws_pids | wc -l)" 0
    expect_eq "$server: no sanitizer report or crash" "$(ws_errors | head -n 3)" ""
done

dump=$(sqlite3 "$db" ".dump partner_api_logs")
leak=no
for k in "$key_a" "$key_b" "$key_s" "$key_i"; do
    case $dump in *"${k: -32}"*) leak=yes ;; esac
done
expect_eq "no key material in partner_api_logs" "$leak" no
expect_eq "last_used_at written for a used key" \
    "$(sqlite3 "$db" "select count(*) from api_keys where partner_id = '$id_a' and last_used_at_ms > 0")" 1
finish
