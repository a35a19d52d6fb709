#!/usr/bin/env bash
# http_load.sh - what the read path promises under load, through lighttpd and four
# responders, with real clients on keep-alive connections (load_driver.py):
#   - a responder that dies right after answering (a test build's
#     X-Lendgate-Crash-At: answered) has lost no row of its calls;
#   - a responder SIGKILLed under load loses no audit row: every call lendgate
#     answered (its X-Request-Id) has exactly one partner_api_logs row once the
#     journal is flushed, and the dead responders' journal files are gone;
#   - a suspension made while the calls keep coming is obeyed by every responder from
#     its next call (each one's own journal shows it), and so is the activation;
#   - the admin audit viewer shows every call answered before it was asked, while the
#     load goes on;
#   - with an ingester beside the responders (lendgatectl journal-flush --watch) every
#     row reaches the store, and when it is SIGKILLed the responders take the ingest
#     up again by themselves.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/webserver.sh"

ws_offline_store "http load" "[admin]
trust_remote_user = true
admins = root-admin
[ratelimit]
basic_rpm = 1000000
ip_rpm = 1000000"
command -v htpasswd >/dev/null || { skip "http load" "htpasswd (apache2-utils) not installed"; finish; }
ws_admin_login
read -r kill_id kill_key < <("$mk" --db "$db" --prefix killer --loan kill-1)
read -r susp_id susp_key < <("$mk" --db "$db" --prefix susp)
read -r view_id view_key < <("$mk" --db "$db" --prefix viewer)
read -r ing_id ing_key < <("$mk" --db "$db" --prefix ingest)
driver="$LG_TOP_SRCDIR/tests/integration/load_driver.py"
journal="$(dirname "$db")/audit-journal"

start_server() {
    WS_ADMIN_AUTH=1 ws_start lighttpd 4 && return 0
    if [ "$ws_missing" = 1 ]; then skip "http load" "$ws_why"; else fail "lighttpd starts" "$ws_why"; fi
    finish
}

# load_start NAME KEY PATH: four client threads calling PATH until load_stop NAME.
load_start() {
    rm -f "$T/$1.stop"
    echo 0 >"$T/$1.progress"
    python3 "$driver" "$LG_BASE_URL" "$2" "$3" 4 "$T/$1.stop" "$T/$1.progress" "$T/$1.out" &
    load_pid=$!
}
load_stop() {
    touch "$T/$1.stop"
    wait "$load_pid"
}
answered() { cat "$T/$1.progress"; }
# more NAME N: waits until N more calls than now have been answered.
more() {
    want=$(($(answered "$1") + $2))
    reached() { [ "$(answered "$1")" -ge "$want" ]; }
    wait_for 120 reached "$1" || fail "$1: $2 more answers under load" "$(answered "$1") answered"
}

# ---- a responder that dies right after answering
start_server
if grep -q '^#define LG_TEST_HOOKS 1' "$LG_TOP_BUILDDIR/config.h"; then
    before=$(ws_pids | sort)
    ws_call GET /partners/loan/kill-1 -H "Authorization: Bearer $kill_key" \
        -H 'X-Lendgate-Crash-At: answered'
    rid=$(ws_header X-Request-Id)
    gone() { [ -n "$(comm -23 <(echo "$before") <(ws_pids | sort))" ]; }
    wait_for 30 gone
    ws_audit_flush
    expect_eq "died after answering: answered 200, the responder is gone, its row is stored" \
        "$ws_status:$(gone && echo gone):$(sqlite3 "$db" "select count(*) from partner_api_logs where request_id = '$rid'")" \
        "200:gone:1"
else
    skip "died after answering" "this build has no test hooks (configure --enable-test-hooks)"
fi

# ---- a responder killed under load
load_start kill "$kill_key" /partners/loan/kill-1
more kill 100
killed=""
for round in 1 2 3; do
    victim=$(ws_pids | shuf -n 1)
    [ -n "$victim" ] && kill -9 "$victim" && killed="$killed $victim"
    more kill 150
done
load_stop kill
ws_stop
ws_audit_flush
expect_eq "kill: three responders were killed under load" "$(wc -w <<<"$killed")" 3
expect_eq "kill: every call lendgate answered has its audit row, exactly once" \
    "$(python3 - "$T/kill.out" "$db" "$kill_id" <<'PY'
import collections, sqlite3, sys
out, db, partner = sys.argv[1:4]
answered = [l.split()[3] for l in open(out) if l.split()[2] == "200"]
con = sqlite3.connect(db)
rows = collections.Counter(r[0] for r in con.execute(
    "select request_id from partner_api_logs where partner_id = ?", (partner,)))
