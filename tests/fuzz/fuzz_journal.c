/* fuzz_journal.c - libFuzzer target: audit journal lines (journal.h), as the ingester
 * reads them from files every responder of the host writes and a crash may have torn.
 * A line either decodes whole or is refused; a decoded row encodes again into one
 * line within LG_JOURNAL_LINE_MAX that holds no raw newline and decodes to the same
 * row; and that line is the encoder's own (encoding it again gives the same bytes). */
#include "config.h"

#include "fuzz_common.h"

#include <lendgate/journal.h>

#include <stdint.h>
#include <string.h>

static void check_same(const lg_api_log *a, const lg_api_log *b)
{
    check(a->created_at_ms == b->created_at_ms);
    check(a->key_id == b->key_id);
    check(a->status_code == b->status_code);
    check(a->duration_ms == b->duration_ms);
    check(a->success == b->success);
#define SAME(f) check(strcmp(a->f, b->f) == 0)
    SAME(partner_id);
    SAME(request_id);
    SAME(route);
    SAME(method);
    SAME(client_ip);
    SAME(user_agent);
    SAME(payload);
    SAME(error_message);
    SAME(wallet);
    SAME(oaid);
    SAME(loan_id);
    SAME(partner_name);
    SAME(spool_id);
#undef SAME
}

/* Every text field of a decoded row is terminated within its field. */
static void check_terminated(const lg_api_log *r)
{
#define TERM(f) check(memchr(r->f, '\0', sizeof r->f) != NULL)
    TERM(partner_id);
    TERM(request_id);
    TERM(route);
    TERM(method);
    TERM(client_ip);
    TERM(user_agent);
    TERM(payload);
    TERM(error_message);
    TERM(wallet);
    TERM(oaid);
    TERM(loan_id);
#undef TERM
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static lg_api_log row, again;
    static char line[LG_JOURNAL_LINE_MAX], line2[LG_JOURNAL_LINE_MAX];
    if (lg_journal_decode((const char *)data, size, &row) != LG_OK)
        return 0;
    check_terminated(&row);
    check(row.created_at_ms >= 1 && row.key_id >= 0);
    check(row.status_code >= 100 && row.status_code <= 599);
    check(row.success == 0 || row.success == 1);
    check(row.id == 0 && row.partner_name[0] == '\0' && row.spool_id[0] == '\0');

    size_t n = lg_journal_encode(line, sizeof line, &row);
    check(n > 0 && n <= sizeof line);
    check(line[n - 1] == '\n' && memchr(line, '\n', n - 1) == NULL);
    check(memchr(line, '\0', n) == NULL);
    check(lg_journal_decode(line, n - 1, &again) == LG_OK);
    check_same(&row, &again);

    size_t n2 = lg_journal_encode(line2, sizeof line2, &again);
    check(n2 == n && memcmp(line, line2, n) == 0);
    return 0;
}
