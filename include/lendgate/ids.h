/*
 * ids.h - identifiers: random UUID v4 for records and request ids, and the checks
 * applied to ids that come from outside.
 */
#ifndef LENDGATE_IDS_H
#define LENDGATE_IDS_H

#include <stddef.h>

#include <lendgate/error.h>

#define LG_UUID_TEXT_LEN 37 /* 36 characters + NUL */

/* Writes a random (OpenSSL RAND_bytes) UUID v4, lowercase, into buf (at least 37
 * bytes). Returns LG_OK, LG_ERR_INVALID (buffer), LG_ERR_CRYPTO (no randomness). */
lg_err lg_uuid_v4(char *buf, size_t len);

/* 1 when s is a lowercase or uppercase UUID in 8-4-4-4-12 form, else 0. */
int lg_uuid_valid(const char *s);

/* 1 when s matches ^[A-Za-z0-9_-]{1,max}$ (partner loan ids: max 64), else 0. */
int lg_id_valid(const char *s, size_t max);

#endif
