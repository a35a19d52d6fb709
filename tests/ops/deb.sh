#!/usr/bin/env bash
# The Debian package (debian/): it builds from a copy of the source tree with
# dpkg-buildpackage, lintian finds no error in it and, as root, it installs, creates the
# lendgate user and its state directory, lets that user initialise a store, enables and
# starts no service, serves a partner's call through the packaged lighttpd socket
# snippet to the packaged responders run as the units would run them, and leaves
# nothing behind once removed and purged (but the user and group, which Debian keeps
# on purge).
#
# Needs dpkg-dev, debhelper, fakeroot, lintian and the build dependencies
# (contrib/deps.sh installs them); skips what it cannot run and never calls apt-get.
# The install part changes the machine: it runs only as root, only when no lendgate
# package, /etc/lendgate or /var/lib/lendgate is there already, and always purges the
# package it installed (and removes the user it created), even when a check fails.
# Takes a few minutes (a full package build with its unit tests).
. "$(dirname "$0")/../integration/lib.sh"

top=$LG_TOP_SRCDIR

missing=()
for tool in dpkg-buildpackage dpkg-checkbuilddeps dh fakeroot lintian; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
    skip "Debian package" "missing ${missing[*]} (apt-get install debhelper dpkg-dev fakeroot lintian; contrib/deps.sh does)"
    finish
fi
if [ ! -f "$top/debian/control" ]; then
    skip "Debian package" "no debian/ in $top (release tarballs do not ship it)"
    finish
fi

# The source tree, copied: the files git knows (and new ones it does not ignore) in a
# checkout, else the tree as it is without build and run directories.
src="$T/build/lendgate"
mkdir -p "$src"
if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    (cd "$top" && git ls-files -z --cached --others --exclude-standard |
        while IFS= read -r -d '' f; do [ -e "$f" ] || [ -L "$f" ] && printf '%s\0' "$f"; done |
        tar --null -T - -cf -) | tar -C "$src" -xf -
else
    tar -C "$top" --exclude=./_build\* --exclude=./_run --exclude=node_modules \
        --exclude=./autom4te.cache -cf - . | tar -C "$src" -xf -
fi
check "the source tree is copied ($(cd "$src" && find . -type f | wc -l) files)" test -f "$src/debian/rules"

if ! (cd "$src" && dpkg-checkbuilddeps) >"$T/builddeps.out" 2>&1; then
    skip "Debian package" "$(sed -n 's/.*Unmet build dependencies: /missing build dependencies: /p' "$T/builddeps.out")"
    finish
fi

# A package build of its own: none of make check's variables, the distribution's
# build flags, two jobs.
if (cd "$src" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u CFLAGS -u CPPFLAGS -u LDFLAGS \
    DEB_BUILD_OPTIONS="parallel=${LG_DEB_JOBS:-2}" dpkg-buildpackage -us -uc -b) \
    >"$T/build.log" 2>&1; then
    pass "dpkg-buildpackage -us -uc -b ($(sed -n 's/^# PASS: *//p' "$T/build.log" | head -n 1) unit tests passed)"
else
    fail "dpkg-buildpackage -us -uc -b" "exit $?"
    grep -E '^(FAIL|ERROR):|error' "$T/build.log" | head -n 20 | sed 's/^/    | /'
    tail -n 30 "$T/build.log" | sed 's/^/    | /'
    finish
fi
deb=$(ls "$T"/build/lendgate_*_*.deb 2>/dev/null | head -n 1)
changes=$(ls "$T"/build/lendgate_*_*.changes 2>/dev/null | head -n 1)
if [ -z "$deb" ] || [ -z "$changes" ]; then
    fail "the build made lendgate_*.deb and .changes" "$(ls "$T/build")"
    finish
fi
echo "# $(basename "$deb"): $(dpkg-deb -c "$deb" | wc -l) entries"

# lintian: errors fail, warnings and the rest are shown.
lintian "$changes" >"$T/lintian.out" 2>&1
sed -e '/^running with root privileges/d' -e 's/^/# lintian: /' "$T/lintian.out"
errors=$(grep -c '^E: ' "$T/lintian.out")
if [ "$errors" -eq 0 ]; then
    pass "lintian: no errors ($(grep -c '^W: ' "$T/lintian.out") warnings)"
