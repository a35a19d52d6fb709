# src/store: the store contract (store.c dispatches to a backend by name), the
# SQLite backend, loan event payloads, and the schema migrations embedded from sql/.
liblendgate_a_SOURCES += src/store/store.c src/store/events.c src/store/store_sqlite.c src/store/store_sqlite_jobs.c \
	src/store/store_sqlite_util.c src/store/store_sqlite_rows.c \
	src/store/store_sqlite_partners.c src/store/store_sqlite_keys.c \
	src/store/store_sqlite_positions.c src/store/store_sqlite_loans.c \
	src/store/store_sqlite_repay.c src/store/store_sqlite_chain.c \
	src/store/store_sqlite_logs.c src/store/store_sqlite_outbox.c \
	src/store/store_sqlite_admin.c src/store/store_sqlite_ends.c \
	src/store/store_sqlite_views.c
noinst_HEADERS += include/lendgate/store.h include/lendgate/store_backend.h \
	include/lendgate/events.h src/store/sqlite_internal.h

# Migrations become C string literals in the build directory.
LG_SQL_MIGRATIONS = sql/001_init.sql sql/002_partner_balance.sql sql/003_loan_contract.sql \
	sql/004_leases.sql sql/005_job_leases.sql sql/006_audit_spool.sql \
	sql/007_webhooks.sql sql/008_audit_journal.sql sql/009_repay_idempotency.sql \
	sql/010_sandbox.sql
LG_SQL_MIGRATION_PATHS = $(srcdir)/sql/001_init.sql $(srcdir)/sql/002_partner_balance.sql \
	$(srcdir)/sql/003_loan_contract.sql $(srcdir)/sql/004_leases.sql \
	$(srcdir)/sql/005_job_leases.sql $(srcdir)/sql/006_audit_spool.sql \
	$(srcdir)/sql/007_webhooks.sql $(srcdir)/sql/008_audit_journal.sql \
	$(srcdir)/sql/009_repay_idempotency.sql $(srcdir)/sql/010_sandbox.sql
nodist_liblendgate_a_SOURCES = src/store/sql_embedded.c
BUILT_SOURCES += src/store/sql_embedded.c
CLEANFILES += src/store/sql_embedded.c
EXTRA_DIST += build-aux/embed-sql.sh $(LG_SQL_MIGRATIONS)

src/store/sql_embedded.c: $(srcdir)/build-aux/embed-sql.sh $(LG_SQL_MIGRATION_PATHS)
	$(AM_V_GEN)$(MKDIR_P) src/store && \
	$(SHELL) $(srcdir)/build-aux/embed-sql.sh $(LG_SQL_MIGRATION_PATHS) > $@.tmp && \
	mv -f $@.tmp $@

check_PROGRAMS += tests/unit/test_store_sqlite_smoke
tests_unit_test_store_sqlite_smoke_SOURCES = tests/unit/test_store_sqlite_smoke.c
tests_unit_test_store_sqlite_smoke_LDADD = $(LG_TEST_LIBS)
