/*
 * store_copy.h - copying a whole store into an empty one of any backend (SQLite to
 * MongoDB when one host becomes a cluster), and the census that proves the copy.
 *
 * A copy moves records, not operations: the source's backend exports every row of
 * every table as an lg_copy_record, the target's backend imports them verbatim
 * (ids, times, states and money as they are; no business rule runs and no webhook
 * event is made), and both stores' censuses (rows and money sums of every table)
 * must then be equal.
 *
 * Tables copied: LG_COPY_TABLES below (a partner row carries its event numbering and
 * limit-warning marks), the cluster guards' state included: the replay cache, so that
 * a signed request accepted shortly before the move cannot be replayed on the new
 * store, and the rate counters, so that partners do not get a fresh window's worth of
 * requests right after it (copying them costs no more than the replays; the census
 * sums current and previous). Guard rows are copied as they are, expired ones too
 * (they hold nothing, and the census stays a plain row count); MongoDB's TTL indexes
 * then remove the expired ones. The store holds guard rows only where the source ran
 * with cluster guards on: a host's own shared-memory tables (ratelimit.h, replay.h)
 * are not part of any store. Not copied: LG_COPY_NOT_COPIED, each with its reason. A
 * backend keeps what it derives from the rows itself: the MongoDB import moves its id
 * and event counters past the ids and sequence numbers it writes, and puts the
 * warning marks in limit_warnings.
 */
#ifndef LENDGATE_STORE_COPY_H
#define LENDGATE_STORE_COPY_H

#include <stddef.h>
#include <stdint.h>

#include <lendgate/error.h>
#include <lendgate/model.h>
#include <lendgate/store.h>
#include <lendgate/u256.h>

/* X(ID, "sqlite table name"), in copy order: a row comes after the rows it names. */
#define LG_COPY_TABLES(X)                                                                          \
    X(PARTNERS, "partners")                                                                        \
    X(API_KEYS, "api_keys")                                                                        \
    X(POSITIONS, "solvency_positions")                                                             \
    X(LOANS, "partner_loans")                                                                      \
    X(POSITION_LOANS, "solvency_position_loans")                                                   \
    X(REPAYMENTS, "loan_repayments")                                                               \
    X(DEPOSITS, "partner_deposits")                                                                \
    X(LEDGER, "partner_ledger")                                                                    \
    X(DAILY_USAGE, "partner_daily_usage")                                                          \
    X(CHAIN_TXS, "chain_txs")                                                                      \
    X(NONCES, "nonces")                                                                            \
    X(EVENTS, "webhook_outbox")                                                                    \
    X(ATTEMPTS, "webhook_attempts")                                                                \
    X(API_LOGS, "partner_api_logs")                                                                \
    X(ADMIN_AUDIT, "admin_audit")                                                                  \
    X(JOB_LEASES, "job_leases")                                                                    \
    X(CURSORS, "chain_cursors")                                                                    \
    X(AUDIT_JOURNAL, "audit_journal")                                                              \
    X(GUARD_RATES, "guard_rates")                                                                  \
    X(GUARD_REPLAYS, "guard_replays")

/* X("sqlite table name", "why it is not copied"): every other table of the SQLite
 * schema. test_store_copy fails on a table in neither list, so a migration that adds
 * one must say here or in LG_COPY_TABLES what a copy does with it. */
#define LG_COPY_NOT_COPIED(X)                                                                      \
    X("schema_migrations", "each store records its own schema, made by its own migrate")

#define LG_COPY_ENUM(id, name) LG_COPY_##id,
typedef enum lg_copy_table { LG_COPY_TABLES(LG_COPY_ENUM) LG_COPY__COUNT } lg_copy_table;
#undef LG_COPY_ENUM

/* A partner row with what lg_partner does not carry: the event numbering and the
 * limit warnings already sent (store.h: lg_store_set_limit_warn). */
typedef struct lg_copy_partner {
    lg_partner p;
    uint64_t event_seq;              /* the sequence number of its last event */
    char limit_warn_day[LG_DAY_LEN]; /* the UTC day its daily warning went out, "" none */
    int limit_warn_total;            /* 1: the total-limit warning went out */
} lg_copy_partner;

/* Rows of tables model.h has no struct for. */
typedef struct lg_copy_nonce { /* nonces */
    uint64_t chain_id;
    char address[LG_ADDR_LEN];
    uint64_t next;
    int64_t updated_at_ms;
} lg_copy_nonce;

typedef struct lg_copy_lease { /* job_leases */
    char name[LG_NAME_LEN];
    char owner[LG_OWNER_LEN];
    int64_t until_ms;
} lg_copy_lease;

typedef struct lg_copy_cursor { /* chain_cursors */
    char name[LG_NAME_LEN];
    uint64_t block;
    int64_t updated_at_ms;
} lg_copy_cursor;

