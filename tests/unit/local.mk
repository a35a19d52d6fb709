# Shared CUnit scaffolding; each area's local.mk adds its own test programs.
tests_unit_libharness_a_SOURCES = tests/unit/harness.c tests/unit/harness.h
tests_unit_libharness_a_CFLAGS = $(AM_CFLAGS) $(CUNIT_CFLAGS)

check_PROGRAMS += tests/unit/test_error
tests_unit_test_error_SOURCES = tests/unit/test_error.c
tests_unit_test_error_LDADD = $(LG_TEST_LIBS)
