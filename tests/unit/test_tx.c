/* test_tx.c - transactions rebuilt from their fields must match, byte for byte, the
 * EIP-155 worked example and the transactions ethers v6 signed
 * (tests/data/tx_type2_vectors.json). */
#include "config.h"

#include "harness.h"

#include <lendgate/address.h>
#include <lendgate/hex.h>
#include <lendgate/rlp.h>
#include <lendgate/tx.h>

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#define EIP155_SIGNED                                                                              \
    "f86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a76400008025a02"  \
    "8ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9d8997f761aecb703304b"  \
    "3800ccf555c9f3dc64214b297fb1966a3b6d83"

static lg_signer_ctx *ctx;
static json_object *vectors;

static int suite_init(void)
{
    char path[4096];
    lg_test_srcpath(path, sizeof path, "tests/data/tx_type2_vectors.json");
    vectors = json_object_from_file(path);
    return vectors && lg_signer_ctx_create(&ctx) == LG_OK ? 0 : -1;
}

static int suite_clean(void)
{
    json_object_put(vectors);
    lg_signer_ctx_destroy(ctx);
    return 0;
}

static const char *jstr(json_object *o, const char *key)
{
    json_object *v = NULL;
    CU_ASSERT_FATAL(json_object_object_get_ex(o, key, &v));
    return json_object_get_string(v);
}

static uint64_t ju64(json_object *o, const char *key)
{
    lg_u256 v;
    uint64_t u = 0;
    CU_ASSERT_EQUAL_FATAL(lg_u256_from_dec(&v, jstr(o, key)), LG_OK);
    CU_ASSERT_EQUAL_FATAL(lg_u256_to_u64(&u, &v), LG_OK);
    return u;
}

static size_t jhex(uint8_t *buf, size_t cap, json_object *o, const char *key)
{
    const char *s = jstr(o, key);
    size_t n = 0;
    CU_ASSERT_EQUAL_FATAL(lg_hex_decode(buf, cap, &n, s, strlen(s), LG_HEX_0X), LG_OK);
    return n;
}

static void check_bytes(const uint8_t *got, size_t n, const uint8_t *want, size_t nwant,
                        const char *what, const char *name)
{
    if (n != nwant || memcmp(got, want, n) != 0) {
        fprintf(stderr, "%s differs for '%s'\n", what, name);
        CU_FAIL("bytes differ from the reference");
    }
}

static void test_eip155_example(void)
{
    lg_tx_legacy tx = {.chain_id = 1, .nonce = 9, .gas_price = 20000000000ull, .gas_limit = 21000};
    uint8_t key[32], hash[32], want_hash[32], want[256], out[256], txhash[32];
    size_t nwant = 0, len = 0;
    memset(key, 0x46, sizeof key);
    memset(tx.to, 0x35, sizeof tx.to);
    CU_ASSERT_EQUAL(lg_u256_from_dec(&tx.value, "1000000000000000000"), LG_OK);
    CU_ASSERT_EQUAL(lg_tx_legacy_signing_hash(hash, out, sizeof out, &tx), LG_OK);
    lg_hex_decode_fixed(want_hash, 32,
                        "daf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53",
                        LG_HEX_BARE);
    CU_ASSERT(memcmp(hash, want_hash, 32) == 0);
    CU_ASSERT_EQUAL(
        lg_hex_decode(want, sizeof want, &nwant, EIP155_SIGNED, strlen(EIP155_SIGNED), LG_HEX_BARE),
        LG_OK);
    CU_ASSERT_EQUAL(lg_tx_legacy_sign(ctx, out, sizeof out, &len, txhash, &tx, key), LG_OK);
    check_bytes(out, len, want, nwant, "signed bytes", "EIP-155 example");
    lg_hex_decode_fixed(want_hash, 32,
                        "33469b22e9f636356c4160a87eb19df52b7412e8eac32a4a55ffe88ea8350788",
                        LG_HEX_BARE);
    CU_ASSERT(memcmp(txhash, want_hash, 32) == 0);
}

/* Fills the fields shared by both kinds from a vector. */
static void read_common(json_object *v, uint8_t to[LG_ADDRESS_LEN], lg_u256 *value, uint8_t *data,
                        size_t *data_len)
{
    CU_ASSERT_EQUAL_FATAL(lg_address_parse(to, jstr(v, "to")), LG_OK);
    CU_ASSERT_EQUAL_FATAL(lg_u256_from_dec(value, jstr(v, "value")), LG_OK);
    *data_len = jhex(data, 1024, v, "data");
}

