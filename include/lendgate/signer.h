/*
 * signer.h - secp256k1 signing for the platform wallet, Ethereum addresses, signature
 * recovery and EIP-191 personal messages.
 *
 * Shaped after libsecp256k1 itself:
 *  - one context per process (lg_signer_ctx_create once at start, randomized from
 *    OpenSSL's RAND_bytes); a context that crosses a fork is re-randomized with
 *    lg_signer_ctx_rerandomize in the child before the child signs with it, so that no
 *    two processes share blinding (lendgate's workers open their service, and with it
 *    a new context, after the fork; the service re-randomizes its context when it
 *    finds itself signing in another process than the one that created it);
 *  - secret keys are caller-owned 32-byte buffers; lg_privkey only keeps the platform
 *    key loaded from its file in locked, wiped-on-free memory;
 *  - arguments go context, outputs, inputs; functions return 1 on success and 0 on
 *    any failure, including NULL arguments, and are marked must-check;
 *  - nothing allocates while signing or recovering, and no secret reaches a log.
 *
 * Signatures are RFC 6979 deterministic and always low-s (s <= n/2, EIP-2). Every
 * signature is checked by recovering its signer before it is returned.
 */
#ifndef LENDGATE_SIGNER_H
#define LENDGATE_SIGNER_H

#include <stddef.h>
#include <stdint.h>

#include <lendgate/address.h>
#include <lendgate/error.h>

#ifndef LG_MUST_CHECK
#if defined(__GNUC__)
#define LG_MUST_CHECK __attribute__((warn_unused_result))
#else
#define LG_MUST_CHECK
#endif
#endif

#define LG_SECKEY_LEN  32
#define LG_DIGEST_LEN  32
#define LG_SIG_RSV_LEN 65

typedef struct lg_signer_ctx lg_signer_ctx;
typedef struct lg_privkey lg_privkey;

/* An ECDSA signature with its recovery id (0 or 1: the parity of R's y). */
typedef struct lg_signature {
    uint8_t r[32];
    uint8_t s[32];
    int recid;
} lg_signature;

/*
 * Creates the process's signing context and randomizes it. *out is owned by the
 * caller and released with lg_signer_ctx_destroy.
 * Returns LG_OK, LG_ERR_INVALID (NULL out), LG_ERR_NOMEM, LG_ERR_CRYPTO (no randomness).
 */
lg_err lg_signer_ctx_create(lg_signer_ctx **out);

/* Re-randomizes the context's blinding: in a child, after fork, before it signs.
 * Returns 1, or 0 on failure. */
LG_MUST_CHECK int lg_signer_ctx_rerandomize(lg_signer_ctx *ctx);

/* Frees the context. NULL is fine. */
void lg_signer_ctx_destroy(lg_signer_ctx *ctx);

/*
 * Loads the platform private key from path: 64 hex digits, with or without "0x",
 * optionally followed by one newline ("\n" or "\r\n"), nothing else. The file must be
 * a regular file with no permission bits for group or others (mode 0600 or 0400).
 * The key lives in memory locked with mlock (when the system allows it) and kept out
 * of core dumps; the read buffers are wiped. *out is owned by the caller and released
 * with lg_privkey_free.
 * Returns LG_OK, LG_ERR_INVALID (NULL argument, bad contents, a key that is zero or
 * not below the curve order), LG_ERR_IO (cannot open or read), LG_ERR_CONFIG (not a
 * regular file, or readable or writable by group or others), LG_ERR_NOMEM.
 * The returned code and nothing else describe a failure: no key material is logged.
 * Load it before forking workers: the page is never written again, so the children
 * share the parent's locked page (memory locks themselves are not inherited).
 */
lg_err lg_privkey_load(lg_privkey **out, const lg_signer_ctx *ctx, const char *path);

/*
 * Copies a 32-byte secret key into a new lg_privkey (locked like a loaded one).
 * *out is owned by the caller and released with lg_privkey_free.
 * Returns LG_OK, LG_ERR_INVALID (NULL argument or invalid key), LG_ERR_NOMEM.
 */
