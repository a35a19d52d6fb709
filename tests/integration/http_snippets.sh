#!/usr/bin/env bash
# The shipped web server snippets work as shipped (only their paths rewritten into $T):
# etc/lighttpd-lendgate.conf and etc/apache-lendgate.conf, where the server spawns the
# responder pool, and etc/lighttpd-lendgate-socket.conf and
# etc/apache-lendgate-socket.conf (mod_proxy_fcgi), where the server only connects to
# the socket of a `lendgate.fcgi --listen` master started beside it (as
# lendgate-fcgi.socket would). In each, the partner's Authorization header reaches the
# responder, and /admin is refused by the web server's own auth (401 with
# WWW-Authenticate) until valid credentials are given, which then reach the admin API
# as REMOTE_USER. What the web server answers itself under /partners (a body past its
# limit, the pool down) is the API's JSON error body, from the shipped error files.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/webserver.sh"

command -v htpasswd >/dev/null || { skip "http snippets" "htpasswd (apache2-utils) not installed"; finish; }
ws_offline_store "http snippets" "[admin]
trust_remote_user = true
admins = alice"
read -r _ key < <("$mk" --db "$db" --prefix sigma)
htpasswd -b -c -m "$T/admin.htpasswd" alice 'open sesame' >/dev/null 2>&1

# The snippet with its paths moved into $T.
snippet() {
    mkdir -p "$T/run"
    rm -rf "$T/errors"
    cp -r "$LG_TOP_SRCDIR/etc/errors" "$T/errors"
    chmod -R a+rX "$T/errors"
    sed -e "s|/usr/libexec/lendgate/lendgate.fcgi|${bin:-$ws_bin}|g" -e "s|/run/lendgate|$T/run|g" \
        -e "s|/usr/share/lendgate/errors|$T/errors|g" \
        -e "s|/etc/lendgate/lendgate.conf|$T/lendgate.conf|g" \
        -e "s|/etc/lendgate/admin.htpasswd|$T/admin.htpasswd|g" \
        "$LG_TOP_SRCDIR/etc/$1" >"$T/ws/snippet.conf"
}

# The socket snippets' responders: a prefork master on $T/run/fcgi.sock, which the
# snippets name. Its socket gets the owner and mode lendgate-fcgi.socket gives it: the
# web server's group, 0660 (Apache serves as $ws_user when the test is root).
master_pid=""
master_start() {
    rm -f "$T/run/fcgi.sock"
    LENDGATE_CONFIG="$T/lendgate.conf" "$ws_bin" --listen "unix:$T/run/fcgi.sock" --workers 2 \
        >>"$T/ws/error.log" 2>&1 &
    master_pid=$!
    at_exit master_stop
    wait_for 10 test -S "$T/run/fcgi.sock" || return 1
    if [ -n "$ws_user" ]; then
        chgrp "$(id -gn "$ws_user")" "$T/run/fcgi.sock" && chmod 0660 "$T/run/fcgi.sock"
    fi
}
master_stop() {
    [ -n "$master_pid" ] || return 0
    kill -TERM "$master_pid" 2>/dev/null
    wait "$master_pid" 2>/dev/null
    master_pid=""
}
stop_all() {
    master_stop
    ws_stop
}

# start_with_snippet KIND [down]: the server with the shipped snippet (KIND lighttpd,
# apache, lighttpd-socket or apache-socket); with down, the responder pool cannot run
# (lighttpd: nothing spawns it; Apache: the wrapper exits; the socket snippets: no
# master listens).
start_with_snippet() {
    local kind=$1 down=${2:-} port m=$ws_apache_modules bin="" handler
    rm -rf "$T/ws"
    mkdir -p "$T/ws/www" "$T/ws/fcgid"
    port=$(ws_free_port)
    if [ -n "$down" ]; then
        bin="$T/dead.fcgi"
        printf '#!/bin/sh\nexit 1\n' >"$bin"
        chmod 755 "$bin"
    fi
    case $kind in
    apache*) if [ "$(id -u)" = 0 ]; then ws_user=daemon; chmod 0711 "$T"; fi ;;
    esac
    case $kind in
    *-socket)
        snippet "${kind%-socket}-lendgate-socket.conf"
        ws_fix_owner
        if [ -z "$down" ] && ! master_start; then
            ws_why="no master listens on $T/run/fcgi.sock: $(tail -n 5 "$T/ws/error.log" | tr '\n' ' ')"
            return 1
        fi
        ;;
    lighttpd) snippet lighttpd-lendgate.conf ;;
    apache) snippet apache-lendgate.conf ;;
    esac
    if [ "${kind%-socket}" = lighttpd ]; then
        [ -z "$down" ] || sed -i '/"bin-path"/d' "$T/ws/snippet.conf"
        cat >"$T/ws/server.conf" <<CONF
