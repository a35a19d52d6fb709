/* service.c - the per-worker service handle, and the persist-then-broadcast helpers
 * the borrow, repay and reconcile pipelines share. */
#include "config.h"

#include <lendgate/signer.h>

#include "service_internal.h"

#include <lendgate/amount.h>
#include <lendgate/hex.h>
#include <lendgate/nonce_store.h>
#include <lendgate/proc.h>
#include <lendgate/setup.h>
#include <lendgate/time.h>

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* How long a broadcast refused for a nonce too high is repeated. */
#define NONCE_WAIT_MS 3000

/* ------------------------------------------------------------ crash points */

#ifdef LG_TEST_HOOKS
/* One request at a time per process: the point its request named. */
static char crash_at[32];

void lg_service_set_crash_point(const char *name)
{
    snprintf(crash_at, sizeof crash_at, "%s", name ? name : "");
}

void lg_service_set_store_fault(const char *kind)
{
    if (kind && strcmp(kind, "busy") == 0)
        lg_store_set_fault(LG_ERR_BUSY);
    else if (kind && strcmp(kind, "io") == 0)
        lg_store_set_fault(LG_ERR_DISK);
    else
        lg_store_set_fault(LG_OK);
}

void lg_svc_crash_point(const char *here)
{
    if (!crash_at[0] || strcmp(crash_at, here) != 0)
        return;
    lg_warn("service.crash", "crash point %s reached: SIGKILL", here);
    raise(SIGKILL);
}
#else
void lg_service_set_crash_point(const char *name)
{
    (void)name;
}

void lg_service_set_store_fault(const char *kind)
{
    (void)kind;
}

void lg_svc_crash_point(const char *here)
{
    (void)here;
}
#endif

/* The crash point of a transaction of purpose at step. */
static void tx_crash_point(lg_tx_purpose purpose, const char *step)
{
#ifdef LG_TEST_HOOKS
    static const char *const names[] = {"borrow", "payout", "approve", "repay", "gapfill"};
    char here[32];
    if ((unsigned)purpose < sizeof names / sizeof *names) {
        snprintf(here, sizeof here, "%s.%s", names[purpose], step);
        lg_svc_crash_point(here);
    }
#else
    (void)purpose;
    (void)step;
#endif
}

/* ------------------------------------------------------------- outcomes */

void lg_svc_usd(uint64_t v, char buf[LG_AMOUNT_USD_LEN])
{
    if (lg_amount_format_units(v, buf, LG_AMOUNT_USD_LEN) != LG_OK)
        snprintf(buf, LG_AMOUNT_USD_LEN, "%llu", (unsigned long long)v);
}

lg_err lg_svc_fail(lg_outcome *out, lg_err err, const char *field, const char *fmt, ...)
{
    size_t n = 0;
    va_list ap;
    out->err = err;
    out->done = LG_DONE_OK;
    snprintf(out->field, sizeof out->field, "%s", field ? field : "");
    out->message[0] = '\0';
    if (out->field[0]) /* a 63-byte field and ": " leave room for the reason */
        n = (size_t)snprintf(out->message, sizeof out->message, "%s: ", out->field);
    va_start(ap, fmt);
    vsnprintf(out->message + n, sizeof out->message - n, fmt, ap);
    va_end(ap);
    return err;
}

lg_err lg_svc_done(lg_outcome *out, lg_done done)
{
    out->err = LG_OK;
    out->done = done;
    out->field[0] = '\0';
    out->message[0] = '\0';
    return LG_OK;
}

lg_err lg_svc_missing_args(lg_outcome *out)
{
    lg_svc_fail(out, LG_ERR_INTERNAL, "", "Internal error (missing argument)");
    return LG_ERR_INVALID;
}

int lg_svc_store_err(lg_err rc)
{
    return rc == LG_ERR_STORE || rc == LG_ERR_BUSY || rc == LG_ERR_DISK || rc == LG_ERR_NOMEM;
}