lg_err lg_privkey_from_bytes(lg_privkey **out, const lg_signer_ctx *ctx,
                             const uint8_t seckey[LG_SECKEY_LEN]);

/* The key's 32 bytes, valid until lg_privkey_free; NULL for NULL. */
const uint8_t *lg_privkey_bytes(const lg_privkey *key);

/* 1 when the key's memory is locked against swapping, else 0. */
int lg_privkey_is_locked(const lg_privkey *key);

/* Wipes the key, unlocks and frees its memory. NULL is fine. */
void lg_privkey_free(lg_privkey *key);

/* 1 when seckey is a valid secret key (non-zero, below the curve order), else 0. */
LG_MUST_CHECK int lg_signer_seckey_verify(const lg_signer_ctx *ctx,
                                          const uint8_t seckey[LG_SECKEY_LEN]);

/*
 * Signs a 32-byte hash with seckey into *sig: deterministic (RFC 6979), low-s, with
 * the recovery id; verified by recovery before returning. No allocation.
 * Returns 1, or 0 (NULL argument, invalid key, a check failed; *sig is then zeroed).
 */
LG_MUST_CHECK int lg_signer_sign(const lg_signer_ctx *ctx, lg_signature *sig,
                                 const uint8_t hash[LG_DIGEST_LEN],
                                 const uint8_t seckey[LG_SECKEY_LEN]);

/* Writes the Ethereum address of seckey's public key into addr. Returns 1 or 0. */
LG_MUST_CHECK int lg_signer_address(const lg_signer_ctx *ctx, uint8_t addr[LG_ADDRESS_LEN],
                                    const uint8_t seckey[LG_SECKEY_LEN]);

/* Writes the Ethereum address of a public key (65 bytes 0x04||X||Y, or 64 bytes X||Y)
 * into addr: the last 20 bytes of keccak256(X||Y). Returns 1 or 0 (bad length/tag). */
LG_MUST_CHECK int lg_pubkey_to_address(uint8_t addr[LG_ADDRESS_LEN], const uint8_t *pubkey,
                                       size_t len);

/*
 * Recovers the address that signed hash. High-s signatures are refused (0): every
 * signer this project accepts produces low-s, and refusing the twin keeps a signature
 * unique. Returns 1, or 0 (NULL, malformed or unrecoverable signature).
 */
LG_MUST_CHECK int lg_signer_recover(const lg_signer_ctx *ctx, uint8_t addr[LG_ADDRESS_LEN],
                                    const uint8_t hash[LG_DIGEST_LEN], const lg_signature *sig);

/* Reads the 65-byte r||s||v form used by eth_sign/personal_sign (v is 27, 28, 0 or 1).
 * Returns 1, or 0 (NULL, other v). */
LG_MUST_CHECK int lg_signature_from_rsv(lg_signature *sig, const uint8_t rsv[LG_SIG_RSV_LEN]);

/* Writes r||s||v with v = 27 + recid. Returns 1, or 0 (NULL, recid not 0 or 1). */
LG_MUST_CHECK int lg_signature_to_rsv(uint8_t rsv[LG_SIG_RSV_LEN], const lg_signature *sig);

/* EIP-191 version 0x45 hash: keccak256("\x19Ethereum Signed Message:\n" || decimal len
 * || msg). msg may be NULL when len is 0. Returns 1 or 0. */
LG_MUST_CHECK int lg_personal_hash(uint8_t out[LG_DIGEST_LEN], const void *msg, size_t len);

/* Signs msg as personal_sign does (the hash above). Returns 1 or 0. */
LG_MUST_CHECK int lg_personal_sign(const lg_signer_ctx *ctx, lg_signature *sig, const void *msg,
                                   size_t len, const uint8_t seckey[LG_SECKEY_LEN]);

/* Recovers the address that personal_sign'ed msg with the 65-byte signature rsv.
 * Returns 1 or 0 (as lg_signer_recover). */
LG_MUST_CHECK int lg_personal_recover(const lg_signer_ctx *ctx, uint8_t addr[LG_ADDRESS_LEN],
                                      const void *msg, size_t len,
                                      const uint8_t rsv[LG_SIG_RSV_LEN]);

#endif
