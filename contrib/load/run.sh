#!/usr/bin/env bash
# run.sh - a partner's mix of requests (contrib/load/mix.lua) against a running
# lendgate with wrk, bounded in time, rate and borrowing, then checked: see
# contrib/load/README.md.
#
#   contrib/load/run.sh --base-url URL --key KEY (--deployment FILE | --oaid N --wallet ADDR)
#                       [--user I] [--duration 30s] [--connections 4] [--threads 2]
#                       [--rate R] [--max-borrows N] [--borrow-amount U] [--repay-amount U]
#                       [--fund U] [--settlement I] [--mix SPEC] [--quiet S] [--out DIR]
#                       [--timeout 30s]
#
# Environment: LG_LOAD_BASE_URL, LG_LOAD_KEY and LG_LOAD_DEPLOYMENT stand for the
# options of the same names. Exit 0: every answer was expected and the borrows made
# loans; 1: the run found a problem (listed); 2: usage or set-up error.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)

base=${LG_LOAD_BASE_URL:-}
key=${LG_LOAD_KEY:-}
deployment=${LG_LOAD_DEPLOYMENT:-}
user=0
oaid=""
wallet=""
duration=30s
connections=4
threads=2
rate=5
max_borrows=100
borrow_amount=10000000
repay_amount=1000000
fund=""
mix="credit:25,borrow:15,repay:15,loan:20,stats:10,userloans:15"
out=""
timeout=30s
quiet=3
pay_script="$top/contrib/devnet/scripts/pay.js"
settlement=0

usage() {
    sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}
die() {
    echo "run.sh: $*" >&2
    exit 2
}

while [ $# -gt 0 ]; do
    case $1 in
    --base-url) base=$2 ;;
    --key) key=$2 ;;
    --deployment) deployment=$2 ;;
    --user) user=$2 ;;
    --oaid) oaid=$2 ;;
    --wallet) wallet=$2 ;;
    --duration) duration=$2 ;;
    --connections) connections=$2 ;;
    --threads) threads=$2 ;;
    --rate) rate=$2 ;;
    --max-borrows) max_borrows=$2 ;;
    --borrow-amount) borrow_amount=$2 ;;
    --repay-amount) repay_amount=$2 ;;
    --fund) fund=$2 ;;
    --mix) mix=$2 ;;
    --out) out=$2 ;;
    --timeout) timeout=$2 ;;
    --quiet) quiet=$2 ;;
    --settlement) settlement=$2 ;;
    --pay-script) pay_script=$2 ;;
    -h | --help) usage ;;
    *) die "unknown option '$1' (--help)" ;;
    esac
    [ $# -ge 2 ] || die "$1 needs a value"
    shift 2
done

for tool in wrk curl python3; do
    command -v $tool >/dev/null || die "$tool is needed (apt-get install $tool)"
done
[ -n "$base" ] || die "--base-url (or LG_LOAD_BASE_URL) is required"
[ -n "$key" ] || die "--key (or LG_LOAD_KEY) is required"
base=${base%/}
case $duration in
[1-9]*s) seconds=${duration%s} ;;
[1-9]*m) seconds=$((${duration%m} * 60)) ;;
[1-9]*h) seconds=$((${duration%h} * 3600)) ;;
*) seconds=$duration ;;
esac
case $seconds in '' | *[!0-9]*) die "--duration: seconds, or a wrk duration such as 30s or 2m" ;; esac
for n in connections threads rate max_borrows borrow_amount repay_amount user settlement quiet; do
    case ${!n} in '' | *[!0-9]*) die "--${n//_/-}: a whole number" ;; esac
done
[ "$connections" -ge "$threads" ] && [ "$threads" -ge 1 ] ||
    die "--connections must be at least --threads (at least 1)"
[ "$rate" -ge 1 ] || die "--rate: at least 1 request a second per connection"
[ "$connections" -le 64 ] || die "--connections: at most 64 (this is a partner's traffic, not a flood)"
[ "$seconds" -le 600 ] || die "--duration: at most 10m"
[ "$quiet" -lt "$seconds" ] || die "--quiet must be shorter than --duration"
# The loopback devnet stacks are not behind any proxy.
export no_proxy="127.0.0.1,localhost${no_proxy:+,$no_proxy}" NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}"

