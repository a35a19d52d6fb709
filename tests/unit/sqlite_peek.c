/* sqlite_peek.c - one integer out of a SQLite store's file, for tests. */
#include "config.h"

#include "sqlite_peek.h"

#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>

int lg_test_sql_int(const char *path, int64_t *out, const char *sql, ...)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;
    va_list ap;
    int rc = -1, bad = 0;
    /* No SQLITE_OPEN_CREATE: a wrong path fails instead of reading an empty file. */
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
        sqlite3_busy_timeout(db, 5000) != SQLITE_OK ||
        sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
        goto out;
    va_start(ap, sql);
    for (int i = 1; !bad; i++) {
        const char *v = va_arg(ap, const char *);
        if (!v)
            break;
        bad = sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT) != SQLITE_OK;
    }
    va_end(ap);
    if (bad)
        goto out;
    int step = sqlite3_step(s);
    if (step == SQLITE_ROW) {
        *out = sqlite3_column_int64(s, 0);
        rc = 0;
    } else if (step == SQLITE_DONE) {
        rc = 1;
    }
out:
    if (rc < 0)
        fprintf(stderr, "\n  sqlite peek \"%s\" on \"%s\": %s\n", sql, path,
                db ? sqlite3_errmsg(db) : "cannot open");
    sqlite3_finalize(s);
    sqlite3_close(db);
    return rc;
}
