/*
 * store.c - lg_store_open picks a backend by name; every other lg_store_* checks its
 * arguments once and dispatches through the backend's table (store_backend.h says
 * what a backend may then rely on).
 */
#include "config.h"

#include <lendgate/store.h>
#include <lendgate/store_backend.h>

#include <lendgate/log.h>

#include <stdio.h>
#include <string.h>

#define MAX_REGISTERED 4
#define MAX_LOCATION   4096

#ifdef HAVE_MONGODB
/* src/store/mongo/mongo_store.c: loads libmongoc only when a mongodb store is opened. */
extern const lg_store_backend lg_store_mongo_backend;
static const lg_store_backend *const builtin[] = {&lg_store_sqlite_backend,
                                                  &lg_store_mongo_backend};
#else
static const lg_store_backend *const builtin[] = {&lg_store_sqlite_backend};
#endif
static const lg_store_backend *registered[MAX_REGISTERED];

/* ------------------------------------------------------------ argument checks */

/* A NUL-terminated char array field. */
#define FIELD_OK(f) (memchr((f), '\0', sizeof(f)) != NULL)

static int str_ok(const char *s, size_t cap)
{
    return s && strnlen(s, cap) < cap;
}

static int key_ok(const char *s, size_t cap)
{
    return str_ok(s, cap) && s[0] != '\0';
}

static int opt_ok(const char *s, size_t cap)
{
    return !s || strnlen(s, cap) < cap;
}

/* Values SQLite (and BSON) keep as signed 64-bit integers. */
static int u64_ok(uint64_t v)
{
    return v <= (uint64_t)INT64_MAX;
}

static uint32_t cap_limit(uint32_t limit)
{
    return limit > LG_STORE_LIST_MAX ? LG_STORE_LIST_MAX : limit;
}

/* Common entry check: a handle and a backend operation to call. */
#define DISPATCH(st, op, ...)                                                                      \
    ((st)->backend->op ? (st)->backend->op((st), __VA_ARGS__) : LG_ERR_UNSUPPORTED)

/* Test builds (--enable-test-hooks): lg_store_set_fault makes every operation that
 * writes fail as a full disk or a lock held elsewhere would, without touching the
 * database; reads go on. One request at a time per process, so one word will do. */
#ifdef LG_TEST_HOOKS
static lg_err fault;

void lg_store_set_fault(lg_err err)
{
    fault = err;
}
#define WRITE(st, op, ...) (fault != LG_OK ? fault : DISPATCH(st, op, __VA_ARGS__))
#else
void lg_store_set_fault(lg_err err)
{
    (void)err;
}
#define WRITE DISPATCH
#endif

/* ------------------------------------------------------------ registry */

static const lg_store_backend *find_backend(const char *name)
{
    for (size_t i = 0; i < sizeof builtin / sizeof builtin[0]; i++)
        if (strcmp(builtin[i]->name, name) == 0)
            return builtin[i];
    for (size_t i = 0; i < MAX_REGISTERED; i++)
        if (registered[i] && strcmp(registered[i]->name, name) == 0)
            return registered[i];
    return NULL;
}

lg_err lg_store_backend_register(const lg_store_backend *be)
{
    if (!be || !be->name || !be->name[0] || !be->open || !be->close)
        return LG_ERR_INVALID;
    if (find_backend(be->name))
        return LG_ERR_DUPLICATE;
    for (size_t i = 0; i < MAX_REGISTERED; i++) {
        if (!registered[i]) {
            registered[i] = be;
            return LG_OK;
        }
    }
    return LG_ERR_OVERFLOW;
}

/* ------------------------------------------------------------ lifecycle */

lg_err lg_store_open(const char *backend, const char *location, int busy_timeout_ms, lg_store **out)
{
    if (out)
        *out = NULL;
    if (!key_ok(backend, LG_NAME_LEN) || !key_ok(location, MAX_LOCATION) || busy_timeout_ms < 0 ||
        !out)
        return LG_ERR_INVALID;
    const lg_store_backend *be = find_backend(backend);
    if (!be) {
        lg_error("store.open", "store backend \"%s\" is not built into this program", backend);
        return LG_ERR_UNSUPPORTED;
    }
    lg_store *st = NULL;
    lg_err rc = be->open(location, busy_timeout_ms, &st);
    if (rc != LG_OK)
        return rc;
    st->backend = be;
    st->lease_owner[0] = '\0';
    st->lease_ms = 0;
    *out = st;
    return LG_OK;
}

void lg_store_close(lg_store *st)
{
    if (st)
        st->backend->close(st);
}

const char *lg_store_backend_name(const lg_store *st)
{
    return st ? st->backend->name : "none";
}

lg_err lg_store_migrate(lg_store *st, int *applied)
{
    int scratch;
    if (!applied)
        applied = &scratch;
    *applied = 0;
    if (!st)
        return LG_ERR_INVALID;
    return DISPATCH(st, migrate, applied);
}

lg_err lg_store_schema_version(lg_store *st, int *version)
{
    if (!st || !version)
        return LG_ERR_INVALID;
    *version = 0;
    return DISPATCH(st, schema_version, version);
}

lg_err lg_store_set_lease(lg_store *st, const char *owner, int64_t lease_ms)
{
    if (!st || !opt_ok(owner, LG_OWNER_LEN) || lease_ms < 0)
        return LG_ERR_INVALID;
    snprintf(st->lease_owner, sizeof st->lease_owner, "%s", owner ? owner : "");
    st->lease_ms = lease_ms;
    return LG_OK;
}

/* ------------------------------------------------------------ partners and keys */

