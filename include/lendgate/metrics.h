/*
 * metrics.h - Prometheus counters and histograms summed exactly across processes.
 *
 * The responders are separate processes the web server spawns and kills, so each one
 * keeps its series in a memory-mapped file of its own under a directory (the
 * multiprocess pattern of Prometheus' Python client): updates are plain stores into
 * this process's file, with no lock and no system call; a scrape, from any process,
 * reads every file in the directory and sums them. A file outlives its process, so a
 * dead worker's counts keep counting: counters and histograms never go down. Files
 * of processes that have ended are folded into one archive file by the scrape (under
 * a lock of the directory, never on the request path), so the directory stays small.
 *
 * Values are integers: a counter adds whole numbers, a histogram counts observations
 * per bucket and keeps their sum in microseconds. Every histogram has the same
 * buckets (seconds): 0.005 0.01 0.025 0.05 0.1 0.25 0.5 1 2 5 10 +Inf, the plan's
 * (0.1 0.5 1 2 5) with finer ones below 100 ms.
 *
 * A series is a metric name and its label text, rendered as Prometheus writes it:
 * name "partner_api_requests_total", labels
 * "partner_id=\"partner_x_001\",endpoint=\"/partners/borrow\",status_code=\"201\"" (or
 * "" for none). lg_metrics_label escapes a value. Callers keep label values bounded
 * (route patterns, partner ids, enumerations): every distinct series takes room in
 * every file that saw it.
 *
 * File format (version 1, little-endian, 8-byte aligned), for the reader and its
 * fuzz target: a 64-byte header {magic "LGMETR01", u32 version, u32 header size,
 * u64 capacity (bytes for records after the header), u64 used (bytes of records,
 * published with release semantics after the record is complete), u64 pid, u64
 * process start time, u64 boot tag (lg_proc_boot_tag: a file of another boot is of
 * an ended process whatever its pid), 8 bytes reserved}, then records {u32 length
 * (whole record), u16 kind, u16 key length, key bytes, zero padding to 8, u64
 * values}. Kind 1 is a counter (1 value), kind 2 a histogram (12 values, each
 * bucket's own count, not cumulative; then the count; then the sum in microseconds);
 * their key is the name, then '{' labels '}' when there are labels, and must be
 * printable as is (valid names, escaped values, no label repeated, no le on a
 * histogram). Kind 3 appears in the archive only: the key is the name of a worker
 * file whose series the archive holds, the one value that file's boot tag; the
 * scrape never counts a file the archive names again. A file that does not parse
 * (foreign, truncated, another version) is skipped by the scrape and never crashes
 * it; a process that finds its own file unusable starts a new one.
 *
 * Directory: w-<pid>-<start time>.lgm per process, archive.lgm (the ended ones',
 * replaced by rename, never rewritten in place), .lock (flock, taken by scrapes).
 */
#ifndef LENDGATE_METRICS_H
#define LENDGATE_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include <lendgate/error.h>

typedef struct lg_metrics lg_metrics;

#define LG_METRICS_BUCKETS    12         /* including +Inf */
#define LG_METRICS_FILE_BYTES (1u << 20) /* capacity of one process's file */
#define LG_METRICS_LABELS_MAX 512        /* label text of one series (+NUL) */

/*
 * Opens this process's file in dir (created 0700 when missing; the file 0600, named
 * after the pid and the process start time, so a recycled pid never reuses a dead
 * process's file). Call it after fork(), in the process that will update, once per
 * process and directory: the handle is the file's only writer.
 * Out: *out, owned by the caller, released with lg_metrics_close (the file stays).
 * Returns LG_OK, LG_ERR_INVALID, LG_ERR_IO (dir or file unusable), LG_ERR_NOMEM.
 */
lg_err lg_metrics_open(const char *dir, lg_metrics **out);

/* Unmaps the file (it stays for the scrapes; opened again by the same process, it is
 * taken up again). NULL is fine. */
void lg_metrics_close(lg_metrics *m);

/* Adds v to the counter (name, labels). m may be NULL (metrics off): nothing happens.
 * When the file is full the update is lost and lendgate_metrics_dropped_total counts
 * it; nothing fails. */
void lg_metrics_count(lg_metrics *m, const char *name, const char *labels, uint64_t v);

/* Observes seconds (negative is 0) in the histogram (name, labels). As above. */
void lg_metrics_observe(lg_metrics *m, const char *name, const char *labels, double seconds);

/*
 * Appends name="value" to buf (cap bytes, NUL-terminated), after a comma when buf is
 * not empty, escaping \ " and newlines as the exposition format asks.
 * Returns LG_OK, LG_ERR_INVALID (NULL, not a label name, buf not terminated within
 * cap), LG_ERR_OVERFLOW (buf left as it was).
 */
lg_err lg_metrics_label(char *buf, size_t cap, const char *name, const char *value);

/* The HELP and TYPE of a family, for the scrape. */
typedef struct lg_metrics_family {
    const char *name;
    const char *type; /* "counter", "histogram", "gauge" */
    const char *help;
} lg_metrics_family;

/* A growing text buffer the scrape writes into; start from {0}. It stops at 64 MiB. */
typedef struct lg_metrics_text {
    char *data; /* malloc'd, NUL-terminated; the caller free()s */
    size_t len;
    size_t cap;
    int failed; /* an allocation failed: the text is incomplete */
} lg_metrics_text;

/*
 * Sums every file in dir (folding those of ended processes into the archive first,
 * under the directory's lock) and appends the families in Prometheus text format
 * 0.0.4 to out: one "# HELP" and "# TYPE" per family of families[n] that has series
 * (in that order; series in key order), histograms with _bucket{le=...}, _sum
 * (seconds) and _count (equal to the +Inf bucket). Series of names not in families
 * are written too, after them and with a placeholder HELP: counters as untyped,
 * histograms as histograms. Returns LG_OK, LG_ERR_INVALID (NULL dir or out),
 * LG_ERR_IO (dir unreadable or its lock not to be had), LG_ERR_NOMEM.
 */
lg_err lg_metrics_scrape(const char *dir, const lg_metrics_family *families, size_t n,
                         lg_metrics_text *out);

/* Appends printf-formatted text to out (for the gauges the caller computes). */
void lg_metrics_printf(lg_metrics_text *out, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/*
 * Parses one metrics file image (bytes, len) and calls fn (may be NULL: a check
 * only) for every record in it (key, kind, values, nvalues; kind 3 records too).
 * Returns LG_OK, LG_ERR_INVALID (not a metrics file of this version, or a record out
 * of bounds or with a key a scrape could not print: what was read before it is kept).
 * The scrape uses it; the fuzz target drives it with arbitrary bytes.
 */
typedef void (*lg_metrics_series_fn)(void *ctx, const char *key, size_t key_len, int kind,
                                     const uint64_t *values, size_t nvalues);
lg_err lg_metrics_parse(const unsigned char *bytes, size_t len, lg_metrics_series_fn fn, void *ctx);

#endif
