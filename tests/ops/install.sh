#!/usr/bin/env bash
# make install lays lendgate out as a system service (etc/local.mk), and the installed
# files alone work: `make install DESTDIR=$T/root` from this build tree (with its own
# prefix) installs exactly the expected files; systemd-analyze verify accepts each
# installed unit, whose programs are the installed ones; the installed lendgatectl
# runs, and init and migrate work from a configuration made from the installed
# lendgate.conf; with the installed snippets (their paths moved under $T/root) lighttpd
# and Apache's mod_fcgid spawn the installed responder, and lighttpd and Apache's
# mod_proxy_fcgi connect to the installed master listening on the installed socket
# path, the one the installed lendgate-fcgi.socket names: each answers a partner's
# call; the installed man pages render without warnings; a second install keeps an
# edited lendgate.conf, and make uninstall leaves only that file and the state directory.
. "$(dirname "$0")/../integration/lib.sh"

b=$LG_TOP_BUILDDIR
R=$T/root
lg_make() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory -s -C "$b" "$@"; }

while IFS='=' read -r k v; do
    case $k in
    prefix | bindir | pkglibexecdir | sysconfdir | pkgsysconfdir | pkgdatadir | docdir | mandir | \
        pkgstatedir | runstatedir | units | systemdsystemunitdir | sysusersdir | tmpfilesdir)
        printf -v "$k" '%s' "$v" ;;
    esac
done < <(lg_make lg-install-dirs)
[ -n "${bindir:-}" ] || { fail "the build's install directories" "make lg-install-dirs printed none"; finish; }

if ! lg_make install DESTDIR="$R" >"$T/install.log" 2>&1; then
    fail "make install DESTDIR" "$(tail -n 5 "$T/install.log" | tr '\n' ' ')"
    finish
fi
pass "make install DESTDIR"

# Exactly these files, nothing else.
{
    echo "$bindir/lendgatectl"
    echo "$pkglibexecdir/lendgate.fcgi"
    echo "$pkgsysconfdir/lendgate.conf"
    echo "$pkgsysconfdir/lendgate.conf.example"
    echo "$pkgsysconfdir/partner_platforms.json.example"
    echo "$sysconfdir/lighttpd/conf-available/50-lendgate.conf"
    echo "$sysconfdir/lighttpd/conf-available/50-lendgate-socket.conf"
    echo "$sysconfdir/apache2/conf-available/lendgate.conf"
    echo "$sysconfdir/apache2/conf-available/lendgate-socket.conf"
    for f in "$LG_TOP_SRCDIR"/etc/errors/*; do echo "$pkgdatadir/errors/${f##*/}"; done
    echo "$pkgdatadir/openapi.yaml"
    # The API reference page, when this build made it (configure --enable-api-docs).
    [ -f "$b/docs/reference/index.html" ] && echo "$pkgdatadir/docs/index.html"
    echo "$docdir/README.md"
    for f in "$LG_TOP_SRCDIR"/docs/*.md; do echo "$docdir/${f##*/}"; done
    for f in "$LG_TOP_SRCDIR"/man/*.[0-9]; do
        [ -f "$f" ] && echo "$mandir/man${f##*.}/${f##*/}"
    done
    if [ "${units:-no}" = yes ]; then
        for f in lendgate-dispatch.service lendgate-reconcile.service lendgate-fcgi.service \
            lendgate-fcgi.socket; do
            echo "$systemdsystemunitdir/$f"
        done
        echo "$sysusersdir/lendgate.conf"
        echo "$tmpfilesdir/lendgate.conf"
    fi
} | sort >"$T/want.files"
(cd "$R" && find . -type f | sed 's|^\.||' | sort) >"$T/got.files"
expect_eq "the installed files are the layout's" \
    "$(diff "$T/want.files" "$T/got.files" | grep '^[<>]' | tr '\n' ' ')" ""
expect_eq "the state directory is made 0700" "$(stat -c %a "$R$pkgstatedir" 2>&1)" 700
expect_eq "lendgate.conf is the example, mode 0640" \
    "$(cmp -s "$R$pkgsysconfdir/lendgate.conf" "$R$pkgsysconfdir/lendgate.conf.example" &&
        stat -c %a "$R$pkgsysconfdir/lendgate.conf")" 640
