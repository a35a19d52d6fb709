# service: the business rules, over store, eth, webhook and metrics
liblendgate_a_SOURCES += src/service/setup.c
noinst_HEADERS += include/lendgate/setup.h
