#!/usr/bin/env bash
# The systemd files of contrib/systemd (contrib/systemd/local.mk): the templates go
# through make's own substitution (`make systemd-render`) with paths pointing at this
# build's programs, and then
#   - systemd-analyze verify finds nothing to say about any unit (and does find a
#     misspelt key and a missing program, so its silence means something);
#   - every service keeps its hardening, and systemd-analyze security rates it OK;
#   - the socket is /run/lendgate/fcgi.sock for lendgate and the web server's group
#     only, and the FastCGI service takes it from systemd (no --listen);
#   - systemd-sysusers --dry-run creates the lendgate user, and systemd-tmpfiles
#     --create in a scratch root makes the state and socket directories with the
#     modes and owners the units expect;
#   - the files make built for installation have every placeholder filled in.
. "$(dirname "$0")/../integration/lib.sh"

src="$LG_TOP_SRCDIR/contrib/systemd"
build="$LG_TOP_BUILDDIR/contrib/systemd"
services="lendgate-dispatch.service lendgate-reconcile.service lendgate-fcgi.service"

# The files `make` built with the configured paths: nothing left to fill in.
left=$(grep -l '@[a-z]*@' "$build"/*.service "$build"/*.socket "$build"/sysusers.d/lendgate.conf \
    "$build"/tmpfiles.d/lendgate.conf 2>&1)
expect_eq "the built units, sysusers.d and tmpfiles.d files have no placeholder left" "$left" ""
bad_exec=$(grep -h '^ExecStart=' "$build"/*.service | grep -v -E '^ExecStart=/[^ ]*/(lendgatectl|lendgate/lendgate\.fcgi) ')
expect_eq "the built units run lendgatectl from bindir and lendgate.fcgi from libexecdir/lendgate" \
    "$bad_exec" ""

# The templates through make's substitution, pointing at this build's programs.
root="$T/root"
mkdir -p "$T/units" "$root/usr/bin" "$root/usr/libexec/lendgate" "$root/etc" "$root/var"
ln -s "$LG_TOP_BUILDDIR/lendgatectl" "$root/usr/bin/lendgatectl"
ln -s "$LG_TOP_BUILDDIR/lendgate.fcgi" "$root/usr/libexec/lendgate/lendgate.fcgi"
check "make systemd-render (bindir, libexecdir, sysconfdir, localstatedir in a scratch root; runstatedir /run)" \
    make -s -C "$LG_TOP_BUILDDIR" systemd-render LG_SYSTEMD_RENDER_DIR="$T/units" \
    bindir="$root/usr/bin" libexecdir="$root/usr/libexec" sysconfdir="$root/etc" \
    localstatedir="$root/var" runstatedir=/run LG_WEB_GROUP=www-data
u="$T/units"
expect_eq "ExecStart of lendgate-fcgi.service is this build's responder" \
    "$(sed -n 's/^ExecStart=\([^ ]*\) .*/\1/p' "$u/lendgate-fcgi.service")" \
    "$root/usr/libexec/lendgate/lendgate.fcgi"

# Hardening every service keeps (systemd.exec(5)).
for s in $services; do
    missing=""
    for kv in Type=simple Restart=on-failure User=lendgate Group=lendgate StateDirectory=lendgate \
        StateDirectoryMode=0700 UMask=0077 ProtectSystem=strict ProtectHome=yes PrivateTmp=yes \
        PrivateDevices=yes PrivateMounts=yes NoNewPrivileges=yes CapabilityBoundingSet= AmbientCapabilities= \
        "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6" SystemCallFilter=@system-service \
        SystemCallArchitectures=native MemoryDenyWriteExecute=yes LockPersonality=yes \
        RestrictNamespaces=yes RestrictSUIDSGID=yes ProtectKernelTunables=yes \
        ProtectKernelModules=yes ProtectControlGroups=yes; do
        grep -qxF "$kv" "$u/$s" || missing="$missing '$kv'"
    done
    expect_eq "$s has its hardening" "$missing" ""
done
expect_eq "lendgate-fcgi.service takes its socket from systemd (no --listen)" \
    "$(grep -c -e '--listen' "$u/lendgate-fcgi.service")" 0
for kv in ListenStream=/run/lendgate/fcgi.sock SocketUser=lendgate SocketGroup=www-data \
    SocketMode=0660 DirectoryMode=0750; do
    grep -qxF "$kv" "$u/lendgate-fcgi.socket" || fail "lendgate-fcgi.socket has $kv"
done
pass "lendgate-fcgi.socket: /run/lendgate/fcgi.sock, 0660 lendgate:www-data"

if ! command -v systemd-analyze >/dev/null 2>&1; then
    skip "systemd-analyze verify and security" "systemd-analyze not installed (Debian package 'systemd')"
else
    echo "# $(systemd-analyze --version | head -n 1)"
    for f in $services lendgate-fcgi.socket; do
        out=$(systemd-analyze verify --man=no "$u/$f" 2>&1)
        rc=$?
        if [ $rc -eq 0 ] && [ -z "$out" ]; then
            pass "systemd-analyze verify $f: no error, no warning"
        else
            fail "systemd-analyze verify $f" "exit $rc: $out"
        fi
    done
    # The check bites: a misspelt key and a missing program are both reported.
    sed 's/^ProtectSystem=/ProtectSystm=/' "$u/lendgate-dispatch.service" >"$T/typo.service"
    out=$(systemd-analyze verify --man=no "$T/typo.service" 2>&1)
    case $out in *ProtectSystm*) pass "systemd-analyze verify reports a misspelt key" ;;
    *) fail "systemd-analyze verify reports a misspelt key" "said: '$out'" ;; esac
    sed "s|^ExecStart=[^ ]*|ExecStart=$T/nowhere/lendgatectl|" "$u/lendgate-dispatch.service" \
        >"$T/noexec.service"
    out=$(systemd-analyze verify --man=no "$T/noexec.service" 2>&1)
    [ -n "$out" ] && pass "systemd-analyze verify reports a missing ExecStart program" ||
        fail "systemd-analyze verify reports a missing ExecStart program" "said nothing"
    for s in $services; do
        if systemd-analyze security --offline=yes --threshold=25 "$u/$s" >"$T/sec.out" 2>&1; then
            pass "systemd-analyze security $s: $(sed -n 's/.*Overall exposure level for [^:]*: //p' "$T/sec.out")"
        else
            fail "systemd-analyze security $s (exposure above 2.5)" \
                "$(grep -E 'Overall|✗' "$T/sec.out" | tail -n 8)"
        fi
    done
