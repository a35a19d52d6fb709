/* journal_line.c - the audit journal's line: one partner_api_logs row as escaped,
 * tab-separated text (journal.h). Written on every answered call, so it is built by
 * hand into the caller's buffer: no allocation, no JSON tree. */
#include "config.h"

#include <lendgate/journal.h>

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define TAG "L1"

/* The text fields in line order, after the numbers. */
#define TEXT_FIELDS(X)                                                                             \
    X(partner_id)                                                                                  \
    X(request_id)                                                                                  \
    X(route)                                                                                       \
    X(method) X(client_ip) X(user_agent) X(payload) X(error_message) X(wallet) X(oaid) X(loan_id)

typedef struct out {
    char *p, *end;
} out;

static void put_text(out *o, const char *s)
{
    for (; *s && o->p; s++) {
        char c = *s, esc = c == '\\'   ? '\\'
                           : c == '\t' ? 't'
                           : c == '\n' ? 'n'
                           : c == '\r' ? 'r'
                                       : 0;
        if (o->end - o->p < (esc ? 2 : 1)) {
            o->p = NULL;
            return;
        }
        if (esc) {
            *o->p++ = '\\';
            c = esc;
        }
        *o->p++ = c;
    }
}

static void put_char(out *o, char c)
{
    if (o->p && o->p < o->end)
        *o->p++ = c;
    else
        o->p = NULL;
}

size_t lg_journal_encode(char *buf, size_t cap, const lg_api_log *r)
{
    if (!buf || !r || cap < 64)
        return 0;
    int n =
        snprintf(buf, cap, TAG "\t%" PRId64 "\t%" PRId64 "\t%d\t%" PRIu32 "\t%d", r->created_at_ms,
                 r->key_id, r->status_code, r->duration_ms, r->success ? 1 : 0);
    if (n < 0 || (size_t)n >= cap)
        return 0;
    out o = {buf + n, buf + cap};
#define PUT(f)                                                                                     \
    put_char(&o, '\t');                                                                            \
    put_text(&o, r->f);
    TEXT_FIELDS(PUT)
#undef PUT
    put_char(&o, '\n');
    return o.p ? (size_t)(o.p - buf) : 0;
}

/* ------------------------------------------------------------ decoding */

typedef struct in {
    const char *p, *end;
} in;

/* The next field's bytes [*f, *f + *n) and in past its tab. Returns 0 when there is
 * none left. */
static int next_field(in *s, const char **f, size_t *n)
{
    if (!s->p)
        return 0;
    const char *tab = memchr(s->p, '\t', (size_t)(s->end - s->p));
    *f = s->p;
    *n = (size_t)((tab ? tab : s->end) - s->p);
    s->p = tab ? tab + 1 : NULL;
    return 1;
}

static int get_text(in *s, char *dst, size_t cap)
{
    const char *f;
    size_t n, k = 0;
    if (!next_field(s, &f, &n))
        return -1;
    for (size_t i = 0; i < n; i++) {
        char c = f[i];
        if (c == '\0')
            return -1;
        if (c == '\\') {
            if (++i == n)
                return -1;
            c = f[i] == '\\'  ? '\\'
                : f[i] == 't' ? '\t'
                : f[i] == 'n' ? '\n'
                : f[i] == 'r' ? '\r'
                              : 0;
            if (!c)
                return -1;
        }
        if (k + 1 >= cap)
            return -1;
        dst[k++] = c;
    }
    dst[k] = '\0';
    return 0;
}

/* A decimal integer field in [lo, hi]. */
static int get_int(in *s, int64_t lo, int64_t hi, int64_t *v)
{
    const char *f;
    size_t n;
    if (!next_field(s, &f, &n) || n == 0 || n > 20)
        return -1;
    size_t i = f[0] == '-';
    if (i == n)
        return -1;
    uint64_t acc = 0;
    for (; i < n; i++) {
        if (f[i] < '0' || f[i] > '9' || acc > (UINT64_MAX - 9) / 10)
            return -1;
        acc = acc * 10 + (uint64_t)(f[i] - '0');
    }
    if (acc > (uint64_t)INT64_MAX)
        return -1;
    *v = f[0] == '-' ? -(int64_t)acc : (int64_t)acc;
    return *v < lo || *v > hi ? -1 : 0;
}

lg_err lg_journal_decode(const char *line, size_t len, lg_api_log *r)
{
    if (!line || !r)
        return LG_ERR_INVALID;
    memset(r, 0, sizeof *r);
    in s = {line, line + len};
    const char *f;
    size_t n;
    int64_t created, key, status, duration, success;
    if (!next_field(&s, &f, &n) || n != strlen(TAG) || memcmp(f, TAG, n) != 0 ||
        get_int(&s, 1, INT64_MAX, &created) || get_int(&s, 0, INT64_MAX, &key) ||
        get_int(&s, 100, 599, &status) || get_int(&s, 0, UINT32_MAX, &duration) ||
        get_int(&s, 0, 1, &success))
        return LG_ERR_INVALID;
#define GET(fld)                                                                                   \
    if (get_text(&s, r->fld, sizeof r->fld))                                                       \
        return LG_ERR_INVALID;
    TEXT_FIELDS(GET)
#undef GET
    if (s.p) /* a field too many */
        return LG_ERR_INVALID;
    r->created_at_ms = created;
    r->key_id = key;
    r->status_code = (int)status;
    r->duration_ms = (uint32_t)duration;
    r->success = (int)success;
    return LG_OK;
}
