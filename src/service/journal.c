/*
 * journal.c - the audit journal: every answered partner call's partner_api_logs row
 * is appended by its responder to a file of its own under [store]
 * state_dir/audit-journal, with one write(2): no lock, no transaction and no fsync on
 * the request path, and nothing another responder waits for. The write is done
 * before the answer is sent, so a responder killed right after answering has lost
 * no row: the kernel has it.
 *
 * Whichever process holds the ingest lease (an flock on audit-journal/.ingest) moves
 * the whole lines of every file into the store in batches, each batch in one
 * transaction with the file's new offset (lg_store_audit_ingest): a row is taken
 * exactly once whatever crashes when. A file whose writer has ended, or moved on to
 * its next file, goes once read to its end. Responders ingest every [audit]
 * flush_ms while rows wait (lg_service_audit_due_in), the viewer and reconcile
 * before they read.
 */
#include "config.h"

#include "service_internal.h"

#include <lendgate/journal.h>
#include <lendgate/proc.h>
#include <lendgate/time.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define JOURNAL_DIR "audit-journal"
#define LEASE_FILE  ".ingest"
#define FILE_SUFFIX ".log"
/* A writer moves to its next file past this size, so a file can go once read. */
#define SEGMENT_BYTES (16u << 20)
/* Rows per store transaction, and bytes read at a time: bounded memory whatever
 * waits. */
#define BATCH_ROWS 128
#define READ_BYTES (256u << 10)

/* After the journal could not be opened or written, rows are stored directly for this
 * long before the journal is tried again: one warning, not one per call. */
#define RETRY_MS 10000

struct lg_svc_journal {
    int fd;           /* -1 when closed */
    int64_t retry_ms; /* monotonic: no new attempt before (after a failure) */
    unsigned seg;
    uint64_t bytes;
    char owner[LG_OWNER_LEN];
};

static int journal_dir(const lg_service *svc, char *buf, size_t cap)
{
    int n = snprintf(buf, cap, "%s/" JOURNAL_DIR, lg_config_str(svc->cfg, "store", "state_dir"));
    if (n < 0 || (size_t)n >= cap)
        return -1;
    return mkdir(buf, 0700) == 0 || errno == EEXIST ? 0 : -1;
}

void lg_svc_owner_to_name(char *name, const char *owner)
{
    for (; *owner; owner++, name++)
        *name = *owner == '/' ? '_' : *owner;
    *name = '\0';
}

void lg_svc_name_to_owner(char *owner, const char *name)
{
    for (; *name; name++, owner++)
        *owner = *name == '_' ? '/' : *name;
    *owner = '\0';
}

/* "<owner as a name>.<seg>.log" */
static int segment_name(char *out, size_t cap, const char *owner, unsigned seg)
{
    char name[LG_OWNER_LEN];
    lg_svc_owner_to_name(name, owner);
    int n = snprintf(out, cap, "%s.%u" FILE_SUFFIX, name, seg);
    return n < 0 || (size_t)n >= cap ? -1 : 0;
}

static lg_err open_segment(lg_service *svc, struct lg_svc_journal *j)
{
    char dir[2048], name[LG_OWNER_LEN + 32], path[2200];
    if (journal_dir(svc, dir, sizeof dir) != 0 || segment_name(name, sizeof name, j->owner, j->seg))
        return LG_ERR_IO;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    j->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    struct stat st;
    if (j->fd < 0 || fstat(j->fd, &st) != 0) {
        lg_warn("audit.journal", "%s: %s", path, strerror(errno));
        lg_svc_journal_close(svc);
        return LG_ERR_IO;
    }
    j->bytes = (uint64_t)st.st_size;
    return LG_OK;
}

int lg_svc_journal_on(const lg_service *svc)
{
    return lg_config_bool(svc->cfg, "audit", "journal") && lg_svc_control_ok(svc);
}

