#!/usr/bin/env bash
# lendgatectl partner ... and audit against a real SQLite file: every verb's success
# and refusal, keys shown once and stored only as their SHA-256, rotation without
# grace, all-or-nothing imports that are idempotent (of the plan's own
# etc/partner_platforms.json: its partnerIds, prefixes and flags), the plan's field
# names in --json output and in reports, and the admin audit trail.
. "$(dirname "$0")/lib.sh"
ctl="$LG_TOP_BUILDDIR/lendgatectl"
db="$T/state/lendgate.db"
for tool in sqlite3 jq sha256sum; do
    command -v "$tool" >/dev/null || { skip "ctl_partner" "$tool is not installed"; finish; }
done

cat >"$T/lg.conf" <<CONF
[store]
backend = sqlite
state_dir = $T/state
path = $db
CONF
c() { "$ctl" --config "$T/lg.conf" "$@"; }
q() { sqlite3 "$db" "$@"; }
# Everything an admin action may change, hashed: equal hashes = nothing applied.
state() { q "select * from partners order by id; select * from api_keys order by id" | sha256sum; }
audits() { q "select count(*) from admin_audit"; }
has() { case "$2" in *"$3"*) pass "$1" ;; *) fail "$1" "'$3' not in: $2" ;; esac; }
hasnt() { case "$2" in *"$3"*) fail "$1" "'$3' found" ;; *) pass "$1" ;; esac; }
sha() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }
now_ms() { date +%s%3N; }
actor="cli:$(id -un)"
lf=0x4B20993Bc481177ec7E8f571ceCaE8A9e22C02db
qc=0x1aa7451DD11b8cb16AC089ED7fE05eFa00100A6A
audit_rows=0

c init >/dev/null || { fail "init" "lendgatectl init failed"; finish; }

out=$("$ctl" help); expect_eq "help exits 0" "$?" 0
has "help lists partner" "$out" "partner"
has "help lists audit" "$out" "audit"

# ---- create
out=$(c partner create --name "Acme Lending" --prefix acme --settlement "$lf" --tier PREMIUM \
    --daily-limit 1000000000 --total-limit 5000000000 --fee-bps 100 \
    --webhook-url https://acme.example/hook --contact ops@acme.example --json); rc=$?
expect_eq "create exits 0" "$rc" 0
audit_rows=$((audit_rows + 1))
id=$(jq -r .partner.partnerId <<<"$out")
key=$(jq -r .apiKey <<<"$out")
expect_eq "create derives the partner id" "$id" partner_acme_001
case "$key" in pk_acme_live_*) pass "create prints a live key" ;; *) fail "create prints a live key" "$key" ;; esac
expect_eq "key has 32 hex digits" "$(grep -cE '^pk_acme_live_[0-9a-f]{32}$' <<<"$key")" 1
expect_eq "create prints a webhook secret" "$(jq -r '.webhookSecret | length > 0' <<<"$out")" true
expect_eq "stored hash is sha256 of the printed key" \
    "$(q "select count(*) from api_keys where partner_id='$id' and key_hash='$(sha "$key")'")" 1
expect_eq "the key is not stored in clear" "$(q .dump | grep -c "$key")" 0
expect_eq "stored fee" "$(q "select fee_bps||' '||tier||' '||daily_limit from partners where id='$id'")" \
    "100 1 1000000000"
expect_eq "create --json prints the plan's partner object" \
    "$(jq -r '.partner | [.partnerName, .status, .tier, .dailyBorrowLimit, .totalBorrowLimit, .currentOutstanding, .platformFeePercentage, .kycVerified, .contractSigned, .createdBy] | map(tostring) | join(" ")' <<<"$out")" \
    "Acme Lending ACTIVE PREMIUM 1000000000 5000000000 0 100 false false $actor"
expect_eq "create --json has no old field names" \
    "$(jq -r '.partner | [has("id"), has("name"), has("feeBps"), has("dailyLimit"), has("totalLimit"), has("outstanding")] | map(tostring) | join(" ")' <<<"$out")" \
    "false false false false false false"

out=$(c partner create --name QuickCash --prefix qc --settlement "$qc" --env sandbox); rc=$?
expect_eq "text create exits 0" "$rc" 0
audit_rows=$((audit_rows + 1))
id2=$(awk '/^partner /{print $2; exit}' <<<"$out")
key2=$(awk '/API key:/{print $3; exit}' <<<"$out")
expect_eq "text create names the id" "$id2" partner_qc_002
case "$key2" in pk_qc_sandbox_*) pass "text create prints the sandbox key" ;; *) fail "text create prints the sandbox key" "$key2" ;; esac
has "text create warns the key is shown once" "$out" "shown once"
expect_eq "second partner defaults to BASIC" "$(q "select tier from partners where id='$id2'")" 0

