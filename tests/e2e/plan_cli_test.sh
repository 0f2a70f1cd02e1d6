#!/usr/bin/env bash
# `rxgate plan check` and `rxgate plan diff` as a plan administrator runs them: exit codes, the
# single-folder form, and what the diff prints.
#   plan_cli_test.sh RXGATE_BINARY SOURCE_ROOT
set -euo pipefail
rxgate=$1
root=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$rxgate" plan check "$root/config/plans/demo" >"$work/check.out" || fail "plan check of one plan folder"
grep -q "^demo v" "$work/check.out" || fail "plan check names the plan: $(cat "$work/check.out")"

cp -r "$root/config/plans/demo" "$work/old"
cp -r "$root/config/plans/demo" "$work/new"
"$rxgate" plan diff "$work/old" "$work/new" >"$work/same.out" || fail "identical plans: exit $?"
[[ $(cat "$work/same.out") == "no changes" ]] || fail "identical plans print: $(cat "$work/same.out")"

sed -i 's/^refill_threshold_pct = 80/refill_threshold_pct = 85/' "$work/new/plan.toml"
set +e
"$rxgate" plan diff "$work/old" "$work/new" >"$work/diff.out"
code=$?
"$rxgate" plan diff --json "$work/old" "$work/new" >"$work/diff.json"
set -e
[[ $code == 1 ]] || fail "changed plans: exit $code, expected 1"
grep -q "refill_threshold_pct 80 -> 85" "$work/diff.out" || fail "diff text: $(cat "$work/diff.out")"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); c=d["changes"][0]; assert c["table"]=="setting" and c["fields"][0]=={"field":"refill_threshold_pct","before":"80","after":"85"}, d' "$work/diff.json" \
  || fail "diff json: $(cat "$work/diff.json")"

echo 'this is not toml = = =' >>"$work/new/plan.toml"
set +e
"$rxgate" plan diff "$work/old" "$work/new" >/dev/null 2>"$work/bad.err"
code=$?
set -e
[[ $code == 2 ]] || fail "a plan that does not load: exit $code, expected 2"
grep -q "plan.toml:" "$work/bad.err" || fail "a load problem names the file: $(cat "$work/bad.err")"
echo "plan cli: ok"
