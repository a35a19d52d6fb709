# crypto: sha256/hmac (OpenSSL), keccak256 (nettle), secp256k1 signer, addresses, api keys.
# hex.c and u256.c are core modules listed here because every crypto and eth module
# stands on them.
liblendgate_a_SOURCES += src/core/hex.c src/core/u256.c \
	src/crypto/sha256.c src/crypto/keccak.c src/crypto/address.c src/crypto/signer.c \
	src/crypto/apikey.c
noinst_HEADERS += include/lendgate/hex.h include/lendgate/u256.h \
	include/lendgate/sha256.h include/lendgate/keccak.h include/lendgate/address.h \
	include/lendgate/signer.h include/lendgate/apikey.h

check_PROGRAMS += tests/unit/test_hex tests/unit/test_u256 tests/unit/test_sha256 \
	tests/unit/test_keccak tests/unit/test_address tests/unit/test_signer tests/unit/test_apikey
tests_unit_test_hex_SOURCES = tests/unit/test_hex.c
tests_unit_test_hex_LDADD = $(LG_TEST_LIBS)
tests_unit_test_u256_SOURCES = tests/unit/test_u256.c
tests_unit_test_u256_LDADD = $(LG_TEST_LIBS)
tests_unit_test_sha256_SOURCES = tests/unit/test_sha256.c
tests_unit_test_sha256_LDADD = $(LG_TEST_LIBS)
tests_unit_test_keccak_SOURCES = tests/unit/test_keccak.c
tests_unit_test_keccak_LDADD = $(LG_TEST_LIBS)
tests_unit_test_address_SOURCES = tests/unit/test_address.c
tests_unit_test_address_LDADD = $(LG_TEST_LIBS)
tests_unit_test_signer_SOURCES = tests/unit/test_signer.c
tests_unit_test_signer_LDADD = $(LG_TEST_LIBS)
tests_unit_test_apikey_SOURCES = tests/unit/test_apikey.c
tests_unit_test_apikey_LDADD = $(LG_TEST_LIBS)