before=$(state)
refused() { # NAME EXPECTED_RC EXPECTED_TEXT ARGS...
    local name=$1 want=$2 text=$3 err
    shift 3
    err=$(c "$@" 2>&1 >/dev/null); expect_eq "$name exits $want" "$?" "$want"
    [ -z "$text" ] || has "$name names $text" "$err" "$text"
}
base=(partner create --name X --prefix xco --settlement "$lf")
refused "fee 10001" 1 --fee-bps "${base[@]}" --fee-bps 10001
refused "fee not a number" 1 --fee-bps "${base[@]}" --fee-bps 1.5
refused "bad checksum" 1 --settlement partner create --name X --prefix xco \
    --settlement 0x4b20993Bc481177ec7E8f571ceCaE8A9e22C02db
refused "uppercase prefix" 1 --prefix partner create --name X --prefix XCo --settlement "$lf"
refused "zero daily limit" 1 --daily-limit "${base[@]}" --daily-limit 0
refused "negative total limit" 1 --total-limit "${base[@]}" --total-limit -5
refused "plain http webhook" 1 --webhook-url "${base[@]}" --webhook-url http://hooks.example/x
refused "bad contact" 1 --contact "${base[@]}" --contact nobody
refused "bad tier" 1 --tier "${base[@]}" --tier GOLD
refused "bad env" 1 --env "${base[@]}" --env staging
refused "taken prefix" 1 "" partner create --name Again --prefix acme --settlement "$lf"
refused "missing settlement" 2 --settlement partner create --name X --prefix xco
refused "option twice" 2 --name "${base[@]}" --name Y
refused "unknown option" 2 --colour "${base[@]}" --colour red
refused "unknown verb" 2 frobnicate partner frobnicate
expect_eq "refused creates change nothing" "$(state)" "$before"

# ---- list and show
out=$(c partner list); expect_eq "list exits 0" "$?" 0
has "list shows the first partner" "$out" "$id"
has "list shows the second partner" "$out" "$id2"
expect_eq "list --json total" "$(c partner list --json | jq .pagination.total)" 2
expect_eq "list --tier PREMIUM" "$(c partner list --tier PREMIUM --json | jq -r '[.partners[].partnerId]|join(",")')" "$id"
expect_eq "list --limit 1 --offset 1" "$(c partner list --limit 1 --offset 1 --json | jq -r '.partners[0].partnerId')" "$id2"
refused "list bad status" 1 --status partner list --status GONE
refused "list limit 0" 1 --limit partner list --limit 0
out=$(c partner show "$id"); expect_eq "show exits 0" "$?" 0
has "show lists the key by prefix" "$out" "${key:0:16}"
hasnt "show never prints the key" "$out" "$key"
hasnt "show never prints the key hash" "$out" "$(sha "$key")"
expect_eq "show --json key prefix" "$(c partner show "$id" --json | jq -r '.apiKeys[0].prefix')" "${key:0:16}"
hasnt "show --json never prints the hash" "$(c partner show "$id" --json)" "$(sha "$key")"
refused "show unknown id" 1 "" partner show partner_nope_001
refused "show bad id" 1 "partner ID" partner show 'bad id!'
refused "show without id" 2 "" partner show

