#!/usr/bin/env bash
# A highly available rxgate on one machine: every host a Linux network namespace (issue 17).
#
#   deploy/cluster.sh up       install what is missing, make the namespaces, start everything, wait
#                              until a claim can be paid through HAProxy
#   deploy/cluster.sh down     stop every process this script started and remove every namespace,
#                              link and folder it made
#   deploy/cluster.sh status   namespaces, processes, Patroni's member list, HAProxy's backends
#   deploy/cluster.sh test     up, load through HAProxy while faults are injected one after the
#                              other, check every paid answer against the leader's rows, down
#
# Topology (addresses on one bridge in a "switch" namespace; the root namespace's links are never
# touched): 3 etcd members, 3 PostgreSQL 15 nodes under Patroni (synchronous_mode and
# synchronous_mode_strict, one synchronous standby required, use_pg_rewind), 1 HAProxy host that
# sends writes to the leader (Patroni's REST check) and claims to 2 rxgate nodes (TCP, TLS ends at
# rxgate), and from which the load is driven. Root only; every subcommand is idempotent.
#
# Environment:
#   RXGATE_CLUSTER_PREFIX  namespace name prefix (default rxgc; `test` uses rxgct)
#   RXGATE_CLUSTER_NET     first three octets of the hosts' /24 (default 10.213.17)
#   RXGATE                 the rxgate binary (default build/release/server/rxgate)
#   test only: RXGATE_CLUSTER_FAULTS   faults to inject, in order (default
#              "leader-kill partition rxgate-kill switchover"); RXGATE_CLUSTER_RATE  claims/s (default 60)
#
# There is no systemd in a namespace: the script starts the daemons itself, records their PIDs in
# the state folder (/var/tmp/rxgate-cluster-<prefix>) and stops only those and what runs inside its
# own namespaces. Passwords are made at the first `up` and kept there (mode 600).
set -euo pipefail

readonly CHECKOUT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PREFIX=${RXGATE_CLUSTER_PREFIX:-rxgc}
[[ ${1:-} == test && -z ${RXGATE_CLUSTER_PREFIX:-} ]] && PREFIX=rxgct
readonly PREFIX
readonly NET=${RXGATE_CLUSTER_NET:-10.213.17}
readonly STATE=/var/tmp/rxgate-cluster-${PREFIX}
readonly PG_BIN=/usr/lib/postgresql/15/bin
readonly SCOPE=rxgate
readonly RXGATE_BIN=${RXGATE:-${CHECKOUT}/build/release/server/rxgate}
# write_server_config, check_paid_rows, json_value (shared with the end-to-end tests and benches)
# shellcheck source=bench/e2e-lib.sh
source "${CHECKOUT}/bench/e2e-lib.sh"

# host -> last octet of its address
declare -A OCTET=([e1]=11 [e2]=12 [e3]=13 [pg1]=21 [pg2]=22 [pg3]=23 [ha]=30 [rx1]=41 [rx2]=42)
readonly ETCD_HOSTS=(e1 e2 e3) PG_HOSTS=(pg1 pg2 pg3) RX_HOSTS=(rx1 rx2)
readonly HOSTS=(e1 e2 e3 pg1 pg2 pg3 ha rx1 rx2)

