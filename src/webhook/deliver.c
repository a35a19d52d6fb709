/* deliver.c - a batch of deliveries on libcurl multi: one easy handle per request, at
 * most max_parallel of them running, each connection's address judged by the guard
 * before connect(). Signatures are made when a request starts and live only in its
 * header list, which is wiped before it is freed. */
#include "config.h"

#include "webhook_internal.h"

#include <lendgate/sha256.h>
#include <lendgate/time.h>

#include <arpa/inet.h>
#include <curl/curl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#define MAX_ANSWER       (1024 * 1024) /* bytes of an answer read before giving up on it */
#define DEFAULT_PARALLEL 16
#define RETRY_AFTER_LEN  64

typedef struct slot {
    lg_webhook_req *req;
    const lg_webhook_guard *guard;
    CURL *easy;
    struct curl_slist *headers;
    char curl_err[CURL_ERROR_SIZE];
    char refusal[LG_REASON_LEN]; /* the last address the guard refused, "" when none */
    char retry_after[RETRY_AFTER_LEN];
    size_t head_len;
    size_t seen; /* bytes of the answer's body so far */
    int64_t mono_start;
} slot;

/* req's error is prefix and text; the text never holds a secret (callers pass
 * addresses, phrases and libcurl's messages, which carry no header values). */
static void set_error(lg_webhook_req *req, const char *prefix, const char *text)
{
    snprintf(req->error, sizeof req->error, "%s%s", prefix, text);
}

static void reset_outputs(lg_webhook_req *req)
{
    req->started_at_ms = 0;
    req->status_code = 0;
    req->latency_ms = 0;
    req->retry_after_ms = -1;
    req->response_head[0] = '\0';
    req->error[0] = '\0';
    req->refused = 0;
}

/* ------------------------------------------------------------ callbacks */

/* Creates the socket only for an address the guard allows; a refused one is
 * remembered so that the request can say which address and why. */
static curl_socket_t open_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *addr)
{
    slot *s = clientp;
    const char *why = NULL;
    (void)purpose;
    if (!lg_webhook_addr_allowed(&addr->addr, s->guard, &why)) {
        char text[INET6_ADDRSTRLEN] = "?";
        const void *a = NULL;
        if (addr->family == AF_INET)
            a = &((const struct sockaddr_in *)(const void *)&addr->addr)->sin_addr;
        else if (addr->family == AF_INET6)
            a = &((const struct sockaddr_in6 *)(const void *)&addr->addr)->sin6_addr;
        if (a)
            inet_ntop(addr->family, a, text, sizeof text);
        snprintf(s->refusal, sizeof s->refusal, "refused: %s is %s", text, why);
        return CURL_SOCKET_BAD;
    }
    return socket(addr->family, addr->socktype | SOCK_CLOEXEC, addr->protocol);
}

/* Keeps the first bytes of the body, printable; reads on to MAX_ANSWER. */
static size_t on_body(char *data, size_t size, size_t nmemb, void *userp)
{
    slot *s = userp;
    size_t n = size * nmemb;
    if (n > MAX_ANSWER - s->seen)
        return 0; /* libcurl ends the transfer with a write error */
    s->seen += n;
    char *head = s->req->response_head;
    for (size_t i = 0; i < n && s->head_len < LG_WEBHOOK_HEAD_LEN - 1; i++) {
        unsigned char c = (unsigned char)data[i];
        head[s->head_len++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    head[s->head_len] = '\0';
    return n;
}

/* Remembers the Retry-After of the last answer (a 1xx answer's headers come first). */
static size_t on_header(char *data, size_t size, size_t nmemb, void *userp)
{
    slot *s = userp;
    size_t n = size * nmemb;
    static const char name[] = "retry-after:";
    size_t nl = sizeof name - 1;
    if (n >= 5 && strncmp(data, "HTTP/", 5) == 0)
        s->retry_after[0] = '\0';
    else if (n > nl && strncasecmp(data, name, nl) == 0) {
        size_t v = n - nl;
        while (v > 0 && (data[nl + v - 1] == '\r' || data[nl + v - 1] == '\n'))
            v--;
        if (v >= sizeof s->retry_after) {
            /* Too long to be a valid value; the parser refuses this one. */
            memcpy(s->retry_after, "-", 2);
            return n;
        }
        memcpy(s->retry_after, data + nl, v);
        s->retry_after[v] = '\0';
    }
    return n;
}

/* ------------------------------------------------------------ one request */

/* A header value that cannot split or end a header line. */
static int header_safe(const char *v)
{
    size_t n = v ? strnlen(v, 128) : 0;
    if (n == 0 || n >= 128)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)v[i] <= 0x20 || (unsigned char)v[i] >= 0x7f)
            return 0;
    return 1;
}

