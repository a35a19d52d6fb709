/* parse.c - the reader of metrics files (metrics.h): header, records and the key
 * grammar. It takes any bytes at all (the scrape maps files other processes write,
 * and foreign or broken ones), so every length is checked before it is used. */
#include "config.h"

#include "metrics_internal.h"

#include <string.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
/* The format is little-endian and the writer adds to its values in place. */
#error "metrics files need a little-endian host"
#endif

#define LABELS_PER_KEY 32 /* more would not fit LG_METRICS_LABELS_MAX sensibly */

size_t lg_mx_kind_values(int kind)
{
    switch (kind) {
    case LG_MX_COUNTER:
        return 1;
    case LG_MX_HISTOGRAM:
        return LG_MX_HIST_VALUES;
    case LG_MX_ABSORBED:
        return 1;
    default:
        return 0;
    }
}

size_t lg_mx_record_len(size_t key_len, size_t n)
{
    return LG_MX_REC_HEAD + ((key_len + 7) & ~(size_t)7) + 8 * n;
}

static int name_start(int c, int colon)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':');
}

/* Length of the metric name (colon allowed) or label name at s. */
static size_t name_len(const char *s, size_t n, int colon)
{
    size_t i = 0;
    while (i < n &&
           (name_start((unsigned char)s[i], colon) || (i > 0 && s[i] >= '0' && s[i] <= '9')))
        i++;
    return i;
}

/* Length of the quoted, escaped value at s including both quotes; 0 if malformed. */
static size_t value_len(const char *s, size_t n)
{
    if (n == 0 || s[0] != '"')
        return 0;
    for (size_t i = 1; i < n; i++) {
        if (s[i] == '"')
            return i + 1;
        if (s[i] == '\n' || s[i] == '\0')
            return 0;
        if (s[i] == '\\') {
            if (i + 1 >= n || (s[i + 1] != '\\' && s[i + 1] != '"' && s[i + 1] != 'n'))
                return 0;
            i++;
        }
    }
    return 0;
}

/* A repeated label name makes the exposition invalid, as does le on a histogram,
 * whose buckets add their own. */
static int label_name_ok(const char *s, const size_t *at, const size_t *len, size_t k,
                         int forbid_le)
{
    if (forbid_le && len[k] == 2 && memcmp(s + at[k], "le", 2) == 0)
        return 0;
    for (size_t j = 0; j < k; j++)
        if (len[j] == len[k] && memcmp(s + at[j], s + at[k], len[k]) == 0)
            return 0;
    return 1;
}

/* The text between the braces: name="value" pairs separated by commas. */
static int labels_valid(const char *s, size_t n, int forbid_le)
{
    size_t at[LABELS_PER_KEY], len[LABELS_PER_KEY], i = 0;
    for (size_t k = 0; k < LABELS_PER_KEY; k++) {
        at[k] = i;
        len[k] = name_len(s + i, n - i, 0);
        if (len[k] == 0 || !label_name_ok(s, at, len, k, forbid_le))
            return 0;
        i += len[k];
        if (i >= n || s[i] != '=')
            return 0;
        size_t v = value_len(s + i + 1, n - i - 1);
        if (v == 0)
            return 0;
        i += 1 + v;
        if (i == n)
            return 1;
        if (s[i] != ',' || ++i >= n)
            return 0;
    }
    return 0;
}

static int file_name_valid(const char *s, size_t n)
{
    if (n == 0 || n > 255 || s[0] == '.')
        return 0;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)s[i];
        if (!name_start(c, 0) && !(c >= '0' && c <= '9') && c != '-' && c != '.')
            return 0;
    }
    return 1;
}

int lg_mx_key_valid(int kind, const char *key, size_t key_len)
{
    if (!key || key_len == 0 || key_len > LG_MX_KEY_MAX)
        return 0;
    if (kind == LG_MX_ABSORBED)
        return file_name_valid(key, key_len);
    size_t l = name_len(key, key_len, 1);
    if (l == 0)
        return 0;
    if (l == key_len)
        return 1;
    if (key[l] != '{' || key_len < l + 3 || key[key_len - 1] != '}')
        return 0;
    return labels_valid(key + l + 1, key_len - l - 2, kind == LG_MX_HISTOGRAM);
}

/* Values of a live file change under the reader: aligned words are read atomically
 * (the writer adds to them atomically); an unaligned image (a fuzz input) cannot be a
 * mapping, so a plain copy is as good there. */
static uint64_t load64(const unsigned char *p, int order)
{
    uint64_t v;
    if (((uintptr_t)p & 7) == 0)
        return __atomic_load_n((const uint64_t *)(const void *)p, order);
    memcpy(&v, p, sizeof v);
    return v;
}

