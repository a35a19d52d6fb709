#!/usr/bin/env bash
# Webhook delivery end to end: loan events from a borrow and a repay through lighttpd
# on the devnet, delivered by `lendgatectl dispatch` to a real HTTP receiver on
# loopback (webhook_receiver.py), with both signature schemes checked independently
# here; a test event an admin sends, a receiver failing twice (third attempt, same
# id), 410 (endpoint disabled), 429 with Retry-After, a hanging receiver (timeout), the dead-letter state and an admin replay, two
# dispatchers at once (each event once), a dispatcher SIGKILLed mid-delivery (the
# same id again once its lease ran out), a name resolving to loopback refused at
# connect time, and the verification snippets of docs/webhooks.md run against a real
# delivery.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/webserver.sh"
. "$(dirname "$0")/devnet.sh"
. "$(dirname "$0")/partner_api.sh"

pa_start "webhooks"
pa_store "wh"
cat >>"$T/lendgate.conf" <<CONF
[webhook]
allow_http = true
allow_loopback = true
retry_schedule = 1,1
timeout_ms = 1500
connect_timeout_ms = 1000
lease_ms = 4000
poll_ms = 50
CONF
conf="$T/lendgate.conf"

# The receiver, on a port of its own.
rx_log="$T/rx.jsonl"
: >"$rx_log"
"${lg_python:-python3}" "$LG_TOP_SRCDIR/tests/integration/webhook_receiver.py" --port-file "$T/rx.port" \
    --log "$rx_log" >"$T/rx.err" 2>&1 &
rx_pid=$!
at_exit "kill $rx_pid 2>/dev/null"
wait_for 20 test -s "$T/rx.port" || { fail "receiver starts" "$(cat "$T/rx.err")"; finish; }
rx="http://127.0.0.1:$(cat "$T/rx.port")"

# A Standard Webhooks secret (base64 after whsec_) and one as lendgate makes them
# (64 hex digits after whsec_, which are base64 as well).
secret_b64="whsec_$(python3 -c 'import base64,os; print(base64.b64encode(os.urandom(24)).decode())')"
secret_hex="whsec_$(python3 -c 'import os; print(os.urandom(32).hex())')"

# mkp PREFIX PATH [SECRET]: a partner whose endpoint is the receiver's PATH; sets
# pid_PREFIX and key_PREFIX.
mkp() {
    local id key
    read -r id key < <("$mk" --db "$db" --prefix "$1" --fee 100 --settlement "$settle1" \
        --webhook "$rx/$2/$1" --webhook-secret "${3:-$secret_b64}")
    [ -n "$key" ] || { fail "mkpartner $1" "no key"; finish; }
    printf -v "pid_$1" '%s' "$id"
    printf -v "key_$1" '%s' "$key"
}

dispatch() { "$ctl" --config "$conf" dispatch >>"$T/dispatch.out" 2>&1; }
sq() { sqlite3 -readonly "$db" "$1"; }
event_ids() { sq "select event_id from webhook_outbox where partner_id = '$1' order by seq"; }
status_of() { sq "select status from webhook_outbox where event_id = '$1'"; }
# received ID: how many deliveries of event ID the receiver saw.
received() {
    python3 -c 'import json,sys
n = sum(1 for l in open(sys.argv[1]) if json.loads(l)["headers"].get("webhook-id") == sys.argv[2])
print(n)' "$rx_log" "$1"
}
answered() { # ID: the receiver's answers to event ID, in order, joined by ','
    python3 -c 'import json,sys
print(",".join(str(json.loads(l)["answer"]) for l in open(sys.argv[1])
               if json.loads(l)["headers"].get("webhook-id") == sys.argv[2]))' "$rx_log" "$1"
}
# dispatch_until SECONDS CMD...: dispatch rounds until CMD holds.
dispatch_until() {
    local n=$(($1 * 10)) i
    shift
    for i in $(seq 1 "$n"); do
        "$@" && return 0
        dispatch
        "$@" && return 0
        sleep 0.1
    done
    return 1
}
is_status() { [ "$(status_of "$1")" = "$2" ]; }
# Conditions for dispatch_until and wait_for, evaluated on every try.
got_any() { [ "$(received "$1")" -ge 1 ]; }
tried() { [ "$(sq "select count(*) from webhook_attempts where event_id = '$1'")" -ge 1 ]; }

