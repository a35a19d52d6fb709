/* signature.c - HMAC-SHA256 request signatures over timestamp "." raw body. */
#include "config.h"

#include <lendgate/signature.h>

#include <lendgate/hex.h>
#include <lendgate/sha256.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* mac = HMAC-SHA256(secret, timestamp "." body). The three parts are joined into one
 * buffer because lg_hmac_sha256 takes one; the body is bounded by max_body_bytes. */
static lg_err compute_mac(uint8_t mac[LG_SHA256_LEN], const char *secret, const char *timestamp,
                          const char *body, size_t len)
{
    size_t tlen = strlen(timestamp);
    if (len > SIZE_MAX - tlen - 1)
        return LG_ERR_NOMEM;
    size_t total = tlen + 1 + len;
    char *buf = malloc(total);
    if (!buf)
        return LG_ERR_NOMEM;
    memcpy(buf, timestamp, tlen);
    buf[tlen] = '.';
    if (len)
        memcpy(buf + tlen + 1, body, len);
    lg_err rc = lg_hmac_sha256(mac, secret, strlen(secret), buf, total);
    free(buf);
    return rc;
}

lg_err lg_signature_sign(const char *secret, const char *timestamp, const char *body, size_t len,
                         char out_hex[LG_SIGNATURE_HEX_LEN])
{
    if (!secret || !timestamp || !out_hex || (!body && len))
        return LG_ERR_INVALID;
    out_hex[0] = '\0';
    uint8_t mac[LG_SHA256_LEN];
    lg_err rc = compute_mac(mac, secret, timestamp, body, len);
    if (rc == LG_OK)
        rc = lg_hex_encode(out_hex, LG_SIGNATURE_HEX_LEN, mac, sizeof mac, LG_HEX_BARE);
    lg_memwipe(mac, sizeof mac);
    return rc;
}

/* Parses a millisecond timestamp: 1 to LG_SIGNATURE_TS_DIGITS decimal digits and
 * nothing else, no sign, no leading zero, so each instant has exactly one spelling. */
static int parse_ts(const char *s, int64_t *out)
{
    size_t n = strlen(s);
    if (n == 0 || n > LG_SIGNATURE_TS_DIGITS || (n > 1 && s[0] == '0'))
        return 0;
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 1;
}

/* Sets the outcome of a refusal or failure; returns rc. */
static lg_err outcome(lg_err rc, int code, int *status, char *msg, size_t msglen, const char *text)
{
    if (status)
        *status = code;
    if (msg && msglen)
        snprintf(msg, msglen, "%s", text);
    return rc;
}

static lg_err refuse(int *status, char *msg, size_t msglen, const char *text)
{
    return outcome(LG_ERR_AUTH, 401, status, msg, msglen, text);
}

static lg_err stale(int64_t window_ms, int *status, char *msg, size_t msglen)
{
    char text[80];
    if (window_ms % 60000 == 0)
        snprintf(text, sizeof text, "X-Timestamp outside the %" PRId64 " minute window",
                 window_ms / 60000);
    else
        snprintf(text, sizeof text, "X-Timestamp outside the %" PRId64 " ms window", window_ms);
    return refuse(status, msg, msglen, text);
}

/* Compares the MAC of the request with the one sent, in constant time. */
static lg_err check_mac(const char *secret, const char *ts, const char *sig, const char *body,
                        size_t body_len, uint8_t mac[LG_SHA256_LEN], int *status, char *msg,
                        size_t msglen)
{
    uint8_t sent[LG_SHA256_LEN];
    if (strlen(sig) != 2 * LG_SHA256_LEN ||
        lg_hex_decode_fixed(sent, sizeof sent, sig, LG_HEX_BARE) != LG_OK)
        return refuse(status, msg, msglen, "X-Signature is not 64 hex digits");
    lg_err rc = compute_mac(mac, secret, ts, body, body_len);
    if (rc != LG_OK)
        return outcome(rc, 500, status, msg, msglen, "signature could not be computed");
    int same = lg_memeq_consttime(mac, sent, sizeof sent);
    lg_memwipe(sent, sizeof sent);
    if (!same)
        return refuse(status, msg, msglen, "X-Signature does not match the request");
    return outcome(LG_OK, 200, status, msg, msglen, "");
}

lg_err lg_signature_verify(const char *secret, const char *timestamp_header,
                           const char *signature_header, const char *body, size_t body_len,
                           int64_t now_ms, int64_t window_ms, unsigned char digest_out[32],
                           int *status, char *msg, size_t msglen)
{
    uint8_t mac[LG_SHA256_LEN] = {0};
    if (digest_out)
        memset(digest_out, 0, LG_SHA256_LEN);
    if (!secret || !*secret || (!body && body_len) || window_ms <= 0 || now_ms < 0)
        return outcome(LG_ERR_INVALID, 500, status, msg, msglen, "signature check misconfigured");
    if (!timestamp_header || !*timestamp_header)
        return refuse(status, msg, msglen, "X-Timestamp header missing");
    if (!signature_header || !*signature_header)
        return refuse(status, msg, msglen, "X-Signature header missing");
    int64_t ts;
    if (!parse_ts(timestamp_header, &ts))
        return refuse(status, msg, msglen, "X-Timestamp is not a millisecond timestamp");
    /* Both operands are non-negative, so the differences cannot overflow. */
    if (ts > now_ms ? ts - now_ms > window_ms : now_ms - ts > window_ms)
        return stale(window_ms, status, msg, msglen);
    lg_err rc = check_mac(secret, timestamp_header, signature_header, body, body_len, mac, status,
                          msg, msglen);
    if (rc == LG_OK && digest_out)
        memcpy(digest_out, mac, LG_SHA256_LEN);
    lg_memwipe(mac, sizeof mac);
    return rc;
}
