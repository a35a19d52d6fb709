/* sqlite_store.c - the SQLite backend: opening a connection (WAL, FULL sync, foreign
 * keys, busy timeout, a 0600 file), schema migrations, and the backend table. */
#include "config.h"

#include "sqlite_internal.h"

#include <lendgate/log.h>
#include <lendgate/time.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ------------------------------------------------------------ schema version */

static int max_known_version(void)
{
    return lg_sql_migrations_count ? lg_sql_migrations[lg_sql_migrations_count - 1].version : 0;
}

static lg_err has_migrations_table(lg_sqlite *h, int *yes)
{
    sqlite3_stmt *s;
    lg_err rc = lg_sq_prepare(h, LG_SQ_HAS_MIGRATIONS,
                              "SELECT 1 FROM sqlite_master WHERE type = 'table' "
                              "AND name = 'schema_migrations'",
                              &s);
    if (rc != LG_OK)
        return rc;
    rc = lg_sq_step_row(h, s, "schema check");
    lg_sq_done(s);
    *yes = rc == LG_OK;
    return rc == LG_ERR_NOT_FOUND ? LG_OK : rc;
}

static lg_err version_read(lg_sqlite *h, int *version)
{
    sqlite3_stmt *s;
    int present = 0;
    *version = 0;
    lg_err rc = has_migrations_table(h, &present);
    if (rc != LG_OK || !present)
        return rc;
    rc = lg_sq_prepare(h, LG_SQ_VERSION, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                       &s);
    if (rc != LG_OK)
        return rc;
    if ((rc = lg_sq_step_row(h, s, "schema version")) == LG_OK)
        *version = lg_sq_col_int(s, 0);
    lg_sq_done(s);
    return rc;
}

/* LG_ERR_SCHEMA when the database was migrated by a newer build. */
static lg_err version_check(lg_sqlite *h)
{
    int version = 0;
    lg_err rc = version_read(h, &version);
    if (rc == LG_OK && version > max_known_version()) {
        lg_error("store.sqlite", "database schema version %d is newer than this build knows (%d)",
                 version, max_known_version());
        rc = LG_ERR_SCHEMA;
    }
    return rc;
}

static lg_err backend_schema_version(lg_store *st, int *version)
{
    return version_read(lg_sq_handle(st), version);
}

/* ------------------------------------------------------------ migrations */

static lg_err migration_seen(lg_sqlite *h, int version, int *seen)
{
    sqlite3_stmt *s;
    lg_err rc = lg_sq_prepare(h, LG_SQ_MIGRATION_SEEN,
                              "SELECT 1 FROM schema_migrations WHERE version = ?1", &s);
    if (rc != LG_OK)
        return rc;
    rc = lg_sq_bind_i64(s, 1, version) ? lg_sq_bind_failed(h, "migration")
                                       : lg_sq_step_row(h, s, "migration");
    lg_sq_done(s);
    *seen = rc == LG_OK;
    return rc == LG_ERR_NOT_FOUND ? LG_OK : rc;
}

static lg_err migration_record(lg_sqlite *h, const struct lg_sql_migration *m)
{
    sqlite3_stmt *s;
    lg_err rc = lg_sq_prepare(h, LG_SQ_MIGRATION_RECORD,
                              "INSERT INTO schema_migrations (version, name, applied_at_ms) "
                              "VALUES (?1, ?2, ?3)",
                              &s);
    if (rc != LG_OK)
        return rc;
    if (lg_sq_bind_i64(s, 1, m->version) || lg_sq_bind_text(s, 2, m->name) ||
        lg_sq_bind_i64(s, 3, lg_time_now_ms()))
        rc = lg_sq_bind_failed(h, "migration record");
    else
        rc = lg_sq_step_done(h, s, "migration record");
    lg_sq_done(s);
    return rc;
}

