# Shared shell functions of bench/e2e and tests/e2e/load_smoke_test.sh (sourced, not run).
# Everything talks to 127.0.0.1 only.

# psql against a DSN, quiet, stopping at the first error.
psql_admin() {
  local dsn=$1
  shift
  psql -X -q -v ON_ERROR_STOP=1 -d "$dsn" "$@"
}

# Reads the relations a running gateway keeps hot into the page cache (pg_prewarm, mode 'read';
# the extension ships with PostgreSQL) and prints how much. A database that was just copied or
# restored holds them on disk, and a bench on it measures the disk warming up (bench/RESULTS.md,
# "the grown runs measured a cold copy"). The claim path: active_paid_keys and its indexes, this
# month's claims, claim_rejects and claim_dur_alerts partitions, claim_links, prior
# authorizations, imported accumulators, and their indexes. With `reads`, also every index of
# every claims, claim_rejects and claim_dur_alerts partition (what a technician's read by id or
# search descends into; the rows they return stay where they are).
prewarm_relations() {
  local dsn=$1 reads=${2:-}
  PGOPTIONS="-c client_min_messages=warning" psql_admin "$dsn" -c "CREATE EXTENSION IF NOT EXISTS pg_prewarm" >/dev/null
  psql_admin "$dsn" -tA -c "
    WITH month AS (SELECT to_char(current_date, 'YYYY_MM') AS m),
    t AS (
      SELECT c.oid FROM pg_class c, month
       WHERE c.relkind = 'r' AND c.relname IN ('active_paid_keys', 'claim_links', 'prior_authorizations',
             'accumulator_imports', 'claims_' || month.m, 'claim_rejects_' || month.m, 'claim_dur_alerts_' || month.m)
    ), p AS (
      SELECT relid AS oid FROM pg_partition_tree('claims') WHERE '$reads' = 'reads'
      UNION ALL SELECT relid FROM pg_partition_tree('claim_rejects') WHERE '$reads' = 'reads'
      UNION ALL SELECT relid FROM pg_partition_tree('claim_dur_alerts') WHERE '$reads' = 'reads'
    ), r AS (
      SELECT oid FROM t
      UNION SELECT indexrelid FROM pg_index WHERE indrelid IN (SELECT oid FROM t UNION ALL SELECT oid FROM p)
    )
    SELECT pg_size_pretty(coalesce(sum(pg_prewarm(r.oid, 'read')), 0) * current_setting('block_size')::bigint)
      FROM r JOIN pg_class c ON c.oid = r.oid WHERE c.relkind IN ('r', 'i')"
}

# Loads active_paid_keys and its indexes, the relations every batch's history probe and key insert
# descend, into shared buffers (pg_prewarm, mode 'buffer'), and prints how much: the heap first
# and the smallest index last, so that what fits when they do not all fit is index pages. Page-cache reads (prewarm_relations) leave shared
# buffers to fill at the claims' pace, so a short run with a large shared_buffers measures it
# filling; E2E_PREWARM=buffers compares settings of shared_buffers in their steady state.
prewarm_buffers() {
  local dsn=$1
  psql_admin "$dsn" -tA -c "
    WITH r AS (
      SELECT 'active_paid_keys'::regclass AS oid, 0 AS ord
      UNION ALL SELECT indexrelid, 1 FROM pg_index WHERE indrelid = 'active_paid_keys'::regclass
    )
    SELECT pg_size_pretty(sum(n) * current_setting('block_size')::bigint)
      FROM (SELECT pg_prewarm(oid, 'buffer') AS n FROM r ORDER BY ord, pg_relation_size(oid) DESC) s"
}

