/*
 * log.h - one structured line per event, logfmt, to stderr.
 *
 *   ts=2026-11-24T01:48:44.123Z level=warn prog=lendgate.fcgi pid=4242 rid=9f0c...
 *       event=store.busy msg="database locked after 5000 ms"
 *
 * Secrets never reach a log: callers pass keys through lg_redact() first and drop
 * JSON fields for which lg_is_secret_field() holds; as a last line of defence every
 * line is scrubbed of anything shaped like an API key (pk_<partner>_<env>_<32 hex>).
 */
#ifndef LENDGATE_LOG_H
#define LENDGATE_LOG_H

#include <stdarg.h>
#include <stddef.h>

#include <lendgate/error.h>

typedef enum {
    LG_LOG_DEBUG = 0,
    LG_LOG_INFO = 1,
    LG_LOG_WARN = 2,
    LG_LOG_ERROR = 3,
    LG_LOG_OFF = 4
} lg_log_level;

#if defined(__GNUC__)
#define LG_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define LG_PRINTF(f, a)
#endif

/* Sets the program name shown as prog= (kept by pointer: pass a literal) and the
 * lowest level written. */
void lg_log_init(const char *program, lg_log_level level);

/* Parses "debug", "info", "warn", "error", "off". Returns LG_OK, LG_ERR_INVALID. */
lg_err lg_log_level_parse(const char *text, lg_log_level *out);

void lg_log_set_level(lg_log_level level);
lg_log_level lg_log_get_level(void);

/* Sets the request id added as rid= to every line until changed; NULL clears it.
 * The id is copied (at most 64 characters). */
void lg_log_set_request_id(const char *rid);

/* Writes one line at level: event is a dotted name without spaces, fmt the message. */
void lg_log(lg_log_level level, const char *event, const char *fmt, ...) LG_PRINTF(3, 4);
void lg_logv(lg_log_level level, const char *event, const char *fmt, va_list ap) LG_PRINTF(3, 0);

#define lg_debug(ev, ...) lg_log(LG_LOG_DEBUG, ev, __VA_ARGS__)
#define lg_info(ev, ...)  lg_log(LG_LOG_INFO, ev, __VA_ARGS__)
#define lg_warn(ev, ...)  lg_log(LG_LOG_WARN, ev, __VA_ARGS__)
#define lg_error(ev, ...) lg_log(LG_LOG_ERROR, ev, __VA_ARGS__)

/* Redirects output to fd (tests); -1 restores stderr. */
void lg_log_set_fd(int fd);

/*
 * Writes a printable stand-in for a secret into out: for an API key its public part
 * ("pk_acme_live_1a2b…"), for anything else "[redacted]".
 * Never copies more than the first 16 characters of a key and nothing of other
 * secrets. Returns out.
 */
char *lg_redact(const char *secret, char *out, size_t len);

/* Replaces, in place, every API-key-shaped run in s by its redacted form. Returns
 * the number of runs replaced. */
int lg_scrub_keys(char *s);

/*
 * 1 when a JSON field with this name holds a secret and must not be logged or
 * audited (apiKey, secret, signature, privateKey, password, authorization, ...,
 * matched case-insensitively, also as a suffix: "webhookSecret").
 */
int lg_is_secret_field(const char *name);

#endif
