/* test_man_conf.c - man/lendgate.conf.5 documents the schema of src/core/config.c:
 * every key once, under its section, with its default, and no key the schema lacks. */
#include "harness.h"

#include <lendgate/config.h>

#include <stdio.h>
#include <string.h>

/* The page is written for the system layout, as etc/lendgate.conf.example is. */
#ifndef LG_PKGSYSCONFDIR
#define LG_PKGSYSCONFDIR "/etc/lendgate"
#endif
#ifndef LG_PKGSTATEDIR
#define LG_PKGSTATEDIR "/var/lib/lendgate"
#endif

#define MAX_KEYS 128

typedef struct {
    char section[64], key[64], def[256];
    int has_def;
} page_key;

/* Into out: roff text with its escapes and font changes undone. */
static void unroff(const char *in, char *out, size_t len)
{
    size_t n = 0;
    while (*in && n + 1 < len) {
        if (in[0] == '\\' && (in[1] == '-' || in[1] == 'e')) {
            out[n++] = in[1] == '-' ? '-' : '\\';
            in += 2;
        } else if (in[0] == '\\' && in[1] == 'f' && in[2]) {
            in += 3;
        } else if (in[0] == '\\' && in[1] == '&') {
            in += 2;
        } else {
            out[n++] = *in++;
        }
    }
    out[n] = '\0';
}

/* The keys of the page's KEYS section: ".SS [section]", then ".TP", ".B key", the
 * description, and "Default: VALUE." or "Default: empty." */
static size_t read_page(const char *path, page_key *keys, size_t cap)
{
    FILE *f = fopen(path, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    char line[1024], section[64] = "";
    int in_keys = 0, after_tp = 0;
    size_t n = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (strncmp(line, ".SH ", 4) == 0) {
            in_keys = strcmp(line + 4, "KEYS") == 0;
            continue;
        }
        if (!in_keys)
            continue;
        if (strncmp(line, ".SS [", 5) == 0) {
            size_t len = strcspn(line + 5, "]");
            snprintf(section, sizeof section, "%.*s",
                     (int)(len < sizeof section ? len : sizeof section - 1), line + 5);
        } else if (strcmp(line, ".TP") == 0) {
            after_tp = 1;
            continue;
        } else if (after_tp && strncmp(line, ".B ", 3) == 0 && n < cap) {
            snprintf(keys[n].section, sizeof keys[n].section, "%s", section);
            snprintf(keys[n].key, sizeof keys[n].key, "%.*s", (int)(sizeof keys[n].key - 1),
                     line + 3);
            keys[n].has_def = 0;
            n++;
        } else if (n > 0 && strncmp(line, "Default: ", 9) == 0) {
            char text[256];
            unroff(line + 9, text, sizeof text);
            size_t len = strlen(text);
            if (len > 0 && text[len - 1] == '.')
                text[--len] = '\0';
            snprintf(keys[n - 1].def, sizeof keys[n - 1].def, "%s",
                     strcmp(text, "empty") == 0 ? "" : text);
            keys[n - 1].has_def = 1;
        }
        after_tp = 0;
    }
    fclose(f);
    return n;
}

/* A default written for the system layout, as this build has it. */
static const char *built_value(const char *value, char *out, size_t len)
{
    static const struct {
        const char *written, *built;
    } dirs[] = {{"/etc/lendgate", LG_PKGSYSCONFDIR}, {"/var/lib/lendgate", LG_PKGSTATEDIR}};
    for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
        size_t n = strlen(dirs[i].written);
        if (strncmp(value, dirs[i].written, n) == 0 && (value[n] == '\0' || value[n] == '/')) {
            snprintf(out, len, "%s%s", dirs[i].built, value + n);
            return out;
        }
    }
    snprintf(out, len, "%s", value);
    return out;
}

static void test_page_documents_schema(void)
{
    char path[1024];
    static page_key keys[MAX_KEYS];
    lg_test_srcpath(path, sizeof path, "man/lendgate.conf.5");
    size_t nkeys = read_page(path, keys, MAX_KEYS);
    CU_ASSERT(nkeys > 0);
    for (size_t i = 0; i < lg_config_schema_count(); i++) {
        const char *s, *k, *d;
        CU_ASSERT_EQUAL_FATAL(lg_config_schema_at(i, &s, &k, &d), LG_OK);
        int found = 0;
        for (size_t j = 0; j < nkeys; j++) {
            if (strcmp(keys[j].section, s) || strcmp(keys[j].key, k))
                continue;
            char value[256];
            found++;
            CU_ASSERT(keys[j].has_def);
            CU_ASSERT_STRING_EQUAL(built_value(keys[j].def, value, sizeof value), d);
            if (strcmp(value, d))
                fprintf(stderr, "\n  [%s] %s: the page says %s, the schema %s\n", s, k, value, d);
        }
        CU_ASSERT_EQUAL(found, 1);
        if (found != 1)
            fprintf(stderr, "\n  [%s] %s documented %d times in lendgate.conf.5\n", s, k, found);
    }
    lg_config *cfg = NULL;
    CU_ASSERT_EQUAL_FATAL(lg_config_defaults(&cfg), LG_OK);
    for (size_t j = 0; j < nkeys; j++) { /* and nothing documented that does not exist */
        CU_ASSERT_PTR_NOT_NULL(lg_config_str(cfg, keys[j].section, keys[j].key));
        if (!lg_config_str(cfg, keys[j].section, keys[j].key))
            fprintf(stderr, "\n  [%s] %s is in lendgate.conf.5, not in the schema\n",
                    keys[j].section, keys[j].key);
    }
    lg_config_free(cfg);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 99;
    static const lg_test_case tests[] = {
        {"lendgate.conf.5 documents the schema", test_page_documents_schema},
        {NULL, NULL},
    };
    lg_test_add_suite("man_conf", NULL, NULL, tests);
    return lg_test_run("test_man_conf");
}
