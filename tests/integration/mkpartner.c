/*
 * mkpartner.c - test helper: creates a partner and one API key in a SQLite store
 * and prints "<partner id> <key>" on stdout (the only place the key is shown).
 *
 *   mkpartner --db PATH --prefix NAME [--status active|suspended|inactive]
 *             [--daily N] [--total N] [--fee BPS] [--settlement 0x...] [--sandbox]
 *             [--webhook URL] [--webhook-secret SECRET] [--loan PARTNER_LOAN_ID]
 *
 * --loan also reserves a PENDING loan of 1 USDC under that id (to a fixed wallet,
 * OAID 1), so tests can see one partner's loan hidden from another.
 */
#include "config.h"

#include <lendgate/apikey.h>
#include <lendgate/sha256.h>
#include <lendgate/store.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_u64(const char *text, uint64_t *out)
{
    char *end = NULL;
    unsigned long long v = strtoull(text, &end, 10);
    if (!*text || *end || text[0] == '-')
        return -1;
    *out = v;
    return 0;
}

static int parse_status(const char *text, lg_partner_status *out)
{
    static const char *const names[] = {"active", "suspended", "inactive"};
    for (int i = 0; i < 3; i++) {
        if (strcmp(text, names[i]) == 0) {
            *out = (lg_partner_status)i;
            return 0;
        }
    }
    return -1;
}

static const char *loan_id;

static int parse_args(int argc, char **argv, const char **db, lg_partner *p, lg_apikey_env *env)
{
    uint64_t fee = p->fee_bps;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int used = 1, bad = 0;
        if (strcmp(a, "--sandbox") == 0) {
            *env = LG_APIKEY_SANDBOX;
            used = 0;
        } else if (!v) {
            return -1;
        } else if (strcmp(a, "--loan") == 0) {
            loan_id = v;
        } else if (strcmp(a, "--db") == 0) {
            *db = v;
        } else if (strcmp(a, "--prefix") == 0) {
            bad = snprintf(p->key_prefix, sizeof p->key_prefix, "%s", v) >= 32;
        } else if (strcmp(a, "--status") == 0) {
            bad = parse_status(v, &p->status);
        } else if (strcmp(a, "--daily") == 0) {
            bad = parse_u64(v, &p->daily_limit);
        } else if (strcmp(a, "--total") == 0) {
            bad = parse_u64(v, &p->total_limit);
        } else if (strcmp(a, "--fee") == 0) {
            bad = parse_u64(v, &fee) || fee > 10000;
        } else if (strcmp(a, "--settlement") == 0) {
            bad = snprintf(p->settlement_address, sizeof p->settlement_address, "%s", v) >= 43;
        } else if (strcmp(a, "--webhook") == 0) {
            bad = (size_t)snprintf(p->webhook_url, sizeof p->webhook_url, "%s", v) >=
                  sizeof p->webhook_url;
        } else if (strcmp(a, "--webhook-secret") == 0) {
            bad = (size_t)snprintf(p->webhook_secret, sizeof p->webhook_secret, "%s", v) >=
                  sizeof p->webhook_secret;
        } else {
            return -1;
        }
        if (bad)
            return -1;
        i += used;
    }
    p->fee_bps = (uint32_t)fee;
    return *db && p->key_prefix[0] ? 0 : -1;
}

static lg_err reserve_loan(lg_store *st, const lg_partner *p)
{
    lg_loan loan;
    memset(&loan, 0, sizeof loan);
    snprintf(loan.partner_id, sizeof loan.partner_id, "%s", p->id);
    snprintf(loan.partner_loan_id, sizeof loan.partner_loan_id, "%s", loan_id);
    snprintf(loan.user_wallet, sizeof loan.user_wallet, "0x%040d", 7);
    snprintf(loan.oaid, sizeof loan.oaid, "1");
    snprintf(loan.position_id, sizeof loan.position_id, "1");
    loan.amount = 1000000;
    loan.net = loan.amount;
    lg_err rc =
        lg_sha256_hex(loan.request_hash, sizeof loan.request_hash, loan_id, strlen(loan_id));
    return rc == LG_OK ? lg_store_loan_reserve(st, &loan, NULL, NULL) : rc;
}

int main(int argc, char **argv)
{
    lg_partner p;
    lg_apikey_env env = LG_APIKEY_LIVE;
    const char *db = NULL;
    memset(&p, 0, sizeof p);
    p.daily_limit = UINT64_C(100000000000);
    p.total_limit = UINT64_C(1000000000000);
    p.fee_bps = 50;
    snprintf(p.settlement_address, sizeof p.settlement_address, "0x%040d", 1);
    if (parse_args(argc, argv, &db, &p, &env) != 0) {
        fprintf(stderr, "usage: mkpartner --db PATH --prefix NAME [--status S] [--daily N] "
                        "[--total N] [--fee BPS] [--settlement ADDR] [--webhook URL] "
                        "[--webhook-secret SECRET] [--sandbox] [--loan ID]\n");
        return 2;
    }
    snprintf(p.id, sizeof p.id, "partner_%.32s_001", p.key_prefix);
    snprintf(p.name, sizeof p.name, "Test partner %s", p.key_prefix);
    snprintf(p.contact_email, sizeof p.contact_email, "ops@%s.test", p.key_prefix);
    lg_store *st = NULL;
    char key[LG_APIKEY_MAX_LEN];
    lg_api_key k;
    memset(&k, 0, sizeof k);
    lg_err rc = lg_store_open("sqlite", db, 5000, &st);
    if (rc == LG_OK)
        rc = lg_apikey_generate(key, sizeof key, p.key_prefix, env);
    if (rc == LG_OK) {
        snprintf(k.partner_id, sizeof k.partner_id, "%s", p.id);
        snprintf(k.env, sizeof k.env, "%s", lg_apikey_env_name(env));
        lg_apikey_hash(k.key_hash, sizeof k.key_hash, key);
        lg_apikey_prefix(k.prefix, sizeof k.prefix, key);
        /* As the admin create does it, less the audit row: no admin asked for this. */
        rc = lg_store_partner_onboard(st, &p, &k, NULL, NULL);
    }
    if (rc == LG_OK && loan_id)
        rc = reserve_loan(st, &p);
    lg_store_close(st);
    if (rc != LG_OK) {
        fprintf(stderr, "mkpartner: %s\n", lg_strerror(rc));
        return 1;
    }
    printf("%s %s\n", p.id, key);
    lg_memwipe(key, sizeof key);
    return 0;
}