else
    fail "lintian: $errors errors" "$(grep '^E: ' "$T/lintian.out" | tr '\n' ';')"
fi

# ---- Installation, as root only.
if [ "$(id -u)" -ne 0 ]; then
    skip "install and remove" "not root"
    finish
fi
status=$(dpkg-query -W -f='${db:Status-Status}' lendgate 2>/dev/null)
if [ -n "$status" ] && [ "$status" != not-installed ]; then
    skip "install and remove" "a lendgate package is on this machine already ($status)"
    finish
fi
for d in /etc/lendgate /var/lib/lendgate; do
    if [ -e "$d" ]; then
        skip "install and remove" "$d exists already (a lendgate installed by hand?)"
        finish
    fi
done

user_was_there=no
getent passwd lendgate >/dev/null && user_was_there=yes
deb_status() { dpkg-query -W -f='${db:Status-Status}' lendgate 2>/dev/null; }
# Stops what the test started from the package: lighttpd, then the responders' master
# (runuser's child, which drains its workers), then, by their ids, any of its workers
# still running.
lt_pid=""
ru_pid=""
serve_pids=""
serve_stop() {
    local i left p
    if [ -n "$lt_pid" ]; then
        kill -TERM "$lt_pid" 2>/dev/null
        wait "$lt_pid" 2>/dev/null
        lt_pid=""
    fi
    [ -n "$ru_pid" ] || return 0
    serve_pids="$serve_pids $(pgrep -P "$ru_pid" | tr '\n' ' ')"
    for p in $(pgrep -P "$ru_pid"); do
        serve_pids="$serve_pids $(pgrep -P "$p" | tr '\n' ' ')"
        kill -TERM "$p" 2>/dev/null
    done
    wait "$ru_pid" 2>/dev/null
    ru_pid=""
    for i in $(seq 1 50); do
        left=""
        for p in $serve_pids; do kill -0 "$p" 2>/dev/null && left="$left $p"; done
        [ -z "$left" ] && break
        [ "$i" -eq 20 ] && kill -TERM $left 2>/dev/null
        [ "$i" -eq 50 ] && kill -KILL $left 2>/dev/null
        sleep 0.1
    done
    serve_pids=""
    return 0
}
# Purges what the test installed. A dpkg of the test's that a signal left running holds
# dpkg's lock until it ends: try again for up to two minutes.
deb_cleanup() {
    local s i
    serve_stop
    for i in $(seq 1 120); do
        s=$(deb_status)
        [ -z "$s" ] || [ "$s" = not-installed ] && break
        [ "$i" -eq 1 ] && echo "# cleanup: purging lendgate ($s)"
        if [ "$i" -lt 60 ]; then
            dpkg -P lendgate >/dev/null 2>&1 && break
        else
            dpkg -P --force-all lendgate >/dev/null 2>&1 && break
        fi
        sleep 1
    done
    s=$(deb_status)
    [ -z "$s" ] || [ "$s" = not-installed ] || echo "# cleanup: lendgate is still $s: dpkg -P lendgate"
    rm -rf /var/lib/lendgate /run/lendgate
    if [ "$user_was_there" = no ] && getent passwd lendgate >/dev/null; then
        userdel lendgate 2>/dev/null
        getent group lendgate >/dev/null && groupdel lendgate 2>/dev/null
    fi
    return 0
}
at_exit deb_cleanup

if dpkg -i "$deb" >"$T/install.out" 2>&1; then
    pass "dpkg -i $(basename "$deb")"
else
    rc=$?
    if grep -q 'dependency problems' "$T/install.out"; then
        deps=$(sed -n 's/^ lendgate depends on \([^;]*\);.*/\1/p' "$T/install.out" | tr '\n' ' ')
        skip "install and remove" "the package's dependencies are not installed: ${deps:-see below}"
        sed 's/^/    | /' "$T/install.out"
    else
        fail "dpkg -i $(basename "$deb")" "exit $rc"
        sed 's/^/    | /' "$T/install.out"
    fi
    finish
