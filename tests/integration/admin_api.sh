#!/usr/bin/env bash
# The admin API under /admin through lighttpd and through Apache + mod_fcgid, with
# /admin behind the web server's own basic auth (htpasswd: "root-admin", listed in
# [admin] admins, and "mallory", a valid web user who is not):
# admission (no REMOTE_USER 403, non-admin 403, wrong password the server's 401),
# every endpoint's success and failure (bad and unknown fields 400, a member name
# with a NUL 400 leaving the partner as it was, unknown partner 404, duplicate
# prefix 409), key rotation grace (old key works, then 401), suspend and activate
# seen by every worker at once, pagination edges, analytics over a scripted
# history, an admin_audit row for every action, and no key, hash or secret in any
# read or in the audit trail. Bodies and answers are the partner integration plan's
# (fields at the top level, its partner names; its own create and update requests,
# its warnings, its PartnerApiLog rows); finish holds every exchange to
# docs/openapi.yaml.
# No chain: the analytics history (loans and ledger rows) is written into the store
# file with sqlite3, since the ledger is what analytics reads.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/webserver.sh"

# The interpreter itself rather than a version manager's shim: the cases call it
# often, and the key rotation case is timed.
lg_python=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null)
if [ -x "$lg_python" ]; then
    python3() { "$lg_python" "$@"; }
fi

ws_offline_store "admin api" "[admin]
trust_remote_user = true
admins = root-admin
key_grace_seconds = 86400
default_after_days = 20"
command -v htpasswd >/dev/null || { skip "admin api" "htpasswd (apache2-utils) not installed"; finish; }
ws_admin_login
htpasswd -b -m "$WS_ADMIN_HTPASSWD" mallory mallory-pw 2>/dev/null
settle=0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed
D=86400000

# The scripted history of partner hist: loans and their ledger rows days ago.
now=$(($(date +%s) * 1000))
read -r hist_id _ < <("$mk" --db "$db" --prefix hist)
history_loan() { # ID DAYS_AGO AMOUNT STATUS REPAID [REPAID_DAYS_AGO]
    local id=$1 at=$((now - $2 * D)) amount=$3 status=$4 repaid=$5 fee=$(($3 / 100))
    cat <<SQL
INSERT INTO partner_loans (id, partner_id, partner_loan_id, user_wallet, oaid, position_id,
  amount, fee, net, remaining, repaid, repay_pending, status, request_hash, day, created_at_ms,
  updated_at_ms) VALUES ('$id', '$hist_id', 'pl-$id', '0x0000000000000000000000000000000000000007',
  '1', '1', $amount, $fee, $((amount - fee)), $((amount - repaid)), $repaid, 0, $status, 'h',
  date($at / 1000, 'unixepoch'), $at, $at);
INSERT INTO partner_ledger (partner_id, loan_id, partner_loan_id, kind, amount, tx_hash,
  created_at_ms) VALUES ('$hist_id', '$id', 'pl-$id', 0, $amount, '0x01', $at),
  ('$hist_id', '$id', 'pl-$id', 1, $fee, '0x01', $at);
SQL
    [ "$repaid" -gt 0 ] && cat <<SQL
INSERT INTO partner_ledger (partner_id, loan_id, partner_loan_id, kind, amount, tx_hash,
  created_at_ms) VALUES ('$hist_id', '$id', 'pl-$id', 3, $repaid, '0x02', $((now - $6 * D)));
SQL
    return 0
}
{
    echo "BEGIN;"
    history_loan l0 60 10000000 3 10000000 55 # outside 30d, inside 90d, repaid
    history_loan l1 25 100000000 2 0           # active, older than 20 days: defaulted
    history_loan l2 10 50000000 3 50000000 5   # repaid 5 days ago
    history_loan l3 2 30000000 2 0             # active
    history_loan l4 3 20000000 2 5000000 1     # active, partly repaid yesterday
    echo "COMMIT;"
} | sqlite3 "$db" && pass "analytics history written" || fail "analytics history written"

# ws_warm N: partner calls until N responders run (mod_fcgid spawns them on demand),
# so that timed cases do not wait for a worker's start.
ws_warm() {
    local i
    for i in $(seq 1 60); do
        [ "$(ws_pids | wc -l)" -ge "$1" ] && return 0
        seq 1 $(($1 * 4)) | xargs -P $(($1 * 4)) -I{} curl -s -o /dev/null "$LG_BASE_URL/partners/my/stats"
        sleep 0.5
    done
    return 1
}

unauthenticated_cases() { # the pool serves /admin, but no web server auth
    local s=$1
    ws_call GET /admin/partners
    ws_expect_error "$s: no REMOTE_USER is 403" 403 "Admin access requires an authenticated admin"
    ws_call POST /admin/partners/create -H 'Content-Type: application/json' \
        --data-binary "{\"partnerName\":\"X\",\"apiKeyPrefix\":\"nouser\",\"settlementAddress\":\"$settle\"}"
    ws_expect_error "$s: no REMOTE_USER cannot create" 403 "Admin access requires"
    expect_eq "$s: nothing created without REMOTE_USER" \
        "$(sqlite3 "$db" "select count(*) from partners where key_prefix = 'nouser'")" 0
}

