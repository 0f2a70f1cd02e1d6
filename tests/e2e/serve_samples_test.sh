#!/usr/bin/env bash
# End to end through the real binary: `rxgate serve` with config/rxgate.toml (TLS material,
# database and port from the environment overrides), every sample of config/samples sent with
# `rxgate submit`, answers checked, then SIGTERM and a clean exit.
#   serve_samples_test.sh RXGATE_BINARY PROJECT_ROOT
# Needs RXGATE_TEST_DSN (deploy/pg.sh dsn) and psql; exits 77 (skipped) without them.
set -euo pipefail
rxgate=$1
root=$2
[[ -n ${RXGATE_TEST_DSN:-} ]] || { echo "RXGATE_TEST_DSN is not set: skipped"; exit 77; }
command -v psql >/dev/null || { echo "psql not found: skipped"; exit 77; }

work=$(mktemp -d)
server_pid=
cleanup() {
  [[ -n $server_pid ]] && kill -TERM "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

db=rxgate_e2e_serve
psql "$RXGATE_TEST_DSN" -qc "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null 2>&1
dsn=$(python3 -c "import sys,urllib.parse as u; p=u.urlparse(sys.argv[1]); print(p._replace(path='/$db').geturl())" "$RXGATE_TEST_DSN")
"$rxgate" migrate --dsn "$dsn" >/dev/null

"$root/config/tls/make-dev-certs.sh" "$work/tls" 2>/dev/null
python3 "$root/config/samples/make-samples.py" "$work/samples" 2>/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

RXGATE_DSN=$dsn RXGATE_LISTEN=127.0.0.1:$port RXGATE_TLS_CERT=$work/tls/server.crt RXGATE_TLS_KEY=$work/tls/server.key \
  RXGATE_TLS_CA=$work/tls/ca.crt "$rxgate" serve --config "$root/config/rxgate.toml" 2>"$work/serve.log" &
server_pid=$!

url=https://127.0.0.1:$port/ncpdp
submit() { "$rxgate" submit --url "$url" --ca "$work/tls/ca.crt" "$@"; }
for _ in $(seq 1 100); do
  submit "$work/samples/13-e1-eligibility.d0" >/dev/null 2>&1 && break
  sleep 0.1
done

failures=0
expect() {  # expect SAMPLE PATTERN [COUNT]
  local out
  out=$(submit "$work/samples/$1" 2>&1) || true
  local n
  n=$(grep -c -- "$2" <<<"$out" || true)
  if (( n < ${3:-1} )); then
    echo "FAIL $1: expected '$2' x${3:-1}; got:"; echo "$out"; failures=$((failures + 1))
  else
    echo "ok   $1: $2"
  fi
}
expect 01-paid.d0 "status P  authorization"
expect 02-duplicate.d0 "status D  authorization"
expect 03-reject-79-refill-too-soon.d0 "reject 79"
expect 04-reject-eligibility.d0 "reject 52"
expect 05-reject-70-not-covered.d0 "reject 70"
expect 06-reject-75-prior-authorization.d0 "reject 75"
expect 07-reject-76-plan-limits.d0 "reject 76"
expect 08-reject-88-dur.d0 "reject 88"
expect 09-reject-network.d0 "reject 40"
expect 10-reject-syntax-missing-cardholder.d0 "reject 07"
expect 11-b2-reversal.d0 "status A"
expect 12-b2-repeated.d0 "status S"
expect 13-e1-eligibility.d0 "status A"
expect 14-b1-four-transactions.d0 "status P  authorization" 4
expect 15-b3-rebill.d0 "status P  authorization"

# The other output forms.
submit --json "$work/samples/13-e1-eligibility.d0" | grep -q '"kind":"response"' || { echo "FAIL --json"; failures=$((failures + 1)); }
submit --raw "$work/samples/13-e1-eligibility.d0" | head -c 2 | grep -q D0 || { echo "FAIL --raw"; failures=$((failures + 1)); }
# Standard input, and a body that is not a transmission: a transmission-level reject.
printf 'not a claim' | submit - | grep -q "header status R" || { echo "FAIL malformed"; failures=$((failures + 1)); }

kill -TERM "$server_pid"
status=0
wait "$server_pid" || status=$?
server_pid=
if (( status != 0 )); then echo "FAIL rxgate serve exited $status after SIGTERM"; failures=$((failures + 1)); fi
grep -q '"event":"stopped"' "$work/serve.log" || { echo "FAIL no stopped log line"; failures=$((failures + 1)); }

(( failures == 0 )) || { echo "$failures failure(s); server log:"; cat "$work/serve.log"; exit 1; }
echo "all samples answered as expected"
