/*
 * signature.h - HMAC request signatures of the partner API.
 *
 * A partner with signing switched on sends two headers:
 *   X-Timestamp: milliseconds since the epoch, decimal, as the client wrote it
 *   X-Signature: hex(HMAC-SHA256(signing_secret, X-Timestamp + "." + raw body))
 * The MAC covers the body bytes exactly as received (before any JSON parsing) and the
 * timestamp text exactly as sent. A request is accepted within a window around the
 * server's clock; replays inside the window are the replay cache's job, fed with the
 * digest lg_signature_verify hands back. Nothing here allocates on the caller's behalf
 * and no message ever contains the secret or the signature.
 */
#ifndef LENDGATE_SIGNATURE_H
#define LENDGATE_SIGNATURE_H

#include <stddef.h>
#include <stdint.h>

#include <lendgate/error.h>

/* The window the partner API uses: five minutes either side of the server's clock. */
#define LG_SIGNATURE_WINDOW_MS 300000
/* Hex digits of a signature and the NUL. */
#define LG_SIGNATURE_HEX_LEN 65
/* Longest X-Timestamp accepted, in digits (milliseconds until the year 318857). */
#define LG_SIGNATURE_TS_DIGITS 16

/*
 * Checks the signature headers of one request against secret (NUL-terminated).
 * timestamp_header and signature_header are the header values (NULL or "" when
 * absent); body[0..body_len) is the raw body (body may be NULL when body_len is 0).
 * A timestamp within window_ms of now_ms (inclusive) is fresh. The signature may use
 * either hex case and is compared in constant time.
 * Out: on LG_OK digest_out (if not NULL) receives the 32-byte MAC, the key the replay
 * cache remembers; otherwise it is zeroed. *status (if not NULL) gets 200, 401 or 500
 * and msg (if not NULL) one of: "X-Timestamp header missing", "X-Signature header
 * missing", "X-Timestamp is not a millisecond timestamp", "X-Timestamp outside the
 * 5 minute window", "X-Signature is not 64 hex digits", "X-Signature does not match
 * the request".
 * Returns LG_OK, LG_ERR_AUTH (401: the request is refused), LG_ERR_INVALID (500: NULL
 * or empty secret, NULL body with body_len > 0, window_ms <= 0 or now_ms < 0),
 * LG_ERR_NOMEM, LG_ERR_CRYPTO.
 */
lg_err lg_signature_verify(const char *secret, const char *timestamp_header,
                           const char *signature_header, const char *body, size_t body_len,
                           int64_t now_ms, int64_t window_ms, unsigned char digest_out[32],
                           int *status, char *msg, size_t msglen);

/*
 * Writes the signature of (timestamp, body) under secret as 64 lowercase hex digits
 * into out_hex (LG_SIGNATURE_HEX_LEN bytes): what a client puts in X-Signature. The
 * timestamp is signed as given, not checked.
 * Returns LG_OK, LG_ERR_INVALID (NULL secret, timestamp or out_hex, NULL body with
 * len > 0), LG_ERR_NOMEM, LG_ERR_CRYPTO.
 */
lg_err lg_signature_sign(const char *secret, const char *timestamp, const char *body, size_t len,
                         char out_hex[LG_SIGNATURE_HEX_LEN]);

#endif
