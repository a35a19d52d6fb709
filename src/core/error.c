/* error.c - descriptions of the lg_err codes. */
#include "config.h"

#include <lendgate/error.h>

static const struct {
    const char *name;
    const char *text;
} lg_err_table[LG_ERR__LAST] = {
    [LG_OK] = {"LG_OK", "success"},
    [LG_ERR_NOMEM] = {"LG_ERR_NOMEM", "out of memory"},
    [LG_ERR_INVALID] = {"LG_ERR_INVALID", "invalid argument"},
    [LG_ERR_NOT_FOUND] = {"LG_ERR_NOT_FOUND", "not found"},
    [LG_ERR_DUPLICATE] = {"LG_ERR_DUPLICATE", "already exists"},
    [LG_ERR_CONFLICT] = {"LG_ERR_CONFLICT", "conflicts with an earlier request"},
    [LG_ERR_LIMIT_DAILY] = {"LG_ERR_LIMIT_DAILY", "daily limit exceeded"},
    [LG_ERR_LIMIT_TOTAL] = {"LG_ERR_LIMIT_TOTAL", "total limit exceeded"},
    [LG_ERR_OVERFLOW] = {"LG_ERR_OVERFLOW", "value out of range"},
    [LG_ERR_IO] = {"LG_ERR_IO", "input/output error"},
    [LG_ERR_STORE] = {"LG_ERR_STORE", "store failure"},
    [LG_ERR_BUSY] = {"LG_ERR_BUSY", "store busy"},
    [LG_ERR_STATE] = {"LG_ERR_STATE", "wrong state for this operation"},
    [LG_ERR_OVERPAY] = {"LG_ERR_OVERPAY", "amount exceeds the remaining debt"},
    [LG_ERR_CONFIG] = {"LG_ERR_CONFIG", "configuration error"},
    [LG_ERR_RPC] = {"LG_ERR_RPC", "chain node error"},
    [LG_ERR_TIMEOUT] = {"LG_ERR_TIMEOUT", "timed out"},
    [LG_ERR_REVERTED] = {"LG_ERR_REVERTED", "transaction reverted"},
    [LG_ERR_CRYPTO] = {"LG_ERR_CRYPTO", "cryptographic failure"},
    [LG_ERR_AUTH] = {"LG_ERR_AUTH", "authentication failed"},
    [LG_ERR_FORBIDDEN] = {"LG_ERR_FORBIDDEN", "forbidden"},
    [LG_ERR_SUSPENDED] = {"LG_ERR_SUSPENDED", "suspended"},
    [LG_ERR_INACTIVE] = {"LG_ERR_INACTIVE", "inactive"},
    [LG_ERR_UNSUPPORTED] = {"LG_ERR_UNSUPPORTED", "not supported by this build"},
    [LG_ERR_SCHEMA] = {"LG_ERR_SCHEMA", "store schema mismatch"},
    [LG_ERR_FUNDS] = {"LG_ERR_FUNDS", "insufficient credit or repayment balance"},
    [LG_ERR_WALLET] = {"LG_ERR_WALLET", "platform wallet short of ether or USDC"},
    [LG_ERR_INTERNAL] = {"LG_ERR_INTERNAL", "internal error"},
    [LG_ERR_DISK] = {"LG_ERR_DISK", "the store cannot write now"},
};

const char *lg_strerror(lg_err err)
{
    if ((unsigned)err >= LG_ERR__LAST || !lg_err_table[err].text)
        return "unknown error";
    return lg_err_table[err].text;
}

const char *lg_errname(lg_err err)
{
    if ((unsigned)err >= LG_ERR__LAST || !lg_err_table[err].name)
        return "LG_ERR_UNKNOWN";
    return lg_err_table[err].name;
}