/* This process's journal, set up on its first row. NULL when it has none. */
static struct lg_svc_journal *journal_of(lg_service *svc)
{
    if (svc->journal)
        return svc->journal;
    if (!lg_svc_journal_on(svc))
        return NULL;
    struct lg_svc_journal *j = calloc(1, sizeof *j);
    if (!j)
        return NULL;
    j->fd = -1;
    if (lg_proc_owner(j->owner) != LG_OK) {
        free(j);
        return NULL;
    }
    return svc->journal = j;
}

void lg_svc_journal_close(lg_service *svc)
{
    if (svc->journal && svc->journal->fd >= 0) {
        close(svc->journal->fd);
        svc->journal->fd = -1;
    }
}

/* Whether row's line decodes at ingest: a row that would not (a time before 1970, a
 * status no HTTP answer has) is refused here and stored directly by the caller, not
 * written to be skipped later. */
static int line_carries(const lg_api_log *row)
{
    return row->created_at_ms >= 0 && row->key_id >= 0 && row->status_code >= 100 &&
           row->status_code <= 599;
}

lg_err lg_svc_journal_append(lg_service *svc, const lg_api_log *row)
{
    struct lg_svc_journal *j = journal_of(svc);
    if (!j)
        return LG_ERR_UNSUPPORTED;
    if (!line_carries(row))
        return LG_ERR_INVALID;
    lg_api_log stamped;
    if (row->created_at_ms == 0) { /* "now", as the store takes it: the line needs a time */
        stamped = *row;
        stamped.created_at_ms = lg_time_now_ms();
        row = &stamped;
    }
    if (j->fd >= 0 && j->bytes >= SEGMENT_BYTES) {
        lg_svc_journal_close(svc);
        j->seg++;
    }
    if (j->fd < 0 && lg_time_mono_ms() < j->retry_ms)
        return LG_ERR_UNSUPPORTED;
    if (j->fd < 0 && open_segment(svc, j) != LG_OK) {
        j->retry_ms = lg_time_mono_ms() + RETRY_MS;
        return LG_ERR_IO;
    }
    char line[LG_JOURNAL_LINE_MAX];
    size_t n = lg_journal_encode(line, sizeof line, row);
    if (n == 0)
        return LG_ERR_OVERFLOW;
    ssize_t w = write(j->fd, line, n);
    if (w != (ssize_t)n) {
        /* A short write (a full disk) leaves no torn line for the next to be glued to;
         * the file is this process's alone, so its old end is still the end. */
        if (w > 0 && ftruncate(j->fd, (off_t)j->bytes) != 0)
            lg_warn("audit.journal", "a torn journal line stays: %s", strerror(errno));
        lg_svc_journal_close(svc);
        j->retry_ms = lg_time_mono_ms() + RETRY_MS;
        return LG_ERR_IO;
    }
    j->bytes += n;
    lg_svc_journal_counted(svc);
    return LG_OK;
}

/* ------------------------------------------------------------ ingesting */

typedef struct segment {
    char name[LG_OWNER_LEN + 32];
    char owner[LG_OWNER_LEN];
    unsigned seg;
} segment;

typedef struct ingest {
    lg_service *svc;
    char dir[2048];
    char *buf;        /* READ_BYTES */
    lg_api_log *rows; /* BATCH_ROWS */
    unsigned moved, bad;
} ingest;

/* Reads "<owner>.<seg>.log"; 0, or -1 for a name that is not a journal file. */
static int parse_segment(const char *name, segment *s)
{
    size_t n = strlen(name), sl = strlen(FILE_SUFFIX);
    if (n <= sl || n >= sizeof s->name || strcmp(name + n - sl, FILE_SUFFIX) != 0)
        return -1;
    memcpy(s->name, name, n + 1);
    char *dot = memrchr(s->name, '.', n - sl);
    if (!dot || dot == s->name || (size_t)(dot - s->name) >= sizeof s->owner)
        return -1;
    char *end;
    errno = 0;
    unsigned long seg = strtoul(dot + 1, &end, 10);
    if (errno || end != s->name + n - sl || end == dot + 1 || seg > UINT32_MAX)
        return -1;
    s->seg = (unsigned)seg;
    *dot = '\0';
    lg_svc_name_to_owner(s->owner, s->name);
    *dot = '.';
    return 0;
}

