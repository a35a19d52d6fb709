/* test_http_core.c - request parsing, routing, responses and audit sanitizing:
 * the parts of the HTTP layer that need no store and no chain. */
/* Fixed test strings: strcpy and friends are fine here (include/lendgate/banned.h). */
#define LG_ALLOW_BANNED
#include "config.h"

#include "harness.h"

#include <lendgate/audit.h>
#include <lendgate/request.h>
#include <lendgate/response.h>
#include <lendgate/router.h>
#include <lendgate/status.h>

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

/* CGI parameters as NAME=value strings, NULL-terminated. */
static const char *env_param(void *ctx, const char *name)
{
    size_t n = strlen(name);
    for (const char *const *e = ctx; *e; e++)
        if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
            return *e + n + 1;
    return NULL;
}

typedef struct mem_reader {
    const char *data;
    size_t len, pos, chunk;
} mem_reader;

static long mem_read(void *ctx, char *buf, size_t n)
{
    mem_reader *m = ctx;
    size_t left = m->len - m->pos, take = n < left ? n : left;
    if (m->chunk && take > m->chunk)
        take = m->chunk;
    memcpy(buf, m->data + m->pos, take);
    m->pos += take;
    return (long)take;
}

/* The plan's statuses for the service's classes, and a status for every class. */
static void test_statuses(void)
{
    static const struct {
        lg_err err;
        int status;
    } plan[] = {
        {LG_ERR_INVALID, 400},     {LG_ERR_FUNDS, 400},     {LG_ERR_STATE, 400},
        {LG_ERR_OVERPAY, 400},     {LG_ERR_REVERTED, 400},  {LG_ERR_AUTH, 401},
        {LG_ERR_FORBIDDEN, 403},   {LG_ERR_SUSPENDED, 403}, {LG_ERR_LIMIT_DAILY, 403},
        {LG_ERR_LIMIT_TOTAL, 403}, {LG_ERR_NOT_FOUND, 404}, {LG_ERR_CONFLICT, 409},
        {LG_ERR_DUPLICATE, 409},   {LG_ERR_INTERNAL, 500},  {LG_ERR_STORE, 500},
        {LG_ERR_RPC, 502},         {LG_ERR_BUSY, 503},      {LG_ERR_WALLET, 503},
        {LG_ERR_UNSUPPORTED, 503}, {LG_ERR_TIMEOUT, 504},   {LG_ERR_DISK, 503},
    };
    for (size_t i = 0; i < sizeof plan / sizeof *plan; i++)
        CU_ASSERT_EQUAL(lg_http_error_status(plan[i].err), plan[i].status);
    for (int e = 1; e < LG_ERR__LAST; e++) {
        int s = lg_http_error_status((lg_err)e);
        CU_ASSERT(s >= 400 && s <= 504);
    }
    CU_ASSERT_EQUAL(lg_http_error_status(LG_ERR__LAST), 500);
    CU_ASSERT_EQUAL(lg_http_error_status((lg_err)-1), 500);

    lg_outcome o = {LG_OK, LG_DONE_OK, "", ""};
    CU_ASSERT_EQUAL(lg_http_status(&o), 200);
    o.done = LG_DONE_CREATED;
    CU_ASSERT_EQUAL(lg_http_status(&o), 201);
    o.done = LG_DONE_ACCEPTED;
    CU_ASSERT_EQUAL(lg_http_status(&o), 202);
    o.err = LG_ERR_LIMIT_DAILY; /* a failure's class wins over a stale done */
    CU_ASSERT_EQUAL(lg_http_status(&o), 403);
    CU_ASSERT_EQUAL(lg_http_status(NULL), 500);
}

