# src/store/mongo: the MongoDB store backend (configure --with-mongodb). The mapping
# of records to BSON (mongo_map.c) and of libmongoc's errors (mongo_error.c) are pure
# libbson; libmongoc itself is loaded with dlopen() when a mongodb store is opened
# (mongo_lib.h says why it is never linked). The backend's settings
# (store_mongo.h) are in every build, so the configuration need not know.
liblendgate_a_SOURCES += src/store/store_mongo_settings.c
noinst_HEADERS += include/lendgate/store_mongo.h
if HAVE_MONGODB
liblendgate_a_SOURCES += src/store/mongo/mongo_map.c src/store/mongo/mongo_error.c \
	src/store/mongo/mongo_lib.c src/store/mongo/mongo_store.c src/store/mongo/mongo_ops.c \
	src/store/mongo/mongo_partners.c src/store/mongo/mongo_chain.c \
	src/store/mongo/mongo_outbox.c src/store/mongo/mongo_loans.c \
	src/store/mongo/mongo_records.c src/store/mongo/mongo_repay.c \
	src/store/mongo/mongo_admin.c src/store/mongo/mongo_events.c \
	src/store/mongo/mongo_ends.c src/store/mongo/mongo_copy.c \
	src/store/mongo/mongo_guards.c
endif
noinst_HEADERS += src/store/mongo/mongo_map.h src/store/mongo/mongo_error.h \
	src/store/mongo/mongo_lib.h src/store/mongo/mongo_internal.h

if HAVE_MONGODB
# The mapping and the error mapping, without a server.
check_PROGRAMS += tests/unit/test_store_mongo_map
tests_unit_test_store_mongo_map_SOURCES = tests/unit/test_store_mongo_map.c
tests_unit_test_store_mongo_map_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/src/store/mongo
tests_unit_test_store_mongo_map_LDADD = $(LG_TEST_LIBS)

# lg_store_copy from SQLite into the MongoDB backend's documents, over a stand-in for
# libmongoc (a test hook: SKIPPED without configure --enable-test-hooks).
check_PROGRAMS += tests/unit/test_store_copy_mongo
tests_unit_test_store_copy_mongo_SOURCES = tests/unit/test_store_copy_mongo.c
tests_unit_test_store_copy_mongo_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/src/store/mongo
tests_unit_test_store_copy_mongo_LDADD = $(LG_TEST_LIBS)
endif

if HAVE_MONGODB
# The store conformance suite (tests/unit/store_conformance.c, the one SQLite passes)
# on the replica set LENDGATE_TEST_MONGODB_URI names; SKIPPED without one.
# contrib/mongo-check.sh URI runs it.
check_PROGRAMS += tests/unit/test_store_mongo
tests_unit_test_store_mongo_SOURCES = tests/unit/test_store_mongo.c \
	tests/unit/store_conformance.c tests/unit/store_conformance.h
tests_unit_test_store_mongo_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/src/store/mongo
tests_unit_test_store_mongo_LDADD = $(LG_TEST_LIBS)
endif
