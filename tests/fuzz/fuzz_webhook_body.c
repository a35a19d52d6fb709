/* fuzz_webhook_body.c - libFuzzer target: the delivered body over any event payload
 * text. The body is made only of a JSON object payload; when it is, the body is a
 * JSON object whose "data" is the payload's object, whose envelope keys come first,
 * which holds every payload key that is not an envelope key with the same value,
 * and which is the same bytes when made again. */
#include "config.h"

#include "fuzz_common.h"

#include <lendgate/webhook.h>

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

static const char *const envelope[] = {"id",       "type",      "event",       "timestamp",
                                       "sequence", "partnerId", "environment", "data"};

static int is_envelope(const char *key)
{
    for (size_t i = 0; i < sizeof envelope / sizeof envelope[0]; i++)
        if (strcmp(key, envelope[i]) == 0)
            return 1;
    return 0;
}

static void check_body(const char *body, size_t len)
{
    check(strlen(body) == len);
    json_object *o = json_tokener_parse(body);
    check(o && json_object_is_type(o, json_type_object));
    json_object *data = NULL, *v = NULL;
    check(json_object_object_get_ex(o, "data", &data));
    check(json_object_is_type(data, json_type_object));
    const char *first = NULL;
    json_object_object_foreach(o, k, val)
    {
        (void)val;
        first = k;
        break;
    }
    check(first && strcmp(first, "id") == 0);
    json_object_object_foreach(data, key, dv)
    {
        if (is_envelope(key))
            continue;
        check(json_object_object_get_ex(o, key, &v));
        check(json_object_equal(v, dv));
    }
    json_object_put(o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static lg_event e;
    memset(&e, 0, sizeof e);
    memcpy(e.event_id, "evt_1", 6);
    memcpy(e.partner_id, "p-1", 4);
    memcpy(e.type, "loan.borrowed", 14);
    e.seq = size;
    e.created_at_ms = 1795484924123;
    size_t n = size < sizeof e.payload - 1 ? size : sizeof e.payload - 1;
    memcpy(e.payload, data, n);

    char *body = NULL, *again = NULL;
    size_t len = 0, len2 = 0;
    lg_err rc = lg_webhook_body(&e, &body, &len);
    check(rc == LG_OK || rc == LG_ERR_INVALID || rc == LG_ERR_NOMEM);
    if (rc != LG_OK) {
        check(body == NULL && len == 0);
        return 0;
    }
    check_body(body, len);
    check(lg_webhook_body(&e, &again, &len2) == LG_OK);
    check(len2 == len && memcmp(body, again, len) == 0);
    free(body);
    free(again);
    return 0;
}
