# webserver.sh - start lighttpd or Apache (mod_fcgid) on loopback with a pool of
# the built lendgate.fcgi, for the HTTP integration tests (sourced after lib.sh).
#
# ws_start lighttpd|apache [N]  generates a config in $T/ws, starts that web server
#                               on 127.0.0.1 at a free port with N responders (default
#                               2) reading LENDGATE_CONFIG=$T/lendgate.conf (which the
#                               test writes first); exports LG_BASE_URL; registers
#                               ws_stop with at_exit. Returns 1 with the reason in
#                               $ws_why when it did not start; $ws_missing is 1 when
#                               that is because the server is not installed here.
#                               With ws_socket=PATH set, lighttpd uses the responder
#                               already listening there instead of spawning a pool.
#                               With WS_ADMIN=1 the pool serves /admin, /metrics,
#                               /healthz and /readyz too, with no web server auth (no
#                               REMOTE_USER); with WS_ADMIN_AUTH=1 /admin and /metrics
#                               are behind the server's own basic auth against
#                               the htpasswd file $WS_ADMIN_HTPASSWD (lighttpd
#                               mod_auth / Apache AuthType Basic), which then sets
#                               REMOTE_USER. Neither set: /partners only, as before.
# ws_pids                       the pids of the responders of this test, one a line
# ws_stop                       stops the web server and every responder it started
# ws_errors                     sanitizer reports and crashes in the web server's log
#                               (and the socket responders' master's, ws_start_snippet)
# ws_fix_owner                  as root under Apache, hands $T to the server user again
#                               (call after writing the store from the test)
# ws_start_snippet KIND [down]  starts KIND (lighttpd, lighttpd-socket, apache or
#                               apache-socket) with the shipped snippet etc/KIND-
#                               lendgate.conf (etc/lighttpd-lendgate-socket.conf, ...),
#                               its system paths moved into $T (ws_snippet), on a free
#                               port; exports LG_BASE_URL. The socket kinds first start
#                               the responders' master on $T/run/fcgi.sock, as
#                               lendgate-fcgi.socket would (ws_master_start). With down,
#                               the pool cannot run (lighttpd: nothing spawns it;
#                               Apache: the wrapper exits; the socket kinds: no master
#                               listens). Returns 1 with $ws_why.
# ws_snippet FILE               etc/FILE in $T/ws/snippet.conf with /usr/libexec/lendgate
#                               /lendgate.fcgi -> the built responder (or $bin),
#                               /run/lendgate -> $T/run, /etc/lendgate -> $T,
#                               /usr/share/lendgate -> $T/share (the error pages and, when
#                               make built it, the API reference page docs/index.html)
# ws_offline_store NAME [INI]   skips test NAME unless lendgate.fcgi, lendgatectl and
#                               mkpartner are built; writes $T/lendgate.conf for a store
#                               in $T/state and a chain node that is not there (chain
#                               routes answer 503), plus the INI lines given; runs
#                               lendgatectl init. Sets ctl, mk and db.

ws_bin="$LG_TOP_BUILDDIR/lendgate.fcgi"
ws_kind=""
ws_pid=""
ws_master=""
ws_why=""
ws_missing=0
ws_user=""
ws_apache_modules=/usr/lib/apache2/modules
ws_no_limits="[ratelimit]
basic_rpm = 1000000
premium_rpm = 1000000
enterprise_rpm = 1000000
ip_rpm = 1000000"

# Moves the audit rows the responders left in their journal into the store now, for a
# test about to read partner_api_logs or a key's last_used_at itself (the admin
# viewer does the same before it reads).
ws_audit_flush() {
    "$ctl" --config "$T/lendgate.conf" journal-flush >/dev/null ||
        fail "lendgatectl journal-flush" "exit status $?"
}

ws_offline_store() {
    local name=$1 extra=${2:-} prog
    ctl="$LG_TOP_BUILDDIR/lendgatectl"
    mk="$LG_TOP_BUILDDIR/tests/integration/mkpartner"
    for prog in "$ws_bin" "$ctl" "$mk"; do
        [ -x "$prog" ] || { skip "$name" "$prog is not built"; finish; }
    done
    db="$T/state/lendgate.db"
    # Tests that are not about rate limits must not meet them.
    case $extra in
    *"[ratelimit]"*) ;;
    *) extra="$extra
$ws_no_limits" ;;
    esac
    cat >"$T/lendgate.conf" <<CONF