fi

dpkg -L lendgate | sort >"$T/files"
conffiles=$(dpkg-query -W -f='${Conffiles}\n' lendgate | awk 'NF { print $1 }')

# The layout.
ctl=$(grep -m1 '/bin/lendgatectl$' "$T/files")
expect_eq "lendgatectl is in /usr/bin" "$ctl" /usr/bin/lendgatectl
expect_eq "the responder is in /usr/libexec/lendgate" \
    "$(grep -m1 '/lendgate\.fcgi$' "$T/files")" /usr/libexec/lendgate/lendgate.fcgi
conf=/etc/lendgate/lendgate.conf
case " $(echo $conffiles) " in
*" $conf "*) pass "$conf is a conffile" ;;
*) fail "$conf is a conffile" "conffiles: $(echo $conffiles)" ;;
esac

# The user, the state directory, the configuration's owner.
check "the lendgate user exists" getent passwd lendgate
expect_eq "the lendgate user's shell logs in nobody" \
    "$(getent passwd lendgate | cut -d: -f7)" /usr/sbin/nologin
expect_eq "/var/lib/lendgate is 0700 lendgate:lendgate" \
    "$(stat -c '%a %U:%G' /var/lib/lendgate 2>&1)" "700 lendgate:lendgate"
expect_eq "$conf is 0640 root:lendgate" "$(stat -c '%a %U:%G' "$conf" 2>&1)" "640 root:lendgate"

# The lendgate user initialises a store with the installed configuration, pointed at a
# state directory of the test's.
chmod 0711 "$T"
run="$T/run"
mkdir -p "$run"
if [ -f "$conf" ]; then
    awk -v d="$run/state" '{ print } /^\[store\]$/ { print "state_dir = " d; print "path = " d "/lendgate.db" }' \
        "$conf" >"$run/lendgate.conf"
else
    printf '[store]\nstate_dir = %s/state\npath = %s/state/lendgate.db\n' "$run" "$run" >"$run/lendgate.conf"
fi
chown -R lendgate:lendgate "$run"
chmod 0700 "$run"
if [ -n "$ctl" ] && runuser -u lendgate -- "$ctl" --config "$run/lendgate.conf" init >"$T/init.out" 2>&1; then
    pass "runuser -u lendgate -- lendgatectl --config CONF init"
    expect_eq "the store is the lendgate user's" \
        "$(stat -c '%a %U' "$run/state" "$run/state/lendgate.db" 2>&1 | tr '\n' ' ')" \
        "700 lendgate 600 lendgate "
else
    fail "runuser -u lendgate -- lendgatectl --config CONF init" "$(cat "$T/init.out")"
fi

# A reinstallation (the postinst's configure with the old version, as on an upgrade)
# keeps the operator's edit of lendgate.conf, its owner and mode, and the user's store.
echo "# edited by tests/ops/deb.sh" >>"$conf"
if dpkg -i "$deb" >"$T/reinstall.out" 2>&1; then
    pass "dpkg -i again (reinstallation)"
else
    fail "dpkg -i again (reinstallation)" "$(cat "$T/reinstall.out")"
fi
check "the reinstallation keeps the edited $conf" grep -q '^# edited by tests/ops/deb.sh' "$conf"
expect_eq "after the reinstallation $conf is 0640 root:lendgate, /var/lib/lendgate 0700 lendgate" \
    "$(stat -c '%a %U:%G' "$conf" /var/lib/lendgate 2>&1 | tr '\n' ' ')" "640 root:lendgate 700 lendgate:lendgate "

# No unit enabled or started.
units=$(grep -E '/systemd/system/[^/]+\.(service|socket|timer|path)$' "$T/files" | xargs -r -n1 basename | tr '\n' ' ')
echo "# units: ${units:-none}"
if [ -d /run/systemd/system ]; then
    bad=""
    for u in $units; do
        e=$(systemctl is-enabled "$u" 2>&1)
        a=$(systemctl is-active "$u" 2>&1)
        case $e in enabled | enabled-runtime) bad="$bad $u:$e" ;; esac
        case $a in active | activating | reloading) bad="$bad $u:$a" ;; esac
    done
    expect_eq "no lendgate unit is enabled or active (systemctl)" "${bad# }" ""
