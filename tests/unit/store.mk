# Store conformance: one suite (store_conformance.c, written against store.h only) run
# against each backend by a small main that supplies the backend's factory.
check_PROGRAMS += tests/unit/test_store_sqlite
tests_unit_test_store_sqlite_SOURCES = tests/unit/test_store_sqlite.c \
	tests/unit/store_conformance.c tests/unit/store_conformance.h
tests_unit_test_store_sqlite_LDADD = $(LG_TEST_LIBS)

# lg_store_copy from a SQLite store filled through the ordinary operations
# (copy_fixture.c) into an empty SQLite store, verified by census and read back.
check_PROGRAMS += tests/unit/test_store_copy
tests_unit_test_store_copy_SOURCES = tests/unit/test_store_copy.c
tests_unit_test_store_copy_LDADD = $(LG_TEST_LIBS)
