/*
 * error.h - the one error enum of lendgate.
 *
 * 0 is success. Numbers are never reused or renumbered: a retired code keeps its slot.
 * Every function that can fail returns an lg_err and says in its header which codes
 * it returns. lg_strerror() never returns NULL.
 */
#ifndef LENDGATE_ERROR_H
#define LENDGATE_ERROR_H

typedef enum lg_err {
    LG_OK = 0,
    LG_ERR_NOMEM = 1,        /* allocation failed */
    LG_ERR_INVALID = 2,      /* bad argument or input */
    LG_ERR_NOT_FOUND = 3,    /* no such record */
    LG_ERR_DUPLICATE = 4,    /* unique key already taken */
    LG_ERR_CONFLICT = 5,     /* same key, different content (idempotency) */
    LG_ERR_LIMIT_DAILY = 6,  /* partner daily limit would be exceeded */
    LG_ERR_LIMIT_TOTAL = 7,  /* partner total limit would be exceeded */
    LG_ERR_OVERFLOW = 8,     /* arithmetic or buffer overflow */
    LG_ERR_IO = 9,           /* file or socket I/O */
    LG_ERR_STORE = 10,       /* store backend failure */
    LG_ERR_BUSY = 11,        /* store locked beyond the busy timeout */
    LG_ERR_STATE = 12,       /* record is in the wrong state for the operation */
    LG_ERR_OVERPAY = 13,     /* repayment larger than the remaining debt */
    LG_ERR_CONFIG = 14,      /* configuration error */
    LG_ERR_RPC = 15,         /* chain node returned an error */
    LG_ERR_TIMEOUT = 16,     /* chain node or peer did not answer in time */
    LG_ERR_REVERTED = 17,    /* transaction or call reverted */
    LG_ERR_CRYPTO = 18,      /* signing, hashing or key failure */
    LG_ERR_AUTH = 19,        /* missing or invalid credentials */
    LG_ERR_FORBIDDEN = 20,   /* authenticated but not allowed */
    LG_ERR_SUSPENDED = 21,   /* partner suspended */
    LG_ERR_INACTIVE = 22,    /* partner or record inactive */
    LG_ERR_UNSUPPORTED = 23, /* feature not built in or not available */
    LG_ERR_SCHEMA = 24,      /* store schema missing or newer than this build */
    LG_ERR_FUNDS = 25,       /* the credit line or repayment balance does not cover it */
    LG_ERR_WALLET = 26,      /* the platform wallet's ether (gas) or USDC falls short */
    LG_ERR_INTERNAL = 27,    /* a state the code should never reach */
    LG_ERR_DISK = 28,        /* the store cannot write now: read-only, full, I/O error */
    LG_ERR__LAST
} lg_err;

/* Returns a static, lowercase description of err; never NULL. */
const char *lg_strerror(lg_err err);

/* Returns the symbolic name of err ("LG_ERR_NOT_FOUND"); never NULL. */
const char *lg_errname(lg_err err);

#endif
