/*
 * lendgate_fcgi.c - the FastCGI responder of the partner API.
 *
 *   lendgate.fcgi                     spawned by the web server, socket on fd 0
 *   lendgate.fcgi --listen HOST:PORT|unix:PATH --workers N [--config FILE]
 *                                     own prefork master (nginx, spawn-fcgi setups)
 *   LISTEN_FDS=1 LISTEN_PID=<pid> lendgate.fcgi [--workers N] [--config FILE]
 *                                     own prefork master on the listening socket
 *                                     inherited on fd 3 (systemd socket activation,
 *                                     contrib/systemd/lendgate-fcgi.socket)
 *
 * Socket activation follows sd_listen_fds(3) without linking libsystemd: when
 * LISTEN_PID is this process and LISTEN_FDS is 1, fd 3 must be a listening stream
 * socket and is used in place of --listen (which is then ignored); the master never
 * unlinks it, as systemd owns it. LISTEN_FDS other than 1 for this process is a usage
 * error. LISTEN_PID, LISTEN_FDS and LISTEN_FDNAMES are always removed from the
 * environment, so nothing started later takes them for its own.
 *
 * Each worker answers one request at a time and opens its service (store, chain
 * node, keys) after the fork, keeping it for its life. The master replaces a worker
 * that dies, re-reads its configuration on SIGHUP (workers then restart one by one
 * as they finish), and on SIGTERM stops accepting and gives in-flight requests a
 * bounded time to finish.
 */
#include "config.h"

#include <lendgate/config.h>
#include <lendgate/http.h>
#include <lendgate/log.h>
#include <lendgate/proc.h>
#include <lendgate/request.h>
#include <lendgate/response.h>
#include <lendgate/time.h>

#include <errno.h>
#include <fcgiapp.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define EXIT_USAGE       2
#define MAX_WORKERS      256
#define RESPAWN_DELAY_MS 1000
#define LISTEN_FDS_START 3 /* SD_LISTEN_FDS_START of sd-daemon.h */

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t reload_requested;

static void on_stop(int sig)
{
    (void)sig;
    stop_requested = 1;
    FCGX_ShutdownPending();
}

static void on_reload(int sig)
{
    (void)sig;
    reload_requested = 1;
}

/* Installs handler for sig without SA_RESTART, so a blocked accept() returns. */
static void set_handler(int sig, void (*handler)(int))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
}

static const char *fcgi_param(void *ctx, const char *name)
{
    return FCGX_GetParam(name, (FCGX_ParamArray)ctx);
}

static long fcgi_read(void *ctx, char *buf, size_t n)
{
    FCGX_Stream *in = ctx;
    int want = n > 65536 ? 65536 : (int)n;
    int got = FCGX_GetStr(buf, want, in);
    if (got < 0 || (got == 0 && FCGX_GetError(in) != 0))
        return -1;
    return got;
}

static void write_response(FCGX_Request *rq, const lg_request *req, const lg_response *resp)
{
    char head[1024];
    if (lg_response_head(resp, req->request_id, head, sizeof head) != LG_OK)
        return;
    FCGX_PutStr(head, (int)strlen(head), rq->out);
    if (strcmp(req->method, "HEAD") != 0 && resp->body)
        FCGX_PutStr(resp->body, (int)resp->body_len, rq->out);
}

/* Answers one request; everything it allocates is freed before it returns. Returns
 * 1 when a test build's request asked this responder to die once it has answered
 * (X-Lendgate-Crash-At: answered), as a kill from outside right then would. */
static int serve(lg_http_server *srv, FCGX_Request *rq)
{
    lg_request *req = calloc(1, sizeof *req);
    lg_response resp;
    memset(&resp, 0, sizeof resp);
    if (!req) {
        static const char oom[] =
            "Status: 500 Internal Server Error\r\n"
            "Content-Type: application/json\r\n\r\n"
            "{\"success\":false,\"statusCode\":500,\"error\":\"Internal "
            "Server Error\",\"message\":\"out of memory\",\"requestId\":\"\"}";
        FCGX_PutStr(oom, (int)sizeof oom - 1, rq->out);
        return 0;
    }
    const char *proxies = lg_config_str(srv->cfg, "http", "trusted_proxies");
    lg_err rc = lg_request_init(req, fcgi_param, rq->envp, proxies);
    if (rc == LG_OK)
        rc = lg_request_read_body(req, fcgi_read, rq->in,
                                  (size_t)lg_config_u64(srv->cfg, "http", "max_body_bytes"));
    if (rc != LG_OK)
        lg_response_error(&resp, rc == LG_ERR_IO ? 400 : 500,
                          rc == LG_ERR_IO ? "body: could not be read" : "Internal error",
                          req->request_id);
    else
        lg_http_handle(srv, req, &resp);
    write_response(rq, req, &resp);
    int die = 0;
#ifdef LG_TEST_HOOKS
    die = strcmp(req->crash_at, "answered") == 0;
#endif
    lg_response_release(&resp);
    lg_request_release(req);
    free(req);
    return die;
}