server.document-root = "$T/ws/www"
server.bind = "127.0.0.1"
server.port = $port
server.errorlog = "$T/ws/error.log"
server.pid-file = "$T/ws/server.pid"
include "$T/ws/snippet.conf"
CONF
        lighttpd -D -f "$T/ws/server.conf" >>"$T/ws/error.log" 2>&1 &
    else
        if [ "$kind" = apache ]; then
            handler="LoadModule fcgid_module $m/mod_fcgid.so
LoadModule mime_module $m/mod_mime.so
TypesConfig /dev/null
FcgidIPCDir \"$T/ws/fcgid\"
FcgidProcessTableFile \"$T/ws/fcgid/shm\"
FcgidInitialEnv ASAN_OPTIONS ${ASAN_OPTIONS:-detect_leaks=1}"
        else
            handler="LoadModule proxy_module $m/mod_proxy.so
LoadModule proxy_fcgi_module $m/mod_proxy_fcgi.so"
        fi
        cat >"$T/ws/server.conf" <<CONF
ServerRoot "$T/ws"
ServerName 127.0.0.1
Listen 127.0.0.1:$port
PidFile "$T/ws/server.pid"
ErrorLog "$T/ws/error.log"
DefaultRuntimeDir "$T/ws"
${ws_user:+User $ws_user}
${ws_user:+Group $(id -gn "${ws_user:-root}")}
LoadModule mpm_event_module $m/mod_mpm_event.so
LoadModule authz_core_module $m/mod_authz_core.so
LoadModule authn_core_module $m/mod_authn_core.so
LoadModule authn_file_module $m/mod_authn_file.so
LoadModule authz_user_module $m/mod_authz_user.so
LoadModule auth_basic_module $m/mod_auth_basic.so
LoadModule alias_module $m/mod_alias.so
$handler
Include "$T/ws/snippet.conf"
CONF
        ws_fix_owner
        apache2 -f "$T/ws/server.conf" -DFOREGROUND >>"$T/ws/error.log" 2>&1 &
    fi
    ws_pid=$!
    at_exit stop_all
    export LG_BASE_URL="http://127.0.0.1:$port"
    for i in $(seq 1 100); do
        curl -s -o /dev/null "$LG_BASE_URL/partners/my/stats" && return 0
        kill -0 "$ws_pid" 2>/dev/null || break
        sleep 0.1
    done
    ws_why="$(tail -n 5 "$T/ws/error.log" | tr '\n' ' ')"
    return 1
}

# expect_server_error NAME STATUS: the last answer is the web server's own STATUS in
# the API's error shape, as JSON, without a request id.
expect_server_error() {
    expect_eq "$1" "$ws_status:$(ws_header Content-Type):$(ws_py \
        '"%s:%s:%s" % (d["success"], d["statusCode"], d["requestId"])')" "$2:application/json:False:$2:"
}

# A body past the web server's own limit (16 MiB in both snippets) never reaches
# lendgate: the server refuses it, in the API's shape.
web_server_errors_413() {
    [ -f "$T/huge.body" ] || head -c $((16 * 1024 * 1024 + 4096)) /dev/zero | tr '\0' 'a' >"$T/huge.body"
    ws_call POST /partners/borrow -H "Authorization: Bearer $key" \
        -H 'Content-Type: application/json' --data-binary "@$T/huge.body"
    expect_server_error "$1: the server's own 413 is the API's JSON error" 413
}

