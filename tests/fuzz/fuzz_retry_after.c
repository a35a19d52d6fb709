/* fuzz_retry_after.c - libFuzzer target: Retry-After values of an endpoint's answer.
 * The first eight input bytes are the current time (kept in a sane range), the rest
 * the header value. An accepted value is a delay in [0, 7 days]; delay-seconds mean
 * exactly what their digits say (capped); a date does not depend on the time it is
 * read except by moving with it (until it reaches 0 or the cap; RFC 850's two-digit
 * years excepted, whose century follows the current year); a refusal leaves 0. */
#include "config.h"

#include "fuzz_common.h"

#include <lendgate/webhook.h>

#include <stdint.h>
#include <string.h>

#define TEXT_MAX 128
#define CAP_MS   (7LL * 24 * 3600 * 1000)

/* The value of an all-digit text (blanks around allowed), capped like the parser's;
 * -1 when not all digits. */
static int64_t digits_value(const char *s)
{
    size_t n = strlen(s);
    while (*s == ' ' || *s == '\t')
        s++, n--;
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (n == 0)
        return -1;
    int64_t v = 0;
    for (const char *end = s + n; s < end; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        if (v <= CAP_MS)
            v = v * 10 + (*s - '0') * 1000;
    }
    return v > CAP_MS ? CAP_MS : v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint64_t raw = 0;
    memcpy(&raw, data, size < sizeof raw ? size : sizeof raw);
    /* Any time from 1970 to about 2200, to the millisecond. */
    int64_t now = (int64_t)(raw % 7258118400000ULL);
    char text[TEXT_MAX];
    size_t skip = size < sizeof raw ? size : sizeof raw;
    size_t n = size - skip < sizeof text - 1 ? size - skip : sizeof text - 1;
    memcpy(text, data + skip, n);
    text[n] = '\0';

    int64_t d = -5, later = -5;
    lg_err rc = lg_webhook_retry_after(text, now, &d);
    check(rc == LG_OK || rc == LG_ERR_INVALID);
    if (rc != LG_OK) {
        check(d == 0);
        return 0;
    }
    check(d >= 0 && d <= CAP_MS);
    int64_t digits = digits_value(text);
    if (digits >= 0)
        check(d == digits);
    /* A second later: a delay stays, a date comes a second closer (or stays at 0/cap). */
    check(lg_webhook_retry_after(text, now + 1000, &later) == LG_OK);
    if (digits >= 0)
        check(later == d);
    else if (!strchr(text, '-')) /* RFC 850's century may change with the year of now */
        check(later == d - 1000 || (d < 1000 && later == 0) || (d == CAP_MS && later <= CAP_MS));
    return 0;
}
