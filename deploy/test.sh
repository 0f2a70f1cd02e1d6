#!/usr/bin/env bash
# The whole test suite from nothing: packages, build, local PostgreSQL, then every test.
#
#   deploy/test.sh
#
# 1. every test but the browser's under AddressSanitizer + UBSan (preset asan): unit (with the
#    corpus replay of the fuzz targets), db (real PostgreSQL), server and end to end over real TLS;
# 2. the pipeline (batch workers, claim queue, counters) under ThreadSanitizer (preset tsan);
# 3. everything on the release build: unit, db, server, end to end, browser tests, and a smoke run
#    of every benchmark.
# It ends with ctest's summary of step 3; the exit code is non-zero if any step failed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

deploy/setup.sh asan tsan release

# Browser tests (tests/browser): Debian's headless Chromium and node with npm, then playwright-core
# from the npm registry as locked in tests/browser/package-lock.json (it downloads no browser).
# Only the test command needs these; a node that is already installed (with its npm) is kept.
as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }
browser_packages=()
[[ -x /usr/bin/chromium ]] || browser_packages+=(chromium)
command -v node >/dev/null || browser_packages+=(nodejs)
command -v npm >/dev/null || browser_packages+=(npm)
if ((${#browser_packages[@]})); then
  echo "test: installing ${browser_packages[*]}" >&2
  as_root apt-get update -q >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${browser_packages[@]}" >&2
fi
locked=$(cd tests/browser && node -p 'require("./package-lock.json").packages["node_modules/playwright-core"].version')
installed=$(cd tests/browser && node -p 'require("./node_modules/playwright-core/package.json").version' 2>/dev/null || true)
if [[ $installed != "$locked" ]]; then
  (cd tests/browser && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund >&2)
fi

deploy/pg.sh start
RXGATE_TEST_DSN=$(deploy/pg.sh dsn)
export RXGATE_TEST_DSN

status=0
echo "== unit, db, server and end-to-end tests under ASan/UBSan" >&2
ctest --preset asan -LE browser --output-on-failure -j2 || status=1

echo "== pipeline tests under TSan" >&2
ctest --preset tsan --output-on-failure -j2 || status=1

echo "== full suite (release)" >&2
ctest --preset release --output-on-failure -j2 || status=1
exit $status