[store]
backend = sqlite
state_dir = $T/state
path = $db
[chain]
rpc_url = http://127.0.0.1:9
connect_timeout_ms = 200
request_timeout_ms = 500
platform_key_file = $T/no-such.key
$extra
[log]
level = warn
CONF
    check "lendgatectl init" "$ctl" --config "$T/lendgate.conf" init
}

ws_free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

ws_pids() {
    local p exe
    for p in /proc/[0-9]*; do
        exe=$(readlink "$p/exe" 2>/dev/null) || continue
        [ "$exe" = "$ws_bin" ] || continue
        tr '\0' '\n' <"$p/environ" 2>/dev/null | grep -qx "LENDGATE_CONFIG=$T/lendgate.conf" &&
            echo "${p#/proc/}"
    done | sort -n
}

ws_fix_owner() {
    [ -n "$ws_user" ] && chown -R "$ws_user:" "$T"
    return 0
}

# With WS_IPV6=1 the server also listens on [::1] (LG_BASE_URL6).
ws_ipv6_lines() {
    [ "${WS_IPV6:-0}" = 1 ] || return 0
    case $1 in
    lighttpd) echo "\$SERVER[\"socket\"] == \"[::1]:$2\" { }" ;;
    apache) echo "Listen [::1]:$2" ;;
    esac
}

# The lighttpd lines that put /admin behind basic auth (WS_ADMIN_AUTH=1).
ws_lighttpd_auth() {
    [ "${WS_ADMIN_AUTH:-0}" = 1 ] || return 0
    cat <<CONF
server.modules += ( "mod_auth", "mod_authn_file" )
auth.backend = "htpasswd"
auth.backend.htpasswd.userfile = "$WS_ADMIN_HTPASSWD"
auth.require = ( "/admin" => ( "method" => "basic", "realm" => "lendgate admin",
                               "require" => "valid-user" ),
                  "/metrics" => ( "method" => "basic", "realm" => "lendgate admin",
                                  "require" => "valid-user" ) )
CONF
}

ws_lighttpd_conf() {
    local port=$1 n=$2 spawn prefix=/partners
    # With ws_socket set, lighttpd connects to a responder started elsewhere
    # (lendgate.fcgi --listen) instead of spawning its own pool.
    if [ -n "${ws_socket:-}" ]; then
        spawn="\"socket\" => \"$ws_socket\","
    else
        spawn="\"socket\" => \"$T/ws/lendgate.sock\", \"bin-path\" => \"$ws_bin\", \"max-procs\" => $n,"
    fi
    # One pool for both APIs: a second fastcgi.server entry would spawn a second pool.
    [ "${WS_ADMIN:-0}" = 1 ] || [ "${WS_ADMIN_AUTH:-0}" = 1 ] && prefix=/
    cat >"$T/ws/server.conf" <<CONF
server.document-root = "$T/ws/www"
server.bind = "127.0.0.1"
server.port = $port
server.errorlog = "$T/ws/error.log"
server.pid-file = "$T/ws/server.pid"
server.max-request-size = 16384
server.modules = ( "mod_fastcgi" )
$(ws_ipv6_lines lighttpd "$port")
$(ws_lighttpd_auth)
fastcgi.server = ( "$prefix" => ((
    $spawn
    "check-local" => "disable",
    "bin-environment" => ( "LENDGATE_CONFIG" => "$T/lendgate.conf" ),
)) )
CONF
}

# The Apache <Location /admin> block (WS_ADMIN=1 or WS_ADMIN_AUTH=1), and the
# auth modules it needs.
ws_apache_admin() {
    local m=$ws_apache_modules require="Require all granted"
    [ "${WS_ADMIN:-0}" = 1 ] || [ "${WS_ADMIN_AUTH:-0}" = 1 ] || return 0
    if [ "${WS_ADMIN_AUTH:-0}" = 1 ]; then
        require="AuthType Basic
    AuthName \"lendgate admin\"
    AuthBasicProvider file
    AuthUserFile \"$WS_ADMIN_HTPASSWD\"
    Require valid-user"
        cat <<CONF
LoadModule authn_core_module $m/mod_authn_core.so
LoadModule authn_file_module $m/mod_authn_file.so
LoadModule auth_basic_module $m/mod_auth_basic.so
LoadModule authz_user_module $m/mod_authz_user.so
CONF
    fi
    local path
    for path in /admin /metrics; do
        cat <<CONF
<Location $path>
    SetHandler fcgid-script
    FcgidWrapper $ws_bin virtual
    Options +ExecCGI
    $require
</Location>
CONF
    done
    for path in /healthz /readyz; do
        cat <<CONF
<Location $path>
    SetHandler fcgid-script
    FcgidWrapper $ws_bin virtual
    Options +ExecCGI
    Require all granted
</Location>
CONF
    done
}

