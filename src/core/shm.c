/* shm.c - file-backed shared mappings with a checked header (see shm.h). */
#include "config.h"

#include <lendgate/shm.h>

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

/* The on-file header; native byte order, since the file never leaves the host. */
typedef struct {
    uint64_t magic;
    uint32_t version;
    uint32_t slot_size;
    uint64_t slots;
    uint64_t param;
    uint64_t size;
    unsigned char pad[LG_SHM_HEADER_LEN - 40];
} shm_header;

_Static_assert(sizeof(shm_header) == LG_SHM_HEADER_LEN, "header is 64 bytes");

/* Replacing a file another process is replacing at the same moment can race a few
 * times; each round makes progress, so a small bound only guards against a loop. */
#define SHM_OPEN_ROUNDS 8

static lg_err shm_size(const lg_shm_layout *l, size_t *size)
{
    if (l->slot_size == 0 || l->slot_size % 8 != 0 || l->slots == 0)
        return LG_ERR_INVALID;
    if (l->slots > (SIZE_MAX - LG_SHM_HEADER_LEN) / l->slot_size)
        return LG_ERR_OVERFLOW;
    if (l->slots * l->slot_size + LG_SHM_HEADER_LEN > (uint64_t)INT64_MAX)
        return LG_ERR_OVERFLOW;
    *size = (size_t)(l->slots * l->slot_size) + LG_SHM_HEADER_LEN;
    return LG_OK;
}

static void shm_fill_header(shm_header *h, const lg_shm_layout *l, size_t size)
{
    memset(h, 0, sizeof *h);
    h->magic = l->magic;
    h->version = l->version;
    h->slot_size = l->slot_size;
    h->slots = l->slots;
    h->param = l->param;
    h->size = size;
}

/* 1 when fd (already fstat'ed into st) holds a table of exactly this layout. Group or
 * other access bits count as foreign: the table must stay private to the service.
 * Another owner's file is foreign too, except to root: an operator's lendgatectl run
 * as root beside responders of the service's user must share their table, and a
 * replacement would leave the running responders counting in a file nobody reads
 * any more (their generation, their limits, their journal counters). */
static int shm_matches(int fd, const struct stat *st, const lg_shm_layout *l, size_t size)
{
    shm_header want, have;
    uid_t me = geteuid();
    if (!S_ISREG(st->st_mode) || (st->st_mode & 077) != 0 || (st->st_uid != me && me != 0))
        return 0;
    if (st->st_size < 0 || (uint64_t)st->st_size != size)
        return 0;
    if (pread(fd, &have, sizeof have, 0) != (ssize_t)sizeof have)
        return 0;
    shm_fill_header(&want, l, size);
    return memcmp(&want, &have, sizeof want) == 0;
}

static lg_err shm_map_fd(int fd, size_t size, lg_shm *out)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        return LG_ERR_IO;
    out->base = p;
    out->size = size;
    return LG_OK;
}

/* Builds a complete zeroed table under a temporary name beside path and renames it
 * over path, so other processes see either the old file or the finished new one. */
static lg_err shm_replace(const char *path, const lg_shm_layout *l, size_t size, lg_shm *out)
{
    char tmp[PATH_MAX];
    shm_header h;
    lg_err rc = LG_ERR_IO;
    int n = snprintf(tmp, sizeof tmp, "%s.XXXXXX", path);
    if (n < 0 || (size_t)n >= sizeof tmp)
        return LG_ERR_OVERFLOW;
    int fd = mkstemp(tmp); /* mode 0600 */
    if (fd < 0)
        return LG_ERR_IO;
    shm_fill_header(&h, l, size);
    if (ftruncate(fd, (off_t)size) != 0 || pwrite(fd, &h, sizeof h, 0) != (ssize_t)sizeof h)
        goto out;
    rc = shm_map_fd(fd, size, out);
    if (rc != LG_OK)
        goto out;
    if (rename(tmp, path) != 0) {
        int e = errno;
        munmap(out->base, out->size);
        out->base = NULL;
        out->size = 0;
        errno = e;
        rc = LG_ERR_IO;
        goto out;
    }
    close(fd);
    return LG_OK;
out:
    unlink(tmp);
    close(fd);
    return rc;
}

/* Opens path and takes its flock, making sure the locked file is still the one at path
 * (another process may have renamed a replacement over it meanwhile). *fd is -1 when
 * the file changed under us and the caller should try again. */
static lg_err shm_open_locked(const char *path, int *fd)
{
    struct stat a, b;
    *fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (*fd < 0)
        return LG_ERR_IO;
    if (flock(*fd, LOCK_EX) != 0 || fstat(*fd, &a) != 0) {
        close(*fd);
        *fd = -1;
        return LG_ERR_IO;
    }
    if (stat(path, &b) != 0 || a.st_dev != b.st_dev || a.st_ino != b.st_ino) {
        close(*fd);
        *fd = -1;
    }
    return LG_OK;
}

lg_err lg_shm_open(const char *path, const lg_shm_layout *layout, lg_shm *out)
{
    size_t size;
    lg_err rc;
    if (!path || !*path || !layout || !out)
        return LG_ERR_INVALID;
    rc = shm_size(layout, &size);
    if (rc != LG_OK)
        return rc;
    for (int round = 0; round < SHM_OPEN_ROUNDS; round++) {
        struct stat st;
        int fd;
        rc = shm_open_locked(path, &fd);
        if (rc != LG_OK)
            return rc;
        if (fd < 0)
            continue;
        if (fstat(fd, &st) == 0 && shm_matches(fd, &st, layout, size))
            rc = shm_map_fd(fd, size, out);
        else
            rc = shm_replace(path, layout, size, out);
        /* Unlock explicitly: a mapping of fd keeps its open file, and with it the flock. */
        flock(fd, LOCK_UN);
        close(fd);
        return rc;
    }
    errno = EAGAIN;
    return LG_ERR_IO;
}

void lg_shm_close(lg_shm *shm)
{
    if (!shm || !shm->base)
        return;
    munmap(shm->base, shm->size);
    shm->base = NULL;
    shm->size = 0;
}