fi

# sysusers.d: the one line, and what systemd-sysusers would do with it.
expect_eq "sysusers.d: user lendgate, home in the state directory" \
    "$(grep -v '^#' "$u/lendgate.sysusers")" "u lendgate - \"lendgate partner gateway\" $root/var/lib/lendgate"
if command -v systemd-sysusers >/dev/null 2>&1; then
    mkdir -p "$T/sysroot/etc"
    if systemd-sysusers --dry-run --root="$T/sysroot" "$u/lendgate.sysusers" >"$T/sysusers.out" 2>&1 &&
        grep -q "Creating user 'lendgate'" "$T/sysusers.out" &&
        ! grep -qiE 'fail|invalid|ignoring' "$T/sysusers.out"; then
        pass "systemd-sysusers --dry-run creates the user lendgate"
    else
        fail "systemd-sysusers --dry-run" "$(cat "$T/sysusers.out")"
    fi
else
    skip "systemd-sysusers --dry-run" "systemd-sysusers not installed"
fi

# tmpfiles.d: created for real in a scratch root whose passwd and group know the users.
if command -v systemd-tmpfiles >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    tr="$T/tmproot"
    mkdir -p "$tr/etc"
    printf 'root:x:0:0::/root:/bin/sh\nlendgate:x:990:990::/var/lib/lendgate:/usr/sbin/nologin\n' \
        >"$tr/etc/passwd"
    printf 'root:x:0:\nlendgate:x:990:\nwww-data:x:33:\n' >"$tr/etc/group"
    sed "s|$root/var|/var|g" "$u/lendgate.tmpfiles" >"$T/tmpfiles.conf"
    if systemd-tmpfiles --root="$tr" --create "$T/tmpfiles.conf" >"$T/tmpfiles.out" 2>&1 &&
        [ ! -s "$T/tmpfiles.out" ]; then
        pass "systemd-tmpfiles --create (scratch root): no complaint"
    else
        fail "systemd-tmpfiles --create (scratch root)" "$(cat "$T/tmpfiles.out")"
    fi
    expect_eq "tmpfiles: the state directory is 0700 lendgate:lendgate" \
        "$(stat -c '%a %u:%g' "$tr/var/lib/lendgate" 2>&1)" "700 990:990"
    expect_eq "tmpfiles: /run/lendgate is 0750 lendgate:www-data" \
        "$(stat -c '%a %u:%g' "$tr/run/lendgate" 2>&1)" "750 990:33"
else
    skip "systemd-tmpfiles --create in a scratch root" "needs systemd-tmpfiles and root (to chown)"
fi
finish
