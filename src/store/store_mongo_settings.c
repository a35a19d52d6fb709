/* store_mongo_settings.c - the MongoDB backend's process-wide settings
 * (store_mongo.h), kept apart from the backend so that every build has them. */
#include "config.h"

#include <lendgate/store_mongo.h>

#include <stdio.h>
#include <string.h>

static char database[LG_MONGO_DATABASE_LEN] = LG_MONGO_DEFAULT_DATABASE;
static int timeout = LG_MONGO_DEFAULT_TIMEOUT_MS;

static int name_ok(const char *s)
{
    size_t n = s ? strnlen(s, LG_MONGO_DATABASE_LEN) : 0;
    if (n == 0 || n >= LG_MONGO_DATABASE_LEN)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

lg_err lg_store_mongo_configure(const char *db, int timeout_ms)
{
    if (!name_ok(db) || timeout_ms < 1 || timeout_ms > 600000)
        return LG_ERR_INVALID;
    snprintf(database, sizeof database, "%s", db);
    timeout = timeout_ms;
    return LG_OK;
}

void lg_store_mongo_settings(char db[LG_MONGO_DATABASE_LEN], int *timeout_ms)
{
    if (db)
        snprintf(db, LG_MONGO_DATABASE_LEN, "%s", database);
    if (timeout_ms)
        *timeout_ms = timeout;
}
