# tests/fuzz: libFuzzer targets for the parsers of outside input, built only with
# --enable-fuzzers (clang). To instrument the library as well, configure with
#   CC=clang CFLAGS="-g -O1 -fsanitize=fuzzer-no-link" ../configure --enable-fuzzers --enable-sanitizers
# and run e.g. ./tests/fuzz/fuzz_rlp -max_total_time=60 $(srcdir)/tests/fuzz/corpus/fuzz_rlp
EXTRA_DIST += tests/fuzz/corpus

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
endif

# The HTTP layer's parsers of outside input: strict JSON bodies, borrow and repay.
if ENABLE_FUZZERS
noinst_PROGRAMS += tests/fuzz/fuzz_request_json
tests_fuzz_fuzz_request_json_SOURCES = tests/fuzz/fuzz_request_json.c
tests_fuzz_fuzz_request_json_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_request_json_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_request_json_LDADD = $(LG_LIBS)
endif
