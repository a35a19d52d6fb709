#!/usr/bin/env bash
# The read endpoints against the devnet, through lighttpd and through Apache +
# mod_fcgid: the public credit line and position (checked against the seeded values
# of deployment.json), an unknown OAID, and a borrow through the API followed by
# the partner's loan, its wallet's loans, its stats and its ledger. With the node
# frozen, requests that need the chain hold at most [chain] max_concurrent_calls
# responders: one more is a fast 503, and the store-only routes go on answering.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/webserver.sh"
. "$(dirname "$0")/devnet.sh"

ctl="$LG_TOP_BUILDDIR/lendgatectl"
mk="$LG_TOP_BUILDDIR/tests/integration/mkpartner"
for prog in "$ws_bin" "$ctl" "$mk"; do
    if [ ! -x "$prog" ]; then
        skip "http read" "$prog is not built"
        finish
    fi
done
devnet_up

dep() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$LG_DEPLOYMENT" "$1"; }
db="$T/state/lendgate.db"
mkdir -m 700 "$T/state"
cp "$LG_PLATFORM_KEY" "$T/platform.key"
chmod 600 "$T/platform.key"
cat >"$T/lendgate.conf" <<CONF
[store]
backend = sqlite
state_dir = $T/state
path = $db
[chain]
rpc_url = $LG_RPC_URL
chain_id = 31337
oaid_address = $(dep 'd["contracts"]["oaid"]')
vault_address = $(dep 'd["contracts"]["vault"]')
usdc_address = $(dep 'd["contracts"]["usdc"]')
platform_key_file = $T/platform.key
receipt_poll_ms = 50
max_concurrent_calls = 2
request_timeout_ms = 120000
read_timeout_ms = 120000
rpc_retries = 0
$ws_no_limits
[log]
level = warn
CONF
check "lendgatectl init" "$ctl" --config "$T/lendgate.conf" init
read -r pid key < <("$mk" --db "$db" --prefix delta --fee 50 --settlement "$(dep 'd["settlement"][0]["address"]')")
[ -n "${key:-}" ] || { fail "mkpartner" "no key"; finish; }
wallet=$(dep 'd["users"][0]["address"]')
oaid=$(dep 'd["users"][0]["oaid"]')
position=$(dep 'd["users"][0]["positionId"]')
limit=$(dep 'd["users"][0]["creditLimit"]')
collateral=$(dep 'd["users"][0]["collateralValue"]')
auth=(-H "Authorization: Bearer $key")

read_cases() {
    local s=$1 n=$2 amount=2000000
    ws_call GET "/partners/public/oaid/$oaid/credit-line"
    expect_eq "$s: credit line is 200" "$ws_status" 200
    expect_eq "$s: credit limit is the seeded one" "$(ws_py 'd["creditLimit"]')" "$limit"
    expect_eq "$s: owner is the user" "$(ws_py 'd["owner"].lower()')" "${wallet,,}"
    expect_eq "$s: available = limit - used" \
        "$(ws_py 'int(d["availableCredit"]) == int(d["creditLimit"]) - int(d["creditUsed"])')" True
    expect_eq "$s: active is a boolean" "$(ws_py 'type(d["active"]).__name__')" bool
    expect_eq "$s: oaidTokenId is the number asked for" "$(ws_py 'repr(d["oaidTokenId"])')" "$oaid"
    ws_call GET "/partners/public/oaid/987654321/credit-line"
    ws_expect_error "$s: unknown OAID is 404" 404 ""
    ws_call GET "/partners/public/position/$position/details"
    expect_eq "$s: position is 200" "$ws_status" 200
    expect_eq "$s: position's user" "$(ws_py 'd["user"].lower()')" "${wallet,,}"
    expect_eq "$s: position's OAID" "$(ws_py 'd["oaidTokenId"]')" "$oaid"
    expect_eq "$s: collateral value is the seeded one" "$(ws_py 'd["collateralValueUSD"]')" "$collateral"
    expect_eq "$s: position: a number id, an RWA token, a health factor (null for no debt)" \
        "$(ws_py '[repr(d["positionId"]), d["tokenType"], (d["usdcBorrowed"] == "0") == (d["healthFactor"] is None), isinstance(d["healthFactor"], (float, type(None)))]')" \
        "['$position', 'RWA', True, True]"

    printf '{"partnerLoanId":"read-%s","userWallet":"%s","oaidTokenId":%s,"borrowAmount":"%s"}' \
        "$n" "$wallet" "$oaid" "$amount" >"$T/borrow.body"
    ws_call POST /partners/borrow "${auth[@]}" -H 'Content-Type: application/json' \
        --data-binary "@$T/borrow.body"
    expect_eq "$s: borrow through the API is 201" "$ws_status:$(ws_py 'd["status"]')" "201:ACTIVE"
    expect_eq "$s: borrow fee is 0.5%" "$(ws_py 'd["platformFee"]')" 10000
    ws_call GET "/partners/loan/read-$n" "${auth[@]}"
    expect_eq "$s: the loan reads back" "$ws_status:$(ws_py 'd["principalAmount"]'):$(ws_py 'd["remainingDebt"]')" \
        "200:$amount:$amount"
    ws_call GET "/partners/user/$wallet/loans?status=ACTIVE" "${auth[@]}"
    expect_eq "$s: the wallet's active loans" "$ws_status:$(ws_py 'd["total"]')" "200:$n"
    ws_call GET /partners/my/stats "${auth[@]}"
    expect_eq "$s: stats count the borrow" \
        "$(ws_py 'd["lifetime"]["totalBorrowed"]'):$(ws_py 'd["lifetime"]["activeLoans"]')" "$((amount * n)):$n"
    ws_call GET "/partners/my/transactions?limit=100" "${auth[@]}"
    expect_eq "$s: ledger rows of the borrow" \
        "$ws_status:$(ws_py 'sorted(set(i["type"] for i in d["transactions"]))')" \
        "200:['BORROW', 'FEE', 'PAYOUT']"
}

