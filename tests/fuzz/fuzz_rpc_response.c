/* fuzz_rpc_response.c - libFuzzer target: JSON-RPC response bodies from an untrusted
 * node. Every body goes through lg_rpc_parse_response; a result is then read as a
 * receipt, a log, a list of logs, a quantity and data, as the methods would read it.
 * The error handed back must agree with the code returned and stay printable. */
#include "config.h"

#include "fuzz_common.h"

#include <lendgate/rpc.h>

#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void check_error(lg_err rc, const lg_rpc_error *e)
{
    check(e->err == rc);
    size_t n = strnlen(e->message, sizeof e->message);
    check(n < sizeof e->message);
    for (size_t i = 0; i < n; i++)
        check(e->message[i] >= 0x20 && e->message[i] < 0x7f);
    check(!e->has_revert || rc == LG_ERR_REVERTED);
    check(e->data_len <= sizeof e->data);
    check(lg_rpc_error_text(e) != NULL);
}

static void read_result(json_object *res)
{
    lg_receipt r;
    lg_eth_log log;
    if (lg_rpc_parse_receipt(&r, res) == LG_OK) {
        check(r.status == 0 || r.status == 1);
        check(r.nlogs == 0 || r.logs != NULL);
        lg_receipt_release(&r);
    }
    if (lg_rpc_parse_log(&log, res) == LG_OK) {
        check(log.ntopics <= LG_RPC_MAX_TOPICS);
        free(log.data);
    }
    if (json_object_is_type(res, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(res); i++) {
            if (lg_rpc_parse_log(&log, json_object_array_get_idx(res, i)) == LG_OK)
                free(log.data);
        }
    }
    if (json_object_is_type(res, json_type_string)) {
        uint64_t q = 0;
        uint8_t *bytes = NULL;
        size_t len = 0;
        lg_rpc_quantity_u64(&q, json_object_get_string(res));
        if (lg_rpc_data_decode(&bytes, &len, json_object_get_string(res), 1 << 20) == LG_OK)
            check(bytes != NULL);
        free(bytes);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_object *res = NULL;
    lg_rpc_error e;
    lg_err rc = lg_rpc_parse_response((const char *)data, size, 1, &res, &e);
    check_error(rc, &e);
    if (rc != LG_OK) {
        check(res == NULL);
        return 0;
    }
    if (res)
        read_result(res);
    json_object_put(res);
    return 0;
}
