/*
 * store_mongo.h - settings of the MongoDB store backend that its location (the
 * connection string) does not carry: the database and the time limits. They are
 * process-wide, set once from the configuration ([store] mongodb_database,
 * mongodb_timeout_ms) before any mongodb store is opened, and read by every later
 * lg_store_open("mongodb", uri, ...) of the process and of the children it forks.
 * Built whether or not the backend is: a build without it accepts and ignores them.
 */
#ifndef LENDGATE_STORE_MONGO_H
#define LENDGATE_STORE_MONGO_H

#include <lendgate/error.h>
#include <lendgate/model.h>

#define LG_MONGO_DEFAULT_DATABASE   "lendgate"
#define LG_MONGO_DEFAULT_TIMEOUT_MS 10000
#define LG_MONGO_DATABASE_LEN       64 /* MongoDB's limit on a database name (+NUL) */

/*
 * database: 1..63 bytes of letters, digits, '_' and '-' (MongoDB forbids /\. "$ and
 * more; lendgate keeps to the portable set). timeout_ms (1..600000): how long
 * opening waits to find a server, connect, and each operation waits for an answer.
 * Returns LG_OK, LG_ERR_INVALID (nothing changes then).
 */
lg_err lg_store_mongo_configure(const char *database, int timeout_ms);

/* The current settings (the defaults above until configured). Out: database
 * (LG_MONGO_DATABASE_LEN bytes), *timeout_ms. */
void lg_store_mongo_settings(char database[LG_MONGO_DATABASE_LEN], int *timeout_ms);

#endif
