#!/usr/bin/env bash
# The whole test suite from nothing: packages, build, local PostgreSQL, then every test.
#
#   deploy/test.sh
#
# 1. unit tests under AddressSanitizer + UBSan (preset asan),
# 2. the corpus replay of the fuzz targets (in the unit tests),
# 3. everything else on the release build: unit, db (real PostgreSQL), server and end to end over
#    real TLS sockets, browser tests, and a smoke run of every benchmark.
# It ends with ctest's summary of step 3; the exit code is non-zero if any step failed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

deploy/setup.sh asan release

deploy/pg.sh start
RXGATE_TEST_DSN=$(deploy/pg.sh dsn)
export RXGATE_TEST_DSN

status=0
echo "== unit tests under ASan/UBSan" >&2
ctest --preset asan -L unit --output-on-failure -j2 || status=1

echo "== full suite (release)" >&2
ctest --preset release --output-on-failure -j2 || status=1
exit $status
