-- 0023: a read's audit row is written through a function, so that the read's plan does not
-- depend on claim_reads.
--
-- Every read by id inserts into claim_reads, so autovacuum vacuums and analyzes that table every
-- minute or so at 50 reads/s. Each time, PostgreSQL invalidated the cached generic plan of the
-- by-id statement (its audit CTE inserted into claim_reads) on every reader connection, and the
-- next read on each replanned it over every partition: 50-70 ms on the CPU with nothing else
-- running (sampled in pg_stat_activity right after claim_reads' autoanalyze), the ~100 ms maxima
-- of bench/status-api. Inside a PL/pgSQL function the INSERT keeps a plan of its own (cached per
-- connection), which such an invalidation replans in a fraction of a millisecond; the read's plan
-- refers to the function only. Returns the outcome it wrote.
CREATE FUNCTION rxgate_audit_claim_read(p_actor text, p_claim_id bigint, p_detail text, p_remote text,
                                        p_token_id bigint, p_outcome text) RETURNS text
  LANGUAGE plpgsql VOLATILE AS $audit$
BEGIN
  INSERT INTO claim_reads (actor, action, claim_id, detail, remote, token_id, outcome)
  VALUES (p_actor, 'get', p_claim_id, p_detail, p_remote, p_token_id, p_outcome);
  RETURN p_outcome;
END
$audit$;
