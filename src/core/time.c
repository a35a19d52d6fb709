/* time.c - epoch milliseconds, RFC 3339 and UTC day keys, with a clock tests can fix. */
#include "config.h"

#include <lendgate/time.h>

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* Per process: a forked test child inherits the parent's fixed time, which is what
 * the daily-rollover tests want. */
static int64_t fixed_ms = -1;

int64_t lg_time_now_ms(void)
{
    if (fixed_ms >= 0)
        return fixed_ms;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t lg_time_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t lg_time_mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t lg_time_cpu_us(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0)
        return 0;
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void lg_time_set_fixed(int64_t ms)
{
    fixed_ms = ms < 0 ? -1 : ms;
}

/* Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm):
 * timegm() is not in C11 and mktime() depends on TZ. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static int split_ms(int64_t ms, struct tm *tm, int *millis)
{
    if (ms < 0 || ms > INT64_C(253402300799999)) /* 9999-12-31T23:59:59.999Z */
        return -1;
    time_t secs = (time_t)(ms / 1000);
    *millis = (int)(ms % 1000);
    return gmtime_r(&secs, tm) ? 0 : -1;
}

lg_err lg_time_format_rfc3339(int64_t ms, char *buf, size_t len)
{
    struct tm tm;
    int millis;
    if (!buf || len < LG_RFC3339_LEN || split_ms(ms, &tm, &millis) != 0)
        return LG_ERR_INVALID;
    snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
    return LG_OK;
}

lg_err lg_time_day_key(int64_t ms, char *buf, size_t len)
{
    struct tm tm;
    int millis;
    if (!buf || len < 11 || split_ms(ms, &tm, &millis) != 0)
        return LG_ERR_INVALID;
    snprintf(buf, len, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    return LG_OK;
}

/* Reads exactly n digits at *p into *out and advances *p. */
static int take_digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return -1;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

static int days_in_month(int y, int m)
{
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : mdays[m - 1];
}

static int parse_date(const char **p, int *y, int *mo, int *d)
{
    if (take_digits(p, 4, y) || *(*p)++ != '-' || take_digits(p, 2, mo) || *(*p)++ != '-' ||
        take_digits(p, 2, d))
        return -1;
    if (*y < 1970 || *mo < 1 || *mo > 12 || *d < 1 || *d > days_in_month(*y, *mo))
        return -1;
    return 0;
}

/* Parses "HH:MM:SS[.fff...]" and the zone ("Z" or +HH:MM/-HH:MM) into *sec_of_day
 * (seconds since midnight, zone applied), *millis. */
static int parse_clock(const char **p, int64_t *sec_of_day, int *millis)
{
    int h, mi, s, frac = 0, digits = 0;
    if (take_digits(p, 2, &h) || *(*p)++ != ':' || take_digits(p, 2, &mi) || *(*p)++ != ':' ||
        take_digits(p, 2, &s))
        return -1;
    if (h > 23 || mi > 59 || s > 59)
        return -1;
    if (**p == '.') {
        (*p)++;
        while (isdigit((unsigned char)**p)) {
            if (digits < 3)
                frac = frac * 10 + (**p - '0');
            digits++;
            (*p)++;
        }
        if (digits == 0 || digits > 9)
            return -1;
        for (int i = digits; i < 3; i++)
            frac *= 10;
    }
    int64_t secs = (int64_t)h * 3600 + mi * 60 + s;
    if (**p == 'Z' || **p == 'z') {
        (*p)++;
    } else if (**p == '+' || **p == '-') {
        int sign = **p == '-' ? -1 : 1, oh, om;
        (*p)++;
        if (take_digits(p, 2, &oh) || *(*p)++ != ':' || take_digits(p, 2, &om) || oh > 23 ||
            om > 59)
            return -1;
        secs -= sign * ((int64_t)oh * 3600 + om * 60);
    } else {
        return -1;
    }
    *sec_of_day = secs;
    *millis = frac;
    return 0;
}

lg_err lg_time_parse(const char *text, int64_t *ms)
{
    if (!text || !ms)
        return LG_ERR_INVALID;
    const char *p = text;
    int y, mo, d, millis = 0;
    int64_t secs = 0;
    if (parse_date(&p, &y, &mo, &d) != 0)
        return LG_ERR_INVALID;
    if (*p == 'T' || *p == 't') {
        p++;
        if (parse_clock(&p, &secs, &millis) != 0)
            return LG_ERR_INVALID;
    }
    if (*p != '\0')
        return LG_ERR_INVALID;
    int64_t total = (days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + secs) * 1000 + millis;
    if (total < 0)
        return LG_ERR_INVALID;
    *ms = total;
    return LG_OK;
}
