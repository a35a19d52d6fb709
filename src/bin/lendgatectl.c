/*
 * lendgatectl - operator command line.
 *
 * A thin main: it parses the command line, loads the configuration and calls the
 * service functions the HTTP API also uses. Exit status: 0 success, 1 runtime
 * failure, 2 usage or configuration error; every failure is one line on stderr.
 */
#include "config.h"

#include "ctl_common.h"
#include "ctl_partner.h"
#include "ctl_store.h"
#include "ctl_webhook.h"

#include <lendgate/config.h>
#include <lendgate/dispatch.h>
#include <lendgate/log.h>
#include <lendgate/metrics.h>
#include <lendgate/observe.h>
#include <lendgate/proc.h>
#include <lendgate/service.h>
#include <lendgate/setup.h>
#include <lendgate/time.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { EXIT_OK = 0, EXIT_RUNTIME = 1, EXIT_USAGE = 2 };

typedef struct ctl_cmd {
    const char *name;
    const char *summary;
    int needs_config;
    int (*run)(lg_config *cfg, int argc, char **argv);
} ctl_cmd;

int lg_ctl_usage(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("lendgatectl: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs(" (see 'lendgatectl help')\n", stderr);
    va_end(ap);
    return EXIT_USAGE;
}

/* Runtime failures exit 1, configuration problems 2, as the contract says. */
static int fail(lg_err rc, const char *what, const char *msg)
{
    fprintf(stderr, "lendgatectl: %s: %s\n", what, msg && *msg ? msg : lg_strerror(rc));
    return rc == LG_ERR_CONFIG ? EXIT_USAGE : EXIT_RUNTIME;
}

static int cmd_init(lg_config *cfg, int argc, char **argv)
{
    (void)argv;
    if (argc > 1)
        return lg_ctl_usage("init takes no arguments, got '%s'", argv[1]);
    lg_setup_report r;
    char err[512] = "";
    lg_err rc = lg_setup_init(cfg, &r, err, sizeof err);
    if (rc != LG_OK)
        return fail(rc, "init", err);
    printf("state directory %s: %s\n", lg_config_str(cfg, "store", "state_dir"),
           r.created_state_dir ? "created" : "exists");
    printf("database %s: %s, %d migration(s) applied, schema version %d\n",
           lg_config_str(cfg, "store", "path"), r.created_database ? "created" : "exists",
           r.applied, r.schema_version);
    return EXIT_OK;
}

static int cmd_migrate(lg_config *cfg, int argc, char **argv)
{
    if (argc > 1)
        return lg_ctl_usage("migrate takes no arguments, got '%s'", argv[1]);
    lg_setup_report r;
    char err[512] = "";
    lg_err rc = lg_setup_migrate(cfg, &r, err, sizeof err);
    if (rc != LG_OK)
        return fail(rc, "migrate", err);
    printf("%d migration(s) applied, schema version %d\n", r.applied, r.schema_version);
    return EXIT_OK;
}

/* Only the backends this build really has. */
#ifdef HAVE_MONGODB
#define CTL_BACKENDS "sqlite, mongodb"
#else
#define CTL_BACKENDS "sqlite"
#endif

static int cmd_version(lg_config *cfg, int argc, char **argv)
{
    (void)cfg;
    if (argc > 1)
        return lg_ctl_usage("version takes no arguments, got '%s'", argv[1]);
    printf("lendgatectl %s (store backends: %s)\n", PACKAGE_VERSION, CTL_BACKENDS);
    return EXIT_OK;
}

/* ---- reconcile and nonce: the chain-facing operator verbs ---------------------- */

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
    (void)sig;
    stop_requested = 1;
}

/* The long-running verbs count what they do into a metrics file of their own, which
 * GET /metrics sums with the responders'. Without one they run all the same. */
static lg_metrics *job_metrics;

static void open_job_metrics(const lg_config *cfg, lg_service *svc)
{
    char dir[512];
    if (!lg_config_bool(cfg, "metrics", "enabled") ||
        lg_service_metrics_dir(cfg, dir, sizeof dir) != LG_OK ||
        lg_metrics_open(dir, &job_metrics) != LG_OK)
        return;
    lg_service_set_metrics(svc, job_metrics);
}

static void close_service(lg_service *svc)
{
    lg_service_set_metrics(svc, NULL);
    lg_service_close(svc);
    lg_metrics_close(job_metrics);
    job_metrics = NULL;
}