/* Why req cannot be sent, or NULL. */
static const char *check_req(const lg_webhook_req *req, const lg_webhook_guard *g)
{
    const char *why = NULL;
    if (lg_webhook_url_shape(req->url, g, &why) != LG_OK)
        return why;
    if (!req->body)
        return "no body";
    if (!header_safe(req->event_type) || !header_safe(req->event_id))
        return "event type or id unfit for a header";
    if (!req->secret || !req->secret[0])
        return "no webhook secret";
    return NULL;
}

static int append_line(struct curl_slist **l, const char *line)
{
    struct curl_slist *t = curl_slist_append(*l, line);
    if (!t)
        return 0;
    *l = t;
    return 1;
}

/* Appends "name: value" to *l; 0 when it cannot. The line is wiped from the stack,
 * since it may hold a signature. */
static int append(struct curl_slist **l, const char *name, const char *value)
{
    char line[LG_WEBHOOK_STD_SIG_LEN + 64];
    int n = snprintf(line, sizeof line, "%s: %s", name, value);
    int ok = n > 0 && (size_t)n < sizeof line && append_line(l, line);
    lg_memwipe(line, sizeof line);
    return ok;
}

static void wipe_headers(slot *s)
{
    for (struct curl_slist *l = s->headers; l; l = l->next)
        lg_memwipe(l->data, strlen(l->data));
    curl_slist_free_all(s->headers);
    s->headers = NULL;
}

typedef struct sigs {
    char plan[LG_WEBHOOK_PLAN_SIG_LEN];      /* of the current secret */
    char plan_prev[LG_WEBHOOK_PLAN_SIG_LEN]; /* of the previous one, "" outside a grace */
    char std[LG_WEBHOOK_STD_SIG_LEN];        /* one or two, space-separated */
} sigs;

/* Both schemes for req at ts_ms; the new secret first, the previous one after. */
static lg_err sign_req(const lg_webhook_req *req, int64_t ts_ms, sigs *out)
{
    const char *b = req->body;
    size_t len = req->body_len;
    int64_t ts_s = ts_ms / 1000;
    int grace = req->secret_prev && req->secret_prev[0];
    lg_err rc = lg_webhook_sign_plan(req->secret, b, len, out->plan);
    if (rc == LG_OK)
        rc = lg_webhook_sign_std(req->secret, req->event_id, ts_s, b, len, out->std,
                                 sizeof out->std);
    out->plan_prev[0] = '\0';
    if (rc == LG_OK && grace)
        rc = lg_webhook_sign_plan(req->secret_prev, b, len, out->plan_prev);
    if (rc == LG_OK && grace) {
        size_t used = strlen(out->std);
        out->std[used] = ' ';
        rc = lg_webhook_sign_std(req->secret_prev, req->event_id, ts_s, b, len, out->std + used + 1,
                                 sizeof out->std - used - 1);
    }
    return rc;
}

/* The header list of webhook.h, signed at req->started_at_ms. */
static lg_err build_headers(slot *s)
{
    const lg_webhook_req *req = s->req;
    sigs sg;
    char ms[24], sec[24];
    lg_err rc = sign_req(req, req->started_at_ms, &sg);
    snprintf(ms, sizeof ms, "%" PRId64, req->started_at_ms);
    snprintf(sec, sizeof sec, "%" PRId64, req->started_at_ms / 1000);
    int grace = sg.plan_prev[0] != '\0';
    struct curl_slist **l = &s->headers;
    int ok = rc == LG_OK && append(l, "Content-Type", "application/json") &&
             append(l, "User-Agent", "lendgate-webhooks/" PACKAGE_VERSION) &&
             append(l, "X-Webhook-Event", req->event_type) &&
             append(l, "X-Webhook-Id", req->event_id) && append(l, "X-Webhook-Timestamp", ms) &&
             append(l, "X-Webhook-Signature", grace ? sg.plan_prev : sg.plan) &&
             (!grace || append(l, "X-Webhook-Signature-Next", sg.plan)) &&
             append(l, "webhook-id", req->event_id) && append(l, "webhook-timestamp", sec) &&
             append(l, "webhook-signature", sg.std) &&
             /* No "Expect: 100-continue" wait, and no Accept header of libcurl's own. */
             append_line(l, "Expect:") && append_line(l, "Accept:");
    lg_memwipe(&sg, sizeof sg);
    if (rc == LG_OK && !ok)
        rc = LG_ERR_NOMEM;
    return rc;
}

/* The easy handle of s: a POST of the body with the headers, bounded in time and in
 * what it reads, to no address the guard refuses, following no redirect. */
static lg_err setup_easy(slot *s, const lg_webhook_opts *o)
{
    const lg_webhook_req *req = s->req;
    CURL *c = s->easy = curl_easy_init();
    if (!c)
        return LG_ERR_NOMEM;
    const char *protocols = o->guard.allow_http ? "http,https" : "https";
    CURLcode rc = curl_easy_setopt(c, CURLOPT_URL, req->url);
#if LIBCURL_VERSION_NUM >= 0x075500
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, protocols);
#else
    long mask = o->guard.allow_http ? (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS) : CURLPROTO_HTTPS;
    (void)protocols;
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c, CURLOPT_PROTOCOLS, mask);
#endif
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c, CURLOPT_PROXY, "");
    if (rc != CURLE_OK)
        return LG_ERR_INVALID;
    long connect_ms = o->connect_timeout_ms > 0 ? o->connect_timeout_ms : o->timeout_ms;
    curl_easy_setopt(c, CURLOPT_PRIVATE, s);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, o->timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
    curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, open_socket);
    curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, s);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, s);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, s);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, s->curl_err);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, s->headers);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body);
    return LG_OK;
}

