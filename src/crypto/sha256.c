/* sha256.c - SHA-256 and HMAC-SHA256 through OpenSSL, constant-time helpers. */
#include "config.h"

#include <lendgate/hex.h>
#include <lendgate/sha256.h>

#include <limits.h>
#include <nettle/sha2.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

lg_err lg_sha256(uint8_t out[LG_SHA256_LEN], const void *data, size_t len)
{
    /* nettle's, not EVP_Digest: OpenSSL 3 fetches the algorithm on every call, which
     * cost more than the hash itself for the few bytes of a key or an address. */
    struct sha256_ctx ctx;
    if (!out || (!data && len > 0))
        return LG_ERR_INVALID;
    sha256_init(&ctx);
    if (len > 0)
        sha256_update(&ctx, len, data);
    sha256_digest(&ctx, LG_SHA256_LEN, out);
    lg_memwipe(&ctx, sizeof ctx);
    return LG_OK;
}

lg_err lg_sha256_hex(char *out, size_t cap, const void *data, size_t len)
{
    if (!out || (!data && len > 0))
        return LG_ERR_INVALID;
    if (cap < LG_SHA256_HEX_LEN) {
        if (cap > 0)
            out[0] = '\0';
        return LG_ERR_OVERFLOW;
    }
    uint8_t md[LG_SHA256_LEN];
    lg_err err = lg_sha256(md, data, len);
    if (err == LG_OK)
        err = lg_hex_encode(out, cap, md, sizeof md, LG_HEX_BARE);
    lg_memwipe(md, sizeof md);
    return err;
}

lg_err lg_hmac_sha256(uint8_t out[LG_SHA256_LEN], const void *key, size_t keylen, const void *data,
                      size_t len)
{
    static const uint8_t empty[1];
    if (!out || (!key && keylen > 0) || (!data && len > 0) || keylen > INT_MAX)
        return LG_ERR_INVALID;
    unsigned int n = 0;
    if (!HMAC(EVP_sha256(), key ? key : empty, (int)keylen, data ? data : empty, len, out, &n) ||
        n != LG_SHA256_LEN)
        return LG_ERR_CRYPTO;
    return LG_OK;
}

int lg_memeq_consttime(const void *a, const void *b, size_t len)
{
    if (len == 0)
        return 1;
    if (!a || !b)
        return 0;
    return CRYPTO_memcmp(a, b, len) == 0;
}

void lg_memwipe(void *p, size_t len)
{
    if (p && len > 0)
        OPENSSL_cleanse(p, len);
}