running() { kill -0 "$1" 2>/dev/null; }

# frozen_node SERVER: the node stops answering; three public reads at once: two wait
# on it, the third is refused at once; stats answer meanwhile; the two finish once
# the node is back.
frozen_node() {
    local s=$1 i pids=() codes first="" waited=0 still
    kill -STOP -- "-$lg_devnet_pgid"
    at_exit "kill -CONT -- -$lg_devnet_pgid 2>/dev/null"
    for i in 1 2 3; do
        curl -s -o "$T/frozen.$i.body" -w '%{http_code}' --max-time 300 \
            "$LG_BASE_URL/partners/public/oaid/$oaid/credit-line" >"$T/frozen.$i.code" &
        pids+=($!)
    done
    # The one over the cap answers at once; the others wait on the frozen node.
    while [ -z "$first" ] && [ "$waited" -lt 1200 ]; do
        for i in 1 2 3; do running "${pids[$((i - 1))]}" || first=$i; done
        [ -n "$first" ] || { sleep 0.1; waited=$((waited + 1)); }
    done
    expect_eq "$s: frozen node: the request over the cap is a fast 503" \
        "$( [ -n "$first" ] && cat "$T/frozen.$first.code"):$(grep -o 'Chain node busy' "$T/frozen.$first.body" 2>/dev/null)" \
        "503:Chain node busy"
    still=0
    for i in 1 2 3; do [ "$i" = "$first" ] || ! running "${pids[$((i - 1))]}" || still=$((still + 1)); done
    expect_eq "$s: frozen node: the other two still wait on it" "$still" 2
    ws_call GET /partners/my/stats "${auth[@]}"
    still=0
    for i in 1 2 3; do [ "$i" = "$first" ] || ! running "${pids[$((i - 1))]}" || still=$((still + 1)); done
    expect_eq "$s: frozen node: stats answer while those two still wait" "$ws_status:$still" "200:2"
    kill -CONT -- "-$lg_devnet_pgid"
    wait "${pids[@]}"
    codes=""
    for i in 1 2 3; do [ "$i" = "$first" ] || codes="$codes$(cat "$T/frozen.$i.code") "; done
    expect_eq "$s: the node back, the two waiting reads answer 200" "$codes" "200 200 "
}

# short_read SERVER: with [chain] read_timeout_ms short, a public read of a frozen node
# is 504 "Chain node timed out" while the node is still frozen, far inside
# request_timeout_ms (120 s, past curl's own bound here): unauthenticated callers
# cannot hold a responder for long.
short_read() {
    local s=$1 code
    ws_stop
    sed -i 's/^read_timeout_ms = .*/read_timeout_ms = 500/' "$T/lendgate.conf"
    if ! ws_start "$s" 4; then
        fail "$s restarts with read_timeout_ms = 500" "$ws_why"
        return
    fi
    kill -STOP -- "-$lg_devnet_pgid"
    code=$(curl -s -o "$T/short.body" -w '%{http_code}' --max-time 60 \
        "$LG_BASE_URL/partners/public/oaid/$oaid/credit-line")
    expect_eq "$s: frozen node, read_timeout_ms 500: the public read is 504 at once" \
        "$code:$(grep -o 'Chain node timed out' "$T/short.body")" "504:Chain node timed out"
    kill -CONT -- "-$lg_devnet_pgid"
    ws_call GET "/partners/public/oaid/$oaid/credit-line"
    expect_eq "$s: the node back, the same read is 200" "$ws_status" 200
    sed -i 's/^read_timeout_ms = .*/read_timeout_ms = 120000/' "$T/lendgate.conf"
}

# node_gone SERVER (last: the node does not come back): a node that went away is
# "Chain node unavailable" to partners, never its address or its own words.
node_gone() {
    local s=$1
    kill -KILL -- "-$lg_devnet_pgid" 2>/dev/null
    ws_call GET "/partners/public/oaid/$oaid/credit-line"
    ws_expect_error "$s: node gone: a public read is 502 Chain node unavailable" 502 \
        "Chain node unavailable"
    expect_eq "$s: node gone: the answer names no address or port" \
        "$(grep -ciE '127\.0\.0\.1|port|connect' "$T/ws/body")" 0
    printf '{"partnerLoanId":"gone-1","userWallet":"%s","oaidTokenId":%s,"borrowAmount":"1000"}' \
        "$wallet" "$oaid" >"$T/borrow.body"
    ws_call POST /partners/borrow "${auth[@]}" -H 'Content-Type: application/json' \
        --data-binary "@$T/borrow.body"
    ws_expect_error "$s: node gone: a borrow is 502 Chain node unavailable" 502 \
        "Chain node unavailable"
}

n=0
for server in lighttpd apache; do
    if ! ws_start "$server" 4; then
        if [ "$ws_missing" = 1 ]; then skip "$server" "$ws_why"; else fail "$server starts" "$ws_why"; fi
        continue
    fi
    n=$((n + 1))
    read_cases "$server" "$n"
    if [ "$server" = lighttpd ]; then
        frozen_node "$server"
        short_read "$server"
    else
        # mod_fcgid starts responders on demand and, while those it has wait on the
        # frozen node, started no further one here within its I/O timeout: the store
        # routes then wait for a responder whatever the cap does (docs/security.md).
        skip "$server: frozen node" "mod_fcgid grows its pool on demand only"
        node_gone "$server"
    fi
    ws_stop
    expect_eq "$server: no sanitizer report or crash" "$(ws_errors | head -n 3)" ""
done
finish