lg_err lg_svc_store_failed(lg_outcome *out, lg_err rc, const char *what)
{
    lg_error("service.store", "%s: %s", what, lg_strerror(rc));
    if (rc == LG_ERR_BUSY)
        lg_svc_fail(out, LG_ERR_BUSY, "", "The database is busy, try again");
    else if (rc == LG_ERR_DISK) /* a disk the operator must free or fix */
        lg_svc_fail(out, LG_ERR_DISK, "", "The database cannot record this now, try again later");
    else
        lg_svc_fail(out, LG_ERR_STORE, "", "Internal error while %s", what);
    return rc;
}

const char *lg_svc_chain_text(lg_service *svc)
{
    if (!svc || !svc->chain)
        return "";
    return lg_chain_error_text(svc->chain);
}

const char *lg_svc_public_reason(lg_service *svc, lg_err rc, const char *what)
{
    const char *why = lg_svc_chain_text(svc);
    if (rc == LG_ERR_REVERTED)
        return *why ? why : "reverted";
    if (rc == LG_ERR_WALLET)
        return "Platform wallet cannot pay for gas now, try again later";
    /* The node's own words (its address, the wallet's balance, "nonce too low") are
     * for the operator: they go to the log, the partner gets the kind of failure. */
    lg_warn("service.chain", "%s: %s: %s", what, lg_strerror(rc), why);
    return rc == LG_ERR_TIMEOUT ? "Chain node timed out" : "Chain node unavailable";
}

lg_err lg_svc_chain_failed(lg_service *svc, lg_outcome *out, lg_err rc, const char *what)
{
    const char *text = lg_svc_public_reason(svc, rc, what);
    lg_svc_fail(out, lg_svc_chain_err(rc), "", "%s", text);
    return rc;
}

lg_err lg_svc_usdc_covered(lg_service *svc, uint64_t amount)
{
    lg_u256 have, need;
    lg_err rc = lg_chain_usdc_balance(svc->chain, &have, svc->platform);
    if (rc == LG_ERR_UNSUPPORTED)
        return LG_OK;
    if (rc != LG_OK)
        return rc;
    lg_u256_from_u64(&need, amount);
    if (lg_u256_cmp(&have, &need) >= 0)
        return LG_OK;
    char have_dec[LG_U256_DEC_LEN];
    lg_u256_to_dec(have_dec, sizeof have_dec, &have);
    lg_error("service.usdc", "platform wallet holds %s USDC units, a repayment needs %llu: fund it",
             have_dec, (unsigned long long)amount);
    return LG_ERR_WALLET;
}

lg_err lg_svc_chain_err(lg_err rc)
{
    switch (rc) {
    case LG_ERR_TIMEOUT:
    case LG_ERR_WALLET:
    case LG_ERR_REVERTED:
        return rc;
    default:
        return LG_ERR_RPC;
    }
}

uint64_t lg_svc_left_ms(int64_t deadline)
{
    int64_t left = deadline - lg_time_mono_ms();
    return left > 0 ? (uint64_t)left : 0;
}

/* ------------------------------------------------------------ call data */

lg_err lg_svc_borrow_data(const lg_loan *loan, uint8_t *data, size_t *len)
{
    lg_u256 pid, amount;
    lg_err rc = lg_u256_from_dec(&pid, loan->position_id);
    if (rc == LG_OK)
        rc = lg_u256_from_u64(&amount, loan->amount);
    return rc == LG_OK ? lg_vault_borrow_calldata(data, len, &pid, &amount) : rc;
}

lg_err lg_svc_transfer_data(const lg_loan *loan, const char *settlement, uint8_t *data, size_t *len)
{
    uint8_t to[LG_ADDRESS_LEN];
    lg_u256 net;
    lg_err rc = lg_address_parse(to, settlement);
    if (rc == LG_OK)
        rc = lg_u256_from_u64(&net, loan->net);
    return rc == LG_OK ? lg_usdc_transfer_calldata(data, len, to, &net) : rc;
}

lg_err lg_svc_repay_data(const char *position_id, uint64_t amount, uint8_t *data, size_t *len)
{
    lg_u256 pid, value;
    lg_err rc = lg_u256_from_dec(&pid, position_id);
    if (rc == LG_OK)
        rc = lg_u256_from_u64(&value, amount);
    return rc == LG_OK ? lg_vault_repay_calldata(data, len, &pid, &value) : rc;
}