/* Starts s: signs it now and hands it to m. Returns 1 when it runs, 0 when it is
 * already finished (its error says why). */
static int start(CURLM *m, slot *s, const lg_webhook_opts *o)
{
    lg_webhook_req *req = s->req;
    req->started_at_ms = lg_time_now_ms();
    s->mono_start = lg_time_mono_ms();
    const char *why = check_req(req, &o->guard);
    if (why) {
        set_error(req, "not sent: ", why);
        return 0;
    }
    lg_err rc = build_headers(s);
    if (rc == LG_OK)
        rc = setup_easy(s, o);
    if (rc == LG_OK && curl_multi_add_handle(m, s->easy) != CURLM_OK)
        rc = LG_ERR_NOMEM;
    if (rc == LG_OK)
        return 1;
    set_error(req, "not sent: ", lg_strerror(rc));
    curl_easy_cleanup(s->easy);
    s->easy = NULL;
    wipe_headers(s);
    return 0;
}

/* The results of a finished transfer. */
static void finish(slot *s, CURLcode result)
{
    lg_webhook_req *req = s->req;
    int64_t took = lg_time_mono_ms() - s->mono_start;
    req->latency_ms = took < 0 ? 0 : took > UINT32_MAX ? UINT32_MAX : (uint32_t)took;
    long code = 0;
    curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &code);
    req->status_code = (int)code;
    if (code == 0 && s->refusal[0] && result == CURLE_COULDNT_CONNECT) {
        req->refused = 1;
        set_error(req, "", s->refusal);
    } else if (code == 0) {
        set_error(req, "", s->curl_err[0] ? s->curl_err : curl_easy_strerror(result));
    }
    int64_t delay = 0;
    if ((code == 429 || code == 503) && s->retry_after[0] &&
        lg_webhook_retry_after(s->retry_after, lg_time_now_ms(), &delay) == LG_OK)
        req->retry_after_ms = delay;
}

static void release(CURLM *m, slot *s)
{
    if (s->easy) {
        curl_multi_remove_handle(m, s->easy);
        curl_easy_cleanup(s->easy);
        s->easy = NULL;
    }
    wipe_headers(s);
}

/* ------------------------------------------------------------ the batch */

/* Collects every finished transfer; returns how many. */
static size_t collect(CURLM *m)
{
    size_t done = 0;
    int left = 0;
    CURLMsg *msg;
    while ((msg = curl_multi_info_read(m, &left))) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        slot *s = NULL;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&s);
        CURLcode result = msg->data.result; /* msg is invalid once the handle is removed */
        finish(s, result);
        release(m, s);
        done++;
    }
    return done;
}

static lg_err run(CURLM *m, slot *slots, size_t n, const lg_webhook_opts *o)
{
    size_t max = o->max_parallel ? o->max_parallel : DEFAULT_PARALLEL;
    size_t next = 0, running = 0, done = 0;
    while (done < n) {
        while (running < max && next < n) {
            if (start(m, &slots[next++], o))
                running++;
            else
                done++;
        }
        if (running == 0)
            continue;
        int still = 0;
        if (curl_multi_perform(m, &still) != CURLM_OK)
            return LG_ERR_INTERNAL;
        size_t ended = collect(m);
        running -= ended;
        done += ended;
        if (running > 0 && (ended == 0 || next == n) &&
            curl_multi_poll(m, NULL, 0, 1000, NULL) != CURLM_OK)
            return LG_ERR_INTERNAL;
    }
    return LG_OK;
}

lg_err lg_webhook_deliver(lg_webhook_req *reqs, size_t n, const lg_webhook_opts *opts)
{
    if ((n && !reqs) || !opts || opts->timeout_ms <= 0 || opts->connect_timeout_ms < 0)
        return LG_ERR_INVALID;
    for (size_t i = 0; i < n; i++)
        reset_outputs(&reqs[i]);
    if (n == 0)
        return LG_OK;
    slot *slots = calloc(n, sizeof *slots);
    if (!slots)
        return LG_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        slots[i].req = &reqs[i];
        slots[i].guard = &opts->guard;
    }
    CURLM *m = curl_multi_init();
    lg_err rc = m ? run(m, slots, n, opts) : LG_ERR_INTERNAL;
    for (size_t i = 0; i < n; i++) {
        if (rc != LG_OK && slots[i].easy)
            set_error(slots[i].req, "", "not finished: the batch failed");
        release(m, &slots[i]);
    }
    curl_multi_cleanup(m);
    free(slots);
    return rc;
}
