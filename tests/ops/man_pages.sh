#!/usr/bin/env bash
# The man pages (man/): lendgatectl.8 has an entry for every command of
# `lendgatectl help`, `lendgatectl partner help` and `lendgatectl webhook help`, and
# every page renders with neither groff nor man warning. (tests/unit/test_man_conf
# holds lendgate.conf.5 to the configuration schema.)
. "$(dirname "$0")/../integration/lib.sh"

ctl="$LG_TOP_BUILDDIR/lendgatectl"
man="$LG_TOP_SRCDIR/man"
[ -x "$ctl" ] || { skip "man pages" "$ctl is not built"; finish; }
: >"$T/empty.conf"

# The page's entry lines (.B, .BR, .BI), escapes undone.
sed -n 's/\\-/-/g; s/\\f[BIR]//g; s/"//g; s/^\.B[IR]\{0,1\} //p' "$man/lendgatectl.8" >"$T/entries"

has_entry() {
    grep -qE "^$1( |\$)" "$T/entries" && pass "lendgatectl.8: $1" ||
        fail "lendgatectl.8: $1" "no entry"
}

cmds=$("$ctl" help | sed -n '/^commands:/,$s/^  \([a-z][a-z-]*\) .*/\1/p')
[ -n "$cmds" ] || fail "lendgatectl help lists commands"
for c in $cmds; do has_entry "$c"; done
for group in partner webhook; do
    verbs=$("$ctl" --config "$T/empty.conf" "$group" help 2>&1 |
        sed -n 's/^  \([a-z][a-z-]*\)\( .*\)\{0,1\}$/\1 \2/p' |
        awk '{ print $1; for (i = 2; i < NF; i++) if ($i == "|") print $(i + 1) }')
    [ -n "$verbs" ] || fail "lendgatectl $group help lists verbs"
    for v in $verbs; do has_entry "$group $v"; done
done

if ! command -v groff >/dev/null || ! command -v man >/dev/null; then
    skip "man pages render" "man or groff not installed (man-db groff-base)"
else
    for page in "$man"/*.[0-9]; do
        expect_eq "groff -ww ${page##*/}" "$(groff -ww -man -Tutf8 "$page" 2>&1 >/dev/null)" ""
        expect_eq "man -l ${page##*/}" "$( { MANWIDTH=80 man -l "$page" >/dev/null; } 2>&1)" ""
    done
fi
finish
