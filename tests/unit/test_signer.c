/* test_signer.c - secp256k1 signing, recovery, addresses, EIP-191 and the key file. */
#include "config.h"

#include "harness.h"

#include <lendgate/address.h>
#include <lendgate/hex.h>
#include <lendgate/signer.h>
#include <lendgate/u256.h>

#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HARDHAT0_KEY  "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
#define HARDHAT0_ADDR "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
/* secp256k1's group order n, and n/2 rounded down: the largest low s */
#define ORDER_N "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"
#define HALF_N  "7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0"

static lg_signer_ctx *ctx;

static int suite_init(void)
{
    return lg_signer_ctx_create(&ctx) == LG_OK ? 0 : -1;
}

static int suite_clean(void)
{
    lg_signer_ctx_destroy(ctx);
    ctx = NULL;
    return 0;
}

static void unhex(uint8_t *out, size_t len, const char *text)
{
    CU_ASSERT_EQUAL_FATAL(lg_hex_decode_fixed(out, len, text, LG_HEX_OPTIONAL), LG_OK);
}

static void check_address(const uint8_t addr[LG_ADDRESS_LEN], const char *want)
{
    char text[LG_ADDRESS_TEXT_LEN];
    CU_ASSERT_EQUAL_FATAL(lg_address_format(text, sizeof text, addr), LG_OK);
    CU_ASSERT_STRING_EQUAL(text, want);
}

static json_object *load_vectors(void)
{
    char path[4096];
    lg_test_srcpath(path, sizeof path, "tests/data/tx_type2_vectors.json");
    json_object *doc = json_object_from_file(path);
    CU_ASSERT_PTR_NOT_NULL(doc);
    return doc;
}

static const char *jstr(json_object *o, const char *key)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(o, key, &v))
        return NULL;
    return json_object_get_string(v);
}

static void test_hardhat_address(void)
{
    uint8_t key[32], addr[LG_ADDRESS_LEN];
    unhex(key, sizeof key, HARDHAT0_KEY);
    CU_ASSERT(lg_signer_seckey_verify(ctx, key));
    CU_ASSERT_EQUAL_FATAL(lg_signer_address(ctx, addr, key), 1);
    check_address(addr, HARDHAT0_ADDR);
}

/* The worked example of EIP-155: key 0x4646..46 signs the hash below with v = 37. */
static void test_eip155_example_signature(void)
{
    uint8_t key[32], hash[32], r[32], s[32], addr[LG_ADDRESS_LEN], addr2[LG_ADDRESS_LEN];
    memset(key, 0x46, sizeof key);
    unhex(hash, 32, "daf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53");
    unhex(r, 32, "28ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276");
    unhex(s, 32, "67cbe9d8997f761aecb703304b3800ccf555c9f3dc64214b297fb1966a3b6d83");
    lg_signature sig;
    CU_ASSERT_EQUAL_FATAL(lg_signer_sign(ctx, &sig, hash, key), 1);
    CU_ASSERT(memcmp(sig.r, r, 32) == 0);
    CU_ASSERT(memcmp(sig.s, s, 32) == 0);
    CU_ASSERT_EQUAL(sig.recid, 37 - 35 - 2 * 1);
    CU_ASSERT_EQUAL(lg_signer_recover(ctx, addr, hash, &sig), 1);
    CU_ASSERT_EQUAL(lg_signer_address(ctx, addr2, key), 1);
    CU_ASSERT(memcmp(addr, addr2, sizeof addr) == 0);
    check_address(addr, "0x9d8A62f656a8d1615C1294fd71e9CFb3E4855A4F");
}

/* Many hashes: every signature is low-s, deterministic, and recovers its signer. */
static void test_low_s_and_recovery(void)
{
    uint8_t key[32], half[32], addr[LG_ADDRESS_LEN], got[LG_ADDRESS_LEN];
    unhex(key, 32, HARDHAT0_KEY);
    unhex(half, 32, HALF_N);
    CU_ASSERT_EQUAL_FATAL(lg_signer_address(ctx, addr, key), 1);
    for (int i = 0; i < 64; i++) {
        uint8_t hash[32];
        for (int j = 0; j < 32; j++)
            hash[j] = (uint8_t)(i * 31 + j * 7);
        lg_signature a, b;
        CU_ASSERT_EQUAL_FATAL(lg_signer_sign(ctx, &a, hash, key), 1);
        CU_ASSERT(memcmp(a.s, half, 32) <= 0);
        CU_ASSERT(a.recid == 0 || a.recid == 1);
        CU_ASSERT_EQUAL(lg_signer_sign(ctx, &b, hash, key), 1);
        CU_ASSERT(memcmp(&a, &b, sizeof a) == 0);
        CU_ASSERT_EQUAL(lg_signer_recover(ctx, got, hash, &a), 1);
        CU_ASSERT(memcmp(got, addr, sizeof got) == 0);
    }
}

