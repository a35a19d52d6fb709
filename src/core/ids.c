/* ids.c - UUID v4 generation and id syntax checks. */
#include "config.h"

#include <lendgate/ids.h>

#include <ctype.h>
#include <openssl/rand.h>
#include <stdint.h>
#include <string.h>

lg_err lg_uuid_v4(char *buf, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    uint8_t b[16];
    if (!buf || len < LG_UUID_TEXT_LEN)
        return LG_ERR_INVALID;
    if (RAND_bytes(b, sizeof b) != 1)
        return LG_ERR_CRYPTO;
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x40); /* version 4 */
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    char *o = buf;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            *o++ = '-';
        *o++ = hex[b[i] >> 4];
        *o++ = hex[b[i] & 0x0f];
    }
    *o = '\0';
    return LG_OK;
}

int lg_uuid_valid(const char *s)
{
    if (!s || strlen(s) != 36)
        return 0;
    for (int i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return 0;
        } else if (!isxdigit((unsigned char)s[i])) {
            return 0;
        }
    }
    return 1;
}

int lg_id_valid(const char *s, size_t max)
{
    if (!s || !*s)
        return 0;
    size_t n = 0;
    for (; s[n]; n++) {
        unsigned char c = (unsigned char)s[n];
        if (n >= max || !(isalnum(c) || c == '_' || c == '-') || c > 0x7f)
            return 0;
    }
    return 1;
}
