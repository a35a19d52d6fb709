#!/usr/bin/env bash
# make install lays lendgate out as a system service (etc/local.mk), and the installed
# files alone work: `make install DESTDIR=$T/root` from this build tree (with its own
# prefix) installs exactly the expected files; the installed lendgatectl runs, and
# init and migrate work from a configuration made from the installed lendgate.conf;
# lighttpd with the installed snippet (its paths moved under $T/root) spawns the
# installed responder, which answers /healthz and a partner's call; the installed man
# pages render without warnings; a second install keeps an edited lendgate.conf, and
# make uninstall leaves only that file and the state directory.
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
grep -q '/usr/libexec\|/usr/share/lendgate\|"/run/' "$R$sysconfdir/lighttpd/conf-available/50-lendgate.conf" "$R$sysconfdir/apache2/conf-available/lendgate.conf" &&
    [ "$pkglibexecdir" != /usr/libexec/lendgate ] &&
    fail "the installed snippets have the configured paths" "a system path is left" ||
    pass "the installed snippets have the configured paths"

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

# lighttpd with the installed snippet, every installed path moved under $R.
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
if ! command -v lighttpd >/dev/null; then
    skip "the installed lighttpd snippet serves the installed responder" "lighttpd not installed"
else
    mkdir -p "$T/ws/www" "$R$runstatedir/lendgate"
    printf 'alice:x\n' >"$R$pkgsysconfdir/admin.htpasswd"
    sed -e "s|\"$pkglibexecdir/|\"$R$pkglibexecdir/|g" -e "s|\"$pkgsysconfdir/|\"$R$pkgsysconfdir/|g" \
        -e "s|\"$pkgdatadir/|\"$R$pkgdatadir/|g" -e "s|\"$runstatedir/lendgate/|\"$R$runstatedir/lendgate/|g" \
        "$R$sysconfdir/lighttpd/conf-available/50-lendgate.conf" >"$T/ws/snippet.conf"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
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
    at_exit stop_server
    export LG_BASE_URL="http://127.0.0.1:$port"
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
    if wait_for 10 curl -s -o /dev/null "$LG_BASE_URL/healthz"; then
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
    # The socket snippet: the installed master listens (as lendgate-fcgi.socket would
    # hand it the socket), lighttpd only connects.
    sed -e "s|\"$pkgsysconfdir/|\"$R$pkgsysconfdir/|g" -e "s|\"$pkgdatadir/|\"$R$pkgdatadir/|g" \
        -e "s|\"$runstatedir/lendgate/|\"$R$runstatedir/lendgate/|g" \
        "$R$sysconfdir/lighttpd/conf-available/50-lendgate-socket.conf" >"$T/ws/snippet.conf"
    "$fcgi" --config "$conf" --listen "unix:$R$runstatedir/lendgate/fcgi.sock" --workers 2 \
        >"$T/master.log" 2>&1 &
    master=$!
    at_exit "kill $master 2>/dev/null"
    if wait_for 10 test -S "$R$runstatedir/lendgate/fcgi.sock"; then
        lighttpd -D -f "$T/ws/server.conf" >>"$T/ws/error.log" 2>&1 &
        ws_pid=$!
        if wait_for 10 curl -s -o /dev/null "$LG_BASE_URL/healthz"; then
            ws_call GET /partners/my/stats -H "Authorization: Bearer $key"
            expect_eq "the installed socket snippet reaches the listening responders" \
                "$ws_status:$(ws_py 'd["success"]')" "200:True"
            docs_served "the installed socket snippet"
        else
            fail "lighttpd starts with the installed socket snippet" \
                "$(tail -n 5 "$T/ws/error.log" | tr '\n' ' ')"
        fi
        kill -TERM "$ws_pid" 2>/dev/null
        wait "$ws_pid" 2>/dev/null
        ws_pid=""
    else
        fail "the installed responder listens on a unix socket" "$(tail -n 5 "$T/master.log")"
    fi
    kill -TERM "$master" 2>/dev/null
    wait "$master" 2>/dev/null
    stop_server
    # The operator's, not install's.
    rm -f "$R$pkgsysconfdir/admin.htpasswd"
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
