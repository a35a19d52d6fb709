/* file.c - this process's metrics file: created at open, then only appended to and
 * added to in place. An update finds its series through an index in ordinary memory
 * (key hash -> record offset) and adds atomically in the mapping: no lock, no system
 * call, no allocation once the series exists. */
#include "config.h"

#include "metrics_internal.h"

#include <lendgate/proc.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define DROPPED_NAME "lendgate_metrics_dropped_total"
#define FILE_CAP     ((size_t)LG_METRICS_FILE_BYTES - LG_MX_HEADER_LEN)
/* The smallest record is 24 bytes (a key of up to 8 bytes and one value): the index
 * holds 1.5 times that many slots rounded up to a power of two, so it never fills and
 * never grows on the update path. */
#define INDEX_SLOTS (UINT32_C(1) << 16)

_Static_assert(INDEX_SLOTS >= FILE_CAP / 24 * 3 / 2, "the index outgrows the file");
_Static_assert(LG_METRICS_FILE_BYTES < UINT32_MAX, "offsets fit 32 bits");

struct lg_metrics {
    unsigned char *base; /* the whole file, mapped shared */
    size_t used;         /* bytes of records; only this process appends */
    uint64_t *dropped;   /* the value of DROPPED_NAME, the first record */
    uint64_t *index;     /* per slot: hash >> 32 above the record offset; 0 is empty */
};

/* Upper bounds of the first 11 buckets in microseconds; the 12th is +Inf. */
static const uint64_t bucket_us[LG_METRICS_BUCKETS - 1] = {
    5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, 2000000, 5000000, 10000000};

/* A pending series: the key's two parts and its hash, so the key is never built. */
typedef struct {
    const char *name;
    size_t name_len;
    const char *labels;
    size_t labels_len;
    uint64_t hash;
    int kind;
} series_ref;

static size_t key_len(const series_ref *s)
{
    return s->name_len + (s->labels_len ? s->labels_len + 2 : 0);
}

static int record_is(const lg_metrics *m, size_t off, const series_ref *s)
{
    const unsigned char *r = m->base + off;
    uint16_t klen;
    memcpy(&klen, r + 6, sizeof klen);
    if (klen != key_len(s))
        return 0;
    const char *k = (const char *)r + LG_MX_REC_HEAD;
    if (memcmp(k, s->name, s->name_len) != 0)
        return 0;
    if (s->labels_len == 0)
        return 1;
    return k[s->name_len] == '{' && memcmp(k + s->name_len + 1, s->labels, s->labels_len) == 0;
}

static uint64_t *record_values(const lg_metrics *m, size_t off)
{
    uint32_t rlen;
    uint16_t kind;
    memcpy(&rlen, m->base + off, sizeof rlen);
    memcpy(&kind, m->base + off + 4, sizeof kind);
    return (uint64_t *)(void *)(m->base + off + rlen - 8 * lg_mx_kind_values(kind));
}

static int record_kind(const lg_metrics *m, size_t off)
{
    uint16_t kind;
    memcpy(&kind, m->base + off + 4, sizeof kind);
    return kind;
}

/* The slot of s: the one holding its record, or the empty one where it would go. */
static size_t index_find(const lg_metrics *m, const series_ref *s)
{
    size_t i = (size_t)(s->hash & (INDEX_SLOTS - 1));
    uint64_t tag = s->hash >> 32;
    for (;; i = (i + 1) & (INDEX_SLOTS - 1)) {
        uint64_t e = m->index[i];
        if (e == 0 || ((e >> 32) == tag && record_is(m, (size_t)(uint32_t)e, s)))
            return i;
    }
}

static void publish_used(lg_metrics *m)
{
    /* Release: a reader that sees the new length sees the whole record before it. */
    __atomic_store_n((uint64_t *)(void *)(m->base + LG_MX_OFF_USED), (uint64_t)m->used,
                     __ATOMIC_RELEASE);
}

/* Appends the record of s (values zero) and indexes it in slot. Returns its values,
 * or NULL when the file is full or the key is not one a scrape could print. */
static uint64_t *series_append(lg_metrics *m, const series_ref *s, size_t slot)
{
    size_t klen = key_len(s), nv = lg_mx_kind_values(s->kind);
    if (klen > LG_MX_KEY_MAX)
        return NULL;
    size_t rlen = lg_mx_record_len(klen, nv), off = LG_MX_HEADER_LEN + m->used;
    if (rlen > FILE_CAP - m->used)
        return NULL;
    /* Beyond used nothing is visible to readers yet: build the record in place. */
    unsigned char *r = m->base + off;
    memset(r, 0, rlen);
    uint32_t len32 = (uint32_t)rlen;
    uint16_t kind16 = (uint16_t)s->kind, klen16 = (uint16_t)klen;
    memcpy(r, &len32, 4);
    memcpy(r + 4, &kind16, 2);
    memcpy(r + 6, &klen16, 2);
    char *k = (char *)r + LG_MX_REC_HEAD;
    memcpy(k, s->name, s->name_len);
    if (s->labels_len) {
        k[s->name_len] = '{';
        memcpy(k + s->name_len + 1, s->labels, s->labels_len);
        k[klen - 1] = '}';
    }
    if (!lg_mx_key_valid(s->kind, k, klen)) {
        memset(r, 0, rlen);
        return NULL;
    }
    m->used += rlen;
    publish_used(m);
    m->index[slot] = (s->hash >> 32) << 32 | (uint64_t)off;
    return record_values(m, off);
}