# The user borrowed for: from the devnet's deployment file, or given.
if [ -n "$deployment" ]; then
    [ -f "$deployment" ] || die "--deployment: no such file: $deployment"
    read -r d_oaid d_wallet < <(python3 -c 'import json, sys
u = json.load(open(sys.argv[1]))["users"][int(sys.argv[2])]
print(u["oaid"], u["address"])' "$deployment" "$user") || die "--deployment: no user $user in $deployment"
    oaid=${oaid:-$d_oaid}
    wallet=${wallet:-$d_wallet}
fi
[ -n "$oaid" ] && [ -n "$wallet" ] || die "give --deployment, or --oaid and --wallet"

if [ -z "$out" ]; then
    out=$(mktemp -d "${TMPDIR:-/tmp}/lendgate-load.XXXXXX")
else
    mkdir -p "$out"
fi
run_id="r$(date +%s)$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')"
say() { printf '%s\n' "$*"; }

# The key works, and what the partner's rate limit allows.
code=$(curl -s -o "$out/stats.json" -D "$out/stats.headers" -w '%{http_code}' \
    -H "Authorization: Bearer $key" "$base/partners/my/stats") || die "cannot reach $base"
[ "$code" = 200 ] || die "GET /partners/my/stats answered $code: $(head -c 300 "$out/stats.json")"
policy=$(tr -d '\r' <"$out/stats.headers" | awk -F': ' 'tolower($1) == "ratelimit-policy" { print $2 }')
planned=$((connections * rate * 60))
quota=$(sed -n 's/.*q=\([0-9]*\).*/\1/p' <<<"$policy")
say "lendgate load mix against $base: run $run_id, $duration, $connections connections" \
    "on $threads threads, at most $rate requests a second each (about $planned a minute)"
say "partner rate limit: ${policy:-none given}"
if [ -n "$quota" ] && [ "$quota" -lt "$planned" ]; then
    say "note: the partner's limit ($quota a minute) is below the planned rate: expect 429s" \
        "(counted as rate-limited, not as failures)"
fi

# Repays draw on the partner's repayment balance: fund it with one transfer from the
# partner's settlement wallet (the devnet's settlement wallet --settlement, 0 by
# default) credited as a deposit.
repay_weight=$(tr ',' '\n' <<<"$mix" | sed -n 's/^repay:\([0-9]*\)$/\1/p')
if [ "${repay_weight:-0}" -gt 0 ]; then
    if [ -z "$deployment" ]; then
        say "repays: drawn on the partner's existing repayment balance (no --deployment to fund it)"
    else
        command -v node >/dev/null || die "node is needed to fund the repayments (pay.js)"
        fund=${fund:-$((max_borrows * 5 * repay_amount))}
        proof=$(node "$pay_script" --deployment "$deployment" --amount "$fund" \
            --settlement "$settlement" 2>"$out/pay.err") ||
            die "funding the repayments failed: $(tail -n 3 "$out/pay.err")"
        code=$(curl -s -o "$out/deposit.json" -w '%{http_code}' -X POST \
            -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
            --data-binary "{\"txHash\":\"$proof\"}" "$base/partners/deposits")
        [ "$code" = 201 ] || die "POST /partners/deposits answered $code: $(head -c 300 "$out/deposit.json")"
        say "repays: funded with $fund base units (deposit $proof)"
    fi
fi

# Each thread's share of the borrows, rounded up.
per_thread=$(((max_borrows + threads - 1) / threads))
delay=$((1000 / rate))
set +e
wrk --threads "$threads" --connections "$connections" --duration "${seconds}s" \
    --timeout "$timeout" --latency --script "$here/mix.lua" "$base" -- \
    "key=$key" "oaid=$oaid" "wallet=$wallet" "run=$run_id" "mix=$mix" \
    "borrow=$borrow_amount" "repay=$repay_amount" "maxborrows=$per_thread" \
    "delay=$delay" "seconds=$seconds" "quiet=$quiet" "out=$out" 2>&1 | tee "$out/wrk.txt"
rc=${PIPESTATUS[0]}
set -e
[ "$rc" = 0 ] && [ -f "$out/summary.txt" ] || die "wrk failed (exit $rc): see $out/wrk.txt"

# What the answers say. Expected: 2xx; 429 when the partner's or the address's limit is
# lower than the rate (reported); 503 "Chain node busy" (lendgate shedding chain calls
# past [chain] max_concurrent_calls, documented: reported). Anything else (a 404: every
# read names a loan that exists), an answer without lendgate's request id (the web
# server's own error) or a socket error is a problem.
problems=()
while read -r _ kind status n; do
    case $kind:$status in
    *:2??) ;;
    *:429) say "rate-limited: $n $kind request(s) (429)" ;;
    *:503) ;;
    *) problems+=("$n $kind answer(s) $status") ;;
    esac
