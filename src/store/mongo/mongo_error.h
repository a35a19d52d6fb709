/*
 * mongo_error.h - libmongoc's errors in lendgate's terms: a bson_error_t (domain,
 * code) and the server's reply (its errorLabels, writeConcernError, writeErrors)
 * become one lg_err, plus whether the transaction should run again.
 *
 * Pure libbson and mongoc's constants (no call into libmongoc), so every branch is
 * unit-tested with constructed errors and replies.
 */
#ifndef LENDGATE_STORE_MONGO_ERROR_H
#define LENDGATE_STORE_MONGO_ERROR_H

#include <bson/bson.h>

#include <lendgate/error.h>

/* What a caller may do about an error besides reporting it. */
typedef enum {
    LG_MONGO_FINAL = 0,        /* report it */
    LG_MONGO_RETRY_TXN = 1,    /* TransientTransactionError: run the whole transaction again */
    LG_MONGO_RETRY_COMMIT = 2, /* UnknownTransactionCommitResult: commit again */
} lg_mongo_retry;

/* Server error codes the mapping names. */
#define LG_MONGO_DUPLICATE_KEY       11000
#define LG_MONGO_DUPLICATE_KEY_OLD   11001
#define LG_MONGO_DUPLICATE_KEY_UPS   12582
#define LG_MONGO_WRITE_CONFLICT      112
#define LG_MONGO_MAX_TIME_EXPIRED    50
#define LG_MONGO_WRITE_CONCERN       64
#define LG_MONGO_UNSATISFIABLE_WC    100
#define LG_MONGO_OUT_OF_DISK         14031
#define LG_MONGO_NO_SUCH_TRANSACTION 251
#define LG_MONGO_ILLEGAL_OPERATION   20

/* Whether reply (may be NULL) carries label in its errorLabels array. */
int lg_mongo_has_label(const bson_t *reply, const char *label);

/*
 * Maps error (may be NULL: then only reply counts; a zero code with no reply error is
 * LG_OK) and reply (may be NULL) of one operation. on_duplicate is what a duplicate
 * key (11000) means for this operation (LG_ERR_DUPLICATE or LG_ERR_CONFLICT, as the
 * contract says). Out: *retry (may be NULL) what to do besides reporting.
 * Returns LG_OK (no error), on_duplicate, LG_ERR_BUSY (write conflict, lock or time
 * limit, a primary stepping down, a transient transaction error: nothing was
 * applied, try again later), LG_ERR_DISK (out of disk space), LG_ERR_UNSUPPORTED
 * (the server cannot run transactions: not a replica set), LG_ERR_STORE (write
 * concern not satisfied: the write may or may not be durable; anything else).
 */
lg_err lg_mongo_error_map(const bson_error_t *error, const bson_t *reply, lg_err on_duplicate,
                          lg_mongo_retry *retry);

/* The server code in reply: writeErrors[0].code, else writeConcernError.code, else
 * code; 0 when none. */
int32_t lg_mongo_reply_code(const bson_t *reply);

#endif
