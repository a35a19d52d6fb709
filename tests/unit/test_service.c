/* test_service.c - the service handle without a chain: NULL arguments, a store-only
 * service refusing chain work, an unreachable node refused at open without its URL
 * (which may embed a provider key) in the error, outcomes always filled, and the
 * cluster guards' setting and calls (cluster_guard.h).
 * The pipelines themselves run against a scripted chain in test_pipelines.c and against
 * a devnet in tests/integration/service_devnet.sh. */
#include "config.h"

#include "harness.h"

#include <lendgate/cluster_guard.h>
#include <lendgate/config.h>
#include <lendgate/service.h>
#include <lendgate/setup.h>
#include <lendgate/status.h>

#include <stdio.h>
#include <string.h>

static char dir[512];
static lg_config *cfg;

static int suite_init(void)
{
    char path[600], err[256];
    if (lg_test_mkdtemp(dir, sizeof dir) != 0 || lg_config_defaults(&cfg) != LG_OK)
        return -1;
    snprintf(path, sizeof path, "%s/state", dir);
    if (lg_config_set(cfg, "store", "state_dir", path, err, sizeof err) != LG_OK)
        return -1;
    snprintf(path, sizeof path, "%s/state/lendgate.db", dir);
    if (lg_config_set(cfg, "store", "path", path, err, sizeof err) != LG_OK)
        return -1;
    /* Port 1 on loopback: nothing listens, the connect is refused at once. The user
     * part stands for a provider key that must never be echoed. */
    if (lg_config_set(cfg, "chain", "rpc_url", "http://secretkey123@127.0.0.1:1/", err,
                      sizeof err) != LG_OK)
        return -1;
    return lg_setup_init(cfg, NULL, err, sizeof err) == LG_OK ? 0 : -1;
}

static int suite_clean(void)
{
    lg_config_free(cfg);
    lg_test_rmtree(dir);
    return 0;
}

static void test_null_arguments(void)
{
    lg_service *svc = (lg_service *)1;
    char err[128] = "x";
    CU_ASSERT_EQUAL(lg_service_open(NULL, cfg, err, sizeof err), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_service_open(&svc, NULL, err, sizeof err), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_service_open_store_only(NULL, cfg, NULL, 0), LG_ERR_INVALID);
    lg_service_close(NULL);
    CU_ASSERT_PTR_NULL(lg_service_store(NULL));
    CU_ASSERT_PTR_NULL(lg_service_rpc(NULL));
    CU_ASSERT_PTR_NULL(lg_service_contracts(NULL));
    CU_ASSERT_PTR_NULL(lg_service_config(NULL));
    CU_ASSERT_EQUAL(lg_service_reconcile(NULL, NULL), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_service_nonce_resync(NULL, NULL, NULL), LG_ERR_INVALID);
    char addr[64];
    CU_ASSERT_EQUAL(lg_service_platform_address(NULL, addr, sizeof addr), LG_ERR_INVALID);
}

static void test_store_only(void)
{
    lg_service *svc = NULL;
    char err[256] = "";
    CU_ASSERT_EQUAL_FATAL(lg_service_open_store_only(&svc, cfg, err, sizeof err), LG_OK);
    CU_ASSERT_PTR_NOT_NULL(lg_service_store(svc));
    CU_ASSERT_PTR_NULL(lg_service_rpc(svc));
    CU_ASSERT_PTR_NULL(lg_service_contracts(svc));
    CU_ASSERT_PTR_EQUAL(lg_service_config(svc), cfg);

    lg_partner p;
    memset(&p, 0, sizeof p);
    lg_borrow_request b;
    memset(&b, 0, sizeof b);
    lg_loan loan;
    lg_outcome out = {0};
    CU_ASSERT_EQUAL(lg_service_borrow(svc, &p, &b, &loan, &out), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_http_status(&out), 500);
    CU_ASSERT_EQUAL(lg_service_borrow(svc, NULL, &b, &loan, &out), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_http_status(&out), 500);

    lg_repay_request r;
    memset(&r, 0, sizeof r);
    lg_repayment rp;
    memset(&out, 0, sizeof out);
    CU_ASSERT_EQUAL(lg_service_repay(svc, &p, &r, &loan, &rp, &out), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_http_status(&out), 500);

    lg_reconcile_report rep;
    CU_ASSERT_EQUAL(lg_service_reconcile(svc, &rep), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(rep.loans_confirmed + rep.still_pending, 0);
    CU_ASSERT_EQUAL(lg_service_nonce_resync(svc, NULL, NULL), LG_ERR_INVALID);
    char addr[64];
    CU_ASSERT_EQUAL(lg_service_platform_address(svc, addr, sizeof addr), LG_ERR_INVALID);
    lg_service_close(svc);
}

static void test_unreachable_node(void)
{
    lg_service *svc = (lg_service *)1;
    char err[512] = "";
    lg_err rc = lg_service_open(&svc, cfg, err, sizeof err);
    CU_ASSERT_EQUAL(rc, LG_ERR_IO);
    CU_ASSERT_PTR_NULL(svc);
    CU_ASSERT(err[0] != '\0');
    CU_ASSERT_PTR_NULL(strstr(err, "secretkey123"));
    CU_ASSERT_PTR_NULL(strstr(err, "127.0.0.1:1"));
}

static void test_missing_store(void)
{
    lg_config *c = NULL;
    char err[256] = "", path[600];
    lg_service *svc = NULL;
    CU_ASSERT_EQUAL_FATAL(lg_config_defaults(&c), LG_OK);
    snprintf(path, sizeof path, "%s/none/lendgate.db", dir);
    lg_config_set(c, "store", "path", path, err, sizeof err);
    CU_ASSERT_NOT_EQUAL(lg_service_open_store_only(&svc, c, err, sizeof err), LG_OK);
    CU_ASSERT_PTR_NULL(svc);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "store"));
    lg_config_free(c);
}

