/*
 * mongo_error.c - libmongoc errors and server replies to lg_err (mongo_error.h).
 */
#include "config.h"

#include "mongo_error.h"

#include <lendgate/log.h>

#include <mongoc/mongoc.h>
#include <string.h>

int lg_mongo_has_label(const bson_t *reply, const char *label)
{
    bson_iter_t it, arr;
    if (!reply || !label || !bson_iter_init_find(&it, reply, "errorLabels") ||
        !BSON_ITER_HOLDS_ARRAY(&it) || !bson_iter_recurse(&it, &arr))
        return 0;
    while (bson_iter_next(&arr)) {
        if (BSON_ITER_HOLDS_UTF8(&arr) && strcmp(bson_iter_utf8(&arr, NULL), label) == 0)
            return 1;
    }
    return 0;
}

/* The integer at dotted path in doc, 0 when absent or not an integer. */
static int32_t code_at(const bson_t *doc, const char *path)
{
    bson_iter_t it, found;
    if (!bson_iter_init(&it, doc) || !bson_iter_find_descendant(&it, path, &found))
        return 0;
    if (BSON_ITER_HOLDS_INT32(&found))
        return bson_iter_int32(&found);
    if (BSON_ITER_HOLDS_INT64(&found)) {
        int64_t v = bson_iter_int64(&found);
        return v >= INT32_MIN && v <= INT32_MAX ? (int32_t)v : 0;
    }
    return 0;
}

int32_t lg_mongo_reply_code(const bson_t *reply)
{
    if (!reply)
        return 0;
    int32_t c = code_at(reply, "writeErrors.0.code");
    if (!c)
        c = code_at(reply, "writeConcernError.code");
    if (!c)
        c = code_at(reply, "code");
    return c;
}

static int is_duplicate(uint32_t code)
{
    return code == LG_MONGO_DUPLICATE_KEY || code == LG_MONGO_DUPLICATE_KEY_OLD ||
           code == LG_MONGO_DUPLICATE_KEY_UPS;
}

/* Server codes after which nothing was applied and trying again later may work: a
 * write conflict, a time limit, a primary stepping down or shutting down. */
static int is_transient_code(uint32_t code)
{
    static const uint32_t codes[] = {LG_MONGO_WRITE_CONFLICT,
                                     LG_MONGO_MAX_TIME_EXPIRED,
                                     LG_MONGO_NO_SUCH_TRANSACTION,
                                     6,     /* HostUnreachable */
                                     7,     /* HostNotFound */
                                     89,    /* NetworkTimeout */
                                     91,    /* ShutdownInProgress */
                                     189,   /* PrimarySteppedDown */
                                     262,   /* ExceededTimeLimit */
                                     9001,  /* SocketException */
                                     10107, /* NotWritablePrimary */
                                     11600, /* InterruptedAtShutdown */
                                     11602, /* InterruptedDueToReplStateChange */
                                     13435, /* NotPrimaryNoSecondaryOk */
                                     13436 /* NotPrimaryOrSecondary */};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        if (codes[i] == code)
            return 1;
    return 0;
}

static lg_err map_code(uint32_t domain, uint32_t code, lg_err on_duplicate)
{
    if (is_duplicate(code))
        return on_duplicate;
    if (domain == MONGOC_ERROR_WRITE_CONCERN || code == LG_MONGO_WRITE_CONCERN ||
        code == LG_MONGO_UNSATISFIABLE_WC)
        return LG_ERR_STORE;
    if (code == LG_MONGO_OUT_OF_DISK)
        return LG_ERR_DISK;
    if (code == LG_MONGO_ILLEGAL_OPERATION)
        return LG_ERR_UNSUPPORTED;
    if (is_transient_code(code))
        return LG_ERR_BUSY;
    return LG_ERR_STORE;
}

lg_err lg_mongo_error_map(const bson_error_t *error, const bson_t *reply, lg_err on_duplicate,
                          lg_mongo_retry *retry)
{
    lg_mongo_retry scratch;
    if (!retry)
        retry = &scratch;
    *retry = LG_MONGO_FINAL;
    uint32_t domain = error ? error->domain : 0;
    uint32_t code = error ? error->code : 0;
    int32_t rcode = lg_mongo_reply_code(reply);
    /* A write error in the reply is the precise one: the error of a bulk write or a
     * findAndModify names only the command's failure. */
    if (rcode > 0 && (code == 0 || is_duplicate((uint32_t)rcode)))
        code = (uint32_t)rcode;
    if (lg_mongo_has_label(reply, "UnknownTransactionCommitResult"))
        *retry = LG_MONGO_RETRY_COMMIT;
    else if (lg_mongo_has_label(reply, "TransientTransactionError"))
        *retry = LG_MONGO_RETRY_TXN;
    if (*retry != LG_MONGO_FINAL)
        return LG_ERR_BUSY;
    if (code == 0 && domain == 0)
        return LG_OK;
    if (domain == MONGOC_ERROR_STREAM || domain == MONGOC_ERROR_SERVER_SELECTION)
        return LG_ERR_BUSY;
    return map_code(domain, code, on_duplicate);
}