static int partner_strings_ok(const lg_partner *p, unsigned mask)
{
    return FIELD_OK(p->id) && p->id[0] && (!(mask & LG_PF_NAME) || FIELD_OK(p->name)) &&
           (!(mask & LG_PF_SETTLEMENT) || FIELD_OK(p->settlement_address)) &&
           (!(mask & LG_PF_WEBHOOK_URL) || FIELD_OK(p->webhook_url)) &&
           (!(mask & LG_PF_WEBHOOK_SECRET) || FIELD_OK(p->webhook_secret)) &&
           (!(mask & LG_PF_CONTACT) || FIELD_OK(p->contact_email)) &&
           (!(mask & LG_PF_SIGNING) || FIELD_OK(p->signing_secret)) &&
           (!(mask & LG_PF_ALLOWLIST) || FIELD_OK(p->ip_allowlist)) &&
           (!(mask & LG_PF_CONTACT_WALLET) || FIELD_OK(p->contact_wallet)) &&
           (!(mask & LG_PF_PUBLIC_KEY) || FIELD_OK(p->public_key)) && FIELD_OK(p->created_by);
}

/* Checks the fields named in mask (every field for a create). */
static int partner_ok(const lg_partner *p, unsigned mask)
{
    return partner_strings_ok(p, mask) &&
           (!(mask & LG_PF_STATUS) ||
            (p->status >= LG_PARTNER_ACTIVE && p->status <= LG_PARTNER_INACTIVE)) &&
           (!(mask & LG_PF_TIER) || (p->tier >= LG_TIER_BASIC && p->tier <= LG_TIER_ENTERPRISE)) &&
           (!(mask & LG_PF_DAILY_LIMIT) || u64_ok(p->daily_limit)) &&
           (!(mask & LG_PF_TOTAL_LIMIT) || u64_ok(p->total_limit)) &&
           (!(mask & LG_PF_FEE_BPS) || p->fee_bps <= 10000);
}

#define LG_PF_ALL ((LG_PF_WEBHOOK_STATE << 1) - 1u) /* every LG_PF_* bit */

lg_err lg_store_partner_get(lg_store *st, const char *id, lg_partner *out)
{
    if (!st || !key_ok(id, LG_ID_LEN) || !out)
        return LG_ERR_INVALID;
    return DISPATCH(st, partner_get, id, out);
}

lg_err lg_store_partner_sandbox(lg_store *st, const char *live_id, int create, lg_partner *out)
{
    if (!st || !key_ok(live_id, LG_ID_LEN) || !out)
        return LG_ERR_INVALID;
    memset(out, 0, sizeof *out);
    return create ? WRITE(st, partner_sandbox, live_id, 1, out)
                  : DISPATCH(st, partner_sandbox, live_id, 0, out);
}

lg_err lg_store_partner_list(lg_store *st, const lg_partner_filter *f, lg_partner **items,
                             size_t *n, uint64_t *total)
{
    if (!items || !n || !total)
        return LG_ERR_INVALID;
    *items = NULL;
    *n = 0;
    *total = 0;
    if (!st || !f || f->status < -1 || f->status > LG_PARTNER_INACTIVE || f->tier < -1 ||
        f->tier > LG_TIER_ENTERPRISE || !u64_ok(f->offset))
        return LG_ERR_INVALID;
    lg_partner_filter capped = *f;
    capped.limit = cap_limit(f->limit);
    return DISPATCH(st, partner_list, &capped, items, n, total);
}

lg_err lg_store_partner_by_key(lg_store *st, const char *key_hash, lg_partner *partner,
                               lg_api_key *key)
{
    lg_partner scratch_partner;
    lg_api_key scratch_key;
    if (!st || !key_ok(key_hash, LG_HEX64_LEN))
        return LG_ERR_INVALID;
    return DISPATCH(st, partner_by_key, key_hash, partner ? partner : &scratch_partner,
                    key ? key : &scratch_key);
}

lg_err lg_store_key_touch(lg_store *st, int64_t id, int64_t min_interval_ms, int *written)
{
    int scratch;
    if (!written)
        written = &scratch;
    *written = 0;
    if (!st || min_interval_ms < 0)
        return LG_ERR_INVALID;
    return WRITE(st, key_touch, id, min_interval_ms, written);
}

lg_err lg_store_key_list(lg_store *st, const char *partner_id, lg_api_key **items, size_t *n)
{
    if (!items || !n)
        return LG_ERR_INVALID;
    *items = NULL;
    *n = 0;
    if (!st || !key_ok(partner_id, LG_ID_LEN))
        return LG_ERR_INVALID;
    return DISPATCH(st, key_list, partner_id, items, n);
}

/* ------------------------------------------------------------ positions */

static int position_ok(const lg_position *p)
{
    return FIELD_OK(p->wallet) && p->wallet[0] && FIELD_OK(p->oaid) && p->oaid[0] &&
           FIELD_OK(p->position_id) && FIELD_OK(p->collateral_token) &&
           FIELD_OK(p->collateral_amount) && FIELD_OK(p->collateral_value) &&
           FIELD_OK(p->usdc_borrowed) && FIELD_OK(p->health_factor);
}

lg_err lg_store_position_upsert(lg_store *st, const lg_position *p)
{
    if (!st || !p || !position_ok(p))
        return LG_ERR_INVALID;
    return WRITE(st, position_upsert, p);
}

/* ------------------------------------------------------------ loans */

static int reserve_ok(const lg_loan *l)
{
    return FIELD_OK(l->partner_id) && l->partner_id[0] && FIELD_OK(l->partner_loan_id) &&
           l->partner_loan_id[0] && FIELD_OK(l->user_wallet) && FIELD_OK(l->oaid) &&
           FIELD_OK(l->position_id) && FIELD_OK(l->request_hash) && l->amount > 0 &&
           u64_ok(l->amount) && l->fee <= l->amount && l->net == l->amount - l->fee;
}

lg_err lg_store_loan_reserve(lg_store *st, lg_loan *loan, lg_reserve_info *info, lg_loan *existing)
{
    lg_reserve_info scratch_info = {0, 0};
    lg_loan scratch_loan;
    if (!st || !loan || !reserve_ok(loan))
        return LG_ERR_INVALID;
    return WRITE(st, loan_reserve, loan, info ? info : &scratch_info,
                 existing ? existing : &scratch_loan);
}

lg_err lg_store_loan_get(lg_store *st, const char *partner_id, const char *partner_loan_id,
                         lg_loan *out)
{
    if (!st || !key_ok(partner_id, LG_ID_LEN) || !key_ok(partner_loan_id, LG_ID_LEN) || !out)
        return LG_ERR_INVALID;
    return DISPATCH(st, loan_get, partner_id, partner_loan_id, out);
}