/* A standing unlimited allowance (see repay.c's ensure_allowance). */
lg_err lg_svc_approve_data(lg_service *svc, uint8_t *data, size_t *len)
{
    lg_u256 max;
    memset(max.b, 0xff, sizeof max.b);
    return lg_usdc_approve_calldata(data, len, svc->chain->vault, &max);
}

/* ------------------------------------------------------- persist and send */

/* The signed bytes reach the store before the node. */
static lg_err persist_tx(lg_service *svc, const lg_signed_tx *tx, const char *loan_id,
                         const char *repayment_id, lg_tx_purpose purpose)
{
    lg_chain_tx row;
    memset(&row, 0, sizeof row);
    if (!tx->raw_hex || strlen(tx->raw_hex) >= sizeof row.raw)
        return LG_ERR_OVERFLOW;
    if (loan_id)
        snprintf(row.loan_id, sizeof row.loan_id, "%s", loan_id);
    if (repayment_id)
        snprintf(row.repayment_id, sizeof row.repayment_id, "%s", repayment_id);
    row.purpose = purpose;
    row.chain_id = tx->chain_id;
    snprintf(row.from, sizeof row.from, "%s", tx->from_hex);
    row.nonce = tx->nonce;
    snprintf(row.hash, sizeof row.hash, "%s", tx->hash_hex);
    snprintf(row.raw, sizeof row.raw, "%s", tx->raw_hex);
    lg_err rc = lg_store_tx_record(svc->st, &row, NULL);
    if (rc != LG_OK)
        lg_error("service.persist", "recording tx %s failed: %s", tx->hash_hex, lg_strerror(rc));
    else
        lg_svc_tx_event(svc, (int)purpose, "sent");
    return rc;
}

int lg_svc_nonce_too_high(lg_service *svc)
{
    const lg_rpc_error *e = svc && svc->chain ? lg_chain_last_error(svc->chain) : NULL;
    return e && e->err == LG_ERR_RPC && strcasestr(e->message, "nonce too high") != NULL;
}

static lg_err broadcast(lg_service *svc, const lg_signed_tx *tx)
{
    uint8_t hash[LG_RPC_HASH_LEN];
    return lg_chain_send_raw(svc->chain, hash, tx->raw, tx->raw_len);
}

/* Waits step for the chain node. The time goes to the call's chain time (Server-Timing),
 * like the node's own calls: it is the chain that is waited for, not lendgate. */
static void chain_pause(lg_service *svc, const struct timespec *step)
{
    int64_t t0 = lg_time_mono_us();
    nanosleep(step, NULL);
    svc->chain_us += lg_time_mono_us() - t0;
}

/* A node that does not queue transactions (Hardhat with automine) refuses a nonce
 * whose predecessor, signed by another worker a moment earlier, has not reached it
 * yet. The same bytes go again until it has, within a bound; past it the transaction
 * stays persisted for reconcile, which fills the gap below it if there is one. */
static lg_err broadcast_in_order(lg_service *svc, const lg_signed_tx *tx)
{
    struct timespec step = {0, 20 * 1000000L};
    int64_t until = lg_time_mono_ms() + NONCE_WAIT_MS;
    while (lg_svc_nonce_too_high(svc) && lg_time_mono_ms() < until) {
        chain_pause(svc, &step);
        lg_err rc = broadcast(svc, tx);
        if (rc != LG_ERR_RPC)
            return rc;
    }
    return lg_svc_nonce_too_high(svc) ? LG_ERR_TIMEOUT : LG_ERR_RPC;
}

static lg_err chain_pending(void *ctx, const uint8_t address[LG_ADDRESS_LEN], uint64_t *pending)
{
    return lg_chain_pending_nonce(ctx, pending, address);
}

/* A signer that crossed a fork is re-randomized before the child signs with it, so
 * that no two processes share its blinding (signer.h). */
