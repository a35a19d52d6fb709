/*
 * ctl_store.c - `lendgatectl store copy --from sqlite:PATH [--to BACKEND:LOCATION]`:
 * prints each table's rows and money sums as both stores counted them, then
 * "verified" (exit 0) or the first difference (exit 1). Only counts and sums are
 * printed: no record, so no secret, ever reaches the terminal.
 */
#include "config.h"

#include "ctl_common.h"
#include "ctl_store.h"

#include <lendgate/store_move.h>

#include <stdio.h>
#include <string.h>

static void print_table(const lg_move_table *t, int bad)
{
    printf("%-24s %10llu", t->name, (unsigned long long)t->source_rows);
    if (t->target_rows != t->source_rows)
        printf(" (target %llu)", (unsigned long long)t->target_rows);
    for (size_t i = 0; i < t->nsums; i++) {
        printf("  %s=%s", t->sum_names[i], t->source_sums[i]);
        if (strcmp(t->source_sums[i], t->target_sums[i]) != 0)
            printf(" (target %s)", t->target_sums[i]);
    }
    printf("%s\n", bad ? "  <- differs" : "");
}

static void print_report(const lg_move_report *r)
{
    printf("%-24s %10s  %s\n", "table", "rows", "sums");
    for (size_t i = 0; i < r->ntables; i++)
        print_table(&r->tables[i], r->bad_table == (int)i);
    for (size_t i = 0; lg_move_not_copied[i]; i++)
        printf("not copied: %s\n", lg_move_not_copied[i]);
}

static int store_copy(lg_config *cfg, int argc, char **argv)
{
    const char *from = NULL, *to = NULL;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--from") == 0 && i + 1 < argc)
            from = argv[++i];
        else if (strcmp(argv[i], "--to") == 0 && i + 1 < argc)
            to = argv[++i];
        else
            return lg_ctl_usage("store copy: unexpected '%s'", argv[i]);
    }
    if (!from)
        return lg_ctl_usage("store copy needs --from sqlite:PATH");
    lg_move_report r;
    char err[512] = "";
    lg_err rc = lg_move_copy(cfg, from, to, &r, err, sizeof err);
    /* A refused target was never written: its census is all there is to show. */
    if (r.ntables && rc != LG_ERR_CONFLICT)
        print_report(&r);
    if (rc != LG_OK) {
        lg_ctl_refuse("store", "copy", "%s", err[0] ? err : lg_strerror(rc));
        return rc == LG_ERR_CONFIG || rc == LG_ERR_INVALID ? 2 : 1;
    }
    printf("copied %llu records: counts and sums verified\n", (unsigned long long)r.copied);
    return 0;
}

int lg_ctl_store(lg_config *cfg, int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "help") == 0) {
        printf("usage: lendgatectl store copy --from sqlite:PATH [--to BACKEND:LOCATION]\n"
               "  copies every table into an empty store (default: the configured [store]),\n"
               "  then compares the rows and money sums of both; stop every writer first\n");
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "copy") == 0)
        return store_copy(cfg, argc, argv);
    return lg_ctl_usage("unknown store verb '%s'", argv[1]);
}
