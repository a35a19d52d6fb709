#!/usr/bin/env bash
# The security layer through lighttpd and through Apache + mod_fcgid: rate limits
# per partner and per client IP shared by the pool (a BASIC partner's whole quota sent
# at once, headers, 429 with Retry-After, counts kept across a restart of the pool,
# key guessing throttled), HMAC request signing (good, stale, replayed, tampered,
# missing), IP allowlists for IPv4 and IPv6 (inside admitted, outside refused) and
# X-Forwarded-For believed only from a trusted proxy. The clock is the real one: a
# rate limit's window is 60 s, and every check that needs a window still open first
# makes sure that less than that has passed (else it is skipped, never guessed).
# Needs no chain: the configured node is unreachable, so chain routes answer 503.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/webserver.sh"

ws_offline_store "http security" "[http]
trusted_proxies = 127.0.0.1
[ratelimit]
ip_rpm = 6"
secret=sig_$(python3 -c 'import secrets; print(secrets.token_hex(32))')

# partner SERVER NAME [sqlite SET clause]: a partner for one server's run, its key in
# key_NAME_SERVER (each server gets its own partners: the limits outlive a run).
partner() {
    local s=$1 name=$2 set=${3:-} id key
    read -r id key < <("$mk" --db "$db" --prefix "$name$s")
    [ -n "$set" ] && sqlite3 "$db" "update partners set $set where id = '$id'"
    printf -v "key_${name}_$s" '%s' "$key"
}
for s in l a; do
    partner $s basic "tier = 0, rate_limit_rpm = 0"
    partner $s slow "rate_limit_rpm = 2"
    partner $s plain
    partner $s sig "signing_required = 1, signing_secret = '$secret'"
    partner $s allow4 "ip_allowlist = '203.0.113.0/24'"
    partner $s allow6 "ip_allowlist = '2001:db8::/32,::1'"
    partner $s only6 "ip_allowlist = '2001:db8::/32'"
done
ws_fix_owner

# sign TIMESTAMP BODY: the X-Signature a partner computes.
sign() {
    python3 -c 'import hmac, hashlib, sys
print(hmac.new(sys.argv[1].encode(), (sys.argv[2] + "." + sys.argv[3]).encode(),
               hashlib.sha256).hexdigest())' "$secret" "$1" "$2"
}
now_ms() { python3 -c 'import time; print(int(time.time() * 1000))'; }
stats() { ws_call GET /partners/my/stats -H "Authorization: Bearer $1" "${@:2}"; }
ms() { date +%s%3N; }

# curl's -K lines for N calls of GET /partners/my/stats, each answer's status and
# RateLimit header printed on a line.
burst_config() {
    local i
    for i in $(seq 1 "$1"); do
        printf 'url = "%s/partners/my/stats"\noutput = "/dev/null"\n' "$LG_BASE_URL"
    done
}

# The plan's BASIC tier, 100 a minute (the default basic_rpm): the partner's first 100
# calls sent at once all pass, each told a different count left, and the 101st waits
# until the first of them is 60 s old.
rate_cases() {
    local s=$1 k=$2 t0 elapsed left ra
    t0=$(date +%s)
    burst_config 100 >"$T/burst.cfg"
    curl -s --parallel --parallel-immediate --parallel-max 100 -K "$T/burst.cfg" \
        -H "Authorization: Bearer $k" -w '%{http_code} %header{ratelimit}\n' >"$T/burst.out"
    expect_eq "$s: BASIC's first 100 calls at once all pass" \
        "$(cut -d' ' -f1 "$T/burst.out" | sort | uniq -c | awk '{ print $2 "x" $1 }')" "200x100"
    left=$(sed -n 's/^200 "partner";r=\([0-9]*\);t=0$/\1/p; s/^200 "partner";r=0;t=[1-9][0-9]*$/0/p' \
        "$T/burst.out" | sort -n | uniq | tr '\n' ' ')
    expect_eq "$s: each is told what is left, 99 down to 0 (t=0 until nothing is)" "$left" \
        "$(seq 0 99 | tr '\n' ' ')"
    stats "$k"
    elapsed=$(($(date +%s) - t0))
    if [ "$elapsed" -ge 55 ]; then
        skip "$s: the 101st call within the minute is 429" "the calls took ${elapsed} s"
        return
    fi
    ws_expect_error "$s: the 101st call within the minute is 429" 429 \
        "Rate limit exceeded: 100 requests per minute"
    expect_eq "$s: the 429 carries the published policy" "$(ws_header RateLimit-Policy)" \
        '"partner";q=100;w=60'
    ra=$(ws_header Retry-After)
    expect_eq "$s: the 429's RateLimit has nothing left until Retry-After" \
        "$(ws_header RateLimit)" "\"partner\";r=0;t=$ra"
    case $ra in
    [1-9] | [1-5][0-9] | 60)
        if [ "$ra" -ge $((59 - elapsed)) ]; then
            pass "$s: Retry-After is when the first call leaves the window"
        else
            fail "$s: Retry-After is when the first call leaves the window" "$ra after ${elapsed} s"
        fi
        ;;
    *) fail "$s: Retry-After is when the first call leaves the window" "'$ra'" ;;
    esac
}