static lg_err fresh_signer(lg_service *svc)
{
    long pid = (long)getpid();
    if (svc->signer_pid == pid)
        return LG_OK;
    if (!lg_signer_ctx_rerandomize(svc->signer))
        return LG_ERR_CRYPTO;
    svc->signer_pid = pid;
    lg_info("service.signer", "signing context re-randomized after fork");
    return LG_OK;
}

/* A wallet that cannot pay the most this transaction may cost in gas is found before
 * a nonce is taken: the node would refuse it anyway, and a refusal after signing
 * leaves a dead transaction behind and says nothing the partner can act on. A borrow
 * is followed by its payout, an ERC-20 transfer that never costs more gas than the
 * borrow itself: the wallet must hold both, or the debt would exist unpaid. */
lg_err lg_svc_gas_covered(lg_service *svc, uint64_t gas_limit, const lg_fees *fees,
                          lg_tx_purpose purpose)
{
    lg_u256 have, need;
    lg_err rc = lg_chain_balance(svc->chain, &have, svc->platform);
    if (rc == LG_ERR_UNSUPPORTED)
        return LG_OK;
    if (rc != LG_OK)
        return rc;
    lg_u256_from_product(&need, gas_limit, fees->eip1559 ? fees->max_fee : fees->gas_price);
    if (purpose == LG_TXP_BORROW)
        lg_u256_add(&need, &need, &need); /* below 2^129: cannot overflow */
    if (lg_u256_cmp(&have, &need) >= 0)
        return LG_OK;
    char have_dec[LG_U256_DEC_LEN], need_dec[LG_U256_DEC_LEN];
    lg_u256_to_dec(have_dec, sizeof have_dec, &have);
    lg_u256_to_dec(need_dec, sizeof need_dec, &need);
    lg_error("service.gas", "platform wallet holds %s wei, a transaction may need %s: fund it",
             have_dec, need_dec);
    return LG_ERR_WALLET;
}

/* Gas, fees, the wallet's ether and the nonce, read from the chain table before
 * anything is signed. */
static lg_err price(lg_service *svc, lg_tx_request *req, lg_fees *fees, lg_tx_purpose purpose)
{
    lg_rpc_call_args a = {
        .from = svc->platform,
        .to = req->to,
        .data = req->data,
        .data_len = req->data_len,
    };
    uint64_t estimate = 0;
    lg_err rc = lg_chain_estimate_gas(svc->chain, &estimate, &a);
    if (rc == LG_OK)
        rc = lg_fees_gas_with_margin(&req->gas_limit, estimate, svc->gas_margin_pct);
    if (rc == LG_OK)
        rc = lg_chain_fees(svc->chain, fees);
    if (rc == LG_OK)
        rc = lg_svc_gas_covered(svc, req->gas_limit, fees, purpose);
    if (rc == LG_OK && !req->use_nonce)
        rc = lg_nonce_next_from(&svc->nonces, chain_pending, svc->chain, svc->chain_id,
                                svc->platform, &req->nonce);
    req->use_nonce = 1;
    req->fees = fees;
    return rc;
}

lg_err lg_svc_send(lg_service *svc, lg_signed_tx *tx, int *persisted, const char *loan_id,
                   const char *repayment_id, lg_tx_purpose purpose, const uint8_t *to,
                   const uint8_t *data, size_t data_len, int use_nonce, uint64_t nonce)
{
    lg_tx_request req = {
        .to = to,
        .data = data_len ? data : NULL,
        .data_len = data_len,
        .use_nonce = use_nonce,
        .nonce = nonce,
    };
    lg_fees fees;
    memset(tx, 0, sizeof *tx);
    if (persisted)
        *persisted = 0;
    lg_err rc = price(svc, &req, &fees, purpose);
    if (rc != LG_OK)
        return rc;
    return lg_svc_send_priced(svc, tx, persisted, loan_id, repayment_id, purpose, &req);
}

