#!/usr/bin/env bash
# GET /metrics, /healthz and /readyz through lighttpd and Apache + mod_fcgid, on the
# devnet: after N concurrent requests spread over every worker of the pool the summed
# counters equal N exactly per route and status, and the histograms' _count too;
# killing a worker lowers no counter; promtool accepts the live output; every
# expression of the shipped dashboard and alert rules names a metric the live output
# exports; /metrics is refused without the web server's auth and to a user who is
# neither an admin nor a [metrics] user; /readyz is 503 while the devnet is stopped
# and 200 once it is back.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/webserver.sh"
. "$(dirname "$0")/devnet.sh"
. "$(dirname "$0")/partner_api.sh"

pa_start "metrics"
command -v htpasswd >/dev/null || { skip "metrics" "htpasswd (apache2-utils) not installed"; finish; }
export WS_ADMIN_AUTH=1 WS_ADMIN_HTPASSWD="$T/htpasswd"
htpasswd -c -b -m "$WS_ADMIN_HTPASSWD" root-admin admin-pw 2>/dev/null
htpasswd -b -m "$WS_ADMIN_HTPASSWD" prom prom-pw 2>/dev/null
htpasswd -b -m "$WS_ADMIN_HTPASSWD" mallory mallory-pw 2>/dev/null
N=240    # reads spread over the pool
BAD=40   # refused keys
JOBS=16  # concurrent clients

scrape() { # USER:PASSWORD: the live output into $T/scrape.txt, its status echoed
    curl -s -o "$T/scrape.txt" -w '%{http_code}' -u "$1" "$LG_BASE_URL/metrics"
}
# value NAME LABELS...: the sum of the samples of NAME whose labels include every
# k=v given (0 when none).
value() {
    python3 - "$T/scrape.txt" "$@" <<'PY'
import re, sys
path, name, want = sys.argv[1], sys.argv[2], dict(a.split("=", 1) for a in sys.argv[3:])
total = 0.0
for line in open(path):
    m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$', line.strip())
    if not m or m.group(1) != name:
        continue
    labels = dict(re.findall(r'([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"', m.group(3) or ""))
    if all(labels.get(k) == v for k, v in want.items()):
        total += float(m.group(4))
print(int(total) if total == int(total) else total)
PY
}
hits() { # KEY COUNT: COUNT reads of /partners/my/stats with KEY, JOBS at a time
    seq 1 "$2" | xargs -P "$JOBS" -I{} curl -s -o /dev/null -H "Authorization: Bearer $1" \
        "$LG_BASE_URL/partners/my/stats"
}
readyz() { curl -s -o "$T/readyz.json" -w '%{http_code}' "$LG_BASE_URL/readyz"; }

