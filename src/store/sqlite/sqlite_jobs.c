/* sqlite_jobs.c - leases of jobs that run on one host at a time (store.h
 * "job leases"), one row per job in job_leases. */
#include "config.h"

#include "sqlite_internal.h"

#include <lendgate/time.h>

#include <stdio.h>
#include <string.h>

typedef struct {
    char owner[LG_OWNER_LEN];
    int64_t until_ms;
    int found;
} lease_row;

static lg_err lease_read(lg_sqlite *h, const char *name, lease_row *out)
{
    sqlite3_stmt *s;
    memset(out, 0, sizeof *out);
    lg_err rc = lg_sq_prepare(h, LG_SQ_JOB_LEASE_GET,
                              "SELECT owner, until_ms FROM job_leases WHERE name = ?1", &s);
    if (rc != LG_OK)
        return rc;
    if (lg_sq_bind_text(s, 1, name))
        rc = lg_sq_bind_failed(h, "job lease get");
    else if ((rc = lg_sq_step_row(h, s, "job lease get")) == LG_OK) {
        LG_SQ_COL_TEXT(s, 0, out->owner);
        out->until_ms = lg_sq_col_i64(s, 1);
        out->found = 1;
    }
    lg_sq_done(s);
    return rc == LG_ERR_NOT_FOUND ? LG_OK : rc;
}

static lg_err lease_write(lg_sqlite *h, const char *name, const char *owner, int64_t until_ms)
{
    sqlite3_stmt *s;
    lg_err rc = lg_sq_prepare(h, LG_SQ_JOB_LEASE_SET,
                              "INSERT INTO job_leases (name, owner, until_ms) VALUES (?1, ?2, ?3) "
                              "ON CONFLICT (name) DO UPDATE SET owner = ?2, until_ms = ?3",
                              &s);
    if (rc != LG_OK)
        return rc;
    if (lg_sq_bind_text(s, 1, name) || lg_sq_bind_text(s, 2, owner) ||
        lg_sq_bind_i64(s, 3, until_ms))
        rc = lg_sq_bind_failed(h, "job lease set");
    else
        rc = lg_sq_step_done(h, s, "job lease set");
    lg_sq_done(s);
    return rc;
}

/* Granted to owner when free, run out, its own, or held by the dead owner named. */
static int grantable(const lease_row *r, const char *owner, const char *dead_owner)
{
    return !r->found || r->until_ms <= lg_time_now_ms() || strcmp(r->owner, owner) == 0 ||
           (dead_owner && dead_owner[0] && strcmp(r->owner, dead_owner) == 0);
}

lg_err lg_sqlite_job_lease_take(lg_store *st, const char *name, const char *owner, int64_t until_ms,
                                const char *dead_owner, char holder[LG_OWNER_LEN],
                                int64_t *holder_until_ms)
{
    lg_sqlite *h = lg_sq_handle(st);
    lease_row r;
    lg_err rc = lg_sq_begin(h);
    if (rc != LG_OK)
        return rc;
    rc = lease_read(h, name, &r);
    int take = rc == LG_OK && grantable(&r, owner, dead_owner);
    if (take)
        rc = lease_write(h, name, owner, until_ms);
    rc = lg_sq_end(h, rc);
    if (rc != LG_OK)
        return rc;
    if (holder)
        snprintf(holder, LG_OWNER_LEN, "%s", take ? owner : r.owner);
    if (holder_until_ms)
        *holder_until_ms = take ? until_ms : r.until_ms;
    return take ? LG_OK : LG_ERR_CONFLICT;
}

lg_err lg_sqlite_job_lease_release(lg_store *st, const char *name, const char *owner)
{
    lg_sqlite *h = lg_sq_handle(st);
    sqlite3_stmt *s;
    lg_err rc = lg_sq_prepare(h, LG_SQ_JOB_LEASE_DROP,
                              "DELETE FROM job_leases WHERE name = ?1 AND owner = ?2", &s);
    if (rc != LG_OK)
        return rc;
    if (lg_sq_bind_text(s, 1, name) || lg_sq_bind_text(s, 2, owner))
        rc = lg_sq_bind_failed(h, "job lease release");
    else
        rc = lg_sq_step_done(h, s, "job lease release");
    lg_sq_done(s);
    return rc;
}
