/*
 * mongo_map.h - the MongoDB backend's documents: each model.h record to a BSON
 * document and back, and the filter and update documents the operations send.
 *
 * Pure libbson: nothing here talks to a server, so all of it is unit-tested and
 * fuzzed on machines without one. Each record is described by one table of fields
 * (mongo_map.c), so a field added to a record is one line there.
 *
 * Mapping rules: field names are the plan's camelCase (partnerId, partnerLoanId,
 * internalLoanId, userWallet, ...); money, limits, nonces, chain ids, offsets and
 * counters are Int64 (never double; a uint64_t above INT64_MAX is refused); times are
 * BSON dates (milliseconds since the epoch, exact); enumerations are Int32 holding
 * model.h's stored numbers; flags are booleans; text is UTF-8 bounded by its
 * model.h field. Decoding checks every field (type, length, range) and refuses a
 * document that does not fit with LG_ERR_STORE, naming the collection and field in
 * the log (never a value: some fields are secrets).
 */
#ifndef LENDGATE_STORE_MONGO_MAP_H
#define LENDGATE_STORE_MONGO_MAP_H

#include <bson/bson.h>
#include <stddef.h>
#include <stdint.h>

#include <lendgate/error.h>
#include <lendgate/model.h>
#include <lendgate/store.h>

/* Records of the MongoDB backend that model.h has no struct for. */
typedef struct lg_mongo_nonce { /* collection nonces, _id "<chainId>:<address>" */
    uint64_t chain_id;
    char address[LG_ADDR_LEN];
    uint64_t next;
    int64_t updated_at_ms;
} lg_mongo_nonce;

typedef struct lg_mongo_lease { /* collection job_leases, _id = name */
    char name[LG_NAME_LEN];
    char owner[LG_OWNER_LEN];
    int64_t until_ms;
} lg_mongo_lease;

typedef struct lg_mongo_cursor { /* collection chain_cursors, _id = name */
    char name[LG_NAME_LEN];
    uint64_t block;
} lg_mongo_cursor;

typedef struct lg_mongo_audit_offset { /* collection audit_offsets, _id = source */
    char source[LG_NAME_LEN];
    uint64_t offset;
} lg_mongo_audit_offset;

typedef struct lg_mongo_daily_usage { /* collection partner_daily_usage */
    char partner_id[LG_ID_LEN];
    char day[LG_DAY_LEN];
    uint64_t borrowed;
} lg_mongo_daily_usage;

typedef struct lg_mongo_position_link { /* solvency_positions.partnerLoans[] */
    char loan_id[LG_UUID_LEN];
    char partner_id[LG_ID_LEN];
    uint64_t amount;
    int repaid;
} lg_mongo_position_link;

typedef struct lg_mongo_rate { /* collection guard_rates, _id = key (store.h: rate_take) */
    char key[LG_STORE_RATE_KEY_MAX + 1];
    int64_t window_start_ms;
    uint64_t current;
    uint64_t previous;
    int64_t expires_at_ms; /* two windows after window_start_ms: the TTL index's field */
} lg_mongo_rate;

typedef struct lg_mongo_replay {                    /* collection guard_replays, _id = digest */
    char digest[2 * LG_STORE_GUARD_DIGEST_LEN + 1]; /* lowercase hex of the SHA-256 */
    int64_t expires_at_ms;                          /* the TTL index's field */
} lg_mongo_replay;

/* A record's table: collection name, struct size, fields. Opaque outside mongo_map.c. */
typedef struct lg_mongo_record lg_mongo_record;

/* X(short name, struct type): every record with a table. */
#define LG_MONGO_RECORDS(X)                                                                        \
    X(partner, lg_partner)                                                                         \
    X(api_key, lg_api_key)                                                                         \
    X(position, lg_position)                                                                       \
    X(loan, lg_loan)                                                                               \
    X(repayment, lg_repayment)                                                                     \
    X(chain_tx, lg_chain_tx)                                                                       \
    X(api_log, lg_api_log)                                                                         \
    X(ledger, lg_ledger_entry)                                                                     \
    X(event, lg_event)                                                                             \
    X(attempt, lg_event_attempt)                                                                   \
    X(admin_audit, lg_admin_audit)                                                                 \
    X(deposit, lg_deposit)                                                                         \
    X(nonce, lg_mongo_nonce)                                                                       \
    X(lease, lg_mongo_lease)                                                                       \
    X(cursor, lg_mongo_cursor)                                                                     \
    X(audit_offset, lg_mongo_audit_offset)                                                         \
    X(daily_usage, lg_mongo_daily_usage)                                                           \
    X(position_link, lg_mongo_position_link)                                                       \
    X(rate, lg_mongo_rate)                                                                         \
    X(replay, lg_mongo_replay)