admission_cases() {
    local s=$1
    ws_call GET /admin/partners
    expect_eq "$s: no credentials: the web server's 401" "$ws_status" 401
    ws_call GET /admin/partners -u "root-admin:wrong"
    expect_eq "$s: wrong password: the web server's 401" "$ws_status" 401
    ws_call GET /admin/partners -u "mallory:mallory-pw"
    ws_expect_error "$s: web user not in admins is 403" 403 "Admin access requires"
    ws_post0 /admin/partners/hist/suspend -u "mallory:mallory-pw"
    ws_expect_error "$s: non-admin cannot suspend" 403 "Admin access requires"
    ws_admin GET /admin/partners
    expect_eq "$s: admin lists partners" "$ws_status:$(ws_py 'd["success"]')" "200:True"
}

create_cases() {
    local s=$1 t=$2
    ws_admin_json POST /admin/partners/create "{\"partnerName\":\"Acme $t\",\"apiKeyPrefix\":\"acme$t\",
        \"settlementAddress\":\"$settle\",\"platformFeePercentage\":100,\"rateLimitRpm\":100000,
        \"webhookUrl\":\"https://hooks.example.com/acme\",\"contactEmail\":\"ops@acme.example\"}"
    expect_eq "$s: create is 201" "$ws_status" 201
    eval "$(ws_py '"id=%s key=%s whsec=%s warn=%s signing=%s" % (d["partner"]["partnerId"],
        d["apiKey"], d["webhookSecret"], "warning" in d, "signingSecret" in d)')"
    case $id in partner_acme${t}_[0-9][0-9][0-9]) ;; *) id="bad id '$id'" ;; esac
    expect_eq "$s: created id, key, warning, no signing secret" \
        "${id%_*}:${key:0:10}:$warn:$signing" "partner_acme${t}:pk_acme${t}_l:True:False"
    [ -n "$whsec" ] && pass "$s: webhook secret shown" || fail "$s: webhook secret shown"
    expect_eq "$s: Cache-Control no-store on secrets" "$(ws_header Cache-Control)" no-store
    # The plan's create response: success, partner{partnerId, partnerName, status, tier},
    # apiKey and the plan's warning, at the top level.
    expect_eq "$s: create answers the plan's partner summary" \
        "$(ws_py '"%s|%s|%s|%s|%s" % (d["success"], d["partner"]["partnerId"], d["partner"]["partnerName"], d["partner"]["status"], d["partner"]["tier"])')" \
        "True|$id|Acme $t|ACTIVE|BASIC"
    expect_eq "$s: create answers the plan's warning" "$(ws_py 'd["warning"]')" \
        "Save this API key securely. It will not be shown again!"
    expect_eq "$s: create's partner carries the plan's fields" \
        "$(ws_py '"%s|%s|%s|%s|%s|%s" % tuple(d["partner"][k] for k in ("apiKeyPrefix", "dailyBorrowLimit", "totalBorrowLimit", "currentOutstanding", "platformFeePercentage", "createdBy"))')" \
        "acme$t|10000000000|100000000000|0|100|root-admin"
    expect_eq "$s: create answers no data envelope and no old names" \
        "$(ws_py '[k for k in ("data",) if k in d] + [k for k in ("id", "name", "feeBps", "dailyLimit", "totalLimit", "outstanding") if k in d["partner"]]')" \
        "[]"
    ws_call GET /partners/my/stats -H "Authorization: Bearer $key"
    expect_eq "$s: the new key works" "$ws_status:$(ws_py 'd["platformFeePercentage"]')" "200:100"
    ws_admin_json POST /admin/partners/create "{\"partnerName\":\"Other\",\"apiKeyPrefix\":\"acme$t\",\"settlementAddress\":\"$settle\"}"
    ws_expect_error "$s: duplicate prefix is 409" 409 ""
    ws_admin_json POST /admin/partners/create "{\"partnerName\":\"B\",\"apiKeyPrefix\":\"b$t\",\"settlementAddress\":\"$settle\",\"platformFeePercentage\":10001}"
    ws_expect_error "$s: bad platformFeePercentage is 400 naming it" 400 \
        "platformFeePercentage: must be an integer from 0 to 10000"
    ws_admin_json POST /admin/partners/create "{\"partnerName\":\"B\",\"apiKeyPrefix\":\"b$t\",\"settlementAddress\":\"$settle\",\"foo\":1}"
    ws_expect_error "$s: unknown field is 400" 400 'body: unknown field "foo"'
    ws_admin_json POST /admin/partners/create "{\"partnerName\":\"B\",\"apiKeyPrefix\":\"B-$t\",\"settlementAddress\":\"$settle\"}"
    ws_expect_error "$s: bad prefix is 400" 400 "apiKeyPrefix: must be"
    ws_admin_json POST /admin/partners/create "{\"partnerName\":\"B\",\"apiKeyPrefix\":\"b$t\",\"settlementAddress\":\"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD\"}"
    ws_expect_error "$s: bad checksum is 400" 400 "settlementAddress: EIP-55"
    ws_admin_json POST /admin/partners/create "{\"name\":\"B\",\"apiKeyPrefix\":\"b$t\",\"settlementAddress\":\"$settle\"}"
    ws_expect_error "$s: the old name field is an unknown field" 400 'body: unknown field "name"'
    ws_admin_json POST /admin/partners/create "{\"partnerName\":\"B\",\"apiKeyPrefix\":\"b$t\",\"settlementAddress\":\"$settle\",\"feeBps\":100}"
    ws_expect_error "$s: the old feeBps field is an unknown field" 400 'body: unknown field "feeBps"'
    ws_admin POST /admin/partners/create --data-binary '{}'
    expect_eq "$s: create without JSON content type is 415" "$ws_status" 415
    expect_eq "$s: refused creates wrote nothing" \
        "$(sqlite3 "$db" "select count(*) from partners where key_prefix in ('b$t', 'B-$t')")" 0
    ws_admin_json POST /admin/partners/create "{\"partnerName\":\"Beta $t\",\"apiKeyPrefix\":\"beta$t\",\"settlementAddress\":\"$settle\",\"signingRequired\":true,\"environment\":\"sandbox\",\"tier\":\"ENTERPRISE\"}"
    eval "$(ws_py '"bid=%s bkey=%s bsign=%s" % (d["partner"]["partnerId"], d["apiKey"],
        d.get("signingSecret", ""))')"
    expect_eq "$s: signing partner gets a sandbox key and a signing secret" \
        "$ws_status:${bkey:0:16}:$([ -n "$bsign" ] && echo secret)" "201:pk_beta${t}_sandbox:secret"
    secrets=("$key" "$whsec" "$bkey" "$bsign")
    plan_create_cases "$s" "$t"
}

