/* rpc.c - JSON-RPC 2.0 client for the chain node (libcurl, one keep-alive handle). */
#include "config.h"

#include <lendgate/hex.h>
#include <lendgate/keccak.h>
#include <lendgate/log.h>
#include <lendgate/rpc.h>
#include <lendgate/time.h>

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define JSON_MAX_DEPTH   64
#define BACKOFF_FIRST_MS 50
#define BACKOFF_MAX_MS   1000

typedef struct body_buf {
    char *p;
    size_t len;
    size_t cap;
    size_t max;
    int too_big;
} body_buf;

struct lg_rpc {
    CURL *curl;
    struct curl_slist *headers;
    char *url;
    lg_rpc_opts opts;
    pid_t owner;
    int64_t next_id;
    long connections;
    body_buf body;
    lg_rpc_error last;
    char curl_err[CURL_ERROR_SIZE];
    int64_t deadline_cap; /* lg_rpc_set_deadline's monotonic bound, 0 for none */
    lg_rpc_observer_fn observer;
    void *observer_ctx;
};

/* ------------------------------------------------------------------ errors */

void lg_rpc_error_clear(lg_rpc_error *e)
{
    if (e)
        memset(e, 0, sizeof *e);
}

const char *lg_rpc_error_text(const lg_rpc_error *e)
{
    if (!e || e->err == LG_OK)
        return "";
    if (e->has_revert && e->revert.message[0])
        return e->revert.message;
    return e->message;
}

/* Node messages are shown to operators and partners: keep them printable and short. */
static void copy_printable(char *dst, size_t cap, const char *src)
{
    size_t i = 0;
    for (; src && src[i] && i + 1 < cap; i++) {
        unsigned char c = (unsigned char)src[i];
        dst[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    dst[i] = '\0';
}

static lg_err set_err(lg_rpc_error *e, lg_err err, const char *fmt, ...) LG_PRINTF(3, 4);

static lg_err set_err(lg_rpc_error *e, lg_err err, const char *fmt, ...)
{
    if (!e)
        return err;
    char msg[LG_RPC_MSG_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    lg_rpc_error_clear(e);
    e->err = err;
    copy_printable(e->message, sizeof e->message, msg);
    return err;
}

static int contains_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; hay && *hay; hay++) {
        size_t i = 0;
        while (i < n && hay[i] && tolower((unsigned char)hay[i]) == needle[i])
            i++;
        if (i == n)
            return 1;
    }
    return 0;
}

/* ---------------------------------------------------------- value parsing */

lg_err lg_rpc_quantity_u64(uint64_t *out, const char *text)
{
    if (!out)
        return LG_ERR_INVALID;
    *out = 0;
    lg_u256 v;
    lg_err err = lg_u256_from_quantity(&v, text);
    if (err == LG_OK)
        err = lg_u256_to_u64(out, &v);
    return err;
}

lg_err lg_rpc_data_decode(uint8_t **out, size_t *len, const char *text, size_t max)
{
    if (!out || !len || !text)
        return LG_ERR_INVALID;
    *out = NULL;
    *len = 0;
    if (strncmp(text, "0x", 2) != 0)
        return LG_ERR_INVALID;
    size_t digits = strlen(text + 2);
    if (digits % 2)
        return LG_ERR_INVALID;
    if (digits / 2 > max)
        return LG_ERR_OVERFLOW;
    uint8_t *buf = malloc(digits / 2 ? digits / 2 : 1);
    if (!buf)
        return LG_ERR_NOMEM;
    lg_err err = lg_hex_decode(buf, digits / 2, len, text, digits + 2, LG_HEX_0X);
    if (err != LG_OK) {
        free(buf);
        return err;
    }
    *out = buf;
    return LG_OK;
}

static const char *member_str(const json_object *obj, const char *key)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

/* 1 when obj has key with a non-null value. */
static int member_set(const json_object *obj, const char *key)
{
    json_object *v = NULL;
    return json_object_object_get_ex(obj, key, &v) && v != NULL;
}

static lg_err member_u64(const json_object *obj, const char *key, uint64_t *out)
{
    const char *s = member_str(obj, key);
    return s && lg_rpc_quantity_u64(out, s) == LG_OK ? LG_OK : LG_ERR_RPC;
}

static lg_err fixed_bytes(uint8_t *out, size_t len, const char *text)
{
    return text && lg_hex_decode_fixed(out, len, text, LG_HEX_0X) == LG_OK ? LG_OK : LG_ERR_RPC;
}

static lg_err member_fixed(const json_object *obj, const char *key, uint8_t *out, size_t len)
{
    return fixed_bytes(out, len, member_str(obj, key));
}

/* ------------------------------------------------------- response parsing */

/* The revert data of an error object: error.data as a string (geth), or
 * error.data.data (Hardhat, some providers). */
static const char *revert_data_text(const json_object *eo)
{
    json_object *d = NULL;
    if (!json_object_object_get_ex(eo, "data", &d) || !d)
        return NULL;
    if (json_object_is_type(d, json_type_string))
        return json_object_get_string(d);
    if (json_object_is_type(d, json_type_object))
        return member_str(d, "data");
    return NULL;
}

static void take_revert_data(lg_rpc_error *e, const char *text)
{
    if (!text || strncmp(text, "0x", 2) != 0)
        return;
    size_t n = 0;
    if (lg_hex_decode(e->data, sizeof e->data, &n, text, strlen(text), LG_HEX_0X) != LG_OK)
        return;
    e->has_data = 1;
    e->data_len = n;
}

static lg_err parse_error_object(const json_object *eo, lg_rpc_error *e)
{
    json_object *code = NULL;
    const char *msg = member_str(eo, "message");
    if (!json_object_is_type(eo, json_type_object) ||
        !json_object_object_get_ex(eo, "code", &code) ||
        !json_object_is_type(code, json_type_int) || !msg)
        return set_err(e, LG_ERR_RPC, "malformed error object in the node's response");
    lg_rpc_error_clear(e);
    e->from_node = 1;
    e->code = json_object_get_int64(code);
    copy_printable(e->message, sizeof e->message, msg);
    take_revert_data(e, revert_data_text(eo));
    int reverted = (e->has_data && e->data_len >= LG_ABI_SELECTOR_LEN) ||
                   contains_ci(msg, "execution reverted") ||
                   (e->has_data && contains_ci(msg, "revert"));
    e->err = reverted ? LG_ERR_REVERTED : LG_ERR_RPC;
    if (reverted && e->has_data && lg_abi_decode_revert(&e->revert, e->data, e->data_len) == LG_OK)
        e->has_revert = 1;
    return e->err;
}

static lg_err parse_json(json_object **root, const char *body, size_t len, lg_rpc_error *e)
{
    *root = NULL;
    if (len > INT32_MAX)
        return set_err(e, LG_ERR_RPC, "response too large to parse");
    json_tokener *tok = json_tokener_new_ex(JSON_MAX_DEPTH);
    if (!tok)
        return set_err(e, LG_ERR_NOMEM, "out of memory parsing the response");
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_ALLOW_TRAILING_CHARS);
    json_object *obj = json_tokener_parse_ex(tok, body, (int)len);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    size_t end = json_tokener_get_parse_end(tok);
    json_tokener_free(tok);
    if (!obj || jerr != json_tokener_success) {
        json_object_put(obj);
        return set_err(e, LG_ERR_RPC, "response is not valid JSON");
    }
    for (; end < len; end++) {
        if (!isspace((unsigned char)body[end])) {
            json_object_put(obj);
            return set_err(e, LG_ERR_RPC, "response has bytes after the JSON value");
        }
    }
    *root = obj;
    return LG_OK;
}