typedef struct lg_copy_journal { /* audit_journal: how far a host's journal was ingested */
    char source[LG_NAME_LEN];
    uint64_t offset;
    uint64_t rows;
    int64_t updated_at_ms;
} lg_copy_journal;

typedef struct lg_copy_usage { /* partner_daily_usage */
    char partner_id[LG_ID_LEN];
    char day[LG_DAY_LEN];
    uint64_t borrowed;
} lg_copy_usage;

typedef struct lg_copy_rate { /* guard_rates: one key's counters (store.h: rate_take) */
    char key[LG_STORE_RATE_KEY_MAX + 1];
    int64_t window_start_ms;
    uint64_t current;
    uint64_t previous;
    int64_t expires_at_ms;
} lg_copy_rate;

typedef struct lg_copy_replay { /* guard_replays: an accepted signature's SHA-256 */
    unsigned char digest[LG_STORE_GUARD_DIGEST_LEN];
    int64_t expires_at_ms;
} lg_copy_replay;

typedef struct lg_copy_link { /* solvency_position_loans: a loan on its position */
    int64_t id;
    char wallet[LG_ADDR_LEN];
    char oaid[LG_U256_LEN];
    char loan_id[LG_UUID_LEN];
    char partner_id[LG_ID_LEN]; /* the loan's */
    uint64_t debt;
    int repaid;
    int64_t attached_at_ms;
} lg_copy_link;

/* One row of one table. */
typedef struct lg_copy_record {
    lg_copy_table table;
    /* Positions, their loan links, loans, repayments and chain transactions: 1 when the
     * row is the sandbox chain's (a twin's loan, a sandbox handle's transaction). */
    int sandbox;
    union {
        lg_copy_partner partner;
        lg_api_key key;
        lg_position position;
        lg_loan loan;
        lg_copy_link link;
        lg_repayment repayment;
        lg_deposit deposit;
        lg_ledger_entry ledger;
        lg_copy_usage usage;
        lg_chain_tx tx;
        lg_copy_nonce nonce;
        lg_event event;
        lg_event_attempt attempt;
        lg_api_log api_log;
        lg_admin_audit audit;
        lg_copy_lease lease;
        lg_copy_cursor cursor;
        lg_copy_journal journal;
        lg_copy_rate rate;
        lg_copy_replay replay;
    } u;
} lg_copy_record;

/* An export hands over at most this many records at once, all of one table. */
#define LG_COPY_BATCH 64

/* Where an export sends its records (recs[0..n), n >= 1); an error stops it. */
typedef lg_err (*lg_copy_sink)(void *ctx, const lg_copy_record *recs, size_t n);

/* ------------------------------------------------------------ census */

#define LG_CENSUS_SUMS 6

/* One table: its rows and the exact sums of its money columns (text amounts too). */
typedef struct lg_census_row {
    uint64_t rows;
    lg_u256 sums[LG_CENSUS_SUMS];
} lg_census_row;

typedef struct lg_census {
    lg_census_row t[LG_COPY__COUNT];
} lg_census;

/* The table's name ("partners"); "" out of range. */
const char *lg_copy_table_name(lg_copy_table t);

/* The name of the i-th summed column of t ("outstanding"), NULL past the last. */
const char *lg_copy_sum_name(lg_copy_table t, size_t i);

/* For backends: counts r in c and adds its summed columns (a text amount that is not
 * a decimal uint256 counts as 0). Returns LG_OK, LG_ERR_OVERFLOW, LG_ERR_INVALID. */
lg_err lg_store_census_add(lg_census *c, const lg_copy_record *r);

/*
 * The census of st: rows and sums of every table. Out: *out.
 * Returns LG_ERR_UNSUPPORTED (the backend has none), or the store's errors.
 */
lg_err lg_store_census(lg_store *st, lg_census *out);

/* What lg_store_copy saw. */
typedef struct lg_store_copy_report {
    lg_census source; /* before the copy */
    lg_census target; /* after it (before it, when the target was refused) */
    uint64_t copied;  /* records imported */
    /* The first difference, or the table that made the target refuse: table and the
     * summed column (-1: the row count). */
    int bad_table;
    int bad_sum;
    char message[256]; /* why it failed, "" on success; no value of a secret field */
} lg_store_copy_report;

/*
 * Copies every table of src into dst: refuses a dst whose census is not all zeros
 * (LG_ERR_CONFLICT), exports src into dst in batches, then compares the censuses of
 * both (LG_ERR_STATE on any difference: report names the table and column). A copy
 * that fails after it started leaves dst partly written: empty it before trying again.
 * Writers of src must be stopped meanwhile (a change during the copy shows as a
 * difference). Out: *report (may be NULL).
 * Returns LG_OK, LG_ERR_CONFLICT (dst not empty, or a key of a record exists in
 * dst), LG_ERR_STATE, LG_ERR_UNSUPPORTED (src cannot export or dst cannot import), or
 * the stores' errors.
 */
lg_err lg_store_copy(lg_store *src, lg_store *dst, lg_store_copy_report *report);

#endif