else
    links=$(find /etc/systemd/system -name 'lendgate*' 2>/dev/null | tr '\n' ' ')
    expect_eq "no lendgate unit is enabled: no link in /etc/systemd/system (systemd is not PID 1)" \
        "${links% }" ""
fi
expect_eq "no process runs as lendgate" "$(pgrep -u lendgate -l | tr '\n' ' ')" ""

# One partner call through the packaged lighttpd socket snippet, to the packaged
# responders run as lendgate-fcgi.socket and lendgate-fcgi.service would run them.
# systemd is not PID 1 here, so the test does what they would: the program of the
# service's ExecStart, as its User=, a prefork master on the socket's ListenStream
# path (with --listen, where systemd would hand it the socket), with the test's
# configuration and store; the socket then given the SocketUser=, SocketGroup= and
# SocketMode= of the socket unit; /run/lendgate as the package's tmpfiles.d makes it.
# lighttpd runs as www-data from a generated config that includes the packaged
# snippet unchanged. The chain node is a closed port: the call needs only the store.
unitdir=$(dirname "$(grep -m1 '/lendgate-fcgi\.socket$' "$T/files")")
ltsnippet=/etc/lighttpd/conf-available/50-lendgate-socket.conf
if ! command -v lighttpd >/dev/null 2>&1; then
    skip "a partner call through the packaged lighttpd socket snippet" "lighttpd not installed"
elif [ ! -f "$unitdir/lendgate-fcgi.socket" ] || [ ! -f "$ltsnippet" ]; then
    fail "the package ships lendgate-fcgi.socket and $ltsnippet" "$(ls "$unitdir" "$ltsnippet" 2>&1 | tr '\n' ' ')"