/* Checks the envelope; *res and *eo borrow from root. */
static lg_err check_envelope(json_object *root, int64_t want_id, json_object **res,
                             json_object **eo, lg_rpc_error *e)
{
    json_object *id = NULL;
    if (!json_object_is_type(root, json_type_object))
        return set_err(e, LG_ERR_RPC, "response is not a JSON object");
    const char *version = member_str(root, "jsonrpc");
    if (!version || strcmp(version, "2.0") != 0)
        return set_err(e, LG_ERR_RPC, "response is not JSON-RPC 2.0");
    int has_res = json_object_object_get_ex(root, "result", res);
    /* "error": null next to a result is how some servers say "no error". */
    int has_err = json_object_object_get_ex(root, "error", eo) && *eo != NULL;
    if (has_res == has_err)
        return set_err(e, LG_ERR_RPC, "response must have exactly one of result and error");
    if (!json_object_object_get_ex(root, "id", &id))
        return set_err(e, LG_ERR_RPC, "response has no id");
    /* A node that could not read the request answers an error with id null. */
    if (!(has_err && id == NULL) &&
        (!json_object_is_type(id, json_type_int) || json_object_get_int64(id) != want_id))
        return set_err(e, LG_ERR_RPC, "response id does not match the request");
    return LG_OK;
}

lg_err lg_rpc_parse_response(const char *body, size_t len, int64_t want_id,
                             struct json_object **result, lg_rpc_error *err)
{
    if (!result)
        return set_err(err, LG_ERR_INVALID, "no result pointer");
    *result = NULL;
    if (!body)
        return set_err(err, LG_ERR_INVALID, "no response body");
    json_object *root = NULL, *res = NULL, *eo = NULL;
    lg_err rc = parse_json(&root, body, len, err);
    if (rc == LG_OK)
        rc = check_envelope(root, want_id, &res, &eo, err);
    if (rc == LG_OK && eo)
        rc = parse_error_object(eo, err);
    else if (rc == LG_OK && err)
        lg_rpc_error_clear(err);
    if (rc == LG_OK)
        *result = json_object_get(res);
    json_object_put(root);
    return rc;
}

/* ------------------------------------------------------ receipts and logs */

void lg_eth_logs_free(lg_eth_log *logs, size_t n)
{
    if (!logs)
        return;
    for (size_t i = 0; i < n; i++)
        free(logs[i].data);
    free(logs);
}

void lg_receipt_release(lg_receipt *r)
{
    if (!r)
        return;
    lg_eth_logs_free(r->logs, r->nlogs);
    memset(r, 0, sizeof *r);
}

static lg_err parse_topics(lg_eth_log *out, const json_object *obj)
{
    json_object *t = NULL;
    if (!json_object_object_get_ex(obj, "topics", &t) || !json_object_is_type(t, json_type_array))
        return LG_ERR_RPC;
    size_t n = json_object_array_length(t);
    if (n > LG_RPC_MAX_TOPICS)
        return LG_ERR_RPC;
    for (size_t i = 0; i < n; i++) {
        json_object *ti = json_object_array_get_idx(t, i);
        if (!json_object_is_type(ti, json_type_string) ||
            fixed_bytes(out->topics[i], 32, json_object_get_string(ti)) != LG_OK)
            return LG_ERR_RPC;
    }
    out->ntopics = n;
    return LG_OK;
}

/* Optional quantity: absent or null leaves *out 0 (a pending log has no block). */
static lg_err optional_u64(const json_object *obj, const char *key, uint64_t *out)
{
    return member_set(obj, key) ? member_u64(obj, key, out) : LG_OK;
}

