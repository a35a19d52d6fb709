/* label.c - label text for series keys, and the scrape's growing text buffer. */
#include "config.h"

#include "metrics_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A scrape larger than this is a runaway (every series of every file is a few hundred
 * bytes at most), so the buffer stops there and says it failed. */
#define TEXT_MAX ((size_t)64 << 20)

static int label_name_valid(const char *s)
{
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_'))
        return 0;
    for (s++; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_' ||
              (*s >= '0' && *s <= '9')))
            return 0;
    return 1;
}

/* Bytes value takes escaped. */
static size_t escaped_len(const char *value)
{
    size_t n = 0;
    for (const char *p = value; *p; p++)
        n += (*p == '\\' || *p == '"' || *p == '\n') ? 2 : 1;
    return n;
}

static char *escape_into(char *w, const char *value)
{
    for (const char *p = value; *p; p++) {
        if (*p == '\\' || *p == '"' || *p == '\n')
            *w++ = '\\';
        *w++ = *p == '\n' ? 'n' : *p;
    }
    return w;
}

lg_err lg_metrics_label(char *buf, size_t cap, const char *name, const char *value)
{
    if (!buf || cap == 0 || !name || !value || !label_name_valid(name))
        return LG_ERR_INVALID;
    size_t have = strnlen(buf, cap);
    if (have == cap)
        return LG_ERR_INVALID;
    size_t comma = have > 0, nlen = strlen(name);
    size_t need = comma + nlen + 2 + escaped_len(value) + 1; /* name="value" */
    if (need >= cap - have)
        return LG_ERR_OVERFLOW;
    char *w = buf + have;
    if (comma)
        *w++ = ',';
    memcpy(w, name, nlen);
    w += nlen;
    *w++ = '=';
    *w++ = '"';
    w = escape_into(w, value);
    *w++ = '"';
    *w = '\0';
    return LG_OK;
}

/* Makes room for n more bytes and the NUL in out->data (out's, which the caller
 * free()s). Returns 0, or -1 (and marks out failed). */
static int text_reserve(lg_metrics_text *out, size_t n)
{
    if (out->failed)
        return -1;
    if (n < out->cap - out->len)
        return 0;
    size_t cap = out->cap ? out->cap : 4096;
    while (cap - out->len <= n && cap <= TEXT_MAX)
        cap *= 2;
    char *p = cap - out->len > n && cap <= TEXT_MAX ? realloc(out->data, cap) : NULL;
    if (!p) {
        out->failed = 1;
        return -1;
    }
    out->data = p;
    out->cap = cap;
    return 0;
}

void lg_mx_text_put(lg_metrics_text *out, const char *s, size_t n)
{
    if (!out || text_reserve(out, n) != 0)
        return;
    memcpy(out->data + out->len, s, n);
    out->len += n;
    out->data[out->len] = '\0';
}

/* Formats straight into the free room, and only when that is too small grows the
 * buffer and formats again: most lines of a scrape fit, and it prints thousands. */
void lg_metrics_printf(lg_metrics_text *out, const char *fmt, ...)
{
    va_list ap;
    if (!out || !fmt || out->failed)
        return;
    size_t room = out->cap - out->len;
    va_start(ap, fmt);
    int n = vsnprintf(room ? out->data + out->len : NULL, room, fmt, ap);
    va_end(ap);
    if (n < 0) {
        if (room)
            out->data[out->len] = '\0';
        return;
    }
    if ((size_t)n >= room) {
        if (text_reserve(out, (size_t)n) != 0) {
            if (room)
                out->data[out->len] = '\0';
            return;
        }
        va_start(ap, fmt);
        vsnprintf(out->data + out->len, out->cap - out->len, fmt, ap);
        va_end(ap);
    }
    out->len += (size_t)n;
}