# ---- update, suspend, activate
out=$(c partner update "$id" --fee-bps 150 --daily-limit 2000000000 \
    --webhook-url https://acme.example/hooks/v2); rc=$?
expect_eq "update exits 0" "$rc" 0
audit_rows=$((audit_rows + 1))
has "update reports a URL as given, not JSON-escaped" "$out" \
    'webhookUrl: "https://acme.example/hook" -> "https://acme.example/hooks/v2"'
has "update reports the fee change" "$out" "platformFeePercentage: 100 -> 150"
has "update reports the daily limit change" "$out" 'dailyBorrowLimit: "1000000000" -> "2000000000"'
expect_eq "update is stored" "$(q "select fee_bps||' '||daily_limit from partners where id='$id'")" "150 2000000000"
before=$(state)
refused "update bad fee" 1 --fee-bps partner update "$id" --fee-bps abc
refused "update bad url" 1 --webhook-url partner update "$id" --webhook-url ftp://x.example
refused "update unknown id" 1 "" partner update partner_nope_001 --fee-bps 1
refused "update nothing" 2 "" partner update "$id"
refused "update prefix" 2 --prefix partner update "$id" --prefix other
refused "update a flag that is not true or false" 1 --kyc-verified partner update "$id" --kyc-verified yes
expect_eq "refused updates change nothing" "$(state)" "$before"
# The onboarding flags and signing, from the command line as from the admin API.
out=$(c partner update "$id" --kyc-verified true --contract-signed true --signing-required true); rc=$?
expect_eq "update of the flags and signing exits 0" "$rc" 0
audit_rows=$((audit_rows + 1))
expect_eq "the flags and signing are stored" \
    "$(q "select kyc_verified||contract_signed||signing_required||(signing_secret <> '') from partners where id='$id'")" 1111
has "switching signing on shows its new secret once" "$out" "signing secret: sig_"
out=$(c partner update "$id" --signing-required false --kyc-verified false); rc=$?
expect_eq "switching them off exits 0" "$rc:$(q "select kyc_verified||signing_required from partners where id='$id'")" 0:00
audit_rows=$((audit_rows + 1))

out=$(c partner suspend "$id"); expect_eq "suspend exits 0" "$?" 0
audit_rows=$((audit_rows + 1))
expect_eq "suspended in the store" "$(q "select status from partners where id='$id'")" 1
expect_eq "list --status suspended" "$(c partner list --status suspended --json | jq -r '.partners[0].partnerId')" "$id"
out=$(c partner activate "$id"); expect_eq "activate exits 0" "$?" 0
audit_rows=$((audit_rows + 1))
expect_eq "active in the store" "$(q "select status from partners where id='$id'")" 0
refused "suspend unknown id" 1 "" partner suspend partner_nope_001
refused "activate without id" 2 "" partner activate

# ---- rotate-key
t0=$(now_ms)
out=$(c partner rotate-key "$id" --grace 0 --json); rc=$?
expect_eq "rotate-key exits 0" "$rc" 0
audit_rows=$((audit_rows + 1))
newkey=$(jq -r .apiKey <<<"$out")
case "$newkey" in pk_acme_live_*) pass "rotation keeps the live environment" ;; *) fail "rotation keeps the live environment" "$newkey" ;; esac
expect_eq "new key is stored by its hash" "$(q "select count(*) from api_keys where key_hash='$(sha "$newkey")'")" 1
old_exp=$(q "select coalesce(expires_at_ms, 0) from api_keys where key_hash='$(sha "$key")'")
if [ "$old_exp" -gt 0 ] && [ "$old_exp" -le "$(now_ms)" ]; then pass "grace 0 expires the old key now"
else fail "grace 0 expires the old key now" "expires_at_ms=$old_exp"; fi
expect_eq "new key does not expire" "$(q "select coalesce(expires_at_ms, 0) from api_keys where key_hash='$(sha "$newkey")'")" 0
out=$(c partner rotate-key "$id2"); expect_eq "rotate-key with the default grace exits 0" "$?" 0
audit_rows=$((audit_rows + 1))
has "default rotation keeps the sandbox environment" "$out" "pk_qc_sandbox_"
old_exp=$(q "select coalesce(expires_at_ms, 0) from api_keys where key_hash='$(sha "$key2")'")
lo=$((t0 + 86400000 - 5000)) hi=$(($(now_ms) + 86400000 + 5000))
if [ "$old_exp" -ge "$lo" ] && [ "$old_exp" -le "$hi" ]; then pass "default grace is [admin] key_grace_seconds"
else fail "default grace is [admin] key_grace_seconds" "expires_at_ms=$old_exp"; fi
before=$(state)
refused "negative grace" 1 --grace partner rotate-key "$id" --grace -1
refused "grace over a year" 1 --grace partner rotate-key "$id" --grace 99999999
refused "rotate bad env" 1 --env partner rotate-key "$id" --env staging
refused "rotate unknown id" 1 "" partner rotate-key partner_nope_001
expect_eq "refused rotations change nothing" "$(state)" "$before"

# ---- the plan's own fields: partnerId, contactWallet, publicKey, a pk_<partner>_<env>_ prefix
out=$(c partner create --name "Plan Co" --prefix pk_planco_sandbox_ --settlement "$lf" \
    --partner-id partner_planco_777 --contact-wallet "$qc" --public-key "$lf" --json); rc=$?