# verify SECRET: every delivery in the receiver's log carries both signatures, right
# for its body under SECRET, computed here from the specifications.
verify_all() {
    python3 - "$rx_log" "$1" "$2" <<'PY'
import base64, hashlib, hmac, json, sys
log, path, secret = sys.argv[1], sys.argv[2], sys.argv[3]
bad, n = [], 0
for line in open(log):
    r = json.loads(line)
    if not r["path"].startswith(path):
        continue
    n += 1
    h, body = r["headers"], r["body"].encode()
    plan = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    key = base64.b64decode(secret[len("whsec_"):])
    signed = ("%s.%s." % (h["webhook-id"], h["webhook-timestamp"])).encode() + body
    std = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    env = json.loads(body)
    ok = (h.get("x-webhook-signature") == plan and std in h.get("webhook-signature", "").split(" ")
          and h.get("x-webhook-event") == env["type"] == env["event"]
          and h["webhook-id"] == env["id"] and h.get("content-type") == "application/json"
          and abs(int(h["x-webhook-timestamp"]) // 1000 - int(h["webhook-timestamp"])) <= 1
          and env["data"]["partnerId"] == env["partnerId"])
    if not ok:
        bad.append(h.get("webhook-id"))
print("%d %s" % (n, ",".join(bad) or "-"))
PY
}

ws_start lighttpd 2 || { fail "lighttpd starts" "$ws_why"; finish; }

# ---- a borrow and a repay: the events, in order, both signatures -------------------
mkp loans ok
borrow "$key_loans" "wh-1" "$wallet0" "$oaid0" $((100 * U))
expect_eq "borrow is 201" "$ws_status" 201
proof=$(pay $((40 * U)) 1)
repay "$key_loans" "wh-1" $((40 * U)) "$proof"
expect_eq "partial repayment is 200" "$ws_status" 200
proof=$(pay $((60 * U)) 1)
repay "$key_loans" "wh-1" $((60 * U)) "$proof"
expect_eq "full repayment is 200" "$ws_status" 200
dispatch_until 20 got_any "$(event_ids "$pid_loans" | tail -n 1)"
types=$(python3 -c 'import json,sys
print(",".join("%s#%s" % (json.loads(json.loads(l)["body"])["type"], json.loads(json.loads(l)["body"])["sequence"])
               for l in open(sys.argv[1]) if "/ok/loans" in json.loads(l)["path"]))' "$rx_log")
expect_eq "borrow and repays delivered in sequence" "$types" \
    "loan.borrowed#1,loan.repayment_received#2,loan.repayment_received#3,loan.repaid#4"
expect_eq "every delivery signed both ways (count, bad ids)" "$(verify_all /ok/loans "$secret_b64")" "4 -"
last=$(event_ids "$pid_loans" | tail -n 1)
expect_eq "loan.repaid carries the plan's fields" "$(python3 -c 'import json,sys
for l in open(sys.argv[1]):
    b = json.loads(json.loads(l)["body"])
    if b["type"] == "loan.repaid":
        print(b["partnerLoanId"], b["totalRepaid"], b["loanStatus"], b["data"]["internalLoanId"] == b["internalLoanId"])' "$rx_log")" \
    "wh-1 $((100 * U)) REPAID True"
expect_eq "delivered events are DELIVERED with one attempt" \
    "$(sq "select count(*) from webhook_outbox where partner_id = '$pid_loans' and status = 2 and attempts = 1")" 4

# An admin's test event goes out like any other.
if "$ctl" --config "$conf" webhook test "$pid_loans" >"$T/test.out" 2>&1; then
    ev=$(event_ids "$pid_loans" | tail -n 1)
    dispatch_until 20 got_any "$ev"
    expect_eq "webhook.test delivered, signed, fifth in sequence" \
        "$(sq "select event_type || '#' || seq || ':' || status from webhook_outbox where event_id = '$ev'"):$(verify_all /ok/loans "$secret_b64")" \
        "webhook.test#5:2:5 -"
else
    fail "lendgatectl webhook test" "$(cat "$T/test.out")"
fi

# Partner events: suspension and activation.
suspend_cycle() { # PREFIX TIMES
    local i
    for i in $(seq 1 "$2"); do
        "$ctl" --config "$conf" partner suspend "$(eval echo "\$pid_$1")" >/dev/null &&
            "$ctl" --config "$conf" partner activate "$(eval echo "\$pid_$1")" >/dev/null ||
            fail "suspend/activate $1"
    done
}

# ---- a receiver failing twice: the third attempt delivers the same id --------------
mkp flaky flaky/2 "$secret_hex"
suspend_cycle flaky 1
ev=$(event_ids "$pid_flaky" | head -n 1)
dispatch_until 30 is_status "$ev" 2
expect_eq "flaky receiver: 500, 500, then 200 for the same id" "$(answered "$ev")" "500,500,200"
expect_eq "flaky receiver: three attempts recorded" \
    "$(sq "select group_concat(outcome || ':' || status_code, ',') from (select * from webhook_attempts where event_id = '$ev' order by attempt)")" \
    "1:500,1:500,0:200"
expect_eq "hex secrets verify both ways too" "$(verify_all /flaky/2/flaky "$secret_hex" | cut -d' ' -f2)" "-"

# ---- 410 disables the endpoint ----------------------------------------------------
mkp gone gone
suspend_cycle gone 1
ev=$(event_ids "$pid_gone" | head -n 1)
dispatch_until 20 got_any "$ev"
dispatch
expect_eq "410: endpoint disabled, the event waits PENDING, nothing more sent" \
    "$(sq "select webhook_disabled_at_ms > 0 from partners where id = '$pid_gone'"):$(status_of "$ev"):$(received "$ev")" \
    "1:0:1"

# ---- 429 with Retry-After: the next attempt waits as long as asked -----------------
mkp busy busy
suspend_cycle busy 1
ev=$(event_ids "$pid_busy" | head -n 1)
dispatch_until 20 got_any "$ev"
expect_eq "429: retried no sooner than Retry-After (3 s) asks, not the schedule's 1 s" \
    "$(sq "select o.status || ':' || (o.next_attempt_at_ms - a.started_at_ms >= 3000) from webhook_outbox o join webhook_attempts a on a.event_id = o.event_id where o.event_id = '$ev'")" \
    "0:1"
dispatch_until 30 is_status "$ev" 2
expect_eq "429: delivered on the next attempt" "$(answered "$ev")" "429,200"

# ---- a hanging receiver times out -------------------------------------------------
mkp hang hang
suspend_cycle hang 1
ev=$(event_ids "$pid_hang" | head -n 1)
dispatch_until 20 tried "$ev"
expect_eq "hanging receiver: no answer, a timeout, retried" \
    "$(sq "select status_code || ':' || outcome || ':' || (error like '%imeout%' or error like '%timed out%') from webhook_attempts where event_id = '$ev' order by attempt limit 1")" \
    "0:1:1"

# ---- dead letter after the last attempt, then an admin replay ---------------------
mkp dead fail
suspend_cycle dead 1
ev=$(event_ids "$pid_dead" | head -n 1)
dispatch_until 30 is_status "$ev" 3
expect_eq "dead letter: three attempts (schedule 1,1), DEAD" \
    "$(sq "select count(*) from webhook_attempts where event_id = '$ev'"):$(status_of "$ev")" "3:3"
next=$(event_ids "$pid_dead" | sed -n 2p)
dispatch_until 30 is_status "$next" 3
sqlite3 "$db" "update partners set webhook_url = '$rx/ok/dead' where id = '$pid_dead'"
if "$ctl" --config "$conf" webhook replay "$ev" >"$T/replay.out" 2>&1; then
    dispatch_until 20 is_status "$ev" 2
    expect_eq "admin replay: delivered, same id, the fourth attempt" \
        "$(status_of "$ev"):$(sq "select max(attempt) from webhook_attempts where event_id = '$ev'"):$(answered "$ev")" \
        "2:4:500,500,500,200"
    expect_eq "admin replay is in the admin audit trail" \
        "$(sq "select count(*) from admin_audit where action like 'webhook.replay%'")" 1
else
    fail "lendgatectl webhook replay" "$(cat "$T/replay.out")"
fi

# ---- two dispatchers at once: each event delivered exactly once -------------------
for p in par1 par2 par3 par4; do mkp "$p" slow; suspend_cycle "$p" 3; done
all_par() { sq "select count(*) from webhook_outbox where partner_id like 'partner_par%' and status <> 2"; }
( for i in $(seq 1 200); do [ "$(all_par)" = 0 ] && break; dispatch; done ) &
d1=$!
( for i in $(seq 1 200); do [ "$(all_par)" = 0 ] && break; dispatch; done ) &
d2=$!
wait $d1 $d2
dups=$(python3 -c 'import collections,json,sys
c = collections.Counter(json.loads(l)["headers"].get("webhook-id") for l in open(sys.argv[1])
                        if json.loads(l)["path"].startswith("/slow/"))
print(len(c), sum(1 for v in c.values() if v != 1))' "$rx_log")
expect_eq "two dispatchers: 24 events delivered, none twice" "$(all_par):$dups" "0:24 0"

# ---- SIGKILL mid-delivery: redelivered with the same id after the lease ------------
mkp killed hang-first
suspend_cycle killed 1
ev=$(event_ids "$pid_killed" | head -n 1)
LENDGATE_WEBHOOK_TIMEOUT_MS=60000 "$ctl" --config "$conf" dispatch >"$T/killed.out" 2>&1 &
victim=$!
if wait_for 20 got_any "$ev"; then
    kill -9 "$victim"
    wait "$victim" 2>/dev/null
    expect_eq "killed dispatcher: the event stays claimed (DELIVERING)" "$(status_of "$ev")" 1
    dispatch_until 30 is_status "$ev" 2
    expect_eq "killed dispatcher: delivered again with the same id once the lease ran out" \
        "$(answered "$ev"):$(sq "select count(*) from webhook_attempts where event_id = '$ev'")" "hang,200:1"
else
    fail "killed dispatcher: the delivery started" "$(cat "$T/killed.out")"
    kill -9 "$victim" 2>/dev/null
fi

# ---- a name resolving to loopback is refused when the connection is made ----------
read -r pid_ssrf key_ssrf < <("$mk" --db "$db" --prefix ssrf --settlement "$settle1" \
    --webhook "http://localhost:$(cat "$T/rx.port")/ok/ssrf" --webhook-secret "$secret_b64")
suspend_cycle ssrf 1
ev=$(event_ids "$pid_ssrf" | head -n 1)
LENDGATE_WEBHOOK_ALLOW_LOOPBACK=false "$ctl" --config "$conf" dispatch >>"$T/dispatch.out" 2>&1
expect_eq "loopback refused at connect time: nothing received, the attempt says why" \
    "$(received "$ev"):$(sq "select status_code || ':' || (error like '%loopback%') from webhook_attempts where event_id = '$ev'")" \
    "0:0:1"

# ---- the verification snippets of docs/webhooks.md, against a real delivery --------
python3 - "$rx_log" "$T/delivery" <<'PY'
import json, os, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["path"].startswith("/ok/loans"):
        os.makedirs(sys.argv[2], exist_ok=True)
        open(os.path.join(sys.argv[2], "body"), "w").write(r["body"])
        for k in ("webhook-id", "webhook-timestamp", "webhook-signature", "x-webhook-signature"):
            open(os.path.join(sys.argv[2], k), "w").write(r["headers"][k])
        break
PY
doc="$LG_TOP_SRCDIR/docs/webhooks.md"
snippet() { # LANG: the fenced block of docs/webhooks.md opened by ```LANG verify
    awk -v want="\`\`\`$1 verify" '$0 == want {on=1; next} on && /^```/ {exit} on' "$doc"
}
run_snippet() { # NAME LANG INTERPRETER...
    local name=$1 lang=$2
    shift 2
    snippet "$lang" >"$T/snippet.$lang"
    if [ ! -s "$T/snippet.$lang" ]; then
        fail "docs/webhooks.md: $name snippet" "no \`\`\`$lang verify block"
        return
    fi
    local d="$T/delivery"
    if WEBHOOK_SECRET="$secret_b64" WEBHOOK_ID=$(cat "$d/webhook-id") \
        WEBHOOK_TIMESTAMP=$(cat "$d/webhook-timestamp") \
        WEBHOOK_SIGNATURE=$(cat "$d/webhook-signature") \
        X_WEBHOOK_SIGNATURE=$(cat "$d/x-webhook-signature") BODY_FILE="$d/body" \
        WEBHOOK_TOLERANCE=86400 "$@" "$T/snippet.$lang" >"$T/snippet.out" 2>&1 &&
        grep -qx "verified" "$T/snippet.out"; then
        pass "docs/webhooks.md: $name snippet verifies a real delivery"
    else
        fail "docs/webhooks.md: $name snippet" "$(tail -n 5 "$T/snippet.out")"
    fi
    # The same snippet must refuse a tampered body.
    cp "$d/body" "$d/body.bad" && printf ' ' >>"$d/body.bad"
    if WEBHOOK_SECRET="$secret_b64" WEBHOOK_ID=$(cat "$d/webhook-id") \
        WEBHOOK_TIMESTAMP=$(cat "$d/webhook-timestamp") \
        WEBHOOK_SIGNATURE=$(cat "$d/webhook-signature") \
        X_WEBHOOK_SIGNATURE=$(cat "$d/x-webhook-signature") BODY_FILE="$d/body.bad" \
        WEBHOOK_TOLERANCE=86400 "$@" "$T/snippet.$lang" >"$T/snippet.out" 2>&1 &&
        grep -qx "verified" "$T/snippet.out"; then
        fail "docs/webhooks.md: $name snippet refuses a tampered body"
    else
        pass "docs/webhooks.md: $name snippet refuses a tampered body"
    fi
}
run_snippet shell sh bash
if command -v node >/dev/null; then
    run_snippet Node js node
else
    skip "docs/webhooks.md: Node snippet" "node is not installed"
fi
run_snippet Python python python3

finish
