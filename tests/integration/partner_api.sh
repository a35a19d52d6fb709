# partner_api.sh - the partner API and the devnet as the pipeline tests drive them
# (sourced after lib.sh, webserver.sh and devnet.sh, once devnet_up has run).
#
# pa_init              reads deployment.json: $usdc $vault $platform, per seeded user
#                      I $walletI $oaidI $posI, per settlement wallet I $settleI;
#                      copies the platform key
# pa_start NAME        SKIPPED when a program is not built; else devnet_up, pa_init
# pa_store DIR         a fresh SQLite store in $T/DIR and $T/lendgate.conf for it
#                      (sets $db); partners are then made with mkpartner ($mk)
# pay AMOUNT INDEX     settlement[INDEX]'s USDC transfer to the platform wallet (a
#                      repayment proof); prints its hash
# borrow KEY ID WALLET OAID AMOUNT, repay KEY ID AMOUNT [PROOF], deposit KEY TX,
# get KEY PATH         one API call, answered as ws_call does
# jd EXPR...           python expressions over the last answer (d, and x the same),
#                      printed joined by ':' (one interpreter for all of them)
# block, balance HOLDER, borrowed_on_chain POSITION, rpc METHOD [PARAMS]
#                      the chain read (or a node RPC sent) directly, by chain.py
# loan_txs PARTNER_LOAN_ID
#                      how many transactions the store persisted for that loan
# start_borrow KEY ID WALLET OAID AMOUNT, persisted ID
#                      a borrow left running in the background; whether its loan has
#                      a persisted transaction yet
# reconcile_quick      lendgatectl reconcile for requests known to be over
# pa_sandbox_up        a second devnet, chain 31338, for the sandbox: $sb_rpc $sb_dep,
#                      its $sb_usdc $sb_vault $sb_oaid_contract $sb_platform, user 0's
#                      $sb_wallet0 $sb_oaid0 $sb_pos0, $sb_settle0; its key in
#                      $T/sandbox.key
# pa_sandbox_conf      the [sandbox] section for it, added to $T/lendgate.conf
# sb_chain ARGS...     chain.py on the sandbox's node

# The interpreter itself rather than whatever wrapper (a version manager's shim)
# `python3` names: the tests call it a few hundred times, webserver.sh's helpers too.
lg_python=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null)
if [ -x "$lg_python" ]; then
    python3() { "$lg_python" "$@"; }
fi

U=1000000
chain="$LG_TOP_SRCDIR/tests/integration/chain.py"
borrowed_topic=0x68045833607620b046673ad9d71b3f95e5626241b0d4d66477a2c600ad85b716
transfer_topic=0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef


pa_init() {
    eval "$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print("usdc=%s vault=%s oaid_contract=%s platform=%s" % (d["contracts"]["usdc"],
      d["contracts"]["vault"], d["contracts"]["oaid"], d["platform"]["address"]))
for i, u in enumerate(d["users"]):
    print("wallet%d=%s oaid%d=%s pos%d=%s" % (i, u["address"], i, u["oaid"], i, u["positionId"]))
for i, w in enumerate(d["settlement"]):
    print("settle%d=%s" % (i, w["address"]))' "$LG_DEPLOYMENT")"
    cp "$LG_PLATFORM_KEY" "$T/platform.key"
    chmod 600 "$T/platform.key"
}

# pa_start NAME: SKIPPED as NAME when the responder, lendgatectl ($ctl) or mkpartner
# ($mk) is not built; otherwise the devnet up and its deployment read (pa_init).
pa_start() {
    local prog
    ctl="$LG_TOP_BUILDDIR/lendgatectl"
    mk="$LG_TOP_BUILDDIR/tests/integration/mkpartner"
    for prog in "$ws_bin" "$ctl" "$mk"; do
        if [ ! -x "$prog" ]; then
            skip "$1" "$prog is not built"
            finish
        fi
    done
    devnet_up
    pa_init
}

pa_store() {
    local dir="$T/$1"
    rm -rf "$dir"
    mkdir -m 700 "$dir"
    db="$dir/lendgate.db"
    cat >"$T/lendgate.conf" <<CONF
[store]
backend = sqlite
state_dir = $dir
path = $db
[chain]
rpc_url = $LG_RPC_URL
chain_id = 31337
oaid_address = $oaid_contract
vault_address = $vault
usdc_address = $usdc
platform_key_file = $T/platform.key
request_timeout_ms = 5000
receipt_timeout_ms = 20000
receipt_poll_ms = 50
[http]
request_budget_ms = 20000
$ws_no_limits
[log]
level = warn
CONF
    check "$1: lendgatectl init" "$ctl" --config "$T/lendgate.conf" init
}

