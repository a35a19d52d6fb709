# eth: RLP, ABI, transactions (EIP-1559 and EIP-155).
liblendgate_a_SOURCES += src/eth/rlp.c src/eth/abi.c src/eth/tx.c
noinst_HEADERS += include/lendgate/rlp.h include/lendgate/abi.h include/lendgate/tx.h

check_PROGRAMS += tests/unit/test_rlp tests/unit/test_abi tests/unit/test_tx
tests_unit_test_rlp_SOURCES = tests/unit/test_rlp.c
tests_unit_test_rlp_LDADD = $(LG_TEST_LIBS)
tests_unit_test_abi_SOURCES = tests/unit/test_abi.c
tests_unit_test_abi_LDADD = $(LG_TEST_LIBS)
tests_unit_test_tx_SOURCES = tests/unit/test_tx.c
tests_unit_test_tx_LDADD = $(LG_TEST_LIBS)

# Signing benchmark: prints signatures/second and the cost of a whole type-2 transaction.
noinst_PROGRAMS += tests/bench/bench_sign
LG_BENCHES += tests/bench/bench_sign
tests_bench_bench_sign_SOURCES = tests/bench/bench_sign.c
tests_bench_bench_sign_LDADD = $(LG_LIBS)

# Reference vectors read by the crypto and eth tests (tests/data/README.md).
EXTRA_DIST += tests/data/README.md tests/data/rlptest.json tests/data/invalidRLPTest.json \
	tests/data/tx_type2_vectors.json tests/data/gen-tx-vectors.mjs
