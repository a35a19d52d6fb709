/* fold.c - the scrape's view of the directory, and the fold of ended processes' files
 * into archive.lgm. The fold is crash-safe: the new archive (old series + the dead
 * files' series + the names of the files it absorbed) is written to a temporary file,
 * synced and renamed over the old one before any dead file is unlinked; a file the
 * archive names is never counted again, so a crash between the rename and the unlinks
 * loses nothing and counts nothing twice. Everything here runs under an exclusive
 * flock of <dir>/.lock, so two scrapes never fold at once. */
#include "config.h"

#include "metrics_internal.h"

#include <lendgate/proc.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* An archive holds every series ever seen once; beyond this it is not ours. */
#define MAP_MAX ((size_t)256 << 20)

/* Names the archive lists as absorbed, with the boot tag of each file. */
typedef struct {
    char **name;
    uint64_t *boot;
    size_t n, cap;
    int nomem;
} absorbed_list;

typedef struct {
    lg_mx_table *t;
    absorbed_list *a;
} archive_ctx;

/* Appends a copy of name (len bytes), owned by a until absorbed_release; on a failed
 * allocation a->nomem is set and the name is not listed. */
static void absorbed_add(absorbed_list *a, const char *name, size_t len, uint64_t boot)
{
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 16;
        char **n = realloc(a->name, cap * sizeof *n);
        if (n)
            a->name = n;
        uint64_t *b = n ? realloc(a->boot, cap * sizeof *b) : NULL;
        if (!b) {
            a->nomem = 1;
            return;
        }
        a->boot = b;
        a->cap = cap;
    }
    char *copy = strndup(name, len);
    if (!copy) {
        a->nomem = 1;
        return;
    }
    a->name[a->n] = copy;
    a->boot[a->n++] = boot;
}

static void absorbed_release(absorbed_list *a)
{
    for (size_t i = 0; i < a->n; i++)
        free(a->name[i]);
    free(a->name);
    free(a->boot);
    memset(a, 0, sizeof *a);
}

/* 1 when a lists name as absorbed from a file of that boot (a name may come back in
 * another boot, as another process's file). */
static int absorbed_has(const absorbed_list *a, const char *name, uint64_t boot)
{
    for (size_t i = 0; i < a->n; i++)
        if (a->boot[i] == boot && strcmp(a->name[i], name) == 0)
            return 1;
    return 0;
}

static void archive_record(void *ctx, size_t offset, const char *key, size_t key_len, int kind,
                           const uint64_t *values, size_t nvalues)
{
    archive_ctx *c = ctx;
    if (kind == LG_MX_ABSORBED)
        absorbed_add(c->a, key, key_len, values[0]);
    else
        lg_mx_table_record(c->t, offset, key, key_len, kind, values, nvalues);
}

/* Maps name in dfd read-only. Returns 0, or -1 when it is not a regular file of this
 * user of a plausible size. */
static int map_file(int dfd, const char *name, const unsigned char **map, size_t *len)
{
    struct stat st;
    int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return -1;
    void *p = MAP_FAILED;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid() &&
        st.st_size >= (off_t)LG_MX_HEADER_LEN && (uint64_t)st.st_size <= MAP_MAX)
        p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
    close(fd);
    if (p == MAP_FAILED)
        return -1;
    *map = p;
    *len = (size_t)st.st_size;
    return 0;
}

/* Reads archive.lgm into t and a. Returns 1 when there is one that does not parse. */
static int archive_load(int dfd, lg_mx_table *t, absorbed_list *a)
{
    const unsigned char *map;
    size_t len;
    if (map_file(dfd, LG_MX_ARCHIVE_NAME, &map, &len) != 0)
        return faccessat(dfd, LG_MX_ARCHIVE_NAME, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
    archive_ctx c = {t, a};
    /* Checked whole first, so a broken archive adds nothing rather than a part. */
    int bad = lg_mx_walk(map, len, NULL, NULL) != LG_OK;
    if (!bad)
        lg_mx_walk(map, len, archive_record, &c);
    munmap((void *)map, len);
    return bad;
}

/* Appends a zeroed file of a copy of name, owned by d (lg_mx_dir_release). Returns
 * 0, or -1 when out of memory. */
static int dir_add(lg_mx_dir *d, const char *name)
{
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 16;
        lg_mx_wfile *f = realloc(d->f, cap * sizeof *f);
        if (!f)
            return -1;
        d->f = f;
        d->cap = cap;
    }
    lg_mx_wfile *w = &d->f[d->n];
    memset(w, 0, sizeof *w);
    w->name = strdup(name);
    if (!w->name)
        return -1;
    d->n++;
    return 0;
}