/* Migrations run with foreign keys off (a rebuilt table is dropped and renamed into
 * place while others refer to it, SQLite's procedure for changing a CHECK): what
 * they leave is checked here, inside their transaction, instead. */
static lg_err foreign_keys_hold(lg_sqlite *h, const char *name)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(h->db, "PRAGMA foreign_key_check", -1, &s, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc == SQLITE_ROW) {
        lg_error("store.migrate", "migration \"%s\" leaves rows that break a foreign key", name);
        return LG_ERR_SCHEMA;
    }
    return rc == SQLITE_DONE ? LG_OK : lg_sq_err(h, rc, name);
}

/* Switches foreign-key enforcement (a no-op inside a transaction, so done between
 * migrations). */
static lg_err foreign_keys(lg_sqlite *h, int on)
{
    if (sqlite3_exec(h->db, on ? "PRAGMA foreign_keys = ON" : "PRAGMA foreign_keys = OFF", NULL,
                     NULL, NULL) != SQLITE_OK)
        return lg_sq_err(h, sqlite3_extended_errcode(h->db), "foreign keys");
    return LG_OK;
}

/* Applies m unless recorded; checked again under the write lock, so two processes
 * migrating at once apply it once. Out: *did = 1 when applied. */
static lg_err migration_apply(lg_sqlite *h, const struct lg_sql_migration *m, int *did)
{
    int seen = 0;
    lg_err rc = migration_seen(h, m->version, &seen);
    if (rc != LG_OK || seen)
        return rc;
    /* Migration text is fixed at build time (sql/NNN_*.sql), never built from values. */
    if (sqlite3_exec(h->db, m->sql, NULL, NULL, NULL) != SQLITE_OK)
        return lg_sq_err(h, sqlite3_extended_errcode(h->db), m->name);
    rc = foreign_keys_hold(h, m->name);
    if (rc == LG_OK)
        rc = migration_record(h, m);
    *did = rc == LG_OK;
    return rc;
}

/* The runner's own table, which every migration is recorded in. */
static lg_err migrations_table(lg_sqlite *h)
{
    lg_err rc = lg_sq_begin(h);
    if (rc != LG_OK)
        return rc;
    if (sqlite3_exec(h->db,
                     "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                     "name TEXT NOT NULL, applied_at_ms INTEGER NOT NULL)",
                     NULL, NULL, NULL) != SQLITE_OK)
        rc = lg_sq_err(h, sqlite3_extended_errcode(h->db), "schema_migrations");
    return lg_sq_end(h, rc);
}

static lg_err backend_migrate(lg_store *st, int *applied)
{
    lg_sqlite *h = lg_sq_handle(st);
    lg_err rc = migrations_table(h);
    if (rc == LG_OK)
        rc = version_check(h);
    if (rc == LG_OK)
        rc = foreign_keys(h, 0);
    for (size_t i = 0; rc == LG_OK && i < lg_sql_migrations_count; i++) {
        const struct lg_sql_migration *m = &lg_sql_migrations[i];
        int did = 0;
        if ((rc = lg_sq_begin(h)) != LG_OK)
            break;
        if ((rc = lg_sq_end(h, migration_apply(h, m, &did))) == LG_OK && did) {
            (*applied)++;
            lg_info("store.migrate", "applied schema migration %d \"%s\"", m->version, m->name);
        }
    }
    lg_err on = foreign_keys(h, 1);
    return rc != LG_OK ? rc : on;
}

/* BEGIN IMMEDIATE takes the write lock without writing; a read-only file (mode,
 * mount) is caught by SQLite's own flag. */
static lg_err backend_ping(lg_store *st, int *version)
{
    lg_sqlite *h = lg_sq_handle(st);
    if (sqlite3_db_readonly(h->db, "main") == 1)
        return LG_ERR_DISK;
    lg_err rc = lg_sq_begin(h);
    if (rc != LG_OK)
        return rc;
    rc = version_read(h, version);
    lg_err end = lg_sq_exec(h, LG_SQ_ROLLBACK, "ROLLBACK", "ping");
    return rc != LG_OK ? rc : end;
}