static void read_sig(json_object *v, lg_signature *sig)
{
    json_object *y = NULL;
    CU_ASSERT_FATAL(json_object_object_get_ex(v, "yParity", &y));
    CU_ASSERT_EQUAL_FATAL(lg_hex_decode_fixed(sig->r, 32, jstr(v, "r"), LG_HEX_0X), LG_OK);
    CU_ASSERT_EQUAL_FATAL(lg_hex_decode_fixed(sig->s, 32, jstr(v, "s"), LG_HEX_0X), LG_OK);
    sig->recid = json_object_get_int(y);
}

/* The reference's signed bytes read back as the fields they were made from. */
static void check_decoded(const uint8_t *raw, size_t len, const lg_tx1559 *t1559,
                          const lg_tx_legacy *tlegacy, const char *name)
{
    lg_tx_fields f;
    if (lg_tx_decode_signed(&f, raw, len) != LG_OK) {
        fprintf(stderr, "  %s: the signed bytes do not decode\n", name);
        CU_FAIL("signed bytes decode");
        return;
    }
    CU_ASSERT_EQUAL(f.eip1559, t1559 != NULL);
    const uint8_t *to = t1559 ? t1559->to : tlegacy->to;
    const uint8_t *data = t1559 ? t1559->data : tlegacy->data;
    size_t data_len = t1559 ? t1559->data_len : tlegacy->data_len;
    const lg_u256 *value = t1559 ? &t1559->value : &tlegacy->value;
    CU_ASSERT_EQUAL(f.chain_id, t1559 ? t1559->chain_id : tlegacy->chain_id);
    CU_ASSERT_EQUAL(f.nonce, t1559 ? t1559->nonce : tlegacy->nonce);
    CU_ASSERT_EQUAL(f.gas_limit, t1559 ? t1559->gas_limit : tlegacy->gas_limit);
    if (t1559) {
        CU_ASSERT_EQUAL(f.max_priority_fee_per_gas, t1559->max_priority_fee_per_gas);
        CU_ASSERT_EQUAL(f.max_fee_per_gas, t1559->max_fee_per_gas);
    } else {
        CU_ASSERT_EQUAL(f.gas_price, tlegacy->gas_price);
    }
    CU_ASSERT_EQUAL(memcmp(f.to, to, LG_ADDRESS_LEN), 0);
    CU_ASSERT_EQUAL(lg_u256_cmp(&f.value, value), 0);
    CU_ASSERT_EQUAL(f.data_len, data_len);
    if (f.data_len == data_len && data_len)
        CU_ASSERT_EQUAL(memcmp(f.data, data, data_len), 0);
}

/* Signing hash, signed bytes and hash equal the reference; the reference signature
 * encodes to the same bytes; the signer is recovered from it. */
static void check_vector(json_object *v, const lg_tx1559 *t1559, const lg_tx_legacy *tlegacy)
{
    const char *name = jstr(v, "name");
    uint8_t key[32], hash[32], want_hash[32], want[2048], out[2048], txhash[32];
    uint8_t from[LG_ADDRESS_LEN], got_from[LG_ADDRESS_LEN];
    size_t nwant = jhex(want, sizeof want, v, "signed"), len = 0, len2 = 0;
    lg_signature sig;
    CU_ASSERT_EQUAL_FATAL(lg_hex_decode_fixed(key, 32, jstr(v, "privateKey"), LG_HEX_0X), LG_OK);
    read_sig(v, &sig);
    lg_err e1 = t1559 ? lg_tx1559_signing_hash(hash, out, sizeof out, t1559)
                      : lg_tx_legacy_signing_hash(hash, out, sizeof out, tlegacy);
    CU_ASSERT_EQUAL(e1, LG_OK);
    jhex(want_hash, 32, v, "signingHash");
    check_bytes(hash, 32, want_hash, 32, "signing hash", name);
    lg_err e2 = t1559 ? lg_tx1559_sign(ctx, out, sizeof out, &len, txhash, t1559, key)
                      : lg_tx_legacy_sign(ctx, out, sizeof out, &len, txhash, tlegacy, key);
    CU_ASSERT_EQUAL(e2, LG_OK);
    check_bytes(out, len, want, nwant, "signed bytes", name);
    jhex(want_hash, 32, v, "hash");
    check_bytes(txhash, 32, want_hash, 32, "transaction hash", name);
    lg_err e3 = t1559 ? lg_tx1559_encode_signed(out, sizeof out, &len2, t1559, &sig)
                      : lg_tx_legacy_encode_signed(out, sizeof out, &len2, tlegacy, &sig);
    CU_ASSERT_EQUAL(e3, LG_OK);
    check_bytes(out, len2, want, nwant, "bytes from the reference signature", name);
    CU_ASSERT_EQUAL(lg_address_parse(from, jstr(v, "from")), LG_OK);
    CU_ASSERT_EQUAL(lg_signer_recover(ctx, got_from, hash, &sig), 1);
    check_bytes(got_from, 20, from, 20, "recovered sender", name);
    size_t max = t1559 ? lg_tx1559_max_size(t1559) : lg_tx_legacy_max_size(tlegacy);
    CU_ASSERT(len <= max);
    check_decoded(want, nwant, t1559, tlegacy, name);
}