pa_sandbox_up() {
    local out
    at_exit "'$lg_devnet_dir/down.sh' --state-dir '$T/sandbox-devnet' >/dev/null 2>&1"
    if ! out=$("$lg_devnet_dir/up.sh" --state-dir "$T/sandbox-devnet" --chain-id 31338 \
        2>"$T/sandbox-up.log"); then
        fail "the sandbox's devnet starts" "$(tail -n 5 "$T/sandbox-up.log")"
        finish
    fi
    sb_rpc=$(printf '%s\n' "$out" | sed -n 's/^RPC_URL=//p')
    sb_dep=$(printf '%s\n' "$out" | sed -n 's/^DEPLOYMENT=//p')
    eval "$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print("sb_usdc=%s sb_vault=%s sb_oaid_contract=%s sb_platform=%s" % (d["contracts"]["usdc"],
      d["contracts"]["vault"], d["contracts"]["oaid"], d["platform"]["address"]))
u = d["users"][0]
print("sb_wallet0=%s sb_oaid0=%s sb_pos0=%s sb_settle0=%s" % (u["address"], u["oaid"],
      u["positionId"], d["settlement"][0]["address"]))' "$sb_dep")"
    install -m 600 "$(printf '%s\n' "$out" | sed -n 's/^PLATFORM_KEY=//p')" "$T/sandbox.key"
    pass "the sandbox's devnet starts ($sb_rpc, chain $(printf '%s\n' "$out" | sed -n 's/^CHAIN_ID=//p'))"
}

pa_sandbox_conf() {
    cat >>"$T/lendgate.conf" <<CONF
[sandbox]
rpc_url = $sb_rpc
chain_id = 31338
oaid_address = $sb_oaid_contract
vault_address = $sb_vault
usdc_address = $sb_usdc
platform_key_file = $T/sandbox.key
CONF
}

sb_chain() { LG_RPC_URL=$sb_rpc python3 "$chain" "$@"; }

pay() {
    local from="settle$2"
    python3 "$chain" transfer "$usdc" "${!from}" "$platform" "$1"
}

# The plan's borrow body: oaidTokenId a JSON number, borrowAmount a decimal string.
body() { printf '{"partnerLoanId":"%s","userWallet":"%s","oaidTokenId":%s,"borrowAmount":"%s"}' "$@"; }
borrow() {
    local key=$1
    shift
    ws_call POST /partners/borrow -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
        --data-binary "$(body "$@")"
}
repay_body() { printf '{"partnerLoanId":"%s","repaymentAmount":"%s"%s}' "$1" "$2" "${3:+,\"repaymentTxHash\":\"$3\"}"; }
repay() {
    ws_call POST /partners/repay -H "Authorization: Bearer $1" -H 'Content-Type: application/json' \
        --data-binary "$(repay_body "$2" "$3" "${4:-}")"
}
# repay_keyed IDEMPOTENCY-KEY API-KEY LOAN AMOUNT [PROOF]: repay with an Idempotency-Key.
repay_keyed() {
    local idem=$1
    shift
    ws_call POST /partners/repay -H "Authorization: Bearer $1" -H 'Content-Type: application/json' \
        -H "Idempotency-Key: $idem" --data-binary "$(repay_body "$2" "$3" "${4:-}")"
}
deposit() {
    ws_call POST /partners/deposits -H "Authorization: Bearer $1" -H 'Content-Type: application/json' \
        --data-binary "{\"txHash\":\"$2\"}"
}
get() { ws_call GET "$2" -H "Authorization: Bearer $1"; }
jd() {
    python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
x = d
print(":".join(str(eval(e)) for e in sys.argv[2:]))' "$T/ws/body" "$@" 2>/dev/null
}

# start_borrow KEY ID WALLET OAID AMOUNT: the borrow in the background, its answer in
# $T/ID.code and $T/ID.body, its curl's pid in bg_pid.
start_borrow() {
    local key=$1 id=$2
    shift
    curl -s -o "$T/$id.body" -w '%{http_code}' -X POST -H "Authorization: Bearer $key" \
        -H 'Content-Type: application/json' --data-binary "$(body "$@")" \
        "$LG_BASE_URL/partners/borrow" >"$T/$id.code" 2>/dev/null &
    bg_pid=$!
}
persisted() { [ "$(loan_txs "$1")" -ge 1 ] 2>/dev/null; }

block() { python3 "$chain" block; }
balance() { python3 "$chain" balance "$usdc" "$1"; }
borrowed_on_chain() { python3 "$chain" borrowed "$vault" "$1"; }
rpc() { python3 "$chain" rpc "$@" >/dev/null; }
loan_txs() {
    sqlite3 -readonly "$db" "select count(*) from chain_txs where loan_id = \
        (select id from partner_loans where partner_loan_id = '$1')"
}

# The requests it finishes got their answers (or died), so reconcile need not wait
# the budget of a live request before touching them. Run as root under Apache, it
# hands the store back to the server's user.
reconcile_quick() {
    LENDGATE_HTTP_REQUEST_BUDGET_MS=1000 LENDGATE_CHAIN_REQUEST_TIMEOUT_MS=1000 \
        "$ctl" --config "$T/lendgate.conf" reconcile
    local rc=$?
    ws_fix_owner
    return $rc
}
