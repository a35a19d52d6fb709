/* scrape.c - sums the archive and the live files of a directory and renders them in
 * the Prometheus text format 0.0.4. */
#include "config.h"

#include "metrics_internal.h"

#include <stdlib.h>
#include <string.h>

static const char *const bucket_le[LG_METRICS_BUCKETS] = {
    "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2", "5", "10", "+Inf"};

/* Doubles the slots and the room for entries, both owned by t (lg_mx_table_release).
 * Returns 0, or -1 with t unchanged. */
static int table_grow(lg_mx_table *t)
{
    size_t nslots = t->nslots ? t->nslots * 2 : 256;
    size_t *slot = calloc(nslots, sizeof *slot);
    lg_mx_entry *e = slot ? realloc(t->e, nslots / 2 * sizeof *e) : NULL;
    if (!e) {
        free(slot);
        return -1;
    }
    t->e = e;
    t->cap = nslots / 2;
    for (size_t i = 0; i < t->n; i++) {
        size_t s = (size_t)lg_mx_hash_key(e[i].key, e[i].key_len) & (nslots - 1);
        while (slot[s])
            s = (s + 1) & (nslots - 1);
        slot[s] = i + 1;
    }
    free(t->slot);
    t->slot = slot;
    t->nslots = nslots;
    return 0;
}

/* The entry of key, created with zero values and a copy of key (owned by t) when new;
 * NULL when out of memory. */
static lg_mx_entry *table_get(lg_mx_table *t, const char *key, size_t key_len, int kind)
{
    if (t->n == t->cap && table_grow(t) != 0)
        return NULL;
    size_t s = (size_t)lg_mx_hash_key(key, key_len) & (t->nslots - 1);
    for (; t->slot[s]; s = (s + 1) & (t->nslots - 1)) {
        lg_mx_entry *e = &t->e[t->slot[s] - 1];
        if (e->key_len == key_len && memcmp(e->key, key, key_len) == 0)
            return e;
    }
    lg_mx_entry *e = &t->e[t->n];
    memset(e, 0, sizeof *e);
    e->key = malloc(key_len + 1);
    if (!e->key)
        return NULL;
    memcpy(e->key, key, key_len);
    e->key[key_len] = '\0';
    e->key_len = key_len;
    const char *brace = memchr(key, '{', key_len);
    e->name_len = brace ? (size_t)(brace - key) : key_len;
    e->kind = kind;
    t->slot[s] = ++t->n;
    return e;
}

void lg_mx_table_add(lg_mx_table *t, const char *key, size_t key_len, int kind, const uint64_t *v,
                     size_t nv)
{
    if (t->nomem || (kind != LG_MX_COUNTER && kind != LG_MX_HISTOGRAM) ||
        nv != lg_mx_kind_values(kind))
        return;
    lg_mx_entry *e = table_get(t, key, key_len, kind);
    if (!e) {
        t->nomem = 1;
        return;
    }
    if (e->kind != kind)
        return;
    /* Unsigned: a foreign file's huge values wrap rather than overflow. */
    for (size_t i = 0; i < nv; i++)
        e->v[i] += v[i];
}

void lg_mx_table_record(void *ctx, size_t offset, const char *key, size_t key_len, int kind,
                        const uint64_t *values, size_t nvalues)
{
    (void)offset;
    lg_mx_table_add(ctx, key, key_len, kind, values, nvalues);
}

void lg_mx_table_release(lg_mx_table *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->e[i].key);
    free(t->e);
    free(t->slot);
    memset(t, 0, sizeof *t);
}

/* Series order: by metric name, so a family is one run, then by label text. */
static int entry_cmp(const void *pa, const void *pb)
{
    const lg_mx_entry *a = *(const lg_mx_entry *const *)pa, *b = *(const lg_mx_entry *const *)pb;
    size_t n = a->name_len < b->name_len ? a->name_len : b->name_len;
    int c = memcmp(a->key, b->key, n);
    if (c != 0 || a->name_len != b->name_len)
        return c != 0 ? c : (a->name_len < b->name_len ? -1 : 1);
    return strcmp(a->key + a->name_len, b->key + b->name_len);
}

static void put(lg_metrics_text *out, const char *s)
{
    lg_mx_text_put(out, s, strlen(s));
}

/* HELP text escapes backslash and newline. */
static void put_help(lg_metrics_text *out, const char *name, size_t name_len, const char *help,
                     const char *type)
{
    int nlen = (int)name_len;
    lg_metrics_printf(out, "# HELP %.*s ", nlen, name);
    for (const char *p = help; *p; p++) {
        if (*p == '\\')
            put(out, "\\\\");
        else if (*p == '\n')
            put(out, "\\n");
        else
            lg_mx_text_put(out, p, 1);
    }
    lg_metrics_printf(out, "\n# TYPE %.*s %s\n", nlen, name, type);
}

/* The label text of e without braces (may be empty). */
static const char *labels_of(const lg_mx_entry *e, int *len)
{
    *len = e->key_len > e->name_len ? (int)(e->key_len - e->name_len - 2) : 0;
    return e->key + e->name_len + (*len ? 1 : 0);
}

static void render_counter(lg_metrics_text *out, const lg_mx_entry *e)
{
    lg_metrics_printf(out, "%s %llu\n", e->key, (unsigned long long)e->v[0]);
}

/* _count is the +Inf bucket, not the stored count: a scrape during an observation
 * may see one added and not yet the other, and the two must agree. */
