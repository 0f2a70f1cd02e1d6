#!/usr/bin/env bash
# `rxgate decode` and `rxgate encode` as a user runs them: every vector decodes (plain and JSON),
# JSON goes back to D.0 and decodes to the same JSON, values are shown decoded (labels with number
# and ID, code names, reject texts, dollars, ISO dates), F6 fields and segments have names,
# responses get findings, long outputs match golden files (tests/e2e/golden/decode),
# --json --decoded only adds a "decoded" member, and bad
# input exits 2 with the byte offset on stderr (1 for an unreadable file, with the system's reason).
# `rxgate submit` hints at --ca when the server's certificate does not verify.
# Usage: cli_decode_test.sh RXGATE_BINARY VECTOR_DIR REPOSITORY_ROOT
# RXGATE_UPDATE_GOLDEN=1 rewrites the golden files from the current output instead of comparing.
set -u

rxgate=${1:?path of the rxgate binary}
vectors=${2:?folder of the D.0 vectors}
root=${3:?repository root}
golden="$root/tests/e2e/golden/decode"
findings_data="$root/tests/data/decode"
work=$(mktemp -d)
tls_server=
trap '[[ -n $tls_server ]] && kill "$tls_server" 2>/dev/null; rm -rf "$work"' EXIT
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
  'D.0 request B1 (Billing), 1 transaction group' \
  'AM07 Claim' \
  '  402-D2 Prescription/Service Reference Number = 6000001' \
  '  409-D9 Ingredient Cost Submitted = $0.09' \
  '  426-DQ Usual and Customary Charge = $8.34' \
  '  442-E7 Quantity Dispensed = 1.000' \
  '  401-D1 Date of Service = 2018-02-07' \
  '  104-A4 Processor Control Number = (blank)' \
  '  202-B2 Service Provider ID Qualifier = 01 (NPI)' \
  '  436-E1 Product/Service ID Qualifier = 03 (NDC)' \
  '  transaction 1: reject EV M/I Prior Authorization ID Submitted: field 462-EV Prior Authorization Number Submitted'; do
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

# encode refuses JSON it cannot turn into D.0, with the offset.
echo '{"header":{"A1":1}}' >"$work/bad.json"
expect_exit 2 "encode bad JSON" "$rxgate" encode "$work/bad.json"
grep -q 'at byte 16' "$work/err" || fail "encode bad JSON: stderr was '$(cat "$work/err")'"
echo '{"header":' >"$work/truncated.json"
expect_exit 2 "encode truncated JSON" "$rxgate" encode - <"$work/truncated.json"
grep -q 'malformed JSON' "$work/err" || fail "encode truncated JSON: stderr was '$(cat "$work/err")'"

# Responses: code names, the reject catalog's text, and findings.
net3="$vectors/src-NCPDP.NET-3.txt"
expect_exit 0 "decode NCPDP.NET-3" "$rxgate" decode "$net3"
for line in \
  'D.0 response B1 (Billing), 1 transaction group' \
  'AM21 Response Status' \
  '  112-AN Transaction Response Status = R (Rejected)' \
  '  511-FB Reject Code = 88 (DUR Reject Error)' \
  'AM24 Response DUR/PPS' \
  '  439-E4 Reason for Service Code = LD (Low Dose)' \
  '  530-FU Previous Date of Fill = 2007-09-01' \
  'Findings' \
  '  none'; do
  grep -qxF -- "$line" "$work/out" || fail "decode NCPDP.NET-3: missing line '$line'"
done
grep -q '^      Drug utilization review found' "$work/out" || fail "decode NCPDP.NET-3: no reject text under 511-FB 88"

# A public vector whose rejected transactions carry no reject code (INDEX.md says so too).
expect_exit 0 "decode SerDe-6" "$rxgate" decode "$vectors/src-NCPDPSerDe-6.txt"
[[ $(grep -c 'status R (Rejected) without a 511-FB Reject Code' "$work/out") -eq 4 ]] ||
  fail "decode SerDe-6: expected the finding for each of 4 transactions: $(sed -n '/^Findings/,$p' "$work/out")"

