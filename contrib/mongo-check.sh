#!/usr/bin/env bash
# Runs the store conformance suite (tests/unit/store_conformance.c, the one the SQLite
# backend passes) against the MongoDB replica set URI names, from a build directory
# configured with the MongoDB backend (configure --with-mongodb, the default when
# libmongoc is installed).
#
#   contrib/mongo-check.sh URI [--integration]
#
# URI: a replica set (mongodb://h1,h2,h3/?replicaSet=rs0) or a one-member one
# (mongod --replSet rs0, then rs.initiate()); a standalone server is refused, it
# cannot run transactions. Each test uses a database of its own, lgtest_<pid>_<n>,
# and drops it afterwards; the user of URI needs dropDatabase on those names.
# --integration also runs make check's integration suite with every store opened on
# that replica set ([store] backend = mongodb, through the LENDGATE_STORE_* variables);
# tests that look into a SQLite file then report their own failures or skips.
#
# Environment: LG_BUILD_DIR (default _build/check), LG_JOBS (default nproc).
set -euo pipefail

usage() { echo "usage: $0 URI [--integration]" >&2; exit 2; }
if [ $# -lt 1 ] || [ -z "$1" ]; then usage; fi
uri=$1
integration=0
[ "${2:-}" = "--integration" ] && integration=1
[ $# -le 2 ] || usage

top=$(cd "$(dirname "$0")/.." && pwd)
build=${LG_BUILD_DIR:-$top/_build/check}
jobs=${LG_JOBS:-$(nproc)}

if [ ! -f "$build/Makefile" ]; then
    (cd "$top" && ./bootstrap >/dev/null)
    mkdir -p "$build"
    (cd "$build" && "$top/configure" -q --enable-sanitizers --enable-test-hooks --with-mongodb=yes)
fi
grep -q '^#define HAVE_MONGODB 1' "$build/config.h" ||
    { echo "$build was configured without the MongoDB backend (configure --with-mongodb=yes)" >&2; exit 1; }
make -s -C "$build" -j"$jobs" >/dev/null

status=0
LENDGATE_TEST_MONGODB_URI=$uri make -s -C "$build" check TESTS=tests/unit/test_store_mongo || status=1
grep -E '^(SKIPPED|LG-RESULT|Suite|  Test: .*FAILED)' "$build/tests/unit/test_store_mongo.log" || true

if [ "$integration" = 1 ]; then
    LENDGATE_STORE_BACKEND=mongodb LENDGATE_STORE_MONGODB_URI=$uri \
        LENDGATE_STORE_MONGODB_DATABASE="lgit_$$" make -s -C "$build" -j"$jobs" check || status=1
fi
exit $status
