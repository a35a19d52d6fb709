# eth runtime: JSON-RPC client, contract bindings, fees and gas, nonces, sender, the
# chain table with its "rpc" implementation; and the service-side adapter from the
# store's nonce counter to eth's nonce interface.
liblendgate_a_SOURCES += src/eth/rpc.c src/eth/contracts.c src/eth/fees.c src/eth/nonce.c \
	src/eth/sender.c src/eth/chain.c src/service/nonce_store.c
noinst_HEADERS += include/lendgate/rpc.h include/lendgate/contracts.h \
	include/lendgate/fees.h include/lendgate/nonce.h include/lendgate/sender.h \
	include/lendgate/chain.h include/lendgate/nonce_store.h

check_PROGRAMS += tests/unit/test_rpc_parse
tests_unit_test_rpc_parse_SOURCES = tests/unit/test_rpc_parse.c
tests_unit_test_rpc_parse_LDADD = $(LG_TEST_LIBS)

# Integration: eth_live drives the devnet for tests/integration/eth_devnet.sh, which
# starts and stops the devnet itself (devnet.sh) and says SKIPPED without node/npm.
noinst_PROGRAMS += tests/integration/eth_live
tests_integration_eth_live_SOURCES = tests/integration/eth_live.c
tests_integration_eth_live_LDADD = $(LG_LIBS)
TESTS += tests/integration/eth_devnet.sh
EXTRA_DIST += tests/integration/eth_devnet.sh tests/integration/devnet.sh
EXTRA_DIST += docs/benchmarks.md
