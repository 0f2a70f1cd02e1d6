#!/usr/bin/env bash
# Local PostgreSQL 15 for development, tests and CI: one cluster per checkout, loopback only.
#
#   deploy/pg.sh start    install postgresql-15 if missing, create the cluster if missing, start it
#   deploy/pg.sh stop     stop it (fast shutdown); harmless when it is not running
#   deploy/pg.sh status   say whether it runs, where its data lives, and the DSN
#   deploy/pg.sh dsn      print the DSN of the `rxgate` database (for RXGATE_TEST_DSN, --dsn ...)
#   deploy/pg.sh reset    stop, delete the cluster, create it again, start
#
# Every subcommand is idempotent. Environment:
#   RXGATE_PG_PORT  TCP port on 127.0.0.1 (default 55432)
#   RXGATE_PG_DATA  data folder (default: <checkout>/.local/pg, see "Where the data lives")
#
# Where the data lives: PostgreSQL refuses to run as root, so as root the cluster belongs to the
# `postgres` system user. That user must be able to reach the data folder. The default is
# .local/pg in the checkout (ignored by git). When the checkout sits under a folder the postgres
# user cannot traverse (/root is mode 700), we do NOT loosen the permissions of the parents (that
# would expose a home folder to every system user); instead the cluster goes to
# /var/tmp/rxgate-pg-<hash of the checkout path>, one per checkout, and .local/pg-datadir records
# where it went. As a non-root user the cluster belongs to that user and stays in .local/pg.
#
# Authentication is `trust` on 127.0.0.1 only: this cluster is for development and tests and is
# never reachable from another host. The unix socket lives in the data folder, not /run.
set -euo pipefail

readonly PG_VERSION=15
readonly PG_BIN=/usr/lib/postgresql/${PG_VERSION}/bin
readonly PORT=${RXGATE_PG_PORT:-55432}
readonly CHECKOUT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly LOCAL_DIR=${CHECKOUT}/.local
readonly DATADIR_RECORD=${LOCAL_DIR}/pg-datadir
readonly DBNAME=rxgate

die() { echo "pg.sh: $*" >&2; exit 1; }
say() { echo "pg.sh: $*" >&2; }

is_root() { [[ $(id -u) -eq 0 ]]; }

