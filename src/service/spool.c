/* spool.c - API log rows the store could not take when their call was answered,
 * kept in a spool file per responder under [store] state_dir/audit-spool and put in
 * the store later by reconcile (service.h: lg_service_audit, lg_service_audit_drain).
 *
 * One JSON object per line. Writers and the drainer take the file's flock, so a
 * drain never reads half a line and never truncates rows added after it read. Each
 * row carries an id of its own (the writer's process name and a sequence number) and
 * the store takes an id once: a drain repeated after a crash adds nothing twice. */
#include "config.h"

#include "service_internal.h"

#include <lendgate/proc.h>
#include <lendgate/time.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define SPOOL_DIR "audit-spool"

/* The spool directory's path into buf; 0, or -1 when it cannot be made. */
static int spool_dir(lg_service *svc, char *buf, size_t cap)
{
    int n = snprintf(buf, cap, "%s/" SPOOL_DIR, lg_config_str(svc->cfg, "store", "state_dir"));
    if (n < 0 || (size_t)n >= cap)
        return -1;
    return mkdir(buf, 0700) == 0 || errno == EEXIST ? 0 : -1;
}

/* A process name as a file name (lg_svc_owner_to_name). */
static void file_name(char *out, size_t cap, const char *owner)
{
    char name[LG_OWNER_LEN];
    lg_svc_owner_to_name(name, owner);
    snprintf(out, cap, "%s.jsonl", name);
}

#define STR_FIELDS(X)                                                                              \
    X(partner_id)                                                                                  \
    X(request_id)                                                                                  \
    X(route)                                                                                       \
    X(method)                                                                                      \
    X(client_ip) X(user_agent) X(payload) X(error_message) X(wallet) X(oaid) X(loan_id) X(spool_id)

static char *row_line(const lg_api_log *r)
{
    json_object *o = json_object_new_object();
    if (!o)
        return NULL;
#define PUT_STR(f) json_object_object_add(o, #f, json_object_new_string(r->f));
    STR_FIELDS(PUT_STR)
#undef PUT_STR
    json_object_object_add(o, "status_code", json_object_new_int(r->status_code));
    json_object_object_add(o, "duration_ms", json_object_new_int64(r->duration_ms));
    json_object_object_add(o, "success", json_object_new_boolean(r->success));
    json_object_object_add(o, "created_at_ms", json_object_new_int64(r->created_at_ms));
    const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
    size_t len = text ? strlen(text) : 0;
    char *line = text ? malloc(len + 2) : NULL;
    if (line) {
        memcpy(line, text, len);
        line[len] = '\n';
        line[len + 1] = '\0';
    }
    json_object_put(o);
    return line;
}

