/* fuzz_request_json.c - libFuzzer target: the strict JSON body parser and the borrow
 * and repay body validators on arbitrary bytes. Whatever they accept must hold its
 * promises: a parsed body is an object without repeated keys, and every field of an
 * accepted borrow or repay is in its canonical form. The same request spelled
 * differently (other key order, spacing, the wallet in upper case) parses to the
 * same fields and the same request hash. */
#include "config.h"

#include "fuzz_common.h"

#include <lendgate/bodies.h>
#include <lendgate/ids.h>
#include <lendgate/json_input.h>

#include <ctype.h>
#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int all_digits(const char *s)
{
    if (!*s || (s[0] == '0' && s[1]))
        return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return 0;
    return 1;
}

/* Writes the accepted borrow b again, keys reversed, wallet upper case. */
static void respell_borrow(const lg_borrow_request *b)
{
    char wallet[LG_ADDR_LEN], body[512], msg[320];
    lg_borrow_request again;
    snprintf(wallet, sizeof wallet, "%s", b->user_wallet);
    for (char *p = wallet + 2; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    int n = snprintf(body, sizeof body,
                     " { \"amount\" : \"%llu\",\n\"oaidTokenId\":\"%s\", \"userWallet\":\"%s\","
                     "\t\"partnerLoanId\":\"%s\"}\r\n",
                     (unsigned long long)b->amount, b->oaid, wallet, b->partner_loan_id);
    check(n > 0 && (size_t)n < sizeof body);
    check(lg_parse_borrow(body, (size_t)n, &again, msg, sizeof msg) == LG_OK);
    check(memcmp(&again, b, sizeof again) == 0);
}

/* Writes the accepted repay r again, keys reversed, hash upper case. */
static void respell_repay(const lg_repay_request *r)
{
    char hash[LG_HASH_LEN], body[512], msg[320];
    lg_repay_request again;
    snprintf(hash, sizeof hash, "%s", r->proof_tx);
    for (char *p = hash + (hash[0] ? 2 : 0); *p; p++)
        *p = (char)toupper((unsigned char)*p);
    int n =
        r->proof_tx[0]
            ? snprintf(body, sizeof body,
                       "{\"repaymentTxHash\":\"%s\",\"amount\":\"%llu\",\"partnerLoanId\":\"%s\"}",
                       hash, (unsigned long long)r->amount, r->partner_loan_id)
            : snprintf(body, sizeof body, "{\"amount\":\"%llu\",\"partnerLoanId\":\"%s\"}",
                       (unsigned long long)r->amount, r->partner_loan_id);
    check(n > 0 && (size_t)n < sizeof body);
    check(lg_parse_repay(body, (size_t)n, &again, msg, sizeof msg) == LG_OK);
    check(memcmp(&again, r, sizeof again) == 0);
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
        respell_borrow(&b);
    }
    lg_repay_request r;
    if (lg_parse_repay(text, size, &r, msg, sizeof msg) == LG_OK) {
        check(lg_id_valid(r.partner_loan_id, 64));
        check(r.amount > 0);
        check(r.proof_tx[0] == '\0' || strlen(r.proof_tx) == 66);
        respell_repay(&r);
    }
    return 0;
}
