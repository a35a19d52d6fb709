/*
 * apikey.h - partner API keys: pk_<partner>_<live|sandbox>_<32 lowercase hex>.
 *
 * The partner part is [a-z0-9]{1,32}, so the underscores split a key unambiguously.
 * The 32 hex digits are 128 bits from OpenSSL's RAND_bytes. Only SHA-256 of the whole
 * key (lg_apikey_hash) is stored; the 16-character display prefix
 * ("pk_acme_live_1a2") is the only part that may be shown or logged. No allocation.
 */
#ifndef LENDGATE_APIKEY_H
#define LENDGATE_APIKEY_H

#include <stddef.h>

#include <lendgate/error.h>

#define LG_APIKEY_PARTNER_MAX 32
#define LG_APIKEY_SECRET_HEX  32
/* "pk_" + 32 + "_" + "sandbox" + "_" + 32 + NUL */
#define LG_APIKEY_MAX_LEN    77
#define LG_APIKEY_PREFIX_LEN 16
/* 64 hex digits of SHA-256 and the NUL. */
#define LG_APIKEY_HASH_LEN 65

typedef enum {
    LG_APIKEY_LIVE = 0,
    LG_APIKEY_SANDBOX = 1,
} lg_apikey_env;

/* The public parts of a key. */
typedef struct lg_apikey_parts {
    char partner[LG_APIKEY_PARTNER_MAX + 1];
    lg_apikey_env env;
} lg_apikey_parts;

/*
 * Writes a new random key for partner in env into out (capacity cap; LG_APIKEY_MAX_LEN
 * always suffices). The caller owns the text and should wipe it (lg_memwipe) once it
 * has been shown to the partner and its hash stored.
 * Returns LG_OK, LG_ERR_INVALID (NULL, partner not [a-z0-9]{1,32}, unknown env),
 * LG_ERR_OVERFLOW (cap too small), LG_ERR_CRYPTO (no randomness).
 */
lg_err lg_apikey_generate(char *out, size_t cap, const char *partner, lg_apikey_env env);

/* Checks key strictly and splits it into *out (may be NULL to only validate).
 * Returns LG_OK, LG_ERR_INVALID (NULL key or any deviation from the format). */
lg_err lg_apikey_parse(lg_apikey_parts *out, const char *key);

/* Writes lowercase hex SHA-256 of the whole key into out (capacity cap, at least
 * LG_APIKEY_HASH_LEN). The key need not be well-formed: a presented key is hashed and
 * looked up as it is. Returns LG_OK, LG_ERR_INVALID (NULL), LG_ERR_OVERFLOW,
 * LG_ERR_CRYPTO. */
lg_err lg_apikey_hash(char *out, size_t cap, const char *key);

/* Writes the first LG_APIKEY_PREFIX_LEN characters of a well-formed key into out
 * (capacity at least 17). Returns LG_OK, LG_ERR_INVALID (NULL or malformed key),
 * LG_ERR_OVERFLOW (cap). */
lg_err lg_apikey_prefix(char *out, size_t cap, const char *key);

/* "live" or "sandbox"; "unknown" for other values. */
const char *lg_apikey_env_name(lg_apikey_env env);

/* Parses "live" or "sandbox". Returns LG_OK, LG_ERR_INVALID. */
lg_err lg_apikey_env_parse(lg_apikey_env *out, const char *text);

#endif