static int open_service(lg_config *cfg, lg_service **svc)
{
    char err[512] = "";
    lg_err rc = lg_service_open(svc, cfg, err, sizeof err);
    if (rc == LG_OK)
        open_job_metrics(cfg, *svc);
    return rc == LG_OK ? EXIT_OK : fail(rc, "opening the service", err);
}

/* Sleeps up to ms, waking early when a stop was requested. */
static void nap_ms(uint64_t ms)
{
    struct timespec step = {0, 10000000L};
    for (uint64_t i = 0; i < ms / 10 && !stop_requested; i++)
        nanosleep(&step, NULL);
}

/* Moves the audit journal's rows into the store every [audit] flush_ms for ms (0:
 * until stopped), as the host's ingester: the responders leave it to this process
 * meanwhile and answer calls only (their p99 is no longer a flush's). Its claim
 * lasts three intervals and a second past the last flush, so if it dies, the
 * responders take the ingest up again by themselves. */
static void ingest_for(lg_service *svc, const lg_config *cfg, uint64_t ms)
{
    uint64_t every = lg_config_u64(cfg, "audit", "flush_ms");
    int64_t end = lg_time_mono_ms() + (int64_t)ms;
    while (!stop_requested && (ms == 0 || lg_time_mono_ms() < end)) {
        lg_service_audit_ingester(svc, lg_time_now_ms() + (int64_t)(3 * every) + 1000);
        lg_err rc = lg_service_audit_flush(svc, 1, NULL);
        if (rc != LG_OK)
            fprintf(stderr, "lendgatectl: journal-flush: %s (the rows wait)\n", lg_strerror(rc));
        nap_ms(every);
    }
    lg_service_audit_ingester(svc, 0);
}

/* Moves the API call rows waiting in the audit journal into the store now (the
 * responders do it every [audit] flush_ms; this is for scripts that must see every
 * row at once, and for a host whose responders have all stopped), or, with --watch,
 * as the host's ingester until stopped. */
static int cmd_journal_flush(lg_config *cfg, int argc, char **argv)
{
    int watch = argc == 2 && strcmp(argv[1], "--watch") == 0;
    if (argc > 1 && !watch)
        return lg_ctl_usage("journal-flush takes only --watch, got '%s'", argv[1]);
    lg_service *svc = NULL;
    char err[512] = "";
    lg_err rc = lg_service_open_store_only(&svc, cfg, err, sizeof err);
    if (rc != LG_OK)
        return fail(rc, "opening the store", err);
    if (watch) {
        signal(SIGINT, on_stop);
        signal(SIGTERM, on_stop);
        ingest_for(svc, cfg, 0);
        lg_service_close(svc);
        return EXIT_OK;
    }
    unsigned moved = 0;
    rc = lg_service_audit_flush(svc, 1, &moved);
    lg_service_close(svc);
    if (rc != LG_OK)
        return fail(rc, "journal-flush", "");
    printf("%u audit row(s) moved from the journal into the store\n", moved);
    return EXIT_OK;
}

static void print_note(void *ctx, const char *line)
{
    (void)ctx;
    printf("  %s\n", line);
    fflush(stdout);
}

static int reconcile_once(lg_service *svc)
{
    lg_reconcile_report r;
    lg_err rc = lg_service_reconcile_ex(svc, &r, print_note, NULL);
    printf("reconcile: %u loan(s) confirmed, %u failed; %u repayment(s) applied, %u failed; "
           "%u re-broadcast; %u replaced; %u nonce gap(s) filled; %u still pending; "
           "%u spooled audit row(s) stored; %u liquidation(s) ending %u loan(s); "
           "%u loan(s) defaulted\n",
           r.loans_confirmed, r.loans_failed, r.repayments_applied, r.repayments_failed,
           r.rebroadcast, r.replaced, r.nonce_gaps_filled, r.still_pending, r.audit_rows,
           r.liquidations, r.loans_liquidated, r.loans_defaulted);
    fflush(stdout);
    return rc == LG_OK ? EXIT_OK : fail(rc, "reconcile", NULL);
}

static int parse_seconds(const char *text, unsigned long *out)
{
    char *end = NULL;
    unsigned long v = strtoul(text, &end, 10);
    if (!text[0] || text[0] == '-' || *end || v == 0 || v > 86400)
        return -1;
    *out = v;
    return 0;
}

