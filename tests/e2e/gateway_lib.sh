# Sourced by end-to-end scripts that need a running gateway (bash; set -euo pipefail in the caller).
#
#   start_gateway RXGATE_BINARY PROJECT_ROOT DATABASE
#     makes a fresh database DATABASE next to RXGATE_TEST_DSN's, migrates it, makes development
#     certificates and the sample claims in $work, starts `rxgate serve` with config/rxgate.toml
#     (listen address, TLS material and database from the environment overrides) and waits until it
#     answers. Sets work (a temporary folder removed on exit), url, server_pid, gateway_dsn (the
#     database's DSN); defines submit().
#   stop_gateway
#     SIGTERM, then checks a clean exit and the stopped log line; returns 1 (with the server log) if not.
# Exits 77 (skipped) without RXGATE_TEST_DSN or psql.

[[ -n ${RXGATE_TEST_DSN:-} ]] || { echo "RXGATE_TEST_DSN is not set: skipped"; exit 77; }
command -v psql >/dev/null || { echo "psql not found: skipped"; exit 77; }

work=$(mktemp -d)
server_pid=
gateway_cleanup() {
  [[ -n $server_pid ]] && kill -TERM "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap gateway_cleanup EXIT

start_gateway() {
  local rxgate=$1 root=$2 db=$3
  psql "$RXGATE_TEST_DSN" -qc "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null 2>&1
  local dsn
  dsn=$(python3 -c "import sys,urllib.parse as u; p=u.urlparse(sys.argv[1]); print(p._replace(path='/$db').geturl())" "$RXGATE_TEST_DSN")
  "$rxgate" migrate --dsn "$dsn" >/dev/null
  gateway_dsn=$dsn
  "$root/config/tls/make-dev-certs.sh" "$work/tls" 2>/dev/null
  python3 "$root/config/samples/make-samples.py" "$work/samples" 2>/dev/null
  local port
  port=$(source "$root/bench/e2e-lib.sh" && free_port) # below the kernel's ephemeral range
  RXGATE_DSN=$dsn RXGATE_LISTEN=127.0.0.1:$port RXGATE_TLS_CERT=$work/tls/server.crt RXGATE_TLS_KEY=$work/tls/server.key \
    RXGATE_TLS_CA=$work/tls/ca.crt "$rxgate" serve --config "$root/config/rxgate.toml" 2>"$work/serve.log" &
  server_pid=$!
  url=https://127.0.0.1:$port/ncpdp
  gateway_binary=$rxgate
  # An E1 is recorded but changes no member's history, so it is a harmless readiness probe.
  for _ in $(seq 1 100); do
    submit "$work/samples/13-e1-eligibility.d0" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "the gateway did not answer; its log:"; cat "$work/serve.log"; return 1
}

submit() { "$gateway_binary" submit --url "$url" --ca "$work/tls/ca.crt" "$@"; }

stop_gateway() {
  kill -TERM "$server_pid"
  local status=0
  wait "$server_pid" || status=$?
  server_pid=
  local bad=0
  if (( status != 0 )); then echo "FAIL rxgate serve exited $status after SIGTERM"; bad=1; fi
  grep -q '"event":"stopped"' "$work/serve.log" || { echo "FAIL no stopped log line"; bad=1; }
  if (( bad )); then echo "server log:"; cat "$work/serve.log"; return 1; fi
}
