/* fuzz_common.h - what the libFuzzer targets share: the entry point's prototype and
 * the checks that turn a broken promise into a crash libFuzzer reports. Header-only
 * (static inline), since each target is one file linked on its own. */
#ifndef LENDGATE_FUZZ_COMMON_H
#define LENDGATE_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A trap rather than abort(): it survives NDEBUG and stops at the failing check. */
static inline void check(int cond)
{
    if (!cond)
        __builtin_trap();
}

/* s is terminated within cap and holds no control character. */
static inline void check_text(const char *s, size_t cap)
{
    size_t n = strnlen(s, cap);
    check(n < cap);
    for (size_t i = 0; i < n; i++)
        check((unsigned char)s[i] >= 0x20 && s[i] != 0x7f);
}

/* A refusal's message: one non-empty printable line within cap. */
static inline void check_why(const char *msg, size_t cap)
{
    check(msg[0] != '\0');
    check_text(msg, cap);
}

#endif