static void test_request_params(void)
{
    const char *env[] = {"REQUEST_METHOD=GET",
                         "REQUEST_URI=/partners/user/0xab/loans?status=ACTIVE&limit=5",
                         "QUERY_STRING=status=ACTIVE&limit=5&note=a%20b+c&bad=%zz",
                         "HTTP_AUTHORIZATION=Bearer pk_x",
                         "HTTP_X_REQUEST_ID=client-id.1",
                         "REMOTE_ADDR=10.0.0.1",
                         "HTTP_X_FORWARDED_FOR=1.2.3.4, 203.0.113.9",
                         NULL};
    lg_request r;
    char v[32];
    CU_ASSERT_EQUAL_FATAL(lg_request_init(&r, env_param, (void *)env, "10.0.0.1"), LG_OK);
    CU_ASSERT_STRING_EQUAL(r.method, "GET");
    CU_ASSERT_STRING_EQUAL(r.path, "/partners/user/0xab/loans");
    CU_ASSERT_STRING_EQUAL(r.request_id, "client-id.1");
    CU_ASSERT_STRING_EQUAL(r.client_ip, "203.0.113.9");
    CU_ASSERT_EQUAL(r.content_length, -1);
    CU_ASSERT_EQUAL(lg_request_query(&r, "limit", v, sizeof v), LG_OK);
    CU_ASSERT_STRING_EQUAL(v, "5");
    CU_ASSERT_EQUAL(lg_request_query(&r, "note", v, sizeof v), LG_OK);
    CU_ASSERT_STRING_EQUAL(v, "a b c");
    CU_ASSERT_EQUAL(lg_request_query(&r, "bad", v, sizeof v), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_request_query(&r, "stat", v, sizeof v), LG_ERR_NOT_FOUND);
    CU_ASSERT_EQUAL(lg_request_query(&r, "status", v, 3), LG_ERR_OVERFLOW);
    lg_request_release(&r);
    CU_ASSERT_EQUAL(r.authorization[0], '\0');

    /* An untrusted peer cannot choose its address; an insane request id is replaced. */
    const char *env2[] = {"REQUEST_METHOD=GET",
                          "SCRIPT_NAME=/partners",
                          "PATH_INFO=/my/stats",
                          "REMOTE_ADDR=10.0.0.2",
                          "HTTP_X_FORWARDED_FOR=1.2.3.4",
                          "HTTP_X_REQUEST_ID=bad id\n",
                          NULL};
    CU_ASSERT_EQUAL_FATAL(lg_request_init(&r, env_param, (void *)env2, "10.0.0.1"), LG_OK);
    CU_ASSERT_STRING_EQUAL(r.path, "/partners/my/stats");
    CU_ASSERT_STRING_EQUAL(r.client_ip, "10.0.0.2");
    CU_ASSERT_EQUAL(strlen(r.request_id), 36);
    lg_request_release(&r);
    CU_ASSERT_EQUAL(lg_request_id_sane("abc"), 1);
    char id65[66];
    memset(id65, 'a', 65);
    id65[65] = '\0';
    CU_ASSERT_EQUAL(lg_request_id_sane(id65), 0);
    CU_ASSERT_EQUAL(lg_request_id_sane("<script>"), 0);
    CU_ASSERT_EQUAL(lg_request_init(NULL, env_param, (void *)env, NULL), LG_ERR_INVALID);
}

static void test_request_body(void)
{
    const char *env[] = {"REQUEST_METHOD=POST", "REQUEST_URI=/x", "CONTENT_LENGTH=11", NULL};
    lg_request r;
    mem_reader m = {"hello world", 11, 0, 3};
    lg_request_init(&r, env_param, (void *)env, NULL);
    CU_ASSERT_EQUAL(lg_request_read_body(&r, mem_read, &m, 64), LG_OK);
    CU_ASSERT_EQUAL(r.body_len, 11);
    CU_ASSERT_STRING_EQUAL(r.body, "hello world");
    lg_request_release(&r);

    /* Declared too large: nothing kept, everything drained. */
    const char *env2[] = {"REQUEST_METHOD=POST", "REQUEST_URI=/x", "CONTENT_LENGTH=100000", NULL};
    char *big = malloc(100000);
    CU_ASSERT_FATAL(big != NULL);
    memset(big, 'x', 100000);
    mem_reader m2 = {big, 100000, 0, 0};
    lg_request_init(&r, env_param, (void *)env2, NULL);
    CU_ASSERT_EQUAL(lg_request_read_body(&r, mem_read, &m2, 1024), LG_OK);
    CU_ASSERT_EQUAL(r.body_too_large, 1);
    CU_ASSERT_PTR_NULL(r.body);
    CU_ASSERT_EQUAL(m2.pos, 100000);
    lg_request_release(&r);

    /* No length given, more arrives than allowed. */
    const char *env3[] = {"REQUEST_METHOD=POST", "REQUEST_URI=/x", NULL};
    mem_reader m3 = {big, 5000, 0, 700};
    lg_request_init(&r, env_param, (void *)env3, NULL);
    CU_ASSERT_EQUAL(lg_request_read_body(&r, mem_read, &m3, 4096), LG_OK);
    CU_ASSERT_EQUAL(r.body_too_large, 1);
    lg_request_release(&r);
    mem_reader m4 = {big, 4096, 0, 0};
    lg_request_init(&r, env_param, (void *)env3, NULL);
    CU_ASSERT_EQUAL(lg_request_read_body(&r, mem_read, &m4, 4096), LG_OK);
    CU_ASSERT_EQUAL(r.body_too_large, 0);
    CU_ASSERT_EQUAL(r.body_len, 4096);
    lg_request_release(&r);
    free(big);
}

