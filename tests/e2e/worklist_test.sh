#!/usr/bin/env bash
# The reject worklist over real sockets: a claim rejected over POST /ncpdp shows on its pharmacy's
# worklist (status API, technician token), and the resubmission that pays closes it by itself,
# linked to the paying claim; nothing is written for the worklist on the claim path.
#   worklist_test.sh RXGATE_BINARY PROJECT_ROOT
# Needs RXGATE_TEST_DSN (deploy/pg.sh dsn) and psql; exits 77 (skipped) without them.
set -euo pipefail
rxgate=$1
root=$2
fail() { echo "FAIL: $*" >&2; exit 1; }
source "$(dirname "${BASH_SOURCE[0]}")/gateway_lib.sh"
start_gateway "$rxgate" "$root" rxgate_e2e_worklist
dsn=$gateway_dsn
pharmacy=1111111112
api=${url%/ncpdp}

token=$("$rxgate" token create --dsn "$dsn" --name e2e-tech --role technician --pharmacy "$pharmacy" | grep -o 'rxg_[A-Za-z0-9_-]*' | head -1)
[[ -n $token ]] || fail "no token made"
get() { curl -sS --cacert "$work/tls/ca.crt" -H "Authorization: Bearer $token" "$api$1"; }
# field PATH-IN-JSON of the reject with claim id $2 in a worklist page on stdin ("" when absent)
field() { python3 -c '
import json, sys
page = json.load(sys.stdin)
for r in page["rejects"]:
    if r["claim_id"] == int(sys.argv[1]):
        v = r
        for k in sys.argv[2].split("."):
            v = v[k] if v is not None else None
        print(v if v is not None else "null"); break
' "$1" "$2"; }

# The weight-loss drug the demo plan excludes: 70, under Rx 100004.
out=$(submit "$work/samples/05-reject-70-not-covered.d0" 2>&1) || true
grep -q "status R" <<<"$out" || fail "not rejected: $out"
rejected=$(psql "$dsn" -Atc "SELECT id FROM claims WHERE provider_id = '$pharmacy' AND rx_number = '100004' AND status = 'R'")
[[ -n $rejected ]] || fail "no rejected claim stored"
page=$(get "/v1/pharmacies/$pharmacy/worklist")
[[ $(field "$rejected" state <<<"$page") == open ]] || fail "not open on the worklist: $page"
[[ $(field "$rejected" rejects <<<"$page") == *"'70'"* ]] || fail "reject 70 not shown: $page"

# The resubmission under the same Rx and fill, for a covered product, pays and closes it.
sed -e 's/D2100001/D2100004/' "$work/samples/01-paid.d0" >"$work/resubmission.d0"
out=$(submit "$work/resubmission.d0" 2>&1) || true
grep -q "status P" <<<"$out" || fail "resubmission not paid: $out"
paid=$(psql "$dsn" -Atc "SELECT id FROM claims WHERE provider_id = '$pharmacy' AND rx_number = '100004' AND status = 'P'")
page=$(get "/v1/pharmacies/$pharmacy/worklist")
[[ -z $(field "$rejected" state <<<"$page") ]] || fail "still on the open worklist: $page"
page=$(get "/v1/pharmacies/$pharmacy/worklist?state=closed")
[[ $(field "$rejected" closed.by <<<"$page") == payment ]] || fail "not closed by the payment: $page"
[[ $(field "$rejected" paid_by.claim_id <<<"$page") == "$paid" ]] || fail "not linked to claim $paid: $page"
[[ $(psql "$dsn" -Atc "SELECT count(*) FROM worklist_actions") == 0 ]] || fail "the claim path wrote worklist rows"
[[ $(psql "$dsn" -Atc "SELECT count(*) FROM claim_reads WHERE action = 'worklist' AND outcome = 'ok'") == 3 ]] || fail "reads not audited"

stop_gateway
echo "worklist: ok"
