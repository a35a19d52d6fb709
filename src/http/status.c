/* status.c - lg_err classes to HTTP statuses (see status.h). */
#include "config.h"

#include <lendgate/status.h>

/* Indexed by lg_err; 0 = never an answer's class, answered as an internal error. */
static const int statuses[LG_ERR__LAST] = {
    [LG_OK] = 200,
    [LG_ERR_INVALID] = 400,  /* the request, its field named */
    [LG_ERR_STATE] = 400,    /* the loan or partner record does not allow it now */
    [LG_ERR_OVERPAY] = 400,  /* "Repayment exceeds remaining debt" */
    [LG_ERR_REVERTED] = 400, /* the contract refused it, its reason given */
    [LG_ERR_FUNDS] = 400,    /* credit line or repayment balance too small */
    [LG_ERR_AUTH] = 401,
    [LG_ERR_FORBIDDEN] = 403, /* "User does not own this OAID" */
    [LG_ERR_SUSPENDED] = 403, /* the plan's "Partner account is suspended" */
    [LG_ERR_INACTIVE] = 403,
    [LG_ERR_LIMIT_DAILY] = 403, /* the plan's "Partner daily limit exceeded" */
    [LG_ERR_LIMIT_TOTAL] = 403,
    [LG_ERR_NOT_FOUND] = 404,
    [LG_ERR_DUPLICATE] = 409, /* a unique name taken */
    [LG_ERR_CONFLICT] = 409,  /* the same partnerLoanId with another body */
    [LG_ERR_NOMEM] = 500,
    [LG_ERR_OVERFLOW] = 500,
    [LG_ERR_STORE] = 500,
    [LG_ERR_CONFIG] = 500,
    [LG_ERR_CRYPTO] = 500,
    [LG_ERR_SCHEMA] = 500,
    [LG_ERR_INTERNAL] = 500,
    [LG_ERR_RPC] = 502,         /* the node failed the call */
    [LG_ERR_IO] = 502,          /* the node's connection */
    [LG_ERR_BUSY] = 503,        /* the database stayed locked: try again */
    [LG_ERR_DISK] = 503,        /* the database cannot write now: try again later */
    [LG_ERR_WALLET] = 503,      /* the platform wallet needs funding: try again later */
    [LG_ERR_UNSUPPORTED] = 503, /* no chain node in this process yet */
    [LG_ERR_TIMEOUT] = 504,
};

int lg_http_error_status(lg_err err)
{
    if ((int)err < 0 || err >= LG_ERR__LAST || statuses[err] == 0)
        return 500;
    return statuses[err];
}

const char *lg_http_error_type(lg_err err, int status)
{
    switch (err) {
    case LG_ERR_LIMIT_DAILY:
    case LG_ERR_LIMIT_TOTAL:
        return "limit_exceeded";
    case LG_ERR_FUNDS:
    case LG_ERR_WALLET:
        return "insufficient_funds";
    case LG_ERR_RPC:
    case LG_ERR_IO:
    case LG_ERR_TIMEOUT:
    case LG_ERR_REVERTED:
        return "chain";
    case LG_ERR_BUSY:
    case LG_ERR_DISK:
    case LG_ERR_STORE:
        return "store";
    default:
        break;
    }
    switch (status) {
    case 401:
        return "unauthorized";
    case 403:
        return "forbidden";
    case 404:
        return "not_found";
    case 409:
        return "conflict";
    case 429:
        return "rate_limited";
    case 502:
    case 504:
        return "chain";
    case 503:
        return "unavailable";
    default:
        return status >= 500 ? "internal" : "invalid";
    }
}

int lg_http_status(const lg_outcome *out)
{
    if (!out)
        return 500;
    if (out->err != LG_OK)
        return lg_http_error_status(out->err);
    switch (out->done) {
    case LG_DONE_CREATED:
        return 201;
    case LG_DONE_ACCEPTED:
        return 202;
    default:
        return 200;
    }
}