/*
 * lg_mongo_<name>_to_bson appends every field of *r to doc (initialized by the
 * caller). Returns LG_OK, LG_ERR_INVALID (a string not terminated within its field,
 * an enumeration out of range, a number that does not fit Int64), LG_ERR_NOMEM
 * (libbson refused: the document would pass its maximum size).
 *
 * lg_mongo_<name>_from_bson zeroes *r and fills it from doc; fields not in the
 * table (_id, ...) are ignored. Returns LG_OK, LG_ERR_STORE (a field missing, of
 * another type, too long, holding a NUL, or out of range: logged with its name).
 */
#define LG_MONGO_DECLARE(name, type)                                                               \
    extern const lg_mongo_record lg_mongo_##name##_record;                                         \
    lg_err lg_mongo_##name##_to_bson(const type *r, bson_t *doc);                                  \
    lg_err lg_mongo_##name##_from_bson(const bson_t *doc, type *r);
LG_MONGO_RECORDS(LG_MONGO_DECLARE)
#undef LG_MONGO_DECLARE

/* The collection a record's documents live in ("partners"); never NULL. */
const char *lg_mongo_record_collection(const lg_mongo_record *rec);

/* The size of rec's struct. */
size_t lg_mongo_record_size(const lg_mongo_record *rec);

/* lg_mongo_<name>_from_bson for whichever record rec describes: *r is of its type. */
lg_err lg_mongo_record_from_bson(const lg_mongo_record *rec, const bson_t *doc, void *r);

/*
 * Appends to out (initialized by the caller) the $jsonSchema validator of rec's
 * documents: {"$jsonSchema": {"bsonType": "object", "required": [...],
 * "properties": {...}}} with each field's BSON type, maximum length and minimum.
 * Returns LG_OK, LG_ERR_NOMEM.
 */
lg_err lg_mongo_record_validator(const lg_mongo_record *rec, bson_t *out);

/*
 * Builders of the filter and update documents the operations send. Each one
 * initializes *out itself, also when it fails (then empty): the caller always
 * releases it with bson_destroy(). Amounts and other numbers above INT64_MAX are
 * LG_ERR_INVALID; otherwise they return LG_OK or LG_ERR_NOMEM.
 */

/* The _id of the nonce document of (chain_id, address): "<chainId>:<address>". */
lg_err lg_mongo_nonce_id(uint64_t chain_id, const char *address, char *buf, size_t len);

/* {"_id": id}. */
lg_err lg_mongo_filter_id(const char *id, bson_t *out);

/* {field: value}: a lookup by one unique text field ("partnerId", "apiKeyHash"). */
lg_err lg_mongo_filter_str(const char *field, const char *value, bson_t *out);

/* Total-limit reservation: the ACTIVE partner whose outstanding + amount stays within
 * totalLimit, as one $expr, so the filter and the $inc are one atomic step. */
lg_err lg_mongo_reserve_total_filter(const char *partner_id, uint64_t amount, bson_t *out);
/* {"$inc": {field: delta}, "$set": {"updatedAt": now}} (delta may be negative). */
lg_err lg_mongo_inc_update(const char *field, int64_t delta, int64_t now_ms, bson_t *out);

/* Daily-limit charge: the usage document of (partner, day) whose borrowed + amount
 * stays within daily_limit. LG_ERR_INVALID when amount > daily_limit. */
lg_err lg_mongo_daily_charge_filter(const char *partner_id, const char *day, uint64_t amount,
                                    uint64_t daily_limit, bson_t *out);
/* Creates the usage document of (partner, day) at 0 when missing:
 * {"$setOnInsert": {"partnerId", "day", "borrowed": 0}}, sent with upsert. */
lg_err lg_mongo_daily_ensure_update(const char *partner_id, const char *day, bson_t *out);

/* Repayment reservation: the loan, ACTIVE or DEFAULTED, whose repayPending + amount
 * stays within remaining. */
lg_err lg_mongo_repay_reserve_filter(const char *loan_id, uint64_t amount, bson_t *out);

/* Balance draw: the partner whose balanceUsed + amount stays within deposited. */
lg_err lg_mongo_balance_draw_filter(const char *partner_id, uint64_t amount, bson_t *out);

/* Nonce allocation (findAndModify returning the document before): {"$inc":
 * {"next": 1}, "$set": {"updatedAt": now}}. */
lg_err lg_mongo_nonce_allocate_update(int64_t now_ms, bson_t *out);
/* First use: {"$setOnInsert": {the nonce document}}, sent with upsert. */
lg_err lg_mongo_nonce_init_update(const lg_mongo_nonce *n, bson_t *out);
/* Resync: {"$set": {the nonce document}}, sent with upsert. */
lg_err lg_mongo_nonce_resync_update(const lg_mongo_nonce *n, bson_t *out);

