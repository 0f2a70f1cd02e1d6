#!/usr/bin/env bash
# deploy/rxgate.service passes `systemd-analyze verify` (issue 17, the operator's kit): every key
# known in its section, the commands executable (the unit's /usr/local/bin/rxgate replaced by the
# binary under test), no warnings at all; it reloads with SIGHUP and restarts on failure.
#   systemd_unit_test.sh RXGATE_BINARY PROJECT_ROOT
# Installs systemd's analyzer (Debian's systemd package) when missing; exits 77 (skipped) only
# when it cannot be installed or cannot run here, saying why.
set -euo pipefail
rxgate=$1
root=$2
unit=$root/deploy/rxgate.service
fail() { echo "FAIL: $*" >&2; exit 1; }

if ! command -v systemd-analyze >/dev/null; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends systemd >/dev/null 2>&1 || true
  fi
  command -v systemd-analyze >/dev/null || { echo "systemd-analyze is missing and could not be installed (apt-get install systemd as root): skipped"; exit 77; }
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sed "s|/usr/local/bin/rxgate|$rxgate|g" "$unit" >"$work/rxgate.service"
if ! out=$(systemd-analyze verify "$work/rxgate.service" 2>&1); then
  grep -qi "failed to .*manager\|no such file or directory.*bus\|not been booted with systemd" <<<"$out" &&
    { echo "systemd-analyze cannot run here: $out: skipped"; exit 77; }
  fail "systemd-analyze verify: $out"
fi
[[ -z $out ]] || fail "systemd-analyze verify warns: $out"

grep -qx 'ExecReload=/bin/kill -HUP $MAINPID' "$unit" || fail "ExecReload does not send SIGHUP"
grep -qx 'Restart=on-failure' "$unit" || fail "no restart policy"
grep -q '^ExecStart=/usr/local/bin/rxgate serve --config ' "$unit" || fail "ExecStart does not run rxgate serve"
for key in NoNewPrivileges=yes ProtectSystem=strict PrivateTmp=yes CapabilityBoundingSet= LimitNOFILE=; do
  grep -q "^$key" "$unit" || fail "hardening: $key missing"
done
# The exposure score systemd gives the unit (0 safest, 10 unsafe), for the log.
systemd-analyze security --offline=true "$work/rxgate.service" 2>/dev/null | tail -1 || true
echo "ok: deploy/rxgate.service verifies"
