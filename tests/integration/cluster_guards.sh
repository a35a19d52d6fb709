#!/usr/bin/env bash
# Cluster-wide guards ([store] cluster_guards): two "hosts" - two lighttpd instances,
# each with its own pool of responders and its own state_dir (so its own
# shared-memory rate table and replay cache) - over ONE SQLite store file.
#   on:  a partner with rate_limit_rpm N gets exactly N admissions in all, its calls
#        alternated between the hosts; the rest are 429 with Retry-After and a
#        RateLimit header of r=0; a signed call accepted by host A is a replay (401)
#        when sent again to host B.
#   A store that cannot count a call refuses it with 503 (fail closed).
#   off: each host admits N (2N in all) and host B accepts A's signature again: what
#        the per-host tables alone allow, which shows the checks above can fail.
# The store counts in fixed 60 s windows with the sliding estimate (store.h): a run
# of calls that straddles a window edge is still exact while it lasts less than
# 60 s / N, so the exact counts are checked only when the burst took under 10 s
# (else skipped, never guessed). Needs no chain: /partners/my/stats is a store read.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/webserver.sh"

RPM=5
CALLS=12 # alternated: 6 to each host
ws_offline_store "cluster guards" "[ratelimit]
ip_rpm = 1000000
basic_rpm = 1000000
premium_rpm = 1000000
enterprise_rpm = 1000000"
command -v lighttpd >/dev/null || { skip "cluster guards" "lighttpd not installed"; finish; }
secret=sig_$(python3 -c 'import secrets; print(secrets.token_hex(32))')
mkdir -p "$T/ws"

# partner NAME [sqlite SET clause]: a new partner; its key in key_NAME.
partner() {
    local name=$1 set=${2:-} id key
    read -r id key < <("$mk" --db "$db" --prefix "$name")
    [ -n "$id" ] || { fail "mkpartner $name" "no partner"; finish; }
    [ -n "$set" ] && sqlite3 "$db" "update partners set $set where id = '$id'"
    printf -v "key_$name" '%s' "$key"
}

# sign TIMESTAMP BODY: the X-Signature a partner computes.
sign() {
    python3 -c 'import hmac, hashlib, sys
print(hmac.new(sys.argv[1].encode(), (sys.argv[2] + "." + sys.argv[3]).encode(),
               hashlib.sha256).hexdigest())' "$secret" "$1" "$2"
}
now_ms() { date +%s%3N; }

declare -A host_pid host_url

# host_pids NAME: the responders of host NAME (their LENDGATE_CONFIG says which).
host_pids() {
    local p exe
    for p in /proc/[0-9]*; do
        exe=$(readlink "$p/exe" 2>/dev/null) || continue
        [ "$exe" = "$ws_bin" ] || continue
        tr '\0' '\n' <"$p/environ" 2>/dev/null | grep -qx "LENDGATE_CONFIG=$T/$1/lendgate.conf" &&
            echo "${p#/proc/}"
    done
}

# host_start NAME MODE: lighttpd with 2 responders on a free port, the test's store,
# its own state_dir, and [store] cluster_guards = MODE.
host_start() {
    local name=$1 mode=$2 dir=$T/$1 port i
    mkdir -p "$dir/state" "$dir/www"
    sed -e "s#^state_dir = .*#state_dir = $dir/state#" \
        -e "s#^\\[store\\]\$#[store]\\ncluster_guards = $mode#" "$T/lendgate.conf" >"$dir/lendgate.conf"
    port=$(ws_free_port)
    cat >"$dir/server.conf" <<CONF
server.document-root = "$dir/www"
server.bind = "127.0.0.1"
server.port = $port
server.errorlog = "$dir/error.log"
server.pid-file = "$dir/server.pid"
server.modules = ( "mod_fastcgi" )
fastcgi.server = ( "/partners" => ((
    "socket" => "$dir/lendgate.sock", "bin-path" => "$ws_bin", "max-procs" => 2,
    "check-local" => "disable",
    "bin-environment" => ( "LENDGATE_CONFIG" => "$dir/lendgate.conf" ),
)) )
CONF
    lighttpd -D -f "$dir/server.conf" >>"$dir/error.log" 2>&1 &
    host_pid[$name]=$!
    host_url[$name]="http://127.0.0.1:$port"
    for i in $(seq 1 100); do
        curl -s -o /dev/null "${host_url[$name]}/partners/-" 2>/dev/null && return 0
        kill -0 "${host_pid[$name]}" 2>/dev/null || break
        sleep 0.1
    done
    fail "host $name starts" "$(tail -n 5 "$dir/error.log" 2>/dev/null | tr '\n' ' ')"
    finish
}

host_stop() {
    local name=$1 pid=${host_pid[$1]:-} i
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    host_pid[$name]=""
    for i in $(seq 1 50); do
        [ -z "$(host_pids "$name")" ] && return 0
        [ "$i" -eq 20 ] && kill -TERM $(host_pids "$name") 2>/dev/null
        sleep 0.1
    done
    kill -KILL $(host_pids "$name") 2>/dev/null
    return 0
}
at_exit "host_stop a; host_stop b"

