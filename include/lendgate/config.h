/*
 * config.h - lendgate's configuration: an INI file (libinih) checked against one
 * schema of every known [section] key, with its type, default and range.
 *
 * Loading validates every value, so the typed getters below cannot fail: they return
 * the value of a known key, and NULL/0 only for a key the schema does not have (a
 * programming error). Unknown sections and keys, a key given twice and values of the
 * wrong shape are all errors, reported as one line:
 *   /etc/lendgate.conf:12: [chain] chain_id: 'abc' is not a whole number
 *   LENDGATE_STORE_BUSY_TIMEOUT_MS: [store] busy_timeout_ms: 0 is below the minimum 1
 * Values of secret keys ([store] mongodb_uri, [chain] rpc_url) are never echoed.
 *
 * A file line is at most 198 characters; a longer value goes in an environment
 * variable LENDGATE_<SECTION>_<KEY>, which overrides that one key.
 */
#ifndef LENDGATE_CONFIG_H
#define LENDGATE_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include <lendgate/error.h>

typedef struct lg_config lg_config;

/*
 * Loads the configuration: the file path, else $LENDGATE_CONFIG, else
 * LG_PKGSYSCONFDIR "/lendgate.conf" (the installed $(sysconfdir)/lendgate/lendgate.conf);
 * keys missing from it keep their defaults. Then
 * every set variable LENDGATE_<SECTION>_<KEY> (uppercase) replaces that key.
 * On LG_OK *out is a new configuration the caller frees with lg_config_free();
 * otherwise *out is NULL and err (when not NULL) holds one line naming the file and
 * line or the variable, the key and the problem.
 * Returns LG_OK, LG_ERR_INVALID (NULL out), LG_ERR_IO (file missing or unreadable),
 * LG_ERR_CONFIG (syntax, unknown section or key, key given twice, bad value),
 * LG_ERR_NOMEM.
 */
lg_err lg_config_load(const char *path, lg_config **out, char *err, size_t errlen);

/* Makes a configuration holding the defaults only: no file, no environment (tests,
 * tools). The caller frees *out with lg_config_free().
 * Returns LG_OK, LG_ERR_INVALID (NULL out), LG_ERR_NOMEM. */
lg_err lg_config_defaults(lg_config **out);

/* Frees cfg and wipes every string value first (they may hold secrets). NULL is fine. */
void lg_config_free(lg_config *cfg);

/* The value of a key of any type as text, owned by cfg and valid until the key is
 * set again or cfg is freed: strings as given, numbers in decimal, booleans as
 * "true"/"false", lists and csv as "a,b,c". NULL only for an unknown key. */
const char *lg_config_str(const lg_config *cfg, const char *section, const char *key);

/* The value of a u64 key; 0 for an unknown key or a key of another type. */
uint64_t lg_config_u64(const lg_config *cfg, const char *section, const char *key);

/* 1 or 0 for a bool key; 0 for an unknown key or a key of another type. */
int lg_config_bool(const lg_config *cfg, const char *section, const char *key);

/* The items of a list key (owned by cfg) with their number in *count; NULL with
 * *count 0 for an empty list, an unknown key or a key of another type. */
const uint64_t *lg_config_list(const lg_config *cfg, const char *section, const char *key,
                               size_t *count);

/* Number of items of a csv key; 0 for an unknown key or a key of another type. */
size_t lg_config_csv_count(const lg_config *cfg, const char *section, const char *key);

/* Item i of a csv key (owned by cfg), NULL when i is out of range. */
const char *lg_config_csv_item(const lg_config *cfg, const char *section, const char *key,
                               size_t i);

/* 1 when word is one of the items of a csv key (exact, case-sensitive match), else 0. */
int lg_config_csv_has(const lg_config *cfg, const char *section, const char *key, const char *word);

/*
 * The sandbox's configuration: a copy of cfg whose [chain] rpc_url, chain_id,
 * oaid_address, vault_address, usdc_address and platform_key_file are [sandbox]'s.
 * Only for a cfg with a [sandbox] rpc_url (lg_config_has_sandbox).
 * Out: *out, owned by the caller (lg_config_free). Returns LG_OK, LG_ERR_INVALID,
 * LG_ERR_NOMEM, LG_ERR_CONFIG ([sandbox] has no rpc_url).
 */
lg_err lg_config_sandbox(const lg_config *cfg, lg_config **out);

/* Whether cfg sets the sandbox up ([sandbox] rpc_url). */
int lg_config_has_sandbox(const lg_config *cfg);

/* The path the configuration was loaded from, "" for lg_config_defaults(). */
const char *lg_config_file(const lg_config *cfg);

/* Replaces one key with value, validated exactly as a file value (tests, command-line
 * flags). On failure cfg is unchanged and err holds "[section] key: problem".
 * Returns LG_OK, LG_ERR_INVALID (NULL argument), LG_ERR_CONFIG (unknown key, bad
 * value), LG_ERR_NOMEM. */
lg_err lg_config_set(lg_config *cfg, const char *section, const char *key, const char *value,
                     char *err, size_t errlen);

/* Number of keys in the schema, and the name and default (as text) of key i, all
 * static. lg_config_schema_at returns LG_OK, LG_ERR_INVALID (i out of range or a
 * NULL pointer). Lets tests hold the documented example to the schema. */
size_t lg_config_schema_count(void);
lg_err lg_config_schema_at(size_t i, const char **section, const char **key,
                           const char **default_value);

#endif