/* Moves rows[0..k) and the bytes up to `to` into the store. */
static lg_err put_batch(ingest *g, const segment *s, uint64_t *from, uint64_t to, size_t k)
{
    lg_err rc = lg_store_audit_ingest(g->svc->st, s->name, *from, to, g->rows, k);
    if (rc == LG_OK) {
        *from = to;
        g->moved += (unsigned)k;
    }
    return rc;
}

/* Ingests the whole lines of buf[0..len), which starts at file offset *off. */
static lg_err ingest_lines(ingest *g, const segment *s, size_t len, uint64_t *off)
{
    const char *p = g->buf, *end = g->buf + len, *nl;
    uint64_t base = *off;
    size_t k = 0;
    lg_err rc = LG_OK;
    while (rc == LG_OK && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        if (lg_journal_decode(p, (size_t)(nl - p), &g->rows[k]) == LG_OK)
            k++;
        else
            g->bad++;
        p = nl + 1;
        if (k == BATCH_ROWS) {
            rc = put_batch(g, s, off, base + (uint64_t)(p - g->buf), k);
            k = 0;
        }
    }
    if (rc == LG_OK && base + (uint64_t)(p - g->buf) > *off)
        rc = put_batch(g, s, off, base + (uint64_t)(p - g->buf), k);
    return rc;
}

static lg_err read_at(int fd, char *buf, size_t len, uint64_t off)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = pread(fd, buf + got, len - got, (off_t)(off + got));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return LG_ERR_IO;
        got += (size_t)n;
    }
    return LG_OK;
}

/* Reads file s from its recorded offset to size into the store. A file that has
 * ended and holds a last line without its '\n' (cut by a crash of the machine) has
 * that line skipped. */
static lg_err ingest_to(ingest *g, const segment *s, int fd, uint64_t size, int ended,
                        uint64_t *off)
{
    lg_err rc = lg_store_audit_offset(g->svc->st, s->name, off);
    while (rc == LG_OK && *off < size) {
        size_t len = size - *off > READ_BYTES ? READ_BYTES : (size_t)(size - *off);
        uint64_t was = *off;
        rc = read_at(fd, g->buf, len, *off);
        if (rc == LG_OK)
            rc = ingest_lines(g, s, len, off);
        if (rc == LG_OK && *off == was) { /* no whole line in what is left */
            if (!ended && len < READ_BYTES)
                break; /* its writer is writing it now */
            lg_warn("audit.journal", "%s: %llu bytes that hold no whole row skipped", s->name,
                    (unsigned long long)len);
            g->bad++;
            rc = put_batch(g, s, off, *off + len, 0);
        }
    }
    return rc;
}

static lg_err ingest_file(ingest *g, const segment *s, int superseded)
{
    char path[2200];
    snprintf(path, sizeof path, "%s/%s", g->dir, s->name);
    /* Judged before the size is read: a writer that has ended wrote its last row
     * before, so nothing comes after the size read next. */
    int ended = superseded || lg_proc_owner_state(s->owner) != LG_OWNER_ALIVE;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return errno == ENOENT ? lg_store_audit_forget(g->svc->st, s->name) : LG_ERR_IO;
    struct stat st;
    uint64_t off = 0;
    lg_err rc =
        fstat(fd, &st) == 0 ? ingest_to(g, s, fd, (uint64_t)st.st_size, ended, &off) : LG_ERR_IO;
    close(fd);
    if (rc == LG_OK && ended && off >= (uint64_t)st.st_size && unlink(path) == 0)
        rc = lg_store_audit_forget(g->svc->st, s->name);
    return rc == LG_ERR_CONFLICT ? LG_OK : rc; /* another ingester read it: next time */
}

