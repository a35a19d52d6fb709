/*
 * failmalloc.h - allocation-failure runs (as nghttp2's failmalloc tests do them):
 * an operation is run once counting its allocations (N), then once for each i of
 * 1..N with the i-th allocation failing, once for each i with every allocation from
 * the i-th on failing, then normally once more.
 *
 * Two sources of allocations can be made to fail, one at a time:
 *   AF_LG      lendgate's own calls of malloc, calloc, realloc, strdup and strndup.
 *              The program is linked with -Wl,--wrap for each of them and for free
 *              (tests/unit/local.mk), so those call sites in liblendgate.a, the
 *              harness and the tests go through failmalloc.c, which hands them on
 *              to the real allocator (ASan's in a sanitizer build) unless told to
 *              fail. The wrapped free lets failmalloc.c count the blocks still live.
 *   AF_SQLITE  SQLite's allocator, replaced with sqlite3_config(SQLITE_CONFIG_MALLOC)
 *              by a pass-through that can fail: the store's error paths are mostly
 *              SQLite calls failing for want of memory.
 * Allocations inside the other shared libraries (json-c, OpenSSL, libcurl, libinih,
 * libc's own) are not wrapped and never fail here. The tests' own calls are wrapped
 * as well: a run must not allocate, or its allocations count as lendgate's.
 */
#ifndef LENDGATE_TEST_FAILMALLOC_H
#define LENDGATE_TEST_FAILMALLOC_H

#include <lendgate/error.h>

enum { AF_LG = 0, AF_SQLITE = 1, AF__SOURCES = 2 };

/* Installs the SQLite allocator and initializes SQLite, so that SQLite's one-time
 * set-up is never counted. Call once, first thing in main. Returns 0, -1. */
int af_init(void);

/* Counting stops while an operation checks its own results, and starts again. */
void af_pause(void);
void af_resume(void);

/*
 * One operation. Each run goes: before (not counted), run (counted, maybe with a
 * failure), after (not counted). Every block lendgate allocates during the three
 * must be freed by the end of after, so before may open what after closes.
 *   run    returns the operation's code; it checks what the operation handed out
 *          against a normal run's (a wrong result after LG_OK is a failure it
 *          records itself) and releases it.
 *   after  gets run's code and whether the planned failure happened; it checks the
 *          state the operation left behind and that a normal call still works.
 * normal is what a normal run returns. Under a failure the run must return normal
 * (the allocation was not needed for it), LG_ERR_NOMEM, or for AF_SQLITE also
 * LG_ERR_STORE (store.h's "any other backend failure": SQLite may report a failure
 * of memory as another error).
 */
typedef struct af_op {
    const char *name;
    void *ctx;
    void (*before)(void *ctx);
    lg_err (*run)(void *ctx);
    void (*after)(void *ctx, lg_err rc, int failed);
    lg_err normal;
} af_op;

/* Runs op as above and prints one line with its counts and time. */
void af_drive(const af_op *op);

/* Records a test failure at file:line with a message naming the operation. */
void af_check(int ok, const char *file, unsigned line, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
#define AF_CHECK(cond) af_check((cond) != 0, __FILE__, __LINE__, "%s does not hold", #cond)

#endif