die() { echo "cluster.sh: $*" >&2; exit 1; }
say() { echo "cluster.sh: $*" >&2; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

ns() { echo "${PREFIX}-$1"; }
addr() { echo "${NET}.${OCTET[$1]}"; }
in_ns() { local h=$1; shift; ip netns exec "$(ns "$h")" "$@"; }

require_root() { [[ $(id -u) -eq 0 ]] || die "run as root (network namespaces, daemons as the postgres user)"; }

install_packages() {
  local missing=() p
  for p in etcd-server patroni haproxy python3-etcd python3-psycopg2 postgresql-15 curl; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  say "installing ${missing[*]}"
  if [[ ! -e /etc/postgresql-common/createcluster.conf ]]; then
    mkdir -p /etc/postgresql-common
    echo "create_main_cluster = false" >/etc/postgresql-common/createcluster.conf
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 ||
    { apt-get update -q >&2 &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2; }
}

# --- namespaces ------------------------------------------------------------------------------------

# The switch namespace holds the bridge; each host gets a veth pair made inside its own namespace
# with the peer moved straight into the switch, so nothing is ever created in the root namespace.
make_network() {
  local sw
  sw=$(ns sw)
  ip netns list | grep -qw "$sw" || ip netns add "$sw"
  ip -n "$sw" link set lo up
  ip -n "$sw" link show br0 >/dev/null 2>&1 || ip -n "$sw" link add br0 type bridge
  ip -n "$sw" link set br0 up
  local h
  for h in "${HOSTS[@]}"; do
    local n
    n=$(ns "$h")
    ip netns list | grep -qw "$n" || ip netns add "$n"
    ip -n "$n" link set lo up
    if ! ip -n "$n" link show eth0 >/dev/null 2>&1; then
      ip -n "$n" link add eth0 type veth peer name "v-$h" netns "$sw"
      ip -n "$n" addr add "$(addr "$h")/24" dev eth0
    fi
    ip -n "$sw" link set "v-$h" master br0
    ip -n "$sw" link set "v-$h" up
    ip -n "$n" link set eth0 up
  done
}

remove_network() {
  local h
  for h in "${HOSTS[@]}" sw; do
    ip netns list | grep -qw "$(ns "$h")" && ip netns delete "$(ns "$h")"
  done
  return 0
}

# --- processes -------------------------------------------------------------------------------------

# spawn NAME HOST COMMAND...: runs COMMAND in HOST's namespace in the background, its output in
# logs/NAME.log, its PID in pids/NAME. `ip netns exec` and `setpriv` replace themselves with the
# command, so the recorded PID is the daemon's.
spawn() {
  local name=$1 host=$2
  shift 2
  ip netns exec "$(ns "$host")" "$@" </dev/null >>"${STATE}/logs/${name}.log" 2>&1 &
  echo $! >"${STATE}/pids/${name}"
  disown $!  # no "Killed" job notice when a fault kills it
}

alive() { [[ -s ${STATE}/pids/$1 ]] && kill -0 "$(cat "${STATE}/pids/$1")" 2>/dev/null; }

# stop NAME [SIGNAL]: signals the recorded PID and waits up to 30 s for it to exit.
stop() {
  local name=$1 sig=${2:-TERM} pid
  [[ -s ${STATE}/pids/$name ]] || return 0
  pid=$(cat "${STATE}/pids/$name")
  kill "-$sig" "$pid" 2>/dev/null || true
  for _ in $(seq 1 300); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "${STATE}/pids/$name"
}

# Whatever still runs inside our namespaces (postgres children of a killed Patroni) is ours.
kill_namespace_processes() {
  local h pid
  for h in "${HOSTS[@]}"; do
    ip netns list | grep -qw "$(ns "$h")" || continue
    for pid in $(ip netns pids "$(ns "$h")" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
  done
}

secret() { [[ -s ${STATE}/secrets/$1 ]] || (umask 077; head -c 18 /dev/urandom | base64 | tr '+/' 'xy' >"${STATE}/secrets/$1"); cat "${STATE}/secrets/$1"; }

make_state() {
  mkdir -p "${STATE}"/{logs,pids,secrets}
  chmod 711 "${STATE}"
  chmod 700 "${STATE}/secrets"
}

# --- etcd --------------------------------------------------------------------------------------------

start_etcd() {
  local cluster="" h
  for h in "${ETCD_HOSTS[@]}"; do cluster+="${cluster:+,}$h=http://$(addr "$h"):2380"; done
  for h in "${ETCD_HOSTS[@]}"; do
    alive "etcd-$h" && continue
    local dir=${STATE}/$h state=new
    [[ -d $dir/member ]] && state=existing
    mkdir -p "$dir"
    chown etcd:etcd "$dir" 2>/dev/null || true
    chmod 700 "$dir"
    spawn "etcd-$h" "$h" setpriv --reuid=etcd --regid=etcd --init-groups --reset-env /usr/bin/etcd \
      --name "$h" --data-dir "$dir" \
      --listen-client-urls "http://$(addr "$h"):2379,http://127.0.0.1:2379" \
      --advertise-client-urls "http://$(addr "$h"):2379" \
      --listen-peer-urls "http://$(addr "$h"):2380" --initial-advertise-peer-urls "http://$(addr "$h"):2380" \
      --initial-cluster "$cluster" --initial-cluster-state "$state" --initial-cluster-token "${PREFIX}-etcd"
  done
}

# --- PostgreSQL under Patroni -------------------------------------------------------------------------

write_patroni_config() {
  local h=$1 dir=${STATE}/$1 etcd_hosts="" e
  for e in "${ETCD_HOSTS[@]}"; do etcd_hosts+="${etcd_hosts:+,}$(addr "$e"):2379"; done
  mkdir -p "$dir/sock"
  chown postgres:postgres "$dir" "$dir/sock"
  chmod 700 "$dir"
  # The replication lines for 127.0.0.1 and the host's own address let a crashed old leader read
  # its timeline and be rewound (without them it is never rewound and writes hang).
  (umask 077; cat >"$dir/patroni.yml" <<EOF
scope: ${SCOPE}
namespace: /${PREFIX}/
name: $h
restapi:
  listen: $(addr "$h"):8008
  connect_address: $(addr "$h"):8008
etcd3:
  hosts: ${etcd_hosts}
bootstrap:
  dcs:
    ttl: 15
    loop_wait: 2
    retry_timeout: 5
    maximum_lag_on_failover: 1048576
    synchronous_mode: true
    synchronous_mode_strict: true
    synchronous_node_count: 1
    postgresql:
      use_pg_rewind: true
      use_slots: true
      parameters:
        wal_sender_timeout: 5s
        wal_log_hints: 'on'
        log_error_verbosity: terse
        max_connections: 200
        max_wal_senders: 10
        max_replication_slots: 10
        hot_standby: 'on'
  initdb:
  - encoding: UTF8
  - locale: C.UTF-8
  - lc-collate: C
  - data-checksums
postgresql:
  listen: 127.0.0.1,$(addr "$h"):5432
  connect_address: $(addr "$h"):5432
  data_dir: ${dir}/data
  bin_dir: ${PG_BIN}
  pgpass: ${dir}/pgpass
  authentication:
    superuser:
      username: postgres
      password: '$(secret postgres)'
    replication:
      username: replicator
      password: '$(secret replicator)'
  parameters:
    unix_socket_directories: '${dir}/sock'
    synchronous_commit: 'on'
  pg_hba:
  - local all all trust
  - host replication replicator 127.0.0.1/32 md5
  - host replication replicator ${NET}.0/24 md5
  - host all all 127.0.0.1/32 md5
  - host all all ${NET}.0/24 md5
watchdog:
  mode: 'off'
EOF
  )
  chown postgres:postgres "$dir/patroni.yml"
}

start_patroni() {
  local h=$1
  alive "patroni-$h" && return 0
  write_patroni_config "$h"
  spawn "patroni-$h" "$h" setpriv --reuid=postgres --regid=postgres --init-groups --reset-env \
    /usr/bin/patroni "${STATE}/$h/patroni.yml"
}

patronictl() { in_ns pg1 setpriv --reuid=postgres --regid=postgres --init-groups --reset-env /usr/bin/patronictl -c "${STATE}/pg1/patroni.yml" "$@"; }

# The member whose REST API answers 200 to /primary (empty when there is none).
leader() {
  local h
  for h in "${PG_HOSTS[@]}"; do
    if [[ $(in_ns ha curl -s -o /dev/null -m 1 -w '%{http_code}' -X OPTIONS "http://$(addr "$h"):8008/primary") == 200 ]]; then
      echo "$h"
      return 0
    fi
  done
}

# SIGKILL of a node's Patroni and of its postgres (postmaster first, then what is left of it).
kill_pg_node() {
  local h=$1 pid
  pid=$(head -n 1 "${STATE}/$h/data/postmaster.pid" 2>/dev/null || true)
  [[ -s ${STATE}/pids/patroni-$h ]] && kill -KILL "$(cat "${STATE}/pids/patroni-$h")" 2>/dev/null || true
  if [[ -n $pid ]]; then
    local children
    children=$(pgrep -P "$pid" || true)
    kill -KILL "$pid" $children 2>/dev/null || true
  fi
  rm -f "${STATE}/pids/patroni-$h"
}

# --- HAProxy -----------------------------------------------------------------------------------------

write_haproxy_config() {
  local pg_servers="" rx_servers="" h
  for h in "${PG_HOSTS[@]}"; do pg_servers+="  server $h $(addr "$h"):5432 check port 8008"$'\n'; done
  for h in "${RX_HOSTS[@]}"; do rx_servers+="  server $h $(addr "$h"):8443 check check-ssl verify none"$'\n'; done
  cat >"${STATE}/haproxy.cfg" <<EOF
global
  maxconn 4000
  stats socket ${STATE}/haproxy.sock mode 600 level admin

defaults
  mode tcp
  timeout connect 2s
  timeout client 30m
  timeout server 30m
  timeout check 2s

# Writes go to the Patroni leader only: /primary answers 200 on the leader alone. OPTIONS, not GET
# (a GET makes Patroni log a connection-reset traceback on many checks). A member marked down has
# its sessions cut, so no client keeps writing to a demoted leader.
listen postgres_write
  bind 127.0.0.1:5000
  bind $(addr ha):5000
  option httpchk OPTIONS /primary
  http-check expect status 200
  default-server inter 1s fall 2 rise 1 on-marked-down shutdown-sessions
${pg_servers}
# Claims: TCP passthrough, TLS ends at rxgate (client certificates reach it unchanged).
listen rxgate_claims
  bind 127.0.0.1:8443
  bind $(addr ha):8443
  balance roundrobin
  option httpchk GET /healthz
  default-server inter 1s fall 2 rise 1 on-marked-down shutdown-sessions
${rx_servers}
EOF
}

start_haproxy() {
  alive haproxy && return 0
  write_haproxy_config
  spawn haproxy ha /usr/sbin/haproxy -W -db -f "${STATE}/haproxy.cfg"
}

# `show stat` lines "backend,server,status" of HAProxy's servers.
haproxy_servers() {
  in_ns ha /usr/bin/python3 - "${STATE}/haproxy.sock" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"show stat\n")
data = b""
while chunk := s.recv(65536):
    data += chunk
for line in data.decode().splitlines():
    f = line.split(",")
    if len(f) > 17 and f[1] not in ("FRONTEND", "BACKEND", "svname"):
        print(f"{f[0]},{f[1]},{f[17]}")
EOF
}

servers_up() { haproxy_servers 2>/dev/null | grep -c "^$1,.*,UP" || true; }

# psql through HAProxy (the leader) from the HAProxy host, as the superuser.
psql_leader() {
  local db=$1
  shift
  PGPASSWORD=$(secret postgres) in_ns ha "${PG_BIN}/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p 5000 -U postgres \
    -d "$db" "$@"
}

# Waits (up to $1 s) until exactly one PostgreSQL backend is UP in HAProxy and it takes writes.
# HAProxy counts a server as up until its first check fails, so one UP server alone is not enough.
wait_writable() {
  local limit=${1:-120} t0
  t0=$(now)
  while :; do
    if [[ $(servers_up postgres_write) == 1 ]] &&
      [[ $(psql_leader postgres -tA -c "SELECT pg_is_in_recovery()" 2>/dev/null) == f ]]; then
      return 0
    fi
    awk -v s="$(since "$t0")" -v l="$limit" 'BEGIN { exit !(s > l) }' && return 1
    sleep 0.2
  done
}

# --- rxgate nodes -----------------------------------------------------------------------------------

dsn() { echo "postgresql://rxgate:$(secret rxgate)@$(addr ha):5000/rxgate?connect_timeout=2"; }

prepare_database() {
  psql_leader postgres <<SQL >/dev/null
SELECT format('CREATE ROLE rxgate LOGIN PASSWORD %L', '$(secret rxgate)')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rxgate') \gexec
SELECT 'CREATE DATABASE rxgate OWNER rxgate'
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'rxgate') \gexec
SQL
  in_ns ha "${RXGATE_BIN}" migrate --dsn "$(dsn)" >/dev/null
}