/* Waits for a call on listen_fd while audit rows wait in the journal, flushing them
 * when their time comes and no call has. Returns 1 when accept() should be called
 * (a call is there, or nothing waits and accept may block), 0 to look again. */
static int call_waiting(lg_http_server *srv, int listen_fd)
{
    int due = lg_http_server_flush_due(srv);
    if (due < 0)
        return 1;
    struct pollfd p = {.fd = listen_fd, .events = POLLIN};
    int n = poll(&p, 1, due);
    if (n == 0)
        lg_http_server_flush(srv, 0);
    return n > 0;
}

/* The accept loop of one worker on listen_fd (0 when spawned by the web server). */
static int worker_loop(int listen_fd, const lg_config *cfg)
{
    set_handler(SIGTERM, on_stop);
    set_handler(SIGINT, on_stop);
    signal(SIGHUP, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    if (FCGX_Init() != 0) {
        lg_error("fcgi.init", "FCGX_Init failed");
        return 1;
    }
    lg_http_server srv;
    lg_http_server_init(&srv, cfg);
    FCGX_Request rq;
    FCGX_InitRequest(&rq, listen_fd, 0);
    lg_info("worker.start", "ready");
    while (!stop_requested) {
        if (!call_waiting(&srv, listen_fd))
            continue;
        if (FCGX_Accept_r(&rq) < 0)
            break;
        int die = serve(&srv, &rq);
        FCGX_Finish_r(&rq);
        if (die)
            raise(SIGKILL);
        lg_http_server_flush(&srv, 0);
    }
    if (lg_http_server_flush_due(&srv) >= 0) /* rows wait: in before this worker ends */
        lg_http_server_flush(&srv, 1);
    FCGX_Free(&rq, 0);
    lg_http_server_release(&srv);
    lg_info("worker.stop", "stopped");
    return 0;
}

typedef struct pool {
    int fd;
    int nworkers;
    pid_t pids[MAX_WORKERS];
    int64_t started_ms[MAX_WORKERS];
    lg_config *cfg;
    const char *config_path;
} pool;

static void release_pool(pool *p)
{
    lg_config_free(p->cfg);
    p->cfg = NULL;
}

static void spawn(pool *p, int slot)
{
    pid_t pid = fork();
    if (pid < 0) {
        lg_error("master.fork", "fork failed: %s", strerror(errno));
        p->pids[slot] = 0;
        return;
    }
    if (pid == 0) {
        signal(SIGHUP, SIG_IGN);
        int rc = worker_loop(p->fd, p->cfg);
        release_pool(p);
        exit(rc);
    }
    p->pids[slot] = pid;
    p->started_ms[slot] = lg_time_mono_ms();
}

static void apply_log_level(const lg_config *cfg)
{
    lg_log_level level;
    if (lg_log_level_parse(lg_config_str(cfg, "log", "level"), &level) == LG_OK)
        lg_log_set_level(level);
}

/* Loads the config and checks what only the HTTP layer can (the proxy ranges). */
static lg_err load_config(const char *path, lg_config **out, char *err, size_t errlen)
{
    char msg[256];
    lg_err rc = lg_config_load(path, out, err, errlen);
    if (rc != LG_OK)
        return rc;
    rc = lg_request_check_proxies(lg_config_str(*out, "http", "trusted_proxies"), msg, sizeof msg);
    if (rc == LG_OK)
        return LG_OK;
    snprintf(err, errlen, "%s: [http] %s", lg_config_file(*out), msg);
    lg_config_free(*out);
    *out = NULL;
    return LG_ERR_CONFIG;
}

static void reload(pool *p)
{
    char err[512] = "";
    lg_config *next = NULL;
    reload_requested = 0;
    if (load_config(p->config_path, &next, err, sizeof err) != LG_OK) {
        lg_error("master.reload", "configuration kept: %s", err);
        return;
    }
    lg_config_free(p->cfg);
    p->cfg = next;
    apply_log_level(next);
    /* Each worker finishes its request and exits; its replacement reads the new config. */
    for (int i = 0; i < p->nworkers; i++)
        if (p->pids[i] > 0)
            kill(p->pids[i], SIGTERM);
    lg_info("master.reload", "configuration reloaded, workers restarting");
}

/* Reaps dead workers and starts replacements (a worker that died young waits). */
static void reap_and_replace(pool *p)
{
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        for (int i = 0; i < p->nworkers; i++) {
            if (p->pids[i] != pid)
                continue;
            if (WIFSIGNALED(status))
                lg_warn("master.worker", "worker %d died of signal %d", (int)pid, WTERMSIG(status));
            p->pids[i] = 0;
        }
    }
    int64_t now = lg_time_mono_ms();
    for (int i = 0; i < p->nworkers && !stop_requested; i++)
        if (p->pids[i] == 0 && now - p->started_ms[i] >= RESPAWN_DELAY_MS)
            spawn(p, i);
}

