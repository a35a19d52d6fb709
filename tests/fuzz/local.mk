# tests/fuzz: libFuzzer targets for the parsers of outside input, built only with
# --enable-fuzzers (clang), which also instruments the library:
#   CC=clang ../configure --enable-fuzzers --enable-sanitizers && make fuzz
# `make fuzz` runs every target for FUZZ_SECONDS from its corpus under
# tests/fuzz/corpus/<target> and merges what it finds back; see tests/fuzz/README.md.
EXTRA_DIST += tests/fuzz/corpus tests/fuzz/README.md tests/fuzz/fuzz_common.h

# What the targets found, kept as unit cases (built in every tree).
check_PROGRAMS += tests/unit/test_fuzz_regressions
tests_unit_test_fuzz_regressions_SOURCES = tests/unit/test_fuzz_regressions.c
tests_unit_test_fuzz_regressions_LDADD = $(LG_TEST_LIBS)

FUZZ_SECONDS = 60
LG_FUZZ_TARGETS = fuzz_rlp fuzz_abi fuzz_rpc_response fuzz_request_json fuzz_query \
	fuzz_path fuzz_amount fuzz_headers fuzz_config fuzz_cidr fuzz_admin_bodies \
	fuzz_retry_after fuzz_webhook_body fuzz_metrics_parse fuzz_journal
LG_FUZZ_FLAGS = -print_final_stats=0 -timeout=25

if ENABLE_FUZZERS
noinst_PROGRAMS += tests/fuzz/fuzz_rlp tests/fuzz/fuzz_abi
tests_fuzz_fuzz_rlp_SOURCES = tests/fuzz/fuzz_rlp.c
tests_fuzz_fuzz_rlp_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_rlp_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_rlp_LDADD = $(LG_LIBS)
tests_fuzz_fuzz_abi_SOURCES = tests/fuzz/fuzz_abi.c
tests_fuzz_fuzz_abi_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_abi_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_abi_LDADD = $(LG_LIBS)
noinst_PROGRAMS += tests/fuzz/fuzz_rpc_response
tests_fuzz_fuzz_rpc_response_SOURCES = tests/fuzz/fuzz_rpc_response.c
tests_fuzz_fuzz_rpc_response_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_rpc_response_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_rpc_response_LDADD = $(LG_LIBS)

# The HTTP layer's parsers of outside input: strict JSON bodies (borrow and repay),
# the query string, the path and its parameters, amounts and the other value
# validators, the CGI parameters (headers, body, API key), the operator's INI file,
# and IP allowlists (CIDR).
noinst_PROGRAMS += tests/fuzz/fuzz_request_json
tests_fuzz_fuzz_request_json_SOURCES = tests/fuzz/fuzz_request_json.c
tests_fuzz_fuzz_request_json_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_request_json_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_request_json_LDADD = $(LG_LIBS)
noinst_PROGRAMS += tests/fuzz/fuzz_query
tests_fuzz_fuzz_query_SOURCES = tests/fuzz/fuzz_query.c
tests_fuzz_fuzz_query_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_query_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_query_LDADD = $(LG_LIBS)
noinst_PROGRAMS += tests/fuzz/fuzz_path
tests_fuzz_fuzz_path_SOURCES = tests/fuzz/fuzz_path.c
tests_fuzz_fuzz_path_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_path_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_path_LDADD = $(LG_LIBS)
noinst_PROGRAMS += tests/fuzz/fuzz_amount
tests_fuzz_fuzz_amount_SOURCES = tests/fuzz/fuzz_amount.c
tests_fuzz_fuzz_amount_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_amount_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_amount_LDADD = $(LG_LIBS)
noinst_PROGRAMS += tests/fuzz/fuzz_headers
tests_fuzz_fuzz_headers_SOURCES = tests/fuzz/fuzz_headers.c
tests_fuzz_fuzz_headers_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_headers_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_headers_LDADD = $(LG_LIBS)
noinst_PROGRAMS += tests/fuzz/fuzz_config
tests_fuzz_fuzz_config_SOURCES = tests/fuzz/fuzz_config.c
tests_fuzz_fuzz_config_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_config_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_config_LDADD = $(LG_LIBS)
noinst_PROGRAMS += tests/fuzz/fuzz_cidr
tests_fuzz_fuzz_cidr_SOURCES = tests/fuzz/fuzz_cidr.c
tests_fuzz_fuzz_cidr_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_cidr_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_cidr_LDADD = $(LG_LIBS)
noinst_PROGRAMS += tests/fuzz/fuzz_admin_bodies
tests_fuzz_fuzz_admin_bodies_SOURCES = tests/fuzz/fuzz_admin_bodies.c
tests_fuzz_fuzz_admin_bodies_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_admin_bodies_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_admin_bodies_LDADD = $(LG_LIBS)