# The responder pool down: the server's own 503 (lighttpd) or 500 (Apache) is the
# API's JSON error, and a path outside lendgate keeps the server's own page.
web_server_errors_down() {
    local want=503
    [ "$1" = apache ] && want=500
    if ! start_with_snippet "$1" down; then
        fail "$1 starts with the pool down" "$ws_why"
        return
    fi
    ws_call GET /partners/my/stats -H "Authorization: Bearer $key"
    expect_server_error "$1: pool down: the server's own $want is the API's JSON error" "$want"
    # Not the API: plain curl, so the contract check does not hold it to the spec.
    curl -s -o /dev/null -D "$T/ws/headers" "$LG_BASE_URL/elsewhere"
    case $(ws_header Content-Type) in
    application/json*) fail "$1: other paths keep the server's own error pages" "$(ws_header Content-Type)" ;;
    *) pass "$1: other paths keep the server's own error pages" ;;
    esac
    stop_all
}

for server in lighttpd lighttpd-socket apache apache-socket; do
    case $server in
    lighttpd*) command -v lighttpd >/dev/null || { skip "$server" "lighttpd not installed"; continue; } ;;
    apache) { command -v apache2 >/dev/null && [ -f "$ws_apache_modules/mod_fcgid.so" ]; } ||
        { skip "$server" "apache2 or mod_fcgid not installed"; continue; } ;;
    apache-socket) { command -v apache2 >/dev/null && [ -f "$ws_apache_modules/mod_proxy_fcgi.so" ]; } ||
        { skip "$server" "apache2 or mod_proxy_fcgi not installed"; continue; } ;;
    esac
    if ! start_with_snippet "$server"; then
        fail "$server starts with the shipped snippet" "$ws_why"
        continue
    fi
    pass "$server starts with the shipped snippet"
    ws_call GET /partners/my/stats -H "Authorization: Bearer $key"
    expect_eq "$server: Authorization reaches the responder" "$ws_status:$(ws_py 'd["success"]')" "200:True"
    ws_call GET /admin/partners
    expect_eq "$server: /admin without credentials is 401" "$ws_status" 401
    case $(ws_header WWW-Authenticate) in
    Basic*) pass "$server: /admin asks for Basic auth" ;;
    *) fail "$server: /admin asks for Basic auth" "$(ws_header WWW-Authenticate)" ;;
    esac
    ws_call GET /admin/partners -u 'alice:wrong'
    expect_eq "$server: /admin with a wrong password is 401" "$ws_status" 401
    ws_call GET /admin/partners -u 'alice:open sesame'
    expect_eq "$server: /admin with credentials reaches the responder as alice" \
        "$ws_status:$(ws_py 'd["partners"][0]["apiKeyPrefix"]')" "200:sigma"
    ws_call GET /healthz
    expect_eq "$server: /healthz is open and answers" "$ws_status:$(ws_py 'd["status"]')" "200:ok"
    ws_call GET /readyz
    expect_eq "$server: /readyz is open and says the chain is missing" \
        "$ws_status:$(ws_py 'd["checks"]["chain"]["ok"]')" "503:False"
    ws_call GET /metrics
    expect_eq "$server: /metrics without credentials is 401" "$ws_status" 401
    ws_call GET /metrics -u 'alice:open sesame'
    expect_eq "$server: /metrics with credentials is the Prometheus text" \
        "$ws_status:$(ws_header Content-Type | cut -d';' -f1)" "200:text/plain"
    case $server in
    *-socket) what="the snippet reaches the master's workers" ;;
    *) what="the snippet spawns the pool" ;;
    esac
    [ "$(ws_pids | wc -l)" -ge 1 ] && pass "$server: $what" || fail "$server: $what" "no responder found"
    # lendgate's own 5xx passes through the error pages untouched: body, request id.
    ws_call GET /partners/public/oaid/1/credit-line
    ws_expect_error "$server: lendgate's own 503 keeps its body and request id" 503 \
        "Chain node unavailable"
    web_server_errors_413 "$server"
    stop_all
    expect_eq "$server: no responder left after stop" "$(ws_pids | wc -l)" 0
    expect_eq "$server: no sanitizer report or crash" "$(ws_errors | head -n 3)" ""
    web_server_errors_down "$server"
done
finish
