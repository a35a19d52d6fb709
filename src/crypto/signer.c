/* signer.c - secp256k1 context, the platform key, recoverable low-s signatures. */
#include "config.h"

#include <lendgate/hex.h>
#include <lendgate/keccak.h>
#include <lendgate/log.h>
#include <lendgate/sha256.h>
#include <lendgate/signer.h>

#include <errno.h>
#include <fcntl.h>
#include <openssl/rand.h>
#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* "0x", 64 digits, "\r\n": anything longer is not a key file. */
#define KEYFILE_MAX 68

struct lg_signer_ctx {
    secp256k1_context *secp;
    unsigned long illegal; /* misuse reported by libsecp256k1 instead of aborting */
};

/* The platform key sits alone in its own locked page, which never reaches swap or a
 * core dump where the system allows it. */
struct lg_privkey {
    uint8_t key[LG_SECKEY_LEN];
    int locked;
    size_t maplen;
};

/* libsecp256k1 aborts on an illegal argument by default; library code must not, so the
 * call returns 0 instead and the event is counted. */
static void on_illegal(const char *msg, void *data)
{
    (void)msg;
    ((struct lg_signer_ctx *)data)->illegal++;
}

static int randomize(secp256k1_context *secp)
{
    uint8_t seed[32];
    int ok = RAND_bytes(seed, sizeof seed) == 1 && secp256k1_context_randomize(secp, seed) == 1;
    lg_memwipe(seed, sizeof seed);
    return ok;
}

lg_err lg_signer_ctx_create(lg_signer_ctx **out)
{
    if (!out)
        return LG_ERR_INVALID;
    *out = NULL;
    lg_signer_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        return LG_ERR_NOMEM;
    ctx->secp = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    if (!ctx->secp) {
        free(ctx);
        return LG_ERR_NOMEM;
    }
    secp256k1_context_set_illegal_callback(ctx->secp, on_illegal, ctx);
    if (!randomize(ctx->secp)) {
        lg_signer_ctx_destroy(ctx);
        return LG_ERR_CRYPTO;
    }
    *out = ctx;
    return LG_OK;
}

int lg_signer_ctx_rerandomize(lg_signer_ctx *ctx)
{
    return ctx && randomize(ctx->secp);
}

void lg_signer_ctx_destroy(lg_signer_ctx *ctx)
{
    if (!ctx)
        return;
    secp256k1_context_destroy(ctx->secp);
    free(ctx);
}

int lg_signer_seckey_verify(const lg_signer_ctx *ctx, const uint8_t seckey[LG_SECKEY_LEN])
{
    return ctx && seckey && secp256k1_ec_seckey_verify(ctx->secp, seckey) == 1;
}

int lg_pubkey_to_address(uint8_t addr[LG_ADDRESS_LEN], const uint8_t *pubkey, size_t len)
{
    if (!addr || !pubkey)
        return 0;
    if (len == 65 && pubkey[0] == 0x04) {
        pubkey++;
        len--;
    }
    if (len != 64)
        return 0;
    uint8_t h[LG_KECCAK256_LEN];
    if (!lg_keccak256(h, pubkey, 64))
        return 0;
    memcpy(addr, h + 12, LG_ADDRESS_LEN);
    return 1;
}

static int pubkey_address(const secp256k1_context *secp, uint8_t addr[LG_ADDRESS_LEN],
                          const secp256k1_pubkey *pk)
{
    uint8_t ser[65];
    size_t n = sizeof ser;
    if (!secp256k1_ec_pubkey_serialize(secp, ser, &n, pk, SECP256K1_EC_UNCOMPRESSED))
        return 0;
    return lg_pubkey_to_address(addr, ser, n);
}

int lg_signer_address(const lg_signer_ctx *ctx, uint8_t addr[LG_ADDRESS_LEN],
                      const uint8_t seckey[LG_SECKEY_LEN])
{
    secp256k1_pubkey pk;
    if (!ctx || !addr || !seckey || !secp256k1_ec_pubkey_create(ctx->secp, &pk, seckey))
        return 0;
    return pubkey_address(ctx->secp, addr, &pk);
}

