#!/usr/bin/env bash
# One decision path (rules/transmission.h): every sample of config/samples through `rxgate serve`
# and through `rxgate adjudicate` (the dry run) must answer the same response bytes, authorization
# numbers aside; samples_parity.py says how the dry run's history is kept equal to the database's.
#   samples_parity_test.sh RXGATE_BINARY PROJECT_ROOT
# Needs RXGATE_TEST_DSN (deploy/pg.sh dsn) and psql; exits 77 (skipped) without them.
set -euo pipefail
rxgate=$1
root=$2
source "$(dirname "${BASH_SOURCE[0]}")/gateway_lib.sh"
start_gateway "$rxgate" "$root" rxgate_e2e_parity

failures=0
# The readiness probe already sent sample 13 (an E1): it is sent again below, like every sample.
python3 "$root/tests/e2e/samples_parity.py" "$rxgate" "$url" "$work/tls/ca.crt" "$work/samples" "$root/config/plans" \
  "$(date -u +%Y%m%d)" || failures=$((failures + 1))
stop_gateway || failures=$((failures + 1))
(( failures == 0 )) || exit 1