static void handler(struct lg_http_call *call)
{
    (void)call;
}

static const lg_route table[] = {
    {"GET", "/partners/loan/:partnerLoanId", LG_AUTH_PARTNER, 0, 0, handler},
    {"POST", "/partners/borrow", LG_AUTH_PARTNER, 1, 1, handler},
    {"GET", "/partners/public/oaid/:oaidTokenId/credit-line", LG_AUTH_PUBLIC, 1, 0, handler},
    {"PUT", "/partners/loan/:partnerLoanId", LG_AUTH_ADMIN, 0, 1, handler},
};

static int route(const char *method, const char *path, const lg_route **found, char *allow)
{
    lg_request r;
    memset(&r, 0, sizeof r);
    snprintf(r.method, sizeof r.method, "%s", method);
    snprintf(r.path, sizeof r.path, "%s", path);
    int status = 0;
    lg_router_match(table, 4, &r, found, &status, allow, 64);
    if (*found && r.nparams)
        CU_ASSERT_PTR_NOT_NULL(lg_request_param(&r, r.params[0].name));
    return status;
}

static void test_router(void)
{
    const lg_route *f = NULL;
    char allow[64];
    CU_ASSERT_EQUAL(route("GET", "/partners/loan/L-1", &f, allow), 200);
    CU_ASSERT_PTR_EQUAL(f, &table[0]);
    CU_ASSERT_EQUAL(route("GET", "/partners/public/oaid/12/credit-line", &f, allow), 200);
    CU_ASSERT_PTR_EQUAL(f, &table[2]);
    CU_ASSERT_EQUAL(route("DELETE", "/partners/loan/L-1", &f, allow), 405);
    CU_ASSERT_PTR_NULL(f);
    CU_ASSERT_STRING_EQUAL(allow, "GET, PUT");
    CU_ASSERT_EQUAL(route("GET", "/partners/borrow", &f, allow), 405);
    CU_ASSERT_STRING_EQUAL(allow, "POST");
    CU_ASSERT_EQUAL(route("GET", "/partners/loan/", &f, allow), 404);
    CU_ASSERT_EQUAL(route("GET", "/partners/loan/a/b", &f, allow), 404);
    CU_ASSERT_EQUAL(route("GET", "/partners/loans/a", &f, allow), 404);
    CU_ASSERT_EQUAL(route("GET", "/partners/borrow/", &f, allow), 404);
    CU_ASSERT_EQUAL(route("GET", "", &f, allow), 404);
    CU_ASSERT_EQUAL(route("GET", "/partners/loan/a%00b", &f, allow), 400);
    /* HEAD is GET without a body. */
    CU_ASSERT_EQUAL(route("HEAD", "/partners/loan/L-1", &f, allow), 200);
    CU_ASSERT_PTR_EQUAL(f, &table[0]);
    CU_ASSERT_EQUAL(route("HEAD", "/partners/borrow", &f, allow), 405);

    lg_request r;
    memset(&r, 0, sizeof r);
    strcpy(r.method, "GET");
    strcpy(r.path, "/partners/loan/a%2Fb");
    int status;
    CU_ASSERT_EQUAL(lg_router_match(table, 4, &r, &f, &status, NULL, 0), LG_OK);
    CU_ASSERT_STRING_EQUAL(lg_request_param(&r, "partnerLoanId"), "a/b");
    CU_ASSERT_PTR_NULL(lg_request_param(&r, "other"));
    CU_ASSERT_EQUAL(lg_router_match(NULL, 4, &r, &f, &status, NULL, 0), LG_ERR_INVALID);

    /* An id longer than a parameter keeps, and one cut with the whole path, are the
     * parameter's 400, never an unknown route; a bad escape names it too. */
    memset(&r, 0, sizeof r);
    strcpy(r.method, "GET");
    snprintf(r.path, sizeof r.path, "/partners/loan/%0600d", 7);
    CU_ASSERT_EQUAL(lg_router_match(table, 4, &r, &f, &status, NULL, 0), LG_ERR_OVERFLOW);
    CU_ASSERT_EQUAL(status, 400);
    CU_ASSERT_STRING_EQUAL(r.bad_param, "partnerLoanId");
    memset(&r, 0, sizeof r);
    strcpy(r.method, "GET");
    memcpy(r.path, "/partners/loan/", 15);
    memset(r.path + 15, 'z', sizeof r.path - 16);
    r.path_too_long = 1;
    CU_ASSERT_EQUAL(lg_router_match(table, 4, &r, &f, &status, NULL, 0), LG_ERR_OVERFLOW);
    CU_ASSERT_STRING_EQUAL(r.bad_param, "partnerLoanId");
    memset(r.path + 15, 0, sizeof r.path - 15);
    memcpy(r.path, "/partners/borrow/", 17); /* cut after a literal route: no route */
    CU_ASSERT_EQUAL(lg_router_match(table, 4, &r, &f, &status, NULL, 0), LG_ERR_NOT_FOUND);
    CU_ASSERT_EQUAL(status, 404);
    memset(&r, 0, sizeof r);
    strcpy(r.method, "GET");
    strcpy(r.path, "/partners/loan/%zz");
    CU_ASSERT_EQUAL(lg_router_match(table, 4, &r, &f, &status, NULL, 0), LG_ERR_NOT_FOUND);
    CU_ASSERT_EQUAL(status, 400);
    CU_ASSERT_STRING_EQUAL(r.bad_param, "partnerLoanId");
}