ws_apache_conf() {
    local port=$1 n=$2 m=$ws_apache_modules user_lines=""
    [ -n "$ws_user" ] && user_lines="User $ws_user
Group $(id -gn "$ws_user")"
    cat >"$T/ws/server.conf" <<CONF
ServerRoot "$T/ws"
ServerName 127.0.0.1
Listen 127.0.0.1:$port
$(ws_ipv6_lines apache "$port")
PidFile "$T/ws/server.pid"
ErrorLog "$T/ws/error.log"
DefaultRuntimeDir "$T/ws"
LogLevel warn
$user_lines
LoadModule mpm_event_module $m/mod_mpm_event.so
LoadModule authz_core_module $m/mod_authz_core.so
LoadModule fcgid_module $m/mod_fcgid.so
FcgidIPCDir "$T/ws/fcgid"
FcgidProcessTableFile "$T/ws/fcgid/shm"
FcgidInitialEnv LENDGATE_CONFIG $T/lendgate.conf
FcgidInitialEnv ASAN_OPTIONS ${ASAN_OPTIONS:-detect_leaks=1}
FcgidInitialEnv UBSAN_OPTIONS ${UBSAN_OPTIONS:-print_stacktrace=1}
FcgidMaxProcessesPerClass $n
FcgidMinProcessesPerClass $n
FcgidIdleTimeout 0
FcgidProcessLifeTime 0
FcgidMaxRequestLen 16777216
FcgidIOTimeout 60
FcgidPassHeader Authorization
<Location /partners>
    SetHandler fcgid-script
    FcgidWrapper $ws_bin virtual
    Options +ExecCGI
    CGIPassAuth On
    Require all granted
</Location>
$(ws_apache_admin)
CONF
}

ws_start() {
    local kind=$1 n=${2:-2} port i
    ws_kind=$kind
    ws_missing=0
    [ -x "$ws_bin" ] || { ws_why="$ws_bin not built"; return 1; }
    [ -f "$T/lendgate.conf" ] || { ws_why="$T/lendgate.conf not written"; return 1; }
    rm -rf "$T/ws"
    mkdir -p "$T/ws/www" "$T/ws/fcgid"
    port=$(ws_free_port)
    case $kind in
    lighttpd)
        command -v lighttpd >/dev/null || { ws_why="lighttpd not installed"; ws_missing=1; return 1; }
        ws_lighttpd_conf "$port" "$n"
        LENDGATE_CONFIG="$T/lendgate.conf" lighttpd -D -f "$T/ws/server.conf" \
            >>"$T/ws/error.log" 2>&1 &
        ;;
    apache)
        command -v apache2 >/dev/null && [ -f "$ws_apache_modules/mod_fcgid.so" ] ||
            { ws_why="apache2 or mod_fcgid not installed"; ws_missing=1; return 1; }
        # Apache will not serve as root: its children run as daemon, which must
        # reach the config, the store and its own directories under $T.
        if [ "$(id -u)" = 0 ]; then
            ws_user=daemon
            chmod 0711 "$T"
        fi
        ws_apache_conf "$port" "$n"
        ws_fix_owner
        apache2 -f "$T/ws/server.conf" -DFOREGROUND >>"$T/ws/error.log" 2>&1 &
        ;;
    *) ws_why="unknown web server '$kind'"; return 1 ;;
    esac
    ws_pid=$!
    at_exit ws_stop
    export LG_BASE_URL="http://127.0.0.1:$port" LG_BASE_URL6="http://[::1]:$port"
    for i in $(seq 1 100); do
        # A path no route matches: it reaches a responder without costing the
        # client address any of its budget for unauthenticated calls.
        if curl -s -o /dev/null "$LG_BASE_URL/partners/-" 2>/dev/null; then
            # mod_fcgid starts its pool on demand: wait for it to reach N.
            [ "$(ws_pids | wc -l)" -ge 1 ] && return 0
        fi
        kill -0 "$ws_pid" 2>/dev/null || break
        sleep 0.1
    done
    ws_why="$kind did not start: $(tail -n 5 "$T/ws/error.log" 2>/dev/null | tr '\n' ' ')"
    ws_stop
    return 1
}