/* What the scrape does with worker file w (pid and start read from its name). */
static lg_mx_state classify(const lg_mx_wfile *w, const absorbed_list *a, uint64_t pid,
                            uint64_t start, uint64_t boot)
{
    if (w->valid && absorbed_has(a, w->name, w->h.boot))
        return LG_MX_ABSORBED_LEFT;
    if (pid == 0 || pid >= (UINT64_C(1) << LG_PROC_PID_BITS) ||
        start > (UINT64_MAX >> LG_PROC_PID_BITS))
        return LG_MX_FOREIGN;
    /* A file from another boot is of a process that has ended, whatever runs under
     * that pid now. */
    if (w->valid && w->h.boot != boot)
        return LG_MX_DEAD;
    if (lg_proc_word_state(start << LG_PROC_PID_BITS | pid) == LG_OWNER_GONE)
        return LG_MX_DEAD;
    return LG_MX_LIVE;
}

static void file_check(lg_mx_wfile *w, int dfd, uint64_t pid, uint64_t start)
{
    if (map_file(dfd, w->name, &w->map, &w->len) != 0) {
        w->map = NULL;
        return;
    }
    w->valid = lg_mx_header_read(w->map, w->len, &w->h) == LG_OK && w->h.pid == pid &&
               w->h.start == start && lg_mx_walk(w->map, w->len, NULL, NULL) == LG_OK;
}

static lg_err dir_scan(int dfd, lg_mx_dir *d, const absorbed_list *a, uint64_t boot)
{
    int fd = dup(dfd);
    DIR *dh = fd >= 0 ? fdopendir(fd) : NULL;
    if (!dh) {
        if (fd >= 0)
            close(fd);
        return LG_ERR_IO;
    }
    lg_err rc = LG_OK;
    struct dirent *e;
    uint64_t pid, start;
    while (rc == LG_OK && (e = readdir(dh)) != NULL) {
        if (!lg_mx_worker_name(e->d_name, &pid, &start))
            continue;
        if (dir_add(d, e->d_name) != 0) {
            rc = LG_ERR_NOMEM;
            break;
        }
        lg_mx_wfile *w = &d->f[d->n - 1];
        file_check(w, dfd, pid, start);
        w->state = classify(w, a, pid, start, boot);
    }
    closedir(dh);
    return rc;
}

/* Writes one record at w; returns the byte after it. */
static unsigned char *put_record(unsigned char *w, int kind, const char *key, size_t klen,
                                 const uint64_t *v, size_t nv)
{
    size_t rlen = lg_mx_record_len(klen, nv);
    uint32_t r32 = (uint32_t)rlen;
    uint16_t k16 = (uint16_t)kind, l16 = (uint16_t)klen;
    memcpy(w, &r32, 4);
    memcpy(w + 4, &k16, 2);
    memcpy(w + 6, &l16, 2);
    memcpy(w + LG_MX_REC_HEAD, key, klen);
    memcpy(w + rlen - 8 * nv, v, 8 * nv);
    return w + rlen;
}

/* The archive image: header, every series of t, then the absorbed names, with
 * capacity and used both the bytes of records. Out: *out (calloc'd, the caller
 * free()s it), *len. Returns LG_OK, LG_ERR_NOMEM. */
static lg_err archive_image(const lg_mx_table *t, const absorbed_list *a, unsigned char **out,
                            size_t *len)
{
    size_t n = LG_MX_HEADER_LEN;
    for (size_t i = 0; i < t->n; i++)
        n += lg_mx_record_len(t->e[i].key_len, lg_mx_kind_values(t->e[i].kind));
    for (size_t i = 0; i < a->n; i++)
        n += lg_mx_record_len(strlen(a->name[i]), 1);
    unsigned char *b = calloc(1, n), *w = b + LG_MX_HEADER_LEN;
    if (!b)
        return LG_ERR_NOMEM;
    uint32_t version = LG_MX_VERSION, hlen = LG_MX_HEADER_LEN;
    uint64_t used = n - LG_MX_HEADER_LEN;
    memcpy(b, LG_MX_MAGIC, 8);
    memcpy(b + LG_MX_OFF_VERSION, &version, 4);
    memcpy(b + LG_MX_OFF_HLEN, &hlen, 4);
    memcpy(b + LG_MX_OFF_CAPACITY, &used, 8);
    memcpy(b + LG_MX_OFF_USED, &used, 8);
    for (size_t i = 0; i < t->n; i++)
        w = put_record(w, t->e[i].kind, t->e[i].key, t->e[i].key_len, t->e[i].v,
                       lg_mx_kind_values(t->e[i].kind));
    for (size_t i = 0; i < a->n; i++)
        w = put_record(w, LG_MX_ABSORBED, a->name[i], strlen(a->name[i]), &a->boot[i], 1);
    *out = b;
    *len = n;
    return LG_OK;
}