# The plan's own create request (section "9. Create Partner"), with a valid settlement
# address: the first server creates "nlp" from it as it is; the second finds the prefix
# taken (409) and creates "nlp<t>" from the same body.
plan_settle=0x8ba1f109551bD432803012645Ac136ddd64DBA72
plan_body() { # PREFIX
    printf '{"partnerName":"New Lending Platform","apiKeyPrefix":"%s","tier":"BASIC","dailyBorrowLimit":"50000000000","totalBorrowLimit":"200000000000","platformFeePercentage":75,"settlementAddress":"%s","contactEmail":"api@newplatform.com","webhookUrl":"https://newplatform.com/webhooks"}' \
        "$1" "$plan_settle"
}
plan_create_cases() {
    local s=$1 t=$2 prefix=nlp
    if [ "$(sqlite3 "$db" "select count(*) from partners where key_prefix = 'nlp'")" != 0 ]; then
        ws_admin_json POST /admin/partners/create "$(plan_body nlp)"
        ws_expect_error "$s: the plan's create body again is 409 (prefix taken)" 409 "apiKeyPrefix"
        prefix=nlp$t
    fi
    ws_admin_json POST /admin/partners/create "$(plan_body "$prefix")"
    eval "$(ws_py '"nid=%s nkey=%s" % (d["partner"]["partnerId"], d["apiKey"])')"
    case $nid in partner_${prefix}_[0-9][0-9][0-9]) ;; *) nid="bad id '$nid'" ;; esac
    expect_eq "$s: the plan's create body is 201 in the plan's shape" \
        "$ws_status|$(ws_py '"%s|%s|%s|%s|%s" % (d["success"], d["partner"]["partnerName"], d["partner"]["status"], d["partner"]["tier"], d["warning"])')|${nid%_*}" \
        "201|True|New Lending Platform|ACTIVE|BASIC|Save this API key securely. It will not be shown again!|partner_$prefix"
    case $nkey in
    pk_${prefix}_live_????????????????????????????????) pass "$s: the plan's create answers a pk_${prefix}_live_ key" ;;
    *) fail "$s: the plan's create answers a pk_${prefix}_live_ key" "${nkey:0:16}" ;;
    esac
    expect_eq "$s: the plan's create stored the plan's fields" \
        "$(ws_py '"|".join(str(d["partner"][k]) for k in ("apiKeyPrefix", "dailyBorrowLimit", "totalBorrowLimit", "platformFeePercentage", "settlementAddress", "contactEmail", "webhookUrl")).lower()')" \
        "$prefix|50000000000|200000000000|75|${plan_settle,,}|api@newplatform.com|https://newplatform.com/webhooks"
    ws_call GET /partners/my/stats -H "Authorization: Bearer $nkey"
    expect_eq "$s: the plan partner's key works" \
        "$ws_status:$(ws_py '"%s:%s:%s" % (d["partnerId"], d["limits"]["dailyBorrowLimit"], d["platformFeePercentage"])')" \
        "200:$nid:50000000000:75"
    secrets+=("$nkey")
}