[ -x "$R$bindir/lendgatectl" ] && [ -x "$R$pkglibexecdir/lendgate.fcgi" ] &&
    pass "the programs are executable" || fail "the programs are executable"

ctl="$R$bindir/lendgatectl"
fcgi="$R$pkglibexecdir/lendgate.fcgi"
conf="$R$pkgsysconfdir/lendgate.conf"
check "the installed lendgatectl runs" "$ctl" version
expect_eq "the installed programs say their version" \
    "$("$ctl" --version | cut -d' ' -f1-2):$("$R$pkglibexecdir/lendgate.fcgi" --version)" \
    "lendgatectl $(sed -n 's/^PACKAGE_VERSION = //p' "$b/Makefile"):lendgate.fcgi $(sed -n 's/^PACKAGE_VERSION = //p' "$b/Makefile")"
case $("$ctl" help 2>&1) in
*"else $pkgsysconfdir/lendgate.conf;"*) pass "lendgatectl reads $pkgsysconfdir/lendgate.conf by default" ;;
*) fail "lendgatectl reads $pkgsysconfdir/lendgate.conf by default" "$("$ctl" help 2>&1 | sed -n 3p)" ;;
esac
# The installed example documents the compiled-in defaults of this layout.
for want in "# state_dir = $pkgstatedir" "# path = $pkgstatedir/lendgate.db" \
    "# platform_key_file = $pkgsysconfdir/platform.key"; do
    grep -qxF "$want" "$conf" && pass "installed lendgate.conf: $want" ||
        fail "installed lendgate.conf: $want" "not found"
done
left=$(grep -l -e '/usr/libexec' -e '/usr/share/lendgate' -e '[":]/run/lendgate' -e '[ "]/etc/lendgate' \
    "$R$sysconfdir"/lighttpd/conf-available/50-lendgate*.conf "$R$sysconfdir"/apache2/conf-available/lendgate*.conf)
[ -n "$left" ] && [ "$pkglibexecdir" != /usr/libexec/lendgate ] &&
    fail "the installed snippets have the configured paths" "a system path is left in $left" ||
    pass "the installed snippets have the configured paths"
# The socket systemd makes is the one the installed socket snippet connects to.
sock="$runstatedir/lendgate/fcgi.sock"
expect_eq "the installed lighttpd socket snippet connects to $sock" \
    "$(grep -o '"socket" *=> *"[^"]*"' "$R$sysconfdir/lighttpd/conf-available/50-lendgate-socket.conf" |
        sed 's/.*"\([^"]*\)"$/\1/' | sort -u)" "$sock"
expect_eq "the installed Apache socket snippet connects to $sock" \
    "$(sed -n 's/^ *ProxyPass "unix:\([^|]*\)|.*/\1/p' \
        "$R$sysconfdir/apache2/conf-available/lendgate-socket.conf" | sort -u)" "$sock"
if [ "${units:-no}" = yes ]; then
    expect_eq "the installed lendgate-fcgi.socket listens on $sock" \
        "$(sed -n 's/^ListenStream=//p' "$R$systemdsystemunitdir/lendgate-fcgi.socket")" "$sock"
fi

# systemd-analyze verify on each unit as installed. verify requires every Exec*=
# program to exist, at the path the unit names: the installed units name the
# configured $bindir and $pkglibexecdir, which make install wrote under $R instead.
# --root=$R would find the programs there, but then looks for everything else under
# $R too (sysinit.target, ExecReload's /bin/kill) and fails on that. So each unit is
# verified as installed but for those program paths, moved under $R in a copy; the
# copy is checked to differ from the installed file in nothing else.
if [ "${units:-no}" != yes ]; then
    skip "systemd-analyze verify of the installed units" "configured --with-systemdsystemunitdir=no"
elif ! command -v systemd-analyze >/dev/null 2>&1; then
    skip "systemd-analyze verify of the installed units" "systemd-analyze not installed (Debian package 'systemd')"
