/*
 * sha256.h - SHA-256 and HMAC-SHA256 (OpenSSL), constant-time comparison and secret
 * wiping.
 *
 * Used for stored API-key hashes, webhook and request signatures. Compare MACs and
 * hashes of secrets only with lg_memeq_consttime, never memcmp. No function here
 * allocates on the caller's behalf.
 */
#ifndef LENDGATE_SHA256_H
#define LENDGATE_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include <lendgate/error.h>

#define LG_SHA256_LEN 32
/* 64 lowercase hex digits and the NUL. */
#define LG_SHA256_HEX_LEN 65

/* out = SHA-256(data[0..len)). data may be NULL when len is 0.
 * Returns LG_OK, LG_ERR_INVALID (NULL), LG_ERR_CRYPTO (OpenSSL failed). */
lg_err lg_sha256(uint8_t out[LG_SHA256_LEN], const void *data, size_t len);

/* Writes SHA-256(data) as 64 lowercase hex digits into out (capacity cap).
 * Returns LG_OK, LG_ERR_INVALID (NULL), LG_ERR_OVERFLOW (cap < LG_SHA256_HEX_LEN),
 * LG_ERR_CRYPTO. */
lg_err lg_sha256_hex(char *out, size_t cap, const void *data, size_t len);

/* out = HMAC-SHA256(key, data). key or data may be NULL when its length is 0.
 * Returns LG_OK, LG_ERR_INVALID (NULL), LG_ERR_CRYPTO. */
lg_err lg_hmac_sha256(uint8_t out[LG_SHA256_LEN], const void *key, size_t keylen, const void *data,
                      size_t len);

/* 1 when a[0..len) equals b[0..len), else 0, in a time that depends on len only.
 * 0 when a or b is NULL (unless len is 0, which compares equal). */
int lg_memeq_consttime(const void *a, const void *b, size_t len);

/* Overwrites p[0..len) with zeros in a way the compiler cannot drop. NULL is fine. */
void lg_memwipe(void *p, size_t len);

#endif