/* The high-s twin of a valid signature (n - s, other parity) is refused. */
static void test_high_s_refused(void)
{
    uint8_t key[32], hash[32] = {1, 2, 3}, addr[LG_ADDRESS_LEN];
    unhex(key, 32, HARDHAT0_KEY);
    lg_signature sig;
    CU_ASSERT_EQUAL_FATAL(lg_signer_sign(ctx, &sig, hash, key), 1);
    lg_u256 n, s, hi;
    unhex(n.b, 32, ORDER_N);
    memcpy(s.b, sig.s, 32);
    CU_ASSERT_EQUAL_FATAL(lg_u256_sub(&hi, &n, &s), LG_OK);
    lg_signature twin = sig;
    memcpy(twin.s, hi.b, 32);
    twin.recid ^= 1;
    CU_ASSERT_EQUAL(lg_signer_recover(ctx, addr, hash, &twin), 0);
    /* r or s not below n, and recid out of range, are refused too */
    lg_signature bad = sig;
    memcpy(bad.s, n.b, 32);
    CU_ASSERT_EQUAL(lg_signer_recover(ctx, addr, hash, &bad), 0);
    bad = sig;
    bad.recid = 2;
    CU_ASSERT_EQUAL(lg_signer_recover(ctx, addr, hash, &bad), 0);
}

static void test_invalid_keys(void)
{
    uint8_t zero[32] = {0}, order[32], hash[32] = {0}, addr[LG_ADDRESS_LEN];
    unhex(order, 32, ORDER_N);
    lg_signature sig;
    CU_ASSERT_EQUAL(lg_signer_seckey_verify(ctx, zero), 0);
    CU_ASSERT_EQUAL(lg_signer_seckey_verify(ctx, order), 0);
    CU_ASSERT_EQUAL(lg_signer_sign(ctx, &sig, hash, zero), 0);
    CU_ASSERT_EQUAL(lg_signer_sign(ctx, &sig, hash, order), 0);
    CU_ASSERT_EQUAL(lg_signer_address(ctx, addr, order), 0);
    lg_privkey *k = NULL;
    CU_ASSERT_EQUAL(lg_privkey_from_bytes(&k, ctx, zero), LG_ERR_INVALID);
    CU_ASSERT_PTR_NULL(k);
}

static void test_rsv_forms(void)
{
    uint8_t rsv[65];
    lg_signature sig;
    memset(rsv, 0x11, 64);
    static const struct {
        uint8_t v;
        int recid;
    } ok[] = {{27, 0}, {28, 1}, {0, 0}, {1, 1}};
    for (size_t i = 0; i < 4; i++) {
        rsv[64] = ok[i].v;
        CU_ASSERT_EQUAL(lg_signature_from_rsv(&sig, rsv), 1);
        CU_ASSERT_EQUAL(sig.recid, ok[i].recid);
    }
    static const uint8_t bad[] = {2, 26, 29, 35, 37, 255};
    for (size_t i = 0; i < sizeof bad; i++) {
        rsv[64] = bad[i];
        CU_ASSERT_EQUAL(lg_signature_from_rsv(&sig, rsv), 0);
    }
    sig.recid = 1;
    uint8_t out[65];
    CU_ASSERT_EQUAL(lg_signature_to_rsv(out, &sig), 1);
    CU_ASSERT_EQUAL(out[64], 28);
    CU_ASSERT(memcmp(out, rsv, 64) == 0);
    sig.recid = 2;
    CU_ASSERT_EQUAL(lg_signature_to_rsv(out, &sig), 0);
}

