# webhook: the delivered body, both signature schemes, the address guard, Retry-After
# and a batch of deliveries on libcurl multi. Knows nothing of the store.
liblendgate_a_SOURCES += src/webhook/body.c src/webhook/sign.c src/webhook/guard.c \
	src/webhook/answer.c src/webhook/deliver.c src/webhook/webhook_internal.h
noinst_HEADERS += include/lendgate/webhook.h

check_PROGRAMS += tests/unit/test_webhook
tests_unit_test_webhook_SOURCES = tests/unit/test_webhook.c
tests_unit_test_webhook_LDADD = $(LG_TEST_LIBS)
