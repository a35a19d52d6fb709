/* admin_loans.c - an administrator ends a partner's loan as DEFAULTED, with its audit
 * row in the same store transaction. */
#include "config.h"

#include "service_internal.h"

#include <lendgate/admin.h>

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#define DEFAULT_REASON "defaulted by an administrator"

typedef struct loan_audit {
    const lg_admin_actor *who;
    const lg_loan *before; /* the loan as read before the change */
    const char *reason;
} loan_audit;

/* {"status": ..., "remaining": ..., ["failureReason": ...]} into out (cap bytes). */
static lg_err loan_state_json(const lg_loan *l, lg_loan_status status, const char *reason,
                              char *out, size_t cap)
{
    struct json_object *o = json_object_new_object();
    char remaining[24];
    if (!o)
        return LG_ERR_NOMEM;
    snprintf(remaining, sizeof remaining, "%llu", (unsigned long long)l->remaining);
    json_object_object_add(o, "partnerId", json_object_new_string(l->partner_id));
    json_object_object_add(o, "partnerLoanId", json_object_new_string(l->partner_loan_id));
    json_object_object_add(o, "status", json_object_new_string(lg_loan_status_name(status)));
    json_object_object_add(o, "remainingDebt", json_object_new_string(remaining));
    if (reason)
        json_object_object_add(o, "failureReason", json_object_new_string(reason));
    const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
    lg_err rc = text && strlen(text) < cap ? LG_OK : LG_ERR_OVERFLOW;
    if (rc == LG_OK)
        memcpy(out, text, strlen(text) + 1);
    json_object_put(o);
    return rc;
}

/* The hook's row: the loan's state before and after, not the partner's (which the
 * change leaves alone). */
static lg_err loan_audit_fill(void *ctx, const lg_partner *before, const lg_partner *after,
                              lg_admin_audit *row)
{
    const loan_audit *c = ctx;
    (void)before;
    (void)after;
    lg_svc_audit_row(row, c->who, "loan.default", c->before->id);
    lg_err rc = loan_state_json(c->before, c->before->status, NULL, row->before_json,
                                sizeof row->before_json);
    if (rc == LG_OK)
        rc = loan_state_json(c->before, LG_LOAN_DEFAULTED, c->reason, row->after_json,
                             sizeof row->after_json);
    return rc;
}

static lg_err not_active(lg_outcome *out, const lg_loan *l)
{
    return lg_svc_fail(out, LG_ERR_CONFLICT, "", "Loan is %s: only an ACTIVE loan can be defaulted",
                       lg_loan_status_name(l->status));
}

static lg_err default_failed(lg_outcome *out, lg_err rc, const lg_loan *l)
{
    if (rc == LG_ERR_NOT_FOUND)
        return lg_svc_fail(out, LG_ERR_NOT_FOUND, "", "Loan not found");
    if (rc == LG_ERR_STATE)
        return not_active(out, l);
    return lg_svc_store_failed(out, rc, "defaulting the loan");
}

lg_err lg_admin_loan_default(lg_service *svc, const lg_admin_actor *who, const char *loan_id,
                             const char *reason, lg_loan *after, lg_outcome *out)
{
    lg_store *st = svc ? svc->st : NULL;
    lg_loan cur, scratch;
    if (!after)
        after = &scratch;
    if (!out)
        return LG_ERR_INVALID;
    if (!st || !who || !loan_id)
        return lg_svc_missing_args(out);
    if (!reason || !reason[0])
        reason = DEFAULT_REASON;
    /* Loan ids are the store's UUIDs: anything longer names no loan. */
    if (strlen(loan_id) >= LG_UUID_LEN)
        return default_failed(out, LG_ERR_NOT_FOUND, NULL);
    lg_err rc = lg_store_loan_get_by_id(st, loan_id, &cur);
    if (rc != LG_OK)
        return default_failed(out, rc, &cur);
    if (cur.status != LG_LOAN_ACTIVE)
        return not_active(out, &cur);
    loan_audit ctx = {who, &cur, reason};
    lg_audit_hook hook = {loan_audit_fill, &ctx};
    rc = lg_store_loan_default(st, loan_id, reason, &hook, after);
    if (rc == LG_ERR_STATE && lg_store_loan_get_by_id(st, loan_id, &cur) != LG_OK)
        rc = LG_ERR_NOT_FOUND;
    if (rc != LG_OK)
        return default_failed(out, rc, &cur);
    return lg_svc_done(out, LG_DONE_OK);
}