expect_eq "create with --partner-id, --contact-wallet and --public-key exits 0" "$rc" 0
audit_rows=$((audit_rows + 1))
expect_eq "create takes the given partnerId, contactWallet and publicKey" \
    "$(jq -r '.partner | [.partnerId, .apiKeyPrefix, (.contactWallet | ascii_downcase), (.publicKey | ascii_downcase)] | join(" ")' <<<"$out")" \
    "partner_planco_777 planco ${qc,,} ${lf,,}"
case "$(jq -r .apiKey <<<"$out")" in pk_planco_sandbox_*) pass "the prefix pk_planco_sandbox_ makes a sandbox key" ;;
*) fail "the prefix pk_planco_sandbox_ makes a sandbox key" "$(jq -r .apiKey <<<"$out" | cut -c1-18)" ;; esac
before=$(state)
refused "taken partner id" 1 partnerId partner create --name X --prefix xco --settlement "$lf" --partner-id "$id"
refused "bad contact wallet" 1 --contact-wallet "${base[@]}" --contact-wallet 0x1aa7451DD11b8cb16AC089ED7fE05eFa00100A6a
refused "bad public key" 1 --public-key "${base[@]}" --public-key 0x1234
expect_eq "refused plan-field creates change nothing" "$(state)" "$before"

# ---- import
file="$LG_TOP_SRCDIR/etc/partner_platforms.json"
out=$(c partner import "$file"); rc=$?
expect_eq "import exits 0" "$rc" 0
audit_rows=$((audit_rows + 2))
has "import reports 2 created" "$out" "2 created, 0 updated, 0 unchanged"
expect_eq "import stored both partners" \
    "$(q "select count(*) from partners where key_prefix in ('xyz','abc')")" 2
lfkey=$(awk '/API key:/{print $3; exit}' <<<"$out")
expect_eq "imported key is stored by its hash" "$(q "select p.key_prefix from api_keys k join partners p on p.id = k.partner_id where k.key_hash='$(sha "$lfkey")'")" xyz
expect_eq "imported PREMIUM tier" "$(q "select tier||' '||fee_bps from partners where key_prefix='xyz'")" "1 50"
# The plan's own partner_platforms.json: its partnerIds, names, limits and flags.
expect_eq "import keeps the plan's partnerIds" \
    "$(q "select group_concat(id, ' ') from (select id from partners where key_prefix in ('xyz','abc') order by id)")" \
    "partner_abc_finance_002 partner_xyz_lending_001"
case "$lfkey" in pk_xyz_live_*) pass "the plan's prefix pk_xyz_live_ makes a live xyz key" ;;
*) fail "the plan's prefix pk_xyz_live_ makes a live xyz key" "${lfkey:0:16}" ;; esac
plan_partner() { # ID: the plan's fields of the imported partner, as partner show --json prints them
    c partner show "$1" --json | jq -r '.partner | [.partnerId, .partnerName, .apiKeyPrefix,
        .status, .tier, .dailyBorrowLimit, .totalBorrowLimit, .platformFeePercentage,
        .kycVerified, .contractSigned, .publicKey, .contactEmail] | map(tostring) | join(" ")'
}
expect_eq "imported plan partner XYZ Lending" "$(plan_partner partner_xyz_lending_001)" \
    "partner_xyz_lending_001 XYZ Lending xyz ACTIVE PREMIUM 100000000000 500000000000 50 true true 0x1234567890123456789012345678901234567890 api@xyz-lending.com"
expect_eq "imported plan partner ABC Finance" "$(plan_partner partner_abc_finance_002)" \
    "partner_abc_finance_002 ABC Finance abc ACTIVE BASIC 50000000000 200000000000 75 true true null dev@abc-finance.com"
expect_eq "partner list --json shows both plan partners KYC-verified and signed" \
    "$(c partner list --limit 100 --json | jq -r '[.partners[] | select(.partnerId | test("^partner_(xyz_lending_001|abc_finance_002)$")) | select(.kycVerified and .contractSigned)] | length')" 2

before=$(state) n_audit=$(audits)
out=$(c partner import "$file"); rc=$?
expect_eq "second import exits 0" "$rc" 0
has "second import creates nothing" "$out" "0 created, 0 updated, 2 unchanged"
hasnt "second import shows no key" "$out" "API key"
expect_eq "second import changes nothing" "$(state)" "$before"
expect_eq "second import writes no audit row" "$(audits)" "$n_audit"

