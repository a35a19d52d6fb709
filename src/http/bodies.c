/* bodies.c - strict parsing of the borrow and repay bodies into service requests. */
#include "config.h"

#include <lendgate/bodies.h>

#include <lendgate/json_input.h>
#include <lendgate/sha256.h>
#include <lendgate/validate.h>

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

int lg_content_type_is_json(const char *value)
{
    static const char want[] = "application/json";
    if (!value || strncasecmp(value, want, sizeof want - 1) != 0)
        return 0;
    const char *rest = value + sizeof want - 1;
    while (*rest == ' ')
        rest++;
    return *rest == '\0' || *rest == ';';
}

/* The plan's oaidTokenId: a JSON integer 1..2^53 (what a JavaScript number holds
 * exactly), or a decimal string for any uint256 above 0. Never a float. */
static lg_err token_id(const char *field, struct json_object *v, char out[LG_U256_LEN], char *msg,
                       size_t msglen)
{
    if (json_object_is_type(v, json_type_string)) {
        const char *s = NULL;
        lg_err rc = lg_json_string(field, v, &s, msg, msglen);
        if (rc == LG_OK)
            rc = lg_validate_u256(field, s, out, msg, msglen);
        if (rc == LG_OK && strcmp(out, "0") == 0) {
            snprintf(msg, msglen, "%s: must be greater than zero", field);
            rc = LG_ERR_INVALID;
        }
        return rc;
    }
    if (!json_object_is_type(v, json_type_int)) {
        snprintf(msg, msglen, "%s: must be an integer or a decimal string", field);
        return LG_ERR_INVALID;
    }
    int64_t n = json_object_get_int64(v);
    if (n <= 0 || n > LG_JSON_SAFE_INT) {
        snprintf(msg, msglen,
                 n <= 0 ? "%s: must be greater than zero"
                        : "%s: above 2^53: give it as a decimal string",
                 field);
        return LG_ERR_INVALID;
    }
    snprintf(out, LG_U256_LEN, "%lld", (long long)n);
    return LG_OK;
}

/* The partner's metadata: an object, stored and returned as canonical JSON. */
static lg_err metadata(struct json_object *v, char out[LG_METADATA_LEN], char *msg, size_t msglen)
{
    if (!json_object_is_type(v, json_type_object)) {
        snprintf(msg, msglen, "metadata: must be an object");
        return LG_ERR_INVALID;
    }
    lg_err rc = lg_json_canonical(v, LG_METADATA_MAX_DEPTH, out, LG_METADATA_LEN);
    if (rc == LG_ERR_INVALID)
        snprintf(msg, msglen, "metadata: nested deeper than %d levels", LG_METADATA_MAX_DEPTH);
    else if (rc != LG_OK)
        snprintf(msg, msglen, "metadata: longer than %d bytes", LG_METADATA_LEN - 1);
    return rc == LG_OK ? LG_OK : LG_ERR_INVALID;
}

static lg_err borrow_fields(struct json_object **v, lg_borrow_request *out, char *msg,
                            size_t msglen)
{
    const char *plid = NULL, *wallet = NULL, *amount = NULL;
    lg_err rc = lg_json_string("partnerLoanId", v[0], &plid, msg, msglen);
    if (rc == LG_OK)
        rc = lg_validate_loan_id("partnerLoanId", plid, out->partner_loan_id, msg, msglen);
    if (rc == LG_OK)
        rc = lg_json_string("userWallet", v[1], &wallet, msg, msglen);
    if (rc == LG_OK)
        rc = lg_validate_address("userWallet", wallet, out->user_wallet, msg, msglen);
    if (rc == LG_OK)
        rc = token_id("oaidTokenId", v[2], out->oaid, msg, msglen);
    if (rc == LG_OK)
        rc = lg_json_string("borrowAmount", v[3], &amount, msg, msglen);
    if (rc == LG_OK)
        rc = lg_validate_amount("borrowAmount", amount, &out->amount, msg, msglen);
    if (rc == LG_OK && v[4])
        rc = metadata(v[4], out->metadata, msg, msglen);
    return rc;
}