/* personal_sign signatures made by ethers: same hash, same signature, same signer. */
static void test_personal_sign_vectors(void)
{
    json_object *doc = load_vectors(), *list = NULL;
    CU_ASSERT_FATAL(doc && json_object_object_get_ex(doc, "personalSign", &list));
    size_t n = json_object_array_length(list);
    CU_ASSERT(n >= 3);
    for (size_t i = 0; i < n; i++) {
        json_object *v = json_object_array_get_idx(list, i);
        const char *msg = jstr(v, "message");
        uint8_t key[32], hash[32], want_hash[32], rsv[65], out[65], addr[LG_ADDRESS_LEN];
        unhex(key, 32, jstr(v, "privateKey"));
        unhex(want_hash, 32, jstr(v, "hash"));
        unhex(rsv, 65, jstr(v, "signature"));
        CU_ASSERT_EQUAL(lg_personal_hash(hash, msg, strlen(msg)), 1);
        CU_ASSERT(memcmp(hash, want_hash, 32) == 0);
        CU_ASSERT_EQUAL(lg_personal_recover(ctx, addr, msg, strlen(msg), rsv), 1);
        check_address(addr, jstr(v, "address"));
        lg_signature sig;
        CU_ASSERT_EQUAL(lg_personal_sign(ctx, &sig, msg, strlen(msg), key), 1);
        CU_ASSERT_EQUAL(lg_signature_to_rsv(out, &sig), 1);
        CU_ASSERT(memcmp(out, rsv, 65) == 0);
        /* the same signature over another message names someone else */
        uint8_t other[LG_ADDRESS_LEN];
        if (lg_personal_recover(ctx, other, "x", 1, rsv))
            CU_ASSERT(memcmp(other, addr, sizeof addr) != 0);
    }
    json_object_put(doc);
}

static void test_pubkey_to_address(void)
{
    /* generator point G: its address is the one of private key 1 */
    uint8_t g[65], key[32] = {0}, a1[LG_ADDRESS_LEN], a2[LG_ADDRESS_LEN];
    g[0] = 0x04;
    unhex(g + 1, 32, "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798");
    unhex(g + 33, 32, "483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8");
    key[31] = 1;
    CU_ASSERT_EQUAL(lg_pubkey_to_address(a1, g, 65), 1);
    CU_ASSERT_EQUAL(lg_signer_address(ctx, a2, key), 1);
    CU_ASSERT(memcmp(a1, a2, sizeof a1) == 0);
    check_address(a1, "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf");
    CU_ASSERT_EQUAL(lg_pubkey_to_address(a2, g + 1, 64), 1);
    CU_ASSERT(memcmp(a1, a2, sizeof a1) == 0);
    CU_ASSERT_EQUAL(lg_pubkey_to_address(a2, g, 64), 1); /* 64 bytes are taken as X||Y */
    CU_ASSERT_EQUAL(lg_pubkey_to_address(a2, g, 33), 0);
    g[0] = 0x02;
    CU_ASSERT_EQUAL(lg_pubkey_to_address(a2, g, 65), 0);
}

static void test_rerandomize(void)
{
    uint8_t key[32], hash[32] = {9};
    unhex(key, 32, HARDHAT0_KEY);
    lg_signature a, b;
    CU_ASSERT_EQUAL(lg_signer_sign(ctx, &a, hash, key), 1);
    CU_ASSERT_EQUAL(lg_signer_ctx_rerandomize(ctx), 1);
    CU_ASSERT_EQUAL(lg_signer_sign(ctx, &b, hash, key), 1);
    CU_ASSERT(memcmp(&a, &b, sizeof a) == 0);
}

