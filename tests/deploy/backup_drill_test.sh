#!/usr/bin/env bash
# The operations guide's restore drill (deploy/backup.sh drill), twice:
#   1. as an operator runs it: claims through a served gateway, a base backup, more claims, the
#      archive restored into a new cluster; every claim must be back, none paid twice;
#   2. with the last archived WAL segment deleted before the restore: the drill must notice the
#      lost claims and fail.
# Both runs must leave nothing behind. Exits 77 (skipped) without Debian's postgresql-15.
#
#   backup_drill_test.sh RXGATE_BINARY REPO_ROOT
set -euo pipefail

rxgate=${1:?usage: backup_drill_test.sh RXGATE_BINARY REPO_ROOT}
root=${2:?usage: backup_drill_test.sh RXGATE_BINARY REPO_ROOT}
[[ -x /usr/lib/postgresql/15/bin/pg_ctl ]] || { echo "postgresql-15 is not installed: skipped" >&2; exit 77; }

out=$(mktemp)
trap 'rm -f "$out"' EXIT
drill_folders() { find /var/tmp -maxdepth 1 -name 'rxgate-drill.*' 2>/dev/null | sort; }
before=$(drill_folders)
fail=0

status=0
RXGATE=$rxgate "$root/deploy/backup.sh" drill >"$out" 2>&1 || status=$?
last=$(tail -n 1 "$out")
pattern='^drill: ([0-9]+) claims restored of ([0-9]+), 0 missing, 0 paid twice, restore [0-9]+\.[0-9] s$'
if ((status != 0)) || ! [[ $last =~ $pattern ]]; then
  cat "$out" >&2
  echo "FAIL: the drill exited $status; last line: $last" >&2
  fail=1
elif ((BASH_REMATCH[1] != BASH_REMATCH[2] || BASH_REMATCH[2] == 0)); then
  echo "FAIL: $last" >&2
  fail=1
else
  echo "PASS: $last" >&2
fi

status=0
RXGATE=$rxgate "$root/deploy/backup.sh" drill --drop-last-wal >"$out" 2>&1 || status=$?
last=$(tail -n 1 "$out")
pattern='^drill: ([0-9]+) claims restored of ([0-9]+), ([0-9]+) missing, '
if ((status == 0)); then
  cat "$out" >&2
  echo "FAIL: the drill passed with its last archived WAL segment deleted: $last" >&2
  fail=1
elif ! [[ $last =~ $pattern ]] || ((BASH_REMATCH[3] == 0 || BASH_REMATCH[1] >= BASH_REMATCH[2])); then
  cat "$out" >&2
  echo "FAIL: with a segment deleted the drill failed, but not for missing claims: $last" >&2
  fail=1
else
  echo "PASS (a lost segment is noticed): $last" >&2
fi

after=$(drill_folders)
[[ $after == "$before" ]] || { echo "FAIL: the drill left folders behind: $(comm -13 <(echo "$before") <(echo "$after"))" >&2; fail=1; }
exit $fail