show_patch_cases() {
    local s=$1 t=$2
    ws_admin GET "/admin/partners/$id"
    expect_eq "$s: show partner and its key" \
        "$ws_status:$(ws_py 'd["partner"]["partnerId"] + ":" + str(len(d["apiKeys"])) + ":" + d["apiKeys"][0]["prefix"] + ":" + d["apiKeys"][0]["environment"] + ":" + str(d["apiKeys"][0]["expiresAt"])')" \
        "200:$id:1:${key:0:16}:live:None"
    ws_no_secret "$s: show holds no key, secret or hash" "${secrets[@]}" \
        $(sqlite3 "$db" "select key_hash from api_keys where partner_id = '$id'")
    ws_admin GET /admin/partners/partner_nobody_999
    ws_expect_error "$s: unknown partner is 404" 404 ""
    ws_admin GET "/admin/partners/bad%20id"
    ws_expect_error "$s: bad partner id is 400" 400 "partnerId:"
    ws_admin_json PATCH "/admin/partners/$id" '{"platformFeePercentage":250,"tier":"PREMIUM","partnerName":"Acme '"$t"'"}'
    expect_eq "$s: patch changes only what differs" \
        "$ws_status:$(ws_py '",".join(d["changed"]) + ":" + str(d["partner"]["platformFeePercentage"])')" \
        "200:tier,platformFeePercentage:250"
    ws_call GET /partners/my/stats -H "Authorization: Bearer $key"
    expect_eq "$s: the partner sees the new fee" "$(ws_py 'd["platformFeePercentage"]')" 250
    ws_admin_json PATCH "/admin/partners/$id" '{"platformFeePercentage\u0000":9000}'
    ws_expect_error "$s: patch of a name with a NUL is 400" 400 "body: invalid member name"
    ws_admin_json PATCH "/admin/partners/$id" '{"platformFeePercentage":250,"platformFeePercentage\u0000":9000}'
    ws_expect_error "$s: patch repeating a name with a NUL is 400" 400 "body: invalid member name"
    ws_admin GET "/admin/partners/$id"
    expect_eq "$s: names with a NUL left the fee as it was" \
        "$ws_status:$(ws_py 'd["partner"]["platformFeePercentage"]')" "200:250"
    ws_admin_json PATCH "/admin/partners/$id" '{"feeBps":1}'
    ws_expect_error "$s: patch of the old feeBps name is an unknown field" 400 'body: unknown field "feeBps"'
    ws_admin_json PATCH "/admin/partners/$id" '{"apiKeyPrefix":"other"}'
    ws_expect_error "$s: patch of the prefix is 400" 400 "apiKeyPrefix: cannot be changed"
    ws_admin_json PATCH "/admin/partners/$id" '{}'
    ws_expect_error "$s: empty patch is 400" 400 "body: at least one field"
    ws_admin_json PATCH "/admin/partners/$id" '{"webhookUrl":"http://evil.example.com/"}'
    ws_expect_error "$s: plain http webhook is 400" 400 "webhookUrl: must be an https:// URL"
    ws_admin_json PATCH /admin/partners/partner_nobody_999 '{"platformFeePercentage":1}'
    ws_expect_error "$s: patch of an unknown partner is 404" 404 ""
    ws_admin_json PATCH "/admin/partners/$id" '{"signingRequired":true}'
    psign=$(ws_py 'd.get("signingSecret", "")')
    expect_eq "$s: switching signing on shows a new secret once" \
        "$ws_status:$(ws_py 'd["changed"]'):$([ -n "$psign" ] && echo yes)" "200:['signingRequired']:yes"
    ws_call GET /partners/my/stats -H "Authorization: Bearer $key"
    ws_expect_error "$s: signing is enforced from the next request" 401 "X-Timestamp header missing"
    signed_stats "$key" "$psign"
    expect_eq "$s: a request signed with the shown secret is admitted" "$ws_status" 200
    ws_admin_json PATCH "/admin/partners/$id" '{"signingRequired":false}'
    ws_call GET /partners/my/stats -H "Authorization: Bearer $key"
    expect_eq "$s: switching signing off admits unsigned requests again" "$ws_status" 200
    ws_admin_json PATCH "/admin/partners/$id" '{"ipAllowlist":["203.0.113.0/24","2001:DB8::/32"]}'
    expect_eq "$s: an allowlist is stored in canonical form" \
        "$ws_status:$(ws_py '",".join(d["partner"]["ipAllowlist"])')" \
        "200:203.0.113.0/24,2001:db8::/32"
    ws_call GET /partners/my/stats -H "Authorization: Bearer $key"
    ws_expect_error "$s: a client outside the new allowlist is 403 at once" 403 \
        "Client address 127.0.0.1 is not in the partner's IP allowlist"
    ws_admin_json PATCH "/admin/partners/$id" '{"ipAllowlist":["127.0.0.0/8","10.0.0.1/8"]}'
    ws_expect_error "$s: a range with host bits set is 400 naming the entry" 400 \
        "ipAllowlist[1]: "
    ws_admin_json PATCH "/admin/partners/$id" '{"ipAllowlist":["127.0.0.1"]}'
    ws_call GET /partners/my/stats -H "Authorization: Bearer $key"
    expect_eq "$s: a client inside the allowlist is admitted" "$ws_status" 200
    ws_admin_json PATCH "/admin/partners/$id" '{"ipAllowlist":[]}'
    expect_eq "$s: an empty allowlist admits every address" \
        "$ws_status:$(ws_py 'd["partner"]["ipAllowlist"]')" "200:[]"
    ws_admin POST "/admin/partners/$bid/regenerate-signing-secret"
    rsign=$(ws_py 'd["signingSecret"]')
    expect_eq "$s: signing secret regenerated" \
        "$ws_status:$([ -n "$rsign" ] && [ "$rsign" != "$bsign" ] && echo new)" "200:new"
    signed_stats "$bkey" "$bsign"
    ws_expect_error "$s: the replaced signing secret is refused at once" 401 \
        "X-Signature does not match"
    signed_stats "$bkey" "$rsign"
    expect_eq "$s: the regenerated signing secret is admitted" "$ws_status" 200
    ws_admin POST /admin/partners/partner_nobody_999/regenerate-signing-secret
    ws_expect_error "$s: signing secret of an unknown partner is 404" 404 ""
    secrets+=("$psign" "$rsign")
    plan_patch_cases "$s"
}