/* The journal files in g->dir. Out: *list (free()), *n. */
static lg_err list_segments(ingest *g, segment **list, size_t *n)
{
    DIR *d = opendir(g->dir);
    if (!d)
        return LG_ERR_IO;
    size_t cap = 0;
    *list = NULL;
    *n = 0;
    struct dirent *e;
    segment s;
    lg_err rc = LG_OK;
    while (rc == LG_OK && (e = readdir(d)) != NULL) {
        if (parse_segment(e->d_name, &s) != 0)
            continue;
        if (*n == cap) {
            segment *bigger = realloc(*list, (cap = cap ? 2 * cap : 16) * sizeof *bigger);
            if (!bigger) {
                rc = LG_ERR_NOMEM;
                break;
            }
            *list = bigger;
        }
        (*list)[(*n)++] = s;
    }
    closedir(d);
    return rc;
}

/* A later file of the same writer exists: it writes no more to list[i]. */
static int superseded(const segment *list, size_t n, size_t i)
{
    for (size_t k = 0; k < n; k++)
        if (list[k].seg > list[i].seg && strcmp(list[k].owner, list[i].owner) == 0)
            return 1;
    return 0;
}

static lg_err ingest_all(ingest *g)
{
    segment *list = NULL;
    size_t n = 0;
    lg_err rc = list_segments(g, &list, &n);
    for (size_t i = 0; rc == LG_OK && i < n; i++)
        rc = ingest_file(g, &list[i], superseded(list, n, i));
    free(list);
    return rc;
}

/* The ingest lease: an flock on the lease file; -1 with *rc set when not taken. */
static int take_lease(ingest *g, int wait, lg_err *rc)
{
    char path[2200];
    snprintf(path, sizeof path, "%s/" LEASE_FILE, g->dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        *rc = LG_ERR_IO;
        return -1;
    }
    while (flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) != 0) {
        if (errno == EINTR)
            continue;
        *rc = errno == EWOULDBLOCK ? LG_ERR_BUSY : LG_ERR_IO;
        close(fd);
        return -1;
    }
    return fd;
}

/* The read buffer and the batch of rows, made on the process's first flush and kept:
 * made and freed on every flush, they moved glibc's mmap threshold up and then
 * stayed in the heap, and a responder's memory grew in steps for no row kept. */
static int ingest_buffers(lg_service *svc, ingest *g)
{
    if (!svc->ingest_buf)
        svc->ingest_buf = malloc(READ_BYTES);
    if (!svc->ingest_rows)
        svc->ingest_rows = malloc(BATCH_ROWS * sizeof *svc->ingest_rows);
    g->buf = svc->ingest_buf;
    g->rows = svc->ingest_rows;
    return g->buf && g->rows;
}

lg_err lg_service_audit_flush(lg_service *svc, int wait, unsigned *moved)
{
    unsigned scratch;
    if (!moved)
        moved = &scratch;
    *moved = 0;
    if (!svc)
        return LG_ERR_INVALID;
    ingest g = {.svc = svc};
    if (journal_dir(svc, g.dir, sizeof g.dir) != 0)
        return LG_ERR_IO;
    lg_err rc = LG_OK;
    int lease = take_lease(&g, wait, &rc);
    if (lease < 0)
        return rc;
    uint64_t before = lg_svc_journal_ingest_begins(svc);
    rc = ingest_buffers(svc, &g) ? ingest_all(&g) : LG_ERR_NOMEM;
    if (rc == LG_OK)
        lg_svc_journal_ingest_ends(svc, before);
    close(lease);
    *moved = g.moved;
    if (g.bad)
        lg_warn("audit.journal", "%u journal line(s) that are not rows skipped", g.bad);
    return rc;
}

int64_t lg_service_audit_due_in(lg_service *svc)
{
    if (!svc || !lg_svc_journal_on(svc))
        return -1;
    return lg_svc_journal_due_in(svc, (int64_t)lg_config_u64(svc->cfg, "audit", "flush_ms"),
                                 lg_time_now_ms());
}