jq 'del(.partners[0].partnerId) | .partners[0].apiKeyPrefix = "newco" |
    .partners[0].partnerName = "NewCo" | .partners[1].platformFeePercentage = 20000' \
    "$file" >"$T/bad.json"
err=$(c partner import "$T/bad.json" 2>&1 >/dev/null); rc=$?
expect_eq "bad 2nd entry exits 1" "$rc" 1
has "bad 2nd entry is named" "$err" "partners[1].platformFeePercentage"
has "bad import names the file" "$err" "$T/bad.json"
expect_eq "bad import applies nothing" "$(state)" "$before"

jq 'del(.partners[].partnerId) | .partners[0].apiKeyPrefix = "dupco" | .partners[1].apiKeyPrefix = "dupco"' \
    "$file" >"$T/dup.json"
err=$(c partner import "$T/dup.json" 2>&1 >/dev/null); rc=$?
expect_eq "duplicate prefixes exit 1" "$rc" 1
expect_eq "duplicate prefixes apply nothing" "$(state)" "$before"
has "duplicate prefixes are named" "$err" "partners[1]"

jq '.partners[1].partnerId = "partner_xyz_lending_001"' "$file" >"$T/otherid.json"
err=$(c partner import "$T/otherid.json" 2>&1 >/dev/null); rc=$?
expect_eq "a partnerId of another prefix's partner exits 1" "$rc" 1
has "a partnerId of another prefix's partner is named" "$err" "partners[1].partnerId"
expect_eq "a partnerId of another prefix's partner applies nothing" "$(state)" "$before"

jq '.partners[0].platformFeePercentage = 80 | del(.partners[1].partnerId) |
    .partners[1].apiKeyPrefix = "thirdco"' "$file" >"$T/mixed.json"
out=$(c partner import "$T/mixed.json"); rc=$?
expect_eq "mixed import exits 0" "$rc" 0
audit_rows=$((audit_rows + 2))
has "mixed import updates one and creates one" "$out" "1 created, 1 updated, 0 unchanged"
expect_eq "import update is stored" "$(q "select fee_bps from partners where key_prefix='xyz'")" 80

printf '{"partners": [' >"$T/broken.json"
refused "unparsable file" 1 "broken.json" partner import "$T/broken.json"
refused "missing file" 1 "missing.json" partner import "$T/missing.json"
refused "import without file" 2 "" partner import
n_audit=$(audits)
expect_eq "refused imports write no audit row" "$n_audit" "$audit_rows"

# ---- audit
out=$(c audit --limit 1000 --json); expect_eq "audit exits 0" "$?" 0
expect_eq "audit lists every action" "$(jq '.entries | length' <<<"$out")" "$audit_rows"
expect_eq "every entry names the CLI actor" "$(jq --arg a "$actor" '[.entries[] | select(.admin != $a)] | length' <<<"$out")" 0
expect_eq "audit total" "$(jq .pagination.total <<<"$out")" "$audit_rows"
expect_eq "audit entries of the first partner" \
    "$(jq --arg id "$id" '[.entries[] | select(.target == $id)] | length' <<<"$out")" 7
has "text audit shows the actor" "$(c audit)" "$actor"
act=$(q "select action from admin_audit order by id limit 1")
expect_eq "audit --action filters" \
    "$(c audit --action "$act" --json | jq --arg a "$act" '[.entries[] | select(.action != $a)] | length')" 0
expect_eq "audit --target filters" "$(c audit --target "$id2" --json | jq .pagination.total)" 2
expect_eq "audit --since tomorrow is empty" "$(c audit --since "$(date -u -d tomorrow +%F)" --json | jq .pagination.total)" 0
expect_eq "audit --until today's start is empty" "$(c audit --until "$(date -u +%F)" --json | jq .pagination.total)" 0
expect_eq "audit --admin other is empty" "$(c audit --admin nobody --json | jq .pagination.total)" 0
refused "audit bad date" 1 --since audit --since yesterday
refused "audit limit 0" 1 --limit audit --limit 0
refused "audit unknown option" 2 --who audit --who x

trail=$(q "select before_json || after_json from admin_audit")
for k in "$key" "$key2" "$newkey" "$lfkey" "$(sha "$key")" "$(sha "$newkey")"; do
    hasnt "audit payloads hold no key or key hash (${k:0:12}...)" "$trail" "$k"
done
hasnt "audit payloads hold no webhook secret" "$trail" "$(q "select webhook_secret from partners where id='$id'")"
finish
