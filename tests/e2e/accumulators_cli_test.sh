#!/usr/bin/env bash
# `rxgate accumulators import` and `show` through the real binary next to a running gateway: a
# member joins with 100.00 of deductible from a prior carrier, her next claim's 512-FC starts from
# it, the operator view shows the same figures, every read is audited; exit codes and messages of
# bad input (nothing written, no member data in the messages).
#   accumulators_cli_test.sh RXGATE_BINARY PROJECT_ROOT
# Needs RXGATE_TEST_DSN (deploy/pg.sh dsn) and psql; exits 77 (skipped) without them.
set -euo pipefail
rxgate=$1
root=$2
source "$(dirname "${BASH_SOURCE[0]}")/gateway_lib.sh"
start_gateway "$rxgate" "$root" rxgate_e2e_accumulators
dsn=$(python3 -c "import sys,urllib.parse as u; p=u.urlparse(sys.argv[1]); print(p._replace(path='/rxgate_e2e_accumulators').geturl())" "$RXGATE_TEST_DSN")
fail() { echo "FAIL: $*" >&2; exit 1; }
acc() { "$rxgate" accumulators "$@"; }
year=$(date -u +%Y)
imports() { psql "$dsn" -Atc "SELECT count(*) || ' ' || coalesce(sum(deductible), 0) FROM accumulator_imports"; }

# The file: RILEY (HDHP2001/001) brings 100.00 toward her deductible and out-of-pocket maximum.
cat >"$work/prior-carrier.csv" <<CSV
bin,cardholder_id,person_code,plan_year_start,deductible,out_of_pocket,benefit
610997,HDHP2001,001,$year-01-01,100.00,100.00,0
CSV

# Bad input: every problem with its line, nothing written, exit 2, no member data echoed.
cat >"$work/bad.csv" <<CSV
bin,cardholder_id,person_code,plan_year_start,deductible,out_of_pocket,benefit
610997,HDHP2001,001,$year-01-01,100.00,100.00,0
610997,HDHP2001,002,$year-02-01,10,10,0
610997,HDHP2001,003,$year-01-01,-1,0,0
CSV
set +e
acc import "$work/bad.csv" --plans "$root/config/plans" --dsn "$dsn" >"$work/bad.out" 2>"$work/bad.err"
code=$?
set -e
[[ $code == 2 ]] || fail "a bad file: exit $code, expected 2"
grep -q "bad.csv:3: plan_year_start: not the first day of a plan year of plan hdhp-demo" "$work/bad.err" || fail "line 3: $(cat "$work/bad.err")"
grep -q "bad.csv:4: deductible: negative amount" "$work/bad.err" || fail "line 4: $(cat "$work/bad.err")"
grep -q "HDHP2001" "$work/bad.err" && fail "a cardholder ID in the messages: $(cat "$work/bad.err")"
[[ $(imports) == "0 0" ]] || fail "a bad file wrote rows: $(imports)"

# A dry run counts and writes nothing; the import writes; the same file again changes nothing.
acc import "$work/prior-carrier.csv" --dry-run --plans "$root/config/plans" --dsn "$dsn" >"$work/dry.out"
grep -q "dry run, nothing written: 1 row(s)" "$work/dry.out" || fail "dry run: $(cat "$work/dry.out")"
[[ $(imports) == "0 0" ]] || fail "a dry run wrote rows"
# Through the configuration, like serve (database and TLS material from the environment).
RXGATE_DSN=$dsn RXGATE_TLS_CERT=$work/tls/server.crt RXGATE_TLS_KEY=$work/tls/server.key RXGATE_TLS_CA=$work/tls/ca.crt \
  acc import "$work/prior-carrier.csv" --config "$root/config/rxgate.toml" >"$work/import.out"
grep -q 'as source "prior-carrier.csv": 1 inserted, 0 replaced, 0 unchanged' "$work/import.out" || fail "import: $(cat "$work/import.out")"
acc import "$work/prior-carrier.csv" --plans "$root/config/plans" --dsn "$dsn" >"$work/again.out"
grep -q "0 inserted, 0 replaced, 1 unchanged" "$work/again.out" || fail "import again: $(cat "$work/again.out")"
[[ $(imports) == "1 10000" ]] || fail "rows after importing twice: $(imports)"

# Her first claim of the year (2000.00 allowed) applies only the 1400.00 left: 512-FC 1500.00.
out=$(submit "$work/samples/40-hdhp-first-dollar-deductible.d0" 2>&1) || true
grep -q "deductible applied 1400.00  accumulated 1500.00  remaining 0.00" <<<"$out" || fail "claim after the import: $out"

# The operator view: claims + import, the import listed with its source; one audit row per read.
acc show --bin 610997 --cardholder HDHP2001 --person 001 --plans "$root/config/plans" --dsn "$dsn" >"$work/show.out"
grep -Eq "^member deductible +1500.00 +1500.00 +0.00$" "$work/show.out" || fail "show: $(cat "$work/show.out")"
grep -q "person 001, source prior-carrier.csv: deductible 100.00" "$work/show.out" || fail "show imports: $(cat "$work/show.out")"
acc show --json --bin 610997 --cardholder HDHP2001 --person 001 --date "${year}0615" --plans "$root/config/plans" --dsn "$dsn" >"$work/show.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["member"]["deductible"]=={"accumulated":1500,"limit":1500,"remaining":0} and d["imports"][0]["source"]=="prior-carrier.csv", d' "$work/show.json" \
  || fail "show --json: $(cat "$work/show.json")"
reads=$(psql "$dsn" -Atc "SELECT count(*) FROM claim_reads WHERE action = 'accumulators' AND actor LIKE 'cli:%' AND cardholder_id = 'HDHP2001' AND person_code = '001'")
[[ $reads == 2 ]] || fail "audit rows for two reads: $reads"

# Show: an unknown BIN or a plan without accumulators is bad input (2); so is a bad date.
for args in "--bin 999999 --cardholder X1" "--bin 610999 --cardholder DEMO1001 --person 001" "--bin 610997 --cardholder HDHP2001 --date 2026-13-01"; do
  set +e
  # shellcheck disable=SC2086
  acc show $args --plans "$root/config/plans" --dsn "$dsn" >/dev/null 2>"$work/show.err"
  code=$?
  set -e
  [[ $code == 2 ]] || fail "show $args: exit $code, expected 2 ($(cat "$work/show.err"))"
done
set +e
env -u RXGATE_DSN "$rxgate" accumulators show --bin 610997 --cardholder HDHP2001 --plans "$root/config/plans" >/dev/null 2>&1
code=$?
set -e
[[ $code == 2 ]] || fail "show without a database: exit $code, expected 2"

stop_gateway
echo "accumulators cli: ok"
