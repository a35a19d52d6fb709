/* model.c - the names of the domain enumerations, generated from model.h's tables. */
#include "config.h"

#include <lendgate/model.h>

#include <stddef.h>
#include <string.h>
#include <strings.h>

typedef struct named {
    int value;
    const char *name;
} named;

#define LG_MODEL_NAMED(c, v, name) {v, name},

static const named partner_statuses[] = {LG_PARTNER_STATUSES(LG_MODEL_NAMED)};
static const named tiers[] = {LG_TIERS(LG_MODEL_NAMED)};
static const named loan_statuses[] = {LG_LOAN_STATUSES(LG_MODEL_NAMED)};
static const named repay_statuses[] = {LG_REPAY_STATUSES(LG_MODEL_NAMED)};
static const named ledger_kinds[] = {LG_LEDGER_KINDS(LG_MODEL_NAMED)};
static const named repay_kinds[] = {LG_REPAY_KINDS(LG_MODEL_NAMED)};
static const named event_statuses[] = {LG_EVENT_STATUSES(LG_MODEL_NAMED)};
static const named attempt_outcomes[] = {LG_ATTEMPT_OUTCOMES(LG_MODEL_NAMED)};

#define COUNT(t) (sizeof(t) / sizeof((t)[0]))

static const char *name_of(const named *t, size_t n, int v)
{
    for (size_t i = 0; i < n; i++)
        if (t[i].value == v)
            return t[i].name;
    return "UNKNOWN";
}

/* any_case: query arguments and lendgatectl options take names in any case. */
static lg_err value_of(const named *t, size_t n, const char *name, int *v, int any_case)
{
    for (size_t i = 0; name && i < n; i++)
        if ((any_case ? strcasecmp(t[i].name, name) : strcmp(t[i].name, name)) == 0) {
            *v = t[i].value;
            return LG_OK;
        }
    return LG_ERR_INVALID;
}

const char *lg_partner_status_name(lg_partner_status v)
{
    return name_of(partner_statuses, COUNT(partner_statuses), (int)v);
}

const char *lg_tier_name(lg_tier v)
{
    return name_of(tiers, COUNT(tiers), (int)v);
}

const char *lg_loan_status_name(lg_loan_status v)
{
    return name_of(loan_statuses, COUNT(loan_statuses), (int)v);
}

const char *lg_repay_status_name(lg_repay_status v)
{
    return name_of(repay_statuses, COUNT(repay_statuses), (int)v);
}

const char *lg_ledger_kind_name(lg_ledger_kind v)
{
    return name_of(ledger_kinds, COUNT(ledger_kinds), (int)v);
}

const char *lg_repay_kind_name(lg_repay_kind v)
{
    return name_of(repay_kinds, COUNT(repay_kinds), (int)v);
}

const char *lg_event_status_name(lg_event_status v)
{
    return name_of(event_statuses, COUNT(event_statuses), (int)v);
}

const char *lg_attempt_outcome_name(lg_attempt_outcome v)
{
    return name_of(attempt_outcomes, COUNT(attempt_outcomes), (int)v);
}

/* A parser of one table: exact names, or any_case for query arguments and options. */
#define PARSER(fn, table, type, any_case)                                                          \
    lg_err fn(const char *name, type *out)                                                         \
    {                                                                                              \
        int v;                                                                                     \
        if (!out || value_of(table, COUNT(table), name, &v, any_case) != LG_OK)                    \
            return LG_ERR_INVALID;                                                                 \
        *out = (type)v;                                                                            \
        return LG_OK;                                                                              \
    }

PARSER(lg_partner_status_parse, partner_statuses, lg_partner_status, 0)
PARSER(lg_partner_status_parse_any, partner_statuses, lg_partner_status, 1)
PARSER(lg_tier_parse, tiers, lg_tier, 0)
PARSER(lg_tier_parse_any, tiers, lg_tier, 1)
PARSER(lg_loan_status_parse, loan_statuses, lg_loan_status, 0)
PARSER(lg_loan_status_parse_any, loan_statuses, lg_loan_status, 1)
PARSER(lg_event_status_parse_any, event_statuses, lg_event_status, 1)

int lg_partner_public_id(const char *id, char out[LG_ID_LEN])
{
    size_t n = strnlen(id, LG_ID_LEN - 1), sl = sizeof LG_SANDBOX_SUFFIX - 1;
    int twin = n > sl && memcmp(id + n - sl, LG_SANDBOX_SUFFIX, sl) == 0;
    size_t keep = twin ? n - sl : n;
    memcpy(out, id, keep);
    out[keep] = '\0';
    return twin;
}