/* Parses r, s, recid into libsecp256k1's form; 0 when out of range. */
static int parse_sig(const secp256k1_context *secp, secp256k1_ecdsa_recoverable_signature *out,
                     const lg_signature *sig)
{
    uint8_t rs[64];
    if (sig->recid < 0 || sig->recid > 1)
        return 0;
    memcpy(rs, sig->r, 32);
    memcpy(rs + 32, sig->s, 32);
    return secp256k1_ecdsa_recoverable_signature_parse_compact(secp, out, rs, sig->recid);
}

/* 1 when the signature's s is above n/2. */
static int is_high_s(const secp256k1_context *secp,
                     const secp256k1_ecdsa_recoverable_signature *rsig)
{
    secp256k1_ecdsa_signature plain, norm;
    secp256k1_ecdsa_recoverable_signature_convert(secp, &plain, rsig);
    return secp256k1_ecdsa_signature_normalize(secp, &norm, &plain);
}

/* Recovers the public key behind (hash, sig) and compares it with want. */
static int recovers_to(const secp256k1_context *secp, const uint8_t hash[LG_DIGEST_LEN],
                       const lg_signature *sig, const secp256k1_pubkey *want)
{
    secp256k1_ecdsa_recoverable_signature rsig;
    secp256k1_pubkey got;
    uint8_t a[33], b[33];
    size_t na = sizeof a, nb = sizeof b;
    if (!parse_sig(secp, &rsig, sig) || is_high_s(secp, &rsig) ||
        !secp256k1_ecdsa_recover(secp, &got, &rsig, hash) ||
        !secp256k1_ec_pubkey_serialize(secp, a, &na, &got, SECP256K1_EC_COMPRESSED) ||
        !secp256k1_ec_pubkey_serialize(secp, b, &nb, want, SECP256K1_EC_COMPRESSED))
        return 0;
    return na == nb && memcmp(a, b, na) == 0;
}

/* Writes the low-s form of rsig into sig: s' = n - s flips R's parity, so recid too. */
static void to_low_s(const secp256k1_context *secp, lg_signature *sig,
                     const secp256k1_ecdsa_recoverable_signature *rsig)
{
    uint8_t rs[64];
    int recid = 0;
    secp256k1_ecdsa_recoverable_signature_serialize_compact(secp, rs, &recid, rsig);
    secp256k1_ecdsa_signature plain, norm;
    secp256k1_ecdsa_recoverable_signature_convert(secp, &plain, rsig);
    if (secp256k1_ecdsa_signature_normalize(secp, &norm, &plain)) {
        secp256k1_ecdsa_signature_serialize_compact(secp, rs, &norm);
        recid ^= 1;
    }
    memcpy(sig->r, rs, 32);
    memcpy(sig->s, rs + 32, 32);
    sig->recid = recid;
}

int lg_signer_sign(const lg_signer_ctx *ctx, lg_signature *sig, const uint8_t hash[LG_DIGEST_LEN],
                   const uint8_t seckey[LG_SECKEY_LEN])
{
    if (!sig)
        return 0;
    memset(sig, 0, sizeof *sig);
    if (!ctx || !hash || !seckey)
        return 0;
    secp256k1_ecdsa_recoverable_signature rsig;
    secp256k1_pubkey pk;
    if (!secp256k1_ec_pubkey_create(ctx->secp, &pk, seckey) ||
        !secp256k1_ecdsa_sign_recoverable(ctx->secp, &rsig, hash, seckey, NULL, NULL))
        return 0;
    to_low_s(ctx->secp, sig, &rsig);
    /* A signature that does not lead back to the key (a fault, a bug) must never be
     * broadcast: it could leak the key or burn the nonce. */
    if (!recovers_to(ctx->secp, hash, sig, &pk)) {
        memset(sig, 0, sizeof *sig);
        return 0;
    }
    return 1;
}

