/* ids.c - UUID v4 generation and id syntax checks. */
#include "config.h"

#include <lendgate/ids.h>

#include <ctype.h>
#include <openssl/rand.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

/* Random bytes for ids, drawn from the CSPRNG a page at a time: one RAND_bytes per
 * request id cost a responder more than its SQL. The page is wiped in a child at
 * fork (MADV_WIPEONFORK), so two processes never hand out the same bytes; where it
 * cannot be, every id draws its own. */
typedef struct id_pool {
    uint32_t left; /* 0 after a fork: refilled before use */
    uint8_t bytes[4000];
} id_pool;

static id_pool *pool_page(void)
{
    static id_pool *pool;
    static int failed;
    if (pool || failed)
        return pool;
    void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
#ifdef MADV_WIPEONFORK
    if (p != MAP_FAILED && madvise(p, 4096, MADV_WIPEONFORK) == 0)
        return pool = p;
#endif
    if (p != MAP_FAILED)
        munmap(p, 4096);
    failed = 1;
    return NULL;
}

static int random_bytes(uint8_t *out, size_t n)
{
    id_pool *pool = pool_page();
    if (!pool || n > sizeof pool->bytes)
        return RAND_bytes(out, (int)n) == 1 ? 0 : -1;
    if (pool->left < n) {
        if (RAND_bytes(pool->bytes, sizeof pool->bytes) != 1)
            return -1;
        pool->left = sizeof pool->bytes;
    }
    pool->left -= (uint32_t)n;
    memcpy(out, pool->bytes + pool->left, n);
    memset(pool->bytes + pool->left, 0, n); /* handed out once */
    return 0;
}

lg_err lg_uuid_v4(char *buf, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    uint8_t b[16];
    if (!buf || len < LG_UUID_TEXT_LEN)
        return LG_ERR_INVALID;
    if (random_bytes(b, sizeof b) != 0)
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