static void nap_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Stops the workers: SIGTERM, a bounded wait for in-flight requests, then SIGKILL. */
static void stop_workers(pool *p)
{
    int64_t deadline =
        lg_time_mono_ms() + (int64_t)lg_config_u64(p->cfg, "http", "request_budget_ms") + 2000;
    for (int i = 0; i < p->nworkers; i++)
        if (p->pids[i] > 0)
            kill(p->pids[i], SIGTERM);
    for (;;) {
        int alive = 0;
        for (int i = 0; i < p->nworkers; i++) {
            if (p->pids[i] > 0 && waitpid(p->pids[i], NULL, WNOHANG) == p->pids[i])
                p->pids[i] = 0;
            alive += p->pids[i] > 0;
        }
        if (!alive)
            return;
        if (lg_time_mono_ms() >= deadline)
            break;
        nap_ms(50);
    }
    for (int i = 0; i < p->nworkers; i++) {
        if (p->pids[i] > 0) {
            lg_warn("master.stop", "worker %d did not finish in time: killed", (int)p->pids[i]);
            kill(p->pids[i], SIGKILL);
            waitpid(p->pids[i], NULL, 0);
            p->pids[i] = 0;
        }
    }
}

/* The socket systemd passed for this process: 1 and *fd = 3 when LISTEN_PID is our pid
 * and LISTEN_FDS is 1 (and fd 3 is a listening stream socket), 0 when none was passed
 * to us, -1 (message on stderr) for a passed socket we cannot use. Removes the
 * LISTEN_* variables either way. */
static int inherited_socket(int *fd)
{
    const char *pid_text = getenv("LISTEN_PID");
    const char *fds_text = getenv("LISTEN_FDS");
    int rc = 0;
    if (pid_text && fds_text) {
        char *end = NULL;
        errno = 0;
        long pid = strtol(pid_text, &end, 10);
        if (*pid_text && !*end && errno == 0 && pid == (long)getpid()) {
            int type = 0, listening = 0;
            socklen_t len = sizeof type, len2 = sizeof listening;
            if (strcmp(fds_text, "1") != 0) {
                fprintf(stderr, "lendgate.fcgi: LISTEN_FDS='%s': expected one socket\n", fds_text);
                rc = -1;
            } else if (getsockopt(LISTEN_FDS_START, SOL_SOCKET, SO_TYPE, &type, &len) != 0 ||
                       type != SOCK_STREAM ||
                       getsockopt(LISTEN_FDS_START, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len2) !=
                           0 ||
                       !listening) {
                fprintf(stderr,
                        "lendgate.fcgi: fd 3 (LISTEN_FDS) is not a listening stream socket\n");
                rc = -1;
            } else {
                fcntl(LISTEN_FDS_START, F_SETFD, FD_CLOEXEC);
                *fd = LISTEN_FDS_START;
                rc = 1;
            }
        }
    }
    unsetenv("LISTEN_PID");
    unsetenv("LISTEN_FDS");
    unsetenv("LISTEN_FDNAMES");
    return rc;
}

