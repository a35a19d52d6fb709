/* fuzz_abi.c - libFuzzer target: ABI return data and revert data from an untrusted
 * node. The input is read as (uint256, address, bool, bytes32, bytes, string) and as
 * revert data; whatever decodes is encoded again and must decode to the same values. */
#include "config.h"

#include "fuzz_common.h"

#include <lendgate/abi.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define STR_MAX 4096

typedef struct {
    lg_u256 num;
    uint8_t addr[LG_ADDRESS_LEN];
    int flag;
    uint8_t word[32];
    const uint8_t *blob;
    size_t blob_len;
    char text[STR_MAX];
} values;

static int decode_all(values *v, const uint8_t *data, size_t size)
{
    return lg_abi_get_uint256(&v->num, data, size, 0) == LG_OK &&
           lg_abi_get_address(v->addr, data, size, 1) == LG_OK &&
           lg_abi_get_bool(&v->flag, data, size, 2) == LG_OK &&
           lg_abi_get_bytes32(v->word, data, size, 3) == LG_OK &&
           lg_abi_get_bytes(&v->blob, &v->blob_len, data, size, 4) == LG_OK &&
           lg_abi_get_string(v->text, sizeof v->text, data, size, 5) == LG_OK;
}

static void roundtrip_values(const uint8_t *data, size_t size)
{
    static values a, b;
    if (!decode_all(&a, data, size))
        return;
    size_t cap = 6 * 32 + 2 * 32 + a.blob_len + 32 + strlen(a.text) + 32;
    uint8_t *buf = malloc(cap);
    check(buf != NULL);
    lg_abi_writer w;
    size_t len = 0;
    lg_abi_writer_init(&w, buf, cap, NULL, 6);
    lg_abi_put_uint256(&w, &a.num);
    lg_abi_put_address(&w, a.addr);
    lg_abi_put_bool(&w, a.flag);
    lg_abi_put_bytes32(&w, a.word);
    lg_abi_put_bytes(&w, a.blob, a.blob_len);
    lg_abi_put_string(&w, a.text);
    check(lg_abi_finish(&w, &len) == LG_OK);
    check(decode_all(&b, buf, len));
    check(lg_u256_cmp(&a.num, &b.num) == 0 && memcmp(a.addr, b.addr, sizeof a.addr) == 0);
    check(a.flag == b.flag && memcmp(a.word, b.word, sizeof a.word) == 0);
    check(a.blob_len == b.blob_len && memcmp(a.blob, b.blob, a.blob_len) == 0);
    check(strcmp(a.text, b.text) == 0);
    free(buf);
}

static void roundtrip_revert(const uint8_t *data, size_t size)
{
    lg_revert r, again;
    if (lg_abi_decode_revert(&r, data, size) != LG_OK)
        return;
    check(strlen(r.message) < sizeof r.message);
    uint8_t buf[4 + 32 * 3 + LG_REVERT_MSG_LEN];
    size_t len = 0;
    lg_abi_writer w;
    if (r.kind == LG_REVERT_ERROR) {
        lg_abi_writer_init(&w, buf, sizeof buf, r.selector, 1);
        lg_abi_put_string(&w, r.message);
    } else if (r.kind == LG_REVERT_PANIC) {
        lg_abi_writer_init(&w, buf, sizeof buf, r.selector, 1);
        lg_abi_put_uint256(&w, &r.panic_code);
    } else {
        return;
    }
    check(lg_abi_finish(&w, &len) == LG_OK);
    check(lg_abi_decode_revert(&again, buf, len) == LG_OK);
    check(again.kind == r.kind && strcmp(again.message, r.message) == 0);
    check(lg_u256_cmp(&again.panic_code, &r.panic_code) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    roundtrip_values(data, size);
    roundtrip_revert(data, size);
    return 0;
}
