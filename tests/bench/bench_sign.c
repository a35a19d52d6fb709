/* bench_sign.c - prints signing throughput and the cost of one signed type-2
 * transaction (ABI call data, RLP, keccak, secp256k1). Prints figures only: a benchmark
 * never passes or fails on a time. */
#include "config.h"

#include <lendgate/abi.h>
#include <lendgate/keccak.h>
#include <lendgate/signer.h>
#include <lendgate/tx.h>

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SIGN_ITERATIONS 4000
#define TX_ITERATIONS   4000
#define KECCAK_BYTES    (8u << 20)

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int bench_signatures(const lg_signer_ctx *ctx, const uint8_t key[32])
{
    uint8_t hash[32] = {0};
    lg_signature sig;
    double t0 = now_seconds();
    for (int i = 0; i < SIGN_ITERATIONS; i++) {
        memcpy(hash, &i, sizeof i);
        if (!lg_signer_sign(ctx, &sig, hash, key))
            return -1;
    }
    double dt = now_seconds() - t0;
    printf("sign (recoverable, low-s, verified): %d in %.3f s = %.0f signatures/s (%.1f us each)\n",
           SIGN_ITERATIONS, dt, SIGN_ITERATIONS / dt, dt * 1e6 / SIGN_ITERATIONS);
    return 0;
}

/* One borrowUSDC(positionId, amount) transaction per iteration, as the borrow path
 * builds it: call data, then lg_tx1559_sign (RLP, keccak, sign, keccak). */
static int bench_transactions(const lg_signer_ctx *ctx, const uint8_t key[32])
{
    uint8_t sel[4], data[4 + 64], out[512], txhash[32];
    size_t data_len = 0, len = 0;
    if (lg_abi_selector(sel, "borrowUSDC(uint256,uint256)") != LG_OK)
        return -1;
    lg_tx1559 tx = {.chain_id = 5000,
                    .max_priority_fee_per_gas = 1000000,
                    .max_fee_per_gas = 20000000,
                    .gas_limit = 250000,
                    .data = data};
    memset(tx.to, 0x5f, sizeof tx.to);
    double t0 = now_seconds();
    for (int i = 0; i < TX_ITERATIONS; i++) {
        lg_abi_writer w;
        lg_abi_writer_init(&w, data, sizeof data, sel, 2);
        lg_abi_put_u64(&w, 7);
        lg_abi_put_u64(&w, 1500000000u + (uint64_t)i);
        if (lg_abi_finish(&w, &data_len) != LG_OK)
            return -1;
        tx.data_len = data_len;
        tx.nonce = (uint64_t)i;
        if (lg_tx1559_sign(ctx, out, sizeof out, &len, txhash, &tx, key) != LG_OK)
            return -1;
    }
    double dt = now_seconds() - t0;
    printf("type-2 borrowUSDC tx (abi + rlp + keccak + sign): %d in %.3f s = %.1f us/tx, "
           "%zu bytes each\n",
           TX_ITERATIONS, dt, dt * 1e6 / TX_ITERATIONS, len);
    return 0;
}

static void bench_keccak(void)
{
    static uint8_t buf[1 << 16];
    uint8_t md[32];
    memset(buf, 0xa5, sizeof buf);
    lg_keccak256_ctx k;
    double t0 = now_seconds();
    lg_keccak256_init(&k);
    for (unsigned done = 0; done < KECCAK_BYTES; done += sizeof buf)
        lg_keccak256_update(&k, buf, sizeof buf);
    lg_keccak256_final(&k, md);
    double dt = now_seconds() - t0;
    printf("keccak256: %u MiB in %.3f s = %.1f MiB/s\n", KECCAK_BYTES >> 20, dt,
           (KECCAK_BYTES >> 20) / dt);
}

int main(void)
{
    lg_signer_ctx *ctx = NULL;
    uint8_t key[32];
    memset(key, 0x46, sizeof key);
    printf("bench_sign: nproc=%ld (single-threaded figures, one responder process)\n",
           sysconf(_SC_NPROCESSORS_ONLN));
    if (lg_signer_ctx_create(&ctx) != LG_OK) {
        fprintf(stderr, "bench_sign: cannot create the signing context\n");
        return 1;
    }
    int rc = bench_signatures(ctx, key) || bench_transactions(ctx, key);
    bench_keccak();
    lg_signer_ctx_destroy(ctx);
    if (rc)
        fprintf(stderr, "bench_sign: a signing call failed\n");
    return rc ? 1 : 0;
}