static lg_err parse_log_fields(lg_eth_log *out, const json_object *obj)
{
    const char *data = member_str(obj, "data");
    if (!json_object_is_type(obj, json_type_object) ||
        member_fixed(obj, "address", out->address, LG_ADDRESS_LEN) != LG_OK ||
        parse_topics(out, obj) != LG_OK || !data)
        return LG_ERR_RPC;
    if (optional_u64(obj, "blockNumber", &out->block_number) != LG_OK ||
        optional_u64(obj, "logIndex", &out->log_index) != LG_OK)
        return LG_ERR_RPC;
    if (member_set(obj, "transactionHash") &&
        member_fixed(obj, "transactionHash", out->tx_hash, LG_RPC_HASH_LEN) != LG_OK)
        return LG_ERR_RPC;
    lg_err err = lg_rpc_data_decode(&out->data, &out->data_len, data, SIZE_MAX / 2);
    return err == LG_ERR_NOMEM ? err : (err == LG_OK ? LG_OK : LG_ERR_RPC);
}

lg_err lg_rpc_parse_log(lg_eth_log *out, const struct json_object *obj)
{
    if (!out || !obj)
        return LG_ERR_INVALID;
    memset(out, 0, sizeof *out);
    lg_err err = parse_log_fields(out, obj);
    if (err != LG_OK) {
        free(out->data);
        memset(out, 0, sizeof *out);
    }
    return err;
}

/* Parses a JSON array of logs into a new array. */
static lg_err parse_log_array(lg_eth_log **logs, size_t *n, const json_object *arr)
{
    *logs = NULL;
    *n = 0;
    if (!json_object_is_type(arr, json_type_array))
        return LG_ERR_RPC;
    size_t count = json_object_array_length(arr);
    if (count == 0)
        return LG_OK;
    lg_eth_log *v = calloc(count, sizeof *v);
    if (!v)
        return LG_ERR_NOMEM;
    for (size_t i = 0; i < count; i++) {
        lg_err err = lg_rpc_parse_log(&v[i], json_object_array_get_idx(arr, i));
        if (err != LG_OK) {
            lg_eth_logs_free(v, i);
            return err;
        }
    }
    *logs = v;
    *n = count;
    return LG_OK;
}

static lg_err parse_receipt_fields(lg_receipt *out, const json_object *obj)
{
    uint64_t status = 0;
    json_object *logs = NULL;
    if (member_fixed(obj, "transactionHash", out->tx_hash, LG_RPC_HASH_LEN) != LG_OK ||
        member_u64(obj, "blockNumber", &out->block_number) != LG_OK ||
        member_u64(obj, "status", &status) != LG_OK || status > 1 ||
        member_u64(obj, "gasUsed", &out->gas_used) != LG_OK ||
        optional_u64(obj, "effectiveGasPrice", &out->effective_gas_price) != LG_OK)
        return LG_ERR_RPC;
    out->status = (int)status;
    if (member_set(obj, "from") && member_fixed(obj, "from", out->from, LG_ADDRESS_LEN) != LG_OK)
        return LG_ERR_RPC;
    if (member_set(obj, "to")) {
        if (member_fixed(obj, "to", out->to, LG_ADDRESS_LEN) != LG_OK)
            return LG_ERR_RPC;
        out->has_to = 1;
    }
    if (!json_object_object_get_ex(obj, "logs", &logs))
        return LG_ERR_RPC;
    return parse_log_array(&out->logs, &out->nlogs, logs);
}

lg_err lg_rpc_parse_receipt(lg_receipt *out, const struct json_object *result)
{
    if (!out)
        return LG_ERR_INVALID;
    memset(out, 0, sizeof *out);
    if (!result)
        return LG_ERR_NOT_FOUND;
    if (!json_object_is_type(result, json_type_object))
        return LG_ERR_RPC;
    lg_err err = parse_receipt_fields(out, result);
    if (err != LG_OK)
        lg_receipt_release(out);
    return err;
}

/* --------------------------------------------------------------- transport */

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    body_buf *b = userdata;
    size_t n = size * nmemb;
    if (n > b->max - b->len) {
        b->too_big = 1;
        return 0;
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p)
            return 0;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, ptr, n);
    b->len += n;
    b->p[b->len] = '\0';
    return n;
}

static lg_err setup_curl(lg_rpc *rpc)
{
    CURL *c = rpc->curl;
    rpc->headers = curl_slist_append(NULL, "Content-Type: application/json");
    if (rpc->headers)
        rpc->headers = curl_slist_append(rpc->headers, "Expect:");
    if (!rpc->headers)
        return LG_ERR_NOMEM;
    CURLcode rc = curl_easy_setopt(c, CURLOPT_URL, rpc->url);
#if LIBCURL_VERSION_NUM >= 0x075500
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
#else
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    if (rc != CURLE_OK)
        return LG_ERR_CONFIG;
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, rpc->headers);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &rpc->body);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, rpc->curl_err);
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)rpc->body.max);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "lendgate/" PACKAGE_VERSION);
    return LG_OK;
}

lg_err lg_rpc_open(lg_rpc **out, const lg_rpc_opts *opts)
{
    if (!out)
        return LG_ERR_INVALID;
    *out = NULL;
    if (!opts || !opts->url || !opts->url[0] || !opts->connect_timeout_ms ||
        !opts->request_timeout_ms)
        return LG_ERR_INVALID;
    if (strncmp(opts->url, "http://", 7) != 0 && strncmp(opts->url, "https://", 8) != 0)
        return LG_ERR_CONFIG;
    lg_rpc *rpc = calloc(1, sizeof *rpc);
    if (!rpc)
        return LG_ERR_NOMEM;
    rpc->opts = *opts;
    rpc->body.max = opts->max_response ? opts->max_response : LG_RPC_MAX_RESPONSE;
    rpc->url = strdup(opts->url);
    rpc->opts.url = rpc->url;
    rpc->curl = curl_easy_init();
    rpc->owner = getpid();
    rpc->next_id = 1;
    lg_err err = rpc->url && rpc->curl ? setup_curl(rpc) : LG_ERR_NOMEM;
    if (err != LG_OK) {
        lg_rpc_close(rpc);
        return err;
    }
    *out = rpc;
    return LG_OK;
}