static void test_type2_vectors(void)
{
    json_object *list = NULL;
    CU_ASSERT_FATAL(json_object_object_get_ex(vectors, "type2", &list));
    size_t n = json_object_array_length(list);
    CU_ASSERT(n >= 3);
    for (size_t i = 0; i < n; i++) {
        json_object *v = json_object_array_get_idx(list, i);
        static uint8_t data[1024];
        lg_tx1559 tx = {
            .chain_id = ju64(v, "chainId"),
            .nonce = ju64(v, "nonce"),
            .max_priority_fee_per_gas = ju64(v, "maxPriorityFeePerGas"),
            .max_fee_per_gas = ju64(v, "maxFeePerGas"),
            .gas_limit = ju64(v, "gasLimit"),
            .data = data,
        };
        read_common(v, tx.to, &tx.value, data, &tx.data_len);
        check_vector(v, &tx, NULL);
    }
}

static void test_legacy_vectors(void)
{
    json_object *list = NULL;
    CU_ASSERT_FATAL(json_object_object_get_ex(vectors, "legacy", &list));
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        json_object *v = json_object_array_get_idx(list, i);
        static uint8_t data[1024];
        lg_tx_legacy tx = {
            .chain_id = ju64(v, "chainId"),
            .nonce = ju64(v, "nonce"),
            .gas_price = ju64(v, "gasPrice"),
            .gas_limit = ju64(v, "gasLimit"),
            .data = data,
        };
        read_common(v, tx.to, &tx.value, data, &tx.data_len);
        check_vector(v, NULL, &tx);
    }
}

/* The signed form decodes as canonical RLP with the twelve fields in order. */
static void test_signed_decodes(void)
{
    static const uint8_t call[] = {0xa9, 0x05, 0x9c, 0xbb};
    lg_tx1559 tx = {.chain_id = 31337,
                    .nonce = 5,
                    .max_priority_fee_per_gas = 1,
                    .max_fee_per_gas = 2,
                    .gas_limit = 60000,
                    .data = call,
                    .data_len = 4};
    uint8_t key[32], out[512], txhash[32];
    size_t len = 0;
    memset(key, 0x46, sizeof key);
    lg_u256_from_u64(&tx.value, 0);
    CU_ASSERT_EQUAL_FATAL(lg_tx1559_sign(ctx, out, sizeof out, &len, txhash, &tx, key), LG_OK);
    CU_ASSERT_EQUAL(out[0], 0x02);
    lg_rlp_item top, item;
    lg_rlp_iter it;
    CU_ASSERT_EQUAL_FATAL(lg_rlp_decode(&top, out + 1, len - 1), LG_OK);
    CU_ASSERT_EQUAL_FATAL(lg_rlp_iter_init(&it, &top), LG_OK);
    uint64_t want[] = {31337, 5, 1, 2, 60000}, u = 0;
    int count = 0;
    while (lg_rlp_iter_next(&it, &item) == LG_OK) {
        if (count < 5) {
            CU_ASSERT_EQUAL(lg_rlp_item_u64(&u, &item), LG_OK);
            CU_ASSERT_EQUAL(u, want[count]);
        }
        if (count == 8)
            CU_ASSERT(item.is_list && item.len == 0); /* empty access list */
        count++;
    }
    CU_ASSERT_EQUAL(count, 12);
}

