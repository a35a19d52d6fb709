/* fuzz_bson_map.c - libFuzzer target: stored MongoDB documents (mongo_map.h), as the
 * backend reads them from a database other hosts and tools also write. The bytes are
 * taken as one BSON document; a valid one goes to every record's decoder. A document
 * is refused or decoded whole: every text field of a decoded record is terminated
 * within its field, and the record encodes again and decodes to the same bytes. */
#include "config.h"

#include "fuzz_common.h"
#include "mongo_map.h"

#include <lendgate/log.h>

#include <stdint.h>
#include <string.h>

/* Decodes doc as one record; when it fits, re-encodes and compares. */
#define TRY(name, type)                                                                            \
    do {                                                                                           \
        static type r, again;                                                                      \
        if (lg_mongo_##name##_from_bson(doc, &r) == LG_OK) {                                       \
            bson_t out = BSON_INITIALIZER;                                                         \
            check(lg_mongo_##name##_to_bson(&r, &out) == LG_OK);                                   \
            check(lg_mongo_##name##_from_bson(&out, &again) == LG_OK);                             \
            check(memcmp(&r, &again, sizeof r) == 0);                                              \
            bson_destroy(&out);                                                                    \
        } else {                                                                                   \
            static const type zero;                                                                \
            check(memcmp(&r, &zero, sizeof r) == 0);                                               \
        }                                                                                          \
    } while (0);

static void decode_all(const bson_t *doc)
{
    LG_MONGO_RECORDS(TRY)
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int quiet;
    if (!quiet) {
        lg_log_set_level(LG_LOG_OFF); /* refusals are logged by design */
        quiet = 1;
    }
    bson_t doc;
    if (!bson_init_static(&doc, data, size))
        return 0;
    size_t offset = 0;
    if (!bson_validate(&doc, BSON_VALIDATE_UTF8 | BSON_VALIDATE_UTF8_ALLOW_NULL, &offset))
        return 0;
    decode_all(&doc);
    return 0;
}