else
    mkdir -p "$T/units"
    for f in $(grep "^$systemdsystemunitdir/" "$T/want.files"); do
        u=${f##*/}
        sed -e "s|^\(Exec[A-Za-z]*=[-@:+!]*\)\($bindir/\)|\1$R\2|" \
            -e "s|^\(Exec[A-Za-z]*=[-@:+!]*\)\($pkglibexecdir/\)|\1$R\2|" "$R$f" >"$T/units/$u"
        other=$(diff "$R$f" "$T/units/$u" | grep '^[<>]' | grep -v '^[<>] Exec')
        expect_eq "$u: the verified copy differs from the installed unit only in Exec*= programs" "$other" ""
    done
    for f in $(grep "^$systemdsystemunitdir/" "$T/want.files"); do
        u=${f##*/}
        case $u in
        *.service)
            prog=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$R$f")
            case $prog in
            "$bindir"/* | "$pkglibexecdir"/*)
                [ -x "$R$prog" ] && pass "$u: ExecStart runs the installed $prog" ||
                    fail "$u: ExecStart runs the installed $prog" "$R$prog is not executable" ;;
            *) fail "$u: ExecStart runs an installed program" "it names '$prog'" ;;
            esac
            ;;
        esac
        out=$(systemd-analyze verify --man=no "$T/units/$u" 2>&1)
        rc=$?
        if [ $rc -eq 0 ] && [ -z "$out" ]; then
            pass "systemd-analyze verify $f (installed): no error, no warning"
        else
            fail "systemd-analyze verify $f (installed)" "exit $rc: $out"
        fi
    done
fi

# The operator's edit of the installed file: the store in $T, a chain node that is not
# there (port 9 is closed: chain routes answer 503).
sed -i -e "s|^# state_dir = .*|state_dir = $T/state|" -e "s|^# path = .*|path = $T/state/lendgate.db|" \
    -e "s|^# rpc_url = .*|rpc_url = http://127.0.0.1:9|" \
    -e "s|^# platform_key_file = .*|platform_key_file = $T/no-such.key|" \
    -e "s|^# connect_timeout_ms = 2000|connect_timeout_ms = 200|" \
    -e "s|^# level = info|level = warn|" "$conf"
cp "$conf" "$T/edited.conf"
check "init from the installed lendgate.conf" "$ctl" --config "$conf" init
check "migrate from the installed lendgate.conf" "$ctl" --config "$conf" migrate
key=$("$ctl" --config "$conf" partner create --name Sigma --prefix sigma \
    --settlement 0x1111111111111111111111111111111111111111 --json 2>/dev/null |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["apiKey"])' 2>/dev/null)
[ -n "$key" ] && pass "a partner onboarded with the installed lendgatectl" ||
    fail "a partner onboarded with the installed lendgatectl"

# The web servers with the installed snippets, every installed path moved under $R.
fcgi_pids() {
    local p
    for p in /proc/[0-9]*; do
        [ "$(readlink "$p/exe" 2>/dev/null)" = "$fcgi" ] && echo "${p#/proc/}"
    done
}
ws_pid=""
stop_server() {
    [ -n "$ws_pid" ] || return 0
    kill -TERM "$ws_pid" 2>/dev/null
    wait "$ws_pid" 2>/dev/null
    ws_pid=""
    local i
    for i in $(seq 1 50); do
        [ -z "$(fcgi_pids)" ] && return 0
        [ "$i" = 20 ] && kill -TERM $(fcgi_pids) 2>/dev/null
        sleep 0.1
    done
    kill -KILL $(fcgi_pids) 2>/dev/null
    return 0
}
# The installed master on the installed socket path, as lendgate-fcgi.socket would
# hand it the socket; with a web server user, the socket is that user's group's, 0660,
# as the unit makes it.
master=""
sock_root="$R$runstatedir/lendgate/fcgi.sock"
start_master() {
    "$fcgi" --config "$conf" --listen "unix:$sock_root" --workers 2 >"$T/master.log" 2>&1 &
    master=$!
    wait_for 10 test -S "$sock_root" || return 1
    [ -z "${1:-}" ] || { chgrp "$(id -gn "$1")" "$sock_root" && chmod 0660 "$sock_root"; }
}
stop_master() {
    [ -n "$master" ] || return 0
    kill -TERM "$master" 2>/dev/null
    wait "$master" 2>/dev/null
    master=""
}
at_exit stop_server
at_exit stop_master
ws_call() {
    local m=$1 p=$2
    shift 2
    ws_status=$(curl -s -o "$T/ws/body" -D "$T/ws/headers" -w '%{http_code}' -X "$m" "$@" \
        "$LG_BASE_URL$p")
    contract_record "$m" "$p" "$ws_status" "$T/ws/headers" "$T/ws/body" "$@"
}
ws_py() {
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
        "$T/ws/body" "$1" 2>/dev/null
}
# docs_served NAME: /docs is the installed API reference page, without credentials
# (or a 404 when this build made no page).
docs_served() {
    local got want=404: what="answers 404 at /docs (this build made no API reference page)"
    if [ -f "$R$pkgdatadir/docs/index.html" ]; then
        want="200:$(sha256sum <"$R$pkgdatadir/docs/index.html")"
        what="serves the installed API reference page at /docs"
    fi
    got=$(curl -s -o "$T/ws/docs" -w '%{http_code}' "$LG_BASE_URL/docs")
    [ "$got" = 200 ] && got="$got:$(sha256sum <"$T/ws/docs")" || got="$got:"
    expect_eq "$1 $what" "$got" "$want"
}
# ws_up: the web server answers /healthz; 1 once it has died or 10 s have passed.
ws_up() {
    local i
    for i in $(seq 1 100); do
        curl -s -o /dev/null "$LG_BASE_URL/healthz" && return 0
        kill -0 "$ws_pid" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}
mkdir -p "$T/ws/www" "$R$runstatedir/lendgate"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export LG_BASE_URL="http://127.0.0.1:$port"

if ! command -v lighttpd >/dev/null; then
    skip "the installed lighttpd snippets serve the installed responder" "lighttpd not installed"
else
    printf 'alice:x\n' >"$R$pkgsysconfdir/admin.htpasswd"
    sed -e "s|\"$pkglibexecdir/|\"$R$pkglibexecdir/|g" -e "s|\"$pkgsysconfdir/|\"$R$pkgsysconfdir/|g" \
        -e "s|\"$pkgdatadir/|\"$R$pkgdatadir/|g" -e "s|\"$runstatedir/lendgate/|\"$R$runstatedir/lendgate/|g" \
        "$R$sysconfdir/lighttpd/conf-available/50-lendgate.conf" >"$T/ws/snippet.conf"
    cat >"$T/ws/server.conf" <<CONF
server.document-root = "$T/ws/www"
server.bind = "127.0.0.1"
server.port = $port
server.errorlog = "$T/ws/error.log"
server.pid-file = "$T/ws/server.pid"
include "$T/ws/snippet.conf"
CONF
    lighttpd -D -f "$T/ws/server.conf" >>"$T/ws/error.log" 2>&1 &
    ws_pid=$!
    if ws_up; then
        ws_call GET /healthz
        expect_eq "the installed snippet and responder: /healthz" "$ws_status:$(ws_py 'd["status"]')" "200:ok"
        ws_call GET /partners/my/stats -H "Authorization: Bearer $key"
        expect_eq "the installed snippet and responder: a partner's call" \
            "$ws_status:$(ws_py 'd["success"]')" "200:True"
        [ -n "$(fcgi_pids)" ] && pass "lighttpd spawned the installed responder" ||
            fail "lighttpd spawned the installed responder" "no $fcgi running"
        docs_served "the installed snippet"
    else
        fail "lighttpd starts with the installed snippet" "$(tail -n 5 "$T/ws/error.log" | tr '\n' ' ')"
    fi
    stop_server
    # The socket snippet: the installed master listens, lighttpd only connects.
    sed -e "s|\"$pkgsysconfdir/|\"$R$pkgsysconfdir/|g" -e "s|\"$pkgdatadir/|\"$R$pkgdatadir/|g" \
        -e "s|\"$runstatedir/lendgate/|\"$R$runstatedir/lendgate/|g" \
        "$R$sysconfdir/lighttpd/conf-available/50-lendgate-socket.conf" >"$T/ws/snippet.conf"
    if start_master; then
        lighttpd -D -f "$T/ws/server.conf" >>"$T/ws/error.log" 2>&1 &
        ws_pid=$!
        if ws_up; then
            ws_call GET /partners/my/stats -H "Authorization: Bearer $key"
            expect_eq "the installed socket snippet reaches the listening responders" \
                "$ws_status:$(ws_py 'd["success"]')" "200:True"
            docs_served "the installed socket snippet"
        else
            fail "lighttpd starts with the installed socket snippet" \
                "$(tail -n 5 "$T/ws/error.log" | tr '\n' ' ')"
        fi
    else
        fail "the installed responder listens on a unix socket" "$(tail -n 5 "$T/master.log")"
    fi
    stop_server
    stop_master
    # The operator's, not install's.
    rm -f "$R$pkgsysconfdir/admin.htpasswd"
fi

# Apache with each installed snippet: mod_fcgid spawns the installed responder
# (lendgate.conf), mod_proxy_fcgi connects to the installed master on the installed
# socket path (lendgate-socket.conf). Apache will not serve as root: then its children
# run as daemon, which must reach what they use. Everything they use is under $T
# (never the build tree, which may sit in a home directory daemon cannot enter): $T is
# opened for traversal only (0711), the installed files are world-readable but
# lendgate.conf (its group becomes daemon's), and the store the spawned responders
# write is given to daemon.
m=/usr/lib/apache2/modules
apache_user=""
if [ "$(id -u)" = 0 ]; then
    apache_user=daemon
    chmod 0711 "$T"
fi
# apache_snippet NAME: the installed Apache snippet NAME in $T/apache-snippet.conf, its
# paths moved under $R: they stand after a space
# (FcgidWrapper, Alias, <Directory>, ...) or after unix: (ProxyPass).
apache_snippet() {
    local d e=()
    for d in "$pkglibexecdir" "$pkgsysconfdir" "$pkgdatadir" "$runstatedir/lendgate"; do
        e+=(-e "s#\([ :]\)$d\([/ >]\|\$\)#\1$R$d\2#g")
    done
    sed "${e[@]}" "$R$sysconfdir/apache2/conf-available/$1" >"$T/apache-snippet.conf"
}
# apache_start MODULES...: Apache on $port with the snippet and those modules besides
# the MPM and the auth modules every snippet uses.
apache_start() {
    local mod lines=""
    rm -rf "$T/ws" && mkdir -p "$T/ws/fcgid"
    for mod in mpm_event authz_core authn_core authn_file authz_user auth_basic alias "$@"; do
        lines="$lines
LoadModule ${mod}_module $m/mod_$mod.so"
    done
    cat >"$T/ws/server.conf" <<CONF
ServerRoot "$T/ws"
ServerName 127.0.0.1
Listen 127.0.0.1:$port
PidFile "$T/ws/server.pid"
ErrorLog "$T/ws/error.log"
DefaultRuntimeDir "$T/ws"
${apache_user:+User $apache_user}
${apache_user:+Group $(id -gn "${apache_user:-root}")}
$lines
CONF
    case " $* " in
    *" fcgid "*) cat >>"$T/ws/server.conf" <<CONF
LoadModule mime_module $m/mod_mime.so
TypesConfig /dev/null
FcgidIPCDir "$T/ws/fcgid"
FcgidProcessTableFile "$T/ws/fcgid/shm"
CONF
    ;;
    esac
    echo "Include \"$T/apache-snippet.conf\"" >>"$T/ws/server.conf"
    [ -z "$apache_user" ] || chown -R "$apache_user:" "$T/ws"
    apache2 -f "$T/ws/server.conf" -DFOREGROUND >>"$T/ws/error.log" 2>&1 &
    ws_pid=$!
    ws_up
}
if ! command -v apache2 >/dev/null; then
    skip "the installed Apache snippets serve the installed responder" "apache2 not installed"
else
    if [ ! -f "$m/mod_fcgid.so" ]; then
        skip "the installed Apache snippet (mod_fcgid) serves the installed responder" \
            "mod_fcgid not installed (libapache2-mod-fcgid)"
    else
        if [ -n "$apache_user" ]; then
            chown -R "$apache_user:" "$T/state"
            chgrp "$(id -gn "$apache_user")" "$conf"
        fi
        apache_snippet lendgate.conf
        if apache_start fcgid; then
            ws_call GET /partners/my/stats -H "Authorization: Bearer $key"
            expect_eq "the installed Apache snippet (mod_fcgid) and responder: a partner's call" \
                "$ws_status:$(ws_py 'd["success"]')" "200:True"
            [ -n "$(fcgi_pids)" ] && pass "mod_fcgid spawned the installed responder" ||
                fail "mod_fcgid spawned the installed responder" "no $fcgi running"
        else
            fail "Apache starts with the installed snippet (mod_fcgid)" \
                "$(tail -n 5 "$T/ws/error.log" | tr '\n' ' ')"
        fi
        stop_server
    fi
    if [ ! -f "$m/mod_proxy_fcgi.so" ]; then
        skip "the installed Apache socket snippet (mod_proxy_fcgi) reaches the installed responders" \
            "mod_proxy_fcgi not installed"
    elif ! start_master "$apache_user"; then
        fail "the installed responder listens on a unix socket" "$(tail -n 5 "$T/master.log")"
    else
        apache_snippet lendgate-socket.conf
        if apache_start proxy proxy_fcgi; then
            ws_call GET /partners/my/stats -H "Authorization: Bearer $key"
            expect_eq "the installed Apache socket snippet (mod_proxy_fcgi) reaches the listening responders" \
                "$ws_status:$(ws_py 'd["success"]')" "200:True"
        else
            fail "Apache starts with the installed socket snippet (mod_proxy_fcgi)" \
                "$(tail -n 5 "$T/ws/error.log" | tr '\n' ' ')"
        fi
        stop_server
    fi
    stop_master
fi

# The installed man pages render, without a warning from man or groff.
if ! command -v man >/dev/null || ! command -v groff >/dev/null; then
    skip "the installed man pages render" "man or groff not installed (man-db groff-base)"
else
    for page in $(grep "^$mandir/" "$T/want.files"); do
        out=$( { MANWIDTH=80 man -l "$R$page" >/dev/null; } 2>&1)
        expect_eq "man -l ${page##*/}" "$out" ""
        out=$(groff -ww -man -Tutf8 "$R$page" 2>&1 >/dev/null)
        expect_eq "groff -ww ${page##*/}" "$out" ""
    done