lg_err lg_parse_borrow(const char *body, size_t len, lg_borrow_request *out, char *msg,
                       size_t msglen)
{
    static const lg_json_field fields[] = {{"partnerLoanId", 1},
                                           {"userWallet", 1},
                                           {"oaidTokenId", 1},
                                           {"borrowAmount", 1},
                                           {"metadata", 0}};
    struct json_object *v[5];
    struct json_object *obj = NULL;
    if (!out || !msg || msglen == 0)
        return LG_ERR_INVALID;
    memset(out, 0, sizeof *out);
    lg_err rc = lg_json_parse_object(body, len, LG_JSON_MAX_DEPTH, &obj, msg, msglen);
    if (rc == LG_OK)
        rc = lg_json_take(obj, fields, 5, v, msg, msglen);
    if (rc == LG_OK)
        rc = borrow_fields(v, out, msg, msglen);
    json_object_put(obj);
    if (rc != LG_OK)
        return rc;
    /* Loans without metadata hash as they did before metadata existed, so a retry
     * across an upgrade still finds its loan. */
    char canon[LG_ID_LEN + LG_ADDR_LEN + LG_U256_LEN + LG_METADATA_LEN + 48];
    int n = snprintf(canon, sizeof canon, "borrow\n%s\n%s\n%s\n%llu%s%s", out->partner_loan_id,
                     out->user_wallet, out->oaid, (unsigned long long)out->amount,
                     out->metadata[0] ? "\n" : "", out->metadata);
    if (n < 0 || (size_t)n >= sizeof canon)
        return LG_ERR_OVERFLOW;
    if (lg_sha256_hex(out->request_hash, sizeof out->request_hash, canon, (size_t)n) != LG_OK) {
        snprintf(msg, msglen, "request hash failed");
        return LG_ERR_CRYPTO;
    }
    return LG_OK;
}

lg_err lg_parse_repay(const char *body, size_t len, lg_repay_request *out, char *msg, size_t msglen)
{
    static const lg_json_field fields[] = {
        {"partnerLoanId", 1}, {"repaymentAmount", 1}, {"repaymentTxHash", 0}};
    const char *v[3];
    struct json_object *obj = NULL;
    if (!out || !msg || msglen == 0)
        return LG_ERR_INVALID;
    memset(out, 0, sizeof *out);
    lg_err rc = lg_json_parse_object(body, len, LG_JSON_MAX_DEPTH, &obj, msg, msglen);
    if (rc == LG_OK)
        rc = lg_json_take_strings(obj, fields, 3, v, msg, msglen);
    if (rc == LG_OK)
        rc = lg_validate_loan_id("partnerLoanId", v[0], out->partner_loan_id, msg, msglen);
    if (rc == LG_OK)
        rc = lg_validate_amount("repaymentAmount", v[1], &out->amount, msg, msglen);
    if (rc == LG_OK && v[2])
        rc = lg_validate_tx_hash("repaymentTxHash", v[2], out->proof_tx, msg, msglen);
    json_object_put(obj);
    return rc;
}

lg_err lg_parse_deposit(const char *body, size_t len, char tx_hash[LG_HASH_LEN], char *msg,
                        size_t msglen)
{
    static const lg_json_field fields[] = {{"txHash", 1}};
    const char *v[1];
    struct json_object *obj = NULL;
    if (!tx_hash || !msg || msglen == 0)
        return LG_ERR_INVALID;
    tx_hash[0] = '\0';
    lg_err rc = lg_json_parse_object(body, len, LG_JSON_MAX_DEPTH, &obj, msg, msglen);
    if (rc == LG_OK)
        rc = lg_json_take_strings(obj, fields, 1, v, msg, msglen);
    if (rc == LG_OK)
        rc = lg_validate_tx_hash("txHash", v[0], tx_hash, msg, msglen);
    json_object_put(obj);
    return rc;
}
