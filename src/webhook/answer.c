/* answer.c - reading an endpoint's answer: the Retry-After header (RFC 9110 10.2.3),
 * delay-seconds or an HTTP-date in any of its three formats (5.6.7). Written by hand
 * rather than with strptime, whose month and day names follow the locale. */
#include "config.h"

#include <lendgate/webhook.h>

#include <string.h>

#define CAP_MS (7LL * 24 * 3600 * 1000)

static const char *const days[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
static const char *const long_days[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                        "Friday", "Saturday", "Sunday"};
static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

typedef struct {
    int year, mon, day, hour, min, sec; /* mon 1..12 */
} civil;

/* Matches one of names at *p exactly (case-sensitive, as the grammar says). */
static int take_name(const char **p, const char *const *names, int count)
{
    for (int i = 0; i < count; i++) {
        size_t n = strlen(names[i]);
        if (strncmp(*p, names[i], n) == 0) {
            *p += n;
            return i;
        }
    }
    return -1;
}

static int take_lit(const char **p, const char *lit)
{
    size_t n = strlen(lit);
    if (strncmp(*p, lit, n) != 0)
        return 0;
    *p += n;
    return 1;
}

/* Exactly n digits into *v. */
static int take_digits(const char **p, int n, int *v)
{
    int x = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return 0;
        x = x * 10 + (c - '0');
    }
    *p += n;
    *v = x;
    return 1;
}

/* "HH:MM:SS" */
static int take_time(const char **p, civil *t)
{
    return take_digits(p, 2, &t->hour) && take_lit(p, ":") && take_digits(p, 2, &t->min) &&
           take_lit(p, ":") && take_digits(p, 2, &t->sec);
}

static int take_month(const char **p, civil *t)
{
    int m = take_name(p, months, 12);
    t->mon = m + 1;
    return m >= 0;
}

/* IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" */
static int imf_fixdate(const char *p, civil *t)
{
    return take_name(&p, days, 7) >= 0 && take_lit(&p, ", ") && take_digits(&p, 2, &t->day) &&
           take_lit(&p, " ") && take_month(&p, t) && take_lit(&p, " ") &&
           take_digits(&p, 4, &t->year) && take_lit(&p, " ") && take_time(&p, t) &&
           take_lit(&p, " GMT") && *p == '\0';
}

/* RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT"; the century is fixed by the caller. */
static int rfc850_date(const char *p, civil *t)
{
    return take_name(&p, long_days, 7) >= 0 && take_lit(&p, ", ") && take_digits(&p, 2, &t->day) &&
           take_lit(&p, "-") && take_month(&p, t) && take_lit(&p, "-") &&
           take_digits(&p, 2, &t->year) && take_lit(&p, " ") && take_time(&p, t) &&
           take_lit(&p, " GMT") && *p == '\0';
}

/* asctime: "Sun Nov  6 08:49:37 1994" (day as two digits or space and one digit). */
static int asctime_date(const char *p, civil *t)
{
    if (!(take_name(&p, days, 7) >= 0 && take_lit(&p, " ") && take_month(&p, t) &&
          take_lit(&p, " ")))
        return 0;
    if (*p == ' ') {
        p++;
        if (!take_digits(&p, 1, &t->day))
            return 0;
    } else if (!take_digits(&p, 2, &t->day))
        return 0;
    return take_lit(&p, " ") && take_time(&p, t) && take_lit(&p, " ") &&
           take_digits(&p, 4, &t->year) && *p == '\0';
}

static int leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int valid(const civil *t)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int dim = mdays[t->mon - 1] + (t->mon == 2 && leap(t->year));
    /* A second of 60 is a leap second (RFC 9110 5.6.7). */
    return t->year >= 1970 && t->day >= 1 && t->day <= dim && t->hour < 24 && t->min < 60 &&
           t->sec <= 60;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int64_t civil_ms(const civil *t)
{
    int64_t s =
        days_from_civil(t->year, t->mon, t->day) * 86400 + t->hour * 3600 + t->min * 60 + t->sec;
    return s * 1000;
}

/* A two-digit year more than 50 years ahead is the most recent past year with those
 * digits (RFC 9110 5.6.7). */
static void fix_century(civil *t, int64_t now_ms)
{
    int64_t now_days = now_ms / 86400000;
    int now_year = 1970 + (int)(now_days / 366); /* a lower bound, then walk up */
    while (days_from_civil(now_year + 1, 1, 1) <= now_days)
        now_year++;
    int year = now_year - now_year % 100 + t->year;
    if (year > now_year + 50)
        year -= 100;
    t->year = year;
}

/* 1*DIGIT, saturating at the cap. */
static int delay_seconds(const char *p, int64_t *ms)
{
    int64_t s = 0;
    if (!*p)
        return 0;
    for (; *p; p++) {
        if (*p < '0' || *p > '9')
            return 0;
        if (s <= CAP_MS / 1000)
            s = s * 10 + (*p - '0');
    }
    *ms = s > CAP_MS / 1000 ? CAP_MS : s * 1000;
    return 1;
}

lg_err lg_webhook_retry_after(const char *value, int64_t now_ms, int64_t *delay_ms)
{
    if (delay_ms)
        *delay_ms = 0;
    if (!value || !delay_ms || now_ms < 0)
        return LG_ERR_INVALID;
    /* Optional whitespace around a field value is not part of it (RFC 9110 5.5). */
    char text[64];
    while (*value == ' ' || *value == '\t')
        value++;
    /* Trimmed only once its whole length is known: a cut value must not pass. */
    size_t n = strnlen(value, 256);
    if (n == 256)
        return LG_ERR_INVALID;
    while (n > 0 && (value[n - 1] == ' ' || value[n - 1] == '\t'))
        n--;
    if (n == 0 || n >= sizeof text)
        return LG_ERR_INVALID;
    memcpy(text, value, n);
    text[n] = '\0';
    if (delay_seconds(text, delay_ms))
        return LG_OK;
    civil t = {0};
    if (rfc850_date(text, &t))
        fix_century(&t, now_ms);
    else if (!imf_fixdate(text, &t) && !asctime_date(text, &t))
        return LG_ERR_INVALID;
    if (!valid(&t))
        return LG_ERR_INVALID;
    int64_t d = civil_ms(&t) - now_ms;
    *delay_ms = d < 0 ? 0 : d > CAP_MS ? CAP_MS : d;
    return LG_OK;
}

lg_webhook_answer lg_webhook_answer_of(int status, int *asks_wait)
{
    if (asks_wait)
        *asks_wait = status == 429 || status == 503;
    if (status >= 200 && status <= 299)
        return LG_WEBHOOK_DELIVERED;
    if (status == 410)
        return LG_WEBHOOK_GONE;
    if (status >= 300 && status <= 399)
        return LG_WEBHOOK_REDIRECT;
    return LG_WEBHOOK_FAILED;
}
