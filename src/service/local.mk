# service: the business rules, over store, eth, webhook and metrics
liblendgate_a_SOURCES += src/service/setup.c src/service/store_move.c
noinst_HEADERS += include/lendgate/setup.h include/lendgate/store_move.h
# service: lifecycle, the borrow and repay pipelines, reconcile
liblendgate_a_SOURCES += src/service/service.c src/service/relay.c src/service/spool.c src/service/journal.c src/service/journal_line.c src/service/control.c src/service/sandbox.c src/service/borrow.c src/service/repay.c \
	src/service/reconcile.c src/service/access.c src/service/cluster_guard.c
noinst_HEADERS += include/lendgate/service.h include/lendgate/journal.h src/service/service_internal.h \
	include/lendgate/cluster_guard.h
# service: the read side of the partner API (credit lines, positions, loans, stats, ledger)
liblendgate_a_SOURCES += src/service/queries.c src/service/admin.c src/service/admin_loans.c \
	src/service/dispatch.c src/service/observe.c
noinst_HEADERS += include/lendgate/queries.h include/lendgate/admin.h include/lendgate/dispatch.h \
	include/lendgate/observe.h

# service: the handle without a chain (the pipelines: test_pipelines below, and against
# the devnet in tests/integration/service.mk)
check_PROGRAMS += tests/unit/test_service
tests_unit_test_service_SOURCES = tests/unit/test_service.c
tests_unit_test_service_LDADD = $(LG_TEST_LIBS)

# service: partner administration on a real SQLite file
check_PROGRAMS += tests/unit/test_admin
tests_unit_test_admin_SOURCES = tests/unit/test_admin.c
tests_unit_test_admin_LDADD = $(LG_TEST_LIBS)
# service: the one rendering of each domain object, for the API, lendgatectl and the
# admin audit trail alike
liblendgate_a_SOURCES += src/service/view.c src/service/render.c
noinst_HEADERS += include/lendgate/view.h include/lendgate/render.h

# service: the borrow, repay and reconcile pipelines against a scripted chain
# (tests/unit/fake_chain.c) on a real SQLite file
check_PROGRAMS += tests/unit/test_pipelines
tests_unit_test_pipelines_SOURCES = tests/unit/test_pipelines.c tests/unit/fake_chain.c \
	tests/unit/fake_chain.h
tests_unit_test_pipelines_LDADD = $(LG_TEST_LIBS)

# service: operating the webhook outbox (list, show, replay, enable, test, rotate the
# secret) for the admin API, the partner API and lendgatectl
liblendgate_a_SOURCES += src/service/webhooks.c src/service/webhook_view.c
noinst_HEADERS += include/lendgate/webhooks_admin.h
check_PROGRAMS += tests/unit/test_webhook_ops
tests_unit_test_webhook_ops_SOURCES = tests/unit/test_webhook_ops.c
tests_unit_test_webhook_ops_LDADD = $(LG_TEST_LIBS)