# findings_of FILE LINE...: every LINE is in the Findings section of `decode FILE`, and nothing else is.
findings_of() {
  local file=$1
  shift
  expect_exit 0 "decode $(basename "$file")" "$rxgate" decode "$file"
  sed -n '/^Findings$/,$p' "$work/out" | tail -n +2 >"$work/findings"
  printf '%s\n' "$@" >"$work/expected-findings"
  cmp -s "$work/findings" "$work/expected-findings" ||
    fail "findings of $(basename "$file"): got
$(cat "$work/findings")
expected
$(cat "$work/expected-findings")"
}
findings_of "$findings_data/response-rejected-without-code.d0" \
  '  transmission: 501-F1 is R (Transmission Rejected), but no 511-FB Reject Code says why' \
  '  transaction 1: status R (Rejected) without a 511-FB Reject Code: the pharmacy cannot tell why'
findings_of "$findings_data/response-counts-disagree.d0" \
  '  transmission: 109-A9 Transaction Count says 2, but 1 transaction group follows' \
  '  transaction 1: 510-FA Reject Count says 2, but 1 occurrence of 511-FB Reject Code follows' \
  '  transaction 1: 130-UF Additional Message Information Count says 1, but 2 occurrences of 526-FQ Additional Message Information follow' \
  '  transaction 1: 355-NT Other Payer ID Count says 2, but 1 occurrence of 338-5C Other Payer Coverage Type follows' \
  '  transaction 1: 567-J6 DUR/PPS Response Code Counter runs 1, 3 over 2 DUR/PPS alerts; expected 1 to 2'
findings_of "$findings_data/response-paid-with-reject.d0" \
  '  transaction 1: status P (Paid) with 2 reject codes: a reject always wins, so this reads as rejected' \
  '  transaction 1: 511-FB Reject Code "ZZZ" is not an NCPDP reject code'
findings_of "$findings_data/response-status-unusable.d0" \
  '  transmission: 501-F1 Header Response Status "X" is neither A nor R' \
  '  transaction 1: no AM21 Response Status segment, which every response transaction carries' \
  '  transaction 2: 112-AN Transaction Response Status "Z" is not a response status' \
  '  transaction 2: 510-FA Reject Count is missing, but 1 occurrence of 511-FB Reject Code follows' \
  '  transaction 2: AM24 Response DUR/PPS has alerts but no 567-J6 DUR/PPS Response Code Counter to start them'
# A consistent answer has no findings (NCPDP.NET-3 above); nor does a paid one with pricing.
findings_of "$vectors/src-NCPDPSerDe-4.txt" '  none'
expect_exit 0 "decode paid-with-reject" "$rxgate" decode "$findings_data/response-paid-with-reject.d0"
for line in \
  '  505-F5 Patient Pay Amount = $100.00' \
  '  509-F9 Total Amount Paid = $14.55' \
  '  566-J5 Other Payer Amount Recognized = -$0.50' \
  '  511-FB Reject Code = ZZZ (not an NCPDP reject code)'; do
  grep -qxF -- "$line" "$work/out" || fail "decode paid-with-reject: missing line '$line'"
done

# F6 (issue 16): fields and segments by name from the dictionary's F6 table. An F6-only field's
# NCPDP number is not public, so its label is the ID, the name and "(F6)" (codec/dictionary.h).
f6="$root/tests/data/f6"
# lines_of FILE LINE...: every LINE is a whole line of `decode FILE`.
lines_of() {
  local file=$1
  shift
  expect_exit 0 "decode $(basename "$file")" "$rxgate" decode "$file"
  for line in "$@"; do
    grep -qxF -- "$line" "$work/out" || fail "decode $(basename "$file"): missing line '$line'"
  done
}
lines_of "$f6/response-refill-too-soon.txt" \
  'F6 response B1 (Billing), 1 transaction group' \
  'AM21 Response Status' \
  '  BT Next Available Fill Date (F6) = 2027-09-15' \
  '  550-8F Help Desk Phone Number = 8005550100'