start_rxgate() {
  local h=$1 node_id=${1#rx}
  alive "rxgate-$h" && return 0
  write_server_config "${CHECKOUT}/config/rxgate.toml" "${STATE}/rxgate-$h.toml" "${STATE}/tls" \
    "${CHECKOUT}/config/plans" warn "node_id=${node_id}" io_threads=1
  RXGATE_DSN=$(dsn) RXGATE_LISTEN=$(addr "$h"):8443 spawn "rxgate-$h" "$h" "${RXGATE_BIN}" serve \
    --config "${STATE}/rxgate-$h.toml"
}

wait_claims_ready() {
  local limit=${1:-60}
  for _ in $(seq 1 $((limit * 5))); do
    if [[ $(servers_up rxgate_claims) == "${#RX_HOSTS[@]}" ]] &&
      in_ns ha "${RXGATE_BIN}" load --raw --url https://127.0.0.1:8443/readyz --ca "${STATE}/tls/ca.crt" -c 1 \
        --count 1 --duration 0 --quiet >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.2
  done
  return 1
}

# --- subcommands --------------------------------------------------------------------------------------

up() {
  require_root
  [[ -x ${RXGATE_BIN} ]] || die "no rxgate binary at ${RXGATE_BIN}: cmake --preset release && cmake --build --preset release --target rxgate (or set RXGATE)"
  install_packages
  make_state
  make_network
  local t0 h
  t0=$(now)
  start_etcd
  for h in "${PG_HOSTS[@]}"; do start_patroni "$h"; done
  start_haproxy
  wait_writable 180 || { status >&2 || true; die "no writable leader after 180 s (logs: ${STATE}/logs)"; }
  say "leader $(leader) writable after $(since "$t0") s"
  prepare_database
  [[ -s ${STATE}/tls/server.crt ]] || bash "${CHECKOUT}/config/tls/make-dev-certs.sh" "${STATE}/tls" >/dev/null 2>&1
  for h in "${RX_HOSTS[@]}"; do start_rxgate "$h"; done
  wait_claims_ready 60 || { status >&2 || true; die "rxgate nodes not ready (logs: ${STATE}/logs)"; }
  say "up in $(since "$t0") s: claims at https://127.0.0.1:8443/ncpdp in namespace $(ns ha) (CA ${STATE}/tls/ca.crt)"
}

down() {
  require_root
  local name
  if [[ -d ${STATE}/pids ]]; then
    for name in "${STATE}"/pids/*; do
      if [[ -e $name ]]; then stop "${name##*/}"; fi
    done
  fi
  kill_namespace_processes
  remove_network
  rm -rf "${STATE}"
  say "down: namespaces $(ns '*') and ${STATE} removed"
}

