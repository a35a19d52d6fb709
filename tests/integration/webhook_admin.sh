#!/usr/bin/env bash
# Webhook operations through lighttpd and through Apache + mod_fcgid, /admin behind
# the web server's basic auth, with real partners made by the admin API: test events
# (admin and partner) and a suspension and activation make events; admins list them
# with every filter and partners list only their own (another partner's event is
# 404); one event shows its attempts; a replay of one and of a range puts events back
# to PENDING with attempts 0; a secret rotation shows the secret once and the partner
# view only that a previous secret is valid; enable clears a disabled endpoint; the
# admin audit trail holds every action and no secret. No dispatcher runs here: what
# a dispatcher would have done (a dead event, its attempt, a 410) is written into the
# store with sqlite3. finish holds every exchange to docs/openapi.yaml.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/webserver.sh"

lg_python=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null)
if [ -x "$lg_python" ]; then
    python3() { "$lg_python" "$@"; }
fi

ws_offline_store "webhook admin" "[admin]
trust_remote_user = true
admins = root-admin
[webhook]
secret_grace_seconds = 3600"
command -v htpasswd >/dev/null || { skip "webhook admin" "htpasswd (apache2-utils) not installed"; finish; }
command -v sqlite3 >/dev/null || { skip "webhook admin" "sqlite3 not installed"; finish; }
ws_admin_login
settle=0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed
secrets=()

