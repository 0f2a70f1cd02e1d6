#!/usr/bin/env bash
# Backup and restore of rxgate's PostgreSQL: base backups (pg_basebackup), WAL archiving, point-in-
# time restore, and a drill that proves a restore keeps every committed claim.
#
#   deploy/backup.sh base DIR [--dsn DSN]
#       a base backup (plain format, WAL included, fast checkpoint) into DIR (must not exist), then
#       pg_verifybackup on it. Default source: deploy/pg.sh's cluster (RXGATE_PG_PORT, 127.0.0.1).
#   deploy/backup.sh archive-config DIR [--apply] [--dsn DSN]
#       print the settings that archive every finished WAL segment into DIR; --apply sets them with
#       ALTER SYSTEM (archive_mode takes effect at the next restart of PostgreSQL).
#   deploy/backup.sh restore BACKUP WAL_DIR TARGET_DATADIR [--time T]
#       a new data folder from a base backup plus the archived WAL: recovery.signal and a
#       restore_command reading WAL_DIR; with --time, recovery stops at T (recovery_target_time,
#       e.g. '2026-12-02 20:15:00+00') and promotes. Start it with pg_ctl -D TARGET_DATADIR.
#   deploy/backup.sh drill [--drop-last-wal]
#       the whole drill on throwaway clusters (below); --drop-last-wal deletes the last archived
#       segment before the restore, to show that the drill notices a lost segment (it must fail).
#
# The drill: a PostgreSQL 15 with WAL archiving in a temporary folder on its own loopback port,
# migrated with `rxgate migrate`; claims sent through a served gateway with `rxgate load`; a base
# backup; more claims; pg_switch_wal() so the segment holding the last claims is archived; a
# restore into a second data folder started on another port; then every claim of the original
# must be in the restored database, no claim key paid twice and every active paid key backed by
# its paid, unreversed claim. Its last line is
#   drill: N claims restored of N, 0 missing, 0 paid twice, restore S.S s
# and it exits non-zero on any difference. It removes everything it made.
#
# Environment: RXGATE (the rxgate binary; default build/release/server/rxgate, then build/dev),
# RXGATE_PG_PORT (deploy/pg.sh's port, for base/archive-config). Only Debian's postgresql-15
# binaries and 127.0.0.1 are used. As root, clusters run as the `postgres` user (PostgreSQL
# refuses root), so the folders given must be reachable by that user.
set -euo pipefail

readonly PG_BIN=/usr/lib/postgresql/15/bin
readonly CHECKOUT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

usage() {
  echo "usage:" >&2
  sed -n '/^#   deploy/,/^# The drill/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//' >&2
  exit 2
}
die() { echo "backup.sh: $*" >&2; exit 1; }
say() { echo "backup.sh: $*" >&2; }

is_root() { [[ $(id -u) -eq 0 ]]; }
as_owner() { if is_root; then runuser -u postgres -- "$@"; else "$@"; fi; }
give_to_owner() { if is_root; then chown -R postgres:postgres "$@"; fi; }

need_postgres() {
  # deploy/pg.sh installs Debian's postgresql-15 (and keeps it from creating a system cluster).
  [[ -x ${PG_BIN}/pg_ctl ]] || die "postgresql-15 is not installed: run deploy/pg.sh start (as root) once"
}

default_dsn() { echo "postgresql://postgres@127.0.0.1:${RXGATE_PG_PORT:-55432}/rxgate"; }

# The archive_command for DIR: never overwrite a segment already archived, copy under a temporary
# name, flush it to disk, then rename, so a crash mid-copy never leaves a short segment in DIR.
archive_command_for() {
  local dir=$1
  echo "test ! -f '${dir}/%f' && cp '%p' '${dir}/%f.part' && sync '${dir}/%f.part' && mv '${dir}/%f.part' '${dir}/%f'"
}

cmd_base() {
  local dir=${1:-} dsn
  [[ -n ${dir} ]] || usage
  shift
  dsn=$(default_dsn)
  while (($#)); do
    case $1 in
      --dsn) dsn=${2:?--dsn needs a value}; shift 2 ;;
      *) usage ;;
    esac
  done
  need_postgres
  [[ ! -e ${dir} ]] || die "${dir} exists: a base backup goes into a new folder"
  local started=${SECONDS}
  "${PG_BIN}/pg_basebackup" -d "${dsn}" -D "${dir}" -Fp -X stream -c fast --label "rxgate $(date -u +%FT%TZ)" \
    --no-password
  "${PG_BIN}/pg_verifybackup" -q "${dir}" || die "pg_verifybackup found a fault in ${dir}"
  say "base backup in ${dir} ($(du -sh "${dir}" | cut -f1), $((SECONDS - started)) s), verified"
}