/* The prefork master on inherited_fd (from systemd, >= 0) or on a socket it opens at
 * listen (HOST:PORT or unix:PATH, removed again on stop). */
static int run_master(pool *p, const char *listen, int inherited_fd)
{
    const char *path = NULL;
    if (inherited_fd >= 0) {
        p->fd = inherited_fd;
        listen = "the socket from systemd (fd 3)";
    } else {
        path = strncmp(listen, "unix:", 5) == 0 ? listen + 5 : NULL;
        if (path)
            unlink(path);
        /* A unix socket 0660 whatever the caller's umask: the web server's group (chgrp
         * it, or run the master with that group) may connect, no one else; with a
         * umask of 022 it was 0755, which only its owner could connect to. */
        mode_t before = umask(0117);
        p->fd = FCGX_OpenSocket(path ? path : listen, 128);
        umask(before);
        if (p->fd < 0) {
            fprintf(stderr, "lendgate.fcgi: cannot listen on '%s'\n", listen);
            return 1;
        }
    }
    set_handler(SIGTERM, on_stop);
    set_handler(SIGINT, on_stop);
    set_handler(SIGHUP, on_reload);
    signal(SIGPIPE, SIG_IGN);
    for (int i = 0; i < p->nworkers; i++)
        spawn(p, i);
    lg_info("master.start", "listening on %s with %d workers", listen, p->nworkers);
    while (!stop_requested) {
        if (reload_requested)
            reload(p);
        reap_and_replace(p);
        nap_ms(100);
    }
    stop_workers(p);
    close(p->fd);
    if (path)
        unlink(path);
    lg_info("master.stop", "stopped");
    return 0;
}

static int usage(FILE *out, int status)
{
    fprintf(out,
            "usage: lendgate.fcgi [--config FILE]\n"
            "           (spawned by the web server: the socket is on fd 0)\n"
            "       lendgate.fcgi --listen HOST:PORT|unix:PATH --workers N [--config FILE]\n"
            "       LISTEN_FDS=1 LISTEN_PID=<pid> lendgate.fcgi [--workers N] [--config FILE]\n"
            "           (systemd socket activation: the listening socket is on fd 3,\n"
            "            used in place of --listen)\n");
    return status;
}

static int parse_workers(const char *text, int *out)
{
    char *end = NULL;
    long v = strtol(text, &end, 10);
    if (!*text || *end || v < 1 || v > MAX_WORKERS)
        return -1;
    *out = (int)v;
    return 0;
}

int main(int argc, char **argv)
{
    pool p;
    const char *listen = NULL;
    memset(&p, 0, sizeof p);
    p.nworkers = 4;
    /* A worker's memory holds the platform key and the secrets of requests. */
    if (lg_proc_harden() != LG_OK)
        fprintf(stderr, "lendgate.fcgi: core dumps could not be turned off\n");
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
            p.config_path = argv[++i];
        else if (strcmp(argv[i], "--listen") == 0 && i + 1 < argc)
            listen = argv[++i];
        else if (strcmp(argv[i], "--workers") == 0 && i + 1 < argc) {
            if (parse_workers(argv[++i], &p.nworkers) != 0)
                return usage(stderr, EXIT_USAGE);
        } else if (strcmp(argv[i], "--help") == 0)
            return usage(stdout, 0);
        else if (strcmp(argv[i], "--version") == 0) {
            printf("lendgate.fcgi %s\n", PACKAGE_VERSION);
            return 0;
        } else
            return usage(stderr, EXIT_USAGE);
    }
    int inherited_fd = -1;
    int inherited = inherited_socket(&inherited_fd);
    if (inherited < 0)
        return EXIT_USAGE;
    lg_log_init("lendgate.fcgi", LG_LOG_INFO);
    char err[512] = "";
    if (load_config(p.config_path, &p.cfg, err, sizeof err) != LG_OK) {
        fprintf(stderr, "lendgate.fcgi: %s\n", err);
        return EXIT_USAGE;
    }
    apply_log_level(p.cfg);
    int rc;
    if (inherited && listen)
        lg_warn("master.start", "--listen '%s' ignored: systemd passed the socket", listen);
    if (inherited || listen)
        rc = run_master(&p, listen, inherited_fd);
    else if (FCGX_IsCGI())
        rc = usage(stderr, EXIT_USAGE);
    else
        rc = worker_loop(0, p.cfg);
    release_pool(&p);
    return rc;
}
