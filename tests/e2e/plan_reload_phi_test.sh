#!/usr/bin/env bash
# A plan reload that fails on a member's bad date of birth (issue 17, fault 3): the admin API's 422
# answer and the plans_reload_failed log line name members.csv, the line and the column, never the
# value; the old plans keep serving. Both reload paths: POST /v1/admin/plans/reload and SIGHUP.
#   plan_reload_phi_test.sh RXGATE_BINARY PROJECT_ROOT
# Needs RXGATE_TEST_DSN (deploy/pg.sh dsn) and psql; exits 77 (skipped) without them.
set -euo pipefail
rxgate=$1
root=$2
source "$(dirname "${BASH_SOURCE[0]}")/gateway_lib.sh"
fail() { echo "FAIL: $*" >&2; echo "server log:" >&2; cat "$work/serve.log" >&2; exit 1; }

# The gateway serves a copy of the plans, so the test can break one.
cp -r "$root/config/plans" "$work/plans"
export RXGATE_PLANS_DIR=$work/plans
start_gateway "$rxgate" "$root" rxgate_e2e_reload_phi

# MORGAN's date of birth, 19581130, becomes a date that does not exist.
bad_dob=19581131
members=$work/plans/demo/members.csv
grep -q 'DEMO1002,001,MORGAN,EXAMPLE,19581130' "$members" || fail "the demo member changed; update this test"
sed -i "s/DEMO1002,001,MORGAN,EXAMPLE,19581130/DEMO1002,001,MORGAN,EXAMPLE,$bad_dob/" "$members"
line=$(grep -n "DEMO1002,001" "$members" | cut -d: -f1)

reload_url=${url%/ncpdp}/v1/admin/plans/reload
code=$(curl -sS --cacert "$work/tls/ca.crt" -o "$work/reload.json" -w '%{http_code}' -X POST "$reload_url")
[[ $code == 422 ]] || fail "reload with a bad member answered $code: $(cat "$work/reload.json")"
grep -q "demo/members.csv:$line:[0-9]*: date_of_birth must be a date" "$work/reload.json" ||
  fail "the 422 answer does not name the file, line and column: $(cat "$work/reload.json")"
for value in "$bad_dob" MORGAN EXAMPLE DEMO1002; do
  grep -q "$value" "$work/reload.json" && fail "the 422 answer holds member data ($value): $(cat "$work/reload.json")"
done

kill -HUP "$server_pid"
for _ in $(seq 1 100); do
  (( $(grep -c '"event":"plans_reload_failed"' "$work/serve.log") >= 2 )) && break
  sleep 0.1
done
(( $(grep -c '"event":"plans_reload_failed"' "$work/serve.log") >= 2 )) || fail "no plans_reload_failed line after SIGHUP"
grep '"event":"plans_reload_failed"' "$work/serve.log" | grep -q "members.csv:$line:[0-9]*: date_of_birth" ||
  fail "the log line does not name the file, line and column"
for value in "$bad_dob" MORGAN EXAMPLE DEMO1002; do
  grep -q "$value" "$work/serve.log" && fail "the log holds member data ($value)"
done

# The old plans still serve.
submit "$work/samples/01-paid.d0" | grep -q "status P" || fail "the old plans stopped serving"
stop_gateway
echo "ok: a failed reload names members.csv:$line and the column, never the value"
