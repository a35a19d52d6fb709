/*
 * mongo_lib.c - loads libmongoc on first use (mongo_lib.h says why it is never
 * linked).
 */
#include "config.h"

#include "mongo_lib.h"

#include <lendgate/log.h>

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

static lg_mongoc_api api;
const lg_mongoc_api *lg_mongoc;
static int tried;
static lg_err outcome = LG_ERR_UNSUPPORTED;

static void cleanup_at_exit(void)
{
    /* Frees libmongoc's globals, so leak checkers see only what lendgate kept. */
    lg_mongoc->mongoc_cleanup();
}

/* libmongoc's own messages go to lendgate's log, not to the responder's stderr. */
static void log_handler(mongoc_log_level_t level, const char *domain, const char *message,
                        void *ctx)
{
    (void)ctx;
    lg_log_level to = level <= MONGOC_LOG_LEVEL_ERROR     ? LG_LOG_ERROR
                      : level == MONGOC_LOG_LEVEL_WARNING ? LG_LOG_WARN
                                                          : LG_LOG_DEBUG;
    lg_log(to, "store.mongoc", "%s: %s", domain ? domain : "mongoc", message ? message : "");
}

static lg_err resolve(void *h)
{
#define LG_MONGOC_RESOLVE(name)                                                                    \
    do {                                                                                           \
        void *sym = dlsym(h, #name);                                                               \
        if (!sym) {                                                                                \
            lg_error("store.mongo", "%s lacks %s: libmongoc 1.23 or later is needed",              \
                     LG_MONGOC_SONAME, #name);                                                     \
            return LG_ERR_UNSUPPORTED;                                                             \
        }                                                                                          \
        memcpy(&api.name, &sym, sizeof sym);                                                       \
    } while (0);
    LG_MONGOC_FUNCS(LG_MONGOC_RESOLVE)
#undef LG_MONGOC_RESOLVE
    return LG_OK;
}

#ifdef LG_TEST_HOOKS
void lg_mongoc_use(const lg_mongoc_api *fake)
{
    lg_mongoc = fake;
    tried = fake != NULL;
    outcome = fake ? LG_OK : LG_ERR_UNSUPPORTED;
}
#endif

lg_err lg_mongoc_load(void)
{
    if (tried)
        return outcome;
    tried = 1;
    /* Before dlopen: libmongoc's automatic initialization reads it while loading. */
    if (setenv("MONGOC_DISABLE_SHM", "1", 1) != 0)
        return outcome;
    void *h = dlopen(LG_MONGOC_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *why = dlerror();
        lg_error("store.mongo", "cannot load %s (apt-get install libmongoc-1.0-0): %s",
                 LG_MONGOC_SONAME, why ? why : "unknown error");
        return outcome;
    }
    if (resolve(h) != LG_OK)
        return outcome; /* h stays loaded: a library is never unloaded under its users */
    lg_mongoc = &api;
    lg_mongoc->mongoc_log_set_handler(log_handler, NULL);
    lg_mongoc->mongoc_init();
    atexit(cleanup_at_exit);
    outcome = LG_OK;
    return outcome;
}