# call HOST CURL ARGS...: GET /partners/my/stats on HOST (ws_call's outputs).
call() {
    LG_BASE_URL=${host_url[$1]} ws_call GET /partners/my/stats "${@:2}"
}

# burst KEY: CALLS calls alternated between the hosts. Sets admitted, refused,
# bad (429s without Retry-After or without r=0), others and took_ms.
burst() {
    local key=$1 i h started
    admitted=0 refused=0 bad=0 others=""
    started=$(now_ms)
    for i in $(seq 1 "$CALLS"); do
        h=a
        [ $((i % 2)) -eq 0 ] && h=b
        call "$h" -H "Authorization: Bearer $key"
        case $ws_status in
        200) admitted=$((admitted + 1)) ;;
        429)
            refused=$((refused + 1))
            case "$(ws_header Retry-After)|$(ws_header RateLimit)" in
            [1-9]*'|"partner";r=0;t='[1-9]*) ;;
            *) bad=$((bad + 1)) ;;
            esac
            ;;
        *) others="$others $h:$ws_status" ;;
        esac
    done
    took_ms=$(($(now_ms) - started))
}

# replay KEY: one signed call to host a, then the very same to host b.
replay() {
    local key=$1 ts sig
    ts=$(now_ms)
    sig=$(sign "$ts" "")
    call a -H "Authorization: Bearer $key" -H "X-Timestamp: $ts" -H "X-Signature: $sig"
    status_a=$ws_status
    call b -H "Authorization: Bearer $key" -H "X-Timestamp: $ts" -H "X-Signature: $sig"
}

# ---------------------------------------------------------------- cluster_guards = on
partner rlon "rate_limit_rpm = $RPM"
partner sigon "signing_required = 1, signing_secret = '$secret'"
partner faulty
host_start a on
host_start b on
burst "$key_rlon"
expect_eq "on: every call answered 200 or 429" "$others" ""
if [ "$took_ms" -lt 10000 ]; then
    expect_eq "on: exactly rate_limit_rpm admissions across both hosts" "$admitted" "$RPM"
    expect_eq "on: the rest refused" "$refused" $((CALLS - RPM))
else
    skip "on: exact admissions" "the burst took $took_ms ms"
fi
expect_eq "on: every 429 carries Retry-After and RateLimit r=0" "$bad" 0
call a -H "Authorization: Bearer $key_rlon"
ws_expect_error "on: the refusal is the API's 429" 429 "Rate limit exceeded: $RPM requests per minute"
replay "$key_sigon"
expect_eq "on: a signed call is admitted by host a" "$status_a" 200
ws_expect_error "on: the same signature is a replay at host b" 401 "X-Signature was used before"
ts=$(now_ms)
call b -H "Authorization: Bearer $key_sigon" -H "X-Timestamp: $ts" -H "X-Signature: $(sign "$ts" "")"
expect_eq "on: a fresh signature is admitted by host b" "$ws_status" 200
expect_eq "on: the store holds digests, never signatures" \
    "$(sqlite3 "$db" "select count(*) from guard_replays where length(digest) = 32")" 2
# Fail closed: a store that cannot count the call refuses it (test-hook builds make
# the store's writes fail with the X-Lendgate-Store-Fault header).
if grep -q '^#define LG_TEST_HOOKS 1' "$LG_TOP_BUILDDIR/config.h"; then
    call a -H "Authorization: Bearer $key_faulty" -H 'X-Lendgate-Store-Fault: io'
    ws_expect_error "on: a store that cannot count refuses with 503" 503 "Rate limiter unavailable"
    call a -H "Authorization: Bearer $key_faulty"
    expect_eq "on: and the same call passes once it can" "$ws_status" 200
else
    skip "on: store failing" "this build has no test hooks (configure --enable-test-hooks)"
fi
host_stop a
host_stop b

# ---------------------------------------------------------------- cluster_guards = off
partner rloff "rate_limit_rpm = $RPM"
partner sigoff "signing_required = 1, signing_secret = '$secret'"
host_start a off
host_start b off
burst "$key_rloff"
expect_eq "off: every call answered 200 or 429" "$others" ""
expect_eq "off: each host admits rate_limit_rpm on its own" "$admitted" $((2 * RPM))
replay "$key_sigoff"
expect_eq "off: a signed call is admitted by host a" "$status_a" 200
expect_eq "off: host b does not know host a's signature" "$ws_status" 200
host_stop a
host_stop b

expect_eq "no sanitizer report or crash" \
    "$(grep -h -E "AddressSanitizer|UndefinedBehaviorSanitizer|runtime error|LeakSanitizer|Segmentation" \
        "$T/a/error.log" "$T/b/error.log" 2>/dev/null | head -n 3)" ""
leak=$(sqlite3 "$db" ".dump" | grep -c "${secret#sig_}")
expect_eq "no signing secret written anywhere but the two partner rows" "$leak" 2
finish
