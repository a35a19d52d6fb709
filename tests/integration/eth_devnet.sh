#!/usr/bin/env bash
# The eth runtime (rpc, contracts, fees, nonces, sender) against a real devnet: chain id
# check, contract reads against deployment.json, signed sends read back on chain, revert
# reasons, 8 processes x 25 transactions on one nonce counter, an unreachable and a
# silent node, an oversized answer, receipt polling with automine off, re-broadcasts.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/devnet.sh"

live="$LG_TOP_BUILDDIR/tests/integration/eth_live"
if [ ! -x "$live" ]; then
    fail "eth_live is built" "$live is missing (make tests/integration/eth_live)"
    finish
fi
devnet_up

# field EXPR: a value of deployment.json, e.g. field 'contracts.usdc'
field() { node -p "require(process.argv[1]).$1" "$LG_DEPLOYMENT"; }

cat >"$T/eth.conf" <<CONF
[store]
backend = sqlite
path = $T/lendgate.db
[chain]
rpc_url = $LG_RPC_URL
chain_id = 31337
oaid_address = $(field contracts.oaid)
vault_address = $(field contracts.vault)
usdc_address = $(field contracts.usdc)
platform_key_file = $LG_PLATFORM_KEY
connect_timeout_ms = 1000
request_timeout_ms = 5000
receipt_timeout_ms = 20000
receipt_poll_ms = 50
gas_margin_pct = 20
rpc_retries = 2
CONF

# run NAME SUBCOMMAND ARGS...: passes when eth_live exits 0; keeps its output in
# $T/out.SUBCOMMAND for value checks and shows it on failure.
run() {
    local name=$1 sub=$2
    shift
    if "$live" --config "$T/eth.conf" "$@" >"$T/out.$sub" 2>&1; then
        pass "$name"
    else
        fail "$name" "eth_live $* exited $?"
        sed 's/^/    | /' "$T/out.$sub" | tail -n 30
    fi
}
# val SUBCOMMAND KEY: the value of the first KEY=value in that subcommand's output.
val() { sed -n "s/^\(.* \)\{0,1\}$2=\([^ ]*\).*/\2/p" "$T/out.$1" | head -n 1; }
line() { sed -n "s/^$2=//p" "$T/out.$1" | head -n 1; }

user2=$(field 'users[0].address')
inactive_pos=$(field 'users.find(u => !u.active).positionId')
settle0=$(field 'settlement[0].address')
settle1=$(field 'settlement[1].address')
settle2=$(field 'settlement[2].address')

run "chain id checked, another chain id refused" chain
expect_eq "eth_chainId" "$(val chain chain_id)" 31337

run "ownerOf/getCreditLine/positionOf/getPosition match deployment.json" read "$LG_DEPLOYMENT"
expect_eq "every seeded user read" "$(val read users)" "$(field users.length)"

run "keep-alive: one connection for 20 calls, refused after fork" keepalive
expect_eq "connections" "$(val keepalive connections)" 1

run "borrowUSDC for user #2 signed, sent, mined, read back" borrow "$(field 'users[0].positionId')" 5000000000
run "USDC transfer from the platform wallet, re-broadcast harmless" transfer "$settle0" 1500000
expect_eq "recipient balance changed by the amount" "$(val transfer recipient_delta)" 1500000
expect_eq "Transfer log parsed" "$(val transfer transfer_log_value)" 1500000
expect_eq "other bytes at a mined nonce refused" "$(val transfer nonce_taken)" LG_ERR_RPC

run "persist fails: nothing is broadcast" persistfail "$settle0"
expect_eq "persist failure returned" "$(val persistfail persist_failure)" LG_ERR_STORE

run "reverting borrow: reason decoded, no nonce taken" revert "$inactive_pos"
for k in call_reason estimate_reason send_reason mined_reason; do
    expect_eq "$k" "$(line revert "$k")" "Vault: credit line inactive"
done

LENDGATE_CHAIN_RECEIPT_TIMEOUT_MS=1500 \
    run "automine off: receipt wait bounded, stuck tx replaced, found after evm_mine" \
    automine "$settle1"
expect_eq "pending wait" "$(val automine pending_wait)" LG_ERR_TIMEOUT
case $(line automine underpriced) in
*nderpriced*) pass "a +5% replacement is refused as underpriced" ;;
*) fail "a +5% replacement is refused as underpriced" "$(line automine underpriced)" ;;
esac
expect_eq "receipt after evm_mine" "$(val automine mined_wait)" LG_OK
expect_eq "replaced version refused" "$(val automine replaced_rebroadcast)" LG_ERR_RPC

# Hardhat refuses nonces above the next one while it automines, so blocks are mined
# every 100 ms instead, as a real chain would.
run "8 processes x 25 transactions: distinct consecutive nonces, all mined" \
    concurrent 8 25 "$settle2" 100
expect_eq "nonces handed out" "$(val concurrent nonces)" 200
expect_eq "account nonce advanced" "$(val concurrent advanced)" 200
if command -v sqlite3 >/dev/null 2>&1; then
    expect_eq "200 transactions persisted before broadcast and marked mined" \
        "$(sqlite3 "$T/lendgate.db" 'select count(distinct nonce) from chain_txs where state = 1')" \
        "$(sqlite3 "$T/lendgate.db" 'select count(*) from chain_txs where state = 1')"
fi

run "nonce resync sets the counter to the pending count" resync

closed_port=$(node "$LG_TOP_SRCDIR/contrib/devnet/scripts/netutil.js" free-port)
run "node down: LG_ERR_IO quickly" down "$closed_port"
expect_eq "down code" "$(val down code)" LG_ERR_IO

LENDGATE_CHAIN_REQUEST_TIMEOUT_MS=1500 run "silent node: LG_ERR_TIMEOUT within the bound" hang
expect_eq "hang code" "$(val hang code)" LG_ERR_TIMEOUT

run "9 MiB answer refused (8 MiB bound)" oversize
expect_eq "oversize code" "$(val oversize code)" LG_ERR_RPC

devnet_down
finish
