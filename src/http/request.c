/* request.c - CGI parameters and the bounded body of one FastCGI request. */
#include "config.h"

#include <lendgate/request.h>

#include <lendgate/ids.h>
#include <lendgate/netaddr.h>
#include <lendgate/sha256.h>
#include <lendgate/time.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* Copies src into dst (cap bytes); returns 1 when it had to cut. */
static int copy_cut(char *dst, size_t cap, const char *src)
{
    size_t n = src ? strlen(src) : 0;
    int cut = n >= cap;
    if (cut)
        n = cap - 1;
    if (n)
        memcpy(dst, src, n);
    dst[n] = '\0';
    return cut;
}

/* Copies only printable ASCII (others become '?'), cut to cap: headers end up in
 * logs and audit rows. */
static void copy_printable(char *dst, size_t cap, const char *src)
{
    size_t o = 0;
    for (; src && *src && o + 1 < cap; src++) {
        unsigned char c = (unsigned char)*src;
        dst[o++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    dst[o] = '\0';
}

int lg_request_id_sane(const char *id)
{
    if (!id || !*id)
        return 0;
    size_t n = 0;
    for (; id[n]; n++) {
        unsigned char c = (unsigned char)id[n];
        if (n >= 64 || c > 0x7f || !(isalnum(c) || c == '.' || c == '_' || c == ':' || c == '-'))
            return 0;
    }
    return 1;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

lg_err lg_percent_decode(char *out, size_t cap, const char *src, size_t len, int plus_space)
{
    if (!out || !src || cap == 0)
        return LG_ERR_INVALID;
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        int c = (unsigned char)src[i];
        if (c == '%') {
            if (i + 2 >= len)
                return LG_ERR_INVALID;
            int hi = hexval((unsigned char)src[i + 1]);
            int lo = hexval((unsigned char)src[i + 2]);
            if (hi < 0 || lo < 0)
                return LG_ERR_INVALID;
            c = hi * 16 + lo;
            i += 2;
        } else if (c == '+' && plus_space) {
            c = ' ';
        }
        if (c < 0x20 || c == 0x7f)
            return LG_ERR_INVALID;
        if (o + 1 >= cap)
            return LG_ERR_OVERFLOW;
        out[o++] = (char)c;
    }
    out[o] = '\0';
    return LG_OK;
}

/* Trims blanks around s[*a..*b). */
static void trim(const char *s, size_t *a, size_t *b)
{
    while (*a < *b && (s[*a] == ' ' || s[*a] == '\t'))
        (*a)++;
    while (*b > *a && (s[*b - 1] == ' ' || s[*b - 1] == '\t'))
        (*b)--;
}

/*
 * Walks X-Forwarded-For from the right, past the hops that are trusted proxies, and
 * writes the first untrusted one (or the leftmost, when all are trusted) into
 * client_ip. Leaves client_ip alone when a hop is not a bare address: see request.h.
 */
static void forwarded_client(char *client_ip, size_t cap, const char *xff,
                             const lg_allowlist *trusted)
{
    lg_netaddr hop, found;
    int have = 0;
    size_t end = strlen(xff);
    for (;;) {
        size_t start = end;
        while (start > 0 && xff[start - 1] != ',')
            start--;
        size_t a = start, b = end;
        trim(xff, &a, &b);
        if (lg_netaddr_parse(&hop, xff + a, b - a) != LG_OK)
            return;
        found = hop;
        have = 1;
        if (!lg_allowlist_contains(trusted, &hop) || start == 0)
            break;
        end = start - 1;
    }
    char text[LG_NETADDR_TEXT_LEN];
    if (have && lg_netaddr_format(text, sizeof text, &found) == LG_OK)
        copy_cut(client_ip, cap, text);
}

/* Replaces client_ip by the forwarded client when the peer is a trusted proxy.
 * Returns LG_OK, LG_ERR_CONFIG (trusted_proxies does not parse). */
static lg_err resolve_client(lg_request *r, const char *trusted_proxies, const char *xff)
{
    if (!trusted_proxies || !*trusted_proxies)
        return LG_OK;
    lg_allowlist trusted;
    if (lg_allowlist_parse(&trusted, "trusted_proxies", trusted_proxies, NULL, 0) != LG_OK)
        return LG_ERR_CONFIG;
    lg_netaddr peer;
    if (!xff || lg_netaddr_parse(&peer, r->client_ip, strlen(r->client_ip)) != LG_OK ||
        !lg_allowlist_contains(&trusted, &peer))
        return LG_OK;
    forwarded_client(r->client_ip, sizeof r->client_ip, xff, &trusted);
    return LG_OK;
}

lg_err lg_request_check_proxies(const char *trusted_proxies, char *msg, size_t msglen)
{
    if (msg && msglen)
        msg[0] = '\0';
    if (!trusted_proxies)
        return LG_OK;
    lg_allowlist trusted;
    lg_err rc = lg_allowlist_parse(&trusted, "trusted_proxies", trusted_proxies, msg, msglen);
    return rc == LG_OK ? LG_OK : LG_ERR_CONFIG;
}

static void init_path(lg_request *r, lg_param_fn param, void *ctx)
{
    const char *uri = param(ctx, "REQUEST_URI");
    if (uri && *uri) {
        size_t n = strcspn(uri, "?");
        if (n >= sizeof r->path) {
            /* What fits is kept, so the router can name the parameter that is too long. */
            r->path_too_long = 1;
            n = sizeof r->path - 1;
        }
        memcpy(r->path, uri, n);
        r->path[n] = '\0';
        return;
    }
    const char *script = param(ctx, "SCRIPT_NAME");
    const char *info = param(ctx, "PATH_INFO");
    size_t a = script ? strlen(script) : 0, b = info ? strlen(info) : 0;
    if (a + b >= sizeof r->path) {
        r->path_too_long = 1;
        if (a >= sizeof r->path)
            a = sizeof r->path - 1;
        b = sizeof r->path - 1 - a;
    }
    if (a)
        memcpy(r->path, script, a);
    if (b)
        memcpy(r->path + a, info, b);
    r->path[a + b] = '\0';
}

/* Copies printable ASCII, cut to cap; returns 1 when src did not fit. */
static int copy_header(char *dst, size_t cap, const char *src)
{
    copy_printable(dst, cap, src);
    return src && strlen(src) >= cap;
}

/* The signature headers; lg_signature_verify judges them, here they are only bounded. */
static void init_signing(lg_request *r, lg_param_fn param, void *ctx)
{
    r->x_timestamp_too_long =
        copy_header(r->x_timestamp, sizeof r->x_timestamp, param(ctx, "HTTP_X_TIMESTAMP"));
    r->x_signature_too_long =
        copy_header(r->x_signature, sizeof r->x_signature, param(ctx, "HTTP_X_SIGNATURE"));
}

/* Idempotency-Key: 1 to 64 printable ASCII characters, an opaque name kept as sent;
 * anything else is flagged, never cut or mended into another key. */
static void init_idem_key(lg_request *r, const char *v)
{
    if (!v)
        return;
    size_t n = strnlen(v, sizeof r->idem_key);
    int ok = n > 0 && n < sizeof r->idem_key;
    for (size_t i = 0; ok && i < n; i++)
        ok = (unsigned char)v[i] >= 0x20 && (unsigned char)v[i] < 0x7f;
    if (ok)
        memcpy(r->idem_key, v, n + 1);
    else
        r->idem_key_bad = 1;
}

static int64_t parse_length(const char *s)
{
    if (!s || !*s)
        return -1;
    int64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > INT64_MAX / 10 - 10)
            return INT64_MAX;
        v = v * 10 + (*s - '0');
    }
    return v;
}