/* Job lease: the lease name that owner may take: nobody's, run out at now, owner's
 * own, or dead_owner's (NULL or "" for none). Sent with upsert: a lease another
 * holds makes the upsert's insert collide on _id (LG_ERR_CONFLICT). */
lg_err lg_mongo_lease_take_filter(const char *name, const char *owner, const char *dead_owner,
                                  int64_t now_ms, bson_t *out);
/* {"$set": {"name", "owner", "until"}}. */
lg_err lg_mongo_lease_take_update(const lg_mongo_lease *l, bson_t *out);

/* Audit journal offset: the document of source at offset from (from 0 also matches
 * a source never seen, through upsert). */
lg_err lg_mongo_audit_offset_filter(const char *source, uint64_t from, bson_t *out);
/* {"$set": {"source", "offset": to}}. */
lg_err lg_mongo_audit_offset_update(const char *source, uint64_t to, bson_t *out);

/* Key touch: the key id whose lastUsedAt is at or before now - min_interval_ms. */
lg_err lg_mongo_key_touch_filter(int64_t key_id, int64_t now_ms, int64_t min_interval_ms,
                                 bson_t *out);
/* {"$set": {field: date}}. */
lg_err lg_mongo_set_date_update(const char *field, int64_t ms, bson_t *out);

/* Partner change: {"$set": {the fields of mask, "updatedAt": now}} (store-maintained
 * fields never). LG_ERR_INVALID for a field value that does not fit. */
lg_err lg_mongo_partner_update(const lg_partner *p, unsigned mask, int64_t now_ms, bson_t *out);

/* Cursor: {"$set": {"name", "block"}}, sent with upsert. */
lg_err lg_mongo_cursor_update(const char *name, uint64_t block, bson_t *out);

/* Sequence: {"$inc": {"seq": 1}} on counters/{_id: name}, upsert, returning after. */
lg_err lg_mongo_seq_update(bson_t *out);

/* A release: the document whose key_field is key and whose field still holds at
 * least amount ({key_field: key, field: {"$gte": amount}}), so a $inc of -amount can
 * never take it below zero. */
lg_err lg_mongo_release_filter(const char *key_field, const char *key, const char *field,
                               uint64_t amount, bson_t *out);

/* A loan linked to its position (sandbox, wallet, oaid) once: the filter matches the
 * position only while it has no link for loan_id; the update pushes link onto
 * partnerLoans and adds its amount to totalPartnerDebt. */
lg_err lg_mongo_link_add_filter(int sandbox, const char *wallet, const char *oaid,
                                const char *loan_id, bson_t *out);
lg_err lg_mongo_link_add_update(const lg_mongo_position_link *link, int64_t now_ms, bson_t *out);

/* A link paid down by take: the position (sandbox, wallet, oaid) holding loan_id's link
 * with at least take of debt; the update sets the link's amount to link_left (and
 * repaid) through the positional operator and takes take from totalPartnerDebt. */
lg_err lg_mongo_link_repay_filter(int sandbox, const char *wallet, const char *oaid,
                                  const char *loan_id, uint64_t take, bson_t *out);
lg_err lg_mongo_link_repay_update(uint64_t link_left, int repaid, uint64_t take, int64_t now_ms,
                                  bson_t *out);

/* Key rotation: the other unrevoked keys of partner_id (all but keep_id) that expire
 * later than at_ms or never. */
lg_err lg_mongo_keys_expire_filter(const char *partner_id, int64_t keep_id, int64_t at_ms,
                                   bson_t *out);

/* An event replayed: PENDING, due now, a fresh schedule, no lease. */
lg_err lg_mongo_replay_update(int64_t now_ms, bson_t *out);

/*
 * The sandbox (store.h: lg_store_partner_sandbox, lg_store_set_sandbox).
 *
 * A partner's sandbox twin is a partners document of its own whose liveId names its
 * live partner; a live partner's document has no liveId (a partial unique index on
 * liveId lets each live partner have one twin at most).
 *
 * What the chain side writes is kept per chain: loans, repayments, chain transactions
 * and positions carry LG_MONGO_SANDBOX_FIELD, a boolean beside their record's fields
 * (true on the sandbox chain's), set once when the document is made and never changed:
 * a loan's from its partner (a twin's loans are the sandbox's), a repayment's from its
 * loan, a transaction's and a position's from the handle that writes it. The lists a
 * chain's reconcile works from filter on it, with indexes led by it, instead of
 * looking each document's partner up; positions are keyed (sandbox, wallet, oaid), and
 * a loan's link lives in its chain's position, so a repayment pays down that one.
 */
#define LG_MONGO_SANDBOX_FIELD "sandbox"

