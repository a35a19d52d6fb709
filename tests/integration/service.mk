# Service layer against a live devnet: borrow, repay, reconcile, through the typed
# service interface (service_live.c) and lendgatectl.
noinst_PROGRAMS += tests/integration/service_live
tests_integration_service_live_SOURCES = tests/integration/service_live.c \
	tests/unit/store_fixture.c tests/unit/store_fixture.h tests/unit/sqlite_peek.c \
	tests/unit/sqlite_peek.h
tests_integration_service_live_LDADD = $(LG_LIBS)
TESTS += tests/integration/service_devnet.sh
EXTRA_DIST += tests/integration/service_devnet.sh
