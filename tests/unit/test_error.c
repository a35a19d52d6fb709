/* test_error.c - every lg_err code has a name and a description. */
#include "config.h"

#include "harness.h"

#include <lendgate/error.h>
#include <string.h>

static void test_every_code_described(void)
{
    for (int e = LG_OK; e < LG_ERR__LAST; e++) {
        CU_ASSERT_STRING_NOT_EQUAL(lg_strerror((lg_err)e), "unknown error");
        CU_ASSERT_STRING_NOT_EQUAL(lg_errname((lg_err)e), "LG_ERR_UNKNOWN");
    }
}

static void test_out_of_range(void)
{
    CU_ASSERT_STRING_EQUAL(lg_strerror(LG_ERR__LAST), "unknown error");
    CU_ASSERT_STRING_EQUAL(lg_strerror((lg_err)-1), "unknown error");
    CU_ASSERT_STRING_EQUAL(lg_errname(LG_ERR_NOT_FOUND), "LG_ERR_NOT_FOUND");
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 99;
    static const lg_test_case tests[] = {
        {"every code described", test_every_code_described},
        {"out of range", test_out_of_range},
        {NULL, NULL},
    };
    lg_test_add_suite("error", NULL, NULL, tests);
    return lg_test_run("test_error");
}