lg_err lg_svc_send_priced(lg_service *svc, lg_signed_tx *tx, int *persisted, const char *loan_id,
                          const char *repayment_id, lg_tx_purpose purpose, const lg_tx_request *req)
{
    int stored = 0;
    memset(tx, 0, sizeof *tx);
    lg_err rc = fresh_signer(svc);
    if (rc == LG_OK)
        rc = lg_sender_sign(&svc->sender, tx, req);
    if (rc == LG_OK)
        rc = persist_tx(svc, tx, loan_id, repayment_id, purpose);
    if (rc == LG_OK) {
        stored = 1;
        tx_crash_point(purpose, "persisted");
        rc = broadcast(svc, tx);
        if (rc == LG_ERR_RPC)
            rc = broadcast_in_order(svc, tx);
        if (rc == LG_OK)
            tx_crash_point(purpose, "broadcast");
    }
    if (persisted)
        *persisted = stored;
    if (rc == LG_OK)
        lg_info("service.sent", "tx %s nonce %llu purpose %d loan %s repayment %s", tx->hash_hex,
                (unsigned long long)tx->nonce, (int)purpose, loan_id ? loan_id : "-",
                repayment_id ? repayment_id : "-");
    return rc;
}

/* The reason a mined transaction reverted: its call replayed on the state before its
 * block (one transaction per block on an automining node, so that state is exact). */
static void revert_reason(lg_service *svc, const uint8_t *to, const uint8_t *data, size_t len,
                          uint64_t block, char *reason, size_t cap)
{
    uint8_t *ret = NULL;
    size_t ret_len = 0;
    lg_rpc_call_args a = {.from = svc->platform, .to = to, .data = data, .data_len = len};
    lg_err rc = lg_chain_call(svc->chain, &ret, &ret_len, &a, block ? block - 1 : block);
    free(ret);
    const char *why = rc == LG_ERR_REVERTED ? lg_svc_chain_text(svc) : "";
    snprintf(reason, cap, "%s", *why ? why : "transaction reverted");
}

/* A receipt counts once [chain] confirmations blocks lie on it, and is read again
 * then, since a reorganization meanwhile may have taken it out of the chain. Waits
 * until until_ms (monotonic); LG_ERR_TIMEOUT past it. */
static lg_err wait_deep(lg_service *svc, const uint8_t hash[LG_RPC_HASH_LEN], lg_receipt *r,
                        int64_t until_ms)
{
    struct timespec step = {(time_t)(svc->poll_ms / 1000), (long)(svc->poll_ms % 1000) * 1000000L};
    if (lg_config_u64(svc->cfg, "chain", "confirmations") == 0)
        return LG_OK;
    for (;;) {
        uint64_t block = r->block_number;
        lg_err rc = lg_svc_deep_enough(svc, block);
        if (rc == LG_OK) {
            lg_receipt_release(r);
            rc = lg_chain_get_receipt(svc->chain, r, hash);
            if (rc == LG_OK && r->block_number == block)
                return LG_OK;
            if (rc == LG_ERR_NOT_FOUND) /* out of the chain now: reconcile waits for it */
                return LG_ERR_TIMEOUT;
            if (rc != LG_OK)
                return rc;
            continue; /* moved to another block, which must grow as deep in turn */
        }
        if (rc != LG_ERR_NOT_FOUND)
            return rc;
        if (lg_time_mono_ms() >= until_ms)
            return LG_ERR_TIMEOUT;
        chain_pause(svc, &step);
    }
}

lg_err lg_svc_wait(lg_service *svc, const char *hash_hex, uint64_t timeout_ms, const uint8_t *to,
                   const uint8_t *data, size_t data_len, char *reason, size_t cap)
{
    uint8_t hash[LG_RPC_HASH_LEN];
    lg_receipt r;
    memset(&r, 0, sizeof r);
    int64_t until = lg_time_mono_ms() + (int64_t)timeout_ms;
    lg_err rc = lg_hex_decode_fixed(hash, sizeof hash, hash_hex, LG_HEX_0X);
    if (rc != LG_OK)
        return rc;
    if (timeout_ms == 0)
        rc = lg_chain_get_receipt(svc->chain, &r, hash);
    else {
        /* All of it is waiting for the node: its polls and the pauses between them. */
        int64_t t0 = lg_time_mono_us(), before = svc->chain_us;
        rc = lg_chain_wait_receipt(svc->chain, &r, hash, timeout_ms, svc->poll_ms);
        svc->chain_us = before + (lg_time_mono_us() - t0);
    }
    if (rc == LG_OK)
        rc = wait_deep(svc, hash, &r, until);
    if (rc != LG_OK) {
        lg_receipt_release(&r);
        return rc;
    }
    int ok = r.status == 1;
    uint64_t block = r.block_number;
    lg_receipt_release(&r);
    rc = lg_store_tx_set_state(svc->st, hash_hex, ok ? LG_TXS_MINED : LG_TXS_REVERTED);
    if (rc != LG_OK)
        return rc;
    lg_svc_tx_event(svc, -1, ok ? "mined" : "reverted");
    if (ok)
        return LG_OK;
    if (reason && cap)
        revert_reason(svc, to, data, data_len, block, reason, cap);
    lg_warn("service.reverted", "tx %s reverted: %s", hash_hex, reason ? reason : "");
    return LG_ERR_REVERTED;
}