# Runs a command as the cluster owner: `postgres` when we are root, ourselves otherwise.
as_owner() {
  if is_root; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

install_postgres() {
  [[ -x ${PG_BIN}/pg_ctl ]] && return 0
  is_root || die "postgresql-${PG_VERSION} is not installed; run this script as root once (or: sudo apt-get install postgresql-${PG_VERSION})"
  say "installing postgresql-${PG_VERSION}"
  # Debian creates and starts a system cluster on 5432 by default; we run our own cluster, so ask
  # postgresql-common not to create that one (only when nobody configured it otherwise).
  if [[ ! -e /etc/postgresql-common/createcluster.conf ]]; then
    mkdir -p /etc/postgresql-common
    echo "create_main_cluster = false" >/etc/postgresql-common/createcluster.conf
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "postgresql-${PG_VERSION}" >&2 ||
    { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "postgresql-${PG_VERSION}" >&2; }
  [[ -x ${PG_BIN}/pg_ctl ]] || die "postgresql-${PG_VERSION} did not install ${PG_BIN}/pg_ctl"
}

# True when the postgres user can create files in $1 (which exists).
owner_can_write() {
  as_owner test -w "$1" -a -x "$1"
}

# Decides (once) where the data folder is and prints it.
data_dir() {
  if [[ -n ${RXGATE_PG_DATA:-} ]]; then
    echo "${RXGATE_PG_DATA}"
    return
  fi
  if [[ -s ${DATADIR_RECORD} ]]; then
    cat "${DATADIR_RECORD}"
    return
  fi
  local dir=${LOCAL_DIR}/pg
  mkdir -p "${dir}"
  if is_root; then
    chown postgres:postgres "${dir}"
    chmod 700 "${dir}"
    if ! owner_can_write "${dir}"; then
      local hash
      hash=$(printf '%s' "${CHECKOUT}" | sha256sum | cut -c1-12)
      dir=/var/tmp/rxgate-pg-${hash}
      say "the postgres user cannot reach ${LOCAL_DIR}; using ${dir}"
    fi
  fi
  echo "${dir}" >"${DATADIR_RECORD}"
  echo "${dir}"
}

init_cluster() {
  local dir=$1
  [[ -f ${dir}/PG_VERSION ]] && return 0
  mkdir -p "${dir}"
  if is_root; then
    chown postgres:postgres "${dir}"
    chmod 700 "${dir}"
  fi
  say "creating cluster in ${dir}"
  # Text sorts by byte (collation C), which for UTF-8 is code-point order, the order glibc's
  # C.UTF-8 gives too; PostgreSQL 15 compares C text with memcmp but C.UTF-8 text through strcoll
  # (1.5-2 % of its CPU in a profile, 4 % less CPU per answer in two alternated pairs of runs:
  # bench/RESULTS.md). Character classes stay C.UTF-8.
  as_owner "${PG_BIN}/initdb" -D "${dir}" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 --lc-collate=C >/dev/null
  # Loopback only; port and socket folder are also passed at every start (RXGATE_PG_PORT may change).
  as_owner tee -a "${dir}/postgresql.conf" >/dev/null <<EOF

# rxgate (deploy/pg.sh)
listen_addresses = '127.0.0.1'
unix_socket_directories = '${dir}'
synchronous_commit = on
max_connections = 200
logging_collector = off
EOF
}

# Settings for a gateway's write load, rewritten at every start so an existing cluster gets them too
# (the ones marked "restart" apply from the next start). fsync, synchronous_commit and
# full_page_writes stay on: nothing here weakens durability.
# - wal_compression = lz4: full-page images are most of the WAL right after each checkpoint;
#   compressed, the same claims write fewer WAL bytes (less to fsync, fewer dirty pages).
# - checkpoint_timeout 15min / max_wal_size 4GB: checkpoints 3x further apart than the defaults, so
#   fewer full-page images per claim; recovery after a crash replays at most ~15 minutes of WAL.
# - checkpoint_completion_target 0.9: the checkpoint's writes spread over 90 % of the interval
#   instead of a burst (the write-path findings trace the latency tail to write bursts).
# - shared_buffers 512MB (restart), wal_buffers 16MB (restart): the claims partition of the month
#   and its indexes stay in memory; measured, neither raised throughput on a 2-core box, but the
#   128MB default evicts index pages of a grown database.
# - autovacuum_vacuum_insert_scale_factor 0.05: claims are insert-only; their partitions get
#   vacuumed (visibility map, index-only history reads) every 5 % growth, in small steps, instead
#   of a large pass at 20 %.
# - log_error_verbosity terse: an error's DETAIL can name a row's values; the writer's first try
#   fails on purpose with a unique violation whose DETAIL is a claim key (pharmacy, Rx number,
#   fill, date of service) when another node took that key (migration 0026), and the server log
#   must not keep claim data.
# Box-wide writeback (vm.dirty_*) is the operator's choice: see README.md, "Running it in production".
write_gateway_settings() {
  local dir=$1
  as_owner tee "${dir}/rxgate-gateway.conf" >/dev/null <<EOF
# Written by deploy/pg.sh at every start; edit deploy/pg.sh, not this file.
wal_compression = lz4
checkpoint_timeout = 15min
max_wal_size = 4GB
checkpoint_completion_target = 0.9
shared_buffers = 512MB
wal_buffers = 16MB
autovacuum_vacuum_insert_scale_factor = 0.05
log_error_verbosity = terse
EOF
  grep -q "^include_if_exists = 'rxgate-gateway.conf'" "${dir}/postgresql.conf" ||
    echo "include_if_exists = 'rxgate-gateway.conf'" | as_owner tee -a "${dir}/postgresql.conf" >/dev/null
}

running() {
  local dir=$1
  [[ -f ${dir}/PG_VERSION ]] && as_owner "${PG_BIN}/pg_ctl" -D "${dir}" status >/dev/null 2>&1
}

dsn() { echo "postgresql://postgres@127.0.0.1:${PORT}/${DBNAME}"; }

psql_admin() {
  as_owner "${PG_BIN}/psql" -X -q -h 127.0.0.1 -p "${PORT}" -U postgres -d postgres -v ON_ERROR_STOP=1 "$@"
}

start() {
  install_postgres
  local dir
  dir=$(data_dir)
  init_cluster "${dir}"
  write_gateway_settings "${dir}"
  if running "${dir}"; then
    say "already running (${dir})"
  else
    as_owner "${PG_BIN}/pg_ctl" -D "${dir}" -l "${dir}/server.log" -w -t 60 \
      -o "-p ${PORT} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir}" start >/dev/null ||
      { tail -n 20 "${dir}/server.log" >&2 || true; die "PostgreSQL did not start (log: ${dir}/server.log)"; }
    say "started on 127.0.0.1:${PORT} (${dir})"
  fi
  if [[ $(psql_admin -tA -c "SELECT 1 FROM pg_database WHERE datname = '${DBNAME}'") != 1 ]]; then
    psql_admin -c "CREATE DATABASE ${DBNAME}"
  fi
  dsn
}

stop() {
  [[ -x ${PG_BIN}/pg_ctl ]] || { say "not installed"; return 0; }
  local dir
  dir=$(data_dir)
  if running "${dir}"; then
    as_owner "${PG_BIN}/pg_ctl" -D "${dir}" -m fast -w -t 60 stop >/dev/null
    say "stopped"
  else
    say "not running"
  fi
}

status() {
  local dir
  dir=$(data_dir)
  if [[ -x ${PG_BIN}/pg_ctl ]] && running "${dir}"; then
    echo "running: 127.0.0.1:${PORT}, data ${dir}"
    echo "dsn: $(dsn)"
  else
    echo "not running (data ${dir})"
    return 3
  fi
}

reset() {
  stop
  local dir
  dir=$(data_dir)
  case ${dir} in
    */.local/pg | /var/tmp/rxgate-pg-*) ;;
    *) [[ -f ${dir}/PG_VERSION ]] || die "refusing to delete ${dir}: not a cluster this script made" ;;
  esac
  say "deleting ${dir}"
  rm -rf "${dir}"
  start
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  status) status ;;
  dsn) dsn ;;
  reset) reset ;;
  *) echo "usage: deploy/pg.sh start|stop|status|dsn|reset" >&2; exit 2 ;;
esac
