#!/usr/bin/env bash
# `rxgate claims raw` through the real binary next to a running gateway: a claim sent over TLS comes
# back byte for byte as the request it was, and its response as sent (which `rxgate decode` reads);
# every read is audited as cli:<user>; exit codes of bad input, and no bytes to a terminal.
# (Packed rows, after `rxgate dictionaries train`, are read the same way: tests/sql/claim_dictionaries_test.cpp.)
#   claims_raw_cli_test.sh RXGATE_BINARY PROJECT_ROOT
# Needs RXGATE_TEST_DSN (deploy/pg.sh dsn) and psql; exits 77 (skipped) without them.
set -euo pipefail
rxgate=$1
root=$2
source "$(dirname "${BASH_SOURCE[0]}")/gateway_lib.sh"
start_gateway "$rxgate" "$root" rxgate_e2e_claims_raw
fail() { echo "FAIL: $*" >&2; exit 1; }
raw() { "$rxgate" claims raw --dsn "$gateway_dsn" "$@"; }

submit "$work/samples/01-paid.d0" >"$work/answer.txt"
grep -q 'status P' "$work/answer.txt" || fail "the sample was not paid: $(cat "$work/answer.txt")"
id=$(psql "$gateway_dsn" -Atc "SELECT id FROM claims WHERE transaction_code = 'B1' ORDER BY id DESC LIMIT 1")
[[ -n $id ]] || fail "no claim stored"

# What went over the wire: the sample without its "# " comment lines and final newline (as submit sends it).
grep -v '^# ' "$work/samples/01-paid.d0" | tr -d '\n' >"$work/sent.d0"
raw --id "$id" >"$work/request.d0"
cmp "$work/sent.d0" "$work/request.d0" || fail "the request read back differs from the one sent"
raw --id "$id" --response --out "$work/response.d0"
"$rxgate" decode "$work/response.d0" >"$work/response.txt" || fail "the stored response does not decode"
grep -q 'response' "$work/response.txt" || fail "decode: $(cat "$work/response.txt")"
auth=$(psql "$gateway_dsn" -Atc "SELECT authorization_number FROM claims WHERE id = $id")
grep -q "$auth" "$work/response.txt" || fail "the response read back is not the one that paid (authorization $auth)"
RXGATE_DSN=$gateway_dsn "$rxgate" claims raw --id "$id" | cmp - "$work/sent.d0" || fail "through RXGATE_DSN"

reads=$(psql "$gateway_dsn" -Atc "SELECT string_agg(action || ':' || outcome, ',' ORDER BY id) FROM claim_reads WHERE claim_id = $id AND actor LIKE 'cli:%'")
[[ $reads == "raw_request:ok,raw_response:ok,raw_request:ok" ]] || fail "audit rows: $reads"

expect_exit() {
  local want=$1; shift
  set +e
  "$@" >"$work/out" 2>"$work/err"
  local code=$?
  set -e
  [[ $code == "$want" ]] || fail "$*: exit $code, expected $want ($(cat "$work/err"))"
}
expect_exit 2 raw --id $((id + 1000000))
grep -q "no claim has id" "$work/err" || fail "unknown id: $(cat "$work/err")"
[[ ! -s $work/out ]] || fail "bytes written for an unknown id"
[[ $(psql "$gateway_dsn" -Atc "SELECT outcome FROM claim_reads WHERE action = 'raw_request' ORDER BY id DESC LIMIT 1") == not_found ]] ||
  fail "an unknown id is not audited as not_found"
expect_exit 2 raw --id 0
expect_exit 2 env -u RXGATE_DSN "$rxgate" claims raw --id "$id"
grep -q "no --dsn given" "$work/err" || fail "no DSN: $(cat "$work/err")"
# A terminal on stdout is refused before anything is read (script(1) gives the command one).
if command -v script >/dev/null; then
  before=$(psql "$gateway_dsn" -Atc "SELECT count(*) FROM claim_reads")
  set +e
  script -qec "$rxgate claims raw --dsn '$gateway_dsn' --id $id" /dev/null >"$work/tty.out" 2>&1
  code=$?
  set -e
  [[ $code == 2 ]] || fail "a terminal: exit $code ($(cat "$work/tty.out"))"
  grep -q "stdout is a terminal" "$work/tty.out" || fail "a terminal: $(cat "$work/tty.out")"
  [[ $(psql "$gateway_dsn" -Atc "SELECT count(*) FROM claim_reads") == "$before" ]] || fail "a refused read was audited"
fi
stop_gateway
echo "claims raw: ok"