/* Writes content to dir/name with mode; returns the path in buf. */
static const char *write_file(char *buf, size_t len, const char *dir, const char *name,
                              const char *content, mode_t mode)
{
    snprintf(buf, len, "%s/%s", dir, name);
    int fd = open(buf, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    CU_ASSERT_FATAL(fd >= 0);
    CU_ASSERT_FATAL(write(fd, content, strlen(content)) == (ssize_t)strlen(content));
    close(fd);
    CU_ASSERT_FATAL(chmod(buf, mode) == 0);
    return buf;
}

static lg_err load(const char *path, uint8_t addr[LG_ADDRESS_LEN])
{
    lg_privkey *k = (lg_privkey *)1;
    lg_err err = lg_privkey_load(&k, ctx, path);
    if (err == LG_OK) {
        CU_ASSERT_EQUAL(lg_signer_address(ctx, addr, lg_privkey_bytes(k)), 1);
        lg_privkey_free(k);
    } else {
        CU_ASSERT_PTR_NULL(k);
    }
    return err;
}

static void test_key_file_modes(void)
{
    char dir[4096], path[4200];
    uint8_t addr[LG_ADDRESS_LEN];
    CU_ASSERT_EQUAL_FATAL(lg_test_mkdtemp(dir, sizeof dir), 0);
    write_file(path, sizeof path, dir, "key", HARDHAT0_KEY "\n", 0644);
    CU_ASSERT_EQUAL(load(path, addr), LG_ERR_CONFIG);
    CU_ASSERT_FATAL(chmod(path, 0640) == 0);
    CU_ASSERT_EQUAL(load(path, addr), LG_ERR_CONFIG);
    CU_ASSERT_FATAL(chmod(path, 0602) == 0);
    CU_ASSERT_EQUAL(load(path, addr), LG_ERR_CONFIG);
    CU_ASSERT_FATAL(chmod(path, 0600) == 0);
    CU_ASSERT_EQUAL(load(path, addr), LG_OK);
    check_address(addr, HARDHAT0_ADDR);
    CU_ASSERT_FATAL(chmod(path, 0400) == 0);
    CU_ASSERT_EQUAL(load(path, addr), LG_OK);
    CU_ASSERT_EQUAL(load(dir, addr), LG_ERR_CONFIG); /* a directory */
    snprintf(path, sizeof path, "%s/fifo", dir);
    CU_ASSERT_FATAL(mkfifo(path, 0600) == 0);
    CU_ASSERT_EQUAL(load(path, addr), LG_ERR_CONFIG);
    snprintf(path, sizeof path, "%s/missing", dir);
    CU_ASSERT_EQUAL(load(path, addr), LG_ERR_IO);
    lg_test_rmtree(dir);
}

static void test_key_file_contents(void)
{
    static const struct {
        const char *content;
        lg_err want;
    } cases[] = {
        {HARDHAT0_KEY, LG_OK},
        {"0x" HARDHAT0_KEY, LG_OK},
        {"0x" HARDHAT0_KEY "\n", LG_OK},
        {HARDHAT0_KEY "\r\n", LG_OK},
        {"0x" HARDHAT0_KEY "\r\n", LG_OK},
        {"0x" HARDHAT0_KEY "\r\n\n", LG_ERR_INVALID},
        {"AC0974BEC39A17E36BA4A6B4D238FF944BACB478CBED5EFCAE784D7BF4F2FF80\n", LG_OK},
        {HARDHAT0_KEY "\n\n", LG_ERR_INVALID},
        {" " HARDHAT0_KEY, LG_ERR_INVALID},
        {HARDHAT0_KEY " ", LG_ERR_INVALID},
        {"0X" HARDHAT0_KEY, LG_ERR_INVALID},
        {"ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff8", LG_ERR_INVALID},
        {HARDHAT0_KEY "0", LG_ERR_INVALID},
        {"zc0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80", LG_ERR_INVALID},
        {"", LG_ERR_INVALID},
        {"\n", LG_ERR_INVALID},
        {"0000000000000000000000000000000000000000000000000000000000000000", LG_ERR_INVALID},
        {ORDER_N "\n", LG_ERR_INVALID},
        {HARDHAT0_KEY "\n" HARDHAT0_KEY "\n", LG_ERR_INVALID},
    };
    char dir[4096], path[4200];
    uint8_t addr[LG_ADDRESS_LEN];
    CU_ASSERT_EQUAL_FATAL(lg_test_mkdtemp(dir, sizeof dir), 0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        write_file(path, sizeof path, dir, "key", cases[i].content, 0600);
        lg_err err = load(path, addr);
        CU_ASSERT_EQUAL(err, cases[i].want);
        if (err != cases[i].want)
            fprintf(stderr, "key file case %zu: got %s\n", i, lg_errname(err));
        if (err == LG_OK)
            check_address(addr, HARDHAT0_ADDR);
    }
    lg_test_rmtree(dir);
}

static void test_privkey_from_bytes(void)
{
    uint8_t key[32], addr[LG_ADDRESS_LEN];
    unhex(key, 32, HARDHAT0_KEY);
    lg_privkey *k = NULL;
    CU_ASSERT_EQUAL_FATAL(lg_privkey_from_bytes(&k, ctx, key), LG_OK);
    CU_ASSERT(memcmp(lg_privkey_bytes(k), key, 32) == 0);
    CU_ASSERT(lg_privkey_is_locked(k) == 0 || lg_privkey_is_locked(k) == 1);
    CU_ASSERT_EQUAL(lg_signer_address(ctx, addr, lg_privkey_bytes(k)), 1);
    check_address(addr, HARDHAT0_ADDR);
    lg_privkey_free(k);
    lg_privkey_free(NULL);
}

static void test_null_arguments(void)
{
    uint8_t key[32], hash[32] = {0}, addr[LG_ADDRESS_LEN], rsv[65] = {0};
    unhex(key, 32, HARDHAT0_KEY);
    lg_signature sig;
    lg_privkey *k = NULL;
    CU_ASSERT_EQUAL(lg_signer_ctx_create(NULL), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_signer_ctx_rerandomize(NULL), 0);
    lg_signer_ctx_destroy(NULL);
    CU_ASSERT_EQUAL(lg_privkey_load(NULL, ctx, "/dev/null"), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_privkey_load(&k, NULL, "/dev/null"), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_privkey_load(&k, ctx, NULL), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_privkey_from_bytes(NULL, ctx, key), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_privkey_from_bytes(&k, NULL, key), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_privkey_from_bytes(&k, ctx, NULL), LG_ERR_INVALID);
    CU_ASSERT_PTR_NULL(lg_privkey_bytes(NULL));
    CU_ASSERT_EQUAL(lg_privkey_is_locked(NULL), 0);
    CU_ASSERT_EQUAL(lg_signer_seckey_verify(NULL, key), 0);
    CU_ASSERT_EQUAL(lg_signer_seckey_verify(ctx, NULL), 0);
    CU_ASSERT_EQUAL(lg_signer_sign(NULL, &sig, hash, key), 0);
    CU_ASSERT_EQUAL(lg_signer_sign(ctx, NULL, hash, key), 0);
    CU_ASSERT_EQUAL(lg_signer_sign(ctx, &sig, NULL, key), 0);
    CU_ASSERT_EQUAL(lg_signer_sign(ctx, &sig, hash, NULL), 0);
    CU_ASSERT_EQUAL(lg_signer_address(NULL, addr, key), 0);
    CU_ASSERT_EQUAL(lg_signer_address(ctx, NULL, key), 0);
    CU_ASSERT_EQUAL(lg_signer_address(ctx, addr, NULL), 0);
    CU_ASSERT_EQUAL(lg_pubkey_to_address(NULL, rsv, 64), 0);
    CU_ASSERT_EQUAL(lg_pubkey_to_address(addr, NULL, 64), 0);
    CU_ASSERT_EQUAL_FATAL(lg_signer_sign(ctx, &sig, hash, key), 1);
    CU_ASSERT_EQUAL(lg_signer_recover(NULL, addr, hash, &sig), 0);
    CU_ASSERT_EQUAL(lg_signer_recover(ctx, NULL, hash, &sig), 0);
    CU_ASSERT_EQUAL(lg_signer_recover(ctx, addr, NULL, &sig), 0);
    CU_ASSERT_EQUAL(lg_signer_recover(ctx, addr, hash, NULL), 0);
    CU_ASSERT_EQUAL(lg_signature_from_rsv(NULL, rsv), 0);
    CU_ASSERT_EQUAL(lg_signature_from_rsv(&sig, NULL), 0);
    CU_ASSERT_EQUAL(lg_signature_to_rsv(NULL, &sig), 0);
    CU_ASSERT_EQUAL(lg_signature_to_rsv(rsv, NULL), 0);
    CU_ASSERT_EQUAL(lg_personal_hash(NULL, "a", 1), 0);
    CU_ASSERT_EQUAL(lg_personal_hash(hash, NULL, 1), 0);
    CU_ASSERT_EQUAL(lg_personal_sign(NULL, &sig, "a", 1, key), 0);
    CU_ASSERT_EQUAL(lg_personal_sign(ctx, NULL, "a", 1, key), 0);
    CU_ASSERT_EQUAL(lg_personal_sign(ctx, &sig, NULL, 1, key), 0);
    CU_ASSERT_EQUAL(lg_personal_sign(ctx, &sig, "a", 1, NULL), 0);
    CU_ASSERT_EQUAL(lg_signature_to_rsv(rsv, &(lg_signature){.recid = 0}), 1);
    CU_ASSERT_EQUAL(lg_personal_recover(NULL, addr, "a", 1, rsv), 0);
    CU_ASSERT_EQUAL(lg_personal_recover(ctx, NULL, "a", 1, rsv), 0);
    CU_ASSERT_EQUAL(lg_personal_recover(ctx, addr, NULL, 1, rsv), 0);
    CU_ASSERT_EQUAL(lg_personal_recover(ctx, addr, "a", 1, NULL), 0);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 99;
    static const lg_test_case tests[] = {
        {"hardhat key address", test_hardhat_address},
        {"EIP-155 example signature", test_eip155_example_signature},
        {"low-s, deterministic, recoverable", test_low_s_and_recovery},
        {"high-s twin refused", test_high_s_refused},
        {"invalid keys", test_invalid_keys},
        {"r||s||v forms", test_rsv_forms},
        {"personal_sign vectors from ethers", test_personal_sign_vectors},
        {"public key to address", test_pubkey_to_address},
        {"rerandomize keeps signatures", test_rerandomize},
        {"key file modes and types", test_key_file_modes},
        {"key file contents", test_key_file_contents},
        {"privkey from bytes", test_privkey_from_bytes},
        {"NULL arguments", test_null_arguments},
        {NULL, NULL},
    };
    lg_test_add_suite("signer", suite_init, suite_clean, tests);
    return lg_test_run("test_signer");
}