int lg_signer_recover(const lg_signer_ctx *ctx, uint8_t addr[LG_ADDRESS_LEN],
                      const uint8_t hash[LG_DIGEST_LEN], const lg_signature *sig)
{
    secp256k1_ecdsa_recoverable_signature rsig;
    secp256k1_pubkey pk;
    if (!ctx || !addr || !hash || !sig)
        return 0;
    if (!parse_sig(ctx->secp, &rsig, sig) || is_high_s(ctx->secp, &rsig) ||
        !secp256k1_ecdsa_recover(ctx->secp, &pk, &rsig, hash))
        return 0;
    return pubkey_address(ctx->secp, addr, &pk);
}

int lg_signature_from_rsv(lg_signature *sig, const uint8_t rsv[LG_SIG_RSV_LEN])
{
    if (!sig || !rsv)
        return 0;
    uint8_t v = rsv[64];
    if (v >= 27)
        v = (uint8_t)(v - 27);
    if (v > 1)
        return 0;
    memcpy(sig->r, rsv, 32);
    memcpy(sig->s, rsv + 32, 32);
    sig->recid = v;
    return 1;
}

int lg_signature_to_rsv(uint8_t rsv[LG_SIG_RSV_LEN], const lg_signature *sig)
{
    if (!rsv || !sig || sig->recid < 0 || sig->recid > 1)
        return 0;
    memcpy(rsv, sig->r, 32);
    memcpy(rsv + 32, sig->s, 32);
    rsv[64] = (uint8_t)(27 + sig->recid);
    return 1;
}