/* The row of one spool line; 0, or -1 for a line that is not one of ours. */
static int line_row(const char *line, lg_api_log *r)
{
    json_object *o = json_tokener_parse(line), *v;
    int ok = o && json_object_is_type(o, json_type_object);
    memset(r, 0, sizeof *r);
#define GET_STR(f)                                                                                 \
    if (ok && json_object_object_get_ex(o, #f, &v) && json_object_is_type(v, json_type_string))    \
        snprintf(r->f, sizeof r->f, "%s", json_object_get_string(v));                              \
    else                                                                                           \
        ok = 0;
    STR_FIELDS(GET_STR)
#undef GET_STR
    if (ok && json_object_object_get_ex(o, "status_code", &v))
        r->status_code = json_object_get_int(v);
    if (ok && json_object_object_get_ex(o, "duration_ms", &v))
        r->duration_ms = (uint32_t)json_object_get_int64(v);
    if (ok && json_object_object_get_ex(o, "success", &v))
        r->success = json_object_get_boolean(v);
    if (ok && json_object_object_get_ex(o, "created_at_ms", &v))
        r->created_at_ms = json_object_get_int64(v);
    json_object_put(o);
    return ok && r->spool_id[0] && r->created_at_ms > 0 ? 0 : -1;
}

lg_err lg_svc_spool_row(lg_service *svc, const lg_api_log *row)
{
    static uint64_t seq;
    char dir[1024], owner[LG_OWNER_LEN], name[LG_OWNER_LEN + 8], path[1200];
    lg_api_log r = *row;
    if (spool_dir(svc, dir, sizeof dir) != 0 || lg_proc_owner(owner) != LG_OK)
        return LG_ERR_IO;
    snprintf(r.spool_id, sizeof r.spool_id, "%s#%llu", owner, (unsigned long long)++seq);
    if (!r.created_at_ms)
        r.created_at_ms = lg_time_now_ms();
    file_name(name, sizeof name, owner);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *line = row_line(&r);
    int fd = line ? open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600) : -1;
    lg_err rc = LG_ERR_IO;
    if (fd >= 0 && flock(fd, LOCK_EX) == 0) {
        size_t len = strlen(line);
        off_t end = lseek(fd, 0, SEEK_END);
        rc = write(fd, line, len) == (ssize_t)len ? LG_OK : LG_ERR_IO;
        /* A short write (the disk that failed the store is full) leaves no torn line
         * for the next row to be glued to. */
        if (rc != LG_OK && end >= 0 && ftruncate(fd, end) != 0)
            lg_warn("audit.spool", "a torn spool line stays: %s", strerror(errno));
    }
    if (fd >= 0)
        close(fd);
    free(line);
    return rc;
}

/* Puts the rows of text (a locked spool file's lines) in the store. A line that is no
 * row (a torn last line after a power cut) is dropped with a warning. */
static lg_err drain_lines(lg_service *svc, char *text, unsigned *moved)
{
    char *line = text, *end;
    while ((end = strchr(line, '\n')) != NULL) {
        lg_api_log r;
        *end = '\0';
        if (line_row(line, &r) != 0) {
            lg_warn("audit.spool", "a spooled line is not an API log row: dropped");
        } else {
            lg_err rc = lg_store_api_log_append(svc->st, &r);
            if (rc != LG_OK && rc != LG_ERR_DUPLICATE)
                return rc;
            *moved += rc == LG_OK;
        }
        line = end + 1;
    }
    return LG_OK;
}

/* Reads the whole of fd into a NUL-terminated buffer (the caller frees it). */
static char *slurp(int fd)
{
    struct stat st;
    if (fstat(fd, &st) != 0 || st.st_size < 0)
        return NULL;
    char *buf = malloc((size_t)st.st_size + 1);
    size_t got = 0;
    while (buf && got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    if (buf)
        buf[got] = '\0';
    return buf;
}

/* The writer of spool file name has ended: its file goes once drained. */
static int writer_gone(const char *name)
{
    char base[LG_OWNER_LEN], owner[LG_OWNER_LEN];
    snprintf(base, sizeof base, "%s", name);
    char *dot = strstr(base, ".jsonl");
    if (dot)
        *dot = '\0';
    lg_svc_name_to_owner(owner, base);
    return lg_proc_owner_state(owner) == LG_OWNER_GONE;
}

static lg_err drain_file(lg_service *svc, const char *dir, const char *name, unsigned *moved)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return errno == ENOENT ? LG_OK : LG_ERR_IO;
    lg_err rc = LG_ERR_IO;
    char *text = NULL;
    if (flock(fd, LOCK_EX) == 0 && (text = slurp(fd)) != NULL)
        rc = drain_lines(svc, text, moved);
    /* Every row is in the store: the file starts over, or goes with its writer. */
    if (rc == LG_OK && ftruncate(fd, 0) == 0 && writer_gone(name))
        unlink(path);
    free(text);
    close(fd);
    return rc;
}

lg_err lg_service_audit_drain(lg_service *svc, unsigned *moved)
{
    char dir[1024];
    unsigned scratch = 0, journal = 0;
    if (!moved)
        moved = &scratch;
    *moved = 0;
    if (!svc)
        return LG_ERR_INVALID;
    lg_err flushed = lg_service_audit_flush(svc, 1, &journal);
    if (spool_dir(svc, dir, sizeof dir) != 0)
        return LG_ERR_IO;
    DIR *d = opendir(dir);
    if (!d)
        return LG_ERR_IO;
    lg_err rc = LG_OK;
    struct dirent *e;
    while (rc == LG_OK && (e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n > 6 && strcmp(e->d_name + n - 6, ".jsonl") == 0)
            rc = drain_file(svc, dir, e->d_name, moved);
    }
    closedir(d);
    if (*moved)
        lg_info("audit.spool", "%u spooled API log row(s) put in the store", *moved);
    *moved += journal;
    return rc != LG_OK ? rc : flushed;
}