else
    unit_key() { sed -n "s/^$2=//p" "$unitdir/$1" | tail -n 1; }
    sock=$(unit_key lendgate-fcgi.socket ListenStream)
    prog=$(unit_key lendgate-fcgi.service ExecStart | cut -d' ' -f1)
    user=$(unit_key lendgate-fcgi.service User)
    expect_eq "the packaged socket snippet connects to the socket unit's $sock" \
        "$(grep -o '"socket" *=> *"[^"]*"' "$ltsnippet" | sed 's/.*"\([^"]*\)"$/\1/' | sort -u)" "$sock"
    expect_eq "the packaged Apache socket snippet connects to $sock" \
        "$(sed -n 's/^ *ProxyPass "unix:\([^|]*\)|.*/\1/p' /etc/apache2/conf-available/lendgate-socket.conf |
            sort -u)" "$sock"
    if command -v systemd-tmpfiles >/dev/null 2>&1; then
        expect_eq "${sock%/*} is 0750 lendgate:www-data (tmpfiles.d, at installation)" \
            "$(stat -c '%a %U:%G' "${sock%/*}" 2>&1)" "750 lendgate:www-data"
    else
        install -d -m 0750 -o lendgate -g www-data "${sock%/*}"
    fi
    key=$(runuser -u "$user" -- "$ctl" --config "$run/lendgate.conf" partner create --name Sigma \
        --prefix sigma --settlement 0x1111111111111111111111111111111111111111 --json 2>"$T/partner.err" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["apiKey"])' 2>/dev/null)
    [ -n "$key" ] && pass "a partner onboarded by the $user user" ||
        fail "a partner onboarded by the $user user" "$(cat "$T/partner.err")"
    runuser -u "$user" -- env LENDGATE_CHAIN_RPC_URL=http://127.0.0.1:9 \
        "$prog" --config "$run/lendgate.conf" --listen "unix:$sock" --workers 2 >"$T/master.log" 2>&1 &
    ru_pid=$!
    if wait_for 10 test -S "$sock"; then
        chown "$(unit_key lendgate-fcgi.socket SocketUser):$(unit_key lendgate-fcgi.socket SocketGroup)" "$sock"
        chmod "$(unit_key lendgate-fcgi.socket SocketMode)" "$sock"
        expect_eq "the packaged responders listen on $sock, 0660 lendgate:www-data" \
            "$(stat -c '%a %U:%G' "$sock")" "660 lendgate:www-data"
        port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
        mkdir -p "$T/lighttpd/www"
        cat >"$T/lighttpd/server.conf" <<CONF
server.document-root = "$T/lighttpd/www"
server.bind = "127.0.0.1"
server.port = $port
server.username = "www-data"
server.groupname = "www-data"
server.errorlog = "$T/lighttpd/error.log"
server.pid-file = "$T/lighttpd/server.pid"
include "$ltsnippet"
CONF
        # lighttpd opens its log once it is www-data.
        : >"$T/lighttpd/error.log"
        chown -R www-data:www-data "$T/lighttpd"
        lighttpd -D -f "$T/lighttpd/server.conf" >>"$T/lighttpd/error.log" 2>&1 &
        lt_pid=$!
        up=no
        for i in $(seq 1 100); do
            curl -s -o /dev/null "http://127.0.0.1:$port/healthz" && { up=yes; break; }
            kill -0 "$lt_pid" 2>/dev/null || break
            sleep 0.1
        done
        if [ "$up" = yes ]; then
            got=$(curl -s -o "$T/stats.json" -w '%{http_code}' -H "Authorization: Bearer $key" \
                "http://127.0.0.1:$port/partners/my/stats")
            expect_eq "lighttpd (www-data) with the packaged socket snippet: a partner's call answers" \
                "$got:$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["success"])' \
                    "$T/stats.json" 2>&1)" "200:True"
            master=$(pgrep -P "$ru_pid")
            expect_eq "the master and its workers run $prog as $user" \
                "$(for p in $master $(pgrep -P "$master"); do
                    echo "$(readlink "/proc/$p/exe") $(stat -c %U "/proc/$p")"
                done | sort -u)" "$prog $user"
        else
            fail "lighttpd starts with the packaged socket snippet" \
                "$(tail -n 5 "$T/lighttpd/error.log" | tr '\n' ' ')"
        fi
    else
        fail "the packaged responder listens on $sock as $user" "$(tail -n 5 "$T/master.log")"
    fi
    serve_stop
    expect_eq "after the call no process runs as lendgate and $sock is gone" \
        "$(pgrep -u lendgate -l | tr '\n' ' ')$(ls "$sock" 2>/dev/null)" ""
fi

# What remains of the package's files: a remaining file, or an empty directory no other
# package owns. Conffiles (and the directories holding them) may remain after remove.
leftovers() {
    local f keep=" $1 " out=""
    while IFS= read -r f; do
        [ -e "$f" ] || [ -L "$f" ] || continue
        case $keep in *" $f "*) continue ;; esac
        if [ -d "$f" ]; then
            [ -z "$(ls -A "$f")" ] || continue
            dpkg -S "$f" >/dev/null 2>&1 && continue
        fi
        out="$out $f"
    done <"$T/files"
    echo "${out# }"
}

if dpkg -r lendgate >"$T/remove.out" 2>&1; then
    pass "dpkg -r lendgate"
else
    fail "dpkg -r lendgate" "$(cat "$T/remove.out")"
fi
expect_eq "after remove only the conffiles remain" \
    "$(leftovers "$(echo $conffiles) /etc/lendgate")" ""
[ -n "$conffiles" ] && check "after remove the conffiles remain" test -f "$(echo "$conffiles" | head -n 1)"

if dpkg -P lendgate >"$T/purge.out" 2>&1; then
    pass "dpkg -P lendgate"
else
    fail "dpkg -P lendgate" "$(cat "$T/purge.out")"
fi
expect_eq "after purge no file of the package remains" "$(leftovers "")" ""
expect_eq "after purge /etc/lendgate and /var/lib/lendgate are gone" \
    "$(ls -d /etc/lendgate /var/lib/lendgate 2>/dev/null | tr '\n' ' ')" ""
status=$(deb_status)
expect_eq "dpkg knows no lendgate package any more" "${status:-not-installed}" not-installed
check "the lendgate user is kept on purge (Debian practice)" getent passwd lendgate
finish