# The DSN of database NAME on the server of DSN (URL form postgresql://.../db or key=value form).
dsn_for_database() {
  local dsn=$1 name=$2
  case $dsn in
    postgres://* | postgresql://*)
      local query=
      [[ $dsn == *\?* ]] && query="?${dsn#*\?}" && dsn=${dsn%%\?*}
      local rest=${dsn#*://}
      [[ $rest == */* ]] && dsn=${dsn%/*}
      echo "${dsn}/${name}${query}"
      ;;
    *) echo "$dsn dbname=$name" ;;
  esac
}

# Drop and create database NAME next to ADMIN_DSN's database; prints its DSN.
fresh_database() {
  local admin=$1 name=$2
  psql_admin "$admin" -c "DROP DATABASE IF EXISTS $name WITH (FORCE)" >/dev/null
  psql_admin "$admin" -c "CREATE DATABASE $name" >/dev/null
  dsn_for_database "$admin" "$name"
}

# A TCP port on 127.0.0.1 that nothing listens on, below the kernel's ephemeral range: a port in
# that range can be the local port of an outgoing connection (a load generator's, a client's of
# a test running beside this one), which makes a later listen on it fail with "address already in
# use" although nothing listens there.
free_port() {
  local p low=20000 span=40000 ephemeral
  read -r ephemeral _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || ephemeral=0
  ((ephemeral > low + 1000)) && span=$((ephemeral - low))
  for _ in $(seq 1 200); do
    p=$((low + RANDOM % span))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"
      return 0
    fi
  done
  echo "no free port found" >&2
  return 1
}

# write_server_config SOURCE_TOML DEST_TOML TLS_DIR PLANS_DIR LOG_LEVEL [KEY=VALUE ...]
# Copies the server configuration with absolute TLS and plan paths, the log level, and any
# `key = value` of the file replaced (e.g. io_threads=1 max_batch=512).
write_server_config() {
  local src=$1 dest=$2 tls=$3 plans=$4 level=$5
  shift 5
  local sed_args=(
    -e "s|^cert = .*|cert = \"$tls/server.crt\"|"
    -e "s|^key = .*|key = \"$tls/server.key\"|"
    -e "s|^ca = .*|ca = \"$tls/ca.crt\"|"
    -e "s|^dir = .*|dir = \"$plans\"|"
    -e "s|^level = .*|level = \"$level\"|"
  )
  local kv
  for kv in "$@"; do
    sed_args+=(-e "s|^${kv%%=*} = [^#]*|${kv%%=*} = ${kv#*=}   |")
  done
  sed "${sed_args[@]}" "$src" >"$dest"
}

# start_server RXGATE CONFIG DSN PORT LOG: `rxgate serve` in the background; prints its pid.
start_server() {
  local rxgate=$1 config=$2 dsn=$3 port=$4 log=$5
  RXGATE_DSN=$dsn RXGATE_LISTEN=127.0.0.1:$port "$rxgate" serve --config "$config" >"$log" 2>&1 &
  echo $!
}

# stop_server PID: SIGTERM (graceful drain), SIGKILL after 30 s. Harmless with an empty pid.
stop_server() {
  local pid=${1:-}
  [[ -n $pid ]] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 300); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
}

# wait_ready RXGATE PORT CA [PID]: until GET /readyz answers 200 (120 s at most: a 1M-member plan loads slowly).
wait_ready() {
  local rxgate=$1 port=$2 ca=$3 pid=${4:-}
  for _ in $(seq 1 600); do
    if [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; then
      echo "the server exited during start-up" >&2
      return 1
    fi
    if "$rxgate" load --raw --url "https://127.0.0.1:$port/readyz" --ca "$ca" -c 1 --count 1 --duration 0 \
      --quiet >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.2
  done
  echo "the server on port $port did not become ready" >&2
  return 1
}

# not_reversed ALIAS: SQL that holds when paid claim ALIAS has no reversal (sql/reversal.h: a
# 'reversal' or 'rebill' link from a claim that is not an S; migration 0027).
not_reversed() {
  echo "NOT EXISTS (SELECT 1 FROM claim_links x JOIN claims xr ON xr.id = x.claim_id AND xr.date_of_service = $1.date_of_service AND xr.status <> 'S' WHERE x.replaces_claim_id = $1.id AND x.kind IN ('reversal', 'rebill'))"
}

# check_paid_rows DSN PAID_LOG PAID_ANSWERS RX_PREFIX DATE_OF_SERVICE [at-least|exact] [SINCE_ID]
# Every authorization number of a paid answer has its paid row; the run's paid rows are exactly
# as many as its paid answers; no claim key has two active paid claims; no authorization number
# was given twice (both among the run's claims: keys of its date of service, its authorization
# numbers, so a grown database is not scanned whole). Prints the figures; returns 1 when any property fails. With `at-least` (runs
# with injected faults) the run may have more paid rows than paid answers: a commit whose answer
# a fault lost (the claim was answered 92/99 or not at all) is a row nobody was told was paid.
# With SINCE_ID (claims.id of the last claim stored before the run; ids only grow, and the run's
# claims are all committed when this is called) every check reads only the claims stored after
# it, and the keys those touch through the (pharmacy, Rx, date) index (an authorization number
# given twice is then looked for among those claims only): what bench/e2e does for each loop on a
# grown database, where the date-wide checks would read every claim of the day.
# Sets paid_check_rows, paid_check_missing and paid_check_twice (keys plus authorizations) for
# callers that add up several runs.
check_paid_rows() {
  local dsn=$1 log=$2 answers=$3 prefix=$4 dos=$5 mode=${6:-exact} since=${7:-}
  # run_claims is every claim, or those stored after SINCE_ID; only the keys-paid-twice check
  # differs: after an id it looks each of the run's paid keys up in all claims (an older claim
  # may hold the same key), over the whole database it groups the date's claims.
  local run_claims="SELECT * FROM claims" keys_paid_twice
  if [[ -n $since ]]; then
    [[ $since =~ ^[0-9]+$ ]] || { echo "check_paid_rows: SINCE_ID must be a claim id" >&2; return 1; }
    run_claims+=" WHERE id > $since"
    keys_paid_twice="SELECT count(*) FROM run_claims n WHERE n.status = 'P' AND $(not_reversed n)
     AND (SELECT count(*) FROM claims o WHERE o.provider_id = n.provider_id AND o.rx_number = n.rx_number
            AND o.date_of_service = n.date_of_service AND o.fill_number = n.fill_number AND o.bin = n.bin
            AND o.pcn = n.pcn AND o.provider_id_qualifier = n.provider_id_qualifier
            AND o.status = 'P' AND $(not_reversed o)) > 1"
  else
    keys_paid_twice="SELECT count(*) FROM (SELECT 1 FROM claims c WHERE c.status = 'P' AND $(not_reversed c)
       AND date_of_service = '$dos'
     GROUP BY bin, pcn, provider_id_qualifier, provider_id, rx_number, fill_number, date_of_service
     HAVING count(*) > 1) twice"
  fi
  local out
  out=$(psql_admin "$dsn" -tA -F ' ' <<SQL
CREATE TEMP TABLE load_paid (authorization_number text);
\copy load_paid FROM '$log'
CREATE TEMP VIEW run_claims AS $run_claims;
SELECT
  (SELECT count(*) FROM load_paid),
  (SELECT count(*) FROM load_paid p
    WHERE NOT EXISTS (SELECT 1 FROM run_claims c WHERE c.status = 'P' AND c.authorization_number = p.authorization_number)),
  (SELECT count(*) FROM run_claims WHERE status = 'P' AND rx_number LIKE '${prefix}%' AND date_of_service = '$dos'),
  ($keys_paid_twice),
  (SELECT count(*) FROM (SELECT 1 FROM run_claims WHERE status = 'P'
       AND authorization_number IN (SELECT authorization_number FROM load_paid)
     GROUP BY authorization_number HAVING count(*) > 1) twice);
SQL
  )
  local logged missing rows paid_twice auth_twice
  read -r logged missing rows paid_twice auth_twice <<<"$out"
  echo "paid answers $answers, logged $logged, paid rows of the run $rows, answers without a row $missing," \
    "keys paid twice $paid_twice, authorizations given twice $auth_twice" >&2
  paid_check_rows=$rows paid_check_missing=$missing paid_check_twice=$((paid_twice + auth_twice))
  local rows_ok=0
  if [[ $rows == "$answers" ]] || [[ $mode == at-least && $rows -ge $answers ]]; then rows_ok=1; fi
  if [[ $logged != "$answers" || $missing != 0 || $rows_ok != 1 || $paid_twice != 0 || $auth_twice != 0 ]]; then
    echo "FAIL: paid answers and paid rows disagree" >&2
    return 1
  fi
}

# check_paid_minutes DSN BOUNDS_CSV PAID_CSV LAST_ID: check_paid_rows for several runs one after
# another (bench/soak's minutes) in one pass, where a run at a time after them would read the
# claims of every later run again. BOUNDS_CSV: a line a run, `run,first-id,rx-prefix,yyyymmdd,
# paid-answers`, runs numbered from 1 in order, first-id the last claim id stored before the run
# (run r's claims are those after it up to the next run's first-id, the last run's up to LAST_ID).
# PAID_CSV: `run,authorization-number` for each P answer. For each run the same properties as
# check_paid_rows in exact mode with SINCE_ID: every paid answer logged and with a paid row stored
# during or after its run; as many paid rows under its Rx prefix and date of service as paid
# answers (wherever they were stored after the first run began); no authorization number of its
# answers on two paid rows; no key with two active paid claims on the runs' dates of service
# (charged to the run of the key's last claim, or to none when that claim came before the runs).
# Prints `run ok|FAIL logged missing rows authorizations-twice keys-twice` for each run.
check_paid_minutes() {
  local dsn=$1 bounds=$2 paid=$3 last_id=$4 first_id
  first_id=$(head -n 1 "$bounds" | cut -d, -f2)
  [[ $first_id =~ ^[0-9]+$ && $last_id =~ ^[0-9]+$ ]] || { echo "check_paid_minutes: claim ids expected" >&2; return 1; }
  # width_bucket(id - 1, edges) is the run a claim id belongs to: run r holds ids in
  # (first-id of r, first-id of r + 1]; ids after the last run's are run n + 1.
  psql_admin "$dsn" -tA -F ' ' <<SQL
CREATE TEMP TABLE bounds (run int, first_id bigint, prefix text, dos date, answers bigint);
\copy bounds FROM '$bounds' CSV
CREATE TEMP TABLE load_paid (run int, authorization_number text);
\copy load_paid FROM '$paid' CSV
CREATE TEMP TABLE edges AS SELECT array_agg(first_id ORDER BY run) || $last_id::bigint AS ids FROM bounds;
CREATE TEMP TABLE run_paid AS
  SELECT width_bucket(c.id - 1, e.ids) AS run, c.authorization_number, left(c.rx_number, 5) AS prefix, c.date_of_service
    FROM claims c, edges e WHERE c.id > $first_id AND c.status = 'P';
ANALYZE run_paid;
ANALYZE load_paid;
WITH logged AS (SELECT run, count(*) AS n FROM load_paid GROUP BY run),
missing AS (SELECT p.run, count(*) AS n FROM load_paid p
             WHERE NOT EXISTS (SELECT 1 FROM run_paid c WHERE c.authorization_number = p.authorization_number AND c.run >= p.run)
             GROUP BY p.run),
paid_rows AS (SELECT b.run, count(*) AS n FROM run_paid c JOIN bounds b ON c.prefix = b.prefix AND c.date_of_service = b.dos
               GROUP BY b.run),
auth_twice AS (SELECT p.run, count(*) AS n FROM load_paid p
                JOIN (SELECT authorization_number FROM run_paid GROUP BY authorization_number HAVING count(*) > 1) t
                  USING (authorization_number) GROUP BY p.run),
keys_twice AS (SELECT run, count(*) AS n FROM (
                 SELECT width_bucket(max(c.id) - 1, (SELECT ids FROM edges)) AS run
                   FROM claims c WHERE c.status = 'P' AND $(not_reversed c)
                    AND c.date_of_service IN (SELECT DISTINCT dos FROM bounds)
                  GROUP BY c.bin, c.pcn, c.provider_id_qualifier, c.provider_id, c.rx_number, c.fill_number, c.date_of_service
                 HAVING count(*) > 1) t GROUP BY run)
SELECT b.run,
       CASE WHEN coalesce(l.n, 0) = b.answers AND coalesce(x.n, 0) = 0 AND coalesce(r.n, 0) = b.answers
             AND coalesce(a.n, 0) = 0 AND coalesce(k.n, 0) = 0 THEN 'ok' ELSE 'FAIL' END,
       coalesce(l.n, 0), coalesce(x.n, 0), coalesce(r.n, 0), coalesce(a.n, 0), coalesce(k.n, 0)
  FROM bounds b
  LEFT JOIN logged l USING (run) LEFT JOIN missing x USING (run) LEFT JOIN paid_rows r USING (run)
  LEFT JOIN auth_twice a USING (run) LEFT JOIN keys_twice k USING (run)
 ORDER BY b.run;
SQL
}

# json_value FILE KEY: the first scalar value of "KEY" in a one-line JSON report (no jq needed).
json_value() {
  grep -o "\"$2\":\(\"[^\"]*\"\|[^,}]*\)" "$1" | head -n 1 | cut -d: -f2- | tr -d '"'
}

# kind_answered FILE KIND: answers of one claim kind in a `rxgate load --json` report.
kind_answered() {
  local v
  v=$(grep -o "\"$2\":{\"sent\":[0-9]*,\"answered\":[0-9]*" "$1" | head -n 1 | sed 's/.*"answered"://')
  echo "${v:-0}"
}

# latency_ms FILE KEY: a latency figure (p50, p90, p99, p999, max) of a `rxgate load --json` report, in ms.
latency_ms() {
  grep -o "\"latency_ms\":{[^}]*}" "$1" | grep -o "\"$2\":[0-9.]*" | cut -d: -f2 | awk '{ printf "%.2f", $1 }'
}

# metrics_snapshot PORT CA FILE: the server's GET /metrics text into FILE (the server's config must
# let loopback read it: [metrics] access = "loopback"); an empty FILE when it cannot be read.
metrics_snapshot() {
  curl -sf --max-time 5 --cacert "$2" "https://127.0.0.1:$1/metrics" >"$3" 2>/dev/null || : >"$3"
}

# seconds_as_ms V: a quantile or mean of histogram_delta (seconds) in ms, one decimal; "-" and
# ">B" (past the last bound) as they are.
seconds_as_ms() { [[ $1 == - || $1 == ">"* ]] && echo "$1" || awk -v v="$1" 'BEGIN { printf "%.1f", v * 1000 }'; }

# histogram_delta BEFORE AFTER NAME [LABELS]: what histogram NAME (a Prometheus histogram of
# /metrics, optionally the series with exactly LABELS before its le, e.g. 'route="/ncpdp",')
# observed between two snapshots: "count mean p50 p90 p99" (quantiles interpolated inside a bucket
# the way Prometheus' histogram_quantile does; ">B" when a quantile falls in the +Inf bucket past
# bound B), or "0 - - - -" when it observed nothing.
histogram_delta() {
  awk -v name="$3" -v labels="${4:-}" '
    function bucket_line(line,   rest, le, n) {
      # NAME_bucket{LABELSle="X"} N
      if (index(line, name "_bucket{" labels "le=\"") != 1) return 0
      rest = substr(line, length(name "_bucket{" labels "le=\"") + 1)
      le = substr(rest, 1, index(rest, "\"") - 1)
      n = rest; sub(/.*} /, "", n)
      B_le = le; B_n = n + 0
      return 1
    }
    function series(line, suffix,   head) {
      head = name suffix (labels == "" ? "" : "{" substr(labels, 1, length(labels) - 1) "}") " "
      if (index(line, head) != 1) return ""
      return substr(line, length(head) + 1) + 0
    }
    FNR == 1 { file++ }
    {
      if (bucket_line($0)) {
        if (file == 1) before[B_le] = B_n
        else { order[++k] = B_le; after[B_le] = B_n }
        next
      }
      v = series($0, "_sum");   if (v != "") { if (file == 1) sum0 = v; else sum1 = v }
      v = series($0, "_count"); if (v != "") { if (file == 1) count0 = v; else count1 = v }
    }
    function quantile(q,   target, i, lo, c, prev) {
      target = q * total; prev = 0; lo = 0
      for (i = 1; i <= k; i++) {
        c = after[order[i]] - before[order[i]]
        if (c >= target && c > prev) {
          if (order[i] == "+Inf") return ">" lo
          return sprintf("%.4g", lo + (order[i] - lo) * (target - prev) / (c - prev))
        }
        prev = c
        if (order[i] != "+Inf") lo = order[i]
      }
      return "-"
    }
    END {
      total = count1 - count0
      if (k == 0 || total <= 0) { print "0 - - - -"; exit }
      printf "%d %.4g %s %s %s\n", total, (sum1 - sum0) / total, quantile(0.5), quantile(0.9), quantile(0.99)
    }' "$1" "$2"
}

# bench_plan RXGATE ROOT MEMBERS PRODUCTS PHARMACIES ACCUMULATORS: prints the folder of a generated
# plan `e2e` of that size, generating it once into ROOT/.local/bench. The cache key names everything
# the plan depends on: a plan generated by an older binary (say, before plans kept accumulators) is
# not reused for a run that means to measure them.
bench_plan() {
  local rxgate=$1 root=$2 members=$3 products=$4 pharmacies=$5 accumulators=$6
  local dir=$root/.local/bench/plans-${members}-${products}-${pharmacies}-acc${accumulators}
  if [[ ! -s $dir/e2e/members.csv ]]; then
    echo "generating a synthetic plan: $members members, $products products, $pharmacies pharmacies, accumulators $accumulators" >&2
    rm -rf "$dir"
    "$rxgate" plan generate --out "$dir/e2e" --id e2e --members "$members" --products "$products" \
      --pharmacies "$pharmacies" $([[ $accumulators == 1 ]] || echo --no-accumulators) >/dev/null
  fi
  echo "$dir"
}

# record_results RESULTS SECTION INTRO BLOCK: inserts the file BLOCK at the end of "## SECTION" of
# RESULTS (before the section that follows it), making the section with INTRO when it is missing.
record_results() {
  local results=$1 section=$2 intro=$3 block=$4 tmp
  [[ -f $results ]] || echo "# Benchmark results" >"$results"
  grep -q "^## $section\$" "$results" || printf '\n## %s\n\n%s\n\n' "$section" "$intro" >>"$results"
  tmp=$(mktemp)
  awk -v block="$block" -v head="## $section" '
    BEGIN { while ((getline l < block) > 0) text = text l "\n" }
    function put() { if (last != "") printf "\n"; printf "%s", text; done = 1 }
    /^## / { if (inside && !done) { put(); printf "\n" } inside = ($0 == head) }
    { print; last = $0 }
    END { if (!done) put() }
  ' "$results" >"$tmp" && cat "$tmp" >"$results"
  rm -f "$tmp"
}