static void drop(lg_metrics *m)
{
    if (m->dropped)
        __atomic_fetch_add(m->dropped, 1, __ATOMIC_RELAXED);
}

/* The values of series (name, labels) of kind, appended when new; NULL when the
 * update is lost (and counted so). */
static uint64_t *series(lg_metrics *m, int kind, const char *name, const char *labels)
{
    if (!m || !name)
        return NULL;
    series_ref s = {name, strlen(name), labels ? labels : "", labels ? strlen(labels) : 0, 0, kind};
    s.hash = lg_mx_hash_parts(s.name, s.name_len, s.labels, s.labels_len);
    size_t slot = index_find(m, &s);
    uint64_t e = m->index[slot];
    uint64_t *values = NULL;
    if (e == 0)
        values = series_append(m, &s, slot);
    else if (record_kind(m, (size_t)(uint32_t)e) == kind)
        values = record_values(m, (size_t)(uint32_t)e);
    if (!values)
        drop(m);
    return values;
}

void lg_metrics_count(lg_metrics *m, const char *name, const char *labels, uint64_t v)
{
    uint64_t *values = series(m, LG_MX_COUNTER, name, labels);
    if (values)
        __atomic_fetch_add(&values[0], v, __ATOMIC_RELAXED);
}

/* Rounded to the microsecond; NaN and negatives are 0, and a century is the most. */
static uint64_t seconds_us(double seconds)
{
    if (!(seconds > 0))
        return 0;
    if (seconds > 3.2e9)
        return UINT64_C(3200000000000000);
    return (uint64_t)(seconds * 1e6 + 0.5);
}

void lg_metrics_observe(lg_metrics *m, const char *name, const char *labels, double seconds)
{
    uint64_t *values = series(m, LG_MX_HISTOGRAM, name, labels);
    if (!values)
        return;
    uint64_t us = seconds_us(seconds);
    size_t b = 0;
    while (b < LG_METRICS_BUCKETS - 1 && us > bucket_us[b])
        b++;
    __atomic_fetch_add(&values[b], 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&values[LG_METRICS_BUCKETS], 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&values[LG_METRICS_BUCKETS + 1], us, __ATOMIC_RELAXED);
}

static void put64(unsigned char *p, uint64_t v)
{
    memcpy(p, &v, sizeof v);
}

/* Writes the header of a fresh file, the magic last so a scrape that reads it mid-way
 * sees a foreign file and skips it, then the dropped counter, whose room is thereby
 * reserved before any series can fill the file. */
static void file_init(lg_metrics *m, uint64_t pid, uint64_t start, uint64_t boot)
{
    uint32_t version = LG_MX_VERSION, hlen = LG_MX_HEADER_LEN;
    memcpy(m->base + LG_MX_OFF_VERSION, &version, 4);
    memcpy(m->base + LG_MX_OFF_HLEN, &hlen, 4);
    put64(m->base + LG_MX_OFF_CAPACITY, FILE_CAP);
    put64(m->base + LG_MX_OFF_PID, pid);
    put64(m->base + LG_MX_OFF_START, start);
    put64(m->base + LG_MX_OFF_BOOT, boot);
    __atomic_thread_fence(__ATOMIC_RELEASE);
    memcpy(m->base, LG_MX_MAGIC, 8);
    series_ref s = {DROPPED_NAME, strlen(DROPPED_NAME), "", 0, 0, LG_MX_COUNTER};
    s.hash = lg_mx_hash_parts(s.name, s.name_len, "", 0);
    m->dropped = series_append(m, &s, index_find(m, &s));
}

/* Rebuilding the index from this process's own file (opened again after a close). */
typedef struct {
    lg_metrics *m;
    int bad;
} reindex_ctx;

static void reindex_record(void *ctx, size_t offset, const char *key, size_t klen, int kind,
                           const uint64_t *values, size_t nvalues)
{
    reindex_ctx *c = ctx;
    (void)values;
    (void)nvalues;
    const char *brace = memchr(key, '{', klen);
    size_t nlen = brace ? (size_t)(brace - key) : klen;
    series_ref s = {key, nlen, brace ? brace + 1 : "", brace ? klen - nlen - 2 : 0, 0, kind};
    s.hash = lg_mx_hash_key(key, klen);
    size_t slot = index_find(c->m, &s);
    /* A repeated key, or a record of the archive's kind, is not what this code writes. */
    if (c->m->index[slot] != 0 || kind == LG_MX_ABSORBED || offset > UINT32_MAX) {
        c->bad = 1;
        return;
    }
    c->m->index[slot] = (s.hash >> 32) << 32 | (uint64_t)offset;
    c->m->used = offset + lg_mx_record_len(klen, nvalues) - LG_MX_HEADER_LEN;
}

