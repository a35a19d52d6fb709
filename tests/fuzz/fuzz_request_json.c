/* fuzz_request_json.c - libFuzzer target: the strict JSON body parser and the borrow
 * and repay body validators on arbitrary bytes. Whatever they accept must hold its
 * promises: a parsed body is an object without repeated keys, with no control
 * character in a member name and every member of the text kept, and every field of
 * an accepted borrow or repay is in its canonical form. The same request spelled
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

/*
 * Checks every member name under o (depth levels down) and returns how many
 * members there are. No name holds a control character; json-c keeps names as C
 * strings, so a name cut short at a NUL could also have merged with another one,
 * which the caller sees as fewer members than the text has.
 */
static size_t check_names(struct json_object *o, int depth)
{
    size_t n = 0;
    check(depth <= LG_JSON_MAX_DEPTH);
    if (json_object_is_type(o, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(o); i++)
            n += check_names(json_object_array_get_idx(o, i), depth + 1);
    } else if (json_object_is_type(o, json_type_object)) {
        json_object_object_foreach(o, k, v)
        {
            check_text(k, strlen(k) + 1);
            n += 1 + check_names(v, depth + 1);
        }
    }
    return n;
}

/* The value of the 4 hex digits at p. */
static unsigned hex4(const char *p)
{
    unsigned v = 0;
    for (int k = 0; k < 4; k++)
        v = v * 16 +
            (unsigned)(isdigit((unsigned char)p[k]) ? p[k] - '0' : (p[k] | 0x20) - 'a' + 10);
    return v;
}

/*
 * Walks the member names of the accepted JSON text text[0..size), the strings a
 * colon follows: none holds a control character, raw or escaped, whatever json-c
 * made of it. Returns how many there are.
 */
static size_t text_members(const char *text, size_t size)
{
    size_t n = 0;
    for (size_t i = 0; i < size; i++) {
        if (text[i] != '"')
            continue;
        int ctl = 0;
        for (i++; i < size && text[i] != '"'; i++) {
            unsigned char c = (unsigned char)text[i];
            if (c != '\\') {
                ctl |= c < 0x20 || c == 0x7f;
            } else if (++i < size && text[i] == 'u' && i + 4 < size) {
                unsigned v = hex4(text + i + 1);
                ctl |= v < 0x20 || v == 0x7f;
                i += 4;
            } else if (i < size && text[i] && strchr("bfnrt", text[i])) {
                ctl = 1;
            }
        }
        size_t j = i + 1;
        while (j < size &&
               (text[j] == ' ' || text[j] == '\t' || text[j] == '\n' || text[j] == '\r'))
            j++;
        if (j < size && text[j] == ':') {
            check(!ctl);
            n++;
        }
    }
    return n;
}

/* Writes the accepted borrow b again, keys reversed, wallet upper case, the id as a
 * string and the metadata in its canonical form. */
static void respell_borrow(const lg_borrow_request *b)
{
    char wallet[LG_ADDR_LEN], body[LG_METADATA_LEN + 512], msg[320];
    lg_borrow_request again;
    snprintf(wallet, sizeof wallet, "%s", b->user_wallet);
    for (char *p = wallet + 2; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    int n = snprintf(body, sizeof body,
                     " { %s%s%s\"borrowAmount\" : \"%llu\",\n\"oaidTokenId\":\"%s\", "
                     "\"userWallet\":\"%s\",\t\"partnerLoanId\":\"%s\"}\r\n",
                     b->metadata[0] ? "\"metadata\":" : "", b->metadata, b->metadata[0] ? "," : "",
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
    int n = r->proof_tx[0] ? snprintf(body, sizeof body,
                                      "{\"repaymentTxHash\":\"%s\",\"repaymentAmount\":\"%llu\","
                                      "\"partnerLoanId\":\"%s\"}",
                                      hash, (unsigned long long)r->amount, r->partner_loan_id)
                           : snprintf(body, sizeof body,
                                      "{\"repaymentAmount\":\"%llu\",\"partnerLoanId\":\"%s\"}",
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
        check(check_names(obj, 0) == text_members(text, size));
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
