/* test_json_input.c - strict JSON bodies: objects only, no repeated keys, bounded
 * depth, no control characters, fields held to a list. */
#include "config.h"

#include "harness.h"

#include <lendgate/json_input.h>

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

static lg_err parse(const char *text, char *msg, size_t msglen)
{
    struct json_object *o = NULL;
    lg_err rc = lg_json_parse_object(text, strlen(text), LG_JSON_MAX_DEPTH, &o, msg, msglen);
    CU_ASSERT_EQUAL(o != NULL, rc == LG_OK);
    json_object_put(o);
    return rc;
}

static void test_accepts_object(void)
{
    char msg[128];
    CU_ASSERT_EQUAL(parse("{\"a\":\"1\",\"b\":{\"c\":[1,2,{\"d\":null}]}}", msg, sizeof msg),
                    LG_OK);
    CU_ASSERT_EQUAL(parse(" {\"a\" : \"\\u00e9\"} ", msg, sizeof msg), LG_OK);
}

static void test_refuses_non_objects(void)
{
    char msg[128];
    const char *bad[] = {"[1,2]",      "\"x\"",   "42",          "null",       "",          "{",
                         "{\"a\":1}x", "{'a':1}", "{\"a\":NaN}", "{\"a\":1,}", "{\"a\":01}"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        msg[0] = '\0';
        CU_ASSERT_EQUAL(parse(bad[i], msg, sizeof msg), LG_ERR_INVALID);
        CU_ASSERT_PTR_NOT_NULL(strstr(msg, "body"));
    }
}

static void test_duplicate_keys(void)
{
    char msg[128];
    CU_ASSERT_EQUAL(parse("{\"amount\":\"1\",\"amount\":\"2\"}", msg, sizeof msg), LG_ERR_INVALID);
    CU_ASSERT_STRING_EQUAL(msg, "amount: key given more than once");
    /* The same key spelled with an escape is the same key. */
    CU_ASSERT_EQUAL(parse("{\"ab\":1,\"a\\u0062\":2}", msg, sizeof msg), LG_ERR_INVALID);
    /* Repeated keys deep inside count too; the same key in sibling objects does not. */
    CU_ASSERT_EQUAL(parse("{\"x\":{\"y\":[{\"k\":1,\"k\":2}]}}", msg, sizeof msg), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(
        parse("{\"x\":{\"k\":1},\"y\":{\"k\":2},\"z\":[{\"k\":1},{\"k\":1}]}", msg, sizeof msg),
        LG_OK);
    /* A value equal to a key is not a key. */
    CU_ASSERT_EQUAL(parse("{\"a\":\"a\",\"b\":[\"a\",\"b\"]}", msg, sizeof msg), LG_OK);
    char key[16];
    /* Truncated input (never accepted by the parser) is scanned without overreading. */
    CU_ASSERT_EQUAL(lg_json_find_duplicate("{\"a\\", 4, key, sizeof key), 0);
    CU_ASSERT_EQUAL(lg_json_find_duplicate("{\"\\u12", 6, key, sizeof key), 0);
    CU_ASSERT_EQUAL(lg_json_find_duplicate("{\"a\":1,\"a", 9, key, sizeof key), 1);
    CU_ASSERT_EQUAL(lg_json_find_duplicate("{\"\\ud83d\\ude00\":1,\"\xf0\x9f\x98\x80\":2}", 29, key,
                                           sizeof key),
                    1);
}

static void test_depth(void)
{
    char msg[128];
    size_t n = 1000;
    char *deep = malloc(2 * n + 16);
    CU_ASSERT_FATAL(deep != NULL);
    size_t o = 0;
    deep[o++] = '{';
    memcpy(deep + o, "\"a\":", 4);
    o += 4;
    for (size_t i = 0; i < n; i++)
        deep[o++] = '[';
    for (size_t i = 0; i < n; i++)
        deep[o++] = ']';
    deep[o++] = '}';
    deep[o] = '\0';
    CU_ASSERT_EQUAL(parse(deep, msg, sizeof msg), LG_ERR_INVALID);
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, "deeper"));
    free(deep);
}