# ip_rpm = 6: six requests a minute per client address.
ip_cases() {
    local s=$1 good=$2 i codes="" ra t0
    t0=$(date +%s)
    for i in 1 2 3 4 5 6 7 8; do
        stats "pk_nobody_live_$(printf '%032x' "$i")" -H "X-Forwarded-For: 198.51.100.7"
        codes="$codes$ws_status "
    done
    if [ $(($(date +%s) - t0)) -ge 55 ]; then
        skip "$s: key guessing from one address" "8 requests took over 55 s"
        return
    fi
    expect_eq "$s: key guessing from one address meets 429 after 6 a minute" \
        "$codes" "401 401 401 401 401 401 429 429 "
    ws_expect_error "$s: the guesser's 429 names the limit" 429 "Rate limit exceeded: 6"
    expect_eq "$s: the guesser's 429 uses the ip policy" "$(ws_header RateLimit-Policy)" \
        '"ip";q=6;w=60'
    ra=$(ws_header Retry-After)
    case $ra in
    [1-9] | [1-5][0-9] | 60) pass "$s: the guesser is told when to retry" ;;
    *) fail "$s: the guesser is told when to retry" "Retry-After '$ra'" ;;
    esac
    expect_eq "$s: the guesser's RateLimit agrees" "$(ws_header RateLimit)" "\"ip\";r=0;t=$ra"
    stats "$good" -H "X-Forwarded-For: 198.51.100.7"
    expect_eq "$s: a throttled address is refused before its key is looked at" "$ws_status" 429
    stats "$good" -H "X-Forwarded-For: 198.51.100.8"
    expect_eq "$s: another address is not throttled" "$ws_status" 200
    stats "$good" -H "X-Forwarded-For: 198.51.100.8"
    expect_eq "$s: authenticated calls do not spend the address's budget" "$ws_status" 200
    codes=""
    for i in 1 2 3 4 5 6 7; do
        ws_call GET /partners/public/oaid/1/credit-line -H "X-Forwarded-For: 198.51.100.9"
        codes="$codes$ws_status "
    done
    expect_eq "$s: public endpoints count per address" "$codes" "503 503 503 503 503 503 429 "
}

signing_cases() {
    local s=$1 k=$2 ts sig body n=20 xff=()
    next_ip() { n=$((n + 1)); xff=(-H "X-Forwarded-For: 198.51.100.$n"); }
    next_ip
    ts=$(now_ms)
    sig=$(sign "$ts" "")
    stats "$k" "${xff[@]}" -H "X-Timestamp: $ts" -H "X-Signature: $sig"
    expect_eq "$s: a signed GET is admitted" "$ws_status" 200
    next_ip
    stats "$k" "${xff[@]}" -H "X-Timestamp: $ts" -H "X-Signature: $sig"
    ws_expect_error "$s: the same signature again is a replay" 401 "X-Signature was used before"
    body='{"partnerLoanId":"sig-1","userWallet":"0x0000000000000000000000000000000000000007","oaidTokenId":1,"borrowAmount":"1000000"}'
    next_ip
    ts=$(now_ms)
    sig=$(sign "$ts" "$body")
    ws_call POST /partners/borrow -H "Authorization: Bearer $k" "${xff[@]}" \
        -H 'Content-Type: application/json' -H "X-Timestamp: $ts" -H "X-Signature: $sig" \
        --data-binary "$body"
    ws_expect_error "$s: a signed borrow passes the guard (no chain: 503)" 503 "Chain node"
    ts=$(now_ms)
    sig=$(sign "$ts" "$body")
    next_ip
    ws_call POST /partners/borrow -H "Authorization: Bearer $k" "${xff[@]}" \
        -H 'Content-Type: application/json' -H "X-Timestamp: $ts" -H "X-Signature: $sig" \
        --data-binary "${body/1000000/9000000}"
    ws_expect_error "$s: a tampered body is refused" 401 "X-Signature does not match"
    next_ip
    ts=$(($(now_ms) - 330000))
    stats "$k" "${xff[@]}" -H "X-Timestamp: $ts" -H "X-Signature: $(sign "$ts" "")"
    ws_expect_error "$s: a stale timestamp is refused" 401 "X-Timestamp outside the 5 minute"
    next_ip
    ts=$(($(now_ms) + 330000))
    stats "$k" "${xff[@]}" -H "X-Timestamp: $ts" -H "X-Signature: $(sign "$ts" "")"
    ws_expect_error "$s: a future timestamp is refused" 401 "X-Timestamp outside the 5 minute"
    next_ip
    stats "$k" "${xff[@]}"
    ws_expect_error "$s: no signature headers is refused" 401 "X-Timestamp header missing"
    next_ip
    stats "$k" "${xff[@]}" -H "X-Timestamp: $(now_ms)"
    ws_expect_error "$s: no X-Signature is refused" 401 "X-Signature header missing"
}

