#!/usr/bin/env bash
# include/lendgate/banned.h reaches all of src/: every file there starts with
# #include "config.h" (which includes banned.h last), a call of each banned function
# fails to compile with src/'s own flags (make lg-try-compile) naming the function,
# the same file with snprintf/strtol compiles, and no file of src/ opts out.
. "$(dirname "$0")/../integration/lib.sh"

first=""
for f in $(cd "$LG_TOP_SRCDIR" && find src -name '*.c' | sort); do
    [ "$(grep -m 1 '^#include' "$LG_TOP_SRCDIR/$f")" = '#include "config.h"' ] || first="$first $f"
done
expect_eq "every .c file of src/ includes config.h first" "$first" ""
expect_eq "no file of src/ or include/ defines LG_ALLOW_BANNED" \
    "$(grep -rl 'define LG_ALLOW_BANNED' "$LG_TOP_SRCDIR/src" "$LG_TOP_SRCDIR/include")" ""

try() { make -s -C "$LG_TOP_BUILDDIR" lg-try-compile LG_TRY_SRC="$1" LG_TRY_OBJ="$T/try.o"; }
cat >"$T/ok.c" <<'C'
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int lg_try(char *out, size_t len, const char *s);
int lg_try(char *out, size_t len, const char *s)
{
    snprintf(out, len, "%s", s);
    return (int)strtol(s, NULL, 10);
}
C
check "a file of src/'s shape using snprintf and strtol compiles" try "$T/ok.c"

for call in 'strcpy(b, s)' 'strcat(b, s)' 'strncpy(b, s, 4)' 'strncat(b, s, 4)' \
    'sprintf(b, "%s", s)' 'gets(b)' 'atoi(s)' 'atol(s)' 'atoll(s)' 'vsprintf(b, s, ap)'; do
    fn=${call%%(*}
    cat >"$T/bad_$fn.c" <<C
#include "config.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
long lg_try(char *b, const char *s, va_list ap);
long lg_try(char *b, const char *s, va_list ap)
{
    (void)b; (void)s; (void)ap;
    return (long)($call);
}
C
    if try "$T/bad_$fn.c" >"$T/out" 2>&1; then
        fail "$fn does not compile" "it compiled"
    elif grep -q "sorry_${fn}_is_banned" "$T/out"; then
        pass "$fn does not compile (sorry_${fn}_is_banned_see_lendgate_banned_h)"
    else
        fail "$fn does not compile" "failed without naming it: $(head -n 3 "$T/out")"
    fi
done
finish
