/* json_input.c - strict JSON bodies: one object, bounded, no repeated keys. */
#include "config.h"

#include <lendgate/json_input.h>

#include <ctype.h>
#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* lg_json_safe_name for name[0..len), which may hold NUL bytes. */
static void safe_name_n(char *out, size_t cap, const char *name, size_t len)
{
    if (!out || cap == 0)
        return;
    size_t o = 0, k = 0;
    for (; name && k < len && o + 1 < cap; k++) {
        unsigned char c = (unsigned char)name[k];
        out[o++] = (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') ? (char)c : '?';
    }
    if (name && k < len && cap > 4) {
        memcpy(out + cap - 4, "...", 3);
        o = cap - 1;
    }
    out[o] = '\0';
}

void lg_json_safe_name(char *out, size_t cap, const char *name)
{
    safe_name_n(out, cap, name, name ? strlen(name) : 0);
}

int lg_json_name_is(const char *k, const char *name)
{
    if (!k || !name)
        return 0;
    size_t n = strlen(name);
    return strnlen(k, n + 1) == n && memcmp(k, name, n) == 0;
}

/* One decoded key, kept only for comparison: by length and bytes, never as a C
 * string, so that "a" and "a\u0000" stay two names. */
typedef struct key_buf {
    char *text;
    size_t len;
} key_buf;

/* Frame of an open object: its keys so far. Arrays push a frame with is_obj 0. */
typedef struct frame {
    int is_obj;
    int want_key;
    key_buf *keys;
    size_t nkeys;
} frame;

static void put_utf8(char *out, size_t *o, uint32_t cp)
{
    if (cp < 0x80) {
        out[(*o)++] = (char)cp;
    } else if (cp < 0x800) {
        out[(*o)++] = (char)(0xc0 | (cp >> 6));
        out[(*o)++] = (char)(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        out[(*o)++] = (char)(0xe0 | (cp >> 12));
        out[(*o)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[(*o)++] = (char)(0x80 | (cp & 0x3f));
    } else {
        out[(*o)++] = (char)(0xf0 | (cp >> 18));
        out[(*o)++] = (char)(0x80 | ((cp >> 12) & 0x3f));
        out[(*o)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[(*o)++] = (char)(0x80 | (cp & 0x3f));
    }
}

static uint32_t hex4(const char *p)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v = v * 16 + (uint32_t)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
    }
    return v;
}

/*
 * Decodes the string starting after the opening quote at text[*i] into a new buffer
 * (the text is valid JSON, so escapes are well formed). Leaves *i on the closing
 * quote. Returns NULL on allocation failure.
 */
static char *decode_string(const char *text, size_t len, size_t *i, size_t *outlen)
{
    size_t start = *i, end = start;
    while (end < len && text[end] != '"')
        end += text[end] == '\\' ? 2 : 1;
    if (end > len)
        end = len;
    char *out = malloc(end - start + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t k = start; k < end; k++) {
        if (text[k] != '\\' || k + 1 >= end) {
            out[o++] = text[k];
            continue;
        }
        char e = text[++k];
        if (e != 'u' || k + 4 >= end) {
            static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
            const char *f = e ? strchr(from, e) : NULL;
            out[o++] = f ? to[f - from] : e;
            continue;
        }
        uint32_t cp = hex4(text + k + 1);
        k += 4;
        if (cp >= 0xd800 && cp < 0xdc00 && k + 6 < end && text[k + 1] == '\\' &&
            text[k + 2] == 'u') {
            uint32_t lo = hex4(text + k + 3);
            if (lo >= 0xdc00 && lo < 0xe000) {
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                k += 6;
            }
        }
        /* Every escape is at least 6 bytes long and decodes to at most 4. */
        put_utf8(out, &o, cp);
    }
    out[o] = '\0';
    *outlen = o;
    *i = end;
    return out;
}

static void free_frame(frame *f)
{
    for (size_t k = 0; k < f->nkeys; k++)
        free(f->keys[k].text);
    free(f->keys);
    f->keys = NULL;
    f->nkeys = 0;
}

/* Adds a key to the frame; 1 when it was there already, -1 on allocation failure. */
static int add_key(frame *f, char *text, size_t len)
{
    for (size_t k = 0; k < f->nkeys; k++) {
        if (f->keys[k].len == len && memcmp(f->keys[k].text, text, len) == 0)
            return 1;
    }
    key_buf *nk = realloc(f->keys, (f->nkeys + 1) * sizeof *nk);
    if (!nk)
        return -1;
    f->keys = nk;
    f->keys[f->nkeys].text = text;
    f->keys[f->nkeys].len = len;
    f->nkeys++;
    return 0;
}

int lg_json_find_duplicate(const char *text, size_t len, char *key, size_t keylen)
{
    frame stack[LG_JSON_MAX_DEPTH + 2];
    int depth = 0, found = 0;
    if (!text)
        return 0;
    for (size_t i = 0; i < len && !found; i++) {
        char c = text[i];
        if (c == '{' || c == '[') {
            if (depth >= (int)(sizeof stack / sizeof *stack))
                break;
            stack[depth++] = (frame){.is_obj = c == '{', .want_key = c == '{'};
        } else if (c == '}' || c == ']') {
            if (depth > 0)
                free_frame(&stack[--depth]);
        } else if (c == ',') {
            if (depth > 0 && stack[depth - 1].is_obj)
                stack[depth - 1].want_key = 1;
        } else if (c == '"') {
            i++;
            frame *f = depth > 0 ? &stack[depth - 1] : NULL;
            if (!f || !f->is_obj || !f->want_key) {
                while (i < len && text[i] != '"')
                    i += text[i] == '\\' ? 2 : 1;
                continue;
            }
            size_t klen = 0;
            char *k = decode_string(text, len, &i, &klen);
            f->want_key = 0;
            int dup = k ? add_key(f, k, klen) : -1;
            if (dup != 0) {
                if (dup == 1 && key)
                    safe_name_n(key, keylen, k, klen);
                free(k);
                found = dup;
            }
        }
    }
    while (depth > 0)
        free_frame(&stack[--depth]);
    return found;
}

/*
 * An RFC 8259 syntax check of our own: json-c's strict mode still takes single
 * quotes, NaN and raw control characters in strings. Bounded recursion (depth).
 */
typedef struct scan {
    const char *t;
    size_t len, i;
    int depth, max_depth, too_deep, bad_name;
} scan;

static void skip_ws(scan *s)
{
    while (s->i < s->len &&
           (s->t[s->i] == ' ' || s->t[s->i] == '\t' || s->t[s->i] == '\n' || s->t[s->i] == '\r'))
        s->i++;
}

static int is_digit(scan *s)
{
    return s->i < s->len && s->t[s->i] >= '0' && s->t[s->i] <= '9';
}

static int digits(scan *s)
{
    if (!is_digit(s))
        return 0;
    while (is_digit(s))
        s->i++;
    return 1;
}

static int scan_number(scan *s)
{
    if (s->t[s->i] == '-')
        s->i++;
    if (s->i < s->len && s->t[s->i] == '0')
        s->i++;
    else if (!digits(s))
        return 0;
    if (s->i < s->len && s->t[s->i] == '.') {
        s->i++;
        if (!digits(s))
            return 0;
    }
    if (s->i < s->len && (s->t[s->i] == 'e' || s->t[s->i] == 'E')) {
        s->i++;
        if (s->i < s->len && (s->t[s->i] == '+' || s->t[s->i] == '-'))
            s->i++;
        if (!digits(s))
            return 0;
    }
    return 1;
}

/*
 * A string; when it is a member name (is_name), also no control character in it,
 * raw or escaped (U+0000..U+001F, U+007F): json-c keeps names as C strings, so
 * "amount\u0000" would reach every field check as "amount" and take the place of
 * the real one, past the duplicate and unknown-field checks. s->bad_name says so.
 */
static int scan_string(scan *s, int is_name)
{
    s->i++; /* the opening quote */
    while (s->i < s->len) {
        unsigned char c = (unsigned char)s->t[s->i++];
        if (c == '"')
            return 1;
        if (c < 0x20 || (is_name && c == 0x7f)) {
            s->bad_name = is_name;
            return 0;
        }
        if (c != '\\')
            continue;
        if (s->i >= s->len)
            return 0;
        c = (unsigned char)s->t[s->i++];
        if (c == 'u') {
            for (int k = 0; k < 4; k++, s->i++)
                if (s->i >= s->len || !isxdigit((unsigned char)s->t[s->i]))
                    return 0;
            uint32_t cp = hex4(s->t + s->i - 4);
            if (is_name && (cp < 0x20 || cp == 0x7f)) {
                s->bad_name = 1;
                return 0;
            }
        } else if (!strchr("\"\\/bfnrt", c) || c == '\0') {
            return 0;
        } else if (is_name && strchr("bfnrt", c)) {
            s->bad_name = 1;
            return 0;
        }
    }
    return 0;
}

static int scan_word(scan *s, const char *w)
{
    size_t n = strlen(w);
    if (s->len - s->i < n || memcmp(s->t + s->i, w, n) != 0)
        return 0;
    s->i += n;
    return 1;
}

static int scan_value(scan *s);

/* Object or array after its opening bracket; close is '}' or ']'. */
static int scan_container(scan *s, char close)
{
    if (++s->depth > s->max_depth) {
        s->too_deep = 1;
        return 0;
    }
    s->i++;
    skip_ws(s);
    if (s->i < s->len && s->t[s->i] == close) {
        s->i++;
        s->depth--;
        return 1;
    }
    for (;;) {
        skip_ws(s);
        if (close == '}') {
            if (s->i >= s->len || s->t[s->i] != '"' || !scan_string(s, 1))
                return 0;
            skip_ws(s);
            if (s->i >= s->len || s->t[s->i++] != ':')
                return 0;
        }
        if (!scan_value(s))
            return 0;
        skip_ws(s);
        if (s->i >= s->len)
            return 0;
        char c = s->t[s->i++];
        if (c == close) {
            s->depth--;
            return 1;
        }
        if (c != ',')
            return 0;
    }
}

static int scan_value(scan *s)
{
    skip_ws(s);
    if (s->i >= s->len)
        return 0;
    char c = s->t[s->i];
    if (c == '{' || c == '[')
        return scan_container(s, c == '{' ? '}' : ']');
    if (c == '"')
        return scan_string(s, 0);
    if (c == '-' || (c >= '0' && c <= '9'))
        return scan_number(s);
    return scan_word(s, "true") || scan_word(s, "false") || scan_word(s, "null");
}

enum { WHY_SYNTAX, WHY_DEPTH, WHY_NAME };

/* 1 when text is one JSON value and nothing else; *at is where it failed, *why
 * what failed when it was not the syntax alone. */
static int syntax_ok(const char *text, size_t len, int max_depth, size_t *at, int *why)
{
    scan s = {.t = text, .len = len, .max_depth = max_depth};
    int ok = scan_value(&s);
    skip_ws(&s);
    *at = s.i;
    *why = s.too_deep ? WHY_DEPTH : s.bad_name ? WHY_NAME : WHY_SYNTAX;
    return ok && s.i == len;
}

lg_err lg_json_parse_object(const char *body, size_t len, int max_depth, struct json_object **out,
                            char *msg, size_t msglen)
{
    if (!out || !msg || msglen == 0)
        return LG_ERR_INVALID;
    *out = NULL;
    if (!body || len == 0 || len > (size_t)INT32_MAX) {
        snprintf(msg, msglen, "body: a JSON object is required");
        return LG_ERR_INVALID;
    }
    if (max_depth < 1 || max_depth > LG_JSON_MAX_DEPTH)
        max_depth = LG_JSON_MAX_DEPTH;
    size_t at = 0;
    int why = WHY_SYNTAX;
    if (!syntax_ok(body, len, max_depth, &at, &why)) {
        if (why == WHY_DEPTH)
            snprintf(msg, msglen, "body: JSON nested deeper than %d levels", max_depth);
        else if (why == WHY_NAME)
            snprintf(msg, msglen, "body: invalid member name: control character near byte %zu", at);
        else
            snprintf(msg, msglen, "body: invalid JSON near byte %zu", at);
        return LG_ERR_INVALID;
    }
    struct json_tokener *tok = json_tokener_new_ex(max_depth + 1);
    if (!tok)
        return LG_ERR_NOMEM;
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    struct json_object *obj = json_tokener_parse_ex(tok, body, (int)len);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    size_t used = json_tokener_get_parse_end(tok);
    json_tokener_free(tok);
    if (!obj || jerr != json_tokener_success || used != len) {
        json_object_put(obj);
        snprintf(msg, msglen, "body: invalid JSON (%s) near byte %zu",
                 jerr == json_tokener_error_depth ? "too deep" : "bad UTF-8", used);
        return LG_ERR_INVALID;
    }
    if (!json_object_is_type(obj, json_type_object)) {
        json_object_put(obj);
        snprintf(msg, msglen, "body: must be a JSON object");
        return LG_ERR_INVALID;
    }
    char key[72];
    int dup = lg_json_find_duplicate(body, len, key, sizeof key);
    if (dup != 0) {
        json_object_put(obj);
        if (dup < 0) {
            snprintf(msg, msglen, "out of memory");
            return LG_ERR_NOMEM;
        }
        snprintf(msg, msglen, "%s: key given more than once", key);
        return LG_ERR_INVALID;
    }
    *out = obj;
    return LG_OK;
}

lg_err lg_json_take(struct json_object *obj, const lg_json_field *fields, size_t n,
                    struct json_object **values, char *msg, size_t msglen)
{
    if (!obj || !fields || !values || !msg || msglen == 0)
        return LG_ERR_INVALID;
    char name[72];
    for (size_t i = 0; i < n; i++)
        values[i] = NULL;
    if (json_object_object_length(obj) > LG_JSON_MAX_KEYS) {
        snprintf(msg, msglen, "body: more than %d fields", LG_JSON_MAX_KEYS);
        return LG_ERR_INVALID;
    }
    /* k is a C string (json-c keeps no length for a name): it is whole only because
     * lg_json_parse_object refused every name with a NUL or another control
     * character before json-c cut it there. */
    json_object_object_foreach(obj, k, v)
    {
        size_t i = 0;
        while (i < n && !lg_json_name_is(k, fields[i].name))
            i++;
        if (i == n) {
            lg_json_safe_name(name, sizeof name, k);
            snprintf(msg, msglen, "%s: unknown field", name);
            return LG_ERR_INVALID;
        }
        values[i] = v;
    }
    for (size_t i = 0; i < n; i++) {
        if (fields[i].required && !values[i]) {
            snprintf(msg, msglen, "%s: is required", fields[i].name);
            return LG_ERR_INVALID;
        }
    }
    return LG_OK;
}

lg_err lg_json_string(const char *field, struct json_object *v, const char **out, char *msg,
                      size_t msglen)
{
    *out = NULL;
    if (!json_object_is_type(v, json_type_string)) {
        snprintf(msg, msglen, "%s: must be a string", field);
        return LG_ERR_INVALID;
    }
    const char *s = json_object_get_string(v);
    if ((size_t)json_object_get_string_len(v) != strlen(s)) {
        snprintf(msg, msglen, "%s: contains a NUL character", field);
        return LG_ERR_INVALID;
    }
    *out = s;
    return LG_OK;
}

lg_err lg_json_take_strings(struct json_object *obj, const lg_json_field *fields, size_t n,
                            const char **values, char *msg, size_t msglen)
{
    struct json_object *v[LG_JSON_MAX_KEYS];
    if (!values || n > LG_JSON_MAX_KEYS)
        return LG_ERR_INVALID;
    lg_err rc = lg_json_take(obj, fields, n, v, msg, msglen);
    for (size_t i = 0; i < n; i++) {
        values[i] = NULL;
        if (rc == LG_OK && v[i])
            rc = lg_json_string(fields[i].name, v[i], &values[i], msg, msglen);
    }
    return rc;
}

/* ------------------------------------------------------------ canonical form */

typedef struct canon {
    char *out;
    size_t cap, len;
    int max_depth;
} canon;

static int canon_put(canon *c, const char *text, size_t n)
{
    if (n >= c->cap - c->len)
        return -1;
    memcpy(c->out + c->len, text, n);
    c->len += n;
    c->out[c->len] = '\0';
    return 0;
}

/* A scalar as json-c spells it: strings escaped, numbers as parsed. */
static int canon_scalar(canon *c, struct json_object *v)
{
    const char *t =
        json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    return t ? canon_put(c, t, strlen(t)) : -1;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int canon_value(canon *c, struct json_object *v, int depth);

static int canon_object(canon *c, struct json_object *v, int depth)
{
    const char *names[LG_JSON_MAX_KEYS];
    size_t n = 0;
    json_object_object_foreach(v, k, unused)
    {
        (void)unused;
        if (n == LG_JSON_MAX_KEYS)
            return -1;
        names[n++] = k;
    }
    qsort(names, n, sizeof *names, cmp_names);
    if (canon_put(c, "{", 1) != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        struct json_object *key = json_object_new_string(names[i]);
        int rc = !key || (i && canon_put(c, ",", 1) != 0) || canon_scalar(c, key) != 0 ||
                         canon_put(c, ":", 1) != 0
                     ? -1
                     : 0;
        json_object_put(key);
        if (rc == 0)
            rc = canon_value(c, json_object_object_get(v, names[i]), depth + 1);
        if (rc != 0)
            return rc;
    }
    return canon_put(c, "}", 1);
}

static int canon_value(canon *c, struct json_object *v, int depth)
{
    if (depth > c->max_depth)
        return -2;
    if (json_object_is_type(v, json_type_object))
        return canon_object(c, v, depth);
    if (!json_object_is_type(v, json_type_array))
        return canon_scalar(c, v);
    if (canon_put(c, "[", 1) != 0)
        return -1;
    size_t n = json_object_array_length(v);
    for (size_t i = 0; i < n; i++) {
        int rc = i ? canon_put(c, ",", 1) : 0;
        if (rc == 0)
            rc = canon_value(c, json_object_array_get_idx(v, i), depth + 1);
        if (rc != 0)
            return rc;
    }
    return canon_put(c, "]", 1);
}

lg_err lg_json_canonical(struct json_object *v, int max_depth, char *out, size_t cap)
{
    if (!out || cap == 0)
        return LG_ERR_INVALID;
    out[0] = '\0';
    canon c = {out, cap, 0, max_depth};
    int rc = canon_value(&c, v, 1);
    if (rc == 0)
        return LG_OK;
    out[0] = '\0';
    return rc == -2 ? LG_ERR_INVALID : LG_ERR_OVERFLOW;
}
