# metrics: Prometheus counters and histograms, one memory-mapped file per process,
# summed (and ended processes' files folded into an archive) at scrape. Over core only.
liblendgate_a_SOURCES += src/metrics/file.c src/metrics/parse.c src/metrics/label.c \
	src/metrics/fold.c src/metrics/scrape.c src/metrics/metrics_internal.h
noinst_HEADERS += include/lendgate/metrics.h

check_PROGRAMS += tests/unit/test_metrics
tests_unit_test_metrics_SOURCES = tests/unit/test_metrics.c
tests_unit_test_metrics_LDADD = $(LG_TEST_LIBS)

