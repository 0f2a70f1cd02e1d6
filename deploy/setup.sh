#!/usr/bin/env bash
# Installs what rxgate needs from Debian 12's packages (only what is missing) and builds it.
#
#   deploy/setup.sh [PRESET...]     default preset: release (see CMakePresets.json)
#
# Safe to run again: apt runs only when a package is missing, the build is incremental.
# Works as root or as a user with sudo.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

readonly PACKAGES=(
  build-essential cmake ninja-build pkg-config git ca-certificates openssl python3 curl
  libboost1.81-dev libssl-dev libpqxx-dev libzstd-dev libsimdjson-dev libtoml11-dev libcli11-dev
  libspdlog-dev libfmt-dev libgtest-dev libgmock-dev libbenchmark-dev
  postgresql-15 clang libclang-rt-14-dev
  libjs-chart.js
)

as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi
}

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  # Our own PostgreSQL cluster runs from deploy/pg.sh; Debian's default cluster is not wanted.
  if [[ ! -e /etc/postgresql-common/createcluster.conf ]]; then
    as_root mkdir -p /etc/postgresql-common
    echo "create_main_cluster = false" | as_root tee /etc/postgresql-common/createcluster.conf >/dev/null
  fi
  as_root apt-get update -q >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
fi

presets=("$@")
((${#presets[@]})) || presets=(release)
# Two cores: compile with two jobs, link with one (the test binaries are large).
export CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-2}
for preset in "${presets[@]}"; do
  echo "setup: building preset ${preset}" >&2
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset"
done
