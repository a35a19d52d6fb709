/* fuzz_query.c - libFuzzer target: the query string of a request as the handlers read
 * it. The input is QUERY_STRING; every argument the partner API asks for is looked
 * up through lg_request_query at the handlers' buffer sizes and handed to its
 * validator. A decoded value never holds a control character, a smaller buffer only
 * ever cuts with LG_ERR_OVERFLOW, and every accepted value is in range; a date
 * survives formatting and parsing again. lg_percent_decode is also run on the raw
 * input and must give back its own output when that is escaped byte for byte. */
#include "config.h"

#include "fuzz_common.h"

#include <lendgate/model.h>
#include <lendgate/request.h>
#include <lendgate/time.h>
#include <lendgate/validate.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void check_msg(lg_err rc, const char *msg, size_t cap)
{
    if (rc == LG_OK)
        return;
    check(rc == LG_ERR_INVALID && msg[0] != '\0');
    size_t n = strnlen(msg, cap);
    check(n < cap);
    for (size_t i = 0; i < n; i++)
        check((unsigned char)msg[i] >= 0x20 && msg[i] != 0x7f);
}

/* Looks name up at the full size and at the handler's size: both agree. */
static lg_err lookup(const lg_request *r, const char *name, char *out, size_t cap)
{
    char full[LG_REQ_QUERY_MAX];
    lg_err big = lg_request_query(r, name, full, sizeof full);
    lg_err rc = lg_request_query(r, name, out, cap);
    check(big == LG_OK || big == LG_ERR_NOT_FOUND || big == LG_ERR_INVALID);
    if (big == LG_OK) {
        check_text(full, sizeof full);
        check(rc == LG_OK || rc == LG_ERR_OVERFLOW);
        check(rc != LG_OK || strcmp(out, full) == 0);
        check(rc != LG_ERR_OVERFLOW || strlen(full) >= cap - 1);
    } else if (big == LG_ERR_NOT_FOUND) {
        check(rc == LG_ERR_NOT_FOUND);
    } else {
        /* A bad escape may lie beyond the point where the small buffer fills. */
        check(rc == LG_ERR_INVALID || rc == LG_ERR_OVERFLOW);
    }
    return rc;
}

static void page_args(const lg_request *r)
{
    char text[32], msg[160];
    uint32_t limit = 0;
    uint64_t offset = 0;
    if (lookup(r, "limit", text, sizeof text) == LG_OK) {
        lg_err rc = lg_validate_limit("limit", text, LG_PAGE_LIMIT_DEFAULT, LG_PAGE_LIMIT_MAX,
                                      &limit, msg, sizeof msg);
        check_msg(rc, msg, sizeof msg);
        check(rc != LG_OK || (limit >= 1 && limit <= LG_PAGE_LIMIT_MAX));
    }
    if (lookup(r, "offset", text, sizeof text) == LG_OK) {
        lg_err rc = lg_validate_offset("offset", text, &offset, msg, sizeof msg);
        check_msg(rc, msg, sizeof msg);
        check(rc != LG_OK || offset <= UINT64_C(9007199254740991));
    }
}

static void status_arg(const lg_request *r)
{
    static const char *const names[] = {LG_LOAN_STATUSES(LG_MODEL_ENUM_NAME)};
    char text[32], msg[160];
    int status = -1;
    if (lookup(r, "status", text, sizeof text) != LG_OK)
        return;
    lg_err rc = lg_validate_loan_status("status", text, &status, msg, sizeof msg);
    check_msg(rc, msg, sizeof msg);
    if (rc == LG_OK) {
        check(status >= 0 && (size_t)status < sizeof names / sizeof *names);
        check(strlen(text) == strlen(names[status]) && strcasecmp(text, names[status]) == 0);
    }
}

static void date_arg(const lg_request *r, const char *name)
{
    char text[64], msg[160], again[64];
    int64_t ms = 0, back = 0;
    if (lookup(r, name, text, sizeof text) != LG_OK)
        return;
    lg_err rc = lg_validate_date(name, text, &ms, msg, sizeof msg);
    check_msg(rc, msg, sizeof msg);
    if (rc == LG_OK && lg_time_format_rfc3339(ms, again, sizeof again) == LG_OK) {
        check(lg_time_parse(again, &back) == LG_OK);
        check(back == ms);
    }
}

/* Escapes every byte of s as %XX; decoding that must give s again. */
static void decode_roundtrip(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(s);
    char *esc = malloc(3 * n + 1);
    char *back = malloc(n + 1);
    check(esc != NULL && back != NULL);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        esc[3 * i] = '%';
        esc[3 * i + 1] = hex[c >> 4];
        esc[3 * i + 2] = hex[c & 15];
    }
    check(lg_percent_decode(back, n + 1, esc, 3 * n, 1) == LG_OK);
    check(strcmp(back, s) == 0);
    free(esc);
    free(back);
}

static void raw_decode(const uint8_t *data, size_t size)
{
    char *out = malloc(size + 1);
    check(out != NULL);
    for (int plus = 0; plus < 2; plus++) {
        lg_err rc = lg_percent_decode(out, size + 1, (const char *)data, size, plus);
        check(rc == LG_OK || rc == LG_ERR_INVALID);
        if (rc != LG_OK)
            continue;
        check_text(out, size + 1);
        check(plus || memchr(out, '+', strlen(out)) || !memchr(data, '+', size));
        decode_roundtrip(out);
    }
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static lg_request r;
    memset(&r, 0, sizeof r);
    size_t n = strnlen((const char *)data, size);
    if (n >= sizeof r.query)
        n = sizeof r.query - 1;
    memcpy(r.query, data, n);
    page_args(&r);
    status_arg(&r);
    date_arg(&r, "startDate");
    date_arg(&r, "endDate");
    raw_decode(data, size);
    return 0;
}
