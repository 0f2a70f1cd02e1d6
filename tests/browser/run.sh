#!/usr/bin/env bash
# The web console in real headless Chromium: the real `rxgate serve` on a free port with a fresh
# database and the demo plan, an operator and a technician token from `rxgate token create`,
# then `node --test` (tests/browser/web.test.js drives traffic with `rxgate load` and checks
# the pages). Screenshots and the server log go to ARTIFACT_DIR. The server is always stopped.
#   run.sh RXGATE_BINARY PROJECT_ROOT ARTIFACT_DIR
# Needs RXGATE_TEST_DSN (deploy/pg.sh dsn) and psql, Debian's chromium, node and `npm ci` in
# tests/browser (deploy/test.sh does all of it). Without them: exit 77 (skipped), except under
# CI, where a missing browser or module is a failure rather than a silent skip.
set -euo pipefail
rxgate=$(realpath "$1")
root=$(realpath "$2")
mkdir -p "$3"
artifacts=$(realpath "$3")
here=$root/tests/browser

skip() {
  echo "browser tests skipped: $*"
  if [[ -n ${CI:-} ]]; then exit 1; fi
  exit 77
}
[[ -n ${RXGATE_TEST_DSN:-} ]] || { echo "RXGATE_TEST_DSN is not set: skipped"; exit 77; }
command -v psql >/dev/null || skip "psql not found"
chromium=${RXGATE_CHROMIUM:-/usr/bin/chromium}
[[ -x $chromium ]] || skip "$chromium not found (apt-get install chromium; deploy/test.sh does)"
command -v node >/dev/null || skip "node not found (apt-get install nodejs npm; deploy/test.sh does)"
[[ -d $here/node_modules/playwright-core ]] || skip "playwright-core missing: run npm ci in tests/browser (deploy/test.sh does)"

rm -f "$artifacts"/*.png
work=$(mktemp -d)
server_pid=
cleanup() {
  if [[ -n $server_pid ]]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

db=rxgate_browser
psql "$RXGATE_TEST_DSN" -qc "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null 2>&1
dsn=$(python3 -c "import sys,urllib.parse as u; p=u.urlparse(sys.argv[1]); print(p._replace(path='/$db').geturl())" "$RXGATE_TEST_DSN")
"$rxgate" migrate --dsn "$dsn" >/dev/null

"$root/config/tls/make-dev-certs.sh" "$work/tls" 2>/dev/null
python3 "$root/config/samples/make-samples.py" "$work/samples" >/dev/null 2>&1
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

RXGATE_DSN=$dsn RXGATE_LISTEN=127.0.0.1:$port RXGATE_TLS_CERT=$work/tls/server.crt RXGATE_TLS_KEY=$work/tls/server.key \
  RXGATE_TLS_CA=$work/tls/ca.crt RXGATE_PLANS_DIR=$root/config/plans \
  "$rxgate" serve --config "$root/config/rxgate.toml" 2>"$artifacts/serve.log" &
server_pid=$!

url=https://127.0.0.1:$port
for _ in $(seq 1 150); do
  curl -sf --cacert "$work/tls/ca.crt" "$url/readyz" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { echo "rxgate serve exited; log:"; cat "$artifacts/serve.log"; exit 1; }
  sleep 0.2
done
curl -sf --cacert "$work/tls/ca.crt" "$url/readyz" >/dev/null || { echo "rxgate serve not ready; log:"; cat "$artifacts/serve.log"; exit 1; }

token() { "$rxgate" token create --dsn "$dsn" "$@" | sed -n 2p; }
operator_token=$(token --name browser-operator --role operator)
# Every pharmacy of the demo plan's identities (config/rxgate.toml), so the console finds them all.
technician_token=$(token --name browser-technician --role technician --pharmacy 1111111112 --pharmacy 6666666662 \
  --pharmacy 2222222220 --pharmacy 3333333338 --pharmacy 5555555554 --pharmacy 4444444446)
reviewer_token=$(token --name browser-reviewer --role reviewer)
[[ $operator_token == rxg_* && $technician_token == rxg_* && $reviewer_token == rxg_* ]] || { echo "token create failed"; exit 1; }

cd "$here"
status=0
RXGATE_BIN=$rxgate RXGATE_URL=$url RXGATE_CA=$work/tls/ca.crt RXGATE_PLANS=$root/config/plans \
  RXGATE_SAMPLES=$work/samples RXGATE_CHROMIUM=$chromium RXGATE_ARTIFACTS=$artifacts \
  RXGATE_OPERATOR_TOKEN=$operator_token RXGATE_TECHNICIAN_TOKEN=$technician_token RXGATE_REVIEWER_TOKEN=$reviewer_token \
  node --test || status=$?

kill -TERM "$server_pid"
serve_status=0
wait "$server_pid" || serve_status=$?
server_pid=
if ((serve_status != 0)); then
  echo "rxgate serve exited $serve_status after SIGTERM (with dashboard streams open until the pages closed)"
  status=1
fi
echo "screenshots and server log: $artifacts"
ls "$artifacts"
exit $status