status() {
  require_root
  local h name bad=0
  [[ -d ${STATE} ]] || { echo "not up (no ${STATE})"; return 3; }
  echo "namespaces: $(ip netns list | awk '{print $1}' | grep "^${PREFIX}-" | sort | tr '\n' ' ')"
  for name in "${STATE}"/pids/*; do
    [[ -e $name ]] || continue
    name=${name##*/}
    if alive "$name"; then echo "  $name: running (pid $(cat "${STATE}/pids/$name"))"; else echo "  $name: NOT running"; bad=1; fi
  done
  echo "patroni:"
  patronictl list 2>&1 | sed 's/^/  /' || true
  echo "haproxy servers:"
  haproxy_servers 2>&1 | sed 's/^/  /' || true
  return $bad
}

# --- test -----------------------------------------------------------------------------------------------

# The load runs in segments of a few seconds, one `rxgate load` each (its connections are not
# reopened after a node dies; the next segment's are), until the stop file appears.
load_loop() {
  local dir=$1 seg=0
  while [[ ! -e $dir/stop ]]; do
    seg=$((seg + 1))
    in_ns ha "${RXGATE_BIN}" load --url https://127.0.0.1:8443/ncpdp --ca "${STATE}/tls/ca.crt" \
      --plans "${CHECKOUT}/config/plans" --plan demo -c 8 --rate "${RATE}" --duration 5 --drain 15 \
      --run-id $((RUN_BASE + SEGMENTS_BEFORE + seg)) --paid-log "$dir/paid.$seg" --json --quiet \
      >"$dir/report.$seg.json" 2>>"$dir/load.log" || true
  done
  echo "$seg" >"$dir/segments"
}

