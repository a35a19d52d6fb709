#!/usr/bin/env bash
# The hardening configure turns on by default (configure.ac, --disable-hardening), read
# back from the built lendgate.fcgi and lendgatectl with readelf: a position-independent
# executable (Type: DYN), full RELRO (GNU_RELRO and BIND_NOW), a non-executable stack,
# the stack protector (__stack_chk_fail imported) and _FORTIFY_SOURCE (__*_chk imports).
# A check that cannot apply to this build (fortify under the sanitizers or without
# optimization, everything under --disable-hardening) is SKIPPED, saying why.
. "$(dirname "$0")/../integration/lib.sh"

command -v readelf >/dev/null 2>&1 ||
    { skip "hardening" "readelf not installed (Debian package 'binutils')"; finish; }
mk="$LG_TOP_BUILDDIR/Makefile"
var() { sed -n "s/^$1 = *//p" "$mk" | head -n 1; }
ldflags=$(var LG_HARDEN_LDFLAGS)
cflags=$(var LG_HARDEN_CFLAGS)
if [ -z "$cflags$ldflags" ]; then
    skip "hardening" "configured with --disable-hardening (or the compiler took none of the flags)"
    finish
fi
echo "# LG_HARDEN_CFLAGS=$cflags LG_HARDEN_LDFLAGS=$ldflags CFLAGS=$(var CFLAGS)"
has() { case " $1 " in *" $2 "*) return 0 ;; *) return 1 ;; esac; }

for prog in lendgate.fcgi lendgatectl; do
    bin="$LG_TOP_BUILDDIR/$prog"
    [ -x "$bin" ] || { fail "$prog is built" "$bin"; continue; }
    readelf -hW "$bin" >"$T/h" && readelf -lW "$bin" >"$T/l" && readelf -dW "$bin" >"$T/d" &&
        readelf --dyn-syms -W "$bin" >"$T/s" || { fail "readelf $prog"; continue; }
    if has "$ldflags" -pie; then
        grep -qE '^ *Type: +DYN' "$T/h" && pass "$prog: PIE (Type: DYN)" ||
            fail "$prog: PIE" "$(grep Type: "$T/h")"
    else
        skip "$prog: PIE" "the compiler or linker refused -fPIE/-pie"
    fi
    if has "$ldflags" -Wl,-z,relro,-z,now; then
        grep -q ' GNU_RELRO ' "$T/l" && pass "$prog: GNU_RELRO segment" || fail "$prog: GNU_RELRO segment"
        grep -qE '\(BIND_NOW\)|\(FLAGS\) .*BIND_NOW|\(FLAGS_1\) .*NOW' "$T/d" &&
            pass "$prog: BIND_NOW (full RELRO)" || fail "$prog: BIND_NOW" "$(grep FLAGS "$T/d")"
    else
        skip "$prog: RELRO and BIND_NOW" "the linker refused -z relro -z now"
    fi
    stack=$(grep ' GNU_STACK ' "$T/l")
    if [ -z "$stack" ]; then
        fail "$prog: GNU_STACK segment" "none (the stack would be executable)"
    elif echo "$stack" | grep -qE ' RWE '; then
        fail "$prog: stack not executable" "$stack"
    else
        pass "$prog: stack not executable (GNU_STACK RW)"
    fi
    if has "$cflags" -fstack-protector-strong; then
        grep -qE ' UND __stack_chk_fail(@|$)' "$T/s" && pass "$prog: stack protector (__stack_chk_fail)" ||
            fail "$prog: stack protector" "no __stack_chk_fail import"
    else
        skip "$prog: stack protector" "the compiler refused -fstack-protector-strong"
    fi
    if grep -qE ' UND __asan_init' "$T/s"; then
        skip "$prog: _FORTIFY_SOURCE" "a sanitizer build: ASan intercepts those functions, configure leaves fortify off"
    elif ! grep -q '^#define LG_FORTIFY 1' "$LG_TOP_BUILDDIR/config.h"; then
        skip "$prog: _FORTIFY_SOURCE" "LG_FORTIFY not defined in config.h"
    elif ! echo " $(var CFLAGS) " | grep -qE ' -O([1-3s]|fast)? '; then
        skip "$prog: _FORTIFY_SOURCE" "CFLAGS without optimization: glibc fortifies only when optimizing"
    else
        chk=$(grep -oE ' UND __[a-z0-9_]+_chk(@|$)' "$T/s" | sed 's/^ UND //; s/@$//' | sort -u)
        [ -n "$chk" ] && pass "$prog: _FORTIFY_SOURCE ($(echo $chk | tr ' ' ','))" ||
            fail "$prog: _FORTIFY_SOURCE" "no __*_chk import"
    fi
done
finish