/* -------------------------------------------------------------- lifecycle */

static lg_err fail_open(lg_service *svc, lg_err rc, char *err, size_t errlen, const char *what,
                        const char *detail)
{
    if (err && errlen)
        snprintf(err, errlen, "%s: %s", what, detail && *detail ? detail : lg_strerror(rc));
    lg_service_close(svc);
    return rc;
}

static lg_err open_store(lg_service **out, const lg_config *cfg, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (!out || !cfg)
        return LG_ERR_INVALID;
    *out = NULL;
    lg_service *svc = calloc(1, sizeof *svc);
    if (!svc)
        return LG_ERR_NOMEM;
    svc->cfg = cfg;
    svc->budget_ms = lg_config_u64(cfg, "http", "request_budget_ms");
    svc->poll_ms = lg_config_u64(cfg, "chain", "receipt_poll_ms");
    lg_err rc = lg_setup_open_store(cfg, &svc->st);
    if (rc != LG_OK)
        return fail_open(svc, rc, err, errlen, "opening the store", NULL);
    /* The work this process starts is leased to it for as long as a request may run:
     * its budget and then the chain calls of one send. Without /proc the owner has no
     * name reconcile could judge, and the lease then simply runs out. */
    char owner[LG_OWNER_LEN];
    int64_t lease_ms =
        (int64_t)(svc->budget_ms + 3 * lg_config_u64(cfg, "chain", "request_timeout_ms"));
    if (lg_proc_owner(owner) != LG_OK) {
        lg_warn("service.lease", "/proc unreadable: leases of this process run out by time only");
        snprintf(owner, sizeof owner, "unknown");
    }
    lg_store_set_lease(svc->st, owner, lease_ms);
    lg_store_set_limit_warn(svc->st,
                            (uint32_t)lg_config_u64(cfg, "webhook", "limit_warn_pct") * 100);
    (void)lg_svc_control_open(svc); /* without it, the slower way: see control.c */
    *out = svc;
    return LG_OK;
}

lg_err lg_service_open_store_only(lg_service **out, const lg_config *cfg, char *err, size_t errlen)
{
    return open_store(out, cfg, err, errlen);
}

/* The platform key and what signs with it, over the chain svc->chain. */
static lg_err open_signing(lg_service *svc, char *err, size_t errlen)
{
    const lg_config *cfg = svc->cfg;
    svc->chain_id = lg_config_u64(cfg, "chain", "chain_id");
    svc->gas_margin_pct = (unsigned)lg_config_u64(cfg, "chain", "gas_margin_pct");
    lg_err rc = lg_signer_ctx_create(&svc->signer);
    if (rc != LG_OK)
        return fail_open(svc, rc, err, errlen, "creating the signing context", NULL);
    svc->signer_pid = (long)getpid();
    rc = lg_privkey_load(&svc->key, svc->signer, lg_config_str(cfg, "chain", "platform_key_file"));
    if (rc != LG_OK)
        return fail_open(svc, rc, err, errlen, "[chain] platform_key_file", NULL);
    if (!lg_signer_address(svc->signer, svc->platform, lg_privkey_bytes(svc->key)))
        return fail_open(svc, LG_ERR_CRYPTO, err, errlen, "platform key", NULL);
    lg_address_format_lower(svc->platform_hex, sizeof svc->platform_hex, svc->platform);
    lg_sender_opts opts;
    rc = lg_nonce_store_iface(&svc->nonces, svc->st);
    if (rc == LG_OK)
        rc = lg_sender_opts_from_config(&opts, cfg);
    /* A sender without a node: it signs what svc has priced through the chain table. */
    if (rc == LG_OK)
        rc = lg_sender_init(&svc->sender, NULL, svc->signer, svc->key, &svc->nonces, &opts, NULL,
                            NULL);
    if (rc != LG_OK)
        return fail_open(svc, rc, err, errlen, "setting up the sender", NULL);
    svc->has_chain = 1;
    return LG_OK;
}