static void test_control_and_utf8(void)
{
    char msg[128];
    CU_ASSERT_EQUAL(parse("{\"a\":\"x\ty\"}", msg, sizeof msg), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(parse("{\"a\":\"\xff\xfe\"}", msg, sizeof msg), LG_ERR_INVALID);
    struct json_object *o = NULL;
    CU_ASSERT_EQUAL(lg_json_parse_object("{\"a\":\"1\"}\0x", 11, 32, &o, msg, sizeof msg),
                    LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_json_parse_object(NULL, 0, 32, &o, msg, sizeof msg), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_json_parse_object("{}", 2, 32, NULL, msg, sizeof msg), LG_ERR_INVALID);
}

/* json-c keeps member names as C strings: "amount\u0000" would reach the field
 * checks as "amount" and replace the real one. A name with a control character,
 * raw or escaped, is refused before json-c sees the text. */
static void test_control_in_names(void)
{
    char msg[128];
    const char *bad[] = {
        "{\"amount\":\"1\",\"amount\\u0000\":\"2\"}",
        "{\"a\\u0000b\":1}",
        "{\"a\\u001f\":1}",
        "{\"a\\u001F\":1}",
        "{\"\\u0001\":1}",
        "{\"a\\n\":1}",
        "{\"a\\t\":1}",
        "{\"a\\u007f\":1}",
        "{\"a\x7f\":1}",
        "{\"x\":[{\"k\\u0000\":1}]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        msg[0] = '\0';
        CU_ASSERT_EQUAL(parse(bad[i], msg, sizeof msg), LG_ERR_INVALID);
        CU_ASSERT_PTR_NOT_NULL(strstr(msg, "invalid member name: control character"));
    }
    /* Raw control bytes, NUL among them, in a name. */
    static const char raw[][10] = {"{\"a\x01"
                                   "b\":1}",
                                   "{\"a\x1f"
                                   "b\":1}",
                                   "{\"a\0b\":1}"};
    for (size_t i = 0; i < sizeof raw / sizeof *raw; i++) {
        struct json_object *o = NULL;
        msg[0] = '\0';
        CU_ASSERT_EQUAL(lg_json_parse_object(raw[i], 9, LG_JSON_MAX_DEPTH, &o, msg, sizeof msg),
                        LG_ERR_INVALID);
        CU_ASSERT_PTR_NULL(o);
        CU_ASSERT_PTR_NOT_NULL(strstr(msg, "invalid member name: control character"));
    }
    /* The same name spelled with an escape is still a repeated key. */
    CU_ASSERT_EQUAL(parse("{\"a\":1,\"\\u0061\":2}", msg, sizeof msg), LG_ERR_INVALID);
    CU_ASSERT_STRING_EQUAL(msg, "a: key given more than once");
    /* Control characters in values are for the field checks; printable escapes and
     * other code points in names are fine. */
    CU_ASSERT_EQUAL(parse("{\"a\":\"\\u0000\",\"\\u00e9\\u0062\":\"\\n\"}", msg, sizeof msg),
                    LG_OK);
    CU_ASSERT_EQUAL(parse("{\"partnerLoanId\":\"m-1\",\"userWallet\":\"0x5aAeb6053F3E94C9b9A09f"
                          "33669435E7Ef1BeAed\",\"oaidTokenId\":\"1\",\"amount\":\"1000000\"}",
                          msg, sizeof msg),
                    LG_OK);
    /* The scan for repeated keys compares decoded names by length and bytes. */
    static const struct {
        const char *text;
        int dup;
    } scans[] = {{"{\"a\":1,\"a\\u0000\":2}", 0},
                 {"{\"a\\u0000\":1,\"a\\u0000\":2}", 1},
                 {"{\"a\\u0000b\":1,\"a\\u0000c\":2}", 0}};
    for (size_t i = 0; i < sizeof scans / sizeof *scans; i++) {
        char key[16];
        CU_ASSERT_EQUAL(
            lg_json_find_duplicate(scans[i].text, strlen(scans[i].text), key, sizeof key),
            scans[i].dup);
    }
}

static void test_take_strings(void)
{
    static const lg_json_field fields[] = {{"amount", 1}, {"note", 0}};
    const char *v[2];
    char msg[128];
    struct json_object *o = json_tokener_parse("{\"amount\":\"5\"}");
    CU_ASSERT_EQUAL(lg_json_take_strings(o, fields, 2, v, msg, sizeof msg), LG_OK);
    CU_ASSERT_STRING_EQUAL(v[0], "5");
    CU_ASSERT_PTR_NULL(v[1]);
    json_object_put(o);

    o = json_tokener_parse("{\"amount\":5}");
    CU_ASSERT_EQUAL(lg_json_take_strings(o, fields, 2, v, msg, sizeof msg), LG_ERR_INVALID);
    CU_ASSERT_STRING_EQUAL(msg, "amount: must be a string");
    json_object_put(o);

    o = json_tokener_parse("{\"amount\":\"5\",\"extra\":\"1\"}");
    CU_ASSERT_EQUAL(lg_json_take_strings(o, fields, 2, v, msg, sizeof msg), LG_ERR_INVALID);
    CU_ASSERT_STRING_EQUAL(msg, "extra: unknown field");
    json_object_put(o);

    o = json_tokener_parse("{\"note\":\"x\"}");
    CU_ASSERT_EQUAL(lg_json_take_strings(o, fields, 2, v, msg, sizeof msg), LG_ERR_INVALID);
    CU_ASSERT_STRING_EQUAL(msg, "amount: is required");
    json_object_put(o);

    o = json_tokener_parse("{\"amount\":\"a\\u0000b\"}");
    CU_ASSERT_EQUAL(lg_json_take_strings(o, fields, 2, v, msg, sizeof msg), LG_ERR_INVALID);
    json_object_put(o);
}

static void test_safe_name(void)
{
    char out[8];
    lg_json_safe_name(out, sizeof out, "a\x01\"b");
    CU_ASSERT_STRING_EQUAL(out, "a??b");
    lg_json_safe_name(out, sizeof out, "abcdefghijkl");
    CU_ASSERT_STRING_EQUAL(out, "abcd...");
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 99;
    static const lg_test_case tests[] = {
        {"accepts objects", test_accepts_object},
        {"refuses non-objects and bad JSON", test_refuses_non_objects},
        {"duplicate keys", test_duplicate_keys},
        {"depth bound", test_depth},
        {"control characters and UTF-8", test_control_and_utf8},
        {"control characters in member names", test_control_in_names},
        {"take strings", test_take_strings},
        {"safe names", test_safe_name},
        {NULL, NULL},
    };
    lg_test_add_suite("json_input", NULL, NULL, tests);
    return lg_test_run("test_json_input");
}
