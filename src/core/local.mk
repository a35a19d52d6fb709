# core: errors, config, logging, amounts, ids, time
liblendgate_a_SOURCES += src/core/error.c src/core/log.c src/core/time.c src/core/ids.c
noinst_HEADERS += include/lendgate/error.h include/lendgate/log.h include/lendgate/time.h \
	include/lendgate/ids.h