as_partner() { # KEY METHOD PATH [CURL ARGS]
    local k=$1 m=$2 p=$3
    shift 3
    if [ "$m" = POST ] && [ $# = 0 ]; then
        ws_post0 "$p" -H "Authorization: Bearer $k"
    else
        ws_call "$m" "$p" -H "Authorization: Bearer $k" "$@"
    fi
}
sql() { sqlite3 "$db" "$1" && ws_fix_owner; }

# create PREFIX [URL]: a partner through the admin API; sets pid, pkey, psecret.
create() {
    local url=${2:+,\"webhookUrl\":\"$2\"}
    ws_admin_json POST /admin/partners/create "{\"partnerName\":\"$1\",\"apiKeyPrefix\":\"$1\",\"settlementAddress\":\"$settle\"$url}"
    eval "$(ws_py '"pid=%s pkey=%s psecret=%s" % (d["partner"]["partnerId"], d["apiKey"], d["webhookSecret"])')"
    secrets+=("$pkey" "$psecret")
}

event_cases() {
    local s=$1 t=$2
    create "wa$t" https://hooks.example.com/a && aid=$pid akey=$pkey
    create "wb$t" https://hooks.example.com/b && bid=$pid bkey=$pkey
    create "wc$t" && cid=$pid
    start_s=$(($(date +%s) - 1))
    ws_post0 "/admin/partners/$aid/webhooks/test" -u "root-admin:$ws_admin_pw"
    expect_eq "$s: admin test event is 202 webhook.test with its payload" \
        "$ws_status:$(ws_py '"%s|%s|%s|%s" % (d["event"]["type"], d["event"]["status"], d["event"]["payload"]["partnerId"], d["event"]["payload"]["message"])')" \
        "202:webhook.test|PENDING|$aid|Test event from lendgate"
    ev=$(ws_py 'd["event"]["eventId"]')
    ws_admin_json POST "/admin/partners/$aid/webhooks/test" '{"message":"hello from ops"}'
    expect_eq "$s: test event with a message" "$ws_status:$(ws_py 'd["event"]["payload"]["message"]')" \
        "202:hello from ops"
    ws_admin_json POST "/admin/partners/$aid/webhooks/test" '{"foo":1}'
    ws_expect_error "$s: unknown test field is 400" 400 "foo: unknown field"
    ws_post0 "/admin/partners/$cid/webhooks/test" -u "root-admin:$ws_admin_pw"
    ws_expect_error "$s: test without a webhook URL is 409" 409 "webhookUrl:"
    ws_post0 "/admin/partners/partner_none_999/webhooks/test" -u "root-admin:$ws_admin_pw"
    ws_expect_error "$s: test of an unknown partner is 404" 404 "Partner not found"
    ws_admin POST "/admin/partners/$aid/suspend"
    ws_admin POST "/admin/partners/$aid/activate"
    as_partner "$akey" POST /partners/webhooks/test
    expect_eq "$s: the partner's own test event" "$ws_status:$(ws_py 'd["event"]["partnerId"]')" "202:$aid"
    as_partner "$bkey" POST /partners/webhooks/test -H 'Content-Type: application/json' \
        --data-binary '{"message":"b here"}'
    expect_eq "$s: another partner's test event" "$ws_status:$(ws_py 'd["event"]["partnerId"]')" "202:$bid"
}

list_cases() {
    local s=$1
    ws_admin GET "/admin/webhooks/deliveries?partnerId=$aid&limit=100"
    expect_eq "$s: admin lists the partner's events, newest first" \
        "$ws_status:$(ws_py '"%d|%s|%s" % (d["pagination"]["total"], ",".join(e["type"] for e in d["deliveries"]), [e["sequence"] for e in d["deliveries"]] == sorted([e["sequence"] for e in d["deliveries"]], reverse=True))')" \
        "200:5|webhook.test,partner.activated,partner.suspended,webhook.test,webhook.test|True"
    expect_eq "$s: payloads are objects" "$(ws_py 'all(isinstance(e["payload"], dict) for e in d["deliveries"])')" True
    ws_admin GET "/admin/webhooks/deliveries?partnerId=$aid&eventType=partner.suspended"
    expect_eq "$s: eventType filter" "$(ws_py 'd["pagination"]["total"]'):$(ws_py 'd["deliveries"][0]["payload"]["status"]')" "1:SUSPENDED"
    ws_admin GET "/admin/webhooks/deliveries?partnerId=$aid&status=pending"
    expect_eq "$s: status filter in any case" "$(ws_py 'd["pagination"]["total"]')" 5
    ws_admin GET "/admin/webhooks/deliveries?partnerId=$aid&status=delivered"
    expect_eq "$s: none delivered" "$(ws_py 'd["pagination"]["total"]')" 0
    ws_admin GET "/admin/webhooks/deliveries?partnerId=$aid&since=2000-01-01&until=2000-01-02"
    expect_eq "$s: since/until filter" "$ws_status:$(ws_py 'd["pagination"]["total"]')" "200:0"
    ws_admin GET "/admin/webhooks/deliveries?partnerId=$aid&limit=2&offset=1"
    expect_eq "$s: pagination" "$(ws_py '"%d|%s" % (len(d["deliveries"]), d["pagination"]["hasMore"])')" "2|True"
    ws_admin GET "/admin/webhooks/deliveries?status=bogus"
    ws_expect_error "$s: bad status is 400" 400 "status: must be one of"
    ws_admin GET "/admin/webhooks/deliveries?since=yesterday"
    ws_expect_error "$s: bad since is 400" 400 "since:"
    ws_admin GET "/admin/webhooks/deliveries?eventType=Loan%20Borrowed"
    ws_expect_error "$s: bad eventType is 400" 400 "eventType:"
    ws_admin GET "/admin/webhooks/deliveries?since=2030-01-02&until=2030-01-01"
    ws_expect_error "$s: until before since is 400" 400 "until: must be after since"
    as_partner "$akey" GET "/partners/webhooks/deliveries?limit=100"
    expect_eq "$s: the partner lists its own events only" \
        "$ws_status:$(ws_py '"%d|%s" % (d["pagination"]["total"], all(e["partnerId"] == "'"$aid"'" for e in d["deliveries"]))')" \
        "200:5|True"
    as_partner "$bkey" GET "/partners/webhooks/deliveries?partnerId=$aid"
    expect_eq "$s: a partnerId argument does not widen a partner's view" \
        "$ws_status:$(ws_py 'sorted(set(e["partnerId"] for e in d["deliveries"]))')" "200:['$bid']"
    as_partner "$bkey" GET "/partners/webhooks/deliveries"
    expect_eq "$s: the other partner sees only its own" \
        "$(ws_py '"%d|%s" % (d["pagination"]["total"], d["deliveries"][0]["partnerId"])')" "1|$bid"
    as_partner "$bkey" GET "/partners/webhooks/deliveries/$ev"
    ws_expect_error "$s: another partner's event is 404" 404 "Event not found"
}

show_cases() {
    local s=$1 now
    now=$(($(date +%s) * 1000))
    sql "UPDATE webhook_outbox SET status = 3, attempts = 1, last_status_code = 500,
           last_error = 'HTTP 500' WHERE event_id = '$ev';
         INSERT INTO webhook_attempts (event_id, partner_id, attempt, url, started_at_ms,
           status_code, latency_ms, outcome, response_head, error, dispatcher)
           VALUES ('$ev', '$aid', 1, 'https://hooks.example.com/a', $now, 500, 42, 2,
           'oops', 'HTTP 500', 'test');"
    ws_admin GET "/admin/webhooks/deliveries/$ev"
    expect_eq "$s: one event with its attempts" \
        "$ws_status:$(ws_py '"%s|%d|%s|%d|%s|%s" % (d["event"]["status"], d["event"]["attempts"], d["event"]["lastStatusCode"], len(d["attempts"]), d["attempts"][0]["outcome"], d["attempts"][0]["statusCode"])')" \
        "200:DEAD|1|500|1|DEAD|500"
    as_partner "$akey" GET "/partners/webhooks/deliveries/$ev"
    expect_eq "$s: the owner reads it too" "$ws_status:$(ws_py 'len(d["attempts"])')" "200:1"
    ws_admin GET /admin/webhooks/deliveries/evt_00000000000000000000000000000000
    ws_expect_error "$s: unknown event is 404" 404 "Event not found"
    ws_admin GET /admin/webhooks/deliveries/evt_nothex
    ws_expect_error "$s: malformed event id is 400" 400 "eventId:"
}

replay_cases() {
    local s=$1 since
    ws_admin POST "/admin/webhooks/deliveries/$ev/replay"
    expect_eq "$s: replay puts the event back to PENDING, attempts 0" \
        "$ws_status:$(ws_py '"%s|%d|%s" % (d["event"]["status"], d["event"]["attempts"], d["event"]["eventId"])')" \
        "200:PENDING|0|$ev"
    ws_admin POST /admin/webhooks/deliveries/evt_00000000000000000000000000000000/replay
    ws_expect_error "$s: replay of an unknown event is 404" 404 "Event not found"
    sql "UPDATE webhook_outbox SET status = 3, attempts = 4 WHERE partner_id = '$aid'"
    since=$(date -u -d "@$start_s" +%Y-%m-%dT%H:%M:%SZ)
    ws_admin_json POST "/admin/partners/$aid/webhooks/replay" "{\"since\":\"$since\"}"
    expect_eq "$s: replay since replays the partner's events" \
        "$ws_status:$(ws_py '"%s|%d" % (d["partnerId"], d["replayed"])')" "200:$aid|5"
    expect_eq "$s: all back to PENDING with attempts 0" \
        "$(sqlite3 "$db" "select count(*) from webhook_outbox where partner_id = '$aid' and status = 0 and attempts = 0")" 5
    ws_admin GET "/admin/webhooks/deliveries?partnerId=$aid&status=PENDING"
    expect_eq "$s: the list says so too" "$(ws_py 'd["pagination"]["total"]')" 5
    ws_admin_json POST "/admin/partners/$aid/webhooks/replay" '{}'
    ws_expect_error "$s: replay without since is 400" 400 "since: is required"
    ws_admin_json POST "/admin/partners/$aid/webhooks/replay" '{"since":"last week"}'
    ws_expect_error "$s: replay with a bad since is 400" 400 "since:"
    ws_admin_json POST /admin/partners/partner_none_999/webhooks/replay "{\"since\":\"$since\"}"
    ws_expect_error "$s: replay of an unknown partner is 404" 404 "Partner not found"
}

rotate_enable_cases() {
    local s=$1 whsec
    ws_admin POST "/admin/partners/$aid/webhooks/rotate-secret"
    eval "$(ws_py '"whsec=%s" % d["webhookSecret"]')"
    secrets+=("$whsec")
    expect_eq "$s: rotate shows a new secret once, with the old one's expiry" \
        "$ws_status:${#whsec}:${whsec:0:6}:$(ws_py 'd["previousSecretExpiresAt"] is not None and d["partnerId"]')" \
        "200:70:whsec_:$aid"
    ws_admin GET "/admin/partners/$aid"
    expect_eq "$s: the partner view shows only that a previous secret is valid" \
        "$ws_status:$(ws_py '"%s|%s" % (d["partner"]["webhookPreviousSecretValid"], d["partner"]["webhookPreviousSecretExpiresAt"] is not None)')" \
        "200:True|True"
    ws_no_secret "$s: no secret in the partner view" "${secrets[@]}"
    ws_admin_json POST "/admin/partners/$aid/webhooks/rotate-secret" '{"graceSeconds":-1}'
    ws_expect_error "$s: negative grace is 400" 400 "graceSeconds:"
    sql "UPDATE partners SET webhook_disabled_at_ms = $(($(date +%s) * 1000)),
           webhook_disabled_reason = 'endpoint answered 410' WHERE id = '$aid'"
    ws_admin GET "/admin/partners/$aid"
    expect_eq "$s: a disabled endpoint shows in the partner view" \
        "$(ws_py '"%s|%s" % (d["partner"]["webhookDisabledAt"] is not None, d["partner"]["webhookDisabledReason"])')" \
        "True|endpoint answered 410"
    ws_admin POST "/admin/partners/$aid/webhooks/enable"
    expect_eq "$s: enable switches it back on" \
        "$ws_status:$(ws_py '"%s|%s" % (d["partner"]["webhookDisabledAt"], d["partner"]["webhookDisabledReason"])')" \
        "200:None|None"
}

audit_cases() {
    local s=$1
    ws_admin GET "/admin/audit?target=$aid&limit=100"
    expect_eq "$s: the admin trail holds each webhook action" \
        "$ws_status:$(ws_py '" ".join(sorted(set(e["action"] for e in d["entries"] if e["action"].startswith("webhook."))))')" \
        "200:webhook.enable webhook.replay webhook.replay_since webhook.rotate_secret webhook.test"
    expect_eq "$s: entries name who and what" \
        "$(ws_py 'all(e["admin"] == "root-admin" and e["after"]["webhookAction"]["action"] == e["action"] for e in d["entries"] if e["action"].startswith("webhook."))')" True
    expect_eq "$s: two admin test events audited, the partner's own not" \
        "$(ws_py 'len([e for e in d["entries"] if e["action"] == "webhook.test"])')" 2
    ws_no_secret "$s: admin trail holds no key or secret" "${secrets[@]}"
}

for server in lighttpd apache; do
    t=${server:0:1}
    if ! WS_ADMIN_AUTH=1 ws_start "$server" 2; then
        if [ "$ws_missing" = 1 ]; then skip "$server" "$ws_why"; else fail "$server starts" "$ws_why"; fi
        continue
    fi
    event_cases "$server" "$t"
    list_cases "$server"
    show_cases "$server"
    replay_cases "$server"
    rotate_enable_cases "$server"
    audit_cases "$server"
    ws_stop
    expect_eq "$server: no sanitizer report or crash" "$(ws_errors | head -n 3)" ""
done

dump=$(sqlite3 "$db" ".dump admin_audit")
leak=no
for k in "${secrets[@]:-}"; do
    [ -n "$k" ] && case $dump in *"$k"*) leak=yes ;; esac
done
expect_eq "no key or secret in admin_audit" "$leak" no
finish