lg_err lg_store_loan_get_by_id(lg_store *st, const char *loan_id, lg_loan *out)
{
    if (!st || !key_ok(loan_id, LG_UUID_LEN) || !out)
        return LG_ERR_INVALID;
    return DISPATCH(st, loan_get_by_id, loan_id, out);
}

lg_err lg_store_loan_release(lg_store *st, const char *loan_id)
{
    if (!st || !key_ok(loan_id, LG_UUID_LEN))
        return LG_ERR_INVALID;
    return WRITE(st, loan_release, loan_id);
}

lg_err lg_store_loan_mark_borrowed(lg_store *st, const char *loan_id, const char *borrow_tx)
{
    if (!st || !key_ok(loan_id, LG_UUID_LEN) || !key_ok(borrow_tx, LG_HASH_LEN))
        return LG_ERR_INVALID;
    return WRITE(st, loan_mark_borrowed, loan_id, borrow_tx);
}

lg_err lg_store_loan_confirm(lg_store *st, const char *loan_id, const char *borrow_tx,
                             const char *transfer_tx)
{
    if (!st || !key_ok(loan_id, LG_UUID_LEN) || !key_ok(borrow_tx, LG_HASH_LEN) ||
        !key_ok(transfer_tx, LG_HASH_LEN))
        return LG_ERR_INVALID;
    return WRITE(st, loan_confirm, loan_id, borrow_tx, transfer_tx);
}

lg_err lg_store_loan_fail(lg_store *st, const char *loan_id, const char *reason)
{
    if (!st || !key_ok(loan_id, LG_UUID_LEN))
        return LG_ERR_INVALID;
    return WRITE(st, loan_fail, loan_id, reason ? reason : "");
}

lg_err lg_store_loan_list(lg_store *st, const lg_loan_filter *f, lg_loan **items, size_t *n,
                          uint64_t *total)
{
    if (!items || !n || !total)
        return LG_ERR_INVALID;
    *items = NULL;
    *n = 0;
    *total = 0;
    if (!st || !f || !opt_ok(f->partner_id, LG_ID_LEN) || !opt_ok(f->user_wallet, LG_ADDR_LEN) ||
        f->status < -1 || f->status > LG_LOAN_LIQUIDATED || !u64_ok(f->offset))
        return LG_ERR_INVALID;
    lg_loan_filter capped = *f;
    capped.limit = cap_limit(f->limit);
    return DISPATCH(st, loan_list, &capped, items, n, total);
}

lg_err lg_store_loan_list_unsettled(lg_store *st, uint32_t limit, lg_loan **items, size_t *n)
{
    if (!items || !n)
        return LG_ERR_INVALID;
    *items = NULL;
    *n = 0;
    if (!st)
        return LG_ERR_INVALID;
    return DISPATCH(st, loan_list_unsettled, cap_limit(limit), items, n);
}

/* ------------------------------------------------------------ repayments */

/* A deposit as the store takes it: a transaction hash, a partner, an amount. */
static int deposit_ok(const lg_deposit *d)
{
    return d && key_ok(d->tx_hash, LG_HASH_LEN) && key_ok(d->partner_id, LG_ID_LEN) &&
           d->amount > 0 && u64_ok(d->amount);
}

lg_err lg_store_deposit_credit(lg_store *st, const lg_deposit *d, lg_deposit *existing,
                               uint64_t *balance)
{
    lg_deposit scratch;
    uint64_t bal;
    if (!st || !deposit_ok(d))
        return LG_ERR_INVALID;
    return WRITE(st, deposit_credit, d, existing ? existing : &scratch, balance ? balance : &bal);
}

lg_err lg_store_repay_begin(lg_store *st, const char *partner_id, const char *partner_loan_id,
                            uint64_t amount, const lg_deposit *proof, const char *idem_key,
                            lg_repayment *out)
{
    if (!st || !key_ok(partner_id, LG_ID_LEN) || !key_ok(partner_loan_id, LG_ID_LEN) ||
        amount == 0 || !u64_ok(amount) || (proof && !deposit_ok(proof)) ||
        !opt_ok(idem_key, LG_IDEM_KEY_LEN) || !out)
        return LG_ERR_INVALID;
    if (proof && strcmp(proof->partner_id, partner_id) != 0)
        return LG_ERR_INVALID;
    return WRITE(st, repay_begin, partner_id, partner_loan_id, amount, proof,
                 idem_key && idem_key[0] ? idem_key : NULL, out);
}

lg_err lg_store_repay_apply(lg_store *st, const char *repayment_id, const char *repay_tx,
                            lg_loan *loan)
{
    lg_loan scratch;
    if (!st || !key_ok(repayment_id, LG_UUID_LEN) || !key_ok(repay_tx, LG_HASH_LEN))
        return LG_ERR_INVALID;
    return WRITE(st, repay_apply, repayment_id, repay_tx, loan ? loan : &scratch);
}

lg_err lg_store_repay_fail(lg_store *st, const char *repayment_id, const char *reason)
{
    if (!st || !key_ok(repayment_id, LG_UUID_LEN))
        return LG_ERR_INVALID;
    return WRITE(st, repay_fail, repayment_id, reason ? reason : "");
}

lg_err lg_store_repay_get(lg_store *st, const char *repayment_id, lg_repayment *out)
{
    if (!st || !key_ok(repayment_id, LG_UUID_LEN) || !out)
        return LG_ERR_INVALID;
    return DISPATCH(st, repay_get, repayment_id, out);
}

lg_err lg_store_repay_release(lg_store *st, const char *repayment_id)
{
    if (!st || !key_ok(repayment_id, LG_UUID_LEN))
        return LG_ERR_INVALID;
    return WRITE(st, repay_release, repayment_id);
}

lg_err lg_store_repay_list(lg_store *st, const char *loan_id, lg_repayment **items, size_t *n)
{
    if (!items || !n)
        return LG_ERR_INVALID;
    *items = NULL;
    *n = 0;
    if (!st || !key_ok(loan_id, LG_UUID_LEN))
        return LG_ERR_INVALID;
    return DISPATCH(st, repay_list, loan_id, items, n);
}