/* Appends {"sandbox": sandbox != 0} to doc. Returns LG_OK, LG_ERR_INVALID, LG_ERR_NOMEM. */
lg_err lg_mongo_append_sandbox(bson_t *doc, int sandbox);
/* 1 when doc's sandbox field is true, else 0 (false, or a document without one). */
int lg_mongo_doc_sandbox(const bson_t *doc);

/* The twin of live partner live, made at now_ms: its settings and createdBy, id
 * "<id>.sandbox", keyPrefix "<keyPrefix>.sandbox", liveId = live->id, no money, both
 * times now_ms. Out: *twin. Returns LG_ERR_INVALID (live is a twin, or a name would
 * not fit its field). */
lg_err lg_mongo_partner_twin(const lg_partner *live, int64_t now_ms, lg_partner *twin);
/* The live partner's settings copied onto its twin (sent with {"liveId": live->id}):
 * {"$set": {name, status, tier, the limits and fee, the addresses, webhook, signing and
 * allowlist settings, the flags, the previous webhook secret and the webhook state,
 * "updatedAt"}}, never the money. LG_ERR_INVALID for a twin or a field that does not
 * fit. */
lg_err lg_mongo_partner_mirror_update(const lg_partner *live, bson_t *out);
/* Partner lists and the count: {"liveId": null (live partners only), "status", "tier"}
 * (status, tier: -1 for any). */
lg_err lg_mongo_partner_list_filter(int status, int tier, bson_t *out);

/* What a chain's reconcile finishes, on that chain only: loans PENDING or SETTLING;
 * ACTIVE loans made before before_ms; PENDING repayments; SIGNED transactions. */
lg_err lg_mongo_loan_unsettled_filter(int sandbox, bson_t *out);
lg_err lg_mongo_loan_overdue_filter(int64_t before_ms, int sandbox, bson_t *out);
lg_err lg_mongo_repay_pending_filter(int sandbox, bson_t *out);
lg_err lg_mongo_tx_unsettled_filter(int sandbox, bson_t *out);
/* The loans a liquidation of (wallet, oaid[, position_id]) on a chain ends: PENDING,
 * SETTLING, ACTIVE or DEFAULTED (position_id NULL for any). */
lg_err lg_mongo_position_loans_filter(int sandbox, const char *wallet, const char *oaid,
                                      const char *position_id, bson_t *out);
/* A chain's position: {"sandbox", "userWallet", "oaidTokenId"}. */
lg_err lg_mongo_position_filter(int sandbox, const char *wallet, const char *oaid, bson_t *out);

/*
 * Cluster-wide guards (store.h: lg_store_rate_take, lg_store_replay_claim).
 *
 * A rate take is first one findAndModify: the key's document still in now's window
 * whose sliding estimate is below limit gets current + 1. Its filter computes the
 * estimate on the server:
 *   {"_id": key, "windowStart": W, "$expr": {"$lt": [{"$add": ["$current", {"$ceil":
 *    {"$divide": [{"$multiply": ["$previous", R]}, window]}}]}, limit]}}
 * with W now's window start and R = window - (now - W); the division is the server's
 * double, exact for the guards' rates (a quotient below 2^32, a window below 2^27 ms:
 * a non-integer quotient is farther from an integer than the rounding). When nothing
 * matched (a new key, a new window, a refusal) the backend reads the document,
 * decides with lg_store_rate_roll/_estimate and writes the new state under a filter
 * holding the state it read, retrying when another host changed it first.
 */
lg_err lg_mongo_rate_fast_filter(const char *key, int64_t window_ms, uint64_t limit, int64_t now_ms,
                                 bson_t *out);
/* {"$inc": {"current": 1}}. */
lg_err lg_mongo_rate_inc_update(bson_t *out);
/* The document as read: {"_id", "windowStart", "current", "previous"} of *was. */
lg_err lg_mongo_rate_cas_filter(const lg_mongo_rate *was, bson_t *out);
/* {"$set": {the rate document}}. */
lg_err lg_mongo_rate_set_update(const lg_mongo_rate *r, bson_t *out);
/* A first document: {"_id": key, then the rate document}. */
lg_err lg_mongo_rate_document(const lg_mongo_rate *r, bson_t *out);

/* A replay claim inserts {"_id": digest, "digest", "expiresAt"}; on a duplicate key it
 * takes over the document only when its expiresAt has passed (the TTL monitor runs
 * once a minute, so an expired document may still be there):
 * {"_id": digest, "expiresAt": {"$lte": now}}, with lg_mongo_set_date_update. */
lg_err lg_mongo_replay_document(const lg_mongo_replay *r, bson_t *out);
lg_err lg_mongo_replay_takeover_filter(const char *digest, int64_t now_ms, bson_t *out);

#endif
