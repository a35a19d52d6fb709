# src/store/sqlite: the SQLite backend and its schema migrations, embedded from sql/.
liblendgate_a_SOURCES += src/store/sqlite/sqlite_store.c src/store/sqlite/sqlite_jobs.c \
	src/store/sqlite/sqlite_util.c src/store/sqlite/sqlite_rows.c \
	src/store/sqlite/sqlite_partners.c src/store/sqlite/sqlite_keys.c \
	src/store/sqlite/sqlite_positions.c src/store/sqlite/sqlite_loans.c \
	src/store/sqlite/sqlite_repay.c src/store/sqlite/sqlite_chain.c \
	src/store/sqlite/sqlite_logs.c src/store/sqlite/sqlite_outbox.c \
	src/store/sqlite/sqlite_admin.c src/store/sqlite/sqlite_ends.c \
	src/store/sqlite/sqlite_views.c src/store/sqlite/sqlite_copy.c \
	src/store/sqlite/sqlite_import.c \
	src/store/sqlite/sqlite_guards.c
noinst_HEADERS += src/store/sqlite/sqlite_internal.h

# Migrations become C string literals in the build directory.
LG_SQL_MIGRATIONS = sql/001_init.sql sql/002_partner_balance.sql sql/003_loan_contract.sql \
	sql/004_leases.sql sql/005_job_leases.sql sql/006_audit_spool.sql \
	sql/007_webhooks.sql sql/008_audit_journal.sql sql/009_repay_idempotency.sql \
	sql/010_sandbox.sql sql/011_cluster_guards.sql
LG_SQL_MIGRATION_PATHS = $(srcdir)/sql/001_init.sql $(srcdir)/sql/002_partner_balance.sql \
	$(srcdir)/sql/003_loan_contract.sql $(srcdir)/sql/004_leases.sql \
	$(srcdir)/sql/005_job_leases.sql $(srcdir)/sql/006_audit_spool.sql \
	$(srcdir)/sql/007_webhooks.sql $(srcdir)/sql/008_audit_journal.sql \
	$(srcdir)/sql/009_repay_idempotency.sql $(srcdir)/sql/010_sandbox.sql \
	$(srcdir)/sql/011_cluster_guards.sql
nodist_liblendgate_a_SOURCES = src/store/sqlite/sql_embedded.c
BUILT_SOURCES += src/store/sqlite/sql_embedded.c
CLEANFILES += src/store/sqlite/sql_embedded.c
EXTRA_DIST += build-aux/embed-sql.sh $(LG_SQL_MIGRATIONS)

src/store/sqlite/sql_embedded.c: $(srcdir)/build-aux/embed-sql.sh $(LG_SQL_MIGRATION_PATHS)
	$(AM_V_GEN)$(MKDIR_P) src/store/sqlite && \
	$(SHELL) $(srcdir)/build-aux/embed-sql.sh $(LG_SQL_MIGRATION_PATHS) > $@.tmp && \
	mv -f $@.tmp $@

check_PROGRAMS += tests/unit/test_store_sqlite_smoke
tests_unit_test_store_sqlite_smoke_SOURCES = tests/unit/test_store_sqlite_smoke.c
tests_unit_test_store_sqlite_smoke_LDADD = $(LG_TEST_LIBS)