/* [store] cluster_guards: auto follows the backend, on and off say so. */
static void test_cluster_guards_setting(void)
{
    lg_config *c = NULL;
    char err[128];
    CU_ASSERT_EQUAL(lg_service_cluster_guards(NULL), 0);
    CU_ASSERT_EQUAL_FATAL(lg_config_defaults(&c), LG_OK);
    CU_ASSERT_STRING_EQUAL(lg_config_str(c, "store", "cluster_guards"), "auto");
    CU_ASSERT_EQUAL(lg_service_cluster_guards(c), 0); /* sqlite */
    CU_ASSERT_EQUAL(lg_config_set(c, "store", "backend", "mongodb", err, sizeof err), LG_OK);
    CU_ASSERT_EQUAL(lg_service_cluster_guards(c), 1);
    CU_ASSERT_EQUAL(lg_config_set(c, "store", "cluster_guards", "off", err, sizeof err), LG_OK);
    CU_ASSERT_EQUAL(lg_service_cluster_guards(c), 0);
    CU_ASSERT_EQUAL(lg_config_set(c, "store", "backend", "sqlite", err, sizeof err), LG_OK);
    CU_ASSERT_EQUAL(lg_config_set(c, "store", "cluster_guards", "on", err, sizeof err), LG_OK);
    CU_ASSERT_EQUAL(lg_service_cluster_guards(c), 1);
    CU_ASSERT_NOT_EQUAL(lg_config_set(c, "store", "cluster_guards", "yes", err, sizeof err), LG_OK);
    lg_config_free(c);
}

/* The service's answers in the guard's terms: remaining, reset and retry-after. */
static void test_cluster_guard_calls(void)
{
    lg_service *svc = NULL;
    char err[256] = "";
    lg_cluster_rate r;
    unsigned char d[LG_CLUSTER_DIGEST_LEN];
    int64_t t = INT64_C(1773489600000) + 1000; /* 1 s into a minute */
    memset(d, 7, sizeof d);
    CU_ASSERT_EQUAL_FATAL(lg_service_open_store_only(&svc, cfg, err, sizeof err), LG_OK);
    CU_ASSERT_EQUAL(lg_service_rate_take(svc, "p:svc", 2, t, &r), LG_OK);
    CU_ASSERT(r.allowed && r.limit == 2 && r.remaining == 1 && r.reset_ms == 0);
    CU_ASSERT_EQUAL(lg_service_rate_take(svc, "p:svc", 2, t, &r), LG_OK);
    /* None left: the next minute opens with ceil(2 * (60000 - e) / 60000) = 1 of this
     * one's still counted from e = 30000, 89 s from now. */
    CU_ASSERT(r.allowed && r.remaining == 0 && r.reset_ms == 89000 && r.retry_after_ms == 0);
    CU_ASSERT_EQUAL(lg_service_rate_take(svc, "p:svc", 2, t + 1, &r), LG_OK);
    CU_ASSERT(!r.allowed && r.remaining == 0 && r.retry_after_ms == 88999);
    CU_ASSERT_EQUAL(lg_service_rate_take(NULL, "p:svc", 2, t, &r), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_service_rate_take(svc, "", 2, t, &r), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_service_rate_take(svc, "p:svc", 0, t, &r), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_service_rate_take(svc, "p:svc", 2, t, NULL), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_service_replay_claim(svc, d, t, 600000), LG_OK);
    CU_ASSERT_EQUAL(lg_service_replay_claim(svc, d, t + 1, 600000), LG_ERR_DUPLICATE);
    CU_ASSERT_EQUAL(lg_service_replay_claim(svc, NULL, t, 600000), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_service_replay_claim(NULL, d, t, 600000), LG_ERR_INVALID);
    lg_service_close(svc);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 99;
    static const lg_test_case tests[] = {
        {"NULL arguments", test_null_arguments},
        {"store-only service refuses chain work", test_store_only},
        {"unreachable node refused without its URL", test_unreachable_node},
        {"missing store", test_missing_store},
        {"cluster guards: the setting", test_cluster_guards_setting},
        {"cluster guards: rate and replay calls", test_cluster_guard_calls},
        {NULL, NULL},
    };
    lg_test_add_suite("service", suite_init, suite_clean, tests);
    return lg_test_run("test_service");
}
