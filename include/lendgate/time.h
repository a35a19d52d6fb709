/*
 * time.h - wall-clock time as lendgate sees it: milliseconds since the Unix epoch
 * (UTC), RFC 3339 text and the UTC day key of daily limits.
 *
 * Tests drive the clock with lg_time_set_fixed(); nothing else changes it.
 */
#ifndef LENDGATE_TIME_H
#define LENDGATE_TIME_H

#include <stddef.h>
#include <stdint.h>

#include <lendgate/error.h>

#define LG_RFC3339_LEN 25 /* "2026-11-24T01:48:44.123Z" + NUL */

/* Milliseconds since the epoch: the fixed time when one is set, else CLOCK_REALTIME. */
int64_t lg_time_now_ms(void);

/* Milliseconds from CLOCK_MONOTONIC, for durations; never affected by the fixed time. */
int64_t lg_time_mono_ms(void);

/* The monotonic clock in microseconds, for durations finer than a millisecond. */
int64_t lg_time_mono_us(void);

/* The CPU time this process has used, in microseconds: set against a call's wall time,
 * it tells work from waiting (Server-Timing cpu). */
int64_t lg_time_cpu_us(void);

/* Fixes the clock at ms (tests); a negative ms returns to the real clock. */
void lg_time_set_fixed(int64_t ms);

/* Writes ms as RFC 3339 UTC with milliseconds ("2026-11-24T01:48:44.123Z") into
 * buf (at least LG_RFC3339_LEN). Returns LG_OK, LG_ERR_INVALID (buffer too small or
 * time out of range). */
lg_err lg_time_format_rfc3339(int64_t ms, char *buf, size_t len);

/* Parses an RFC 3339 timestamp ("2026-11-24T01:48:44Z", fraction and numeric offset
 * allowed) or a plain UTC date ("2026-11-24" = its midnight) into *ms.
 * Returns LG_OK, LG_ERR_INVALID. */
lg_err lg_time_parse(const char *text, int64_t *ms);

/* Writes the UTC day of ms as "YYYY-MM-DD" into buf (at least 11 bytes).
 * Returns LG_OK, LG_ERR_INVALID. */
lg_err lg_time_day_key(int64_t ms, char *buf, size_t len);

#endif