# The plan's own update request (section "11. Update Partner") on the plan's partner.
plan_patch_cases() {
    local s=$1
    ws_admin_json PATCH "/admin/partners/$nid" '{"dailyBorrowLimit":"75000000000","totalBorrowLimit":"300000000000","tier":"PREMIUM"}'
    expect_eq "$s: the plan's update body is 200 and changes the three fields" \
        "$ws_status|$(ws_py '"%s|%s|%s|%s|%s|%s" % (d["success"], ",".join(d["changed"]), d["partner"]["partnerId"], d["partner"]["tier"], d["partner"]["dailyBorrowLimit"], d["partner"]["totalBorrowLimit"])')" \
        "200|True|tier,dailyBorrowLimit,totalBorrowLimit|$nid|PREMIUM|75000000000|300000000000"
    ws_call GET /partners/my/stats -H "Authorization: Bearer $nkey"
    expect_eq "$s: the plan partner sees its new limits and tier" \
        "$ws_status:$(ws_py '"%s:%s:%s" % (d["tier"], d["limits"]["dailyBorrowLimit"], d["limits"]["totalBorrowLimit"])')" \
        "200:PREMIUM:75000000000:300000000000"
    ws_admin_json PATCH "/admin/partners/$nid" '{"dailyBorrowLimit":"75000000000","totalBorrowLimit":"300000000000","tier":"PREMIUM"}'
    expect_eq "$s: the plan's update body again changes nothing" \
        "$ws_status:$(ws_py 'd["changed"]')" "200:[]"
    ws_admin_json PATCH "/admin/partners/$nid" '{"dailyLimit":"75000000000"}'
    ws_expect_error "$s: the old dailyLimit name is an unknown field" 400 'body: unknown field "dailyLimit"'
    ws_admin_json PATCH "/admin/partners/$nid" '{"dailyBorrowLimit":75000000000}'
    ws_expect_error "$s: dailyBorrowLimit as a JSON number is 400 naming it" 400 "dailyBorrowLimit: "
}

# signed_stats KEY SECRET: GET /partners/my/stats signed as the partner's SDK signs.
signed_stats() {
    local ts sig
    ts=$(python3 -c 'import time; print(int(time.time() * 1000))')
    sig=$(python3 -c 'import hmac, hashlib, sys
print(hmac.new(sys.argv[1].encode(), (sys.argv[2] + ".").encode(), hashlib.sha256).hexdigest())' \
        "$2" "$ts")
    ws_call GET /partners/my/stats -H "Authorization: Bearer $1" -H "X-Timestamp: $ts" \
        -H "X-Signature: $sig"
}

rotate_cases() {
    local s=$1 old=$key
    local rotated within
    # The old key is tried at once, before anything slower than a curl runs.
    ws_admin_json POST "/admin/partners/$id/regenerate-api-key" '{"graceSeconds":2}'
    rotated=$ws_status
    cp "$T/ws/body" "$T/rotated.json"
    ws_call GET /partners/my/stats -H "Authorization: Bearer $old"
    within=$ws_status
    key=$(sed -n 's/.*"apiKey":"\([^"]*\)".*/\1/p' "$T/rotated.json")
    ws_call GET /partners/my/stats -H "Authorization: Bearer $key"
    expect_eq "$s: new key works" "$ws_status" 200
    expect_eq "$s: old key works within the grace" "$within" 200
    cp "$T/rotated.json" "$T/ws/body"
    expect_eq "$s: rotation answers a new key and the old keys' expiry" \
        "$rotated:$([ "$key" != "$old" ] && echo new):$(ws_py 'd["previousKeysExpireAt"] is not None')" \
        "200:new:True"
    expect_eq "$s: rotation answers the plan's shape with the grace in its warning" \
        "$(ws_py '"%s|%s|%s" % (d["success"], d["partnerId"], d["warning"] == "Old API key stays valid until %s. Save this new key securely!" % d["previousKeysExpireAt"])')" \
        "True|$id|True"
    sleep 3
    ws_call GET /partners/my/stats -H "Authorization: Bearer $old"
    ws_expect_error "$s: old key is 401 after the grace" 401 "Invalid API key"
    ws_call GET /partners/my/stats -H "Authorization: Bearer $key"
    expect_eq "$s: new key still works" "$ws_status" 200
    ws_admin_json POST "/admin/partners/$id/regenerate-api-key" '{"graceSeconds":-1}'
    ws_expect_error "$s: negative grace is 400" 400 "graceSeconds: must be an integer"
    ws_admin_json POST "/admin/partners/$id/regenerate-api-key" '{"grace":5}'
    ws_expect_error "$s: unknown rotation field is 400" 400 'body: unknown field "grace"'
    ws_admin POST "/admin/partners/$bid/regenerate-api-key"
    local bnew
    bnew=$(ws_py 'd["apiKey"]')
    case $bnew in
    "pk_beta${t}_sandbox_"*) pass "$s: a sandbox partner's rotation keeps the sandbox environment" ;;
    *) fail "$s: a sandbox partner's rotation keeps the sandbox environment" "${bnew:0:20}" ;;
    esac
    expect_eq "$s: rotation without a body takes the default grace (a day)" \
        "$ws_status:$(ws_py 'abs(__import__("datetime").datetime.fromisoformat(d["previousKeysExpireAt"].replace("Z", "+00:00")).timestamp() - __import__("time").time() - 86400) < 120')" \
        "200:True"
    signed_stats "$bkey" "$rsign"
    expect_eq "$s: old key of the default grace still works" "$ws_status" 200
    ws_admin POST /admin/partners/partner_nobody_999/regenerate-api-key
    ws_expect_error "$s: rotation of an unknown partner is 404" 404 ""
    secrets+=("$old" "$key" "$bnew")
    # The plan's regenerate (section "10. Regenerate API Key"): no grace, the old key
    # invalidated at once, and the plan's warning.
    local nold=$nkey
    ws_admin_json POST "/admin/partners/$nid/regenerate-api-key" '{"graceSeconds":0}'
    nkey=$(ws_py 'd["apiKey"]')
    expect_eq "$s: rotation without grace answers the plan's warning" \
        "$ws_status|$(ws_py '"%s|%s|%s" % (d["success"], d["partnerId"], d["warning"])')|${nkey:0:12}" \
        "200|True|$nid|Old API key has been invalidated. Save this new key securely!|${nold:0:12}"
    ws_call GET /partners/my/stats -H "Authorization: Bearer $nold"
    ws_expect_error "$s: the invalidated key is 401 at once" 401 "Invalid API key"
    ws_call GET /partners/my/stats -H "Authorization: Bearer $nkey"
    expect_eq "$s: the regenerated plan key works" "$ws_status" 200
    secrets+=("$nold" "$nkey")
}

