#!/usr/bin/env bash
# `rxgate decode` and `rxgate encode` as a user runs them: every vector decodes (plain and JSON),
# JSON goes back to D.0 and decodes to the same JSON, values are shown decoded, and bad input
# exits 2 with the byte offset on stderr (1 for an unreadable file).
# Usage: cli_decode_test.sh RXGATE_BINARY VECTOR_DIR
set -u

rxgate=${1:?path of the rxgate binary}
vectors=${2:?folder of the D.0 vectors}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# expect_exit CODE NAME COMMAND...: run, keep stdout/stderr in $work/out and $work/err.
expect_exit() {
  local want=$1 name=$2
  shift 2
  "$@" >"$work/out" 2>"$work/err"
  local got=$?
  [[ $got -eq $want ]] || fail "$name: exit $got, expected $want ($(head -c 300 "$work/err"))"
}

count=0
for vector in "$vectors"/*.txt; do
  name=$(basename "$vector")
  count=$((count + 1))
  expect_exit 0 "decode $name" "$rxgate" decode "$vector"
  grep -q '^Header$' "$work/out" || fail "decode $name: no Header section"
  expect_exit 0 "decode --json $name" "$rxgate" decode --json "$vector"
  cp "$work/out" "$work/first.json"
  expect_exit 0 "encode $name" "$rxgate" encode "$work/first.json"
  cp "$work/out" "$work/wire.bin"
  expect_exit 0 "decode of encoded $name" "$rxgate" decode --json "$work/wire.bin"
  cmp -s "$work/out" "$work/first.json" || fail "$name: decode --json | encode | decode --json changed the JSON"
done
[[ $count -eq 20 ]] || fail "expected 20 vectors in $vectors, found $count"

# Plain listing: names from the dictionary, money, quantities and dates decoded, rejects listed.
serde1="$vectors/src-NCPDPSerDe-1.txt"
expect_exit 0 "decode SerDe-1" "$rxgate" decode "$serde1"
for line in \
  'AM07 Claim' \
  '  D2 Prescription/Service Reference Number = 6000001' \
  '  D9 Ingredient Cost Submitted = 0.09' \
  '  DQ Usual and Customary Charge = 8.34' \
  '  E7 Quantity Dispensed = 1.000' \
  '  D1 Date of Service = 2018-02-07' \
  '  A4 Processor Control Number = (blank)' \
  '    reject EV  field 462-EV (Prior Authorization Number Submitted)'; do
  grep -qxF -- "$line" "$work/out" || fail "decode SerDe-1: missing line '$line'"
done

# JSON from stdin, with the two comment lines of the vector file skipped.
expect_exit 0 "decode --json -" "$rxgate" decode --json - <"$vectors/src-NCPDPSerDe-8.txt"
expected='{"kind":"response","header":{"A2":"D0","A3":"B2","A9":"1","F1":"A","B2":"01","B1":"1679198717","D1":"20231219"},"segments":[],"transactions":[{"segments":[{"id":"21","fields":[["AN","A"]]},{"id":"22","fields":[["EM","1"],["D2","7159262"],["*A","D0"]]}]}]}'
[[ "$(cat "$work/out")" == "$expected" ]] || fail "decode --json - of SerDe-8: $(cat "$work/out")"

# Undecodable input: exit 2, the problem and its offset on stderr, nothing on stdout.
printf '610014D0B1' >"$work/short.bin"
expect_exit 2 "short header" "$rxgate" decode "$work/short.bin"
grep -q 'short_header at byte 10' "$work/err" || fail "short header: stderr was '$(cat "$work/err")'"
[[ ! -s "$work/out" ]] || fail "short header: printed something on stdout"
expect_exit 2 "short header --json" "$rxgate" decode --json "$work/short.bin"
[[ ! -s "$work/out" ]] || fail "short header --json: printed something on stdout"

printf '# a comment\n610014D0B1MA        1011234567893     20240105CERT      \x1e\x1cAM04\x1c' >"$work/cut.txt"
expect_exit 2 "cut field" "$rxgate" decode "$work/cut.txt"
grep -q 'at byte 63' "$work/err" || fail "cut field: stderr was '$(cat "$work/err")'"
grep -q 'byte 75 of the file' "$work/err" || fail "cut field: no file offset in '$(cat "$work/err")'"

: >"$work/empty.bin"
expect_exit 2 "empty input" "$rxgate" decode "$work/empty.bin"
expect_exit 1 "missing file" "$rxgate" decode "$work/does-not-exist.txt"

# encode refuses JSON it cannot turn into D.0, with the offset.
echo '{"header":{"A1":1}}' >"$work/bad.json"
expect_exit 2 "encode bad JSON" "$rxgate" encode "$work/bad.json"
grep -q 'at byte 16' "$work/err" || fail "encode bad JSON: stderr was '$(cat "$work/err")'"
echo '{"header":' >"$work/truncated.json"
expect_exit 2 "encode truncated JSON" "$rxgate" encode - <"$work/truncated.json"
grep -q 'malformed JSON' "$work/err" || fail "encode truncated JSON: stderr was '$(cat "$work/err")'"

if [[ $failures -ne 0 ]]; then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "cli_decode: all checks passed ($count vectors)"