# The webhook layer's readers: an endpoint's Retry-After, and the delivered body over
# any event payload.
noinst_PROGRAMS += tests/fuzz/fuzz_retry_after tests/fuzz/fuzz_webhook_body
tests_fuzz_fuzz_retry_after_SOURCES = tests/fuzz/fuzz_retry_after.c
tests_fuzz_fuzz_retry_after_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_retry_after_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_retry_after_LDADD = $(LG_LIBS)
tests_fuzz_fuzz_webhook_body_SOURCES = tests/fuzz/fuzz_webhook_body.c
tests_fuzz_fuzz_webhook_body_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_webhook_body_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_webhook_body_LDADD = $(LG_LIBS)

# The metrics files a scrape maps from its directory (any process of the user can
# write there).
noinst_PROGRAMS += tests/fuzz/fuzz_metrics_parse
tests_fuzz_fuzz_metrics_parse_SOURCES = tests/fuzz/fuzz_metrics_parse.c
tests_fuzz_fuzz_metrics_parse_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_metrics_parse_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_metrics_parse_LDADD = $(LG_LIBS)

# The audit journal's lines, read from files every responder of the host writes and
# a crash may have torn.
noinst_PROGRAMS += tests/fuzz/fuzz_journal
tests_fuzz_fuzz_journal_SOURCES = tests/fuzz/fuzz_journal.c
tests_fuzz_fuzz_journal_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_journal_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_journal_LDADD = $(LG_LIBS)

# Each target runs from a scratch directory in front of its committed corpus (new
# inputs land in the scratch one), then only the scratch inputs that add coverage
# are merged into the corpus: it grows, but never by redundant files.
fuzz: $(LG_FUZZ_TARGETS:%=tests/fuzz/%)
	@failed=0; for t in $(LG_FUZZ_TARGETS); do \
	  corpus="$(srcdir)/tests/fuzz/corpus/$$t"; scratch="tests/fuzz/$$t.scratch"; \
	  log="tests/fuzz/$$t.log"; rm -rf "$$scratch"; $(MKDIR_P) "$$scratch" "$$corpus"; \
	  before=`ls "$$corpus" | wc -l`; \
	  if ./tests/fuzz/$$t $(LG_FUZZ_FLAGS) -max_total_time=$(FUZZ_SECONDS) \
	      -artifact_prefix="tests/fuzz/$$t-" "$$scratch" "$$corpus" >"$$log" 2>&1 && \
	     ./tests/fuzz/$$t $(LG_FUZZ_FLAGS) -merge=1 "$$corpus" "$$scratch" >>"$$log" 2>&1; then \
	    after=`ls "$$corpus" | wc -l`; \
	    echo "PASS: $$t ($(FUZZ_SECONDS) s, corpus $$before -> $$after inputs)"; \
	  else \
	    echo "FAIL: $$t (see $$log; the input is tests/fuzz/$$t-crash-* or -leak-/-timeout-)"; \
	    failed=1; \
	  fi; \
	  rm -rf "$$scratch"; \
	done; test $$failed = 0
else
fuzz:
	@echo "make fuzz: the fuzz targets are not built in this tree; configure with" >&2; \
	echo "  CC=clang ../configure --enable-fuzzers --enable-sanitizers" >&2; \
	echo "(needs clang and libFuzzer: the Debian package libclang-rt-14-dev)" >&2; exit 1
endif
CLEANFILES += tests/fuzz/*.log
.PHONY: fuzz

# The MongoDB backend's stored documents (configure --with-mongodb): BSON from a
# database other hosts and tools write too, through every record's decoder.
if HAVE_MONGODB
LG_FUZZ_TARGETS += fuzz_bson_map
if ENABLE_FUZZERS
noinst_PROGRAMS += tests/fuzz/fuzz_bson_map
tests_fuzz_fuzz_bson_map_SOURCES = tests/fuzz/fuzz_bson_map.c
tests_fuzz_fuzz_bson_map_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/src/store/mongo
tests_fuzz_fuzz_bson_map_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_bson_map_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_bson_map_LDADD = $(LG_LIBS)
endif
endif