# burst N: N concurrent partner calls with $key; prints the sorted distinct statuses.
burst() {
    seq 1 "$1" | xargs -P "$1" -I{} curl -s -o /dev/null -w '%{http_code}\n' \
        -H "Authorization: Bearer $key" "$LG_BASE_URL/partners/my/stats" | sort -u | tr '\n' ' '
}

status_cases() {
    local s=$1 workers n
    workers=$(ws_pids | wc -l)
    n=$((workers * workers * 4))
    if [ "$workers" -ge 2 ]; then
        pass "$s: $workers workers"
    elif [ "$s" = apache ]; then
        skip "$s: several workers" "mod_fcgid had started only $workers responder(s)"
    else
        fail "$s: several workers" "$workers"
    fi
    expect_eq "$s: every worker serves the partner first" "$(burst "$n")" "200 "
    ws_admin POST "/admin/partners/$id/suspend"
    expect_eq "$s: suspend" "$ws_status:$(ws_py 'd["partner"]["status"] + ":" + d["partner"]["partnerId"]')" "200:SUSPENDED:$id"
    expect_eq "$s: suspended in every worker at once" "$(burst "$n")" "403 "
    ws_admin POST "/admin/partners/$id/activate"
    expect_eq "$s: activate" "$ws_status:$(ws_py 'd["partner"]["status"] + ":" + d["partner"]["partnerId"]')" "200:ACTIVE:$id"
    expect_eq "$s: active again in every worker at once" "$(burst "$n")" "200 "
    ws_admin POST /admin/partners/partner_nobody_999/suspend
    ws_expect_error "$s: suspend of an unknown partner is 404" 404 ""
    ws_admin POST "/admin/partners/$id/suspend" -H 'Content-Type: application/json' --data-binary '{}'
    ws_expect_error "$s: suspend takes no body" 400 "body: this endpoint takes no body"
}

list_cases() {
    local s=$1 t=$2
    ws_admin GET "/admin/partners?limit=1"
    expect_eq "$s: list page of one" \
        "$ws_status:$(ws_py 'str(len(d["partners"])) + ":" + str(d["pagination"]["hasMore"]) + ":" + str(d["pagination"]["total"] >= 3)')" \
        "200:1:True:True"
    ws_no_secret "$s: list holds no key or secret" "${secrets[@]}"
    ws_admin GET "/admin/partners?limit=0"
    ws_expect_error "$s: limit 0 is 400" 400 "limit:"
    ws_admin GET "/admin/partners?limit=101"
    ws_expect_error "$s: limit above the max is 400" 400 "limit:"
    ws_admin GET "/admin/partners?offset=-1"
    ws_expect_error "$s: negative offset is 400" 400 "offset:"
    ws_admin GET "/admin/partners?offset=100000"
    expect_eq "$s: offset past the end is an empty page" \
        "$ws_status:$(ws_py 'str(d["partners"]) + ":" + str(d["pagination"]["hasMore"])')" \
        "200:[]:False"
    ws_admin GET "/admin/partners?status=ACTIVE&tier=PREMIUM&limit=100"
    expect_eq "$s: filter by status and tier" \
        "$ws_status:$(ws_py '"acme'"$t"'" in [p["apiKeyPrefix"] for p in d["partners"]] and all(p["tier"] == "PREMIUM" and p["status"] == "ACTIVE" for p in d["partners"])')" \
        "200:True"
    expect_eq "$s: listed partners carry the plan's Partner fields" \
        "$(ws_py 'sorted(set(k for p in d["partners"] for k in ("partnerId", "partnerName", "apiKeyPrefix", "status", "tier", "dailyBorrowLimit", "totalBorrowLimit", "currentOutstanding", "platformFeePercentage", "settlementAddress", "webhookUrl", "contactEmail", "contactWallet", "publicKey", "kycVerified", "contractSigned", "totalBorrowed", "totalRepaid", "createdAt", "updatedAt") if k not in p))')" \
        "[]"
    ws_admin GET "/admin/partners?tier=GOLD"
    ws_expect_error "$s: bad tier is 400" 400 "tier: must be one of"
    ws_admin GET "/admin/partners?status=GONE"
    ws_expect_error "$s: bad status is 400" 400 "status: must be one of"
}