lg_err lg_store_repay_list_pending(lg_store *st, uint32_t limit, lg_repayment **items, size_t *n)
{
    if (!items || !n)
        return LG_ERR_INVALID;
    *items = NULL;
    *n = 0;
    if (!st)
        return LG_ERR_INVALID;
    return DISPATCH(st, repay_list_pending, cap_limit(limit), items, n);
}

/* ------------------------------------------------------------ chain transactions */

static int chain_tx_ok(const lg_chain_tx *tx)
{
    return FIELD_OK(tx->loan_id) && FIELD_OK(tx->repayment_id) && tx->purpose >= LG_TXP_BORROW &&
           tx->purpose <= LG_TXP_GAPFILL && u64_ok(tx->chain_id) && FIELD_OK(tx->from) &&
           tx->from[0] && u64_ok(tx->nonce) && FIELD_OK(tx->hash) && tx->hash[0] &&
           FIELD_OK(tx->raw) && tx->raw[0];
}

lg_err lg_store_tx_record(lg_store *st, const lg_chain_tx *tx, int64_t *id_out)
{
    int64_t scratch;
    if (!st || !tx || !chain_tx_ok(tx))
        return LG_ERR_INVALID;
    return WRITE(st, tx_record, tx, id_out ? id_out : &scratch);
}

lg_err lg_store_tx_set_state(lg_store *st, const char *hash, lg_tx_state state)
{
    if (!st || !key_ok(hash, LG_HASH_LEN) || state < LG_TXS_SIGNED || state > LG_TXS_DROPPED)
        return LG_ERR_INVALID;
    return WRITE(st, tx_set_state, hash, state);
}

lg_err lg_store_tx_list(lg_store *st, const char *loan_id, const char *repayment_id,
                        lg_chain_tx **items, size_t *n)
{
    if (!items || !n)
        return LG_ERR_INVALID;
    *items = NULL;
    *n = 0;
    if (!st || !loan_id == !repayment_id || !opt_ok(loan_id, LG_UUID_LEN) ||
        !opt_ok(repayment_id, LG_UUID_LEN))
        return LG_ERR_INVALID;
    return DISPATCH(st, tx_list, loan_id, repayment_id, items, n);
}

lg_err lg_store_tx_list_unsettled(lg_store *st, uint32_t limit, lg_chain_tx **items, size_t *n)
{
    if (!items || !n)
        return LG_ERR_INVALID;
    *items = NULL;
    *n = 0;
    if (!st)
        return LG_ERR_INVALID;
    return DISPATCH(st, tx_list_unsettled, cap_limit(limit), items, n);
}

/* ------------------------------------------------------------ job leases */

lg_err lg_store_job_lease_take(lg_store *st, const char *name, const char *owner, int64_t until_ms,
                               const char *dead_owner, char *holder, int64_t *holder_until_ms)
{
    if (!st || !key_ok(name, LG_NAME_LEN) || !key_ok(owner, LG_OWNER_LEN) ||
        !opt_ok(dead_owner, LG_OWNER_LEN) || until_ms <= 0)
        return LG_ERR_INVALID;
    return WRITE(st, job_lease_take, name, owner, until_ms, dead_owner, holder, holder_until_ms);
}

lg_err lg_store_job_lease_release(lg_store *st, const char *name, const char *owner)
{
    if (!st || !key_ok(name, LG_NAME_LEN) || !key_ok(owner, LG_OWNER_LEN))
        return LG_ERR_INVALID;
    return WRITE(st, job_lease_release, name, owner);
}

/* ------------------------------------------------------------ nonces */

lg_err lg_store_nonce_init(lg_store *st, uint64_t chain_id, const char *address, uint64_t value,
                           int *created)
{
    int scratch;
    if (!created)
        created = &scratch;
    *created = 0;
    if (!st || !u64_ok(chain_id) || !key_ok(address, LG_ADDR_LEN) || !u64_ok(value))
        return LG_ERR_INVALID;
    return WRITE(st, nonce_init, chain_id, address, value, created);
}

lg_err lg_store_nonce_allocate(lg_store *st, uint64_t chain_id, const char *address,
                               uint64_t *nonce)
{
    if (!st || !u64_ok(chain_id) || !key_ok(address, LG_ADDR_LEN) || !nonce)
        return LG_ERR_INVALID;
    return WRITE(st, nonce_allocate, chain_id, address, nonce);
}

lg_err lg_store_nonce_resync(lg_store *st, uint64_t chain_id, const char *address, uint64_t value,
                             uint64_t *previous)
{
    uint64_t scratch;
    if (!st || !u64_ok(chain_id) || !key_ok(address, LG_ADDR_LEN) || !u64_ok(value))
        return LG_ERR_INVALID;
    return WRITE(st, nonce_resync, chain_id, address, value, previous ? previous : &scratch);
}

lg_err lg_store_nonce_peek(lg_store *st, uint64_t chain_id, const char *address, uint64_t *next)
{
    if (!st || !u64_ok(chain_id) || !key_ok(address, LG_ADDR_LEN) || !next)
        return LG_ERR_INVALID;
    return DISPATCH(st, nonce_peek, chain_id, address, next);
}

/* ------------------------------------------------------------ API logs and ledger */

static int api_log_ok(const lg_api_log *r)
{
    return FIELD_OK(r->partner_id) && FIELD_OK(r->request_id) && FIELD_OK(r->route) &&
           FIELD_OK(r->method) && FIELD_OK(r->client_ip) && FIELD_OK(r->user_agent) &&
           FIELD_OK(r->payload) && FIELD_OK(r->error_message) && FIELD_OK(r->wallet) &&
           FIELD_OK(r->oaid) && FIELD_OK(r->loan_id) && FIELD_OK(r->spool_id) &&
           r->created_at_ms >= 0;
}