static uint32_t load32(const unsigned char *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static uint16_t load16(const unsigned char *p)
{
    uint16_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

lg_err lg_mx_header_read(const unsigned char *bytes, size_t len, lg_mx_header *h)
{
    if (!bytes || len < LG_MX_HEADER_LEN || memcmp(bytes, LG_MX_MAGIC, 8) != 0)
        return LG_ERR_INVALID;
    if (load32(bytes + LG_MX_OFF_VERSION) != LG_MX_VERSION ||
        load32(bytes + LG_MX_OFF_HLEN) != LG_MX_HEADER_LEN)
        return LG_ERR_INVALID;
    h->capacity = load64(bytes + LG_MX_OFF_CAPACITY, __ATOMIC_RELAXED);
    /* Acquire: the records up to used were complete when the writer published it. */
    h->used = load64(bytes + LG_MX_OFF_USED, __ATOMIC_ACQUIRE);
    h->pid = load64(bytes + LG_MX_OFF_PID, __ATOMIC_RELAXED);
    h->start = load64(bytes + LG_MX_OFF_START, __ATOMIC_RELAXED);
    h->boot = load64(bytes + LG_MX_OFF_BOOT, __ATOMIC_RELAXED);
    if (h->capacity > len - LG_MX_HEADER_LEN || h->used > h->capacity || h->used % 8 != 0)
        return LG_ERR_INVALID;
    return LG_OK;
}

/* Checks the record at off (end bounds the records) and returns its length, or 0. */
static size_t record_check(const unsigned char *bytes, size_t off, size_t end)
{
    if (end - off < LG_MX_REC_HEAD)
        return 0;
    size_t rlen = load32(bytes + off), klen = load16(bytes + off + 6);
    int kind = load16(bytes + off + 4);
    size_t nv = lg_mx_kind_values(kind);
    if (nv == 0 || klen == 0 || rlen != lg_mx_record_len(klen, nv) || rlen > end - off)
        return 0;
    if (!lg_mx_key_valid(kind, (const char *)bytes + off + LG_MX_REC_HEAD, klen))
        return 0;
    return rlen;
}

lg_err lg_mx_walk(const unsigned char *bytes, size_t len, lg_mx_record_fn fn, void *ctx)
{
    lg_mx_header h;
    uint64_t values[LG_MX_HIST_VALUES];
    if (lg_mx_header_read(bytes, len, &h) != LG_OK)
        return LG_ERR_INVALID;
    size_t end = LG_MX_HEADER_LEN + (size_t)h.used;
    for (size_t off = LG_MX_HEADER_LEN; off < end;) {
        size_t rlen = record_check(bytes, off, end);
        if (rlen == 0)
            return LG_ERR_INVALID;
        int kind = load16(bytes + off + 4);
        size_t nv = lg_mx_kind_values(kind);
        const unsigned char *vp = bytes + off + rlen - 8 * nv;
        for (size_t i = 0; i < nv; i++)
            values[i] = load64(vp + 8 * i, __ATOMIC_RELAXED);
        if (fn)
            fn(ctx, off, (const char *)bytes + off + LG_MX_REC_HEAD, load16(bytes + off + 6), kind,
               values, nv);
        off += rlen;
    }
    return LG_OK;
}

typedef struct {
    lg_metrics_series_fn fn;
    void *ctx;
} parse_ctx;

static void parse_record(void *ctx, size_t offset, const char *key, size_t key_len, int kind,
                         const uint64_t *values, size_t nvalues)
{
    parse_ctx *p = ctx;
    (void)offset;
    p->fn(p->ctx, key, key_len, kind, values, nvalues);
}

lg_err lg_metrics_parse(const unsigned char *bytes, size_t len, lg_metrics_series_fn fn, void *ctx)
{
    parse_ctx p = {fn, ctx};
    return lg_mx_walk(bytes, len, fn ? parse_record : NULL, &p);
}

/* A word at a time: the update path hashes every key it is given, and byte-wise
 * FNV-1a over a hundred bytes of labels costs more than the rest of the update. */
static uint64_t hash_bytes(uint64_t h, const char *s, size_t n)
{
    const uint64_t k = UINT64_C(0x9E3779B97F4A7C15);
    uint64_t w;
    for (; n >= 8; s += 8, n -= 8) {
        memcpy(&w, s, 8);
        h = (h ^ w) * k;
        h ^= h >> 29;
    }
    w = 0;
    memcpy(&w, s, n);
    h = (h ^ w ^ (uint64_t)n << 56) * k;
    return h ^ (h >> 32);
}

/* The key is hashed as its two parts, so the writer never has to build it. */
uint64_t lg_mx_hash_parts(const char *name, size_t name_len, const char *labels, size_t labels_len)
{
    uint64_t h = hash_bytes(UINT64_C(0x2545F4914F6CDD1D), name, name_len);
    h = hash_bytes(h, labels, labels_len);
    h ^= h >> 33;
    h *= UINT64_C(0xFF51AFD7ED558CCD);
    return h ^ (h >> 33);
}

uint64_t lg_mx_hash_key(const char *key, size_t key_len)
{
    const char *brace = memchr(key, '{', key_len);
    if (!brace || key_len - (size_t)(brace - key) < 2)
        return lg_mx_hash_parts(key, key_len, "", 0);
    size_t nlen = (size_t)(brace - key);
    return lg_mx_hash_parts(key, nlen, brace + 1, key_len - nlen - 2);
}

/* Digits only, no sign, no leading zero, within 64 bits. */
static const char *read_u64(const char *s, uint64_t *v)
{
    if (*s < '0' || *s > '9' || (s[0] == '0' && s[1] >= '0' && s[1] <= '9'))
        return NULL;
    for (*v = 0; *s >= '0' && *s <= '9'; s++) {
        if (*v > (UINT64_MAX - 9) / 10)
            return NULL;
        *v = *v * 10 + (uint64_t)(*s - '0');
    }
    return s;
}

int lg_mx_worker_name(const char *name, uint64_t *pid, uint64_t *start)
{
    if (strncmp(name, "w-", 2) != 0)
        return 0;
    const char *p = read_u64(name + 2, pid);
    if (!p || *p != '-')
        return 0;
    p = read_u64(p + 1, start);
    return p && strcmp(p, ".lgm") == 0;
}