/* Bytes that are not one of our signed transactions are refused, whole. */
static void test_decode_refuses(void)
{
    static const uint8_t call[] = {0xa9, 0x05, 0x9c, 0xbb};
    lg_tx1559 tx = {.chain_id = 31337,
                    .nonce = 7,
                    .max_priority_fee_per_gas = 3,
                    .max_fee_per_gas = 9,
                    .gas_limit = 60000,
                    .data = call,
                    .data_len = 4};
    uint8_t key[32], out[512], bad[520], txhash[32];
    size_t len = 0;
    lg_tx_fields f;
    memset(key, 0x46, sizeof key);
    lg_u256_from_u64(&tx.value, 0);
    CU_ASSERT_EQUAL_FATAL(lg_tx1559_sign(ctx, out, sizeof out, &len, txhash, &tx, key), LG_OK);
    CU_ASSERT_EQUAL(lg_tx_decode_signed(&f, out, len), LG_OK);
    CU_ASSERT_EQUAL(f.max_fee_per_gas, 9);
    for (size_t cut = 0; cut < len; cut++) /* every truncation */
        CU_ASSERT_EQUAL(lg_tx_decode_signed(&f, out, cut), LG_ERR_INVALID);
    memcpy(bad, out, len);
    bad[len] = 0x00; /* trailing byte */
    CU_ASSERT_EQUAL(lg_tx_decode_signed(&f, bad, len + 1), LG_ERR_INVALID);
    bad[0] = 0x01; /* EIP-2930: never signed here */
    CU_ASSERT_EQUAL(lg_tx_decode_signed(&f, bad, len), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(f.nonce, 0); /* zeroed on refusal */
    CU_ASSERT_EQUAL(lg_tx_decode_signed(NULL, out, len), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_tx_decode_signed(&f, NULL, len), LG_ERR_INVALID);
    /* A legacy list whose v predates EIP-155 (27): [0, 1, 21000, to, 0, "", 27, 1, 1]. */
    static const uint8_t pre155[] = {0xdf, 0x80, 0x01, 0x82, 0x52, 0x08, 0x94, 1,    2,    3,   4,
                                     5,    6,    7,    8,    9,    10,   11,   12,   13,   14,  15,
                                     16,   17,   18,   19,   20,   0x80, 0x80, 0x1b, 0x01, 0x01};
    lg_rlp_item whole;
    CU_ASSERT_EQUAL(lg_rlp_decode(&whole, pre155, sizeof pre155), LG_OK); /* well-formed RLP */
    CU_ASSERT_EQUAL(lg_tx_decode_signed(&f, pre155, sizeof pre155), LG_ERR_INVALID);
}

static void test_capacity(void)
{
    lg_tx1559 tx = {.chain_id = 1, .max_fee_per_gas = 10, .gas_limit = 21000};
    uint8_t key[32], out[512], txhash[32];
    size_t len = 0, full = 0;
    memset(key, 0x46, sizeof key);
    CU_ASSERT_EQUAL_FATAL(lg_tx1559_sign(ctx, out, sizeof out, &full, txhash, &tx, key), LG_OK);
    CU_ASSERT(full <= lg_tx1559_max_size(&tx));
    for (size_t cap = 0; cap < full; cap++) {
        CU_ASSERT_EQUAL(lg_tx1559_sign(ctx, out, cap, &len, txhash, &tx, key), LG_ERR_OVERFLOW);
        CU_ASSERT_EQUAL(len, 0);
    }
    CU_ASSERT_EQUAL(lg_tx1559_sign(ctx, out, full, &len, txhash, &tx, key), LG_OK);
    CU_ASSERT_EQUAL(len, full);
}

static void test_invalid(void)
{
    uint8_t key[32], zero[32] = {0}, out[512], txhash[32], hash[32];
    size_t len = 0;
    memset(key, 0x46, sizeof key);
    lg_tx1559 tx = {.chain_id = 1, .max_priority_fee_per_gas = 3, .max_fee_per_gas = 2};
    CU_ASSERT_EQUAL(lg_tx1559_sign(ctx, out, sizeof out, &len, txhash, &tx, key), LG_ERR_INVALID);
    tx.max_priority_fee_per_gas = 2;
    tx.data_len = 4; /* data NULL */
    CU_ASSERT_EQUAL(lg_tx1559_signing_hash(hash, out, sizeof out, &tx), LG_ERR_INVALID);
    tx.data_len = 0;
    CU_ASSERT_EQUAL(lg_tx1559_sign(ctx, out, sizeof out, &len, txhash, &tx, zero), LG_ERR_CRYPTO);
    CU_ASSERT_EQUAL(len, 0);
    lg_signature sig = {.recid = 2};
    CU_ASSERT_EQUAL(lg_tx1559_encode_signed(out, sizeof out, &len, &tx, &sig), LG_ERR_INVALID);
    lg_tx_legacy lt = {.chain_id = 0, .gas_price = 1, .gas_limit = 21000};
    CU_ASSERT_EQUAL(lg_tx_legacy_sign(ctx, out, sizeof out, &len, txhash, &lt, key),
                    LG_ERR_INVALID);
    lt.chain_id = UINT64_MAX / 2;
    CU_ASSERT_EQUAL(lg_tx_legacy_sign(ctx, out, sizeof out, &len, txhash, &lt, key),
                    LG_ERR_OVERFLOW);
    sig.recid = 0;
    CU_ASSERT_EQUAL(lg_tx_legacy_encode_signed(out, sizeof out, &len, &lt, &sig), LG_ERR_OVERFLOW);
}

static void test_null_arguments(void)
{
    uint8_t key[32], out[512], h[32];
    size_t len = 0;
    memset(key, 0x46, sizeof key);
    lg_tx1559 t = {.chain_id = 1};
    lg_tx_legacy l = {.chain_id = 1};
    lg_signature sig = {.recid = 0};
    sig.r[31] = sig.s[31] = 1;
    CU_ASSERT_EQUAL(lg_tx1559_max_size(NULL), 0);
    CU_ASSERT_EQUAL(lg_tx_legacy_max_size(NULL), 0);
    CU_ASSERT_EQUAL(lg_tx1559_signing_hash(NULL, out, sizeof out, &t), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_tx1559_signing_hash(h, NULL, sizeof out, &t), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_tx1559_signing_hash(h, out, sizeof out, NULL), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_tx_legacy_signing_hash(NULL, out, sizeof out, &l), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_tx_legacy_signing_hash(h, NULL, sizeof out, &l), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_tx_legacy_signing_hash(h, out, sizeof out, NULL), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_tx1559_encode_signed(NULL, sizeof out, &len, &t, &sig), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_tx1559_encode_signed(out, sizeof out, NULL, &t, &sig), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_tx1559_encode_signed(out, sizeof out, &len, NULL, &sig), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_tx1559_encode_signed(out, sizeof out, &len, &t, NULL), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_tx_legacy_encode_signed(NULL, sizeof out, &len, &l, &sig), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_tx_legacy_encode_signed(out, sizeof out, NULL, &l, &sig), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_tx_legacy_encode_signed(out, sizeof out, &len, NULL, &sig), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_tx_legacy_encode_signed(out, sizeof out, &len, &l, NULL), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_tx1559_sign(NULL, out, sizeof out, &len, h, &t, key), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_tx1559_sign(ctx, NULL, sizeof out, &len, h, &t, key), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_tx1559_sign(ctx, out, sizeof out, NULL, h, &t, key), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_tx1559_sign(ctx, out, sizeof out, &len, NULL, &t, key), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_tx1559_sign(ctx, out, sizeof out, &len, h, NULL, key), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_tx1559_sign(ctx, out, sizeof out, &len, h, &t, NULL), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_tx_legacy_sign(NULL, out, sizeof out, &len, h, &l, key), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_tx_legacy_sign(ctx, NULL, sizeof out, &len, h, &l, key), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_tx_legacy_sign(ctx, out, sizeof out, NULL, h, &l, key), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_tx_legacy_sign(ctx, out, sizeof out, &len, NULL, &l, key), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_tx_legacy_sign(ctx, out, sizeof out, &len, h, NULL, key), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_tx_legacy_sign(ctx, out, sizeof out, &len, h, &l, NULL), LG_ERR_INVALID);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 99;
    static const lg_test_case tests[] = {
        {"EIP-155 worked example", test_eip155_example},
        {"type-2 vectors from ethers", test_type2_vectors},
        {"legacy vectors from ethers", test_legacy_vectors},
        {"signed bytes decode", test_signed_decodes},
        {"decoding refuses what is not ours", test_decode_refuses},
        {"capacity", test_capacity},
        {"invalid transactions", test_invalid},
        {"NULL arguments", test_null_arguments},
        {NULL, NULL},
    };
    lg_test_add_suite("tx", suite_init, suite_clean, tests);
    return lg_test_run("test_tx");
}
