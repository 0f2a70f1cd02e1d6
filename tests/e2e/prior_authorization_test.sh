#!/usr/bin/env bash
# P1-P4 over real sockets (issue 15): a PA requested over POST /ncpdp (P1) is pending (F, with its
# number) until a reviewer approves it through the status API; until then a B1 citing the number
# still rejects 75 and a P3 answers F; once approved the P3 answers A with the validity and the B1
# with 462-EV pays. A retransmitted P1 gets the same number; a P2 cancels a second request and a
# P3 then tells it was cancelled; a technician may not approve (403), a decided PA cannot be
# decided again (409).
#   prior_authorization_test.sh RXGATE_BINARY PROJECT_ROOT
# Needs RXGATE_TEST_DSN (deploy/pg.sh dsn) and psql; exits 77 (skipped) without them.
set -euo pipefail
rxgate=$1
root=$2
fail() { echo "FAIL: $*" >&2; exit 1; }
source "$(dirname "${BASH_SOURCE[0]}")/gateway_lib.sh"
start_gateway "$rxgate" "$root" rxgate_e2e_prior_auth
dsn=$gateway_dsn
api=${url%/ncpdp}
today=$(date -u +%Y%m%d)

# The transmissions, built with the samples' own helpers: MORGAN and the drug of sample 06 (PA
# required in the demo plan).
make_claim() {  # make_claim FILE KIND [ARG...]
  python3 - "$root/config/samples/make-samples.py" "$today" "$@" <<'EOF'
import importlib.util, sys
spec = importlib.util.spec_from_file_location("samples", sys.argv[1])
s = importlib.util.module_from_spec(spec); spec.loader.exec_module(s)
dos, out, kind, args = sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
card, person, dob, gender, first, last = s.MORGAN
drug = "90001000704"
def pa_segment(fields):
    return s.segment("12", fields)
def p_header(code):
    return s.header(code, dos) + s.insurance(card, person)
if kind == "P1":      # args: rx, period begin, period end
    rx, begin, end = args
    body = (p_header("P1") + s.patient(dob, gender, first, last) + s.GS + s.claim(rx, drug, 3, 28, written=dos) +
            s.prescriber() + s.pricing(90000) +
            pa_segment([("PA", "1"), ("PB", begin), ("PC", end), ("PD", "ME"), ("PP", "FAILED TWO ALTERNATIVES")]))
elif kind in ("P2", "P3"):  # args: number
    body = p_header(kind) + s.GS + pa_segment([("PY", args[0])])
elif kind == "B1":    # args: rx, number
    rx, number = args
    body = (p_header("B1") + s.patient(dob, gender, first, last) + s.GS +
            s.claim(rx, drug, 3, 28, written=dos, extra=[("EU", "1"), ("EV", number)]) + s.prescriber() + s.pricing(90000))
open(out, "w", encoding="latin-1").write(body)
EOF
}
# answer FIELD of the JSON response on stdin: status, rejects, PY, PS, PT, RA, PR (AM26), texts
answer() { python3 -c '
import json, sys
r = json.load(sys.stdin)
t = r["transactions"][0]
fields = {}
for seg in t["segments"]:
    for k, v in seg["fields"]:
        fields.setdefault(k, []).append(v)
want = sys.argv[1]
if want == "status": print(fields.get("AN", [""])[0])
elif want == "rejects": print(" ".join(fields.get("FB", [])))
elif want == "texts": print(" ".join(fields.get("FQ", [])))
else: print(fields.get(want, [""])[0])
' "$1"; }
send() { submit --json "$work/$1.d0"; }

# 1. P1: deferred (F) with a PA number, AM26 processed today.
make_claim "$work/p1.d0" P1 200001 "$today" "$(date -u -d '+89 days' +%Y%m%d)"
out=$(send p1)
[[ $(answer status <<<"$out") == F ]] || fail "P1 not deferred: $out"
number=$(answer PY <<<"$out")
[[ $number =~ ^[0-9]{11}$ ]] || fail "P1 without an 11-digit PA number: $out"
[[ $(answer PR <<<"$out") == "$today" ]] || fail "P1 processed date: $out"
[[ $(psql "$dsn" -Atc "SELECT state || ' ' || request_transaction_code || ' ' || request_provider_id FROM prior_authorizations WHERE number = '$number'") == "pending P1 1111111112" ]] ||
  fail "no pending PA stored for $number"

# 2. A retransmitted P1 (same claim key) answers the same number and files nothing new.
out=$(send p1)
[[ $(answer status <<<"$out") == F && $(answer PY <<<"$out") == "$number" ]] || fail "retransmit: $out"
[[ $(psql "$dsn" -Atc "SELECT count(*) FROM prior_authorizations") == 1 ]] || fail "retransmit filed a second PA"

# 3. While pending: a B1 citing the number still rejects 75; a P3 answers F.
make_claim "$work/b1.d0" B1 200002 "$number"
out=$(send b1)
[[ $(answer status <<<"$out") == R && $(answer rejects <<<"$out") == *75* ]] || fail "B1 paid on a pending PA: $out"
make_claim "$work/p3.d0" P3 "$number"
out=$(send p3)
[[ $(answer status <<<"$out") == F && $(answer PY <<<"$out") == "$number" ]] || fail "P3 on a pending PA: $out"

# 4. The reviewers' list shows it; a technician may not approve; a reviewer approves.
reviewer=$("$rxgate" token create --dsn "$dsn" --name e2e-reviewer --role reviewer | grep -o 'rxg_[A-Za-z0-9_-]*' | head -1)
tech=$("$rxgate" token create --dsn "$dsn" --name e2e-tech --role technician --pharmacy 1111111112 | grep -o 'rxg_[A-Za-z0-9_-]*' | head -1)
[[ -n $reviewer && -n $tech ]] || fail "no tokens made"
call() {  # call TOKEN METHOD PATH [BODY] -> "<http status> <body>"
  curl -sS --cacert "$work/tls/ca.crt" -H "Authorization: Bearer $1" -X "$2" ${4:+-d "$4"} -w ' %{http_code}' "$api$3"
}
id=$(psql "$dsn" -Atc "SELECT id FROM prior_authorizations WHERE number = '$number'")
# The P1's claim as a technician reads it: F, and the PA it filed.
p1_claim=$(psql "$dsn" -Atc "SELECT id FROM claims WHERE transaction_code = 'P1' AND rx_number = '200001' ORDER BY id LIMIT 1")
out=$(call "$tech" GET "/v1/claims/$p1_claim")
[[ $out == *'"status":"F"'* && $out == *"\"pa_transaction\":{\"number\":\"$number\",\"change\":\"request\""* && $out == *' 200' ]] ||
  fail "P1 claim view: $out"
out=$(call "$reviewer" GET "/v1/prior-authorizations?state=pending")
[[ $out == *"\"number\":\"$number\""* && $out == *' 200' ]] || fail "pending list: $out"
out=$(call "$tech" GET "/v1/prior-authorizations?state=pending")
[[ $out == *' 403' ]] || fail "technician saw the pending list: $out"
expires=$(date -u -d '+89 days' +%F)
out=$(call "$tech" POST "/v1/prior-authorizations/$id/approve" "{\"expires\":\"$expires\",\"max_quantity\":3}")
[[ $out == *' 403' ]] || fail "technician approved: $out"
out=$(call "$reviewer" POST "/v1/prior-authorizations/$id/approve" "{\"effective\":\"$(date -u +%F)\",\"expires\":\"$expires\",\"max_quantity\":3}")
[[ $out == *'"state":"approved"'* && $out == *' 200' ]] || fail "approve: $out"
out=$(call "$reviewer" POST "/v1/prior-authorizations/$id/deny" '{"reason":"changed my mind"}')
[[ $out == *' 409' ]] || fail "a decided PA was decided again: $out"

# 5. Approved: P3 answers A with the validity; the B1 with 462-EV pays.
out=$(send p3)
[[ $(answer status <<<"$out") == A ]] || fail "P3 after approval: $out"
[[ $(answer PS <<<"$out") == "$today" && $(answer PT <<<"$out") == "$(date -u -d '+89 days' +%Y%m%d)" ]] || fail "P3 validity: $out"
[[ $(answer RA <<<"$out") == 3000 ]] || fail "P3 quantity: $out"
make_claim "$work/b1-paid.d0" B1 200003 "$number"
out=$(send b1-paid)
[[ $(answer status <<<"$out") == P ]] || fail "B1 with the approved PA did not pay: $out"

# 6. A second request, cancelled by a P2; a P3 then answers its cancelled state; a second P2 is S.
make_claim "$work/p1-second.d0" P1 200004 "$today" "$today"
out=$(send p1-second)
# An approved PA already covers the drug today: 3T, naming it, rather than a second request.
[[ $(answer status <<<"$out") == R && $(answer rejects <<<"$out") == 3T && $(answer PY <<<"$out") == "$number" ]] ||
  fail "P1 under an active PA: $out"
psql "$dsn" -qc "UPDATE prior_authorizations SET revoked_at = now(), revoked_by = 'e2e' WHERE number = '$number'"
out=$(send p1-second)
[[ $(answer status <<<"$out") == F ]] || fail "second P1: $out"
second=$(answer PY <<<"$out")
[[ -n $second && $second != "$number" ]] || fail "second P1 number: $out"
make_claim "$work/p2.d0" P2 "$second"
out=$(send p2)
[[ $(answer status <<<"$out") == A && $(answer PY <<<"$out") == "$second" ]] || fail "P2: $out"
[[ $(psql "$dsn" -Atc "SELECT revoked_by FROM prior_authorizations WHERE number = '$second'") == "P2 1111111112" ]] || fail "P2 not recorded"
out=$(send p2)
[[ $(answer status <<<"$out") == S ]] || fail "second P2: $out"
make_claim "$work/p3-second.d0" P3 "$second"
out=$(send p3-second)
[[ $(answer status <<<"$out") == R && $(answer rejects <<<"$out") == 75 && $(answer texts <<<"$out") == *CANCELLED* ]] ||
  fail "P3 of a cancelled PA: $out"
out=$(call "$reviewer" POST "/v1/prior-authorizations/$(psql "$dsn" -Atc "SELECT id FROM prior_authorizations WHERE number = '$second'")/approve" \
  "{\"expires\":\"$expires\"}")
[[ $out == *' 409' ]] || fail "a cancelled PA was approved: $out"

# 7. Unknown number: 3N. Every review action audited with its outcome.
make_claim "$work/p3-unknown.d0" P3 29999999999
out=$(send p3-unknown)
[[ $(answer rejects <<<"$out") == 3N ]] || fail "P3 of an unknown number: $out"
audit=$(psql "$dsn" -Atc "SELECT string_agg(action || ':' || outcome, ' ' ORDER BY id) FROM claim_reads WHERE action LIKE 'pa_%'")
[[ $audit == "pa_pending:ok pa_pending:denied pa_approve:denied pa_approve:ok pa_deny:conflict pa_approve:conflict" ]] ||
  fail "audit: $audit"

stop_gateway
echo "prior authorization over the wire: ok"
