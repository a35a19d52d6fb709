/* log.c - logfmt lines to stderr with request ids and secret scrubbing. */
#include "config.h"

#include <lendgate/log.h>
#include <lendgate/time.h>

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define LINE_MAX_BYTES 4096
#define KEY_MAX_CHARS  76 /* "pk_" + 32 partner + "_sandbox_" + 32 hex */

static const char *log_program = "lendgate";
static lg_log_level log_level = LG_LOG_INFO;
static char log_rid[65];
static int log_fd = STDERR_FILENO;

static const char *const level_names[] = {"debug", "info", "warn", "error", "off"};

void lg_log_init(const char *program, lg_log_level level)
{
    if (program)
        log_program = program;
    log_level = level;
}

lg_err lg_log_level_parse(const char *text, lg_log_level *out)
{
    if (!text || !out)
        return LG_ERR_INVALID;
    for (int i = 0; i <= LG_LOG_OFF; i++) {
        if (strcasecmp(text, level_names[i]) == 0) {
            *out = (lg_log_level)i;
            return LG_OK;
        }
    }
    return LG_ERR_INVALID;
}

void lg_log_set_level(lg_log_level level)
{
    log_level = level;
}

lg_log_level lg_log_get_level(void)
{
    return log_level;
}

void lg_log_set_request_id(const char *rid)
{
    if (!rid) {
        log_rid[0] = '\0';
        return;
    }
    size_t n = 0;
    /* Only printable non-space characters: a request id comes from outside. */
    for (; rid[n] && n < sizeof log_rid - 1; n++)
        log_rid[n] = isgraph((unsigned char)rid[n]) && rid[n] != '"' ? rid[n] : '_';
    log_rid[n] = '\0';
}

void lg_log_set_fd(int fd)
{
    log_fd = fd < 0 ? STDERR_FILENO : fd;
}

/* Appends the message quoted for logfmt: quotes and backslashes escaped, control
 * characters as \n, \t or \xNN, so one event is always one line. */
static size_t append_quoted(char *dst, size_t pos, size_t cap, const char *msg)
{
    static const char hex[] = "0123456789abcdef";
    if (pos < cap)
        dst[pos++] = '"';
    for (const unsigned char *p = (const unsigned char *)msg; *p && pos + 5 < cap; p++) {
        if (*p == '"' || *p == '\\') {
            dst[pos++] = '\\';
            dst[pos++] = (char)*p;
        } else if (*p == '\n') {
            dst[pos++] = '\\';
            dst[pos++] = 'n';
        } else if (*p == '\t') {
            dst[pos++] = '\\';
            dst[pos++] = 't';
        } else if (*p < 0x20 || *p == 0x7f) {
            dst[pos++] = '\\';
            dst[pos++] = 'x';
            dst[pos++] = hex[*p >> 4];
            dst[pos++] = hex[*p & 15];
        } else {
            dst[pos++] = (char)*p;
        }
    }
    if (pos < cap)
        dst[pos++] = '"';
    return pos;
}

/* Masks the tail of s after a "pk_" when only key characters follow it to the end:
 * a message cut to fit its buffer can end in the first part of an API key, which
 * lg_scrub_keys no longer recognizes as one. */
static void mask_cut_key(char *s)
{
    size_t n = strlen(s);
    for (size_t i = n > KEY_MAX_CHARS ? n - KEY_MAX_CHARS : 0; i + 3 <= n; i++) {
        if (strncmp(s + i, "pk_", 3) != 0)
            continue;
        size_t k = i + 3;
        while (k < n && (isalnum((unsigned char)s[k]) || s[k] == '_'))
            k++;
        if (k == n) {
            memset(s + i + 3, '*', n - i - 3);
            return;
        }
    }
}

void lg_logv(lg_log_level level, const char *event, const char *fmt, va_list ap)
{
    if (level < log_level || level >= LG_LOG_OFF)
        return;
    char msg[LINE_MAX_BYTES / 2] = "";
    int full = fmt ? vsnprintf(msg, sizeof msg, fmt, ap) : 0;
    if (full >= (int)sizeof msg)
        mask_cut_key(msg);
    /* Scrubbed before quoting too: quoting can cut the message again, mid-key. */
    lg_scrub_keys(msg);

    char ts[LG_RFC3339_LEN];
    if (lg_time_format_rfc3339(lg_time_now_ms(), ts, sizeof ts) != LG_OK)
        snprintf(ts, sizeof ts, "-");
    char line[LINE_MAX_BYTES];
    int n = snprintf(line, sizeof line, "ts=%s level=%s prog=%s pid=%ld%s%s event=%s msg=", ts,
                     level_names[level], log_program, (long)getpid(), log_rid[0] ? " rid=" : "",
                     log_rid, event ? event : "-");
    if (n < 0)
        return;
    size_t pos = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
    pos = append_quoted(line, pos, sizeof line - 2, msg);
    line[pos++] = '\n';
    line[pos] = '\0';
    lg_scrub_keys(line);
    /* One write(2) per line, so lines from many workers on one stderr never interleave. */
    ssize_t w = write(log_fd, line, strlen(line));
    (void)w;
}

void lg_log(lg_log_level level, const char *event, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    lg_logv(level, event, fmt, ap);
    va_end(ap);
}

/* Length of an API key starting at s: pk_<partner>_<live|sandbox>_<32 hex>, where
 * <partner> is [a-z0-9]+ (1..32); 0 when s does not start one. */
static size_t key_run(const char *s)
{
    if (strncmp(s, "pk_", 3) != 0)
        return 0;
    size_t i = 3, start = 3;
    while (i - start < 32 && (islower((unsigned char)s[i]) || isdigit((unsigned char)s[i])))
        i++;
    if (i == start || s[i] != '_')
        return 0;
    i++;
    if (strncmp(s + i, "live_", 5) == 0)
        i += 5;
    else if (strncmp(s + i, "sandbox_", 8) == 0)
        i += 8;
    else
        return 0;
    for (int k = 0; k < 32; k++, i++)
        if (!isxdigit((unsigned char)s[i]))
            return 0;
    return i;
}

char *lg_redact(const char *secret, char *out, size_t len)
{
    if (!out || len == 0)
        return out;
    size_t klen = secret ? key_run(secret) : 0;
    if (klen > 0) {
        /* The public part: everything before the 32 hex, plus 4 of them (16 at most
         * in all is what the admin UI shows as the key prefix). */
        size_t keep = klen - 32 + 4;
        if (keep > 16)
            keep = 16;
        snprintf(out, len, "%.*s...", (int)keep, secret);
    } else {
        snprintf(out, len, "[redacted]");
    }
    return out;
}

int lg_scrub_keys(char *s)
{
    int count = 0;
    if (!s)
        return 0;
    for (char *p = s; *p; p++) {
        size_t klen = key_run(p);
        if (klen == 0)
            continue;
        /* Keep "pk_<partner>_<env>_" and mask the 32 hex digits in place. */
        memset(p + klen - 32, '*', 32);
        p += klen - 1;
        count++;
    }
    return count;
}

int lg_is_secret_field(const char *name)
{
    static const char *const secret_words[] = {
        "apikey",   "api_key",    "secret",        "signature", "privatekey", "private_key",
        "password", "passphrase", "authorization", "token",     "key_hash",   "keyhash",
    };
    if (!name)
        return 0;
    size_t n = strlen(name);
    for (size_t i = 0; i < sizeof secret_words / sizeof *secret_words; i++) {
        size_t w = strlen(secret_words[i]);
        if (n >= w && strcasecmp(name + n - w, secret_words[i]) == 0)
            return 1;
    }
    return 0;
}
