/* sign.c - both signature schemes of a delivery: the plan's hex HMAC of the body and
 * Standard Webhooks' base64 HMAC of "id.timestamp.body". Keys are wiped after use. */
#include "config.h"

#include <lendgate/hex.h>
#include <lendgate/sha256.h>
#include <lendgate/webhook.h>

#include <inttypes.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STD_PREFIX "whsec_"
/* Standard Webhooks secrets are 24 to 64 random bytes; anything longer is read as text. */
#define STD_KEY_MAX 96
/* "v1," and the base64 of 32 bytes (44 characters), NUL included. */
#define STD_ONE_LEN (3 + 44 + 1)

lg_err lg_webhook_sign_plan(const char *secret, const char *body, size_t len,
                            char out[LG_WEBHOOK_PLAN_SIG_LEN])
{
    if (!secret || !secret[0] || !out || (!body && len))
        return LG_ERR_INVALID;
    uint8_t mac[LG_SHA256_LEN];
    lg_err rc = lg_hmac_sha256(mac, secret, strlen(secret), body, len);
    if (rc == LG_OK) {
        memcpy(out, "sha256=", 7);
        rc = lg_hex_encode(out + 7, LG_WEBHOOK_PLAN_SIG_LEN - 7, mac, sizeof mac, LG_HEX_BARE);
    }
    lg_memwipe(mac, sizeof mac);
    if (rc != LG_OK)
        out[0] = '\0';
    return rc == LG_OK ? LG_OK : LG_ERR_INVALID;
}

static int is_b64_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/';
}

/* Decodes padded standard base64 text[0..n) into out (cap bytes). EVP_DecodeBlock
 * skips blanks and counts '=' padding as zero bytes, so the text is checked first
 * and the padding subtracted. Returns the length, or 0 when text is not base64. */
static size_t b64_decode(const char *text, size_t n, uint8_t *out, size_t cap)
{
    if (n == 0 || n % 4 != 0 || n / 4 * 3 > cap || n > INT32_MAX)
        return 0;
    size_t pad = text[n - 1] == '=' ? (text[n - 2] == '=' ? 2 : 1) : 0;
    for (size_t i = 0; i < n - pad; i++)
        if (!is_b64_char(text[i]))
            return 0;
    int got = EVP_DecodeBlock(out, (const unsigned char *)text, (int)n);
    if (got < 0 || (size_t)got < pad)
        return 0;
    return (size_t)got - pad;
}

/* The Standard Webhooks key of secret into key (STD_KEY_MAX bytes) when it is
 * "whsec_<base64>"; otherwise 0 and the secret's own bytes are the key. */
static size_t std_key(const char *secret, uint8_t key[STD_KEY_MAX])
{
    size_t plen = strlen(STD_PREFIX);
    if (strncmp(secret, STD_PREFIX, plen) != 0)
        return 0;
    return b64_decode(secret + plen, strlen(secret + plen), key, STD_KEY_MAX);
}

/* HMAC-SHA256(key, id "." ts "." body) into mac. The message is assembled in a heap
 * buffer (it holds no secret). Returns LG_OK, LG_ERR_NOMEM, LG_ERR_INVALID. */
static lg_err std_mac(uint8_t mac[LG_SHA256_LEN], const void *key, size_t keylen, const char *id,
                      int64_t ts_s, const char *body, size_t len)
{
    char ts[24];
    int tn = snprintf(ts, sizeof ts, "%" PRId64, ts_s);
    size_t idn = strlen(id);
    if (tn <= 0 || len > SIZE_MAX - idn - (size_t)tn - 2)
        return LG_ERR_INVALID;
    size_t total = idn + 1 + (size_t)tn + 1 + len;
    char *msg = malloc(total);
    if (!msg)
        return LG_ERR_NOMEM;
    memcpy(msg, id, idn);
    msg[idn] = '.';
    memcpy(msg + idn + 1, ts, (size_t)tn);
    msg[idn + 1 + (size_t)tn] = '.';
    if (len)
        memcpy(msg + idn + 2 + (size_t)tn, body, len);
    lg_err rc = lg_hmac_sha256(mac, key, keylen, msg, total);
    free(msg);
    return rc == LG_OK ? LG_OK : LG_ERR_INVALID;
}

lg_err lg_webhook_sign_std(const char *secret, const char *id, int64_t ts_s, const char *body,
                           size_t len, char *out, size_t cap)
{
    if (out && cap)
        out[0] = '\0';
    if (!secret || !secret[0] || !id || !id[0] || ts_s < 0 || (!body && len) || !out)
        return LG_ERR_INVALID;
    if (cap < STD_ONE_LEN)
        return LG_ERR_OVERFLOW;
    uint8_t key[STD_KEY_MAX], mac[LG_SHA256_LEN];
    size_t keylen = std_key(secret, key);
    lg_err rc = keylen ? std_mac(mac, key, keylen, id, ts_s, body, len)
                       : std_mac(mac, secret, strlen(secret), id, ts_s, body, len);
    if (rc == LG_OK) {
        memcpy(out, "v1,", 3);
        EVP_EncodeBlock((unsigned char *)out + 3, mac, sizeof mac);
    }
    lg_memwipe(key, sizeof key);
    lg_memwipe(mac, sizeof mac);
    return rc;
}