fi

# A second install keeps the operator's lendgate.conf.
if lg_make install DESTDIR="$R" >"$T/install2.log" 2>&1; then
    cmp -s "$conf" "$T/edited.conf" && pass "a second make install keeps an edited lendgate.conf" ||
        fail "a second make install keeps an edited lendgate.conf" "it changed"
else
    fail "a second make install" "$(tail -n 5 "$T/install2.log" | tr '\n' ' ')"
fi

# make uninstall removes what install added: only the edited lendgate.conf and the
# state directory stay.
if lg_make uninstall DESTDIR="$R" >"$T/uninstall.log" 2>&1; then
    expect_eq "make uninstall leaves only the edited lendgate.conf" \
        "$(cd "$R" && find . -type f | sed 's|^\.||')" "$pkgsysconfdir/lendgate.conf"
    [ -d "$R$pkgstatedir" ] && pass "make uninstall leaves the state directory" ||
        fail "make uninstall leaves the state directory"
    # And a lendgate.conf still equal to the example goes.
    lg_make install DESTDIR="$T/root2" >/dev/null 2>&1 && lg_make uninstall DESTDIR="$T/root2" >/dev/null 2>&1
    expect_eq "make uninstall removes an unchanged lendgate.conf" \
        "$(cd "$T/root2" && find . -type f | wc -l)" 0
else
    fail "make uninstall DESTDIR" "$(tail -n 5 "$T/uninstall.log" | tr '\n' ' ')"
fi
finish
