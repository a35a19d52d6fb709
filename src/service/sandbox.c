/* sandbox.c - the sandbox's chain. A partner's sandbox keys belong to its sandbox twin
 * (store.h: lg_store_partner_sandbox); what a twin does on a chain goes to a service
 * of its own over [sandbox]'s chain, opened on a process's first sandbox call, whose
 * store handle works on the sandbox's rows (lg_store_set_sandbox). A live partner
 * never reaches it, a twin never reaches the live one. */
#include "config.h"

#include "service_internal.h"

#include <lendgate/observe.h>
#include <lendgate/time.h>

#include <stdlib.h>

/* After a failed open, the next attempt waits this long: one warning, not one per
 * call, while the sandbox's key file or configuration is wrong. */
#define RETRY_MS 5000

/* Opens live's sandbox service over lg_config_sandbox(live->cfg). */
static lg_err sandbox_open(lg_service *live)
{
    lg_config *cfg = NULL;
    lg_service *sb = NULL;
    char err[512] = "";
    lg_err rc = lg_config_sandbox(live->cfg, &cfg);
    if (rc == LG_OK)
        rc = lg_service_open(&sb, cfg, err, sizeof err);
    if (rc != LG_OK) {
        lg_warn("sandbox.open", "the sandbox's chain is not open: %s",
                err[0] ? err : lg_strerror(rc));
        lg_config_free(cfg);
        return rc;
    }
    sb->own_cfg = cfg;
    sb->is_sandbox = 1;
    lg_store_set_sandbox(sb->st, 1);
    lg_service_set_metrics(sb, live->metrics);
    live->sandbox = sb;
    return LG_OK;
}

lg_err lg_svc_sandbox(lg_service *live, lg_service **out)
{
    *out = NULL;
    if (live->is_sandbox || !lg_config_has_sandbox(live->cfg))
        return LG_ERR_CONFIG;
    int64_t now = lg_time_mono_ms();
    if (!live->sandbox && now >= live->sandbox_retry_ms && sandbox_open(live) != LG_OK)
        live->sandbox_retry_ms = now + RETRY_MS;
    *out = live->sandbox;
    return live->sandbox ? LG_OK : LG_ERR_IO;
}

lg_err lg_svc_for_partner(lg_service **svc, const lg_partner *p, lg_outcome *out)
{
    if (!p->live_id[0] || (*svc)->is_sandbox)
        return LG_OK;
    lg_service *sb;
    lg_err rc = lg_svc_sandbox(*svc, &sb);
    if (rc == LG_ERR_CONFIG)
        return lg_svc_fail(out, LG_ERR_UNSUPPORTED, "",
                           "Sandbox keys cannot use the chain here: this server has no sandbox");
    if (rc != LG_OK)
        return lg_svc_fail(out, LG_ERR_UNSUPPORTED, "", "Sandbox chain unavailable");
    *svc = sb;
    return LG_OK;
}

void lg_svc_sandbox_close(lg_service *live)
{
    lg_service_close(live->sandbox);
    live->sandbox = NULL;
}
