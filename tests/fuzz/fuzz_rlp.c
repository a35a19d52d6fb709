/* fuzz_rlp.c - libFuzzer target: strict RLP decoding of arbitrary bytes. Whatever the
 * decoder accepts is canonical, so re-encoding the decoded tree must give back the
 * input byte for byte; every integer reader must agree with the item's length. The
 * same bytes, alone and as a type-2 envelope, go through the signed-transaction
 * reader, whose call data must lie inside them. */
#include "config.h"

#include "fuzz_common.h"

#include <lendgate/rlp.h>
#include <lendgate/tx.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void reencode(lg_rlp_writer *w, const lg_rlp_item *item)
{
    if (!item->is_list) {
        uint64_t u = 0;
        lg_u256 v;
        lg_err e64 = lg_rlp_item_u64(&u, item);
        lg_err e256 = lg_rlp_item_u256(&v, item);
        check(e64 != LG_OK || item->len <= 8);
        check(e256 != LG_OK || item->len <= 32);
        check(e64 != LG_OK || e256 == LG_OK);
        lg_rlp_put_bytes(w, item->payload, item->len);
        return;
    }
    size_t mark = 0;
    lg_rlp_iter it;
    lg_rlp_item child;
    lg_rlp_list_begin(w, &mark);
    check(lg_rlp_iter_init(&it, item) == LG_OK);
    lg_err err;
    while ((err = lg_rlp_iter_next(&it, &child)) == LG_OK)
        reencode(w, &child);
    check(err == LG_ERR_NOT_FOUND);
    lg_rlp_list_end(w, mark);
}

static void read_tx(const uint8_t *raw, size_t size)
{
    lg_tx_fields f;
    if (lg_tx_decode_signed(&f, raw, size) != LG_OK)
        return;
    check(f.data_len == 0 || (f.data >= raw && f.data + f.data_len <= raw + size));
    check(!f.eip1559 || f.max_priority_fee_per_gas <= f.max_fee_per_gas);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lg_rlp_item top;
    read_tx(data, size);
    uint8_t *typed = malloc(size + 1);
    check(typed != NULL);
    typed[0] = 0x02;
    if (size)
        memcpy(typed + 1, data, size);
    read_tx(typed, size + 1);
    free(typed);
    if (lg_rlp_decode(&top, data, size) != LG_OK)
        return 0;
    uint8_t *again = malloc(size);
    check(again != NULL);
    lg_rlp_writer w;
    size_t len = 0;
    lg_rlp_writer_init(&w, again, size);
    reencode(&w, &top);
    check(lg_rlp_finish(&w, &len) == LG_OK);
    check(len == size && memcmp(again, data, size) == 0);
    free(again);
    return 0;
}
