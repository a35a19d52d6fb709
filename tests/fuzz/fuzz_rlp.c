/* fuzz_rlp.c - libFuzzer target: strict RLP decoding of arbitrary bytes. Whatever the
 * decoder accepts is canonical, so re-encoding the decoded tree must give back the
 * input byte for byte; every integer reader must agree with the item's length. */
#include "config.h"

#include "fuzz_common.h"

#include <lendgate/rlp.h>

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lg_rlp_item top;
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