start_load() {
  LOAD_DIR=${WORK}/load.$1
  mkdir -p "$LOAD_DIR"
  load_loop "$LOAD_DIR" &
  LOAD_PID=$!
}

stop_load() {
  touch "$LOAD_DIR/stop"
  wait "$LOAD_PID" || true
  LOAD_PID=
  SEGMENTS_BEFORE=$((SEGMENTS_BEFORE + $(cat "$LOAD_DIR/segments")))
}

# Checks every segment of the last load against the leader's rows (check_paid_rows of
# bench/e2e-lib.sh, allowing rows whose answer a fault lost) and adds to the totals.
check_load() {
  local fault=$1 f seg answers bad=0 segments=0 fault_answers=0 fault_rows=0 fault_gap=0
  for f in "$LOAD_DIR"/report.*.json; do
    seg=${f%.json}
    seg=${seg##*.}
    answers=$(json_value "$f" paid_transactions)
    [[ -n $answers ]] || { say "$fault: segment $seg wrote no report"; bad=1; continue; }
    check_paid_rows "$(dsn_for_database "$ADMIN_DSN" rxgate)" "$LOAD_DIR/paid.$seg" "$answers" \
      "$(json_value "$f" rx_prefix)" "$(json_value "$f" date_of_service)" at-least 2>>"${WORK}/checks.log" || bad=1
    [[ -n $paid_check_rows ]] || { say "$fault: segment $seg could not be checked (no answer from the leader)"; bad=1; }
    segments=$((segments + 1)) fault_answers=$((fault_answers + answers)) fault_rows=$((fault_rows + paid_check_rows))
    # shellcheck disable=SC2154 # set by check_paid_rows
    TOTAL_ANSWERS=$((TOTAL_ANSWERS + answers))
    TOTAL_ROWS=$((TOTAL_ROWS + paid_check_rows))
    TOTAL_MISSING=$((TOTAL_MISSING + paid_check_missing))
    TOTAL_TWICE=$((TOTAL_TWICE + paid_check_twice))
    local gap
    gap=$(grep -o '"per_second":\[[0-9,]*\]' "$f" | tr -dc '0-9,' |
      awk -F, '{ run = 0; for (i = 1; i <= NF; i++) { if ($i == 0) { run++; if (run > m) m = run } else run = 0 } } END { print m + 0 }')
    ((gap > fault_gap)) && fault_gap=$gap
    ((gap > LONGEST_GAP)) && LONGEST_GAP=$gap
  done
  say "$fault: ${segments} load runs, ${fault_answers} paid answers, ${fault_rows} paid rows on the leader, longest unanswered gap ${fault_gap} s$( ((bad)) && echo ': FAILED (see below)')"
  return $bad
}

# A write through HAProxy that commits: txid_current() takes a transaction id, so the COMMIT waits
# for the synchronous standby. A promoted leader without one takes no write yet. The probe has no
# statement timeout (a cancelled wait would commit locally and look like success) and counts as
# failed if psql says anything, such as that warning.
commit_probe() {
  local out
  out=$(PGPASSWORD=$(secret postgres) in_ns ha timeout 2 "${PG_BIN}/psql" -X -q -tA -h 127.0.0.1 -p 5000 -U postgres     -d postgres -c "SET statement_timeout = 0" -c "SELECT txid_current()" 2>&1) || return 1
  [[ $out =~ ^[0-9]+$ ]]
}

# Claims whose rows say paid but whose answer a fault lost (answered 92/99, or not at all): each is
# sent again, as a pharmacy would, and must come back as a duplicate (D) with its row's
# authorization number. Prints how many were sent again; returns 1 if any was not so answered.
retransmit_lost_answers() {
  local fault=$1 prefixes="" days="" f
  for f in "$LOAD_DIR"/report.*.json; do
    [[ -s $f ]] || continue
    prefixes+="${prefixes:+,}'$(json_value "$f" rx_prefix)%'"
    days+="${days:+,}'$(json_value "$f" date_of_service)'"
  done
  [[ -n $prefixes ]] || { echo 0; return 0; }
  cat "$LOAD_DIR"/paid.* 2>/dev/null | sort -u >"$LOAD_DIR/answered"
  psql_admin "$(dsn_for_database "$ADMIN_DSN" rxgate)" -tA -F ' ' >"$LOAD_DIR/lost" <<SQL || return 1
CREATE TEMP TABLE answered (authorization_number text);
\copy answered FROM '$LOAD_DIR/answered'
SELECT c.authorization_number, c.id FROM claims c
 WHERE c.status = 'P' AND c.date_of_service IN ($days) AND c.rx_number LIKE ANY (ARRAY[$prefixes])
   AND NOT EXISTS (SELECT 1 FROM answered a WHERE a.authorization_number = c.authorization_number);
SQL
  local authorization id sent=0 bad=0
  while read -r authorization id; do
    [[ -n $id ]] || continue
    sent=$((sent + 1))
    # The request as it was sent: once dictionaries are trained the column holds a zstd frame,
    # which `rxgate claims raw` unpacks (and audits).
    if ! PGPASSWORD=$(secret postgres) in_ns ha "${RXGATE_BIN}" claims raw --id "$id" \
      --dsn "$(dsn_for_database "$ADMIN_DSN" rxgate)" --out "$LOAD_DIR/lost.d0" 2>>"${WORK}/checks.log"; then
      say "$fault: the stored request of a claim paid without an answer could not be read"
      bad=1
      continue
    fi
    local answer
    answer=$(in_ns ha "${RXGATE_BIN}" submit --url https://127.0.0.1:8443/ncpdp --ca "${STATE}/tls/ca.crt" \
      "$LOAD_DIR/lost.d0" 2>&1) || true
    if ! grep -q "status D  authorization ${authorization}\b" <<<"$answer"; then
      say "$fault: the retransmit of a claim paid without an answer was not its stored answer:"
      grep '^transaction\|^  reject' <<<"$answer" >&2 || echo "$answer" >&2
      bad=1
    fi
  done <"$LOAD_DIR/lost"
  echo "$sent"
  return $bad
}

# Waits until the leader is not $1 and a write commits through HAProxy. Prints "P W": seconds
# since $2 until the new leader took writes in HAProxy (promoted) and until a write committed.
wait_new_leader() {
  local old=$1 t0=$2 promoted=""
  for _ in $(seq 1 900); do
    if [[ -z $promoted ]]; then
      local l
      l=$(leader)
      [[ -n $l && $l != "$old" ]] && wait_writable 1 && promoted=$(since "$t0")
    fi
    if [[ -n $promoted ]] && commit_probe; then
      echo "$promoted $(since "$t0")"
      return 0
    fi
    sleep 0.2
  done
  return 1
}

# Waits until all three members stream and one is a synchronous standby.
wait_cluster_whole() {
  for _ in $(seq 1 300); do
    local list
    list=$(patronictl list 2>/dev/null || true)
    if [[ $(grep -cE 'streaming|running' <<<"$list") -ge 3 && $list == *"Sync Standby"* ]]; then return 0; fi
    sleep 1
  done
  say "the cluster did not become whole again:"
  patronictl list >&2 || true
  return 1
}

inject() {
  local fault=$1 old t0 took=""
  old=$(leader)
  [[ -n $old ]] || die "$fault: no leader before the fault"
  t0=$(now)
  case $fault in
    leader-kill)
      say "$fault: SIGKILL of $old's Patroni and PostgreSQL"
      kill_pg_node "$old"
      took=$(wait_new_leader "$old" "$t0") || die "$fault: no new leader"
      start_patroni "$old"  # as a supervisor would
      ;;
    partition)
      say "$fault: $old's link cut"
      ip -n "$(ns "$old")" link set eth0 down
      took=$(wait_new_leader "$old" "$t0") || { ip -n "$(ns "$old")" link set eth0 up; die "$fault: no new leader"; }
      sleep 5
      ip -n "$(ns "$old")" link set eth0 up
      ;;
    rxgate-kill)
      say "$fault: SIGKILL of rxgate on rx1"
      stop rxgate-rx1 KILL
      sleep 5
      start_rxgate rx1
      wait_claims_ready 60 || die "$fault: rx1 did not come back"
      ;;
    switchover)
      say "$fault: patronictl switchover away from $old"
      patronictl switchover --leader "$old" --force >>"${WORK}/switchover.log" 2>&1 ||
        { cat "${WORK}/switchover.log" >&2; die "$fault: patronictl switchover failed"; }
      took=$(wait_new_leader "$old" "$t0") || die "$fault: no new leader"
      ;;
    *) die "unknown fault $fault" ;;
  esac
  if [[ -n $took ]]; then
    local promoted=${took% *} committed=${took#* }
    say "$fault: new leader $(leader) took writes in HAProxy after $promoted s, first commit after $committed s"
    awk -v a="$committed" -v b="$LONGEST_FAILOVER" 'BEGIN { exit !(a > b) }' && LONGEST_FAILOVER=$committed
  fi
  wait_cluster_whole || die "$fault: cluster not whole again"
}

