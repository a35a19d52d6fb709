/* test_fuzz_regressions.c - inputs the fuzz targets (tests/fuzz) found, kept as unit
 * cases so the behaviour they exposed stays pinned without a fuzzing build. Each case
 * says which target found it and which invariant it broke. */
#include "config.h"

#include "harness.h"

#include <lendgate/config.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char tmpdir[512];

static int suite_init(void)
{
    unsetenv("LENDGATE_CONFIG");
    for (size_t i = 0; i < lg_config_schema_count(); i++) {
        const char *s, *k, *d;
        char var[128];
        if (lg_config_schema_at(i, &s, &k, &d) != LG_OK)
            continue;
        snprintf(var, sizeof var, "LENDGATE_%s_%s", s, k);
        for (char *p = var; *p; p++)
            *p = (char)toupper((unsigned char)*p);
        unsetenv(var);
    }
    return lg_test_mkdtemp(tmpdir, sizeof tmpdir);
}

static int suite_clean(void)
{
    lg_test_rmtree(tmpdir);
    return 0;
}

/* Loads text as a configuration file; returns the code, err holds the message. */
static lg_err load_text(const char *text, char *err, size_t errlen, char *path, size_t pathlen)
{
    snprintf(path, pathlen, "%s/fuzz.conf", tmpdir);
    FILE *fp = fopen(path, "w");
    if (!fp)
        return LG_ERR_IO;
    fputs(text, fp);
    fclose(fp);
    lg_config *cfg = NULL;
    lg_err rc = lg_config_load(path, &cfg, err, errlen);
    CU_ASSERT_TRUE(rc == LG_OK ? cfg != NULL : cfg == NULL);
    lg_config_free(cfg);
    return rc;
}

static int one_line(const char *s)
{
    return s[0] != '\0' && strpbrk(s, "\r\n") == NULL;
}

/* fuzz_config: a control character in front of a key name. The key is unknown, the
 * refusal names line 2 and stays one line. */
static void test_config_control_char_in_key(void)
{
    char err[512], path[600], want[640];
    CU_ASSERT_EQUAL(
        load_text("[store]\n\002backend = mongodb\n", err, sizeof err, path, sizeof path),
        LG_ERR_CONFIG);
    snprintf(want, sizeof want, "%s:2: ", path);
    CU_ASSERT_EQUAL(strncmp(err, want, strlen(want)), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "unknown key"));
    CU_ASSERT_TRUE(one_line(err));
    CU_ASSERT_PTR_NULL(strchr(err, '\002'));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "] ?backend: unknown key"));
}

/* fuzz_config: a section name of 61 hex digits after valid lines. Refused on its own
 * line as an unknown section, in one line, and the valid lines before it do not
 * leak into a loaded configuration. */
static void test_config_hex_section(void)
{
    char err[512], path[600], want[640], text[256];
    snprintf(text, sizeof text,
             "[store]\nbackend = sqlite\npath = /tmp/x.db\n[chai%s]\n"
             "rpc_url = http://127.0.0.1:8545\n",
             "7777777777777777777777777777777777777777777777777777777777777");
    CU_ASSERT_EQUAL(load_text(text, err, sizeof err, path, sizeof path), LG_ERR_CONFIG);
    snprintf(want, sizeof want, "%s:4: ", path);
    CU_ASSERT_EQUAL(strncmp(err, want, strlen(want)), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "unknown section"));
    CU_ASSERT_TRUE(one_line(err));
    /* A name that could be key material is not quoted back. */
    CU_ASSERT_PTR_NULL(strstr(err, "77777777777777777777777777777777"));
}

/* fuzz_config: bytes above 0x7f, control characters and a run of 65 hex digits as a
 * key before any section. Refused on line 1 as a key outside any section, in one
 * line, and what follows (a valid configuration) is not read. */
static void test_config_binary_key_outside_section(void)
{
    char err[512], path[600], want[640], text[256];
    memset(text, 0xff, 30);
    memset(text + 30, 0x15, 5);
    memset(text + 35, 'F', 65);
    snprintf(text + 100, sizeof text - 100, "= sq[store]\nbackend = sqlite\n");
    CU_ASSERT_EQUAL(load_text(text, err, sizeof err, path, sizeof path), LG_ERR_CONFIG);
    snprintf(want, sizeof want, "%s:1: ", path);
    CU_ASSERT_EQUAL(strncmp(err, want, strlen(want)), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "key outside any [section]"));
    CU_ASSERT_TRUE(one_line(err));
    CU_ASSERT_PTR_NULL(strstr(err, "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"));
    for (const char *p = err; *p; p++)
        CU_ASSERT_TRUE(isprint((unsigned char)*p));
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 99;
    static const lg_test_case config_tests[] = {
        {"control character in a key name", test_config_control_char_in_key},
        {"hex run as a section name", test_config_hex_section},
        {"binary key outside any section", test_config_binary_key_outside_section},
        {NULL, NULL},
    };
    lg_test_add_suite("fuzz_config", suite_init, suite_clean, config_tests);
    return lg_test_run("test_fuzz_regressions");
}
