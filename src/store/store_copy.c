/*
 * store_copy.c - lg_store_copy and the census (store_copy.h): what a table's sums
 * are is written here once, for every backend.
 */
#include "config.h"

#include <lendgate/store_backend.h>
#include <lendgate/store_copy.h>

#include <lendgate/log.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LG_COPY_NAME(id, name) name,
static const char *const table_names[LG_COPY__COUNT] = {LG_COPY_TABLES(LG_COPY_NAME)};
#undef LG_COPY_NAME

/* The summed columns of each table, by their SQLite names; NULL ends a list. */
static const char *const sum_names[LG_COPY__COUNT][LG_CENSUS_SUMS + 1] = {
    [LG_COPY_PARTNERS] = {"outstanding", "total_borrowed", "total_repaid", "total_fees",
                          "deposited", "balance_used", NULL},
    [LG_COPY_POSITIONS] = {"total_partner_debt", "collateral_amount", "collateral_value",
                           "usdc_borrowed", NULL},
    [LG_COPY_LOANS] = {"amount", "fee", "net", "remaining", "repaid", "repay_pending", NULL},
    [LG_COPY_POSITION_LOANS] = {"debt", NULL},
    [LG_COPY_REPAYMENTS] = {"amount", "funded", NULL},
    [LG_COPY_DEPOSITS] = {"amount", NULL},
    [LG_COPY_LEDGER] = {"amount", NULL},
    [LG_COPY_DAILY_USAGE] = {"borrowed", NULL},
    [LG_COPY_CHAIN_TXS] = {"nonce", NULL},
    [LG_COPY_NONCES] = {"next_nonce", NULL},
    [LG_COPY_EVENTS] = {"seq", NULL},
    [LG_COPY_CURSORS] = {"block", NULL},
    [LG_COPY_AUDIT_JOURNAL] = {"offset_bytes", NULL},
    [LG_COPY_GUARD_RATES] = {"current", "previous", NULL},
};

const char *lg_copy_table_name(lg_copy_table t)
{
    return (unsigned)t < LG_COPY__COUNT ? table_names[t] : "";
}

const char *lg_copy_sum_name(lg_copy_table t, size_t i)
{
    if ((unsigned)t >= LG_COPY__COUNT || i >= LG_CENSUS_SUMS)
        return NULL;
    return sum_names[t][i];
}

/* The values of r's summed columns, as text amounts or numbers; returns how many. */
typedef struct sum_value {
    const char *text; /* a decimal uint256, or NULL for num */
    uint64_t num;
} sum_value;

static size_t sum_values_money(const lg_copy_record *r, sum_value *v)
{
    switch (r->table) {
    case LG_COPY_PARTNERS: {
        const lg_partner *p = &r->u.partner.p;
        v[0].num = p->outstanding, v[1].num = p->total_borrowed, v[2].num = p->total_repaid;
        v[3].num = p->total_fees, v[4].num = p->deposited, v[5].num = p->balance_used;
        return 6;
    }
    case LG_COPY_POSITIONS: {
        const lg_position *p = &r->u.position;
        v[0].num = p->total_partner_debt, v[1].text = p->collateral_amount;
        v[2].text = p->collateral_value, v[3].text = p->usdc_borrowed;
        return 4;
    }
    case LG_COPY_LOANS: {
        const lg_loan *l = &r->u.loan;
        v[0].num = l->amount, v[1].num = l->fee, v[2].num = l->net, v[3].num = l->remaining;
        v[4].num = l->repaid, v[5].num = l->repay_pending;
        return 6;
    }
    case LG_COPY_REPAYMENTS:
        v[0].num = r->u.repayment.amount, v[1].num = r->u.repayment.funded;
        return 2;
    default:
        return 0;
    }
}

static size_t sum_values(const lg_copy_record *r, sum_value *v)
{
    memset(v, 0, sizeof(sum_value) * LG_CENSUS_SUMS);
    switch (r->table) {
    case LG_COPY_POSITION_LOANS:
        return v[0].num = r->u.link.debt, 1;
    case LG_COPY_DEPOSITS:
        return v[0].num = r->u.deposit.amount, 1;
    case LG_COPY_LEDGER:
        return v[0].num = r->u.ledger.amount, 1;
    case LG_COPY_DAILY_USAGE:
        return v[0].num = r->u.usage.borrowed, 1;
    case LG_COPY_CHAIN_TXS:
        return v[0].num = r->u.tx.nonce, 1;
    case LG_COPY_NONCES:
        return v[0].num = r->u.nonce.next, 1;
    case LG_COPY_EVENTS:
        return v[0].num = r->u.event.seq, 1;
    case LG_COPY_CURSORS:
        return v[0].num = r->u.cursor.block, 1;
    case LG_COPY_AUDIT_JOURNAL:
        return v[0].num = r->u.journal.offset, 1;
    case LG_COPY_GUARD_RATES:
        return v[0].num = r->u.rate.current, v[1].num = r->u.rate.previous, 2;
    default:
        return sum_values_money(r, v);
    }
}

