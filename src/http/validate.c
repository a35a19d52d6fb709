/* validate.c - field checks for outside input, with messages that name the field. */
#include "config.h"

#include <lendgate/validate.h>

#include <lendgate/address.h>
#include <lendgate/amount.h>
#include <lendgate/ids.h>
#include <lendgate/json_input.h>
#include <lendgate/model.h>
#include <lendgate/time.h>
#include <lendgate/u256.h>

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static lg_err bad(char *msg, size_t msglen, const char *field, const char *why)
{
    if (msg && msglen) {
        char name[72];
        lg_json_safe_name(name, sizeof name, field ? field : "value");
        snprintf(msg, msglen, "%s: %s", name, why);
    }
    return LG_ERR_INVALID;
}

lg_err lg_validate_address(const char *field, const char *text, char out[LG_ADDR_LEN], char *msg,
                           size_t msglen)
{
    uint8_t raw[LG_ADDRESS_LEN];
    if (!out)
        return LG_ERR_INVALID;
    if (!text || strlen(text) != 42 || text[0] != '0' || text[1] != 'x')
        return bad(msg, msglen, field, "must be 0x followed by 40 hex digits");
    lg_err rc = lg_address_parse(raw, text);
    if (rc != LG_OK) {
        for (size_t i = 2; i < 42; i++)
            if (!isxdigit((unsigned char)text[i]))
                return bad(msg, msglen, field, "must be 0x followed by 40 hex digits");
        return bad(msg, msglen, field, "EIP-55 checksum does not match");
    }
    return lg_address_format_lower(out, LG_ADDR_LEN, raw) == LG_OK
               ? LG_OK
               : bad(msg, msglen, field, "cannot be formatted");
}

lg_err lg_validate_amount(const char *field, const char *text, uint64_t *out, char *msg,
                          size_t msglen)
{
    if (!out)
        return LG_ERR_INVALID;
    lg_err rc = lg_amount_parse_positive(text, out);
    if (rc == LG_ERR_OVERFLOW)
        return bad(msg, msglen, field, "is too large");
    if (rc != LG_OK)
        return bad(msg, msglen, field,
                   "must be a whole number of USDC base units greater than zero (digits only)");
    return LG_OK;
}

lg_err lg_validate_u256(const char *field, const char *text, char out[LG_U256_LEN], char *msg,
                        size_t msglen)
{
    lg_u256 v;
    if (!out)
        return LG_ERR_INVALID;
    lg_err rc = lg_u256_from_dec(&v, text);
    if (rc == LG_ERR_OVERFLOW)
        return bad(msg, msglen, field, "does not fit uint256");
    if (rc != LG_OK)
        return bad(msg, msglen, field, "must be a decimal integer without leading zeros");
    return lg_u256_to_dec(out, LG_U256_LEN, &v) == LG_OK ? LG_OK
                                                         : bad(msg, msglen, field, "too long");
}

lg_err lg_validate_loan_id(const char *field, const char *text, char out[LG_ID_LEN], char *msg,
                           size_t msglen)
{
    if (!out)
        return LG_ERR_INVALID;
    if (!lg_id_valid(text, 64))
        return bad(msg, msglen, field, "must be 1 to 64 of A-Z a-z 0-9 _ -");
    memcpy(out, text, strlen(text) + 1);
    return LG_OK;
}

lg_err lg_validate_tx_hash(const char *field, const char *text, char out[LG_HASH_LEN], char *msg,
                           size_t msglen)
{
    if (!out)
        return LG_ERR_INVALID;
    if (!text || strlen(text) != 66 || text[0] != '0' || text[1] != 'x')
        return bad(msg, msglen, field, "must be 0x followed by 64 hex digits");
    for (size_t i = 2; i < 66; i++) {
        if (!isxdigit((unsigned char)text[i]))
            return bad(msg, msglen, field, "must be 0x followed by 64 hex digits");
        out[i] = (char)tolower((unsigned char)text[i]);
    }
    out[0] = '0';
    out[1] = 'x';
    out[66] = '\0';
    return LG_OK;
}

lg_err lg_validate_date(const char *field, const char *text, int64_t *ms, char *msg, size_t msglen)
{
    if (!ms)
        return LG_ERR_INVALID;
    if (!text || strlen(text) > 40 || lg_time_parse(text, ms) != LG_OK)
        return bad(msg, msglen, field, "must be a date (YYYY-MM-DD) or an RFC 3339 time");
    return LG_OK;
}

/* Digits only, no leading zero, at most max. */
static int parse_small(const char *text, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    if (!text || !*text || (text[0] == '0' && text[1]))
        return 0;
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9')
            return 0;
        v = v * 10 + (uint64_t)(*p - '0');
        if (v > max)
            return 0;
    }
    *out = v;
    return 1;
}

lg_err lg_validate_limit(const char *field, const char *text, uint32_t def, uint32_t max,
                         uint32_t *out, char *msg, size_t msglen)
{
    uint64_t v = def;
    if (!out)
        return LG_ERR_INVALID;
    if (text && (!parse_small(text, max, &v) || v == 0)) {
        char why[64];
        snprintf(why, sizeof why, "must be a whole number from 1 to %u", max);
        return bad(msg, msglen, field, why);
    }
    *out = (uint32_t)v;
    return LG_OK;
}

lg_err lg_validate_offset(const char *field, const char *text, uint64_t *out, char *msg,
                          size_t msglen)
{
    uint64_t v = 0;
    if (!out)
        return LG_ERR_INVALID;
    if (text && !parse_small(text, UINT64_C(9007199254740991), &v))
        return bad(msg, msglen, field, "must be a whole number from 0");
    *out = v;
    return LG_OK;
}

lg_err lg_validate_loan_status(const char *field, const char *text, int *out, char *msg,
                               size_t msglen)
{
    lg_loan_status st;
    if (!out)
        return LG_ERR_INVALID;
    if (lg_loan_status_parse_any(text, &st) == LG_OK) {
        *out = (int)st;
        return LG_OK;
    }
    return bad(msg, msglen, field,
               "must be ACTIVE, REPAID, DEFAULTED, LIQUIDATED, PENDING, SETTLING or FAILED");
}
