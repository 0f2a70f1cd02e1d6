-- 0022: a claim id carries its date of service, so a read by id goes to one partition.
--
-- `GET /v1/claims/{id}` knew the id only, and claims are partitioned by date of service: every
-- read probed the id index of every partition (18 at 13 months), and its rejects, DUR alerts and
-- history the same way: ~110 buffers and 0.5 ms of CPU per read where the claim's own partition
-- needs ~35 and 0.2 ms (measured at 10 million claims, bench/RESULTS.md).
--
-- A claim id is now  s * 100000 + d:
--   s  a value of claim_id_seq (one series for every gateway node, as before), so ids still grow
--      with time: the worklist's "a later paid claim" and the searches' order rely on it;
--   d  the date of service as days after 1999-12-31 (1 .. 99999: 2000-01-01 .. 2273-10-14), or 0
--      when the date lies outside that range (the id then carries no date).
-- The writer makes the id (sql/claim_id.h, the same formula) when it knows the claim's stored date.
-- rxgate_claim_id(s, d) is that formula for SQL (bench/prefill-claims.sql); rxgate_claim_id_date(id)
-- reads the date back, NULL for an id that carries none. Both are IMMUTABLE and inline, so in a
-- generic plan `date_of_service = rxgate_claim_id_date($1)` prunes partitions at executor start.
--
-- Claims stored before this migration keep their ids (plain sequence values; rewriting ids would
-- rewrite every table that refers to a claim). They are told apart by size: every id made from now
-- on is at least `first * 100000`, `first` being the next value of claim_id_seq at this moment, and
-- every older id is smaller than `first`. That boundary is written into rxgate_claim_id_date, which
-- says NULL for an older id; the reader then probes every partition as before (sql/reader.cpp).
--
-- The id column loses its default: an id made by nextval alone would read as a wrong date.
ALTER TABLE claims ALTER COLUMN id DROP DEFAULT;

CREATE FUNCTION rxgate_claim_id(s bigint, date_of_service date) RETURNS bigint
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN s * 100000 + CASE WHEN date_of_service - date '1999-12-31' BETWEEN 1 AND 99999
                           THEN date_of_service - date '1999-12-31' ELSE 0 END;

DO $ids$
DECLARE
  first bigint;
BEGIN
  SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END INTO first FROM claim_id_seq;
  EXECUTE format($f$
    CREATE FUNCTION rxgate_claim_id_date(id bigint) RETURNS date
      LANGUAGE sql IMMUTABLE PARALLEL SAFE
      RETURN CASE WHEN id >= %s AND id %% 100000 <> 0 THEN date '1999-12-31' + (id %% 100000)::integer END
  $f$, first * 100000);
END
$ids$;
