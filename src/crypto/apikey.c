/* apikey.c - generation, strict parsing, hashing and display prefix of API keys. */
#include "config.h"

#include <lendgate/apikey.h>
#include <lendgate/hex.h>
#include <lendgate/sha256.h>

#include <openssl/rand.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static const char *const env_names[] = {"live", "sandbox"};

const char *lg_apikey_env_name(lg_apikey_env env)
{
    if ((unsigned)env > LG_APIKEY_SANDBOX)
        return "unknown";
    return env_names[env];
}

lg_err lg_apikey_env_parse(lg_apikey_env *out, const char *text)
{
    if (!out || !text)
        return LG_ERR_INVALID;
    for (unsigned i = 0; i <= LG_APIKEY_SANDBOX; i++) {
        if (strcmp(text, env_names[i]) == 0) {
            *out = (lg_apikey_env)i;
            return LG_OK;
        }
    }
    return LG_ERR_INVALID;
}

/* Length of the run of [a-z0-9] at s, up to max + 1. */
static size_t lower_alnum_run(const char *s, size_t max)
{
    size_t n = 0;
    while (n <= max && ((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= '0' && s[n] <= '9')))
        n++;
    return n;
}

static int partner_valid(const char *partner)
{
    size_t n = lower_alnum_run(partner, LG_APIKEY_PARTNER_MAX);
    return n >= 1 && n <= LG_APIKEY_PARTNER_MAX && partner[n] == '\0';
}

lg_err lg_apikey_generate(char *out, size_t cap, const char *partner, lg_apikey_env env)
{
    if (!out || !partner || !partner_valid(partner) || (unsigned)env > LG_APIKEY_SANDBOX)
        return LG_ERR_INVALID;
    size_t need = 3 + strlen(partner) + 1 + strlen(env_names[env]) + 1 + LG_APIKEY_SECRET_HEX;
    if (cap < need + 1)
        return LG_ERR_OVERFLOW;
    uint8_t rnd[LG_APIKEY_SECRET_HEX / 2];
    char hex[LG_APIKEY_SECRET_HEX + 1];
    if (RAND_bytes(rnd, sizeof rnd) != 1)
        return LG_ERR_CRYPTO;
    lg_hex_encode(hex, sizeof hex, rnd, sizeof rnd, LG_HEX_BARE);
    snprintf(out, cap, "pk_%s_%s_%s", partner, env_names[env], hex);
    lg_memwipe(rnd, sizeof rnd);
    lg_memwipe(hex, sizeof hex);
    return LG_OK;
}

/* Matches the environment word followed by '_'; returns its length or 0. */
static size_t match_env(const char *s, lg_apikey_env *env)
{
    for (unsigned i = 0; i <= LG_APIKEY_SANDBOX; i++) {
        size_t n = strlen(env_names[i]);
        if (strncmp(s, env_names[i], n) == 0 && s[n] == '_') {
            *env = (lg_apikey_env)i;
            return n;
        }
    }
    return 0;
}

lg_err lg_apikey_parse(lg_apikey_parts *out, const char *key)
{
    if (out)
        memset(out, 0, sizeof *out);
    if (!key || strncmp(key, "pk_", 3) != 0)
        return LG_ERR_INVALID;
    const char *p = key + 3;
    size_t plen = lower_alnum_run(p, LG_APIKEY_PARTNER_MAX);
    if (plen < 1 || plen > LG_APIKEY_PARTNER_MAX || p[plen] != '_')
        return LG_ERR_INVALID;
    lg_apikey_env env = LG_APIKEY_LIVE;
    size_t elen = match_env(p + plen + 1, &env);
    if (elen == 0)
        return LG_ERR_INVALID;
    const char *secret = p + plen + 1 + elen + 1;
    for (size_t i = 0; i < LG_APIKEY_SECRET_HEX; i++) {
        char c = secret[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return LG_ERR_INVALID;
    }
    if (secret[LG_APIKEY_SECRET_HEX] != '\0')
        return LG_ERR_INVALID;
    if (out) {
        memcpy(out->partner, p, plen);
        out->env = env;
    }
    return LG_OK;
}

lg_err lg_apikey_hash(char *out, size_t cap, const char *key)
{
    if (!out || !key)
        return LG_ERR_INVALID;
    return lg_sha256_hex(out, cap, key, strlen(key));
}

lg_err lg_apikey_prefix(char *out, size_t cap, const char *key)
{
    if (!out || !key || lg_apikey_parse(NULL, key) != LG_OK)
        return LG_ERR_INVALID;
    if (cap < LG_APIKEY_PREFIX_LEN + 1)
        return LG_ERR_OVERFLOW;
    memcpy(out, key, LG_APIKEY_PREFIX_LEN);
    out[LG_APIKEY_PREFIX_LEN] = '\0';
    return LG_OK;
}