run_test() {
  require_root
  WORK=$(mktemp -d)
  LOAD_PID='' SUMMARY=''
  trap 'rc=$?; [[ -n ${LOAD_PID:-} ]] && { touch "$LOAD_DIR/stop"; kill "$LOAD_PID" 2>/dev/null; wait "$LOAD_PID" 2>/dev/null; }; if ((rc)); then tail -n 30 "${STATE}"/logs/*.log >&2 2>/dev/null || true; cat "$WORK/checks.log" >&2 2>/dev/null || true; fi; down || true; rm -rf "$WORK"; [[ -n ${SUMMARY:-} ]] && echo "$SUMMARY"; exit $rc' EXIT
  trap 'exit 143' TERM INT HUP  # the EXIT trap cleans up after a signal too
  down
  up
  # The paid check runs its SQL on the leader through HAProxy, from the HAProxy host.
  psql_admin() {
    local d=$1
    shift
    PGPASSWORD=$(secret postgres) in_ns ha "${PG_BIN}/psql" -X -q -v ON_ERROR_STOP=1 -d "$d" "$@"
  }
  ADMIN_DSN="postgresql://postgres@127.0.0.1:5000/postgres"
  RATE=${RXGATE_CLUSTER_RATE:-60}
  RUN_BASE=$((10000 + RANDOM % 800 * 100))  # segments get run ids RUN_BASE+1, +2, ...: their own Rx numbers
  SEGMENTS_BEFORE=0 TOTAL_ANSWERS=0 TOTAL_ROWS=0 TOTAL_MISSING=0 TOTAL_TWICE=0 LONGEST_GAP=0 LONGEST_FAILOVER=0.0
  local fault failed=0 t0
  t0=$(now)
  for fault in ${RXGATE_CLUSTER_FAULTS:-leader-kill partition rxgate-kill switchover}; do
    start_load "$fault"
    sleep 6
    inject "$fault"
    sleep 6
    stop_load
    check_load "$fault" || failed=1
    local resent resent_status=0
    resent=$(retransmit_lost_answers "$fault") || resent_status=1
    say "$fault: ${resent:-0} claims paid without an answer sent again: $( ((resent_status)) && echo 'FAILED' || echo 'each answered D with its authorization')"
    ((resent_status == 0)) || failed=1
  done
  say "faults done in $(since "$t0") s"
  SUMMARY="cluster: ${TOTAL_ANSWERS} paid answers, ${TOTAL_ROWS} paid rows, ${TOTAL_MISSING} paid without a row, ${TOTAL_TWICE} paid twice, failover ${LONGEST_FAILOVER} s, longest unanswered gap ${LONGEST_GAP}.0 s"
  ((failed == 0 && TOTAL_MISSING == 0 && TOTAL_TWICE == 0))
}

case ${1:-} in
  up) up ;;
  down) down ;;
  status) status ;;
  test) run_test ;;
  *) echo "usage: deploy/cluster.sh up|down|status|test" >&2; exit 2 ;;
esac