static void test_response(void)
{
    lg_response r;
    memset(&r, 0, sizeof r);
    CU_ASSERT_EQUAL(lg_response_error(&r, 404, "Loan \"x\" not found", "rid-1"), LG_OK);
    struct json_object *o = json_tokener_parse(r.body);
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    struct json_object *v;
    CU_ASSERT(json_object_object_get_ex(o, "success", &v) && !json_object_get_boolean(v));
    CU_ASSERT(json_object_object_get_ex(o, "statusCode", &v) && json_object_get_int(v) == 404);
    CU_ASSERT(json_object_object_get_ex(o, "error", &v) &&
              strcmp(json_object_get_string(v), "Not Found") == 0);
    CU_ASSERT(json_object_object_get_ex(o, "message", &v) &&
              strcmp(json_object_get_string(v), "Loan \"x\" not found") == 0);
    CU_ASSERT(json_object_object_get_ex(o, "requestId", &v) &&
              strcmp(json_object_get_string(v), "rid-1") == 0);
    json_object_put(o);
    char head[512];
    strcpy(r.allow, "GET, PUT");
    CU_ASSERT_EQUAL(lg_response_head(&r, "rid-1", head, sizeof head), LG_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(head, "Status: 404 Not Found\r\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(head, "X-Request-Id: rid-1\r\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(head, "Allow: GET, PUT\r\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(head, "Content-Type: application/json\r\n"));
    CU_ASSERT_EQUAL(strcmp(head + strlen(head) - 4, "\r\n\r\n"), 0);
    CU_ASSERT_EQUAL(lg_response_head(&r, "rid-1", head, 16), LG_ERR_OVERFLOW);
    CU_ASSERT_PTR_NULL(strstr(head, "RateLimit"));
    strcpy(r.retry_after, "7");
    strcpy(r.ratelimit_policy, "\"partner\";q=100;w=60");
    strcpy(r.ratelimit, "\"partner\";r=0;t=7");
    CU_ASSERT_EQUAL(lg_response_head(&r, "rid-1", head, sizeof head), LG_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(head, "\r\nRetry-After: 7\r\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(head, "\r\nRateLimit-Policy: \"partner\";q=100;w=60\r\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(head, "\r\nRateLimit: \"partner\";r=0;t=7\r\n"));
    CU_ASSERT_EQUAL(strcmp(head + strlen(head) - 4, "\r\n\r\n"), 0);
    /* Every header fits but the closing blank line does not. */
    size_t full = strlen(head);
    CU_ASSERT_EQUAL(lg_response_head(&r, "rid-1", head, full), LG_ERR_OVERFLOW);
    CU_ASSERT_EQUAL(lg_response_head(&r, "rid-1", head, full + 1), LG_OK);
    lg_response_release(&r);
    CU_ASSERT_EQUAL(lg_response_success(&r, 201, json_object_new_object(), "r"), LG_OK);
    CU_ASSERT_EQUAL(r.status, 201);
    CU_ASSERT_STRING_EQUAL(r.body, "{\"success\":true,\"requestId\":\"r\"}");
    lg_response_release(&r);
    /* The plan's shapes: the members at the top level, an own success kept. */
    struct json_object *d = json_object_new_object();
    json_object_object_add(d, "success", json_object_new_boolean(0));
    json_object_object_add(d, "total", json_object_new_int(3));
    CU_ASSERT_EQUAL(lg_response_success(&r, 200, d, "r"), LG_OK);
    CU_ASSERT_STRING_EQUAL(r.body, "{\"success\":false,\"total\":3,\"requestId\":\"r\"}");
    lg_response_release(&r);
    CU_ASSERT_EQUAL(lg_response_success(&r, 200, json_object_new_array(), "r"), LG_ERR_INVALID);
    lg_response_release(NULL);
    CU_ASSERT_STRING_EQUAL(lg_http_reason(413), "Payload Too Large");
}

static void test_audit_sanitize(void)
{
    char out[512];
    const char *body = "{\"partnerLoanId\":\"L1\",\"apiKey\":\"pk_acme_live_"
                       "0123456789abcdef0123456789abcdef\",\"nested\":{\"webhookSecret\":\"s\","
                       "\"note\":\"pk_acme_live_0123456789abcdef0123456789abcdef\"}}";
    CU_ASSERT_EQUAL(lg_audit_sanitize(out, sizeof out, body, strlen(body), "a=1"), LG_OK);
    CU_ASSERT_PTR_NULL(strstr(out, "apiKey"));
    CU_ASSERT_PTR_NULL(strstr(out, "webhookSecret"));
    CU_ASSERT_PTR_NULL(strstr(out, "0123456789abcdef0123456789abcdef"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"partnerLoanId\":\"L1\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"query\":\"a=1\""));
    CU_ASSERT_EQUAL(lg_audit_sanitize(out, sizeof out, "not json", 8, NULL), LG_OK);
    CU_ASSERT_STRING_EQUAL(out, "{\"bodyBytes\":8}");
    /* A NUL in a name would cut "x\u0000password" to "x" and keep its value. */
    const char *cut = "{\"x\\u0000password\":\"hunter2\"}";
    CU_ASSERT_EQUAL(lg_audit_sanitize(out, sizeof out, cut, strlen(cut), NULL), LG_OK);
    CU_ASSERT_STRING_EQUAL(out, "{\"bodyBytes\":29}");
    CU_ASSERT_EQUAL(lg_audit_sanitize(out, 8, body, strlen(body), NULL), LG_OK);
    CU_ASSERT(strlen(out) < 8);
    CU_ASSERT_EQUAL(lg_audit_sanitize(NULL, 8, body, strlen(body), NULL), LG_ERR_INVALID);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 99;
    static const lg_test_case tests[] = {
        {"request parameters", test_request_params},
        {"request body bounds", test_request_body},
        {"router", test_router},
        {"responses", test_response},
        {"audit payload sanitizing", test_audit_sanitize},
        {"service answers to statuses", test_statuses},
        {NULL, NULL},
    };
    lg_test_add_suite("http_core", NULL, NULL, tests);
    return lg_test_run("test_http_core");
}