/* ------------------------------------------------------------ open, close */

/* SQLite creates files with 0644 (less the umask); the database holds partner
 * secrets, so it is created 0600 first. WAL and shared-memory files take the mode
 * of the database file. */
static lg_err create_private(const char *path)
{
    if (strcmp(path, ":memory:") == 0 || strncmp(path, "file:", 5) == 0)
        return LG_OK;
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
        close(fd);
        return LG_OK;
    }
    if (errno == EEXIST)
        return LG_OK;
    lg_error("store.sqlite", "cannot create \"%s\": %s", path, strerror(errno));
    return LG_ERR_IO;
}

static lg_err pragma_wal(lg_sqlite *h, const char *location)
{
    sqlite3_stmt *s = NULL;
    char mode[16] = "";
    int rc = sqlite3_prepare_v2(h->db, "PRAGMA journal_mode = WAL", -1, &s, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        lg_sq_col_text(s, 0, mode, sizeof mode);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_OK)
        return lg_sq_err(h, rc, "journal_mode");
    if (strcmp(mode, "wal") != 0 && strcmp(location, ":memory:") != 0)
        lg_warn("store.sqlite", "journal mode is \"%s\", not WAL: writers will block readers",
                mode);
    return LG_OK;
}

static lg_err configure(lg_sqlite *h, const char *location, int busy_timeout_ms)
{
    sqlite3_extended_result_codes(h->db, 1);
    sqlite3_busy_timeout(h->db, busy_timeout_ms);
    sqlite3_db_config(h->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
    lg_err rc = pragma_wal(h, location);
    if (rc != LG_OK)
        return rc;
    /* FULL: a committed loan or repayment survives a power cut. */
    if (sqlite3_exec(h->db,
                     "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; "
                     "PRAGMA trusted_schema = OFF",
                     NULL, NULL, NULL) != SQLITE_OK)
        return lg_sq_err(h, sqlite3_extended_errcode(h->db), "pragmas");
    return version_check(h);
}

static void finalize_all(lg_sqlite *h)
{
    for (size_t i = 0; i < LG_SQ__COUNT; i++)
        sqlite3_finalize(h->stmts[i]);
    for (size_t l = 0; l < LG_SQL__COUNT; l++)
        for (size_t r = 0; r < 2; r++)
            for (size_t m = 0; m < (1u << LG_SQ_MAX_CONDS); m++)
                sqlite3_finalize(h->lists[l][r][m]);
}

static lg_err open_err(int src)
{
    switch (src & 0xff) {
    case SQLITE_CANTOPEN:
        return LG_ERR_IO;
    case SQLITE_NOMEM:
        return LG_ERR_NOMEM;
    default:
        return LG_ERR_STORE;
    }
}

static void close_handle(lg_sqlite *h)
{
    if (!h)
        return;
    if (h->log != h)
        close_handle(h->log);
    /* A forked child must not close its parent's connection: closing may checkpoint
     * and remove the WAL under the parent. The child only drops the memory. */
    if (h->pid == getpid()) {
        finalize_all(h);
        sqlite3_close(h->db);
    }
    free(h);
}

static void backend_close(lg_store *st)
{
    close_handle(lg_sq_handle(st));
}

/* NORMAL, not FULL: this connection appends the audit row of every call, reads
 * included; the next FULL commit of the money tables syncs those rows with its own. */
static lg_err configure_log(lg_sqlite *lh, int busy_timeout_ms)
{
    sqlite3_extended_result_codes(lh->db, 1);
    sqlite3_busy_timeout(lh->db, busy_timeout_ms);
    sqlite3_db_config(lh->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
    /* It appends, and reads the few pages an append touches: a small cache (256 KiB,
     * not SQLite's 2 MiB) is as fast, and a responder's memory stops growing once it
     * has filled, which the default took hundreds of thousands of rows to do. */
    if (sqlite3_exec(lh->db,
                     "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; "
                     "PRAGMA trusted_schema = OFF; PRAGMA cache_size = -256",
                     NULL, NULL, NULL) != SQLITE_OK)
        return lg_sq_err(lh, sqlite3_extended_errcode(lh->db), "log pragmas");
    return LG_OK;
}

/* Opens the second connection on the file of h's main database. Returns LG_OK,
 * LG_ERR_INVALID (no file, or not in WAL mode), LG_ERR_NOMEM, LG_ERR_IO, LG_ERR_STORE. */
static lg_err open_log(lg_sqlite *h, lg_sqlite **out)
{
    const char *file = sqlite3_db_filename(h->db, "main");
    sqlite3_stmt *s = NULL;
    char mode[16] = "";
    if (sqlite3_prepare_v2(h->db, "PRAGMA journal_mode", -1, &s, NULL) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
        lg_sq_col_text(s, 0, mode, sizeof mode);
    sqlite3_finalize(s);
    /* Outside WAL, NORMAL could lose a committed row on a crash: keep one connection. */
    if (!file || !*file || strcmp(mode, "wal") != 0)
        return LG_ERR_INVALID;
    lg_sqlite *lh = calloc(1, sizeof *lh);
    if (!lh)
        return LG_ERR_NOMEM;
    lh->pid = getpid();
    lh->log = lh;
    lh->log_tried = 1;
    int src = sqlite3_open_v2(file, &lh->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
    lg_err rc = src == SQLITE_OK ? configure_log(lh, h->busy_timeout_ms) : open_err(src);
    if (rc != LG_OK) {
        close_handle(lh);
        return rc;
    }
    *out = lh;
    return LG_OK;
}

lg_sqlite *lg_sq_log_handle(lg_sqlite *h)
{
    if (!h->log_tried) {
        h->log_tried = 1;
        lg_err rc = open_log(h, &h->log);
        if (rc != LG_OK && rc != LG_ERR_INVALID)
            lg_warn("store.sqlite", "api log connection not opened (%s): using the main one",
                    lg_strerror(rc));
    }
    if (!h->log)
        return h;
    /* Operations on it act for st: the lease, sandbox and limit-warning settings too. */
    h->log->base = h->base;
    return lg_sq_handle(&h->log->base); /* a transaction a failed ROLLBACK left, undone */
}

static lg_err backend_open(const char *location, int busy_timeout_ms, lg_store **out)
{
    lg_sqlite *h = calloc(1, sizeof *h);
    if (!h)
        return LG_ERR_NOMEM;
    h->pid = getpid();
    h->busy_timeout_ms = busy_timeout_ms;
    lg_err rc = create_private(location);
    if (rc != LG_OK)
        goto out;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI;
    int src = sqlite3_open_v2(location, &h->db, flags, NULL);
    if (src != SQLITE_OK) {
        lg_error("store.sqlite", "cannot open \"%s\": %s", location,
                 h->db ? sqlite3_errmsg(h->db) : sqlite3_errstr(src));
        rc = open_err(src);
        goto out;
    }
    rc = configure(h, location, busy_timeout_ms);
out:
    if (rc != LG_OK) {
        backend_close(&h->base);
        return rc;
    }
    *out = &h->base;
    return LG_OK;
}

/* ------------------------------------------------------------ the table */

const lg_store_backend lg_store_sqlite_backend = {
    .name = "sqlite",
    .open = backend_open,
    .close = backend_close,
    .migrate = backend_migrate,
    .schema_version = backend_schema_version,
    .partner_get = lg_sqlite_partner_get,
    .partner_sandbox = lg_sqlite_partner_sandbox,
    .partner_list = lg_sqlite_partner_list,
    .partner_by_key = lg_sqlite_partner_by_key,
    .key_touch = lg_sqlite_key_touch,
    .key_list = lg_sqlite_key_list,
    .position_upsert = lg_sqlite_position_upsert,
    .loan_reserve = lg_sqlite_loan_reserve,
    .loan_get = lg_sqlite_loan_get,
    .loan_get_by_id = lg_sqlite_loan_get_by_id,
    .loan_mark_borrowed = lg_sqlite_loan_mark_borrowed,
    .loan_confirm = lg_sqlite_loan_confirm,
    .loan_fail = lg_sqlite_loan_fail,
    .loan_list = lg_sqlite_loan_list,
    .loan_list_unsettled = lg_sqlite_loan_list_unsettled,
    .deposit_credit = lg_sqlite_deposit_credit,
    .loan_release = lg_sqlite_loan_release,
    .job_lease_take = lg_sqlite_job_lease_take,
    .job_lease_release = lg_sqlite_job_lease_release,
    .repay_release = lg_sqlite_repay_release,
    .repay_begin = lg_sqlite_repay_begin,
    .repay_apply = lg_sqlite_repay_apply,
    .repay_fail = lg_sqlite_repay_fail,
    .repay_get = lg_sqlite_repay_get,
    .repay_list = lg_sqlite_repay_list,
    .repay_list_pending = lg_sqlite_repay_list_pending,
    .tx_record = lg_sqlite_tx_record,
    .tx_set_state = lg_sqlite_tx_set_state,
    .tx_list = lg_sqlite_tx_list,
    .tx_list_unsettled = lg_sqlite_tx_list_unsettled,
    .nonce_init = lg_sqlite_nonce_init,
    .nonce_allocate = lg_sqlite_nonce_allocate,
    .nonce_resync = lg_sqlite_nonce_resync,
    .nonce_peek = lg_sqlite_nonce_peek,
    .api_log_append = lg_sqlite_api_log_append,
    .api_log_query = lg_sqlite_api_log_query,
    .loan_view = lg_sqlite_loan_view,
    .partner_stats = lg_sqlite_partner_stats,
    .audit_ingest = lg_sqlite_audit_ingest,
    .audit_offset = lg_sqlite_audit_offset,
    .audit_forget = lg_sqlite_audit_forget,
    .ledger_list = lg_sqlite_ledger_list,
    .admin_audit_query = lg_sqlite_admin_audit_query,
    .daily_usage = lg_sqlite_daily_usage,
    .partner_get_by_prefix = lg_sqlite_partner_get_by_prefix,
    .partner_count = lg_sqlite_partner_count,
    .partner_onboard = lg_sqlite_partner_onboard,
    .partner_update_audited = lg_sqlite_partner_update_audited,
    .key_rotate = lg_sqlite_key_rotate,
    .partner_import = lg_sqlite_partner_import,
    .partner_analytics = lg_sqlite_partner_analytics,
    .event_add = lg_sqlite_event_add,
    .event_claim = lg_sqlite_event_claim,
    .event_finish = lg_sqlite_event_finish,
    .event_get = lg_sqlite_event_get,
    .event_list = lg_sqlite_event_list,
    .event_attempts = lg_sqlite_event_attempts,
    .event_replay = lg_sqlite_event_replay,
    .event_counts = lg_sqlite_event_counts,
    .ping = backend_ping,
    .position_liquidate = lg_sqlite_position_liquidate,
    .loan_list_overdue = lg_sqlite_loan_list_overdue,
    .loan_default = lg_sqlite_loan_default,
    .cursor_get = lg_sqlite_cursor_get,
    .cursor_set = lg_sqlite_cursor_set,
    .copy_export = lg_sqlite_copy_export,
    .copy_import = lg_sqlite_copy_import,
    .census = lg_sqlite_census,
    .rate_take = lg_sqlite_rate_take,
    .replay_claim = lg_sqlite_replay_claim,
};
