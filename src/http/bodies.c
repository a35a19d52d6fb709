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

static lg_err borrow_fields(const char **v, lg_borrow_request *out, char *msg, size_t msglen)
{
    lg_err rc = lg_validate_loan_id("partnerLoanId", v[0], out->partner_loan_id, msg, msglen);
    if (rc == LG_OK)
        rc = lg_validate_address("userWallet", v[1], out->user_wallet, msg, msglen);
    if (rc == LG_OK)
        rc = lg_validate_u256("oaidTokenId", v[2], out->oaid, msg, msglen);
    if (rc == LG_OK)
        rc = lg_validate_amount("amount", v[3], &out->amount, msg, msglen);
    return rc;
}

lg_err lg_parse_borrow(const char *body, size_t len, lg_borrow_request *out, char *msg,
                       size_t msglen)
{
    static const lg_json_field fields[] = {
        {"partnerLoanId", 1}, {"userWallet", 1}, {"oaidTokenId", 1}, {"amount", 1}};
    const char *v[4];
    struct json_object *obj = NULL;
    if (!out || !msg || msglen == 0)
        return LG_ERR_INVALID;
    memset(out, 0, sizeof *out);
    lg_err rc = lg_json_parse_object(body, len, LG_JSON_MAX_DEPTH, &obj, msg, msglen);
    if (rc == LG_OK)
        rc = lg_json_take_strings(obj, fields, 4, v, msg, msglen);
    if (rc == LG_OK)
        rc = borrow_fields(v, out, msg, msglen);
    json_object_put(obj);
    if (rc != LG_OK)
        return rc;
    char canon[LG_ID_LEN + LG_ADDR_LEN + LG_U256_LEN + 48];
    int n = snprintf(canon, sizeof canon, "borrow\n%s\n%s\n%s\n%llu", out->partner_loan_id,
                     out->user_wallet, out->oaid, (unsigned long long)out->amount);
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
        {"partnerLoanId", 1}, {"amount", 1}, {"repaymentTxHash", 0}};
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
        rc = lg_validate_amount("amount", v[1], &out->amount, msg, msglen);
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
