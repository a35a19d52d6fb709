/*
 * metrics_internal.h - what the files of src/metrics share: the on-file layout of
 * metrics.h, the key grammar both the writer and the reader enforce, and a walk over
 * the records that also tells where each one lies (the writer rebuilds its index of
 * its own file from it).
 */
#ifndef LENDGATE_METRICS_INTERNAL_H
#define LENDGATE_METRICS_INTERNAL_H

#include <lendgate/metrics.h>

#include <stddef.h>
#include <stdint.h>

#define LG_MX_MAGIC       "LGMETR01"
#define LG_MX_VERSION     1u
#define LG_MX_HEADER_LEN  64u
#define LG_MX_REC_HEAD    8u /* u32 length, u16 kind, u16 key length */
#define LG_MX_KEY_MAX     (128u + LG_METRICS_LABELS_MAX + 2u)
#define LG_MX_HIST_VALUES (LG_METRICS_BUCKETS + 2u) /* buckets, count, sum (us) */

/* Record kinds. 3 is the archive's own: key is the name of a worker file whose series
 * the archive holds, the one value that file's boot tag, so the scrape never counts
 * that file again should the fold have stopped before unlinking it. */
enum { LG_MX_COUNTER = 1, LG_MX_HISTOGRAM = 2, LG_MX_ABSORBED = 3 };

/* Header field offsets (metrics.h). */
enum {
    LG_MX_OFF_MAGIC = 0,
    LG_MX_OFF_VERSION = 8,
    LG_MX_OFF_HLEN = 12,
    LG_MX_OFF_CAPACITY = 16,
    LG_MX_OFF_USED = 24,
    LG_MX_OFF_PID = 32,
    LG_MX_OFF_START = 40,
    LG_MX_OFF_BOOT = 48
};

/* The number of u64 values of a record kind; 0 for an unknown kind. */
size_t lg_mx_kind_values(int kind);

/* Bytes of a whole record with a key of key_len bytes and n values. */
size_t lg_mx_record_len(size_t key_len, size_t n);

/* 1 when key (key_len bytes, no NUL needed) is a series key a scrape may print: a
 * metric name, then optionally '{' label pairs with escaped values '}', and for a
 * histogram no label named le. For LG_MX_ABSORBED, 1 for a plain file name. */
int lg_mx_key_valid(int kind, const char *key, size_t key_len);

/* The header fields a reader needs, read from a file image. */
typedef struct lg_mx_header {
    uint64_t capacity;
    uint64_t used;
    uint64_t pid;
    uint64_t start;
    uint64_t boot;
} lg_mx_header;

/* Reads and checks the header of bytes (len). used is loaded with acquire semantics
 * when the image is aligned (a live file's mapping). Returns LG_OK, LG_ERR_INVALID. */
lg_err lg_mx_header_read(const unsigned char *bytes, size_t len, lg_mx_header *h);

/* Called for each record with its offset from the start of the image. values points
 * at nvalues u64 copied out of the image (atomically where aligned). */
typedef void (*lg_mx_record_fn)(void *ctx, size_t offset, const char *key, size_t key_len, int kind,
                                const uint64_t *values, size_t nvalues);

/* Walks the records of bytes (len), as lg_metrics_parse. Returns LG_OK, LG_ERR_INVALID. */
lg_err lg_mx_walk(const unsigned char *bytes, size_t len, lg_mx_record_fn fn, void *ctx);

/* The hash of a key, and of the same key given as its parts (name, and the label
 * text between the braces, "" for none): equal, so the writer hashes without building
 * the key. */
uint64_t lg_mx_hash_key(const char *key, size_t key_len);
uint64_t lg_mx_hash_parts(const char *name, size_t name_len, const char *labels, size_t labels_len);

/* The directory's lock and archive, and the worker file name pattern. */
#define LG_MX_LOCK_NAME    ".lock"
#define LG_MX_ARCHIVE_NAME "archive.lgm"
#define LG_MX_TMP_PREFIX   ".archive."

/* Reads "w-<pid>-<start>.lgm" into *pid and *start. Returns 1, or 0 when name is not
 * a worker file's name. */
int lg_mx_worker_name(const char *name, uint64_t *pid, uint64_t *start);

/* Appends n bytes of s to out (see lg_metrics_printf). */
void lg_mx_text_put(lg_metrics_text *out, const char *s, size_t n);

/* The sums of a scrape: one entry per key, in order of arrival. */
typedef struct lg_mx_entry {
    char *key; /* malloc'd, NUL-terminated */
    size_t key_len;
    size_t name_len; /* bytes of key before '{' */
    int kind;
    uint64_t v[LG_MX_HIST_VALUES];
} lg_mx_entry;

typedef struct lg_mx_table {
    lg_mx_entry *e;
    size_t n, cap;
    size_t *slot; /* open addressing: entry index + 1, 0 empty */
    size_t nslots;
    int nomem; /* an allocation failed: the sums are incomplete */
} lg_mx_table;

/* Adds the values of a series (kind 1 or 2) to t; a key already there with another
 * kind keeps the first and drops this one (two files disagree: one is foreign). */
void lg_mx_table_add(lg_mx_table *t, const char *key, size_t key_len, int kind, const uint64_t *v,
                     size_t nv);

/* lg_mx_walk callback adding every series to the table ctx (kind 3 is skipped). */
void lg_mx_table_record(void *ctx, size_t offset, const char *key, size_t key_len, int kind,
                        const uint64_t *values, size_t nvalues);

/* Frees the entries and the table's arrays; t is empty afterwards. */
void lg_mx_table_release(lg_mx_table *t);

/* A worker file seen by the scrape, mapped read-only. */
typedef enum { LG_MX_LIVE, LG_MX_DEAD, LG_MX_FOREIGN, LG_MX_ABSORBED_LEFT } lg_mx_state;
typedef struct lg_mx_wfile {
    char *name; /* malloc'd */
    const unsigned char *map;
    size_t len;
    lg_mx_header h;
    int valid; /* parses, and its header names the process its file name names */
    lg_mx_state state;
} lg_mx_wfile;

typedef struct lg_mx_dir {
    lg_mx_wfile *f;
    size_t n, cap;
} lg_mx_dir;

/*
 * Under the directory's lock: maps the archive and every worker file of dir, folds
 * those of ended processes into the archive (adding archive and folded series to t)
 * and removes what the archive holds. Out: t (series of the archive and of the folded
 * files), d (the files, the live ones still mapped; release with lg_mx_dir_release).
 * Returns LG_OK, LG_ERR_IO (dir unreadable or not lockable), LG_ERR_NOMEM.
 */
lg_err lg_mx_collect(const char *dir, lg_mx_table *t, lg_mx_dir *d);

/* Unmaps and frees what lg_mx_collect left in d. */
void lg_mx_dir_release(lg_mx_dir *d);

#endif