static int cmd_reconcile(lg_config *cfg, int argc, char **argv)
{
    int watch = 0;
    unsigned long interval = 15;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--watch") == 0)
            watch = 1;
        else if (strcmp(argv[i], "--interval") == 0 && i + 1 < argc) {
            if (parse_seconds(argv[++i], &interval) != 0)
                return lg_ctl_usage("--interval takes 1 to 86400 seconds, got '%s'", argv[i]);
        } else
            return lg_ctl_usage("reconcile: unknown argument '%s'", argv[i]);
    }
    lg_service *svc = NULL;
    int status = open_service(cfg, &svc);
    if (status != EXIT_OK)
        return status;
    if (watch) {
        signal(SIGINT, on_stop);
        signal(SIGTERM, on_stop);
    }
    do {
        status = reconcile_once(svc);
        if (watch) /* between passes, the host's audit journal ingester */
            ingest_for(svc, cfg, (uint64_t)interval * 1000);
    } while (watch && !stop_requested);
    close_service(svc);
    return status;
}

/* ---- dispatch: the webhook deliveries -------------------------------------------- */

static int dispatch_once(lg_service *svc, unsigned *claimed)
{
    lg_dispatch_report r;
    lg_err rc = lg_service_dispatch(svc, &r, print_note, NULL);
    *claimed = r.claimed;
    if (r.claimed || rc != LG_OK)
        printf("dispatch: %u event(s) claimed: %u delivered, %u to retry, %u dead, %u endpoint(s) "
               "disabled, %u lease(s) lost\n",
               r.claimed, r.delivered, r.retried, r.dead, r.disabled, r.lost);
    fflush(stdout);
    return rc == LG_OK ? EXIT_OK : fail(rc, "dispatch", NULL);
}

static int cmd_dispatch(lg_config *cfg, int argc, char **argv)
{
    int watch = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--watch") == 0)
            watch = 1;
        else
            return lg_ctl_usage("dispatch: unknown argument '%s'", argv[i]);
    }
    lg_service *svc = NULL;
    char err[512] = "";
    lg_err rc = lg_service_open_store_only(&svc, cfg, err, sizeof err);
    if (rc != LG_OK)
        return fail(rc, "opening the store", err);
    open_job_metrics(cfg, svc);
    if (watch) {
        signal(SIGINT, on_stop);
        signal(SIGTERM, on_stop);
    }
    int status;
    unsigned claimed = 0;
    /* Once: every round until nothing is due. Watching: a busy queue is worked without
     * pause, an idle one polled every [webhook] poll_ms. */
    do {
        status = dispatch_once(svc, &claimed);
        if (watch && (claimed == 0 || status != EXIT_OK))
            nap_ms(lg_config_u64(cfg, "webhook", "poll_ms"));
    } while ((watch && !stop_requested) || (status == EXIT_OK && claimed > 0));
    close_service(svc);
    return status;
}

/* The sandbox's configuration (lg_config_sandbox) for --sandbox. Out: *sb (free). */
static int sandbox_config(const lg_config *cfg, lg_config **sb)
{
    if (!lg_config_has_sandbox(cfg))
        return fail(LG_ERR_CONFIG, "--sandbox", "the configuration has no [sandbox] rpc_url");
    lg_err rc = lg_config_sandbox(cfg, sb);
    return rc == LG_OK ? EXIT_OK : fail(rc, "--sandbox", NULL);
}

static int cmd_nonce(lg_config *cfg, int argc, char **argv)
{
    int sandbox = argc == 3 && strcmp(argv[2], "--sandbox") == 0;
    if ((argc != 2 && !sandbox) || strcmp(argv[1], "resync") != 0)
        return lg_ctl_usage("usage: nonce resync [--sandbox]");
    lg_config *sb = NULL;
    lg_service *svc = NULL;
    int status = sandbox ? sandbox_config(cfg, &sb) : EXIT_OK;
    if (status == EXIT_OK)
        status = open_service(sb ? sb : cfg, &svc);
    if (status != EXIT_OK) {
        lg_config_free(sb);
        return status;
    }
    uint64_t before = 0, after = 0;
    char addr[64] = "";
    lg_service_platform_address(svc, addr, sizeof addr);
    lg_err rc = lg_service_nonce_resync(svc, &before, &after);
    if (rc != LG_OK)
        status = fail(rc, "nonce resync", NULL);
    else if (before == UINT64_MAX)
        printf("nonce of %s: none -> %llu\n", addr, (unsigned long long)after);
    else
        printf("nonce of %s: %llu -> %llu\n", addr, (unsigned long long)before,
               (unsigned long long)after);
    close_service(svc);
    lg_config_free(sb);
    return status;
}

static int cmd_help(lg_config *cfg, int argc, char **argv);

