/*
 * mongo_lib.h - libmongoc, loaded when the first mongodb store is opened.
 *
 * Debian builds libmongoc with automatic initialization: a program merely linked
 * against it runs mongoc_init() before main(), which (among other things) creates a
 * shared-memory counters file /dev/shm/mongoc-<pid> that only a clean exit removes.
 * Every responder the web server kills would leave one behind, and every SQLite-only
 * process would pay for a library it never uses. So no program links libmongoc: the
 * backend dlopen()s it on first use, after setting MONGOC_DISABLE_SHM=1, which
 * libmongoc reads in that initialization (counters then live in ordinary memory).
 * libbson, which has no such initialization, is linked normally and shared with it.
 *
 * lg_mongoc is NULL until lg_mongoc_load() succeeded; then every function below is
 * reached as lg_mongoc->name(...).
 */
#ifndef LENDGATE_STORE_MONGO_LIB_H
#define LENDGATE_STORE_MONGO_LIB_H

#include <mongoc/mongoc.h>

#include <lendgate/error.h>

#define LG_MONGOC_FUNCS(X)                                                                         \
    X(mongoc_init)                                                                                 \
    X(mongoc_log_set_handler)                                                                      \
    X(mongoc_cleanup)                                                                              \
    X(mongoc_uri_new_with_error)                                                                   \
    X(mongoc_uri_destroy)                                                                          \
    X(mongoc_uri_set_option_as_int32)                                                              \
    X(mongoc_uri_set_option_as_bool)                                                               \
    X(mongoc_uri_set_write_concern)                                                                \
    X(mongoc_uri_set_read_concern)                                                                 \
    X(mongoc_client_new_from_uri)                                                                  \
    X(mongoc_client_destroy)                                                                       \
    X(mongoc_client_reset)                                                                         \
    X(mongoc_client_set_error_api)                                                                 \
    X(mongoc_client_set_appname)                                                                   \
    X(mongoc_client_command_simple)                                                                \
    X(mongoc_client_get_collection)                                                                \
    X(mongoc_client_get_database)                                                                  \
    X(mongoc_client_start_session)                                                                 \
    X(mongoc_client_session_destroy)                                                               \
    X(mongoc_client_session_append)                                                                \
    X(mongoc_client_session_with_transaction)                                                      \
    X(mongoc_database_destroy)                                                                     \
    X(mongoc_database_command_simple)                                                              \
    X(mongoc_collection_destroy)                                                                   \
    X(mongoc_collection_insert_one)                                                                \
    X(mongoc_collection_insert_many)                                                               \
    X(mongoc_collection_update_one)                                                                \
    X(mongoc_collection_update_many)                                                               \
    X(mongoc_collection_delete_one)                                                                \
    X(mongoc_collection_find_with_opts)                                                            \
    X(mongoc_collection_count_documents)                                                           \
    X(mongoc_collection_find_and_modify_with_opts)                                                 \
    X(mongoc_cursor_next)                                                                          \
    X(mongoc_cursor_error)                                                                         \
    X(mongoc_cursor_error_document)                                                                \
    X(mongoc_cursor_destroy)                                                                       \
    X(mongoc_find_and_modify_opts_new)                                                             \
    X(mongoc_find_and_modify_opts_destroy)                                                         \
    X(mongoc_find_and_modify_opts_set_update)                                                      \
    X(mongoc_find_and_modify_opts_set_flags)                                                       \
    X(mongoc_find_and_modify_opts_append)                                                          \
    X(mongoc_write_concern_new)                                                                    \
    X(mongoc_write_concern_destroy)                                                                \
    X(mongoc_write_concern_set_w)                                                                  \
    X(mongoc_write_concern_set_wtimeout_int64)                                                     \
    X(mongoc_read_concern_new)                                                                     \
    X(mongoc_read_concern_destroy)                                                                 \
    X(mongoc_read_concern_set_level)                                                               \
    X(mongoc_read_prefs_new)                                                                       \
    X(mongoc_read_prefs_destroy)                                                                   \
    X(mongoc_transaction_opts_new)                                                                 \
    X(mongoc_transaction_opts_destroy)                                                             \
    X(mongoc_transaction_opts_set_read_concern)                                                    \
    X(mongoc_transaction_opts_set_write_concern)                                                   \
    X(mongoc_transaction_opts_set_read_prefs)

#define LG_MONGOC_MEMBER(name) __typeof__(name) *name;
typedef struct lg_mongoc_api {
    LG_MONGOC_FUNCS(LG_MONGOC_MEMBER)
} lg_mongoc_api;
#undef LG_MONGOC_MEMBER

extern const lg_mongoc_api *lg_mongoc;

/*
 * Loads libmongoc (once per process; later calls return the first outcome) with
 * MONGOC_DISABLE_SHM=1 set before its initialization runs, and calls mongoc_init().
 * Returns LG_OK, LG_ERR_UNSUPPORTED (the library or one of its functions is missing:
 * logged with the loader's message).
 */
lg_err lg_mongoc_load(void);

#ifdef LG_TEST_HOOKS
/* Test builds only: api (static storage) stands in for libmongoc from now on, as if
 * lg_mongoc_load had loaded it, so the backend runs without a server or a library;
 * NULL goes back to "not loaded". */
void lg_mongoc_use(const lg_mongoc_api *api);
#endif

#endif
