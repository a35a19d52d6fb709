/* fuzz_config.c - libFuzzer target: lendgate.conf through lg_config_load (written to
 * a private, already unlinked temporary file, with every LENDGATE_* variable unset).
 * A configuration that loads holds a canonical text for every key of the schema,
 * setting a key to its own text is accepted and changes nothing, and written out
 * again as a file it loads to the same texts. A refusal is one line that never
 * quotes the value of a secret key, nor shows a long hex run from a value. The first
 * input line is also offered to lg_config_set as each secret key, whose refusal must
 * not quote it either. */
#include "config.h"

#include "fuzz_common.h"

#include <lendgate/config.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);

extern char **environ;

static char conf_path[64];
static char again_path[64];

/* A private temporary file, unlinked at once so that nothing is left behind even
 * when a crash ends the process; it stays reachable under /proc/self/fd. */
static void make_file(char *path, size_t cap)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(path, cap, "%s/lgfuzzXXXXXX", tmp && *tmp ? tmp : "/tmp");
    int fd = mkstemp(path);
    check(fd >= 0);
    check(unlink(path) == 0);
    snprintf(path, cap, "/proc/self/fd/%d", fd);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    /* Overrides from the environment would hide what the file says. */
    for (size_t i = 0; environ[i];) {
        if (strncmp(environ[i], "LENDGATE_", 9) != 0) {
            i++;
            continue;
        }
        char name[128];
        snprintf(name, sizeof name, "%.*s", (int)strcspn(environ[i], "="), environ[i]);
        unsetenv(name);
    }
    make_file(conf_path, sizeof conf_path);
    make_file(again_path, sizeof again_path);
    return 0;
}

static void write_file(const char *path, const void *data, size_t size)
{
    FILE *fp = fopen(path, "w");
    check(fp != NULL);
    check(fwrite(data, 1, size, fp) == size);
    check(fclose(fp) == 0);
}

static int is_secret(const char *section, const char *key)
{
    return (strcmp(section, "store") == 0 && strcmp(key, "mongodb_uri") == 0) ||
           (strcmp(section, "chain") == 0 && strcmp(key, "rpc_url") == 0);
}

/* One line; one that shows a value has no run of hex long enough to be key
 * material. The name of an unknown section or key, or of a key outside any section,
 * is shown as the file spells it (control characters and hex runs included), so
 * those messages are held to the line rule only. */
static void check_line(const char *err, size_t cap)
{
    size_t n = strnlen(err, cap), run = 0;
    int names_only = strstr(err, ": unknown ") || strstr(err, ": key outside any [section]");
    check(n > 0 && n < cap);
    for (size_t i = 0; i < n; i++) {
        check(err[i] != '\n' && err[i] != '\r');
        run = strchr("0123456789abcdefABCDEF", err[i]) ? run + 1 : 0;
        check(names_only || run < 48);
    }
}

/* 1 when err quotes value (bad values are shown as 'value', cut short). */
static int quotes(const char *err, const char *value)
{
    char q[24];
    if (strlen(value) < 4)
        return 0;
    snprintf(q, sizeof q, "'%.20s", value);
    return strstr(err, q) != NULL;
}

/* The value of a "rpc_url = v" or "mongodb_uri = v" line, trimmed, or NULL. */
static const char *secret_value(char *line)
{
    line += strspn(line, " \t");
    size_t k = strcspn(line, " \t=:");
    if (!((k == 7 && strncmp(line, "rpc_url", 7) == 0) ||
          (k == 11 && strncmp(line, "mongodb_uri", 11) == 0)))
        return NULL;
    char *v = line + k;
    v += strspn(v, " \t");
    if (*v != '=' && *v != ':')
        return NULL;
    v++;
    v += strspn(v, " \t");
    size_t n = strlen(v);
    while (n > 0 && strchr(" \t\r\n", v[n - 1]))
        v[--n] = '\0';
    return v;
}

