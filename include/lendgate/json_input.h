/*
 * json_input.h - strict JSON request bodies.
 *
 * A body is accepted only when it is one JSON object in valid UTF-8 with no
 * unescaped control characters, no trailing bytes, nesting at most max_depth deep,
 * no member name holding a control character (U+0000..U+001F or U+007F, raw or
 * escaped: json-c keeps names as C strings and would cut "amount\u0000" to
 * "amount"), and no key given twice in any object (json-c silently keeps the last
 * copy of a repeated key, so repeated keys are found by a scan of our own before
 * json-c sees the text). Then lg_json_take_strings() holds the members to a field
 * list: every member must be a known field and a string, every required field
 * present.
 *
 * Messages name the field and the problem ("amount: must be a string"); names from
 * the body are shown as printable ASCII only and cut.
 */
#ifndef LENDGATE_JSON_INPUT_H
#define LENDGATE_JSON_INPUT_H

#include <stddef.h>

#include <lendgate/error.h>

struct json_object;

#define LG_JSON_MAX_DEPTH 32
#define LG_JSON_MAX_KEYS  64 /* members in one object */

/*
 * Parses body[0..len) strictly as above.
 * Out: *out, a new JSON object the caller releases with json_object_put().
 * On failure *out is NULL and msg (msglen bytes) holds the reason.
 * Returns LG_OK, LG_ERR_INVALID (not acceptable: the message says why),
 * LG_ERR_NOMEM.
 */
lg_err lg_json_parse_object(const char *body, size_t len, int max_depth, struct json_object **out,
                            char *msg, size_t msglen);

/*
 * Finds a repeated key: 1 when some object of the JSON text text[0..len) (which
 * json-c has accepted) has a key twice, with the key (printable, cut) in key;
 * 0 when none; -1 when memory ran out before the text was read through (then
 * nothing is known: a caller must not take it as 0). Keys are compared after unescaping, so "a" and
 * "\u0061" are the same, and by their decoded length and bytes, so "a" and "a\u0000" are not.
 */
int lg_json_find_duplicate(const char *text, size_t len, char *key, size_t keylen);

typedef struct lg_json_field {
    const char *name;
    int required;
} lg_json_field;

/*
 * Takes the string members of obj against fields[0..n): values[i] receives the
 * string of fields[i] (borrowed from obj) or NULL when absent.
 * Members are matched to fields with lg_json_name_is (see there why obj must come
 * from lg_json_parse_object).
 * Returns LG_OK, LG_ERR_INVALID with msg naming the field (unknown field, not a
 * string, required and missing, an embedded NUL).
 */
lg_err lg_json_take_strings(struct json_object *obj, const lg_json_field *fields, size_t n,
                            const char **values, char *msg, size_t msglen);

/*
 * lg_json_take_strings for members of any type: values[i] receives the member of
 * fields[i] (borrowed from obj) or NULL when absent; the caller checks the types.
 * Returns LG_OK, LG_ERR_INVALID with msg naming the field (unknown, required and
 * missing).
 */
lg_err lg_json_take(struct json_object *obj, const lg_json_field *fields, size_t n,
                    struct json_object **values, char *msg, size_t msglen);

/* *out = the string v holds (borrowed). Returns LG_OK, LG_ERR_INVALID with msg naming
 * field (not a string, an embedded NUL). */
lg_err lg_json_string(const char *field, struct json_object *v, const char **out, char *msg,
                      size_t msglen);

/*
 * Writes v as canonical JSON into out (cap bytes): object members sorted by name,
 * no insignificant space, scalars as json-c spells them, so two bodies that mean the
 * same give the same text (idempotency hashes, stored metadata). v must come from
 * lg_json_parse_object (no NUL in a name, at most LG_JSON_MAX_KEYS members).
 * Returns LG_OK, LG_ERR_INVALID (nested deeper than max_depth, the top being 1),
 * LG_ERR_OVERFLOW (does not fit cap).
 */
lg_err lg_json_canonical(struct json_object *v, int max_depth, char *out, size_t cap);

/*
 * 1 when the member name k, as json-c hands it out, is name: the same length and
 * the same bytes. json-c keeps member names as C strings (the key of an lh_entry
 * has no length of its own), so a name with a NUL in it would arrive here already
 * cut short, "amount\u0000" as "amount", and no comparison made afterwards could
 * tell the two apart. What makes comparing names sound is lg_json_parse_object's
 * refusal of every name with a control character before json-c reads the text:
 * give the field checks only objects that came from it.
 */
int lg_json_name_is(const char *k, const char *name);

/* Writes name as printable ASCII (others as '?'), cut to cap - 1, into out. */
void lg_json_safe_name(char *out, size_t cap, const char *name);

#endif
