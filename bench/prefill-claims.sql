-- Grows a claims database to a target size by copying the claims already in it (the seed: claims a
-- real `rxgate load` run wrote) into earlier dates, so benches can measure reads and writes with
-- millions of claims in the tables rather than against a fresh database.
--
--   psql -v target=10000000 -f bench/prefill-claims.sql "$DSN"      (bench/e2e-lib.sh: prefill_claims)
--
-- How the copies look:
-- - Round r copies every seed claim once with a new id (claim_id_seq's next value carrying the
--   copy's date, migration 0022), its date of service and every other date and timestamp moved
--   back by a shift of its own in round r's days, (r - 1) * step + 1 .. r * step (step spreads the
--   rounds over the last 390 days, the 13 monthly partitions `rxgate migrate` keeps). A seed is
--   one load run, so its claims share a day or two; the shift within the round spreads each
--   copy over `step` days as a pharmacy's claims are spread. Claims under one key (a pharmacy and
--   Rx: a paid claim, its reversal, its retransmits, a reject and the claim that closed it) get
--   one shift, so they stay together; a claim without an Rx gets a shift by its own id. Rounds
--   have disjoint days and the claim key contains the date of service, so each round's keys are
--   new: no key is paid twice, and the active paid key table grows with the claims.
-- - Members: copies keep their member, so each member of the seed gets `rounds` copies of its
--   claims. bench/e2e seeds about one twenty-fifth of the target (E2E_SEED_CLAIMS) so that a member
--   has a few dozen claims a year, as a patient on maintenance drugs does; a small seed copied
--   hundreds of times makes a few members with hundreds of claims each.
-- - Every table with a claim_id column (rejects, DUR alerts, links, the active paid key table and
--   whatever later migrations add) is copied with its rows' claim ids mapped to the copies, so the
--   copies have the detail rows their originals have. The read audit (claim_reads) is not copied.
-- - Columns are read from the catalog, so the script follows the schema; id-like columns it knows
--   (id, claim_id, replaces_claim_id, reversed_by) are mapped, plan-year columns (accumulator_year)
--   follow the moved date of service on calendar years (the generated bench plans use them),
--   everything else is copied as is.
-- - Rx numbers: a pharmacy's Rx number has a dozen fills or so, not one per round. The load's
--   Rx numbers are 12 digits, its run id (5) then a sequence (7); every 12 rounds the copies get
--   another run-id part (the seed's plus 7,919 per group of 12 rounds, modulo 100,000), so a search
--   by Rx at a pharmacy finds the claims of at most 12 rounds, as it would in a pharmacy's data.
--   Rx numbers of another shape are copied as they are.
-- - The seed's rows are copied aside once, so each round reads the seed and not the grown tables.
-- Each round commits on its own; the script stops at the first round that reaches the target.
\set ON_ERROR_STOP on
SELECT set_config('rxgate.prefill_target', :'target', false);

DO $prefill$
DECLARE
  target bigint := current_setting('rxgate.prefill_target')::bigint;
  seed   bigint;
  have   bigint;
  rounds integer;
  step   integer;
  tables text[] := '{}';
  name   text;
  cols   text;
  exprs  text;
BEGIN
  CREATE TEMP TABLE prefill_seed ON COMMIT PRESERVE ROWS AS SELECT id FROM claims;
  seed := (SELECT count(*) FROM prefill_seed);
  have := seed;
  IF seed = 0 THEN
    RAISE EXCEPTION 'prefill: the claims table is empty; run a load first (the copies need a seed)';
  END IF;
  rounds := ceil((target - have)::numeric / seed)::integer;
  IF rounds <= 0 THEN
    RAISE NOTICE 'prefill: % claims already (target %)', have, target;
    RETURN;
  END IF;
  IF rounds > 390 THEN
    RAISE EXCEPTION 'prefill: % rounds of % seed claims need more than 390 distinct days; seed more claims', rounds, seed;
  END IF;
  step := greatest(1, 390 / rounds);
  CREATE TEMP TABLE prefill_map (old_id bigint PRIMARY KEY, new_id bigint NOT NULL, shift integer NOT NULL)
    ON COMMIT PRESERVE ROWS;

  -- claims first, then every table that refers to a claim
  SELECT array_agg(c.relname::text ORDER BY c.relname <> 'claims', c.relname) INTO tables
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition
    AND c.relname <> 'claim_reads'
    AND (c.relname = 'claims' OR EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid
                                          AND a.attname = 'claim_id' AND NOT a.attisdropped));
  FOREACH name IN ARRAY tables LOOP
    EXECUTE format('CREATE TEMP TABLE %I ON COMMIT PRESERVE ROWS AS SELECT t.* FROM %I t WHERE t.%I IN (SELECT id FROM prefill_seed)',
                   'prefill_src_' || name, name, CASE WHEN name = 'claims' THEN 'id' ELSE 'claim_id' END);
  END LOOP;

  FOR r IN 1 .. rounds LOOP
    TRUNCATE prefill_map;
    INSERT INTO prefill_map SELECT c.id, rxgate_claim_id(nextval('claim_id_seq'), c.date_of_service - s.shift), s.shift
      FROM prefill_src_claims c
      CROSS JOIN LATERAL (SELECT (r - 1) * step + 1 + ((hashtext(CASE WHEN c.rx_number <> ''
                                   THEN c.provider_id || '/' || c.rx_number ELSE c.id::text END) % step) + step) % step
                                 AS shift) s
      ORDER BY c.id;

    FOREACH name IN ARRAY tables LOOP
      SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum),
             string_agg(CASE
               WHEN name = 'claims' AND a.attname = 'id' THEN 'm.new_id'
               WHEN a.attname = 'claim_id' THEN 'm.new_id'
               WHEN a.attname IN ('replaces_claim_id', 'reversed_by') THEN
                 format('(SELECT x.new_id FROM prefill_map x WHERE x.old_id = t.%I)', a.attname)
               WHEN a.attname = 'accumulator_year' THEN
                 format('CASE WHEN t.%I IS NULL THEN NULL ELSE date_trunc(''year'', t.date_of_service - m.shift)::date END',
                        a.attname)
               WHEN a.attname = 'rx_number' THEN
                 format('CASE WHEN t.%1$I ~ ''^[0-9]{12}$'' THEN lpad(((left(t.%1$I, 5)::integer + %2$s * 7919) %% 100000)::text, 5, ''0'') || right(t.%1$I, 7) ELSE t.%1$I END',
                        a.attname, r / 12)
               WHEN a.atttypid = 'date'::regtype THEN format('t.%I - m.shift', a.attname)
               WHEN a.atttypid IN ('timestamptz'::regtype, 'timestamp'::regtype) THEN
                 format('t.%I - make_interval(days => m.shift)', a.attname)
               ELSE format('t.%I', a.attname) END, ', ' ORDER BY a.attnum)
        INTO cols, exprs
      FROM pg_attribute a
      WHERE a.attrelid = name::regclass AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '';

      EXECUTE format('INSERT INTO %I (%s) SELECT %s FROM %I t JOIN prefill_map m ON m.old_id = t.%I',
                     name, cols, exprs, 'prefill_src_' || name, CASE WHEN name = 'claims' THEN 'id' ELSE 'claim_id' END);
    END LOOP;
    have := have + seed;
    RAISE NOTICE 'prefill: round % of %: % claims (dates moved back % to % days)', r, rounds, have,
      (r - 1) * step + 1, r * step;
    COMMIT;
  END LOOP;
END
$prefill$;

ANALYZE;