/* A refusal names a line; when that line set a secret key, its value is not shown. */
static void check_refusal(const char *err, size_t cap, const uint8_t *data, size_t size)
{
    check_line(err, cap);
    size_t plen = strlen(conf_path);
    if (strncmp(err, conf_path, plen) != 0 || err[plen] != ':')
        return;
    long want = strtol(err + plen + 1, NULL, 10);
    char line[256];
    size_t pos = 0;
    for (long no = 1; pos < size; no++) {
        const uint8_t *nl = memchr(data + pos, '\n', size - pos);
        size_t len = nl ? (size_t)(nl - (data + pos)) : size - pos;
        if (no == want) {
            snprintf(line, sizeof line, "%.*s", (int)len, (const char *)data + pos);
            const char *v = secret_value(line);
            check(!v || !quotes(err, v));
            return;
        }
        pos += len + 1;
    }
}

static void check_loaded(lg_config *cfg)
{
    char err[512];
    FILE *fp = fopen(again_path, "w");
    check(fp != NULL);
    const char *last = "";
    int fits = 1;
    for (size_t i = 0; i < lg_config_schema_count(); i++) {
        const char *section, *key, *def;
        check(lg_config_schema_at(i, &section, &key, &def) == LG_OK);
        const char *text = lg_config_str(cfg, section, key);
        check(text != NULL);
        char *copy = strdup(text);
        check(copy != NULL);
        check(lg_config_set(cfg, section, key, copy, err, sizeof err) == LG_OK);
        check(strcmp(lg_config_str(cfg, section, key), copy) == 0);
        if (strcmp(section, last) != 0)
            fprintf(fp, "[%s]\n", section);
        last = section;
        if (copy[0] != '\0') {
            fits &= strlen(key) + 3 + strlen(copy) <= 198;
            fprintf(fp, "%s = %s\n", key, copy);
        }
        free(copy);
    }
    check(fclose(fp) == 0);
    lg_config *again = NULL;
    if (!fits)
        return;
    check(lg_config_load(again_path, &again, err, sizeof err) == LG_OK);
    for (size_t i = 0; i < lg_config_schema_count(); i++) {
        const char *section, *key, *def;
        check(lg_config_schema_at(i, &section, &key, &def) == LG_OK);
        check(strcmp(lg_config_str(cfg, section, key), lg_config_str(again, section, key)) == 0);
    }
    lg_config_free(again);
}

/* Offers the first input line to each secret key. */
static void set_secrets(const uint8_t *data, size_t size)
{
    char value[256], err[512];
    size_t len = strcspn((const char *)data, "\n");
    snprintf(value, sizeof value, "%.*s", (int)(len < size ? len : size), (const char *)data);
    lg_config *cfg = NULL;
    check(lg_config_defaults(&cfg) == LG_OK);
    for (size_t i = 0; i < lg_config_schema_count(); i++) {
        const char *section, *key, *def;
        check(lg_config_schema_at(i, &section, &key, &def) == LG_OK);
        if (!is_secret(section, key))
            continue;
        if (lg_config_set(cfg, section, key, value, err, sizeof err) != LG_OK) {
            check_line(err, sizeof err);
            check(!quotes(err, value));
        }
    }
    lg_config_free(cfg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512];
    lg_config *cfg = NULL;
    write_file(conf_path, data, size);
    lg_err rc = lg_config_load(conf_path, &cfg, err, sizeof err);
    if (rc == LG_OK) {
        check(cfg != NULL && strcmp(lg_config_file(cfg), conf_path) == 0);
        check_loaded(cfg);
        lg_config_free(cfg);
    } else {
        check(cfg == NULL && (rc == LG_ERR_CONFIG || rc == LG_ERR_IO || rc == LG_ERR_NOMEM));
        check_refusal(err, sizeof err, data, size);
    }
    /* data need not be NUL-terminated: work on a terminated copy. */
    char *text = malloc(size + 1);
    check(text != NULL);
    memcpy(text, data, size);
    text[size] = '\0';
    set_secrets((const uint8_t *)text, size);
    free(text);
    return 0;
}
