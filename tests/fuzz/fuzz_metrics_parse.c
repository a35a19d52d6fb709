/* fuzz_metrics_parse.c - libFuzzer target: metrics file images (metrics.h), as the
 * scrape maps them from a directory anyone of the service's user can write to. The
 * parser never reads out of bounds; every record it reports has a kind, a value count
 * that fits it and a key within the image that a scrape can print (no control
 * character, no quote outside a label value); it reports the same records whether
 * the image is aligned (atomic loads) or not (copies); and an accepted image, written
 * out again from its records, parses to the same records. */
#include "config.h"

#include "fuzz_common.h"

#include <lendgate/metrics.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_RECORDS 4096

typedef struct {
    size_t key_at[MAX_RECORDS]; /* offset of the key in the image */
    size_t key_len[MAX_RECORDS];
    int kind[MAX_RECORDS];
    uint64_t first[MAX_RECORDS]; /* the first value, and a sum of all of them */
    uint64_t sum[MAX_RECORDS];
    size_t n;
    const unsigned char *base;
    size_t len;
} seen;

static void check_key(const char *key, size_t n, int kind)
{
    int quoted = 0;
    check(n > 0);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)key[i];
        check(c != '\n' && c != '\0');
        if (c == '\\') {
            check(quoted && i + 1 < n);
            i++;
        } else if (c == '"') {
            quoted = !quoted;
        } else if (!quoted) {
            check(c > 0x20 && c < 0x7f);
        }
    }
    check(!quoted);
    if (kind != 3)
        check(key[0] != '{' && (key[0] < '0' || key[0] > '9'));
}

static void on_series(void *ctx, const char *key, size_t key_len, int kind, const uint64_t *values,
                      size_t nvalues)
{
    seen *s = ctx;
    const unsigned char *k = (const unsigned char *)key;
    check(k >= s->base && key_len <= s->len && k - s->base <= (ptrdiff_t)(s->len - key_len));
    check((kind == 1 && nvalues == 1) || (kind == 2 && nvalues == LG_METRICS_BUCKETS + 2) ||
          (kind == 3 && nvalues == 1));
    check_key(key, key_len, kind);
    if (s->n == MAX_RECORDS)
        return;
    uint64_t sum = 0;
    for (size_t i = 0; i < nvalues; i++)
        sum += values[i];
    s->key_at[s->n] = (size_t)(k - s->base);
    s->key_len[s->n] = key_len;
    s->kind[s->n] = kind;
    s->first[s->n] = values[0];
    s->sum[s->n++] = sum;
}

static lg_err parse(const unsigned char *b, size_t len, seen *s)
{
    memset(s, 0, sizeof *s);
    s->base = b;
    s->len = len;
    return lg_metrics_parse(b, len, on_series, s);
}

static int same(const seen *a, const seen *b)
{
    if (a->n != b->n)
        return 0;
    for (size_t i = 0; i < a->n; i++)
        if (a->key_len[i] != b->key_len[i] || a->kind[i] != b->kind[i] ||
            a->first[i] != b->first[i] || a->sum[i] != b->sum[i] ||
            memcmp(a->base + a->key_at[i], b->base + b->key_at[i], a->key_len[i]) != 0)
            return 0;
    return 1;
}

/* The records of an accepted image written out afresh: zero padding, minimal capacity. */
static size_t rewrite(const unsigned char *src, size_t len, unsigned char *dst)
{
    size_t used;
    uint64_t u64;
    memcpy(dst, src, 64);
    memcpy(&u64, src + 24, 8);
    used = (size_t)u64;
    memcpy(dst + 64, src + 64, used);
    memcpy(dst + 16, &u64, 8); /* capacity = used */
    for (size_t off = 64; off < 64 + used;) {
        uint32_t rlen;
        uint16_t klen;
        memcpy(&rlen, dst + off, 4);
        memcpy(&klen, dst + off + 6, 2);
        size_t pad = ((size_t)klen + 7) / 8 * 8 - klen;
        memset(dst + off + 8 + klen, 0, pad);
        off += rlen;
    }
    (void)len;
    return 64 + used;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static seen a, b;
    /* libFuzzer's copy is aligned; one byte on, the same image is not. */
    unsigned char *shifted = malloc(size + 1);
    unsigned char *again = malloc(size + 64);
    check(shifted && again);
    memcpy(shifted + 1, data, size);
    lg_err rc = parse(data, size, &a);
    check(rc == LG_OK || rc == LG_ERR_INVALID);
    check(parse(shifted + 1, size, &b) == rc);
    check(same(&a, &b));
    check(lg_metrics_parse(data, size, NULL, NULL) == rc);
    if (rc == LG_OK) {
        size_t n = rewrite(data, size, again);
        check(parse(again, n, &b) == LG_OK);
        check(same(&a, &b));
    }
    free(shifted);
    free(again);
    return 0;
}