lines_of "$f6/b1-patient-ids.txt" \
  'F6 request B1 (Billing), 1 transaction group' \
  'AM01 Patient' \
  '  RR Patient ID Count (F6) = 2' \
  '  331-CX Patient ID Qualifier = 01 (Social Security Number)' \
  'AM19 Intermediary' \
  '  8M Intermediary ID (F6) = INTERMEDIARY01'
lines_of "$f6/response-paid.txt" \
  '  BH Help Desk Support Type Count (F6) = 1' \
  '  BC Help Desk Contact Information (F6) = 8005550100' \
  '  ZR Adjudicated Program Type (F6) = 01'
# Every F6 vector that decodes names all its fields and segments.
for vector in "$f6"/b1-*.txt "$f6"/response-*.txt; do
  expect_exit 0 "decode $(basename "$vector")" "$rxgate" decode "$vector"
  grep -E 'vendor or unknown field|vendor segment' "$work/out" >"$work/unnamed" &&
    fail "decode $(basename "$vector"): unnamed items: $(head -3 "$work/unnamed")"
done
expect_exit 0 "decode --json --decoded F6 refill too soon" "$rxgate" decode --json --decoded "$f6/response-refill-too-soon.txt"
grep -qF '{"id":"BT","name":"Next Available Fill Date","f6_only":true,"wire":"20270915","value":"2027-09-15"}' "$work/out" ||
  fail "decode --json --decoded F6: BT without its name, or with a number"
expect_exit 0 "decode --json --decoded F6 patient IDs" "$rxgate" decode --json --decoded "$f6/b1-patient-ids.txt"
for fragment in '{"id":"19","name":"Intermediary","fields":' '{"id":"RR","name":"Patient ID Count","f6_only":true,"wire":"2"}'; do
  grep -qF -- "$fragment" "$work/out" || fail "decode --json --decoded F6 patient IDs: no $fragment"
done

# Long outputs against golden files. golden_check NAME COMMAND...: stdout of COMMAND is $golden/NAME
# (JSON pretty-printed so that a difference is readable).
golden_check() {
  local name=$1
  shift
  expect_exit 0 "golden $name" "$@"
  if [[ $name == *.json ]]; then
    python3 -m json.tool <"$work/out" >"$work/golden-out" || fail "golden $name: not JSON"
  else
    cp "$work/out" "$work/golden-out"
  fi
  if [[ ${RXGATE_UPDATE_GOLDEN:-0} == 1 ]]; then
    mkdir -p "$golden" && cp "$work/golden-out" "$golden/$name"
  elif ! diff -u "$golden/$name" "$work/golden-out" >"$work/golden-diff"; then
    fail "golden $name differs (RXGATE_UPDATE_GOLDEN=1 rewrites it):
$(head -40 "$work/golden-diff")"
  fi
}
golden_check request-serde-1.txt "$rxgate" decode "$serde1"
golden_check response-dur-ncpdp-net-3.txt "$rxgate" decode "$net3"
golden_check sample-30-paid-cob-secondary.txt "$rxgate" decode "$root/config/samples/30-paid-cob-secondary-standard.d0"
golden_check response-counts-disagree.txt "$rxgate" decode "$findings_data/response-counts-disagree.d0"
golden_check response-paid-with-reject.decoded.json "$rxgate" decode --json --decoded "$findings_data/response-paid-with-reject.d0"
golden_check sample-08-reject-88-dur.decoded.json "$rxgate" decode --json --decoded "$root/config/samples/08-reject-88-dur.d0"
golden_check f6-response-paid.txt "$rxgate" decode "$f6/response-paid.txt"
golden_check f6-b1-patient-ids.decoded.json "$rxgate" decode --json --decoded "$f6/b1-patient-ids.txt"

