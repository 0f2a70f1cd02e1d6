#!/usr/bin/env bash
# A bounded `deploy/cluster.sh test` for CI: the cluster up, load through HAProxy while the
# PostgreSQL leader is killed and then its successor is switched over, every paid answer checked
# against the leader's rows; then nothing of the cluster may be left behind.
#
#   cluster_test.sh RXGATE_BINARY REPO_ROOT
# Exits 77 (skipped) unless root with network namespaces.
set -euo pipefail

rxgate=${1:?usage: cluster_test.sh RXGATE_BINARY REPO_ROOT}
root=${2:?usage: cluster_test.sh RXGATE_BINARY REPO_ROOT}
[[ $(id -u) -eq 0 ]] || { echo "not root: skipped" >&2; exit 77; }
prefix=rxgci
ip netns add "$prefix-probe" 2>/dev/null || { echo "no network namespaces here: skipped" >&2; exit 77; }
ip netns delete "$prefix-probe"

out=$(mktemp)
# Also when this script is stopped (ctest's timeout): down removes what a killed run left.
trap 'RXGATE_CLUSTER_PREFIX=$prefix "$root/deploy/cluster.sh" down >/dev/null 2>&1 || true; rm -f "$out"' EXIT
trap 'exit 143' TERM INT HUP
status=0
RXGATE=$rxgate RXGATE_CLUSTER_PREFIX=$prefix RXGATE_CLUSTER_FAULTS=${RXGATE_CLUSTER_FAULTS:-"leader-kill switchover"} \
  "$root/deploy/cluster.sh" test 2>&1 | tee "$out" || status=$?
last=$(tail -n 1 "$out")

fail=0
((status == 0)) || { echo "FAIL: deploy/cluster.sh test exited $status" >&2; fail=1; }
pattern='^cluster: ([0-9]+) paid answers, ([0-9]+) paid rows, 0 paid without a row, 0 paid twice, failover [0-9]+\.[0-9] s, longest unanswered gap [0-9]+\.[0-9] s$'
if [[ $last =~ $pattern ]]; then
  ((BASH_REMATCH[1] > 0)) || { echo "FAIL: no paid answer" >&2; fail=1; }
  ((BASH_REMATCH[2] >= BASH_REMATCH[1])) || { echo "FAIL: fewer paid rows than paid answers" >&2; fail=1; }
else
  echo "FAIL: the last line is not the cluster summary: $last" >&2
  fail=1
fi
# Whatever happened, nothing of the cluster is left.
left=$(ip netns list | awk '{print $1}' | grep "^$prefix-" || true)
[[ -z $left ]] || { echo "FAIL: namespaces left behind: $left" >&2; fail=1; }
[[ ! -e /var/tmp/rxgate-cluster-$prefix ]] || { echo "FAIL: /var/tmp/rxgate-cluster-$prefix left behind" >&2; fail=1; }
exit $fail