static void render_histogram(lg_metrics_text *out, const lg_mx_entry *e)
{
    int llen;
    const char *labels = labels_of(e, &llen);
    const char *sep = llen ? "," : "";
    int nlen = (int)e->name_len;
    unsigned long long cum = 0, us = e->v[LG_METRICS_BUCKETS + 1];
    for (size_t b = 0; b < LG_METRICS_BUCKETS; b++) {
        cum += e->v[b];
        lg_metrics_printf(out, "%.*s_bucket{%.*s%sle=\"%s\"} %llu\n", nlen, e->key, llen, labels,
                          sep, bucket_le[b], cum);
    }
    const char *open = llen ? "{" : "", *close = llen ? "}" : "";
    lg_metrics_printf(out, "%.*s_sum%s%.*s%s %llu.%06llu\n", nlen, e->key, open, llen, labels,
                      close, us / 1000000, us % 1000000);
    lg_metrics_printf(out, "%.*s_count%s%.*s%s %llu\n", nlen, e->key, open, llen, labels, close,
                      cum);
}

/* A family nothing has counted yet: its HELP and TYPE, so that dashboards and rules
 * find the name from the first scrape on. */
static void put_empty(lg_metrics_text *out, const lg_metrics_family *f)
{
    put_help(out, f->name, strlen(f->name), f->help ? f->help : "", f->type);
}

/* Renders the run s[0..n) (one metric name) as a family of type; only series of the
 * kind the type implies are written (a name used with two kinds is a caller's bug). */
static void render_family(lg_metrics_text *out, lg_mx_entry *const *s, size_t n, const char *type,
                          const char *help)
{
    int kind = strcmp(type, "histogram") == 0 ? LG_MX_HISTOGRAM : LG_MX_COUNTER;
    size_t i = 0;
    while (i < n && s[i]->kind != kind)
        i++;
    if (i == n)
        return;
    put_help(out, s[i]->key, s[i]->name_len, help, type);
    for (; i < n; i++) {
        if (s[i]->kind == LG_MX_COUNTER && kind == LG_MX_COUNTER)
            render_counter(out, s[i]);
        else if (s[i]->kind == LG_MX_HISTOGRAM && kind == LG_MX_HISTOGRAM)
            render_histogram(out, s[i]);
    }
}

/* Length of the run of series named like s[0], from s[0]. */
static size_t run_len(lg_mx_entry *const *s, size_t n)
{
    size_t i = 1;
    while (i < n && s[i]->name_len == s[0]->name_len &&
           memcmp(s[i]->key, s[0]->key, s[0]->name_len) == 0)
        i++;
    return i;
}

static int run_named(const lg_mx_entry *e, const char *name)
{
    return strlen(name) == e->name_len && memcmp(e->key, name, e->name_len) == 0;
}

static void render(lg_metrics_text *out, lg_mx_entry **s, size_t n,
                   const lg_metrics_family *families, size_t nf, unsigned char *done)
{
    for (size_t f = 0; f < nf; f++) {
        int seen = 0;
        if (!families[f].name || !families[f].type)
            continue;
        for (size_t i = 0; i < n; i += run_len(s + i, n - i)) {
            if (!done[i] && run_named(s[i], families[f].name)) {
                render_family(out, s + i, run_len(s + i, n - i), families[f].type,
                              families[f].help ? families[f].help : "");
                done[i] = seen = 1;
            }
        }
        if (!seen)
            put_empty(out, &families[f]);
    }
    for (size_t i = 0; i < n; i += run_len(s + i, n - i))
        if (!done[i])
            render_family(out, s + i, run_len(s + i, n - i),
                          s[i]->kind == LG_MX_HISTOGRAM ? "histogram" : "untyped",
                          "undeclared metric");
}

static lg_err render_table(lg_mx_table *t, const lg_metrics_family *families, size_t nf,
                           lg_metrics_text *out)
{
    lg_mx_entry **s = malloc((t->n ? t->n : 1) * sizeof *s);
    unsigned char *done = calloc(t->n ? t->n : 1, 1);
    if (!s || !done) {
        free(s);
        free(done);
        return LG_ERR_NOMEM;
    }
    for (size_t i = 0; i < t->n; i++)
        s[i] = &t->e[i];
    qsort(s, t->n, sizeof *s, entry_cmp);
    render(out, s, t->n, families, nf, done);
    free(s);
    free(done);
    return out->failed ? LG_ERR_NOMEM : LG_OK;
}

lg_err lg_metrics_scrape(const char *dir, const lg_metrics_family *families, size_t n,
                         lg_metrics_text *out)
{
    lg_mx_table t = {0};
    lg_mx_dir d = {0};
    if (!dir || !out || (n > 0 && !families))
        return LG_ERR_INVALID;
    lg_err rc = lg_mx_collect(dir, &t, &d);
    for (size_t i = 0; rc == LG_OK && i < d.n; i++)
        if (d.f[i].state == LG_MX_LIVE && d.f[i].valid)
            lg_mx_walk(d.f[i].map, d.f[i].len, lg_mx_table_record, &t);
    if (rc == LG_OK && t.nomem)
        rc = LG_ERR_NOMEM;
    if (rc == LG_OK)
        rc = render_table(&t, families, n, out);
    lg_mx_dir_release(&d);
    lg_mx_table_release(&t);
    return rc;
}
