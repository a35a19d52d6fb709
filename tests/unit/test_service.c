/* test_service.c - the service handle without a chain: NULL arguments, a store-only
 * service refusing chain work, an unreachable node refused at open without its URL
 * (which may embed a provider key) in the error, and outcomes always filled.
 * The pipelines themselves run against a scripted chain in test_pipelines.c and against
 * a devnet in tests/integration/service_devnet.sh. */
#include "config.h"

#include "harness.h"

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

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 99;
    static const lg_test_case tests[] = {
        {"NULL arguments", test_null_arguments},
        {"store-only service refuses chain work", test_store_only},
        {"unreachable node refused without its URL", test_unreachable_node},
        {"missing store", test_missing_store},
        {NULL, NULL},
    };
    lg_test_add_suite("service", suite_init, suite_clean, tests);
    return lg_test_run("test_service");
}