lg_err lg_store_census_add(lg_census *c, const lg_copy_record *r)
{
    if (!c || !r || (unsigned)r->table >= LG_COPY__COUNT)
        return LG_ERR_INVALID;
    lg_census_row *row = &c->t[r->table];
    sum_value v[LG_CENSUS_SUMS];
    size_t n = sum_values(r, v);
    for (size_t i = 0; i < n; i++) {
        lg_u256 x;
        /* A cached chain figure that is not a number (never written so) counts as 0 on
         * both sides alike: the rows themselves are still compared by count. */
        if (!v[i].text)
            lg_u256_from_u64(&x, v[i].num);
        else if (lg_u256_from_dec(&x, v[i].text) != LG_OK)
            lg_u256_from_u64(&x, 0);
        if (lg_u256_add(&row->sums[i], &row->sums[i], &x) != LG_OK)
            return LG_ERR_OVERFLOW;
    }
    row->rows++;
    return LG_OK;
}

lg_err lg_store_census(lg_store *st, lg_census *out)
{
    if (!st || !out)
        return LG_ERR_INVALID;
    memset(out, 0, sizeof *out);
    if (!st->backend->census)
        return LG_ERR_UNSUPPORTED;
    return st->backend->census(st, out);
}

/* ------------------------------------------------------------ copy */

typedef struct copy_run {
    lg_store *dst;
    uint64_t copied;
} copy_run;

static lg_err import_batch(void *ctx, const lg_copy_record *recs, size_t n)
{
    copy_run *run = ctx;
    if (n == 0)
        return LG_OK;
    lg_err rc = run->dst->backend->copy_import(run->dst, recs, n);
    if (rc == LG_OK)
        run->copied += n;
    return rc;
}

/* The first difference of a and b into report; 0 when they are equal. */
static int census_differs(const lg_census *a, const lg_census *b, lg_store_copy_report *report)
{
    for (int t = 0; t < LG_COPY__COUNT; t++) {
        const lg_census_row *x = &a->t[t], *y = &b->t[t];
        if (x->rows != y->rows) {
            report->bad_table = t, report->bad_sum = -1;
            snprintf(report->message, sizeof report->message,
                     "table '%s' has %llu rows in the source but %llu in the target",
                     table_names[t], (unsigned long long)x->rows, (unsigned long long)y->rows);
            return 1;
        }
        for (int i = 0; i < LG_CENSUS_SUMS; i++)
            if (lg_u256_cmp(&x->sums[i], &y->sums[i]) != 0) {
                report->bad_table = t, report->bad_sum = i;
                snprintf(report->message, sizeof report->message,
                         "table '%s': the sum of '%s' differs between source and target",
                         table_names[t], sum_names[t][i] ? sum_names[t][i] : "?");
                return 1;
            }
    }
    return 0;
}

static lg_err refuse_nonempty(lg_store_copy_report *report)
{
    for (int t = 0; t < LG_COPY__COUNT; t++)
        if (report->target.t[t].rows) {
            report->bad_table = t, report->bad_sum = -1;
            snprintf(report->message, sizeof report->message,
                     "the target store is not empty: table '%s' has %llu rows", table_names[t],
                     (unsigned long long)report->target.t[t].rows);
            return LG_ERR_CONFLICT;
        }
    return LG_OK;
}

static lg_err fail(lg_store_copy_report *report, lg_err rc, const char *step)
{
    if (!report->message[0])
        snprintf(report->message, sizeof report->message, "%s failed: %s", step, lg_strerror(rc));
    return rc;
}

lg_err lg_store_copy(lg_store *src, lg_store *dst, lg_store_copy_report *report)
{
    lg_store_copy_report scratch;
    if (!report)
        report = &scratch;
    memset(report, 0, sizeof *report);
    report->bad_table = report->bad_sum = -1;
    if (!src || !dst || src == dst)
        return LG_ERR_INVALID;
    if (!src->backend->copy_export || !src->backend->census)
        return fail(report, LG_ERR_UNSUPPORTED, "exporting from the source");
    if (!dst->backend->copy_import || !dst->backend->census)
        return fail(report, LG_ERR_UNSUPPORTED, "importing into the target");
    lg_err rc = lg_store_census(dst, &report->target);
    if (rc != LG_OK)
        return fail(report, rc, "the census of the target");
    rc = refuse_nonempty(report);
    if (rc != LG_OK)
        return rc;
    rc = lg_store_census(src, &report->source);
    if (rc != LG_OK)
        return fail(report, rc, "the census of the source");
    copy_run run = {dst, 0};
    rc = src->backend->copy_export(src, import_batch, &run);
    report->copied = run.copied;
    if (rc != LG_OK)
        return fail(report, rc, "the copy");
    rc = lg_store_census(dst, &report->target);
    if (rc != LG_OK)
        return fail(report, rc, "the census of the target");
    if (census_differs(&report->source, &report->target, report))
        return LG_ERR_STATE;
    lg_info("store", "copied %llu records from %s into %s: counts and sums verified",
            (unsigned long long)run.copied, lg_store_backend_name(src), lg_store_backend_name(dst));
    return LG_OK;
}