/* 1 when the open file fd is this very process's file, intact: then m maps it. */
static int reuse_own(lg_metrics *m, int fd, uint64_t pid, uint64_t start, uint64_t boot)
{
    struct stat st;
    lg_mx_header h;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
        (st.st_mode & 077) != 0 || st.st_size != (off_t)LG_METRICS_FILE_BYTES)
        return 0;
    m->base = mmap(NULL, LG_METRICS_FILE_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (m->base == MAP_FAILED) {
        m->base = NULL;
        return 0;
    }
    reindex_ctx c = {m, 0};
    if (lg_mx_header_read(m->base, LG_METRICS_FILE_BYTES, &h) == LG_OK && h.pid == pid &&
        h.start == start && h.boot == boot && h.capacity == FILE_CAP &&
        lg_mx_walk(m->base, LG_METRICS_FILE_BYTES, reindex_record, &c) == LG_OK && !c.bad &&
        h.used > 0 &&
        record_is(m, LG_MX_HEADER_LEN,
                  &(series_ref){DROPPED_NAME, strlen(DROPPED_NAME), "", 0, 0, 1})) {
        m->dropped = record_values(m, LG_MX_HEADER_LEN);
        return 1;
    }
    munmap(m->base, LG_METRICS_FILE_BYTES);
    m->base = NULL;
    memset(m->index, 0, sizeof(uint64_t) * INDEX_SLOTS);
    m->used = 0;
    return 0;
}

static int create_file(const char *path)
{
    return open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
}

/* Maps path for m: this process's own file when it is there and intact, else a fresh
 * one. Whatever else holds the name (a foreign or broken file: no earlier process had
 * this pid and start time) is removed. */
static lg_err file_attach(lg_metrics *m, const char *path, uint64_t pid, uint64_t start,
                          uint64_t boot)
{
    int fd = create_file(path);
    if (fd < 0 && errno == EEXIST) {
        int old = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
        int ok = old >= 0 && reuse_own(m, old, pid, start, boot);
        if (old >= 0)
            close(old);
        if (ok)
            return LG_OK;
        if (unlink(path) != 0 && errno != ENOENT)
            return LG_ERR_IO;
        fd = create_file(path);
    }
    if (fd < 0)
        return LG_ERR_IO;
    void *p = MAP_FAILED;
    if (ftruncate(fd, (off_t)LG_METRICS_FILE_BYTES) == 0)
        p = mmap(NULL, LG_METRICS_FILE_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (p == MAP_FAILED) {
        unlink(path);
        return LG_ERR_IO;
    }
    m->base = p;
    file_init(m, pid, start, boot);
    return LG_OK;
}

static lg_err dir_ready(const char *dir)
{
    struct stat st;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return LG_ERR_IO;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return LG_ERR_IO;
    return LG_OK;
}

/* Out: *pid, *start and *boot name this process on this boot. */
static lg_err whoami(uint64_t *pid, uint64_t *start, uint64_t *boot)
{
    uint64_t word = 0;
    if (lg_proc_word(&word) != LG_OK || lg_proc_boot_tag(boot) != LG_OK)
        return LG_ERR_IO;
    *pid = word & ((UINT64_C(1) << LG_PROC_PID_BITS) - 1);
    *start = word >> LG_PROC_PID_BITS;
    return LG_OK;
}

lg_err lg_metrics_open(const char *dir, lg_metrics **out)
{
    char path[PATH_MAX];
    uint64_t pid, start, boot;
    if (!out)
        return LG_ERR_INVALID;
    *out = NULL;
    if (!dir || !*dir)
        return LG_ERR_INVALID;
    lg_err rc = whoami(&pid, &start, &boot);
    if (rc == LG_OK)
        rc = dir_ready(dir);
    if (rc != LG_OK)
        return rc;
    int n = snprintf(path, sizeof path, "%s/w-%llu-%llu.lgm", dir, (unsigned long long)pid,
                     (unsigned long long)start);
    if (n < 0 || (size_t)n >= sizeof path)
        return LG_ERR_INVALID;
    lg_metrics *m = calloc(1, sizeof *m);
    if (m)
        m->index = calloc(INDEX_SLOTS, sizeof *m->index);
    if (!m || !m->index) {
        lg_metrics_close(m);
        return LG_ERR_NOMEM;
    }
    rc = file_attach(m, path, pid, start, boot);
    if (rc != LG_OK) {
        lg_metrics_close(m);
        return rc;
    }
    *out = m;
    return LG_OK;
}

void lg_metrics_close(lg_metrics *m)
{
    if (!m)
        return;
    if (m->base)
        munmap(m->base, LG_METRICS_FILE_BYTES);
    free(m->index);
    free(m);
}