lg_err lg_store_api_log_append(lg_store *st, const lg_api_log *row)
{
    if (!st || !row || !api_log_ok(row))
        return LG_ERR_INVALID;
    return WRITE(st, api_log_append, row);
}

lg_err lg_store_loan_view(lg_store *st, const char *partner_id, const char *partner_loan_id,
                          lg_loan *loan, lg_repayment **reps, size_t *n)
{
    if (!st || !key_ok(partner_id, LG_ID_LEN) || !key_ok(partner_loan_id, LG_ID_LEN) || !loan ||
        !reps || !n)
        return LG_ERR_INVALID;
    *reps = NULL;
    *n = 0;
    return DISPATCH(st, loan_view, partner_id, partner_loan_id, loan, reps, n);
}

lg_err lg_store_partner_stats(lg_store *st, const char *partner_id, const char *day,
                              lg_store_stats *out)
{
    if (!st || !key_ok(partner_id, LG_ID_LEN) || !key_ok(day, LG_DAY_LEN) || !out)
        return LG_ERR_INVALID;
    memset(out, 0, sizeof *out);
    return DISPATCH(st, partner_stats, partner_id, day, out);
}

lg_err lg_store_audit_ingest(lg_store *st, const char *source, uint64_t from, uint64_t to,
                             const lg_api_log *rows, size_t n)
{
    if (!st || !key_ok(source, LG_NAME_LEN) || to < from || !u64_ok(to) || (n && !rows))
        return LG_ERR_INVALID;
    for (size_t i = 0; i < n; i++)
        if (!api_log_ok(&rows[i]) || rows[i].key_id < 0)
            return LG_ERR_INVALID;
    return WRITE(st, audit_ingest, source, from, to, rows, n);
}

lg_err lg_store_audit_offset(lg_store *st, const char *source, uint64_t *offset)
{
    if (!st || !key_ok(source, LG_NAME_LEN) || !offset)
        return LG_ERR_INVALID;
    return DISPATCH(st, audit_offset, source, offset);
}

lg_err lg_store_audit_forget(lg_store *st, const char *source)
{
    if (!st || !key_ok(source, LG_NAME_LEN))
        return LG_ERR_INVALID;
    return WRITE(st, audit_forget, source);
}

static int range_ok(int64_t start_ms, int64_t end_ms, uint64_t offset)
{
    return start_ms >= 0 && end_ms >= 0 && u64_ok(offset);
}

lg_err lg_store_api_log_query(lg_store *st, const lg_api_log_filter *f, lg_api_log **items,
                              size_t *n, uint64_t *total)
{
    if (!items || !n || !total)
        return LG_ERR_INVALID;
    *items = NULL;
    *n = 0;
    *total = 0;
    if (!st || !f || !opt_ok(f->partner_id, LG_ID_LEN) || f->success < -1 || f->success > 1 ||
        !range_ok(f->start_ms, f->end_ms, f->offset))
        return LG_ERR_INVALID;
    lg_api_log_filter capped = *f;
    capped.limit = cap_limit(f->limit);
    return DISPATCH(st, api_log_query, &capped, items, n, total);
}

lg_err lg_store_ledger_list(lg_store *st, const lg_ledger_filter *f, lg_ledger_entry **items,
                            size_t *n, uint64_t *total)
{
    if (!items || !n || !total)
        return LG_ERR_INVALID;
    *items = NULL;
    *n = 0;
    *total = 0;
    if (!st || !f || !key_ok(f->partner_id, LG_ID_LEN) ||
        !range_ok(f->start_ms, f->end_ms, f->offset))
        return LG_ERR_INVALID;
    lg_ledger_filter capped = *f;
    capped.limit = cap_limit(f->limit);
    return DISPATCH(st, ledger_list, &capped, items, n, total);
}

/* ------------------------------------------------------------ admin audit, usage */

lg_err lg_store_admin_audit_query(lg_store *st, const lg_admin_audit_filter *f,
                                  lg_admin_audit **items, size_t *n, uint64_t *total)
{
    if (!items || !n || !total)
        return LG_ERR_INVALID;
    *items = NULL;
    *n = 0;
    *total = 0;
    if (!st || !f || !opt_ok(f->admin, LG_NAME_LEN) || !opt_ok(f->action, 64) ||
        !opt_ok(f->target, LG_ID_LEN) || !range_ok(f->start_ms, f->end_ms, f->offset))
        return LG_ERR_INVALID;
    lg_admin_audit_filter capped = *f;
    capped.limit = cap_limit(f->limit);
    return DISPATCH(st, admin_audit_query, &capped, items, n, total);
}

lg_err lg_store_daily_usage(lg_store *st, const char *partner_id, const char *day,
                            uint64_t *borrowed)
{
    if (!st || !key_ok(partner_id, LG_ID_LEN) || !key_ok(day, LG_DAY_LEN) || !borrowed)
        return LG_ERR_INVALID;
    *borrowed = 0;
    return DISPATCH(st, daily_usage, partner_id, day, borrowed);
}

/* ------------------------------------------------------------ partner administration */

#define ANALYTICS_MAX_MS (366LL * 86400000LL)

/* The fields of a key the store keeps (partner_id checked by the caller). */
static int key_fields_ok(const lg_api_key *k)
{
    return FIELD_OK(k->partner_id) && FIELD_OK(k->key_hash) && k->key_hash[0] &&
           FIELD_OK(k->prefix) && FIELD_OK(k->env) && k->expires_at_ms >= 0;
}

static int new_partner_ok(const lg_partner *p)
{
    return partner_ok(p, LG_PF_ALL) && FIELD_OK(p->key_prefix) && p->key_prefix[0];
}

lg_err lg_store_partner_get_by_prefix(lg_store *st, const char *key_prefix, lg_partner *out)
{
    if (!st || !key_ok(key_prefix, LG_ID_LEN) || !out)
        return LG_ERR_INVALID;
    return DISPATCH(st, partner_get_by_prefix, key_prefix, out);
}

lg_err lg_store_partner_count(lg_store *st, uint64_t *count)
{
    if (!st || !count)
        return LG_ERR_INVALID;
    *count = 0;
    return DISPATCH(st, partner_count, count);
}

