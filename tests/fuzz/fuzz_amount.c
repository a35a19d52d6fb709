/* fuzz_amount.c - libFuzzer target: USDC amounts and the other value validators of
 * outside input (address, transaction hash, uint256), on the input as text.
 * Round-trips: a parsed amount formats back to the very same text, and formatting
 * any uint64 (the first eight input bytes) parses back to the same value; dollars
 * for people never show more than the amount. A validator that accepts a value
 * accepts its canonical form too, and leaves it unchanged. */
#include "config.h"

#include "fuzz_common.h"

#include <lendgate/amount.h>
#include <lendgate/u256.h>
#include <lendgate/validate.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define TEXT_MAX 512

static void format_roundtrip(uint64_t v)
{
    char buf[LG_AMOUNT_TEXT_LEN], usd[LG_AMOUNT_USD_LEN], small[4];
    uint64_t back = 0;
    check(lg_amount_format(v, buf, sizeof buf) == LG_OK);
    check(lg_amount_parse(buf, &back) == LG_OK && back == v);
    check(lg_amount_parse_positive(buf, &back) == (v ? LG_OK : LG_ERR_INVALID));
    check(lg_amount_format(v, small, sizeof small) ==
          (strlen(buf) < sizeof small ? LG_OK : LG_ERR_OVERFLOW));
    /* "$1,234.56": the digits without separators are the whole cents, truncated. */
    check(lg_amount_format_usd(v, usd, sizeof usd) == LG_OK && usd[0] == '$');
    uint64_t cents = 0;
    for (const char *p = usd + 1; *p; p++) {
        if (*p == ',' || *p == '.')
            continue;
        check(*p >= '0' && *p <= '9');
        cents = cents * 10 + (uint64_t)(*p - '0');
    }
    check(cents == v / 10000);
}

static void fee_rules(uint64_t amount, uint32_t bps)
{
    uint64_t fee = 0, net = 0;
    lg_err rc = lg_amount_split_fee(amount, bps, &fee, &net);
    check(rc == (bps <= LG_BPS_DENOMINATOR ? LG_OK : LG_ERR_INVALID));
    if (rc != LG_OK)
        return;
    check(fee <= amount && fee + net == amount);
    /* floor(amount * bps / 10000) computed in 128 bits. */
    unsigned __int128 exact = (unsigned __int128)amount * bps / LG_BPS_DENOMINATOR;
    check(fee == (uint64_t)exact);
}

static void parse_text(const char *s)
{
    uint64_t v = 0, w = 0;
    char buf[LG_AMOUNT_TEXT_LEN], msg[160];
    lg_err rc = lg_amount_parse(s, &v);
    check(rc == LG_OK || rc == LG_ERR_INVALID || rc == LG_ERR_OVERFLOW);
    if (rc == LG_OK) {
        check(lg_amount_format(v, buf, sizeof buf) == LG_OK && strcmp(buf, s) == 0);
    }
    lg_err vr = lg_validate_amount("amount", s, &w, msg, sizeof msg);
    check((vr == LG_OK) == (rc == LG_OK && v > 0));
    check(vr != LG_OK || w == v);
    check(vr == LG_OK || msg[0] != '\0');
}

static void validators(const char *s)
{
    char out[TEXT_MAX], again[TEXT_MAX], msg[160];
    if (lg_validate_address("a", s, out, msg, sizeof msg) == LG_OK) {
        check(strlen(out) == 42 && strncmp(out, "0x", 2) == 0);
        check(lg_validate_address("a", out, again, msg, sizeof msg) == LG_OK);
        check(strcmp(out, again) == 0);
    }
    if (lg_validate_tx_hash("h", s, out, msg, sizeof msg) == LG_OK) {
        check(strlen(out) == 66);
        check(lg_validate_tx_hash("h", out, again, msg, sizeof msg) == LG_OK);
        check(strcmp(out, again) == 0);
    }
    lg_u256 u;
    lg_err rc = lg_validate_u256("u", s, out, msg, sizeof msg);
    check((rc == LG_OK) == (lg_u256_from_dec(&u, s) == LG_OK));
    if (rc == LG_OK) {
        check(strcmp(out, s) == 0);
        uint64_t small = 0, parsed = 0;
        if (lg_u256_to_u64(&small, &u) == LG_OK)
            check(lg_amount_parse(s, &parsed) == LG_OK && parsed == small);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint64_t v = 0;
    memcpy(&v, data, size < sizeof v ? size : sizeof v);
    format_roundtrip(v);
    uint32_t bps = size > 9 ? (uint32_t)(data[8] | data[9] << 8) % 10100u : 0;
    fee_rules(v, bps);

    char text[TEXT_MAX];
    size_t n = size < sizeof text - 1 ? size : sizeof text - 1;
    memcpy(text, data, n);
    text[n] = '\0';
    parse_text(text);
    validators(text);
    return 0;
}