# --json --decoded is the --json text byte for byte, with a "decoded" member added at the end.
for input in "$vectors"/*.txt "$findings_data"/*.d0 "$root"/config/samples/*.d0 "$f6"/b1-*.txt "$f6"/response-*.txt; do
  name=$(basename "$input")
  expect_exit 0 "decode --json $name" "$rxgate" decode --json "$input"
  cp "$work/out" "$work/plain.json"
  expect_exit 0 "decode --json --decoded $name" "$rxgate" decode --json --decoded "$input"
  python3 - "$work/plain.json" "$work/out" <<'PY' || fail "decode --json --decoded $name does not extend the --json text"
import json, sys
plain = open(sys.argv[1]).read().rstrip("\n")
decoded = open(sys.argv[2]).read().rstrip("\n")
assert decoded.startswith(plain[:-1] + ',"decoded":'), "prefix"
doc = json.loads(decoded)
assert list(doc)[-1] == "decoded" and {"version", "header", "segments", "transactions", "findings"} <= set(doc["decoded"])
PY
done
expect_exit 0 "decode --json --decoded paid-with-reject" "$rxgate" decode --json --decoded "$findings_data/response-paid-with-reject.d0"
for fragment in '"wire":"1000{","value":100' '"wire":"5}","value":-0.5' '"wire":"P","meaning":"Paid"' \
                '"wire":"20240105","value":"2024-01-05"'; do
  grep -qF -- "$fragment" "$work/out" || fail "decode --json --decoded: no $fragment"
done
"$rxgate" decode --decoded "$serde1" >"$work/out" 2>"$work/err" && fail "--decoded without --json was accepted"

# Unreadable input: exit 1 with the system's reason.
expect_exit 1 "missing file" "$rxgate" decode "$work/does-not-exist.txt"
grep -qxF "rxgate decode: cannot read $work/does-not-exist.txt: No such file or directory" "$work/err" ||
  fail "missing file: stderr was '$(cat "$work/err")'"
mkdir -p "$work/a-folder"
expect_exit 1 "folder" "$rxgate" decode "$work/a-folder"
grep -qxF "rxgate decode: cannot read $work/a-folder: Is a directory" "$work/err" ||
  fail "folder: stderr was '$(cat "$work/err")'"
expect_exit 1 "encode missing file" "$rxgate" encode "$work/does-not-exist.json"
grep -qxF "rxgate encode: cannot read $work/does-not-exist.json: No such file or directory" "$work/err" ||
  fail "encode missing file: stderr was '$(cat "$work/err")'"
expect_exit 2 "submit missing file" "$rxgate" submit --url https://127.0.0.1:9/ncpdp "$work/does-not-exist.txt"
grep -qxF "rxgate submit: cannot read $work/does-not-exist.txt: No such file or directory" "$work/err" ||
  fail "submit missing file: stderr was '$(cat "$work/err")'"

# submit against a TLS server whose certificate the client cannot verify: a hint at --ca; with a
# --ca that did not sign it, a hint to check it; a refused connection is not a certificate problem.
source "$root/bench/e2e-lib.sh" # free_port: below the kernel's ephemeral range
for who in server other; do
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/$who.key" -out "$work/$who.crt" -days 1 \
    -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1 || fail "openssl req ($who)"
done
port=$(free_port)
openssl s_server -quiet -accept "127.0.0.1:$port" -cert "$work/server.crt" -key "$work/server.key" \
  </dev/null >/dev/null 2>&1 &
tls_server=$!
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
expect_exit 1 "submit untrusted certificate" "$rxgate" submit --url "https://127.0.0.1:$port/ncpdp" "$serde1"
grep -q 'pass --ca FILE with the CA that signed it' "$work/err" || fail "submit without --ca: no hint in '$(cat "$work/err")'"
expect_exit 1 "submit wrong --ca" "$rxgate" submit --url "https://127.0.0.1:$port/ncpdp" --ca "$work/other.crt" "$serde1"
grep -q "did not verify against --ca $work/other.crt" "$work/err" || fail "submit wrong --ca: no hint in '$(cat "$work/err")'"
kill "$tls_server" 2>/dev/null
wait "$tls_server" 2>/dev/null
tls_server=
expect_exit 1 "submit refused" "$rxgate" submit --url "https://127.0.0.1:$port/ncpdp" "$serde1"
grep -q -- '--ca' "$work/err" && fail "submit refused: a --ca hint for a refused connection: '$(cat "$work/err")'"

if [[ $failures -ne 0 ]]; then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "cli_decode: all checks passed ($count vectors)"
