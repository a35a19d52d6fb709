#!/usr/bin/env bash
# lendgatectl store copy: a store made by lendgatectl's partner verbs (a live partner
# and one with its sandbox twin, a suspension, a key rotation: partners, keys, audit
# rows; the cluster guards' counters and replay digests) copied from one SQLite file
# into another arrives row for row, the command prints each table's counts and sums
# and "verified", never a secret, and a second copy into the now non-empty target is
# refused and changes nothing; without --to the configured store is the target; a
# missing source or a bad location is refused.
. "$(dirname "$0")/lib.sh"
ctl="$LG_TOP_BUILDDIR/lendgatectl"
a="$T/state/a.db"
b="$T/state/b.db"
for tool in sqlite3 sha256sum; do
    command -v "$tool" >/dev/null || { skip "store_copy" "$tool is not installed"; finish; }
done

conf() { # FILE DB
    printf '[store]\nbackend = sqlite\nstate_dir = %s\npath = %s\n' "$T/state" "$2" >"$1"
}
conf "$T/a.conf" "$a"
conf "$T/c.conf" "$T/state/c.db"
c() { "$ctl" --config "$T/a.conf" "$@"; }
has() { case "$2" in *"$3"*) pass "$1" ;; *) fail "$1" "'$3' not in: $2" ;; esac; }
hasnt() { case "$2" in *"$3"*) fail "$1" "'$3' found" ;; *) pass "$1" ;; esac; }
tables="partners api_keys solvency_positions partner_loans solvency_position_loans loan_repayments
partner_deposits partner_ledger partner_daily_usage chain_txs nonces webhook_outbox
webhook_attempts partner_api_logs admin_audit job_leases chain_cursors audit_journal
guard_rates"
# Every copied table's rows, hashed: equal hashes = the same rows (the replay digests
# are blobs: as hex).
rows_of() {
    { for t in $tables; do sqlite3 "$1" "select * from $t order by 1, 2"; done
      sqlite3 "$1" "select hex(digest), expires_at_ms from guard_replays order by 1"; } | sha256sum
}

c init >/dev/null || { fail "init" "lendgatectl init failed"; finish; }
c partner create --name "Acme Lending" --prefix acme \
    --settlement 0x4B20993Bc481177ec7E8f571ceCaE8A9e22C02db --tier PREMIUM \
    --webhook-url https://acme.example/hook --contact ops@acme.example >"$T/acme.out" ||
    fail "create acme"
c partner create --name QuickCash --prefix qc --env sandbox \
    --settlement 0x1aa7451DD11b8cb16AC089ED7fE05eFa00100A6A >/dev/null || fail "create qc"
c partner suspend partner_qc_002 >/dev/null || fail "suspend qc"
c partner rotate-key partner_acme_001 >/dev/null || fail "rotate acme's key"
# The cluster guards' state, as the responders leave it: a counter and two accepted
# signatures' digests, one of them long expired (copied as it is).
sqlite3 "$a" "insert into guard_rates values ('partner:partner_acme_001', 1767225600000, 2, 3,
    1767225720000); insert into guard_replays values (x'$(printf '%064d' 7)', 4102444800000),
    (x'$(printf '%064d' 8)', 1);" || fail "fill the guards"
whsec=$(sqlite3 "$a" "select webhook_secret from partners where id = 'partner_acme_001'")
expect_eq "the source has a webhook secret" "$([ -n "$whsec" ] && echo yes)" yes

# ---- copy into a new file
out=$(c store copy --from "sqlite:$a" --to "sqlite:$b" 2>"$T/copy.err"); rc=$?
expect_eq "copy exits 0" "$rc" 0
has "copy says verified" "$out" "counts and sums verified"
has "copy lists partners" "$out" "partners"
expect_eq "copy counts the partners and the twin" \
    "$(awk '$1 == "partners" {print $2}' <<<"$out")" "$(sqlite3 "$a" "select count(*) from partners")"
expect_eq "copy counts the keys" \
    "$(awk '$1 == "api_keys" {print $2}' <<<"$out")" "$(sqlite3 "$a" "select count(*) from api_keys")"
expect_eq "copy counts the audit rows" \
    "$(awk '$1 == "admin_audit" {print $2}' <<<"$out")" "$(sqlite3 "$a" "select count(*) from admin_audit")"
has "copy prints the money sums" "$out" "outstanding=0"
expect_eq "copy counts the replay digests" "$(awk '$1 == "guard_replays" {print $2}' <<<"$out")" 2
has "copy sums the rate counters" "$out" "current=2  previous=3"
has "copy names what it leaves" "$out" "not copied: schema_migrations"
hasnt "copy never prints the webhook secret" "$out$(cat "$T/copy.err")" "$whsec"
expect_eq "every table row for row" "$(rows_of "$b")" "$(rows_of "$a")"
expect_eq "the copy has its own schema" "$(sqlite3 "$b" "select max(version) from schema_migrations")" \
    "$(sqlite3 "$a" "select max(version) from schema_migrations")"
expect_eq "the copy passes its integrity check" "$(sqlite3 "$b" "pragma integrity_check")" ok
conf "$T/b.conf" "$b"
expect_eq "lendgatectl reads the copy as the source" \
    "$("$ctl" --config "$T/b.conf" partner list --json | sha256sum)" "$(c partner list --json | sha256sum)"

# ---- a second copy into the same target
before=$(rows_of "$b")
err=$(c store copy --from "sqlite:$a" --to "sqlite:$b" 2>&1 >/dev/null); rc=$?
expect_eq "second copy exits 1" "$rc" 1
has "second copy says the target is not empty" "$err" "not empty"
has "second copy names the table" "$err" "'partners'"
expect_eq "the refused target is unchanged" "$(rows_of "$b")" "$before"

# ---- the configured store as target
out=$("$ctl" --config "$T/c.conf" store copy --from "sqlite:$a" 2>/dev/null); rc=$?
expect_eq "copy into the configured store exits 0" "$rc" 0
has "copy into the configured store says verified" "$out" "verified"
expect_eq "the configured store holds the copy" "$(rows_of "$T/state/c.db")" "$(rows_of "$a")"

# ---- refusals
err=$(c store copy --from "sqlite:$T/state/none.db" --to "sqlite:$T/state/d.db" 2>&1); rc=$?
expect_eq "missing source exits 1" "$rc" 1
has "missing source is named" "$err" "does not exist"
expect_eq "a missing source is not created" "$([ -e "$T/state/none.db" ] && echo made)" ""
err=$(c store copy --from "$a" 2>&1); rc=$?
expect_eq "a source without its backend exits 2" "$rc" 2
has "a source without its backend is explained" "$err" "BACKEND:LOCATION"
c store copy >/dev/null 2>&1; expect_eq "copy without --from exits 2" "$?" 2
cp "$a" "$T/state/old.db"
sqlite3 "$T/state/old.db" "delete from schema_migrations where version = (select max(version) from schema_migrations)"
err=$(c store copy --from "sqlite:$T/state/old.db" --to "sqlite:$T/state/e.db" 2>&1); rc=$?
expect_eq "a source at an older schema exits 1" "$rc" 1
has "a source at an older schema is told to migrate" "$err" "lendgatectl migrate"

finish