ws_stop() {
    local i pids
    if [ -n "$ws_master" ]; then
        kill -TERM "$ws_master" 2>/dev/null
        wait "$ws_master" 2>/dev/null
        ws_master=""
    fi
    [ -n "$ws_pid" ] || return 0
    kill -TERM "$ws_pid" 2>/dev/null
    for i in $(seq 1 100); do
        kill -0 "$ws_pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$ws_pid" 2>/dev/null
    wait "$ws_pid" 2>/dev/null
    ws_pid=""
    for i in $(seq 1 50); do
        pids=$(ws_pids)
        [ -z "$pids" ] && return 0
        [ "$i" -eq 20 ] && kill -TERM $pids 2>/dev/null
        sleep 0.1
    done
    kill -KILL $(ws_pids) 2>/dev/null
    return 0
}

ws_errors() {
    grep -h -E "AddressSanitizer|UndefinedBehaviorSanitizer|runtime error|LeakSanitizer|Segmentation|core dumped" \
        "$T/ws/error.log" "$T/ws/master.log" 2>/dev/null
}

# ws_call METHOD PATH [CURL ARGS...]: one request; the status in $ws_status, the
# body in $T/ws/body, the headers in $T/ws/headers.
ws_call() {
    local m=$1 p=$2
    shift 2
    ws_status=$(curl -s -o "$T/ws/body" -D "$T/ws/headers" -w '%{http_code}' -X "$m" "$@" \
        "$LG_BASE_URL$p")
    contract_record "$m" "$p" "$ws_status" "$T/ws/headers" "$T/ws/body" "$@"
}

# ws_admin_login: the htpasswd file $WS_ADMIN_HTPASSWD that the servers' /admin auth
# reads, holding root-admin with a fresh password, $ws_admin_pw.
ws_admin_login() {
    ws_admin_pw=admin-pw-$RANDOM$RANDOM
    export WS_ADMIN_HTPASSWD="$T/htpasswd"
    htpasswd -c -b -m "$WS_ADMIN_HTPASSWD" root-admin "$ws_admin_pw" 2>/dev/null
}

# ws_post0 PATH [CURL ARGS]: a POST without a body; lighttpd wants its Content-Length.
ws_post0() {
    local p=$1
    shift
    ws_call POST "$p" -H 'Content-Length: 0' "$@"
}