lg_err lg_store_partner_onboard(lg_store *st, const lg_partner *p, const lg_api_key *key,
                                const lg_audit_hook *hook, int64_t *key_id)
{
    int64_t scratch;
    if (!key_id)
        key_id = &scratch;
    *key_id = 0;
    if (!st || !p || !key || !new_partner_ok(p) || !key_fields_ok(key) ||
        strcmp(key->partner_id, p->id) != 0)
        return LG_ERR_INVALID;
    return WRITE(st, partner_onboard, p, key, hook, key_id);
}

lg_err lg_store_partner_update_audited(lg_store *st, const lg_partner *p, unsigned mask,
                                       const lg_audit_hook *hook, lg_partner *before,
                                       lg_partner *after)
{
    lg_partner scratch_before, scratch_after;
    mask &= LG_PF_ALL;
    if (!st || !p || !partner_ok(p, mask))
        return LG_ERR_INVALID;
    return WRITE(st, partner_update_audited, p, mask, hook, before ? before : &scratch_before,
                 after ? after : &scratch_after);
}

lg_err lg_store_key_rotate(lg_store *st, const lg_api_key *key, int64_t old_expires_at_ms,
                           const lg_audit_hook *hook, int64_t *key_id)
{
    int64_t scratch;
    if (!key_id)
        key_id = &scratch;
    *key_id = 0;
    if (!st || !key || !key_fields_ok(key) || !key->partner_id[0] || old_expires_at_ms <= 0)
        return LG_ERR_INVALID;
    return WRITE(st, key_rotate, key, old_expires_at_ms, hook, key_id);
}

/* An item for a partner that exists needs neither an id nor a key: those are
 * checked by the backend when the item turns out to create one. */
static int import_item_ok(const lg_partner_import_item *it)
{
    const lg_api_key *k = &it->key;
    lg_partner p = it->partner;
    if (!FIELD_OK(p.id) || !FIELD_OK(k->key_hash) || !FIELD_OK(k->prefix) || !FIELD_OK(k->env) ||
        k->expires_at_ms < 0)
        return 0;
    if (!p.id[0])
        p.id[0] = '-';
    return new_partner_ok(&p);
}

lg_err lg_store_partner_import(lg_store *st, lg_partner_import_item *items, size_t n,
                               const lg_audit_hook *hook, size_t *bad_index)
{
    size_t scratch;
    if (!bad_index)
        bad_index = &scratch;
    *bad_index = 0;
    if (!st || (!items && n > 0))
        return LG_ERR_INVALID;
    for (size_t i = 0; i < n; i++) {
        items[i].created = 0;
        if (!import_item_ok(&items[i])) {
            *bad_index = i;
            return LG_ERR_INVALID;
        }
    }
    if (n == 0)
        return LG_OK;
    return WRITE(st, partner_import, items, n, hook, bad_index);
}

lg_err lg_store_partner_analytics(lg_store *st, const char *partner_id, int64_t start_ms,
                                  int64_t end_ms, int64_t default_before_ms,
                                  lg_partner_analytics *out, lg_analytics_day **days, size_t *ndays)
{
    if (!out || !days || !ndays)
        return LG_ERR_INVALID;
    memset(out, 0, sizeof *out);
    *days = NULL;
    *ndays = 0;
    if (!st || !key_ok(partner_id, LG_ID_LEN) || start_ms < 0 || end_ms <= start_ms ||
        end_ms - start_ms > ANALYTICS_MAX_MS)
        return LG_ERR_INVALID;
    return DISPATCH(st, partner_analytics, partner_id, start_ms, end_ms, default_before_ms, out,
                    days, ndays);
}

/* ------------------------------------------------------------ webhook events */

lg_err lg_store_ping(lg_store *st)
{
    int version = 0;
    if (!st)
        return LG_ERR_INVALID;
    lg_err rc = WRITE(st, ping, &version);
    return rc == LG_OK && version == 0 ? LG_ERR_SCHEMA : rc;
}

void lg_store_set_sandbox(lg_store *st, int on)
{
    if (st)
        st->sandbox = on != 0;
}

lg_err lg_store_set_limit_warn(lg_store *st, uint32_t ratio_bps)
{
    if (!st || ratio_bps > 10000)
        return LG_ERR_INVALID;
    st->limit_warn_bps = ratio_bps;
    return LG_OK;
}

static int event_type_ok(const char *type)
{
    return key_ok(type, LG_EVENT_TYPE_LEN);
}

lg_err lg_store_event_add(lg_store *st, const char *partner_id, const char *type, const char *data,
                          const struct lg_audit_hook *hook, lg_event *out)
{
    lg_event scratch;
    if (!st || !key_ok(partner_id, LG_ID_LEN) || !event_type_ok(type) || !data)
        return LG_ERR_INVALID;
    if (strnlen(data, LG_PAYLOAD_LEN) >= LG_PAYLOAD_LEN)
        return LG_ERR_OVERFLOW;
    return WRITE(st, event_add, partner_id, type, data, hook, out ? out : &scratch);
}

lg_err lg_store_event_claim(lg_store *st, const char *owner, int64_t lease_ms, uint32_t max,
                            lg_event **items, size_t *n)
{
    if (!items || !n)
        return LG_ERR_INVALID;
    *items = NULL;
    *n = 0;
    if (!st || !key_ok(owner, LG_OWNER_LEN) || lease_ms <= 0)
        return LG_ERR_INVALID;
    return WRITE(st, event_claim, owner, lease_ms, cap_limit(max), items, n);
}

lg_err lg_store_event_finish(lg_store *st, const lg_event_attempt *a, int64_t next_attempt_at_ms,
                             uint32_t *attempt_no)
{
    uint32_t scratch;
    if (!st || !a || !FIELD_OK(a->event_id) || !a->event_id[0] || !FIELD_OK(a->url) ||
        !FIELD_OK(a->dispatcher) || !a->dispatcher[0] || !FIELD_OK(a->response_head) ||
        !FIELD_OK(a->error) || (unsigned)a->outcome > LG_ATTEMPT_DISABLED)
        return LG_ERR_INVALID;
    return WRITE(st, event_finish, a, next_attempt_at_ms, attempt_no ? attempt_no : &scratch);
}