analytics_cases() {
    local s=$1 m='"%s %s %s %s %s %s %s %s %s" % tuple(d["metrics"][k] for k in ("totalBorrowed", "totalRepaid", "newLoans", "repaidLoans", "activeLoans", "defaultedLoans", "defaultRate", "averageLoanSize", "platformFeesEarned"))'
    ws_admin GET "/admin/partners/$hist_id/analytics"
    expect_eq "$s: analytics default 30d" "$ws_status:$(ws_py 'd["period"]'):$(ws_py "$m")" \
        "200:30 days:200000000 55000000 4 1 3 1 25.0% 50000000 2000000"
    expect_eq "$s: 30 days of trends adding up" \
        "$(ws_py 'len(d["trends"]["dailyVolume"]), sum(int(x["borrowed"]) for x in d["trends"]["dailyVolume"]), sum(x["loans"] for x in d["trends"]["dailyVolume"]), d["trends"]["repaymentRate"][-1]["rate"]')" \
        "(30, 200000000, 4, '27.5%')"
    expect_eq "$s: analytics names the partner" "$(ws_py 'd["partnerId"]')" "$hist_id"
    ws_admin GET "/admin/partners/$hist_id/analytics?period=7d"
    expect_eq "$s: analytics 7d" "$ws_status:$(ws_py 'd["period"]'):$(ws_py "$m")" \
        "200:7 days:50000000 55000000 2 0 2 0 0.0% 25000000 500000"
    ws_admin GET "/admin/partners/$hist_id/analytics?period=90d"
    expect_eq "$s: analytics 90d" "$ws_status:$(ws_py 'd["period"]'):$(ws_py "$m")" \
        "200:90 days:210000000 65000000 5 2 3 1 20.0% 42000000 2100000"
    ws_admin GET "/admin/partners/$hist_id/analytics?period=1y"
    ws_expect_error "$s: bad period is 400" 400 "period: must be one of"
    ws_admin GET /admin/partners/partner_nobody_999/analytics
    ws_expect_error "$s: analytics of an unknown partner is 404" 404 ""
}

logs_cases() {
    local s=$1
    ws_admin GET "/admin/partners/audit-logs?partnerId=$id&limit=100"
    expect_eq "$s: the partner's API log" \
        "$ws_status:$(ws_py 'all(l["partnerId"] == "'"$id"'" for l in d["logs"]) and d["pagination"]["total"] > 20 and d["logs"][0]["endpoint"] == "/partners/my/stats"')" \
        "200:True"
    # Each row is the plan's PartnerApiLog (with lendgate's id and requestId).
    expect_eq "$s: an API log row has the PartnerApiLog fields" \
        "$(ws_py 'sorted(k for k in ("partnerId", "partnerName", "endpoint", "method", "ipAddress", "userAgent", "requestPayload", "statusCode", "responseTime", "success", "errorMessage", "userWallet", "oaidTokenId", "loanId", "timestamp", "id", "requestId") if k not in d["logs"][0])')" \
        "[]"
    expect_eq "$s: the newest row is the last stats call, as the plan logs it" \
        "$(ws_py '(lambda l: "%s|%s|%s|%s|%s|%s|%s|%s|%s|%s" % (l["partnerName"], l["method"], l["ipAddress"], l["statusCode"], l["success"], isinstance(l["responseTime"], int) and l["responseTime"] >= 0, l["errorMessage"], l["userAgent"].startswith("curl/"), l["requestPayload"] is None or isinstance(l["requestPayload"], dict), l["timestamp"].endswith("Z")))(d["logs"][0])')" \
        "Acme ${s:0:1}|GET|127.0.0.1|200|True|True|None|True|True|True"
    expect_eq "$s: the API log has no old field names" \
        "$(ws_py 'sorted(set(k for l in d["logs"] for k in ("route", "clientIp", "payload", "durationMs", "wallet", "oaid", "createdAt") if k in l))')" "[]"
    # A borrow in the plan's words (no chain here: 503) is logged with its context.
    ws_call POST /partners/borrow -H "Authorization: Bearer $nkey" -H 'Content-Type: application/json' \
        -H 'User-Agent: xyz-lending/2.3' --data-binary \
        '{"partnerLoanId":"xyz_loan_12345","userWallet":"0x580F5b09765E71D64613c8F4403234f8790DD7D3","oaidTokenId":123,"borrowAmount":"5000000000"}'
    local brid
    brid=$(ws_header X-Request-Id)
    ws_expect_error "$s: the plan's borrow without a chain is 503" 503 "Chain node"
    ws_admin GET "/admin/partners/audit-logs?partnerId=$nid&limit=1"
    expect_eq "$s: the borrow's API log row is the plan's PartnerApiLog with its context" \
        "$ws_status|$(ws_py '(lambda l: "|".join(str(x) for x in (l["partnerId"], l["partnerName"], l["endpoint"], l["method"], l["userAgent"], l["statusCode"], l["success"], l["errorMessage"] is not None, l["userWallet"].lower(), l["oaidTokenId"], l["loanId"], l["requestPayload"]["body"]["borrowAmount"], l["requestPayload"]["body"]["oaidTokenId"], l["requestId"])))(d["logs"][0])')" \
        "200|$nid|New Lending Platform|/partners/borrow|POST|xyz-lending/2.3|503|False|True|0x580f5b09765e71d64613c8f4403234f8790dd7d3|123|xyz_loan_12345|5000000000|123|$brid"
    ws_admin GET "/admin/partners/audit-logs?partnerId=$id&success=false&limit=100"
    expect_eq "$s: the refused calls only" \
        "$ws_status:$(ws_py 'len(d["logs"]) > 0 and all(not l["success"] and l["statusCode"] in (401, 403) for l in d["logs"])')" \
        "200:True"
    expect_eq "$s: a refused call's row carries its errorMessage" \
        "$(ws_py 'all(isinstance(l["errorMessage"], str) and l["errorMessage"] != "" for l in d["logs"])')" True
    ws_no_secret "$s: API log holds no key" "${secrets[@]}"
    ws_admin GET "/admin/partners/audit-logs?success=maybe"
    ws_expect_error "$s: bad success filter is 400" 400 "success: must be one of"
    ws_admin GET "/admin/partners/audit-logs?startDate=yesterday"
    ws_expect_error "$s: bad startDate is 400" 400 "startDate:"
    ws_admin GET "/admin/partners/audit-logs?startDate=2030-01-02&endDate=2030-01-01"
    ws_expect_error "$s: endDate before startDate is 400" 400 "endDate: must be after startDate"
    ws_admin GET "/admin/partners/audit-logs?limit=0"
    ws_expect_error "$s: audit-logs limit 0 is 400" 400 "limit:"
}