lg_err lg_rpc_open_config(lg_rpc **out, const lg_config *cfg)
{
    if (!out || !cfg)
        return LG_ERR_INVALID;
    lg_rpc_opts o = {
        .url = lg_config_str(cfg, "chain", "rpc_url"),
        .connect_timeout_ms = lg_config_u64(cfg, "chain", "connect_timeout_ms"),
        .request_timeout_ms = lg_config_u64(cfg, "chain", "request_timeout_ms"),
        .retries = (unsigned)lg_config_u64(cfg, "chain", "rpc_retries"),
    };
    return lg_rpc_open(out, &o);
}

void lg_rpc_close(lg_rpc *rpc)
{
    if (!rpc)
        return;
    if (rpc->curl)
        curl_easy_cleanup(rpc->curl);
    curl_slist_free_all(rpc->headers);
    if (rpc->url) {
        /* The URL may carry a provider's key. */
        memset(rpc->url, 0, strlen(rpc->url));
        free(rpc->url);
    }
    free(rpc->body.p);
    free(rpc);
}

const lg_rpc_error *lg_rpc_last_error(const lg_rpc *rpc)
{
    return rpc ? &rpc->last : NULL;
}

void lg_rpc_set_deadline(lg_rpc *rpc, int64_t mono_ms)
{
    if (rpc)
        rpc->deadline_cap = mono_ms > 0 ? mono_ms : 0;
}

