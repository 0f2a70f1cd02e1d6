#!/usr/bin/env bash
# End to end through the real binary: `rxgate serve` with config/rxgate.toml (TLS material,
# database and port from the environment overrides), every sample of config/samples sent with
# `rxgate submit`, answers checked, then SIGTERM and a clean exit.
#   serve_samples_test.sh RXGATE_BINARY PROJECT_ROOT
# Needs RXGATE_TEST_DSN (deploy/pg.sh dsn) and psql; exits 77 (skipped) without them.
set -euo pipefail
rxgate=$1
root=$2
source "$(dirname "${BASH_SOURCE[0]}")/gateway_lib.sh"
start_gateway "$rxgate" "$root" rxgate_e2e_serve

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
# A secondary claim as JSON first (POST /v1/claims): the COB segment's repeated fields survive the
# JSON shape and the claim is priced as over /ncpdp (566-J5 400.00, 509-F9 24.75, 505-F5 15.00).
# The same claim sent as D.0 below is then a duplicate that replays those amounts.
"$gateway_binary" decode --json "$work/samples/32-paid-cob-non-duplication.d0" >"$work/cob.json"
json_answer=$(curl -sS --cacert "$work/tls/ca.crt" -H 'Content-Type: application/json' \
  --data-binary @"$work/cob.json" "${url%/ncpdp}/v1/claims" 2>&1 || true)
for field in '["AN","P"]' '["J5","4000{"]' '["F9","247E"]' '["F5","150{"]'; do
  if grep -qF "$field" <<<"$json_answer"; then echo "ok   JSON COB claim: $field"
  else echo "FAIL JSON COB claim: expected $field in ${json_answer:0:600}"; failures=$((failures + 1)); fi
done

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
expect 16-reject-g6-specialty-network.d0 "reject G6"
expect 16-reject-g6-specialty-network.d0 "DEMO SPECIALTY PHARMACY PHONE 8005550123"
expect 17-paid-network-pricing.d0 "status P  authorization"
expect 18-paid-daw2-brand-penalty.d0 "status P  authorization"
expect 19-reject-aj-generic-required.d0 "reject AJ"
expect 20-paid-controlled-substance.d0 "status P  authorization"
expect 21-reject-79-controlled-threshold.d0 "reject 79"
expect 22-reject-76-quantity-per-day.d0 "reject 76"
expect 23-compound-scc8-approved-ingredients.d0 "status P  authorization"
expect 24-reject-78-compound-cost-cap.d0 "reject 78"
expect 25-reject-75-compound-pa-threshold.d0 "reject 75"
# DEMO1019's transition window (config/plans/demo) runs to 20270213; after it the sample rejects MR.
if (( $(date +%Y%m%d) <= 20270213 )); then
  expect 26-transition-fill.d0 "approved message 006"
else
  expect 26-transition-fill.d0 "reject MR"
fi
expect 27-emergency-supply.d0 "approved message 009"
expect 28-reject-39-diagnosis-required.d0 "reject 39"
expect 29-diagnosis-paid.d0 "status P  authorization"
expect 30-paid-cob-secondary-standard.d0 "paid: total 39.75  patient pays 0.00  ingredient 439.75  fee 0.00  other payers 400.00"
expect 31-reject-cob-missing-amount-paid.d0 "reject DV"
expect 32-paid-cob-non-duplication.d0 "paid: total 24.75  patient pays 15.00  ingredient 439.75  fee 0.00  other payers 400.00"
expect 32-paid-cob-non-duplication.d0 "status D  authorization"
expect 33-reject-41-primary-rejected.d0 "reject 41"

# hdhp-demo: a family walks its deductible (the gateway loads and writes the plan year's amounts).
expect 40-hdhp-first-dollar-deductible.d0 "deductible applied 1500.00  accumulated 1500.00  remaining 0.00"
expect 41-hdhp-coinsurance-after-deductible.d0 "patient pays 60.20"
expect 42-hdhp-spouse-meets-family-deductible.d0 "deductible applied 1500.00  accumulated 1500.00  remaining 0.00"
expect 43-hdhp-child-after-family-deductible.d0 "deductible applied 0.00  accumulated 0.00  remaining 0.00"
expect 44-hdhp-b2-reversal-restores.d0 "status A"
expect 45-hdhp-child-deductible-again.d0 "deductible applied 1500.00  accumulated 1500.00  remaining 0.00"
expect 46-hdhp-out-of-pocket-maximum-reached.d0 "patient pays 2439.50"
expect 47-hdhp-after-out-of-pocket-maximum.d0 "total 301.00  patient pays 0.00"

# The other output forms.
submit --json "$work/samples/13-e1-eligibility.d0" | grep -q '"kind":"response"' || { echo "FAIL --json"; failures=$((failures + 1)); }
submit --raw "$work/samples/13-e1-eligibility.d0" | head -c 2 | grep -q D0 || { echo "FAIL --raw"; failures=$((failures + 1)); }
# Standard input, and a body that is not a transmission: a transmission-level reject.
printf 'not a claim' | submit - | grep -q "header status R" || { echo "FAIL malformed"; failures=$((failures + 1)); }

stop_gateway || failures=$((failures + 1))

(( failures == 0 )) || { echo "$failures failure(s); server log:"; cat "$work/serve.log" 2>/dev/null; exit 1; }
echo "all samples answered as expected"