int lg_personal_hash(uint8_t out[LG_DIGEST_LEN], const void *msg, size_t len)
{
    static const char prefix[] = "\x19"
                                 "Ethereum Signed Message:\n";
    char digits[24];
    size_t n = 0;
    if (!out || (!msg && len > 0))
        return 0;
    /* The length is written in decimal ASCII, most significant digit first. */
    size_t v = len;
    do {
        digits[sizeof digits - 1 - n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0);
    lg_keccak256_ctx k;
    return lg_keccak256_init(&k) && lg_keccak256_update(&k, prefix, sizeof prefix - 1) &&
           lg_keccak256_update(&k, digits + sizeof digits - n, n) &&
           lg_keccak256_update(&k, msg, len) && lg_keccak256_final(&k, out);
}

int lg_personal_sign(const lg_signer_ctx *ctx, lg_signature *sig, const void *msg, size_t len,
                     const uint8_t seckey[LG_SECKEY_LEN])
{
    uint8_t h[LG_DIGEST_LEN];
    if (!sig)
        return 0;
    if (!lg_personal_hash(h, msg, len)) {
        memset(sig, 0, sizeof *sig);
        return 0;
    }
    return lg_signer_sign(ctx, sig, h, seckey);
}

int lg_personal_recover(const lg_signer_ctx *ctx, uint8_t addr[LG_ADDRESS_LEN], const void *msg,
                        size_t len, const uint8_t rsv[LG_SIG_RSV_LEN])
{
    uint8_t h[LG_DIGEST_LEN];
    lg_signature sig;
    return ctx && addr && lg_signature_from_rsv(&sig, rsv) && lg_personal_hash(h, msg, len) &&
           lg_signer_recover(ctx, addr, h, &sig);
}

static lg_privkey *privkey_alloc(void)
{
    long page = sysconf(_SC_PAGESIZE);
    size_t len = page >= (long)sizeof(lg_privkey) ? (size_t)page : 4096;
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
#ifdef MADV_DONTDUMP
    (void)madvise(p, len, MADV_DONTDUMP);
#endif
    lg_privkey *k = p;
    k->locked = mlock(p, len) == 0;
    k->maplen = len;
    if (!k->locked)
        lg_warn("signer.mlock", "key memory could not be locked: %s", strerror(errno));
    return k;
}

void lg_privkey_free(lg_privkey *key)
{
    if (!key)
        return;
    size_t len = key->maplen;
    int locked = key->locked;
    lg_memwipe(key, len);
    if (locked)
        (void)munlock(key, len);
    (void)munmap(key, len);
}

const uint8_t *lg_privkey_bytes(const lg_privkey *key)
{
    return key ? key->key : NULL;
}

int lg_privkey_is_locked(const lg_privkey *key)
{
    return key ? key->locked : 0;
}

lg_err lg_privkey_from_bytes(lg_privkey **out, const lg_signer_ctx *ctx,
                             const uint8_t seckey[LG_SECKEY_LEN])
{
    if (!out)
        return LG_ERR_INVALID;
    *out = NULL;
    if (!lg_signer_seckey_verify(ctx, seckey))
        return LG_ERR_INVALID;
    lg_privkey *k = privkey_alloc();
    if (!k)
        return LG_ERR_NOMEM;
    memcpy(k->key, seckey, LG_SECKEY_LEN);
    *out = k;
    return LG_OK;
}

/* Reads the whole file into buf, which holds cap + 1 bytes: a file that fills it is
 * longer than any key file (LG_ERR_INVALID). */
static lg_err read_small(int fd, char *buf, size_t cap, size_t *len)
{
    size_t n = 0;
    while (n <= cap) {
        ssize_t r = read(fd, buf + n, cap + 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return LG_ERR_IO;
        if (r == 0)
            break;
        n += (size_t)r;
    }
    if (n > cap)
        return LG_ERR_INVALID;
    *len = n;
    return LG_OK;
}

/* 64 hex digits, optional "0x", at most one trailing newline. */
static lg_err parse_key_text(uint8_t seckey[LG_SECKEY_LEN], const char *text, size_t len)
{
    if (len >= 1 && text[len - 1] == '\n')
        len--;
    if (len >= 1 && text[len - 1] == '\r')
        len--;
    size_t got = 0;
    if (lg_hex_decode(seckey, LG_SECKEY_LEN, &got, text, len, LG_HEX_OPTIONAL) != LG_OK ||
        got != LG_SECKEY_LEN) {
        lg_memwipe(seckey, LG_SECKEY_LEN);
        return LG_ERR_INVALID;
    }
    return LG_OK;
}

/* Opens path and refuses anything but a regular file private to its owner. */
static lg_err open_private(const char *path, int *fd_out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return LG_ERR_IO;
    struct stat st;
    lg_err err = LG_OK;
    if (fstat(fd, &st) != 0)
        err = LG_ERR_IO;
    else if (!S_ISREG(st.st_mode) || (st.st_mode & 077) != 0)
        err = LG_ERR_CONFIG;
    if (err != LG_OK) {
        close(fd);
        return err;
    }
    *fd_out = fd;
    return LG_OK;
}

lg_err lg_privkey_load(lg_privkey **out, const lg_signer_ctx *ctx, const char *path)
{
    if (!out)
        return LG_ERR_INVALID;
    *out = NULL;
    if (!ctx || !path)
        return LG_ERR_INVALID;
    int fd = -1;
    lg_err err = open_private(path, &fd);
    if (err != LG_OK)
        return err;
    lg_privkey *k = privkey_alloc();
    if (!k) {
        close(fd);
        return LG_ERR_NOMEM;
    }
    char buf[KEYFILE_MAX + 1];
    size_t len = 0;
    err = read_small(fd, buf, KEYFILE_MAX, &len);
    close(fd);
    if (err == LG_OK)
        err = parse_key_text(k->key, buf, len);
    lg_memwipe(buf, sizeof buf);
    if (err == LG_OK && !lg_signer_seckey_verify(ctx, k->key))
        err = LG_ERR_INVALID;
    if (err != LG_OK) {
        lg_privkey_free(k);
        return err;
    }
    *out = k;
    return LG_OK;
}