audit_cases() {
    local s=$1 a want
    ws_admin GET "/admin/audit?target=$id&limit=100"
    expect_eq "$s: admin trail of the partner" \
        "$ws_status:$(ws_py '" ".join(sorted(set(e["action"] for e in d["entries"])))')" \
        "200:partner.activate partner.create partner.rotate_key partner.suspend partner.update"
    expect_eq "$s: entries carry who, before and after" \
        "$(ws_py 'all(e["admin"] == "root-admin" and e["clientIp"] == "127.0.0.1" and isinstance(e["after"], dict) for e in d["entries"]) and [e for e in d["entries"] if e["action"] == "partner.create"][0]["before"] is None')" \
        True
    expect_eq "$s: the trail's partner views use the plan's names" \
        "$(ws_py 'all(e["after"].get("partnerId") == e["target"] and "partnerName" in e["after"] and "platformFeePercentage" in e["after"] and "feeBps" not in e["after"] for e in d["entries"])')" \
        True
    for a in partner.create partner.update partner.rotate_key partner.rotate_signing_secret \
        partner.suspend partner.activate; do
        want=$(sqlite3 "$db" "select count(*) from admin_audit where action = '$a' and admin = 'root-admin' and target in ('$id', '$bid')")
        ws_admin GET "/admin/audit?action=$a&admin=root-admin&limit=100"
        expect_eq "$s: $a in the store and the API" \
            "$([ "$want" -ge 1 ] && echo some):$(ws_py 'len([e for e in d["entries"] if e["target"] in ("'"$id"'", "'"$bid"'")])')" \
            "some:$want"
    done
    ws_admin GET "/admin/audit?limit=100"
    ws_no_secret "$s: admin trail holds no key or secret" "${secrets[@]}"
    ws_admin GET "/admin/audit?admin=mallory"
    expect_eq "$s: refused callers left no admin row" "$(ws_py 'd["pagination"]["total"]')" 0
    ws_admin GET "/admin/audit?limit=101"
    ws_expect_error "$s: audit limit above the max is 400" 400 "limit:"
    ws_admin GET "/admin/audit?offset=100000"
    expect_eq "$s: audit offset past the end" "$ws_status:$(ws_py 'd["entries"]')" "200:[]"
}

for server in lighttpd apache; do
    t=${server:0:1}
    if ! WS_ADMIN=1 ws_start "$server" 2; then
        if [ "$ws_missing" = 1 ]; then skip "$server" "$ws_why"; else fail "$server starts" "$ws_why"; fi
        continue
    fi
    unauthenticated_cases "$server without web auth"
    ws_stop
    if ! WS_ADMIN_AUTH=1 ws_start "$server" 3; then
        fail "$server starts with admin auth" "$ws_why"
        continue
    fi
    # mod_fcgid spawns on demand only when every responder is busy: on a loaded
    # machine the warm-up may not get it past one, which the suspend cases then say.
    ws_warm 2 || [ "$server" = apache ] ||
        fail "$server: 2 responders running" "$(ws_pids | wc -l)"
    rows=$(sqlite3 "$db" "select count(*) from admin_audit")
    admission_cases "$server"
    create_cases "$server" "$t"
    show_patch_cases "$server" "$t"
    rotate_cases "$server"
    status_cases "$server"
    list_cases "$server" "$t"
    analytics_cases "$server"
    logs_cases "$server"
    audit_cases "$server"
    expect_eq "$server: reads wrote no admin row" \
        "$(sqlite3 "$db" "select count(*) from admin_audit where action not like 'partner.%'")" 0
    [ "$(sqlite3 "$db" "select count(*) from admin_audit")" -gt "$rows" ] &&
        pass "$server: actions audited" || fail "$server: actions audited"
    ws_stop
    expect_eq "$server: no responder left after stop" "$(ws_pids | wc -l)" 0
    expect_eq "$server: no sanitizer report or crash" "$(ws_errors | head -n 3)" ""
done

dump=$(sqlite3 "$db" ".dump admin_audit")
leak=no
for k in "${secrets[@]:-}"; do
    [ -n "$k" ] && case $dump in *"$k"*) leak=yes ;; esac
done
expect_eq "no key or secret in admin_audit" "$leak" no
finish