lg_err lg_store_event_get(lg_store *st, const char *event_id, const char *partner_id, lg_event *out)
{
    if (!st || !key_ok(event_id, LG_EVENT_ID_LEN) || !opt_ok(partner_id, LG_ID_LEN) || !out)
        return LG_ERR_INVALID;
    return DISPATCH(st, event_get, event_id, partner_id, out);
}

lg_err lg_store_event_list(lg_store *st, const lg_event_filter *f, lg_event **items, size_t *n,
                           uint64_t *total)
{
    uint64_t scratch;
    if (!items || !n)
        return LG_ERR_INVALID;
    *items = NULL;
    *n = 0;
    if (!total)
        total = &scratch;
    *total = 0;
    if (!st || !f || !opt_ok(f->partner_id, LG_ID_LEN) || !opt_ok(f->type, LG_EVENT_TYPE_LEN) ||
        f->status > LG_EVENT_SKIPPED || f->status < -1 || !u64_ok(f->offset))
        return LG_ERR_INVALID;
    lg_event_filter capped = *f;
    capped.limit = cap_limit(f->limit);
    return DISPATCH(st, event_list, &capped, items, n, total);
}

lg_err lg_store_event_attempts(lg_store *st, const char *event_id, lg_event_attempt **items,
                               size_t *n)
{
    if (!items || !n)
        return LG_ERR_INVALID;
    *items = NULL;
    *n = 0;
    if (!st || !key_ok(event_id, LG_EVENT_ID_LEN))
        return LG_ERR_INVALID;
    return DISPATCH(st, event_attempts, event_id, items, n);
}

lg_err lg_store_event_replay(lg_store *st, const char *partner_id, const char *event_id,
                             int64_t since_ms, const struct lg_audit_hook *hook, uint64_t *count)
{
    uint64_t scratch;
    if (!count)
        count = &scratch;
    *count = 0;
    if (!st || (!partner_id && !event_id) || !opt_ok(partner_id, LG_ID_LEN) ||
        !opt_ok(event_id, LG_EVENT_ID_LEN) || since_ms < 0)
        return LG_ERR_INVALID;
    return WRITE(st, event_replay, partner_id, event_id, since_ms, hook, count);
}

lg_err lg_store_event_counts(lg_store *st, uint64_t counts[5])
{
    if (!st || !counts)
        return LG_ERR_INVALID;
    return DISPATCH(st, event_counts, counts);
}

/* ------------------------------------------------------------ end states of a debt */

#define CURSOR_NAME_LEN 64

lg_err lg_store_position_liquidate(lg_store *st, const char *wallet, const char *oaid,
                                   const char *position_id, const char *tx_hash,
                                   lg_liquidate_result *out)
{
    lg_liquidate_result scratch;
    if (!out)
        out = &scratch;
    memset(out, 0, sizeof *out);
    if (!st || !key_ok(wallet, LG_ADDR_LEN) || !key_ok(oaid, LG_U256_LEN) ||
        (position_id && !key_ok(position_id, LG_U256_LEN)) || !key_ok(tx_hash, LG_HASH_LEN))
        return LG_ERR_INVALID;
    return WRITE(st, position_liquidate, wallet, oaid, position_id, tx_hash, out);
}

lg_err lg_store_loan_list_overdue(lg_store *st, int64_t before_ms, uint32_t limit, lg_loan **items,
                                  size_t *n)
{
    if (!items || !n)
        return LG_ERR_INVALID;
    *items = NULL;
    *n = 0;
    if (!st || before_ms < 0)
        return LG_ERR_INVALID;
    return DISPATCH(st, loan_list_overdue, before_ms, cap_limit(limit), items, n);
}

lg_err lg_store_loan_default(lg_store *st, const char *loan_id, const char *reason,
                             const lg_audit_hook *hook, lg_loan *loan)
{
    lg_loan scratch;
    if (!st || !key_ok(loan_id, LG_UUID_LEN))
        return LG_ERR_INVALID;
    return WRITE(st, loan_default, loan_id, reason ? reason : "", hook, loan ? loan : &scratch);
}

lg_err lg_store_cursor_get(lg_store *st, const char *name, uint64_t *block)
{
    if (!st || !key_ok(name, CURSOR_NAME_LEN) || !block)
        return LG_ERR_INVALID;
    return DISPATCH(st, cursor_get, name, block);
}

lg_err lg_store_cursor_set(lg_store *st, const char *name, uint64_t block)
{
    if (!st || !key_ok(name, CURSOR_NAME_LEN) || !u64_ok(block))
        return LG_ERR_INVALID;
    return WRITE(st, cursor_set, name, block);
}

/* ------------------------------------------------------------ cluster-wide guards */

static int guard_window_ok(int64_t window_ms)
{
    return window_ms > 0 && window_ms <= LG_STORE_RATE_WINDOW_MAX_MS;
}

lg_err lg_store_rate_take(lg_store *st, const char *key, int64_t window_ms, uint64_t limit,
                          int64_t now_ms, lg_store_rate *out)
{
    if (!st || !key_ok(key, LG_STORE_RATE_KEY_MAX + 1) || !guard_window_ok(window_ms) ||
        limit == 0 || limit > UINT32_MAX || now_ms < 0 || !out)
        return LG_ERR_INVALID;
    memset(out, 0, sizeof *out);
    return WRITE(st, rate_take, key, window_ms, limit, now_ms, out);
}

lg_err lg_store_replay_claim(lg_store *st, const unsigned char digest[LG_STORE_GUARD_DIGEST_LEN],
                             int64_t now_ms, int64_t window_ms)
{
    if (!st || !digest || now_ms < 0 || !guard_window_ok(window_ms) ||
        now_ms > INT64_MAX - window_ms)
        return LG_ERR_INVALID;
    return WRITE(st, replay_claim, digest, now_ms, window_ms);
}