allowlist_cases() {
    local s=$1 k4=$2 k6=$3 ko=$4
    stats "$k4" -H "X-Forwarded-For: 203.0.113.9"
    expect_eq "$s: IPv4 inside the range is admitted" "$ws_status" 200
    stats "$k4" -H "X-Forwarded-For: 203.0.113.255"
    expect_eq "$s: IPv4 at the range's last address is admitted" "$ws_status" 200
    stats "$k4" -H "X-Forwarded-For: 203.0.114.0"
    ws_expect_error "$s: IPv4 just outside is 403" 403 \
        "Client address 203.0.114.0 is not in the partner's IP allowlist"
    stats "$k4"
    ws_expect_error "$s: the proxy's own address is outside" 403 "Client address 127.0.0.1"
    stats "$k6" -H "X-Forwarded-For: 2001:db8:ffff::1"
    expect_eq "$s: IPv6 inside the range is admitted" "$ws_status" 200
    stats "$k6" -H "X-Forwarded-For: 2001:db9::1"
    ws_expect_error "$s: IPv6 outside is 403" 403 "Client address 2001:db9::1 is not"
    ws_audit_flush
    expect_eq "$s: the audit row names the forwarded client" \
        "$(sqlite3 "$db" "select client_ip from partner_api_logs where request_id = '$(ws_header X-Request-Id)'")" \
        "2001:db9::1"
    if curl -s -o /dev/null -g "$LG_BASE_URL6/partners/-" 2>/dev/null; then
        LG_BASE_URL=$LG_BASE_URL6 ws_call GET /partners/my/stats -g -H "Authorization: Bearer $k6"
        expect_eq "$s: ::1 connecting directly is admitted by ::1 in the list" "$ws_status" 200
        LG_BASE_URL=$LG_BASE_URL6 ws_call GET /partners/my/stats -g \
            -H "Authorization: Bearer $ko" -H "X-Forwarded-For: 2001:db8::5"
        ws_expect_error "$s: X-Forwarded-For from an untrusted peer (::1) is ignored" 403 \
            "Client address ::1 is not"
        stats "$ko" -H "X-Forwarded-For: 2001:db8::5"
        expect_eq "$s: the same header from the trusted proxy is believed" "$ws_status" 200
    else
        skip "$s: IPv6 loopback" "the server does not answer on [::1]"
    fi
}

restart_cases() {
    local s=$1 server=$2 k=$3 t0
    t0=$(date +%s)
    stats "$k"
    expect_eq "$s: 2/min admits the first request" "$ws_status" 200
    stats "$k"
    expect_eq "$s: and the second" "$ws_status" 200
    stats "$k"
    ws_expect_error "$s: and refuses the third" 429 "Rate limit exceeded: 2 requests"
    ws_stop
    WS_IPV6=1 ws_start "$server" 2 || { fail "$s: restarts" "$ws_why"; return; }
    stats "$k"
    if [ $(($(date +%s) - t0)) -lt 55 ]; then
        ws_expect_error "$s: a restarted pool still refuses (counts kept)" 429 \
            "Rate limit exceeded: 2 requests"
    else
        skip "$s: a restarted pool still refuses" "the restart took over 55 s"
    fi
    [ -f "$T/state/ratelimit.shm" ] && [ "$(stat -c %a "$T/state/ratelimit.shm")" = 600 ] &&
        pass "$s: the shared table is a 0600 file in the state dir" ||
        fail "$s: the shared table is a 0600 file in the state dir"
}

for server in lighttpd apache; do
    s=${server:0:1}
    if ! WS_IPV6=1 ws_start "$server" 4; then
        if [ "$ws_missing" = 1 ]; then skip "$server" "$ws_why"; else fail "$server starts" "$ws_why"; fi
        continue
    fi
    k() { local v="key_$1_$s"; echo "${!v}"; }
    cores=""
    for pid in $(ws_pids); do
        cores="$cores$(awk '/^Max core file size/ { print $5 "/" $6 }' "/proc/$pid/limits") "
    done
    case $cores in
    "" | *[!0/\ ]*) fail "$server: every responder runs with core dumps off" "limits: '$cores'" ;;
    *) pass "$server: every responder runs with core dumps off" ;;
    esac
    rate_cases "$server" "$(k basic)"
    ip_cases "$server" "$(k plain)"
    signing_cases "$server" "$(k sig)"
    allowlist_cases "$server" "$(k allow4)" "$(k allow6)" "$(k only6)"
    restart_cases "$server" "$server" "$(k slow)"
    ws_stop
    expect_eq "$server: no sanitizer report or crash" "$(ws_errors | head -n 3)" ""
    rm -f "$T/state/ratelimit.shm" "$T/state/replay.shm"
done

leak=$(sqlite3 "$db" ".dump partner_api_logs" | grep -c "${secret#sig_}")
expect_eq "no signing secret in partner_api_logs" "$leak" 0
finish
