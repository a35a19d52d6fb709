# src/store/mongo: the MongoDB store backend (configure --with-mongodb). The mapping
# of records to BSON and the error mapping are pure libbson; libmongoc is loaded
# with dlopen() when a mongodb store is opened (mongo_lib.c).
if HAVE_MONGODB
liblendgate_a_SOURCES += src/store/mongo/mongo_map.c src/store/mongo/mongo_error.c
endif
noinst_HEADERS += src/store/mongo/mongo_map.h src/store/mongo/mongo_error.h

if HAVE_MONGODB
# The mapping and the error mapping, without a server.
check_PROGRAMS += tests/unit/test_store_mongo_map
tests_unit_test_store_mongo_map_SOURCES = tests/unit/test_store_mongo_map.c
tests_unit_test_store_mongo_map_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/src/store/mongo
tests_unit_test_store_mongo_map_LDADD = $(LG_TEST_LIBS)
endif