# ws_admin METHOD PATH [CURL ARGS]: ws_call as root-admin (ws_admin_login).
ws_admin() {
    local m=$1 p=$2
    shift 2
    if [ "$m" = POST ] && [ $# = 0 ]; then
        ws_post0 "$p" -u "root-admin:$ws_admin_pw"
    else
        ws_call "$m" "$p" -u "root-admin:$ws_admin_pw" "$@"
    fi
}

# ws_admin_json METHOD PATH JSON: ws_admin with a JSON body.
ws_admin_json() { ws_admin "$1" "$2" -H 'Content-Type: application/json' --data-binary "$3"; }

# ws_no_secret NAME SECRETS...: none of the secrets in the body of the last call
# (a leak is named by its first 8 characters).
ws_no_secret() {
    local name=$1 s leak=""
    shift
    for s in "$@"; do
        [ -n "$s" ] && grep -qF -- "$s" "$T/ws/body" && leak="${s:0:8}..."
    done
    expect_eq "$name" "$leak" ""
}

# ws_header NAME: the value of a response header of the last call.
ws_header() {
    tr -d '\r' <"$T/ws/headers" | awk -v n="$(echo "$1" | tr 'A-Z' 'a-z')" -F': ' \
        'tolower($1) == n { sub(/^[^:]*: /, ""); print; exit }'
}

# ws_py EXPR: EXPR evaluated by python3 on the JSON body of the last call as d.
ws_py() {
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
        "$T/ws/body" "$1" 2>/dev/null
}

# ws_expect_error NAME STATUS MESSAGE_PREFIX: the last call answered STATUS with the
# error shape of the API (success false, statusCode, error, message starting with
# MESSAGE_PREFIX, requestId equal to the X-Request-Id header).
ws_expect_error() {
    local name=$1 want=$2 prefix=$3 rid shape
    rid=$(ws_header X-Request-Id)
    shape=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
ok = isinstance(d, dict) and d.get("success") is False and \
    d.get("statusCode") == int(sys.argv[2]) and isinstance(d.get("error"), str) and \
    d.get("requestId") == sys.argv[3] and isinstance(d.get("message"), str) and \
    d["message"].startswith(sys.argv[4])
print("ok" if ok else "body " + json.dumps(d)[:300])' "$T/ws/body" "$want" "$rid" "$prefix" 2>&1)
    if [ "$ws_status" = "$want" ] && [ "$shape" = ok ]; then
        pass "$name"
    else
        fail "$name" "status $ws_status (want $want), $shape"
    fi
}

ws_snippet() {
    mkdir -p "$T/run" "$T/ws"
    rm -rf "$T/share"
    mkdir -p "$T/share/docs"
    cp -r "$LG_TOP_SRCDIR/etc/errors" "$T/share/errors"
    [ -f "$LG_TOP_BUILDDIR/docs/reference/index.html" ] &&
        cp "$LG_TOP_BUILDDIR/docs/reference/index.html" "$T/share/docs/index.html"
    chmod -R a+rX "$T/share"
    sed -e "s|/usr/libexec/lendgate/lendgate.fcgi|${bin:-$ws_bin}|g" -e "s|/run/lendgate|$T/run|g" \
        -e "s|/usr/share/lendgate/|$T/share/|g" -e "s|/etc/lendgate/|$T/|g" \
        "$LG_TOP_SRCDIR/etc/$1" >"$T/ws/snippet.conf"
}

# The responders' master for the socket snippets: `lendgate.fcgi --listen` on
# $T/run/fcgi.sock, which they name, with the owner and mode lendgate-fcgi.socket gives
# the socket: the web server's group, 0660 (Apache serves as $ws_user under root).
ws_master_start() {
    local i
    rm -f "$T/run/fcgi.sock"
    LENDGATE_CONFIG="$T/lendgate.conf" "$ws_bin" --listen "unix:$T/run/fcgi.sock" --workers 2 \
        </dev/null >>"$T/ws/master.log" 2>&1 &
    ws_master=$!
    at_exit ws_stop
    for i in $(seq 1 100); do
        [ -S "$T/run/fcgi.sock" ] && break
        kill -0 "$ws_master" 2>/dev/null || break
        sleep 0.1
    done
    if [ ! -S "$T/run/fcgi.sock" ]; then
        ws_why="the responders' master did not listen: $(tail -n 3 "$T/ws/master.log" | tr '\n' ' ')"
        ws_stop
        return 1
    fi
    ws_socket_mode=$(stat -c %a "$T/run/fcgi.sock")
    if [ -n "$ws_user" ]; then
        chgrp "$(id -gn "$ws_user")" "$T/run/fcgi.sock" && chmod 0660 "$T/run/fcgi.sock"
    fi
}

ws_apache_snippet_conf() { # PORT KIND
    local m=$ws_apache_modules handler
    if [ "$2" = apache ]; then
        handler="LoadModule fcgid_module $m/mod_fcgid.so
FcgidIPCDir \"$T/ws/fcgid\"
FcgidProcessTableFile \"$T/ws/fcgid/shm\"
FcgidInitialEnv ASAN_OPTIONS ${ASAN_OPTIONS:-detect_leaks=1}"
    else
        handler="LoadModule proxy_module $m/mod_proxy.so
LoadModule proxy_fcgi_module $m/mod_proxy_fcgi.so"
    fi
    cat <<CONF
ServerRoot "$T/ws"
ServerName 127.0.0.1
Listen 127.0.0.1:$1
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
LoadModule mime_module $m/mod_mime.so
TypesConfig /dev/null
$handler
Include "$T/ws/snippet.conf"
CONF
}

ws_start_snippet() {
    local kind=$1 down=${2:-} port bin="" i
    ws_kind=$kind
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
    lighttpd)
        ws_snippet lighttpd-lendgate.conf
        [ -z "$down" ] || sed -i '/"bin-path"/d' "$T/ws/snippet.conf"
        ;;
    apache) ws_snippet apache-lendgate.conf ;;
    lighttpd-socket | apache-socket)
        ws_snippet "${kind%-socket}-lendgate-socket.conf"
        ws_fix_owner
        [ -n "$down" ] || ws_master_start || return 1
        ;;
    *) ws_why="unknown snippet kind '$kind'"; return 1 ;;
    esac
    if [ "${kind%-socket}" = lighttpd ]; then
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
        ws_apache_snippet_conf "$port" "$kind" >"$T/ws/server.conf"
        ws_fix_owner
        apache2 -f "$T/ws/server.conf" -DFOREGROUND >>"$T/ws/error.log" 2>&1 &
    fi
    ws_pid=$!
    at_exit ws_stop
    export LG_BASE_URL="http://127.0.0.1:$port"
    for i in $(seq 1 100); do
        curl -s -o /dev/null "$LG_BASE_URL/partners/my/stats" && return 0
        kill -0 "$ws_pid" 2>/dev/null || break
        sleep 0.1
    done
    ws_why="$(tail -n 5 "$T/ws/error.log" | tr '\n' ' ')"
    return 1
}