lg_err lg_request_init(lg_request *r, lg_param_fn param, void *ctx, const char *trusted_proxies)
{
    if (!r || !param)
        return LG_ERR_INVALID;
    memset(r, 0, sizeof *r);
    r->start_mono_ms = lg_time_mono_ms();
    copy_printable(r->method, sizeof r->method, param(ctx, "REQUEST_METHOD"));
    init_path(r, param, ctx);
    r->query_too_long = copy_cut(r->query, sizeof r->query, param(ctx, "QUERY_STRING"));
    copy_printable(r->content_type, sizeof r->content_type, param(ctx, "CONTENT_TYPE"));
    copy_cut(r->authorization, sizeof r->authorization, param(ctx, "HTTP_AUTHORIZATION"));
    copy_printable(r->user_agent, sizeof r->user_agent, param(ctx, "HTTP_USER_AGENT"));
    copy_printable(r->remote_user, sizeof r->remote_user, param(ctx, "REMOTE_USER"));
    init_signing(r, param, ctx);
    init_idem_key(r, param(ctx, "HTTP_IDEMPOTENCY_KEY"));
    copy_printable(r->client_ip, sizeof r->client_ip, param(ctx, "REMOTE_ADDR"));
    lg_err proxies = resolve_client(r, trusted_proxies, param(ctx, "HTTP_X_FORWARDED_FOR"));
    r->content_length = parse_length(param(ctx, "CONTENT_LENGTH"));
#ifdef LG_TEST_HOOKS
    copy_printable(r->crash_at, sizeof r->crash_at, param(ctx, "HTTP_X_LENDGATE_CRASH_AT"));
    copy_printable(r->store_fault, sizeof r->store_fault,
                   param(ctx, "HTTP_X_LENDGATE_STORE_FAULT"));
#endif
    const char *rid = param(ctx, "HTTP_X_REQUEST_ID");
    if (lg_request_id_sane(rid))
        copy_cut(r->request_id, sizeof r->request_id, rid);
    else if (lg_uuid_v4(r->request_id, sizeof r->request_id) != LG_OK)
        return LG_ERR_CRYPTO;
    return proxies;
}