lg_err lg_service_open(lg_service **out, const lg_config *cfg, char *err, size_t errlen)
{
    lg_service *svc = NULL;
    if (!out)
        return LG_ERR_INVALID;
    *out = NULL;
    lg_err rc = open_store(&svc, cfg, err, errlen);
    if (rc != LG_OK)
        return rc;
    rc = lg_chain_open_rpc(&svc->chain, cfg, err, errlen);
    if (rc != LG_OK) {
        lg_service_close(svc);
        return rc;
    }
    svc->owns_chain = 1;
    rc = open_signing(svc, err, errlen);
    if (rc != LG_OK)
        return rc;
    *out = svc;
    return LG_OK;
}

lg_err lg_service_open_with_chain(lg_service **out, const lg_config *cfg, lg_chain *chain,
                                  char *err, size_t errlen)
{
    lg_service *svc = NULL;
    if (!out)
        return LG_ERR_INVALID;
    *out = NULL;
    if (!chain || !chain->ops)
        return LG_ERR_INVALID;
    lg_err rc = open_store(&svc, cfg, err, errlen);
    if (rc != LG_OK)
        return rc;
    svc->chain = chain;
    rc = open_signing(svc, err, errlen);
    if (rc != LG_OK)
        return rc;
    *out = svc;
    return LG_OK;
}

void lg_service_close(lg_service *svc)
{
    if (!svc)
        return;
    lg_svc_sandbox_close(svc);
    lg_privkey_free(svc->key);
    lg_signer_ctx_destroy(svc->signer);
    if (svc->owns_chain)
        lg_chain_close(svc->chain);
    lg_store_close(svc->st);
    lg_svc_journal_close(svc);
    free(svc->journal);
    free(svc->ingest_buf);
    free(svc->ingest_rows);
    lg_svc_auth_free(svc);
    lg_svc_control_close(svc);
    free(svc->reads);
    lg_config *own = svc->own_cfg;
    memset(svc, 0, sizeof *svc);
    free(svc);
    lg_config_free(own);
}

lg_store *lg_service_store(lg_service *svc)
{
    return svc ? svc->st : NULL;
}

struct lg_rpc *lg_service_rpc(lg_service *svc)
{
    return svc && svc->has_chain ? lg_chain_rpc(svc->chain) : NULL;
}

struct lg_contracts *lg_service_contracts(lg_service *svc)
{
    return svc && svc->has_chain ? lg_chain_contracts(svc->chain) : NULL;
}

const lg_config *lg_service_config(const lg_service *svc)
{
    return svc ? svc->cfg : NULL;
}

lg_err lg_service_platform_address(const lg_service *svc, char *out, size_t cap)
{
    if (!svc || !out || !svc->has_chain)
        return LG_ERR_INVALID;
    return lg_address_format(out, cap, svc->platform);
}

lg_err lg_service_nonce_resync(lg_service *svc, uint64_t *old_value, uint64_t *new_value)
{
    if (!svc || !svc->has_chain)
        return LG_ERR_INVALID;
    lg_err rc = lg_nonce_resync_from(&svc->nonces, chain_pending, svc->chain, svc->chain_id,
                                     svc->platform, old_value, new_value);
    if (rc == LG_OK)
        lg_info("nonce.resync", "nonce of %s resynced to %llu", svc->platform_hex,
                (unsigned long long)(new_value ? *new_value : 0));
    return rc;
}
