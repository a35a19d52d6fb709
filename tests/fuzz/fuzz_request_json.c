/* fuzz_request_json.c - libFuzzer target: the strict JSON body parser and the borrow
 * and repay body validators on arbitrary bytes. Whatever they accept must hold its
 * promises: a parsed body is an object without repeated keys, and every field of an
 * accepted borrow or repay is in its canonical form. */
#include "config.h"

#include <lendgate/bodies.h>
#include <lendgate/ids.h>
#include <lendgate/json_input.h>

#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond)
{
    if (!cond)
        __builtin_trap();
}

static int all_digits(const char *s)
{
    if (!*s || (s[0] == '0' && s[1]))
        return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return 0;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    char msg[320];
    struct json_object *obj = NULL;
    if (lg_json_parse_object(text, size, LG_JSON_MAX_DEPTH, &obj, msg, sizeof msg) == LG_OK) {
        check(json_object_is_type(obj, json_type_object));
        check(!lg_json_find_duplicate(text, size, NULL, 0));
        json_object_put(obj);
    } else {
        check(obj == NULL && msg[0] != '\0');
    }
    lg_borrow_request b;
    if (lg_parse_borrow(text, size, &b, msg, sizeof msg) == LG_OK) {
        check(lg_id_valid(b.partner_loan_id, 64));
        check(strlen(b.user_wallet) == 42 && b.user_wallet[0] == '0' && b.user_wallet[1] == 'x');
        check(all_digits(b.oaid));
        check(b.amount > 0 && strlen(b.request_hash) == 64);
    }
    lg_repay_request r;
    if (lg_parse_repay(text, size, &r, msg, sizeof msg) == LG_OK) {
        check(lg_id_valid(r.partner_loan_id, 64));
        check(r.amount > 0);
        check(r.proof_tx[0] == '\0' || strlen(r.proof_tx) == 66);
    }
    return 0;
}