/* Reads and drops what is left of a body that is too large, up to a hard bound. */
static lg_err drain(lg_read_fn read, void *ctx)
{
    char buf[16384];
    size_t total = 0;
    for (;;) {
        long n = read(ctx, buf, sizeof buf);
        if (n < 0)
            return LG_ERR_IO;
        if (n == 0)
            return LG_OK;
        total += (size_t)n;
        /* A client streaming without end is cut off rather than read forever. */
        if (total > ((size_t)256 << 20))
            return LG_ERR_IO;
    }
}

lg_err lg_request_read_body(lg_request *r, lg_read_fn read, void *ctx, size_t max)
{
    if (!r || !read)
        return LG_ERR_INVALID;
    if (r->content_length == 0)
        return LG_OK;
    if (r->content_length > 0 && (uint64_t)r->content_length > max) {
        r->body_too_large = 1;
        return drain(read, ctx);
    }
    size_t cap = r->content_length > 0 ? (size_t)r->content_length + 1 : 4097;
    char *buf = malloc(cap);
    if (!buf)
        return LG_ERR_NOMEM;
    size_t len = 0;
    for (;;) {
        if (len + 1 == cap) {
            /* len <= max here, so the new capacity is always larger. */
            size_t ncap = cap * 2 > max + 2 ? max + 2 : cap * 2;
            char *nb = realloc(buf, ncap);
            if (!nb) {
                free(buf);
                return LG_ERR_NOMEM;
            }
            buf = nb;
            cap = ncap;
        }
        long n = read(ctx, buf + len, cap - 1 - len);
        if (n < 0) {
            free(buf);
            return LG_ERR_IO;
        }
        if (n == 0)
            break;
        len += (size_t)n;
        if (len > max) {
            free(buf);
            r->body_too_large = 1;
            return drain(read, ctx);
        }
    }
    buf[len] = '\0';
    r->body = buf;
    r->body_len = len;
    return LG_OK;
}

void lg_request_release(lg_request *r)
{
    if (!r)
        return;
    free(r->body);
    r->body = NULL;
    r->body_len = 0;
    lg_memwipe(r->authorization, sizeof r->authorization);
    lg_memwipe(r->x_signature, sizeof r->x_signature);
}

const char *lg_request_param(const lg_request *r, const char *name)
{
    if (!r || !name)
        return NULL;
    for (size_t i = 0; i < r->nparams; i++)
        if (strcmp(r->params[i].name, name) == 0)
            return r->params[i].value;
    return NULL;
}

lg_err lg_request_query(const lg_request *r, const char *name, char *out, size_t cap)
{
    if (!r || !name || !out || cap == 0)
        return LG_ERR_INVALID;
    size_t w = strlen(name);
    for (const char *p = r->query; *p;) {
        size_t n = strcspn(p, "&");
        const char *eq = memchr(p, '=', n);
        size_t klen = eq ? (size_t)(eq - p) : n;
        if (klen == w && strncmp(p, name, w) == 0) {
            const char *v = eq ? eq + 1 : p + n;
            return lg_percent_decode(out, cap, v, (size_t)(p + n - v), 1);
        }
        p += n;
        if (*p == '&')
            p++;
    }
    return LG_ERR_NOT_FOUND;
}