cmd_archive_config() {
  local dir=${1:-} apply=0 dsn
  [[ -n ${dir} ]] || usage
  shift
  dsn=$(default_dsn)
  while (($#)); do
    case $1 in
      --apply) apply=1; shift ;;
      --dsn) dsn=${2:?--dsn needs a value}; shift 2 ;;
      *) usage ;;
    esac
  done
  [[ ${dir} == /* ]] || die "the archive folder must be an absolute path (PostgreSQL runs archive_command in its data folder)"
  local command
  command=$(archive_command_for "${dir}")
  if ((apply == 0)); then
    echo "# postgresql.conf (or ALTER SYSTEM); archive_mode needs a restart"
    echo "wal_level = replica"
    echo "archive_mode = on"
    echo "archive_command = '${command//\'/\'\'}'"
    echo "archive_timeout = 60    # a quiet database still archives its last claims within a minute"
    return
  fi
  need_postgres
  mkdir -p "${dir}"
  give_to_owner "${dir}"
  "${PG_BIN}/psql" -X -q -v ON_ERROR_STOP=1 -d "${dsn}" \
    -c "ALTER SYSTEM SET wal_level = 'replica'" \
    -c "ALTER SYSTEM SET archive_mode = 'on'" \
    -c "ALTER SYSTEM SET archive_command = \$cmd\$${command}\$cmd\$" \
    -c "ALTER SYSTEM SET archive_timeout = '60s'" \
    -c "SELECT pg_reload_conf()" >/dev/null
  say "archiving into ${dir} configured; restart PostgreSQL if archive_mode was off (SHOW archive_mode)"
}

cmd_restore() {
  local backup=${1:-} wal=${2:-} target=${3:-} time=
  [[ -n ${backup} && -n ${wal} && -n ${target} ]] || usage
  shift 3
  while (($#)); do
    case $1 in
      --time) time=${2:?--time needs a value}; shift 2 ;;
      *) usage ;;
    esac
  done
  need_postgres
  [[ -f ${backup}/PG_VERSION && -f ${backup}/backup_label ]] || die "${backup} is not a plain base backup (deploy/backup.sh base)"
  [[ -d ${wal} ]] || die "no WAL archive folder ${wal}"
  [[ ${wal} == /* ]] || wal=$(cd "${wal}" && pwd)
  [[ ! -e ${target} ]] || [[ -z $(ls -A "${target}") ]] || die "${target} is not empty: restore into a new data folder"
  "${PG_BIN}/pg_verifybackup" -q "${backup}" || die "pg_verifybackup found a fault in ${backup}"
  mkdir -p "${target}"
  cp -a "${backup}/." "${target}/"
  rm -f "${target}/backup_manifest"
  # WAL comes from the archive; what the running server had in pg_wal at backup time is in the
  # backup already.
  {
    echo ""
    echo "# deploy/backup.sh restore"
    echo "restore_command = 'cp ''${wal}/%f'' ''%p'''"
    if [[ -n ${time} ]]; then
      echo "recovery_target_time = '${time//\'/\'\'}'"
      echo "recovery_target_action = 'promote'"
    fi
  } >>"${target}/postgresql.auto.conf"
  touch "${target}/recovery.signal"
  give_to_owner "${target}"
  chmod 700 "${target}"
  say "restored into ${target}; start it (pg_ctl -D ${target} start): it replays the archive${time:+ up to ${time}} and promotes"
}

# --- the drill -------------------------------------------------------------------------------------

find_rxgate() {
  if [[ -n ${RXGATE:-} ]]; then echo "${RXGATE}"; return; fi
  local b
  for b in "${CHECKOUT}/build/release/server/rxgate" "${CHECKOUT}/build/dev/server/rxgate"; do
    [[ -x $b ]] && { echo "$b"; return; }
  done
  die "no rxgate binary: build it (cmake --build --preset release) or set RXGATE"
}

cmd_drill() {
  local drop_last_wal=0
  while (($#)); do
    case $1 in
      --drop-last-wal) drop_last_wal=1; shift ;;
      *) usage ;;
    esac
  done
  need_postgres
  local rxgate
  rxgate=$(find_rxgate)
  # free_port, write_server_config, start_server, wait_ready, stop_server, not_reversed
  # shellcheck source=../bench/e2e-lib.sh
  source "${CHECKOUT}/bench/e2e-lib.sh"

  drill_work=$(mktemp -d /var/tmp/rxgate-drill.XXXXXX)
  give_to_owner "${drill_work}"
  chmod 755 "${drill_work}"
  drill_server_pid=
  drill_clusters=()
  trap drill_cleanup EXIT
  trap 'exit 143' TERM INT HUP
  local primary=${drill_work}/primary restored=${drill_work}/restored wal=${drill_work}/wal base=${drill_work}/base
  mkdir -p "${primary}" "${wal}" "${drill_work}/sock"
  give_to_owner "${primary}" "${wal}" "${drill_work}/sock"
  chmod 700 "${primary}"

  local port1 port2
  port1=$(free_port)
  as_owner "${PG_BIN}/initdb" -D "${primary}" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 --lc-collate=C >/dev/null
  as_owner tee -a "${primary}/postgresql.conf" >/dev/null <<EOF
# deploy/backup.sh drill
listen_addresses = '127.0.0.1'
unix_socket_directories = '${drill_work}/sock'
wal_level = replica
archive_mode = on
archive_command = '$(archive_command_for "${wal}" | sed "s/'/''/g")'
max_wal_senders = 4
logging_collector = off
EOF
  drill_pg_start "${primary}" "${port1}"
  local dsn1=postgresql://postgres@127.0.0.1:${port1}/rxgate
  "${PG_BIN}/psql" -X -q -d "postgresql://postgres@127.0.0.1:${port1}/postgres" -c "CREATE DATABASE rxgate"
  "${rxgate}" migrate --dsn "${dsn1}" >/dev/null

  # A gateway in front of it: claims take the real path (TLS, adjudication, group commit).
  bash "${CHECKOUT}/config/tls/make-dev-certs.sh" "${drill_work}/tls" >/dev/null 2>&1
  write_server_config "${CHECKOUT}/config/rxgate.toml" "${drill_work}/rxgate.toml" "${drill_work}/tls" \
    "${CHECKOUT}/config/plans" warn
  local http_port
  http_port=$(free_port)
  drill_server_pid=$(start_server "${rxgate}" "${drill_work}/rxgate.toml" "${dsn1}" "${http_port}" "${drill_work}/server.log")
  wait_ready "${rxgate}" "${http_port}" "${drill_work}/tls/ca.crt" "${drill_server_pid}"
  drill_load() {
    "${rxgate}" load --url "https://127.0.0.1:${http_port}/ncpdp" --ca "${drill_work}/tls/ca.crt" \
      --plans "${CHECKOUT}/config/plans" --plan demo -c 4 --rate 150 --duration "$1" --run-id "$2" \
      --mix paid=10,multi=2,retransmit=2,reversal=2,rebill=1,refill-too-soon=1 --json --quiet \
      >"${drill_work}/load-$2.json" 2>"${drill_work}/load-$2.txt" ||
      say "rxgate load reported mismatches or errors (the drill checks the database, not the answers): $(cat "${drill_work}/load-$2.json")"
  }
  drill_load 2 1
  say "claims before the base backup: $(drill_count "${dsn1}" "SELECT count(*) FROM claims")"

  as_owner "${PG_BIN}/pg_basebackup" -d "${dsn1}" -D "${base}" -Fp -X stream -c fast --label drill
  as_owner "${PG_BIN}/pg_verifybackup" -q "${base}"

  drill_load 2 2
  stop_server "${drill_server_pid}"
  drill_server_pid=
  # The segment holding the last claims is archived now, not when it would fill up.
  "${PG_BIN}/psql" -X -q -d "${dsn1}" -c "CHECKPOINT" -c "SELECT pg_switch_wal()" >/dev/null
  local last_segment
  last_segment=$(drill_count "${dsn1}" "SELECT pg_walfile_name(pg_current_wal_lsn() - 1)")
  for _ in $(seq 1 300); do
    [[ -f ${wal}/${last_segment} ]] && break
    sleep 0.1
  done
  [[ -f ${wal}/${last_segment} ]] || die "segment ${last_segment} was not archived (pg_stat_archiver)"
  drill_snapshot "${dsn1}" "${drill_work}/claims-original.txt"
  local total
  total=$(wc -l <"${drill_work}/claims-original.txt")
  drill_pg_stop "${primary}"

  if ((drop_last_wal)); then
    drill_last_wal_dropped=1
    say "dropping archived segment ${last_segment} (--drop-last-wal)"
    rm -f "${wal}/${last_segment}"
  fi

  port2=$(free_port)
  local started
  started=$(date +%s.%N)
  cmd_restore "${base}" "${wal}" "${restored}" 2>/dev/null
  # The restored cluster must not archive into the drill's archive (a real restore decides where
  # its new timeline archives to).
  drill_pg_start "${restored}" "${port2}" "-c archive_mode=off"
  local dsn2=postgresql://postgres@127.0.0.1:${port2}/rxgate
  for _ in $(seq 1 600); do
    [[ $(drill_count "${dsn2}" "SELECT pg_is_in_recovery()" 2>/dev/null) == f ]] && break
    sleep 0.1
  done
  [[ $(drill_count "${dsn2}" "SELECT pg_is_in_recovery()") == f ]] || die "the restored cluster did not finish recovery"
  local seconds
  seconds=$(echo "$(date +%s.%N) ${started}" | awk '{ printf "%.1f", $1 - $2 }')

  drill_snapshot "${dsn2}" "${drill_work}/claims-restored.txt"
  local missing restored_count twice unbacked
  missing=$(comm -23 "${drill_work}/claims-original.txt" "${drill_work}/claims-restored.txt" | wc -l)
  restored_count=$((total - missing))
  twice=$(drill_count "${dsn2}" "SELECT count(*) FROM (SELECT 1 FROM claims c WHERE c.status = 'P' AND $(not_reversed c)
    GROUP BY bin, pcn, provider_id_qualifier, provider_id, rx_number, fill_number, date_of_service HAVING count(*) > 1) t")
  unbacked=$(drill_count "${dsn2}" "SELECT count(*) FROM active_paid_keys a WHERE NOT EXISTS (SELECT 1 FROM claims c
    WHERE c.id = a.claim_id AND c.date_of_service = a.date_of_service AND c.status = 'P' AND $(not_reversed c))")
  local extra
  extra=$(comm -13 "${drill_work}/claims-original.txt" "${drill_work}/claims-restored.txt" | wc -l)
  drill_pg_stop "${restored}"

  local fail=0
  ((total > 0)) || { say "FAIL: the drill wrote no claims"; fail=1; }
  ((missing == 0)) || { say "FAIL: ${missing} claims committed before the last archived segment are missing"; fail=1; }
  ((extra == 0)) || { say "FAIL: ${extra} claims in the restore differ from the original's"; fail=1; }
  ((unbacked == 0)) || { say "FAIL: ${unbacked} active paid keys without their paid claim"; fail=1; }
  ((twice == 0)) || { say "FAIL: ${twice} claim keys paid twice"; fail=1; }
  echo "drill: ${restored_count} claims restored of ${total}, ${missing} missing, ${twice} paid twice, restore ${seconds} s"
  return ${fail}
}

drill_pg_start() {
  local dir=$1 port=$2 extra=${3:-}
  drill_clusters+=("${dir}")
  as_owner "${PG_BIN}/pg_ctl" -D "${dir}" -l "${drill_work}/$(basename "${dir}").log" -w -t 120 \
    -o "-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${drill_work}/sock ${extra}" start >/dev/null ||
    { tail -n 20 "${drill_work}/$(basename "${dir}").log" >&2; die "PostgreSQL in ${dir} did not start"; }
}

drill_pg_stop() {
  as_owner "${PG_BIN}/pg_ctl" -D "$1" -m fast -w -t 60 stop >/dev/null 2>&1 || true
}

drill_count() {
  "${PG_BIN}/psql" -X -q -tA -v ON_ERROR_STOP=1 -d "$1" -c "$2"
}

# One line per claim: id, date of service, status, authorization, reversal time and a digest of
# its stored answer, sorted, so that two databases compare with comm.
drill_snapshot() {
  drill_count "$1" "SELECT c.id || ' ' || c.date_of_service || ' ' || c.status::text || ' ' || coalesce(c.authorization_number, '-')
    || ' ' || coalesce(rv.at::text, '-') || ' ' || md5(c.response) FROM claims c
    LEFT JOIN (SELECT x.replaces_claim_id, min(x.created_at) AS at FROM claim_links x
                 JOIN claims xr ON xr.id = x.claim_id AND xr.status <> 'S'
                WHERE x.kind IN ('reversal', 'rebill') GROUP BY x.replaces_claim_id) rv ON rv.replaces_claim_id = c.id" | LC_ALL=C sort >"$2"
}

drill_cleanup() {
  local rc=$?
  [[ -n ${drill_server_pid:-} ]] && stop_server "${drill_server_pid}"
  local dir
  for dir in "${drill_clusters[@]}"; do drill_pg_stop "${dir}"; done
  if ((rc != 0)) && ((drill_last_wal_dropped == 0)); then
    for log in "${drill_work}"/*.log; do
      [[ -f $log ]] && { echo "--- ${log##*/} (last lines)" >&2; tail -n 15 "$log" >&2; }
    done
  fi
  rm -rf "${drill_work}"
  exit "${rc}"
}
drill_last_wal_dropped=0

case ${1:-} in
  base) shift; cmd_base "$@" ;;
  archive-config) shift; cmd_archive_config "$@" ;;
  restore) shift; cmd_restore "$@" ;;
  drill) shift; cmd_drill "$@" ;;
  -h | --help | help) usage ;;
  *) usage ;;
esac