lg_err lg_rpc_fail(lg_rpc *rpc, lg_err err, const char *fmt, ...)
{
    if (!rpc || !fmt)
        return err;
    char msg[LG_RPC_MSG_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return set_err(&rpc->last, err, "%s", msg);
}

long lg_rpc_connections(const lg_rpc *rpc)
{
    return rpc ? rpc->connections : 0;
}

static void sleep_ms(int64_t ms)
{
    if (ms <= 0)
        return;
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Failures where the request cannot have been answered and a retry may reach the node. */
static int transient(CURLcode cc, long status)
{
    if (cc == CURLE_OK)
        return status == 429 || status == 502 || status == 503 || status == 504;
    return cc == CURLE_COULDNT_CONNECT || cc == CURLE_COULDNT_RESOLVE_HOST ||
           cc == CURLE_GOT_NOTHING || cc == CURLE_SEND_ERROR || cc == CURLE_RECV_ERROR;
}

static lg_err curl_failure(lg_rpc *rpc, CURLcode cc, uint64_t budget_ms)
{
    lg_rpc_error *e = &rpc->last;
    const char *why = rpc->curl_err[0] ? rpc->curl_err : curl_easy_strerror(cc);
    switch (cc) {
    case CURLE_OPERATION_TIMEDOUT:
        return set_err(e, LG_ERR_TIMEOUT, "chain node did not answer within %" PRIu64 " ms",
                       budget_ms);
    case CURLE_WRITE_ERROR:
    case CURLE_FILESIZE_EXCEEDED:
        if (rpc->body.too_big || cc == CURLE_FILESIZE_EXCEEDED)
            return set_err(e, LG_ERR_RPC, "response from the chain node exceeds %zu bytes",
                           rpc->body.max);
        return set_err(e, LG_ERR_NOMEM, "out of memory reading the response");
    case CURLE_OUT_OF_MEMORY:
        return set_err(e, LG_ERR_NOMEM, "out of memory in libcurl");
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
        return set_err(e, LG_ERR_CONFIG, "bad [chain] rpc_url");
    default:
        return set_err(e, LG_ERR_IO, "chain node unreachable: %s", why);
    }
}

/* One POST within the time left until deadline (monotonic ms). */
static CURLcode post_once(lg_rpc *rpc, const char *req, int64_t deadline, long *status)
{
    int64_t left = deadline - lg_time_mono_ms();
    if (left < 1)
        left = 1;
    int64_t conn =
        (int64_t)rpc->opts.connect_timeout_ms < left ? (int64_t)rpc->opts.connect_timeout_ms : left;
    rpc->body.len = 0;
    rpc->body.too_big = 0;
    rpc->curl_err[0] = '\0';
    curl_easy_setopt(rpc->curl, CURLOPT_POSTFIELDS, req);
    curl_easy_setopt(rpc->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(req));
    curl_easy_setopt(rpc->curl, CURLOPT_TIMEOUT_MS, (long)left);
    curl_easy_setopt(rpc->curl, CURLOPT_CONNECTTIMEOUT_MS, (long)conn);
    CURLcode cc = curl_easy_perform(rpc->curl);
    long nconn = 0;
    if (curl_easy_getinfo(rpc->curl, CURLINFO_NUM_CONNECTS, &nconn) == CURLE_OK)
        rpc->connections += nconn;
    *status = 0;
    curl_easy_getinfo(rpc->curl, CURLINFO_RESPONSE_CODE, status);
    return cc;
}

/* Posts req until an answer, a final failure, or the deadline; retries only when safe. */
static lg_err post(lg_rpc *rpc, const char *method, const char *req, int safe, int64_t deadline,
                   long *status)
{
    uint64_t budget = (uint64_t)(deadline - lg_time_mono_ms());
    int64_t backoff = BACKOFF_FIRST_MS;
    for (unsigned attempt = 0;; attempt++) {
        if (deadline - lg_time_mono_ms() <= 0)
            return set_err(&rpc->last, LG_ERR_TIMEOUT,
                           "chain node did not answer within %" PRIu64 " ms", budget);
        CURLcode cc = post_once(rpc, req, deadline, status);
        int again = safe && attempt < rpc->opts.retries && transient(cc, *status) &&
                    lg_time_mono_ms() + backoff < deadline;
        if (!again) {
            if (cc != CURLE_OK)
                return curl_failure(rpc, cc, budget);
            return LG_OK;
        }
        lg_warn("rpc.retry", "%s attempt %u failed (%s, http %ld); retrying in %" PRId64 " ms",
                method, attempt + 1, curl_easy_strerror(cc), *status, backoff);
        sleep_ms(backoff);
        backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
    }
}

static char *build_request(int64_t id, const char *method, json_object *params)
{
    json_object *req = json_object_new_object();
    if (!req)
        return NULL;
    json_object_object_add(req, "jsonrpc", json_object_new_string("2.0"));
    json_object_object_add(req, "id", json_object_new_int64(id));
    json_object_object_add(req, "method", json_object_new_string(method));
    json_object_object_add(req, "params", json_object_get(params));
    const char *text = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
    char *copy = text ? strdup(text) : NULL;
    json_object_put(req);
    return copy;
}

/*
 * Calls method with params (consumed: the reference is dropped here) within the
 * earlier of the request deadline and cap (0: none). *result as lg_rpc_parse_response.
 */
static lg_err call_once(lg_rpc *rpc, const char *method, json_object *params, int safe, int64_t cap,
                        json_object **result);

/* call_once, told to the observer. */
static lg_err call_until(lg_rpc *rpc, const char *method, json_object *params, int safe,
                         int64_t cap, json_object **result)
{
    int64_t start = lg_time_mono_us();
    lg_err err = call_once(rpc, method, params, safe, cap, result);
    if (rpc->observer)
        rpc->observer(rpc->observer_ctx, method, err, lg_time_mono_us() - start);
    return err;
}

static lg_err call_once(lg_rpc *rpc, const char *method, json_object *params, int safe, int64_t cap,
                        json_object **result)
{
    *result = NULL;
    lg_rpc_error_clear(&rpc->last);
    if (getpid() != rpc->owner) {
        json_object_put(params);
        return set_err(&rpc->last, LG_ERR_STATE, "rpc handle used in a forked process");
    }
    if (!params) /* an allocation in the caller failed */
        return set_err(&rpc->last, LG_ERR_NOMEM, "out of memory building the request");
    int64_t id = rpc->next_id++;
    char *req = build_request(id, method, params);
    json_object_put(params);
    if (!req)
        return set_err(&rpc->last, LG_ERR_NOMEM, "out of memory building the request");
    int64_t deadline = lg_time_mono_ms() + (int64_t)rpc->opts.request_timeout_ms;
    if (rpc->deadline_cap && rpc->deadline_cap < deadline)
        deadline = rpc->deadline_cap;
    if (cap && cap < deadline)
        deadline = cap;
    long status = 0;
    lg_err err = post(rpc, method, req, safe, deadline, &status);
    free(req);
    if (err != LG_OK)
        return err;
    err = lg_rpc_parse_response(rpc->body.p ? rpc->body.p : "", rpc->body.len, id, result,
                                &rpc->last);
    if (err == LG_ERR_RPC && !rpc->last.from_node && status != 200)
        return set_err(&rpc->last, LG_ERR_RPC, "chain node answered HTTP %ld to %s", status,
                       method);
    return err;
}

static lg_err call(lg_rpc *rpc, const char *method, json_object *params, int safe,
                   json_object **result)
{
    return call_until(rpc, method, params, safe, 0, result);
}

void lg_rpc_set_observer(lg_rpc *rpc, lg_rpc_observer_fn fn, void *ctx)
{
    if (!rpc)
        return;
    rpc->observer = fn;
    rpc->observer_ctx = ctx;
}

/* A malformed result: the node answered, but not what the method promises. */
static lg_err bad_result(lg_rpc *rpc, const char *method)
{
    return set_err(&rpc->last, LG_ERR_RPC, "malformed result of %s", method);
}

/* ------------------------------------------------------- request building */

/* Appends v to arr, dropping v when arr is NULL; returns arr or NULL on failure. */
static json_object *push(json_object *arr, json_object *v)
{
    if (!arr || !v || json_object_array_add(arr, v) != 0) {
        json_object_put(v);
        json_object_put(arr);
        return NULL;
    }
    return arr;
}

static json_object *hex_json(const uint8_t *p, size_t len)
{
    if (len > (SIZE_MAX - 3) / 2)
        return NULL;
    size_t cap = LG_HEX_TEXT_LEN(len, LG_HEX_0X);
    char *text = malloc(cap);
    if (!text)
        return NULL;
    json_object *v = NULL;
    if (lg_hex_encode(text, cap, p, len, LG_HEX_0X) == LG_OK)
        v = json_object_new_string(text);
    free(text);
    return v;
}

static json_object *address_json(const uint8_t addr[LG_ADDRESS_LEN])
{
    char text[LG_ADDRESS_TEXT_LEN];
    if (lg_address_format_lower(text, sizeof text, addr) != LG_OK)
        return NULL;
    return json_object_new_string(text);
}

static json_object *quantity_json(uint64_t v)
{
    char text[24];
    snprintf(text, sizeof text, "0x%" PRIx64, v);
    return json_object_new_string(text);
}

static json_object *block_json(uint64_t block)
{
    return block == LG_BLOCK_LATEST ? json_object_new_string("latest") : quantity_json(block);
}

/* Adds key: v to obj; on failure drops obj and returns NULL. */
static json_object *put(json_object *obj, const char *key, json_object *v)
{
    if (!obj || !v || json_object_object_add(obj, key, v) != 0) {
        json_object_put(v);
        json_object_put(obj);
        return NULL;
    }
    return obj;
}

static json_object *call_object(const lg_rpc_call_args *a)
{
    json_object *o = json_object_new_object();
    if (a->from)
        o = put(o, "from", address_json(a->from));
    o = put(o, "to", address_json(a->to));
    if (a->value && !lg_u256_is_zero(a->value)) {
        char q[LG_U256_HEX_LEN];
        lg_u256_to_quantity(q, sizeof q, a->value);
        o = put(o, "value", json_object_new_string(q));
    }
    return put(o, "data", hex_json(a->data, a->data_len));
}

static int call_args_ok(const lg_rpc_call_args *a)
{
    return a && a->to && (a->data || a->data_len == 0);
}

/* ------------------------------------------------------------------ methods */

static lg_err call_u64(lg_rpc *rpc, const char *method, json_object *params, uint64_t *out)
{
    json_object *res = NULL;
    lg_err err = call(rpc, method, params, 1, &res);
    if (err == LG_OK && (!json_object_is_type(res, json_type_string) ||
                         lg_rpc_quantity_u64(out, json_object_get_string(res)) != LG_OK))
        err = bad_result(rpc, method);
    json_object_put(res);
    return err;
}

lg_err lg_rpc_chain_id(lg_rpc *rpc, uint64_t *chain_id)
{
    if (!rpc || !chain_id)
        return LG_ERR_INVALID;
    return call_u64(rpc, "eth_chainId", json_object_new_array(), chain_id);
}

lg_err lg_rpc_check_chain(lg_rpc *rpc, uint64_t want)
{
    uint64_t got = 0;
    lg_err err = lg_rpc_chain_id(rpc, &got);
    if (err != LG_OK)
        return err;
    if (got != want)
        return set_err(&rpc->last, LG_ERR_CONFIG,
                       "chain node serves chain id %" PRIu64 ", [chain] chain_id is %" PRIu64, got,
                       want);
    return LG_OK;
}

lg_err lg_rpc_block_number(lg_rpc *rpc, uint64_t *number)
{
    if (!rpc || !number)
        return LG_ERR_INVALID;
    return call_u64(rpc, "eth_blockNumber", json_object_new_array(), number);
}

lg_err lg_rpc_eth_call(lg_rpc *rpc, uint8_t **out, size_t *out_len, const lg_rpc_call_args *args,
                       uint64_t block)
{
    if (out)
        *out = NULL;
    if (out_len)
        *out_len = 0;
    if (!rpc || !out || !out_len || !call_args_ok(args))
        return LG_ERR_INVALID;
    json_object *params = push(push(json_object_new_array(), call_object(args)), block_json(block));
    json_object *res = NULL;
    lg_err err = call(rpc, "eth_call", params, 1, &res);
    if (err == LG_OK &&
        (!json_object_is_type(res, json_type_string) ||
         lg_rpc_data_decode(out, out_len, json_object_get_string(res), rpc->body.max) != LG_OK))
        err = bad_result(rpc, "eth_call");
    json_object_put(res);
    return err;
}

lg_err lg_rpc_estimate_gas(lg_rpc *rpc, uint64_t *gas, const lg_rpc_call_args *args)
{
    if (!rpc || !gas || !call_args_ok(args))
        return LG_ERR_INVALID;
    *gas = 0;
    return call_u64(rpc, "eth_estimateGas", push(json_object_new_array(), call_object(args)), gas);
}

static json_object *hash_params(const uint8_t hash[LG_RPC_HASH_LEN])
{
    return push(json_object_new_array(), hex_json(hash, LG_RPC_HASH_LEN));
}

static lg_err parse_tx_info(lg_rpc_tx_info *out, const json_object *res)
{
    if (!json_object_is_type(res, json_type_object) ||
        member_u64(res, "nonce", &out->nonce) != LG_OK ||
        member_fixed(res, "from", out->from, LG_ADDRESS_LEN) != LG_OK)
        return LG_ERR_RPC;
    if (member_set(res, "blockNumber")) {
        if (member_u64(res, "blockNumber", &out->block_number) != LG_OK)
            return LG_ERR_RPC;
        out->mined = 1;
    }
    return LG_OK;
}

lg_err lg_rpc_get_tx(lg_rpc *rpc, lg_rpc_tx_info *out, const uint8_t hash[LG_RPC_HASH_LEN])
{
    if (!rpc || !out || !hash)
        return LG_ERR_INVALID;
    memset(out, 0, sizeof *out);
    json_object *res = NULL;
    lg_err err = call(rpc, "eth_getTransactionByHash", hash_params(hash), 1, &res);
    if (err == LG_OK && !res)
        err = LG_ERR_NOT_FOUND;
    else if (err == LG_OK && parse_tx_info(out, res) != LG_OK)
        err = bad_result(rpc, "eth_getTransactionByHash");
    json_object_put(res);
    if (err != LG_OK)
        memset(out, 0, sizeof *out);
    return err;
}

/* The pool's answers that mean it already holds these very bytes. */
static int already_known(const char *msg)
{
    return contains_ci(msg, "already known") || contains_ci(msg, "known transaction") ||
           contains_ci(msg, "already imported") || contains_ci(msg, "alreadyknown");
}

/* A refused send that is really success: the node has (or mined) this very hash. */
static lg_err send_refused(lg_rpc *rpc, const uint8_t hash[LG_RPC_HASH_LEN])
{
    if (!rpc->last.from_node)
        return rpc->last.err;
    if (already_known(rpc->last.message)) {
        lg_rpc_error_clear(&rpc->last);
        return LG_OK;
    }
    if (!contains_ci(rpc->last.message, "nonce too low"))
        return rpc->last.err;
    lg_rpc_error saved = rpc->last;
    lg_rpc_tx_info info;
    if (lg_rpc_get_tx(rpc, &info, hash) == LG_OK)
        return LG_OK;
    rpc->last = saved;
    return saved.err;
}

lg_err lg_rpc_send_raw(lg_rpc *rpc, uint8_t hash[LG_RPC_HASH_LEN], const uint8_t *raw, size_t len)
{
    if (!rpc || !hash || !raw || len == 0)
        return LG_ERR_INVALID;
    lg_keccak256(hash, raw, len);
    json_object *res = NULL;
    lg_err err = call(rpc, "eth_sendRawTransaction",
                      push(json_object_new_array(), hex_json(raw, len)), 1, &res);
    if (err == LG_ERR_RPC || err == LG_ERR_REVERTED) {
        err = send_refused(rpc, hash);
    } else if (err == LG_OK) {
        uint8_t got[LG_RPC_HASH_LEN];
        if (!json_object_is_type(res, json_type_string) ||
            fixed_bytes(got, sizeof got, json_object_get_string(res)) != LG_OK)
            err = bad_result(rpc, "eth_sendRawTransaction");
        else if (memcmp(got, hash, sizeof got) != 0)
            err = set_err(&rpc->last, LG_ERR_RPC,
                          "chain node reports another hash for the transaction sent");
    }
    json_object_put(res);
    return err;
}

static lg_err get_receipt_until(lg_rpc *rpc, lg_receipt *out, const uint8_t *hash, int64_t cap)
{
    memset(out, 0, sizeof *out);
    json_object *res = NULL;
    lg_err err = call_until(rpc, "eth_getTransactionReceipt", hash_params(hash), 1, cap, &res);
    if (err == LG_OK) {
        err = lg_rpc_parse_receipt(out, res);
        if (err == LG_ERR_RPC)
            bad_result(rpc, "eth_getTransactionReceipt");
    }
    json_object_put(res);
    return err;
}

lg_err lg_rpc_get_receipt(lg_rpc *rpc, lg_receipt *out, const uint8_t hash[LG_RPC_HASH_LEN])
{
    if (!rpc || !out || !hash)
        return LG_ERR_INVALID;
    return get_receipt_until(rpc, out, hash, 0);
}

lg_err lg_rpc_wait_receipt(lg_rpc *rpc, lg_receipt *out, const uint8_t hash[LG_RPC_HASH_LEN],
                           uint64_t timeout_ms, uint64_t poll_ms)
{
    if (!rpc || !out || !hash || timeout_ms > INT32_MAX)
        return LG_ERR_INVALID;
    int64_t deadline = lg_time_mono_ms() + (int64_t)timeout_ms;
    for (;;) {
        lg_err err = get_receipt_until(rpc, out, hash, timeout_ms ? deadline : 0);
        int64_t left = deadline - lg_time_mono_ms();
        if (err != LG_ERR_NOT_FOUND && !(err == LG_ERR_TIMEOUT && left <= 0))
            return err;
        if (left <= 0)
            return set_err(&rpc->last, LG_ERR_TIMEOUT,
                           "transaction not mined within %" PRIu64 " ms", timeout_ms);
        sleep_ms((int64_t)poll_ms < left ? (int64_t)poll_ms : left);
    }
}

lg_err lg_rpc_get_nonce(lg_rpc *rpc, uint64_t *nonce, const uint8_t address[LG_ADDRESS_LEN])
{
    if (!rpc || !nonce || !address)
        return LG_ERR_INVALID;
    json_object *params = push(push(json_object_new_array(), address_json(address)),
                               json_object_new_string("pending"));
    return call_u64(rpc, "eth_getTransactionCount", params, nonce);
}

lg_err lg_rpc_get_balance(lg_rpc *rpc, lg_u256 *wei, const uint8_t address[LG_ADDRESS_LEN])
{
    if (!rpc || !wei || !address)
        return LG_ERR_INVALID;
    json_object *params = push(push(json_object_new_array(), address_json(address)),
                               json_object_new_string("latest"));
    json_object *res = NULL;
    lg_err err = call(rpc, "eth_getBalance", params, 1, &res);
    if (err == LG_OK && (!json_object_is_type(res, json_type_string) ||
                         lg_u256_from_quantity(wei, json_object_get_string(res)) != LG_OK))
        err = bad_result(rpc, "eth_getBalance");
    json_object_put(res);
    return err;
}

static json_object *filter_object(const lg_rpc_log_filter *f)
{
    json_object *o = json_object_new_object();
    o = put(o, "fromBlock", block_json(f->from_block));
    o = put(o, "toBlock", block_json(f->to_block));
    if (f->address)
        o = put(o, "address", address_json(f->address));
    size_t n = LG_RPC_MAX_TOPICS;
    while (n > 0 && !f->topics[n - 1])
        n--;
    if (n == 0)
        return o;
    json_object *topics = json_object_new_array();
    for (size_t i = 0; i < n && topics; i++) {
        if (f->topics[i])
            topics = push(topics, hex_json(f->topics[i], 32));
        else if (json_object_array_add(topics, NULL) != 0)
            topics = push(topics, NULL);
    }
    return put(o, "topics", topics);
}

lg_err lg_rpc_get_logs(lg_rpc *rpc, lg_eth_log **logs, size_t *n, const lg_rpc_log_filter *f)
{
    if (logs)
        *logs = NULL;
    if (n)
        *n = 0;
    if (!rpc || !logs || !n || !f)
        return LG_ERR_INVALID;
    json_object *res = NULL;
    lg_err err = call(rpc, "eth_getLogs", push(json_object_new_array(), filter_object(f)), 1, &res);
    if (err == LG_OK) {
        err = parse_log_array(logs, n, res);
        if (err == LG_ERR_RPC)
            bad_result(rpc, "eth_getLogs");
    }
    json_object_put(res);
    return err;
}

/* Reads an array of quantities into out[0..*n), at most cap of them. */
static lg_err quantity_array(const json_object *arr, uint64_t *out, size_t cap, size_t *n)
{
    if (!json_object_is_type(arr, json_type_array) || json_object_array_length(arr) > cap)
        return LG_ERR_RPC;
    *n = json_object_array_length(arr);
    for (size_t i = 0; i < *n; i++) {
        json_object *v = json_object_array_get_idx(arr, i);
        if (!json_object_is_type(v, json_type_string) ||
            lg_rpc_quantity_u64(&out[i], json_object_get_string(v)) != LG_OK)
            return LG_ERR_RPC;
    }
    return LG_OK;
}

static lg_err parse_fee_history(lg_fee_history *out, const json_object *res)
{
    json_object *base = NULL, *reward = NULL;
    size_t nbase = 0;
    if (!json_object_is_type(res, json_type_object) ||
        member_u64(res, "oldestBlock", &out->oldest_block) != LG_OK ||
        !json_object_object_get_ex(res, "baseFeePerGas", &base) ||
        !json_object_object_get_ex(res, "reward", &reward) ||
        quantity_array(base, out->base_fee, LG_RPC_FEE_HISTORY_MAX + 1, &nbase) != LG_OK ||
        !json_object_is_type(reward, json_type_array))
        return LG_ERR_RPC;
    size_t n = json_object_array_length(reward);
    if (n > LG_RPC_FEE_HISTORY_MAX)
        return LG_ERR_RPC;
    for (size_t i = 0; i < n; i++) {
        size_t one = 0;
        if (quantity_array(json_object_array_get_idx(reward, i), &out->reward[i], 1, &one) !=
                LG_OK ||
            one != 1)
            return LG_ERR_RPC;
    }
    out->nblocks = n;
    return LG_OK;
}

lg_err lg_rpc_fee_history(lg_rpc *rpc, lg_fee_history *out, unsigned blocks, unsigned percentile)
{
    if (!rpc || !out || blocks == 0 || blocks > LG_RPC_FEE_HISTORY_MAX || percentile > 100)
        return LG_ERR_INVALID;
    memset(out, 0, sizeof *out);
    json_object *pct = push(json_object_new_array(), json_object_new_int((int)percentile));
    json_object *params = push(push(push(json_object_new_array(), quantity_json(blocks)),
                                    json_object_new_string("latest")),
                               pct);
    json_object *res = NULL;
    lg_err err = call(rpc, "eth_feeHistory", params, 1, &res);
    if (err == LG_OK && parse_fee_history(out, res) != LG_OK) {
        memset(out, 0, sizeof *out);
        err = bad_result(rpc, "eth_feeHistory");
    }
    json_object_put(res);
    return err;
}

lg_err lg_rpc_max_priority_fee(lg_rpc *rpc, uint64_t *wei)
{
    if (!rpc || !wei)
        return LG_ERR_INVALID;
    return call_u64(rpc, "eth_maxPriorityFeePerGas", json_object_new_array(), wei);
}

lg_err lg_rpc_gas_price(lg_rpc *rpc, uint64_t *wei)
{
    if (!rpc || !wei)
        return LG_ERR_INVALID;
    return call_u64(rpc, "eth_gasPrice", json_object_new_array(), wei);
}

lg_err lg_rpc_latest_base_fee(lg_rpc *rpc, int *has_base_fee, uint64_t *wei)
{
    if (!rpc || !has_base_fee || !wei)
        return LG_ERR_INVALID;
    *has_base_fee = 0;
    *wei = 0;
    json_object *params = push(push(json_object_new_array(), json_object_new_string("latest")),
                               json_object_new_boolean(0));
    json_object *res = NULL;
    lg_err err = call(rpc, "eth_getBlockByNumber", params, 1, &res);
    if (err == LG_OK && !json_object_is_type(res, json_type_object))
        err = bad_result(rpc, "eth_getBlockByNumber");
    if (err == LG_OK && member_set(res, "baseFeePerGas")) {
        if (member_u64(res, "baseFeePerGas", wei) != LG_OK)
            err = bad_result(rpc, "eth_getBlockByNumber");
        else
            *has_base_fee = 1;
    }
    json_object_put(res);
    return err;
}

lg_err lg_rpc_call_raw(lg_rpc *rpc, const char *method, const char *params_json, int idempotent,
                       char **result_json)
{
    if (result_json)
        *result_json = NULL;
    if (!rpc || !method || !method[0])
        return LG_ERR_INVALID;
    json_object *params = json_tokener_parse(params_json ? params_json : "[]");
    if (!json_object_is_type(params, json_type_array)) {
        json_object_put(params);
        return LG_ERR_INVALID;
    }
    json_object *res = NULL;
    lg_err err = call(rpc, method, params, idempotent, &res);
    if (err == LG_OK && result_json) {
        const char *text =
            res ? json_object_to_json_string_ext(res, JSON_C_TO_STRING_PLAIN) : "null";
        *result_json = strdup(text ? text : "null");
        if (!*result_json)
            err = set_err(&rpc->last, LG_ERR_NOMEM, "out of memory");
    }
    json_object_put(res);
    return err;
}
