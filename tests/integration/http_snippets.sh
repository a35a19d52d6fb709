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
    if ! ws_start_snippet "$1" down; then
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
    ws_stop
}

for server in lighttpd lighttpd-socket apache apache-socket; do
    case $server in
    lighttpd*) command -v lighttpd >/dev/null || { skip "$server" "lighttpd not installed"; continue; } ;;
    apache) { command -v apache2 >/dev/null && [ -f "$ws_apache_modules/mod_fcgid.so" ]; } ||
        { skip "$server" "apache2 or mod_fcgid not installed"; continue; } ;;
    apache-socket) { command -v apache2 >/dev/null && [ -f "$ws_apache_modules/mod_proxy_fcgi.so" ]; } ||
        { skip "$server" "apache2 or mod_proxy_fcgi not installed"; continue; } ;;
    esac
    if ! ws_start_snippet "$server"; then
        fail "$server starts with the shipped snippet" "$ws_why"
        continue
    fi
    pass "$server starts with the shipped snippet"
    case $server in
    *-socket) expect_eq "$server: the master's socket is 0660 (the test's umask is $(umask))" \
        "$ws_socket_mode" 660 ;;
    esac
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
    ws_stop
    expect_eq "$server: no responder left after stop" "$(ws_pids | wc -l)" 0
    expect_eq "$server: no sanitizer report or crash" "$(ws_errors | head -n 3)" ""
    web_server_errors_down "$server"
done
finish
