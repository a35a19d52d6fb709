/*
 * journal.h - the line format of the audit journal.
 *
 * Every answered partner call's partner_api_logs row is appended by its responder to
 * a journal file of its own, as one line, with one write(2) (service/journal.c), and
 * moved into the store in batches later. A line is tab-separated fields, the first
 * the format tag "L1"; in text fields a backslash, tab, newline or carriage return is
 * written as \\, \t, \n or \r, so a line never holds a raw tab or newline of a value:
 *
 *   L1 created_at_ms key_id status_code duration_ms success partner_id request_id
 *      route method client_ip user_agent payload error_message wallet oaid loan_id
 *
 * A line is decoded only when it is whole (its '\n' was written last, by the same
 * write as the rest); a line that does not decode (a file torn by a power cut) is
 * refused as a whole, never half-read.
 */
#ifndef LENDGATE_JOURNAL_H
#define LENDGATE_JOURNAL_H

#include <stddef.h>

#include <lendgate/error.h>
#include <lendgate/model.h>

/* Room for the longest line: every text byte escaped to two, the numbers, the tabs
 * and the '\n'. */
#define LG_JOURNAL_LINE_MAX (2 * sizeof(lg_api_log) + 256)

/* Writes row as one line ending in '\n' into buf (not NUL-terminated). Returns its
 * length, or 0 when buf is too small or row is NULL. */
size_t lg_journal_encode(char *buf, size_t cap, const lg_api_log *row);

/* Reads the line (len bytes, without its '\n'; need not be NUL-terminated) into
 * *row (spool_id and partner_name ""; id 0). Returns LG_OK, LG_ERR_INVALID (not a
 * line of this format: a field missing or too many, a number out of range, an
 * unknown escape, a NUL byte, a value longer than its field). */
lg_err lg_journal_decode(const char *line, size_t len, lg_api_log *row);

#endif