round() {
    local s=$1 pid key before bad_before c dur victim workers files
    pa_store "$s"
    cat >>"$T/lendgate.conf" <<CONF
[admin]
trust_remote_user = true
admins = root-admin
[metrics]
users = prom
[webhook]
allow_http = true
allow_loopback = true
retry_schedule = 60
CONF
    read -r pid key < <("$mk" --db "$db" --prefix "met$s" --fee 100 --settlement "$settle0" \
        --webhook "http://127.0.0.1:9/closed" --webhook-secret "whsec_bWV0cmljcw==")
    if ! ws_start "$s" 4; then
        if [ "$ws_missing" = 1 ]; then skip "$s" "$ws_why"; else fail "$s starts" "$ws_why"; fi
        return
    fi
    expect_eq "$s: /metrics without credentials is the web server's 401" \
        "$(curl -s -o /dev/null -w '%{http_code}' "$LG_BASE_URL/metrics")" 401
    expect_eq "$s: /metrics to a user neither admin nor [metrics] user is 403" \
        "$(scrape mallory:mallory-pw)" 403
    expect_eq "$s: /metrics to the [metrics] user is 200" "$(scrape prom:prom-pw)" 200
    expect_eq "$s: /metrics to an admin is 200" "$(scrape root-admin:admin-pw)" 200
    expect_eq "$s: /healthz is 200 without credentials" \
        "$(curl -s -w ' %{http_code}' "$LG_BASE_URL/healthz" | sed 's/.*"status":"\([a-z]*\)".* /\1 /')" \
        "ok 200"
    expect_eq "$s: /readyz is 200 with the devnet up" "$(readyz)" 200

    scrape prom:prom-pw >/dev/null
    c=$(value partner_api_requests_total partner_id="$pid" endpoint=/partners/my/stats status_code=200)
    bad_before=$(value partner_api_requests_total endpoint=/partners/my/stats status_code=401)
    hits "$key" "$N"
    hits "pk_met${s}_live_00000000000000000000000000000000" "$BAD"
    scrape prom:prom-pw >/dev/null
    expect_eq "$s: $N reads counted exactly, summed over the workers" \
        "$(value partner_api_requests_total partner_id="$pid" endpoint=/partners/my/stats status_code=200)" \
        "$((c + N))"
    expect_eq "$s: $BAD refused keys counted as 401" \
        "$(value partner_api_requests_total endpoint=/partners/my/stats status_code=401)" \
        "$((bad_before + BAD))"
    expect_eq "$s: the duration histogram's _count equals the reads" \
        "$(value partner_api_request_duration_seconds_count partner_id="$pid" endpoint=/partners/my/stats)" \
        "$((c + N))"
    expect_eq "$s: its +Inf bucket too" \
        "$(value partner_api_request_duration_seconds_bucket partner_id="$pid" endpoint=/partners/my/stats le=+Inf)" \
        "$((c + N))"
    expect_eq "$s: refused keys counted as unauthorized errors" \
        "$(value partner_api_errors_total error_type=unauthorized)" "$((bad_before + BAD))"
    workers=$(ws_pids | wc -l)
    files=$(ls "$T/$s"/metrics/w-*.lgm 2>/dev/null | wc -l)
    check "$s: every worker of the pool ($workers) keeps its own metrics file" \
        test "$files" -ge "$workers" -a "$workers" -ge 2

    # A worker killed: its counts stay.
    victim=$(ws_pids | head -n 1)
    kill -9 "$victim"
    wait_for 20 sh -c "! kill -0 $victim 2>/dev/null"
    scrape prom:prom-pw >/dev/null
    expect_eq "$s: a killed worker lowers no counter" \
        "$(value partner_api_requests_total partner_id="$pid" endpoint=/partners/my/stats status_code=200)" \
        "$((c + N))"
    hits "$key" 20
    scrape prom:prom-pw >/dev/null
    expect_eq "$s: and counting goes on exactly after it" \
        "$(value partner_api_requests_total partner_id="$pid" endpoint=/partners/my/stats status_code=200)" \
        "$((c + N + 20))"

    # A borrow and the jobs, so the chain, transaction, reconcile and webhook families
    # have series; then the gauges of the store and the chain.
    borrow "$key" "met-$s" "$wallet0" "$oaid0" $((50 * U))
    expect_eq "$s: borrow is 201" "$ws_status" 201
    "$ctl" --config "$T/lendgate.conf" dispatch >"$T/dispatch.out" 2>&1
    reconcile_quick >"$T/reconcile.out" 2>&1
    scrape prom:prom-pw >/dev/null
    expect_eq "$s: the borrow's transactions counted (borrow and payout sent)" \
        "$(value lendgate_chain_transactions_total event=sent purpose=borrow):$(value lendgate_chain_transactions_total event=sent purpose=transfer)" \
        "1:1"
    check "$s: chain calls counted by method" \
        test "$(value lendgate_chain_rpc_calls_total method=eth_sendRawTransaction outcome=ok)" -ge 2
    expect_eq "$s: the webhook attempt counted (the endpoint is closed: RETRY)" \
        "$(value lendgate_webhook_deliveries_total outcome=RETRY)" 1
    expect_eq "$s: reconcile's pass counted" "$(value lendgate_reconcile_runs_total result=ok)" 1
    expect_eq "$s: the store's gauges: borrowed, outstanding, limits" \
        "$(value partner_borrow_total_usdc partner_id="$pid"):$(value partner_outstanding_debt_usdc partner_id="$pid"):$(value lendgate_loans status=ACTIVE)" \
        "50:50:1"
    expect_eq "$s: the chain's gauges: node up" "$(value lendgate_chain_up)" 1
    # The audit journal's backlog: reconcile has just moved every waiting row in, and
    # nothing but the scrapes has come since (a scrape is not a partner call).
    expect_eq "$s: the audit journal's backlog is exported, empty after reconcile" \
        "$(grep -c '^lendgate_audit_journal_rows_waiting ' "$T/scrape.txt"):$(value lendgate_audit_journal_rows_waiting)" \
        "1:0"
    if command -v promtool >/dev/null; then
        # The plan names two counters without the _total suffix promtool's lint asks
        # for; those two complaints are expected, any other fails.
        promtool check metrics <"$T/scrape.txt" >"$T/promtool.out" 2>&1
        expect_eq "$s: promtool check metrics accepts the live output (the plan's two names aside)" \
            "$(grep -v -e '^partner_borrow_total_usdc counter metrics should have "_total" suffix$' \
                -e '^partner_repay_total_usdc counter metrics should have "_total" suffix$' \
                "$T/promtool.out")" ""
    else
        skip "$s: promtool check metrics" "promtool (Debian package prometheus) not installed"
    fi
    cp "$T/scrape.txt" "$T/scrape-$s.txt"
    check "$s: every dashboard and alert expression names an exported metric" \
        python3 "$LG_TOP_SRCDIR/contrib/prometheus/check_exprs.py" \
        "$LG_TOP_SRCDIR/contrib/grafana/lendgate.json" "$LG_TOP_SRCDIR/contrib/prometheus/alerts.yml" \
        --metrics "$T/scrape.txt"
    ws_stop
}

round lighttpd
round apache

# /readyz follows the chain node: 503 while the devnet is stopped, 200 once it is back.
pa_store readyz
read -r _ _ < <("$mk" --db "$db" --prefix ready)
if ws_start lighttpd 2; then
    expect_eq "readyz: 200 with the devnet up" "$(readyz)" 200
    port=${LG_RPC_URL##*:}
    port=${port%%/*}
    devnet_down
    expect_eq "readyz: 503 with the devnet stopped, naming the chain" \
        "$(readyz):$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["status"], d["checks"]["chain"]["ok"], d["checks"]["store"]["ok"])' "$T/readyz.json")" \
        "503:not_ready False True"
    if "$lg_devnet_dir/up.sh" --port "$port" --state-dir "$T/devnet-again" >"$T/devnet-again.log" 2>&1; then
        at_exit "'$lg_devnet_dir/down.sh' --state-dir '$T/devnet-again' >/dev/null 2>&1"
        wait_for 30 sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' '$LG_BASE_URL/readyz')\" = 200 ]"
        expect_eq "readyz: 200 once the devnet is back" "$(readyz)" 200
    else
        fail "the devnet starts again on port $port" "$(tail -n 5 "$T/devnet-again.log")"
    fi
else
    fail "readyz: lighttpd starts" "$ws_why"
fi

finish