static int write_all(int fd, const unsigned char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Replaces archive.lgm by image: temporary file, fsync, rename, fsync of the dir. */
static lg_err archive_replace(const char *dir, int dfd, const unsigned char *image, size_t len)
{
    char tmp[PATH_MAX];
    int n = snprintf(tmp, sizeof tmp, "%s/" LG_MX_TMP_PREFIX "XXXXXX", dir);
    if (n < 0 || (size_t)n >= sizeof tmp)
        return LG_ERR_IO;
    int fd = mkostemp(tmp, O_CLOEXEC); /* 0600 */
    if (fd < 0)
        return LG_ERR_IO;
    int failed = write_all(fd, image, len) != 0 || fsync(fd) != 0;
    failed |= close(fd) != 0;
    const char *base = strrchr(tmp, '/') + 1;
    if (!failed && renameat(dfd, base, dfd, LG_MX_ARCHIVE_NAME) == 0 && fsync(dfd) == 0)
        return LG_OK;
    unlinkat(dfd, base, 0);
    return LG_ERR_IO;
}

/* Adds the dead files' series to t and their names to a; keeps the names of a that
 * are still in the directory (their files are unlinked only after the rename). */
static void fold_in(lg_mx_table *t, absorbed_list *a, const lg_mx_dir *d)
{
    absorbed_list keep = {0};
    for (size_t i = 0; i < a->n; i++)
        for (size_t j = 0; j < d->n; j++)
            if (strcmp(a->name[i], d->f[j].name) == 0) {
                absorbed_add(&keep, a->name[i], strlen(a->name[i]), a->boot[i]);
                break;
            }
    for (size_t j = 0; j < d->n; j++) {
        const lg_mx_wfile *w = &d->f[j];
        if (w->state != LG_MX_DEAD || !w->valid)
            continue;
        lg_mx_walk(w->map, w->len, lg_mx_table_record, t);
        absorbed_add(&keep, w->name, strlen(w->name), w->h.boot);
    }
    keep.nomem |= a->nomem;
    absorbed_release(a);
    *a = keep;
}

static int needs_fold(const lg_mx_dir *d)
{
    for (size_t j = 0; j < d->n; j++)
        if (d->f[j].state == LG_MX_DEAD && d->f[j].valid)
            return 1;
    return 0;
}

/* Unlinks what no scrape needs any more: files the archive holds (on disk only when
 * absorbed is set, i.e. the archive naming them is written), broken files of ended
 * processes, and temporary archives a crashed fold left. */
static void clean_up(const char *dir, int dfd, lg_mx_dir *d, int absorbed)
{
    for (size_t j = 0; j < d->n; j++) {
        lg_mx_wfile *w = &d->f[j];
        int dead = w->state == LG_MX_DEAD;
        if (w->state == LG_MX_ABSORBED_LEFT || (dead && !w->valid) || (dead && absorbed))
            unlinkat(dfd, w->name, 0);
    }
    DIR *dh = opendir(dir);
    struct dirent *e;
    while (dh && (e = readdir(dh)) != NULL)
        if (strncmp(e->d_name, LG_MX_TMP_PREFIX, strlen(LG_MX_TMP_PREFIX)) == 0)
            unlinkat(dfd, e->d_name, 0);
    if (dh)
        closedir(dh);
}

/* Folds when a dead file holds series; a broken archive is kept aside for a look. */
static void fold(const char *dir, int dfd, lg_mx_table *t, absorbed_list *a, lg_mx_dir *d,
                 int archive_bad)
{
    unsigned char *image = NULL;
    size_t len = 0;
    int written = 0;
    if (needs_fold(d)) {
        fold_in(t, a, d);
        if (!t->nomem && !a->nomem && archive_image(t, a, &image, &len) == LG_OK) {
            if (archive_bad)
                renameat(dfd, LG_MX_ARCHIVE_NAME, dfd, LG_MX_ARCHIVE_NAME ".bad");
            written = archive_replace(dir, dfd, image, len) == LG_OK;
        }
        free(image);
    }
    clean_up(dir, dfd, d, written);
    /* Unwritten, the dead files stay for the next scrape: this one has their series in
     * t already, so they must not be summed again as live ones. */
}

static int lock_dir(int dfd)
{
    int fd = openat(dfd, LG_MX_LOCK_NAME, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    while (flock(fd, LOCK_EX) != 0)
        if (errno != EINTR) {
            close(fd);
            return -1;
        }
    return fd;
}

lg_err lg_mx_collect(const char *dir, lg_mx_table *t, lg_mx_dir *d)
{
    uint64_t boot = 0;
    absorbed_list a = {0};
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return LG_ERR_IO;
    int lock = lock_dir(dfd);
    lg_err rc = lock < 0 || lg_proc_boot_tag(&boot) != LG_OK ? LG_ERR_IO : LG_OK;
    if (rc == LG_OK) {
        int archive_bad = archive_load(dfd, t, &a);
        rc = a.nomem ? LG_ERR_NOMEM : dir_scan(dfd, d, &a, boot);
        if (rc == LG_OK)
            fold(dir, dfd, t, &a, d, archive_bad);
    }
    absorbed_release(&a);
    if (lock >= 0)
        close(lock); /* drops the flock */
    close(dfd);
    return rc;
}

void lg_mx_dir_release(lg_mx_dir *d)
{
    for (size_t i = 0; i < d->n; i++) {
        if (d->f[i].map)
            munmap((void *)d->f[i].map, d->f[i].len);
        free(d->f[i].name);
    }
    free(d->f);
    memset(d, 0, sizeof *d);
}
