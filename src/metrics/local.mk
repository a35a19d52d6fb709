# metrics: Prometheus counters and histograms, one memory-mapped file per process,
# summed (and ended processes' files folded into an archive) at scrape. Over core only.
liblendgate_a_SOURCES += src/metrics/file.c src/metrics/parse.c src/metrics/label.c \
	src/metrics/fold.c src/metrics/scrape.c src/metrics/metrics_internal.h
noinst_HEADERS += include/lendgate/metrics.h

check_PROGRAMS += tests/unit/test_metrics
tests_unit_test_metrics_SOURCES = tests/unit/test_metrics.c
tests_unit_test_metrics_LDADD = $(LG_TEST_LIBS)

# ns per update of an existing series, and per scrape of 8 files x 500 series.
noinst_PROGRAMS += tests/bench/bench_metrics
LG_BENCHES += tests/bench/bench_metrics
tests_bench_bench_metrics_SOURCES = tests/bench/bench_metrics.c
tests_bench_bench_metrics_LDADD = $(LG_LIBS)