void lg_store_rate_roll(lg_store_rate_state *s, int64_t window_ms, int64_t now_ms)
{
    int64_t start = now_ms - now_ms % window_ms;
    if (s->window_start_ms >= start)
        return;
    s->previous = s->window_start_ms == start - window_ms ? s->current : 0;
    s->current = 0;
    s->window_start_ms = start;
}

/* The part of the previous window still inside the sliding one at elapsed ms into the
 * current window, applied to previous and rounded up: rounding down would let one
 * more request through at every window edge. */
static uint64_t weighted_previous(uint64_t previous, int64_t window_ms, int64_t elapsed)
{
    if (elapsed < 0)
        elapsed = 0;
    if (elapsed >= window_ms)
        return 0;
    /* previous <= UINT32_MAX and window_ms <= 2^27: the product fits. */
    uint64_t w = (uint64_t)window_ms;
    return (previous * (w - (uint64_t)elapsed) + w - 1) / w;
}

uint64_t lg_store_rate_estimate(const lg_store_rate_state *s, int64_t window_ms, int64_t now_ms)
{
    return s->current + weighted_previous(s->previous, window_ms, now_ms - s->window_start_ms);
}

/* The first elapsed time e (ms into a window) at which ceil(prev * (window - e) /
 * window) < room, for room > 0 and prev > 0: that is prev * (window - e) <= (room - 1)
 * * window, so window - e <= q = floor((room - 1) * window / prev). */
static int64_t first_fit(uint64_t prev, uint64_t room, int64_t window_ms)
{
    uint64_t w = (uint64_t)window_ms;
    uint64_t q = (room - 1) * w / prev;
    return q >= w ? 0 : (int64_t)(w - q);
}

/* When the estimate has reached limit: the first time a request fits again. */
static int64_t retry_at(const lg_store_rate_state *s, int64_t window_ms, uint64_t limit)
{
    if (s->current < limit)
        return s->window_start_ms + first_fit(s->previous, limit - s->current, window_ms);
    return s->window_start_ms + window_ms + first_fit(s->current, limit, window_ms);
}

void lg_store_rate_result(const lg_store_rate_state *s, int allowed, int64_t window_ms,
                          uint64_t limit, int64_t now_ms, lg_store_rate *out)
{
    out->allowed = allowed != 0;
    out->window_start_ms = s->window_start_ms;
    out->current = s->current;
    out->previous = s->previous;
    out->estimate = lg_store_rate_estimate(s, window_ms, now_ms);
    out->retry_at_ms = 0;
    if (out->estimate >= limit) {
        int64_t at = retry_at(s, window_ms, limit);
        out->retry_at_ms = at > now_ms ? at : now_ms + 1;
    }
}

/* ------------------------------------------------------------ partner fields */

static void copy_text(char *dst, const char *src, size_t size)
{
    size_t n = strnlen(src, size - 1);
    memcpy(dst, src, n);
    memset(dst + n, 0, size - n);
}

void lg_store_partner_merge(lg_partner *to, const lg_partner *p, unsigned mask)
{
#define COPY(f) copy_text(to->f, p->f, sizeof to->f)
    if (mask & LG_PF_NAME)
        COPY(name);
    if (mask & LG_PF_STATUS)
        to->status = p->status;
    if (mask & LG_PF_TIER)
        to->tier = p->tier;
    if (mask & LG_PF_DAILY_LIMIT)
        to->daily_limit = p->daily_limit;
    if (mask & LG_PF_TOTAL_LIMIT)
        to->total_limit = p->total_limit;
    if (mask & LG_PF_FEE_BPS)
        to->fee_bps = p->fee_bps;
    if (mask & LG_PF_SETTLEMENT)
        COPY(settlement_address);
    if (mask & LG_PF_WEBHOOK_URL)
        COPY(webhook_url);
    if (mask & LG_PF_WEBHOOK_SECRET) {
        COPY(webhook_secret);
        COPY(webhook_secret_prev);
        to->webhook_secret_prev_until_ms = p->webhook_secret_prev_until_ms;
    }
    if (mask & LG_PF_WEBHOOK_STATE) {
        to->webhook_disabled_at_ms = p->webhook_disabled_at_ms;
        COPY(webhook_disabled_reason);
    }
    if (mask & LG_PF_CONTACT)
        COPY(contact_email);
    if (mask & LG_PF_RATE_LIMIT)
        to->rate_limit_rpm = p->rate_limit_rpm;
    if (mask & LG_PF_SIGNING) {
        to->signing_required = p->signing_required != 0;
        COPY(signing_secret);
    }
    if (mask & LG_PF_ALLOWLIST)
        COPY(ip_allowlist);
    if (mask & LG_PF_CONTACT_WALLET)
        COPY(contact_wallet);
    if (mask & LG_PF_PUBLIC_KEY)
        COPY(public_key);
    if (mask & LG_PF_KYC)
        to->kyc_verified = p->kyc_verified != 0;
    if (mask & LG_PF_CONTRACT)
        to->contract_signed = p->contract_signed != 0;
#undef COPY
}

int lg_store_partner_same(const lg_partner *a, const lg_partner *b)
{
    return strcmp(a->name, b->name) == 0 && a->status == b->status && a->tier == b->tier &&
           a->daily_limit == b->daily_limit && a->total_limit == b->total_limit &&
           a->fee_bps == b->fee_bps && strcmp(a->settlement_address, b->settlement_address) == 0 &&
           strcmp(a->webhook_url, b->webhook_url) == 0 &&
           strcmp(a->webhook_secret, b->webhook_secret) == 0 &&
           strcmp(a->contact_email, b->contact_email) == 0 &&
           a->rate_limit_rpm == b->rate_limit_rpm &&
           (a->signing_required != 0) == (b->signing_required != 0) &&
           strcmp(a->signing_secret, b->signing_secret) == 0 &&
           strcmp(a->ip_allowlist, b->ip_allowlist) == 0 &&
           strcmp(a->contact_wallet, b->contact_wallet) == 0 &&
           strcmp(a->public_key, b->public_key) == 0 &&
           (a->kyc_verified != 0) == (b->kyc_verified != 0) &&
           (a->contract_signed != 0) == (b->contract_signed != 0);
}