done < <(grep '^answers ' "$out/summary.txt")
five03=$(awk '$1 == "answers" && $3 == 503 { n += $4 } END { print n + 0 }' "$out/summary.txt")
busy=$(awk '$1 == "busy" { print $2 }' "$out/summary.txt")
[ "$five03" -gt "$busy" ] && problems+=("$((five03 - busy)) answer(s) 503 other than \"Chain node busy\"")
[ "$busy" -gt 0 ] && say "shed: $busy request(s) answered 503 \"Chain node busy\" (documented)"
read -r _ errs < <(grep '^socket_errors ' "$out/summary.txt")
[ "$errs" = "connect=0 read=0 write=0 timeout=0" ] || problems+=("socket errors: $errs")

# Every borrow that answered 201 or 202 is a loan lendgate shows with its amount. A
# borrow still in flight when wrk stopped may have made one too: it is looked up, and
# added to loans.txt when it did.
borrows_ok=$(awk '$1 == "answers" && $2 == "borrow" && ($3 == 201 || $3 == 202) { n += $4 } END { print n + 0 }' "$out/summary.txt")
borrow_weight=$(tr ',' '\n' <<<"$mix" | sed -n 's/^borrow:\([0-9]*\)$/\1/p')
if [ "${borrow_weight:-0}" -gt 0 ] && [ "$max_borrows" -gt 0 ]; then
    [ "$borrows_ok" -gt 0 ] || problems+=("no borrow made a loan")
fi
# One reader, waiting out the partner's rate limit when it answers 429 (Retry-After).
# Prints: bad loans, in-flight borrows that made a loan, in-flight ones that did not.
read -r bad late none < <(python3 - "$base" "$key" "$borrow_amount" "$out/loans.txt" \
    "$out/inflight.txt" <<'PY'
import json, sys, time, urllib.error, urllib.request
base, key, amount, loans, inflight = sys.argv[1:]

def get(id):
    for _ in range(10):
        req = urllib.request.Request(f"{base}/partners/loan/{id}",
                                     headers={"Authorization": f"Bearer {key}"})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return 200, json.load(r)
        except urllib.error.HTTPError as e:
            if e.code != 429:
                return e.code, {}
            time.sleep(min(61, int(e.headers.get("Retry-After") or 1)))
    return 429, {}

def shown(id, d):
    return d.get("partnerLoanId") == id and d.get("principalAmount") == amount

bad = late = none = 0
made = [l.strip() for l in open(loans) if l.strip()]
for id in made:
    code, d = get(id)
    if code != 200 or not shown(id, d):
        bad += 1
        if bad <= 3:
            print(f"loan {id}: {code} {json.dumps(d)[:200]}", file=sys.stderr)
with open(loans, "a") as out:
    for id in (l.strip() for l in open(inflight) if l.strip()):
        code, d = get(id)
        if code == 200 and shown(id, d):
            late += 1
            out.write(id + "\n")
        elif code == 404:
            none += 1
        else:
            bad += 1
            print(f"in-flight loan {id}: {code} {json.dumps(d)[:200]}", file=sys.stderr)
print(bad, late, none)
PY
) || :
loans=$(wc -l <"$out/loans.txt")
[ "${bad:-1}" = 0 ] || problems+=("${bad:-all} of the $loans loans made are not shown as borrowed")
say "loans made: $loans (each read back with its amount)"
repays_late=$(awk '$1 == "inflight" && $2 == "repay" { print $3 }' "$out/summary.txt")
if [ "$((late + none + repays_late))" -gt 0 ]; then
    say "in flight when wrk stopped: $((late + none)) borrow(s) ($late made a loan, $none did not)," \
        "$repays_late repay(s) (applied or not: not counted)"
fi
say "summary: $out/summary.txt, loans: $out/loans.txt"
if [ ${#problems[@]} -gt 0 ]; then
    printf 'PROBLEM: %s\n' "${problems[@]}"
    exit 1
fi
say "no problem found"
