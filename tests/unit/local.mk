# Shared CUnit scaffolding, partners onboarded for tests and a look into a SQLite
# store's file; each area's local.mk adds its own test programs.
tests_unit_libharness_a_SOURCES = tests/unit/harness.c tests/unit/harness.h \
	tests/unit/plan_examples.h tests/unit/store_fixture.c tests/unit/store_fixture.h \
	tests/unit/sqlite_peek.c tests/unit/sqlite_peek.h tests/unit/copy_fixture.c \
	tests/unit/copy_fixture.h
tests_unit_libharness_a_CFLAGS = $(AM_CFLAGS) $(CUNIT_CFLAGS)

check_PROGRAMS += tests/unit/test_error
tests_unit_test_error_SOURCES = tests/unit/test_error.c
tests_unit_test_error_LDADD = $(LG_TEST_LIBS)

check_PROGRAMS += tests/unit/test_ratelimit tests/unit/test_replay
tests_unit_test_ratelimit_SOURCES = tests/unit/test_ratelimit.c
tests_unit_test_ratelimit_LDADD = $(LG_TEST_LIBS)
tests_unit_test_replay_SOURCES = tests/unit/test_replay.c
tests_unit_test_replay_LDADD = $(LG_TEST_LIBS)

# The audit journal: its line format, and its ingest into a SQLite store.
check_PROGRAMS += tests/unit/test_journal
tests_unit_test_journal_SOURCES = tests/unit/test_journal.c
tests_unit_test_journal_LDADD = $(LG_TEST_LIBS)

# Allocation-failure runs (nghttp2's failmalloc): the parsers and the store fail their
# i-th allocation for every i. lendgate's own malloc family is reached through
# -Wl,--wrap (failmalloc.c), SQLite's allocator through SQLITE_CONFIG_MALLOC.
check_PROGRAMS += tests/unit/test_alloc_fail
tests_unit_test_alloc_fail_SOURCES = tests/unit/test_alloc_fail.c tests/unit/failmalloc.c \
	tests/unit/failmalloc.h tests/unit/alloc_fail_store.c tests/unit/alloc_fail_store.h
tests_unit_test_alloc_fail_LDFLAGS = $(AM_LDFLAGS) \
	-Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup,--wrap=strndup,--wrap=free
tests_unit_test_alloc_fail_LDADD = $(LG_TEST_LIBS)