missing = sum(1 for rid in answered if rows[rid] == 0)
twice = sum(1 for rid in answered if rows[rid] > 1)
print("answered>=400:%s missing:%d twice:%d" % (len(answered) >= 400, missing, twice))
PY
)" "answered>=400:True missing:0 twice:0"
left=""
for pid in $killed; do
    ls "$journal" | grep -q "_${pid}_" && left="$left $pid"
done
expect_eq "kill: the killed responders' journal files were read and removed" "$left" ""

# ---- a suspension and an activation under load
start_server
load_start susp "$susp_key" /partners/my/stats
more susp 200
t_suspend=$(date +%s%N)
"$ctl" --config "$T/lendgate.conf" partner suspend "$susp_id" >/dev/null ||
    fail "lendgatectl partner suspend" "exit status $?"
t_suspended=$(date +%s%N)
more susp 400
t_activate=$(date +%s%N)
"$ctl" --config "$T/lendgate.conf" partner activate "$susp_id" >/dev/null ||
    fail "lendgatectl partner activate" "exit status $?"
t_activated=$(date +%s%N)
more susp 400
load_stop susp
# Which responder answered each call: the journal file its row went to names it.
verdict=$(python3 - "$T/susp.out" "$journal" "$t_suspend" "$t_suspended" "$t_activate" \
    "$t_activated" <<'PY'
import collections, os, sys
out, journal = sys.argv[1:3]
t_suspend, t_suspended, t_activate, t_activated = map(int, sys.argv[3:7])
by_rid = {}
for name in os.listdir(journal):
    if not name.endswith(".log"):
        continue
    pid = name.split("_")[1]
    for line in open(os.path.join(journal, name), encoding="utf-8", errors="replace"):
        f = line.rstrip("\n").split("\t")
        if len(f) > 7:
            by_rid[f[7]] = pid
phases = collections.defaultdict(lambda: collections.defaultdict(collections.Counter))
for line in open(out):
    sent, _, status, rid = line.split()
    sent = int(sent)
    if rid == "-":
        continue
    phase = ("before" if sent < t_suspend else "suspended" if t_suspended < sent < t_activate
             else "activated" if sent > t_activated else None)
    if phase:
        phases[phase][by_rid.get(rid, "?")][status] += 1
def line(phase, want):
    workers = phases[phase]
    wrong = sum(n for w in workers.values() for s, n in w.items() if s != want)
    calls = sum(sum(w.values()) for w in workers.values())
    known = len([w for w in workers if w != "?"])
    return "%s: workers=%d calls>=100:%s wrong=%d" % (phase, known, calls >= 100, wrong)
print(line("before", "200"))
print(line("suspended", "403"))
print(line("activated", "200"))
PY
)
expect_eq "suspend: before it, every responder answers 200" "$(sed -n 1p <<<"$verdict")" \
    "before: workers=4 calls>=100:True wrong=0"
expect_eq "suspend: every responder refuses from its next call (403)" \
    "$(sed -n 2p <<<"$verdict")" "suspended: workers=4 calls>=100:True wrong=0"
expect_eq "activate: every responder answers again from its next call" \
    "$(sed -n 3p <<<"$verdict")" "activated: workers=4 calls>=100:True wrong=0"

# ---- the viewer under load
load_start view "$view_key" /partners/my/stats
more view 100
short=""
for round in 1 2 3; do
    before=$(answered view)
    ws_admin GET "/admin/partners/audit-logs?partnerId=$view_id&limit=1"
    shown=$(ws_py 'd["pagination"]["total"]')
    [ "$ws_status" = 200 ] && [ "$shown" -ge "$before" ] || short="$short $shown<$before($ws_status)"
    more view 100
done
load_stop view
expect_eq "viewer: shows every call answered before it was asked, under load" "$short" ""

# ---- an ingester beside the responders, killed
# stored NAME: every call of the partner lendgate answered in run NAME has its row.
stored() {
    [ "$(sqlite3 "$db" "select count(*) from partner_api_logs where partner_id = '$ing_id'")" \
        -ge "$(awk '$4 != "-"' "$T"/ing-*.out | wc -l)" ]
}
"$ctl" --config "$T/lendgate.conf" journal-flush --watch >"$T/ingester.log" 2>&1 &
ingester=$!
at_exit "kill $ingester 2>/dev/null"
load_start ing-1 "$ing_key" /partners/my/stats
more ing-1 300
load_stop ing-1
wait_for 60 stored
expect_eq "ingester: every row reaches the store while it runs" "$(stored && echo yes)" yes
kill -9 "$ingester"
load_start ing-2 "$ing_key" /partners/my/stats
more ing-2 300
load_stop ing-2
wait_for 60 stored
expect_eq "ingester killed: the responders take the ingest up again, every row stored" \
    "$(stored && echo yes)" yes
ws_stop
expect_eq "no sanitizer report or crash" "$(ws_errors | head -n 3)" ""
finish
