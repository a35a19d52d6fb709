#!/usr/bin/env bash
# lendgatectl init/migrate/version: a fresh directory becomes a working database,
# a second run changes nothing, and bad configuration exits 2 with one line.
. "$(dirname "$0")/lib.sh"
ctl="$LG_TOP_BUILDDIR/lendgatectl"

cat >"$T/good.conf" <<CONF
[store]
backend = sqlite
state_dir = $T/state
path = $T/state/lendgate.db
CONF

out=$("$ctl" --config "$T/good.conf" init 2>&1); rc=$?
expect_eq "init exits 0" "$rc" 0
expect_eq "state dir is 0700" "$(stat -c %a "$T/state" 2>/dev/null)" 700
expect_eq "database is 0600" "$(stat -c %a "$T/state/lendgate.db" 2>/dev/null)" 600
case "$out" in *"database $T/state/lendgate.db: created"*) pass "init reports the database created" ;;
    *) fail "init reports the database created" "$out" ;; esac

tables=$(sqlite3 "$T/state/lendgate.db" "select name from sqlite_master where type='table' order by name" | tr '\n' ' ')
for t in partners api_keys partner_loans solvency_positions partner_api_logs partner_ledger \
    partner_daily_usage webhook_outbox nonces admin_audit schema_migrations partner_deposits \
    job_leases; do
    case " $tables " in *" $t "*) pass "table $t exists" ;; *) fail "table $t exists" "$tables" ;; esac
done
expect_eq "journal is WAL" "$(sqlite3 "$T/state/lendgate.db" 'pragma journal_mode')" wal

sum_before=$(sqlite3 "$T/state/lendgate.db" .dump | sha256sum)
out=$("$ctl" --config "$T/good.conf" init 2>&1); rc=$?
expect_eq "second init exits 0" "$rc" 0
case "$out" in *"0 migration(s) applied"*) pass "second init applies nothing" ;;
    *) fail "second init applies nothing" "$out" ;; esac
expect_eq "second init changes no data" "$(sqlite3 "$T/state/lendgate.db" .dump | sha256sum)" "$sum_before"

out=$(LENDGATE_CONFIG="$T/good.conf" "$ctl" migrate 2>&1); rc=$?
expect_eq "migrate via LENDGATE_CONFIG exits 0" "$rc" 0
expect_eq "migrate changes no data" "$(sqlite3 "$T/state/lendgate.db" .dump | sha256sum)" "$sum_before"

printf '[store]\nbusy_timeout_ms = soon\n' >"$T/bad.conf"
err=$("$ctl" --config "$T/bad.conf" init 2>&1 >/dev/null); rc=$?
expect_eq "bad value exits 2" "$rc" 2
expect_eq "bad value is one line" "$(printf '%s\n' "$err" | wc -l)" 1
case "$err" in *busy_timeout_ms*) pass "bad value names the key" ;; *) fail "bad value names the key" "$err" ;; esac

err=$(LENDGATE_STORE_BUSY_TIMEOUT_MS=0 "$ctl" --config "$T/good.conf" init 2>&1 >/dev/null); rc=$?
expect_eq "bad env override exits 2" "$rc" 2
case "$err" in *LENDGATE_STORE_BUSY_TIMEOUT_MS*) pass "bad override names the variable" ;;
    *) fail "bad override names the variable" "$err" ;; esac

err=$("$ctl" --config "$T/missing.conf" init 2>&1 >/dev/null); rc=$?
expect_eq "missing config exits 2" "$rc" 2

printf '[store]\nstate_dir = %s/other\npath = %s/other/x.db\n' "$T" "$T" >"$T/nodb.conf"
err=$("$ctl" --config "$T/nodb.conf" migrate 2>&1 >/dev/null); rc=$?
expect_eq "migrate without a database exits 1" "$rc" 1
expect_eq "migrate without a database creates nothing" "$(test -e "$T/other/x.db" && echo yes || echo no)" no

mkdir -m 0755 "$T/open"
printf '[store]\nstate_dir = %s/open\npath = %s/open/x.db\n' "$T" "$T" >"$T/open.conf"
err=$("$ctl" --config "$T/open.conf" init 2>&1 >/dev/null); rc=$?
expect_eq "world-readable state dir refused with 2" "$rc" 2

"$ctl" frobnicate >/dev/null 2>&1; expect_eq "unknown command exits 2" "$?" 2
"$ctl" >/dev/null 2>&1; expect_eq "no command exits 2" "$?" 2
out=$("$ctl" version); expect_eq "version exits 0" "$?" 0
case "$out" in "lendgatectl "[0-9]*) pass "version prints the version" ;; *) fail "version prints the version" "$out" ;; esac
finish
