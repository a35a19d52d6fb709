# Shared CUnit scaffolding, partners onboarded for tests and a look into a SQLite
# store's file; each area's local.mk adds its own test programs.
tests_unit_libharness_a_SOURCES = tests/unit/harness.c tests/unit/harness.h \
	tests/unit/plan_examples.h tests/unit/store_fixture.c tests/unit/store_fixture.h \
	tests/unit/sqlite_peek.c tests/unit/sqlite_peek.h
tests_unit_libharness_a_CFLAGS = $(AM_CFLAGS) $(CUNIT_CFLAGS)

check_PROGRAMS += tests/unit/test_error
tests_unit_test_error_SOURCES = tests/unit/test_error.c
tests_unit_test_error_LDADD = $(LG_TEST_LIBS)

check_PROGRAMS += tests/unit/test_ratelimit tests/unit/test_replay
tests_unit_test_ratelimit_SOURCES = tests/unit/test_ratelimit.c
tests_unit_test_ratelimit_LDADD = $(LG_TEST_LIBS)
tests_unit_test_replay_SOURCES = tests/unit/test_replay.c
tests_unit_test_replay_LDADD = $(LG_TEST_LIBS)