static const ctl_cmd commands[] = {
    {"init", "create the state directory and the database, apply migrations", 1, cmd_init},
    {"migrate", "apply pending schema migrations to an existing database", 1, cmd_migrate},
    {"reconcile", "finish pending borrows and repayments ([--watch] [--interval SECONDS])", 1,
     cmd_reconcile},
    {"dispatch", "deliver due webhook events ([--watch]: keep delivering until stopped)", 1,
     cmd_dispatch},
    {"journal-flush",
     "move the API call rows waiting in the audit journal into the store now\n"
     "             ([--watch]: as the host's ingester, until stopped)",
     1, cmd_journal_flush},
    {"nonce",
     "nonce resync: reset the platform wallet's nonce to the node's pending count\n"
     "             ([--sandbox]: the sandbox's wallet, on its chain)",
     1, cmd_nonce},
    {"partner",
     "onboard and manage partners: create, list, show, update, suspend, activate,\n"
     "             rotate-key, import FILE ('lendgatectl partner help' for options)",
     1, lg_ctl_partner},
    {"audit",
     "the admin audit trail ([--admin A] [--action X] [--target ID] [--since DATE]\n"
     "             [--until DATE] [--limit N] [--json])",
     1, lg_ctl_audit},
    {"webhook",
     "operate webhooks: list, show, replay, replay-since, enable, test,\n"
     "             rotate-secret ('lendgatectl webhook help' for options)",
     1, lg_ctl_webhook},
    {"store",
     "store copy --from sqlite:PATH [--to BACKEND:LOCATION]: copy every table into an\n"
     "             empty store (default: the configured one), counts and sums verified",
     1, lg_ctl_store},
    {"version", "print the version", 0, cmd_version},
    {"help", "show this help", 0, cmd_help},
};

static int cmd_help(lg_config *cfg, int argc, char **argv)
{
    (void)cfg, (void)argc, (void)argv;
    printf("usage: lendgatectl [--config FILE] COMMAND [ARGS]\n\n"
           "The configuration is FILE, else $LENDGATE_CONFIG, else %s/lendgate.conf;\n"
           "LENDGATE_<SECTION>_<KEY> variables override single keys.\n\ncommands:\n",
           LG_PKGSYSCONFDIR);
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        printf("  %-10s %s\n", commands[i].name, commands[i].summary);
    return EXIT_OK;
}

static const ctl_cmd *find_command(const char *name)
{
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

/* Consumes leading global options. Returns the index of the command word, -2 for
 * --help, -3 for --version, or -1 after printing a usage error. */
static int parse_globals(int argc, char **argv, const char **config_path)
{
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
            *config_path = argv[++i];
        } else if (strncmp(argv[i], "--config=", 9) == 0) {
            *config_path = argv[i] + 9;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            return -2;
        } else if (strcmp(argv[i], "--version") == 0) {
            return -3;
        } else {
            lg_ctl_usage("unknown option '%s'", argv[i]);
            return -1;
        }
    }
    return i;
}

int main(int argc, char **argv)
{
    const char *config_path = NULL;
    lg_log_init("lendgatectl", LG_LOG_WARN);
    /* It prints fresh keys and secrets, and reconcile holds the platform key. */
    if (lg_proc_harden() != LG_OK)
        lg_warn("ctl.harden", "core dumps could not be turned off");
    int at = parse_globals(argc, argv, &config_path);
    if (at == -2)
        return cmd_help(NULL, 0, NULL);
    if (at == -3)
        return cmd_version(NULL, 0, NULL);
    if (at < 0)
        return EXIT_USAGE;
    if (at >= argc) {
        cmd_help(NULL, 0, NULL);
        return EXIT_USAGE;
    }
    const ctl_cmd *cmd = find_command(argv[at]);
    if (!cmd)
        return lg_ctl_usage("unknown command '%s'", argv[at]);
    lg_config *cfg = NULL;
    if (cmd->needs_config) {
        char err[512] = "";
        lg_err rc = lg_config_load(config_path, &cfg, err, sizeof err);
        if (rc != LG_OK) {
            fprintf(stderr, "lendgatectl: %s\n", err[0] ? err : lg_strerror(rc));
            return EXIT_USAGE;
        }
        lg_log_level level;
        if (lg_log_level_parse(lg_config_str(cfg, "log", "level"), &level) == LG_OK)
            lg_log_set_level(level);
    }
    int status = cmd->run(cfg, argc - at, argv + at);
    lg_config_free(cfg);
    return status;
}
