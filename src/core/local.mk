# core: errors, config, logging, amounts, ids, time
liblendgate_a_SOURCES += src/core/error.c src/core/log.c src/core/time.c src/core/ids.c \
	src/core/config.c src/core/amount.c src/core/model.c
noinst_HEADERS += include/lendgate/model.h include/lendgate/error.h include/lendgate/log.h include/lendgate/time.h \
	include/lendgate/ids.h include/lendgate/config.h include/lendgate/amount.h

check_PROGRAMS += tests/unit/test_amount
tests_unit_test_amount_SOURCES = tests/unit/test_amount.c
tests_unit_test_amount_LDADD = $(LG_TEST_LIBS)

check_PROGRAMS += tests/unit/test_config
tests_unit_test_config_SOURCES = tests/unit/test_config.c
tests_unit_test_config_LDADD = $(LG_TEST_LIBS)

check_PROGRAMS += tests/unit/test_core
tests_unit_test_core_SOURCES = tests/unit/test_core.c
tests_unit_test_core_LDADD = $(LG_TEST_LIBS)

# The documented example: make install writes it with the configured paths (etc/local.mk).
EXTRA_DIST += etc/lendgate.conf.example
EXTRA_DIST += tests/data/config/good.conf

# File-backed shared mappings under state_dir (rate limiter, replay cache).
liblendgate_a_SOURCES += src/core/shm.c src/core/proc.c
noinst_HEADERS += include/lendgate/shm.h include/lendgate/proc.h include/lendgate/banned.h

check_PROGRAMS += tests/unit/test_proc
tests_unit_test_proc_SOURCES = tests/unit/test_proc.c
tests_unit_test_proc_LDADD = $(LG_TEST_LIBS)
