-- 0026: rxgate_write_keys without speculative insertion on the writer's first try.
--
-- rxgate_write_keys (0013, 0018) inserts a batch's paid keys with ON CONFLICT DO NOTHING and
-- answers the claims whose key another transaction holds. ON CONFLICT makes each row a
-- speculative insertion: a probe of the primary key before the heap insert, a speculative-token
-- lock, the unique check again when the index entry goes in, and one more WAL record to confirm
-- the heap tuple. A taken key is rare (another node or worker paid the same claim key between
-- the batch's history read and its insert), and the writer's pipelined first try already fails
-- the whole statement when an entry lost its key (insert_batch_or_fail: 22012), goes back to its
-- savepoint and runs the answering form. With fail_when_taken that first try inserts the keys
-- with a plain INSERT: a taken key raises unique_violation (23505), which the writer treats as
-- it treats 22012, and the second try (fail_when_taken false, as before) answers which claims
-- lost. A plain INSERT waits for an uncommitted holder of the key as ON CONFLICT does, so one
-- key is still paid once across nodes. In psql, 100,000 key rows inserted 80 at a time into a
-- copy of active_paid_keys: 12.0-12.8 us a row plain against 14.9-15.5 with ON CONFLICT DO
-- NOTHING (four rounds each); through this function, 1.2-2.0 us less per paid key
-- (bench/RESULTS.md).
--
-- The 23505 carries the key's values in its DETAIL (pharmacy, Rx number, fill, date of service,
-- BIN, PCN); deploy/pg.sh and the cluster's Patroni settings set log_error_verbosity = terse so
-- that the server log does not keep them (docs/operations.md).
--
-- The flag comes last with a default, so a caller that passes the 40 arrays (the COPY method, a
-- session that prepared its statements before this migration) gets the answering form.
DROP FUNCTION rxgate_write_keys(bigint[], text[], text[], smallint[], date[], text[], text[], text[], bigint[],
  bigint[], text[], text[], smallint[], date[], text[], text[], text[], text[], text[], text[], text[], text[],
  bigint[], integer[], date[], bigint[], bigint[], bigint[],
  bigint[], text[], text[], smallint[], date[], text[], text[], text[], bigint[],
  bigint[], bigint[], text[]);
CREATE FUNCTION rxgate_write_keys(
  -- reversals: the claim reversed with its key, and the id of the claim reversing it
  r_claim bigint[], r_provider text[], r_rx text[], r_fill smallint[], r_dos date[],
  r_bin text[], r_pcn text[], r_qualifier text[], r_by bigint[],
  -- payments: the key row of active_paid_keys (migrations 0001, 0002, 0011)
  p_claim bigint[], p_provider text[], p_rx text[], p_fill smallint[], p_dos date[],
  p_bin text[], p_pcn text[], p_qualifier text[], p_cardholder text[], p_person text[],
  p_prescriber text[], p_product text[], p_class text[], p_quantity bigint[], p_days integer[],
  p_year date[], p_deductible bigint[], p_out_of_pocket bigint[], p_benefit bigint[],
  -- duplicate answers: the original with its key, and the id of the duplicate answer's claim
  d_claim bigint[], d_provider text[], d_rx text[], d_fill smallint[], d_dos date[],
  d_bin text[], d_pcn text[], d_qualifier text[], d_by bigint[],
  -- links (claim_links) of the batch's claims
  l_claim bigint[], l_replaces bigint[], l_kind text[],
  -- true: a payment whose key is taken fails the statement (unique_violation) instead of
  -- answering its claim as lost
  fail_when_taken boolean DEFAULT false)
RETURNS SETOF bigint LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  lost bigint[] := '{}';
BEGIN
  -- Reversals first, so that a rebill frees its key before it pays it again. The key must
  -- still point at the claim being reversed; the reversed claim records when and by which
  -- claim, and with its key row it leaves the member's history and accumulators.
  IF cardinality(r_claim) > 0 THEN
    -- Two entries of one batch reversing one claim: the first in batch order wins (the key row
    -- is deleted once), the others lose.
    FOR i IN 1 .. cardinality(r_claim) LOOP
      DELETE FROM active_paid_keys a
       WHERE a.provider_id = r_provider[i] AND a.rx_number = r_rx[i]
         AND a.fill_number = r_fill[i] AND a.date_of_service = r_dos[i]
         AND a.claim_id = r_claim[i];
      IF FOUND THEN
        UPDATE claims c SET reversed_at = now(), reversed_by = r_by[i]
         WHERE c.id = r_claim[i] AND c.date_of_service = r_dos[i];
      ELSE
        lost := lost || r_by[i];
      END IF;
    END LOOP;
  END IF;

  -- Payments: a key that is taken (or taken by an uncommitted transaction that then commits)
  -- fails the statement with fail_when_taken and inserts nothing without it (its claim lost).
  -- A rebill whose reversal lost is not paid.
  IF cardinality(p_claim) > 0 AND fail_when_taken THEN
    INSERT INTO active_paid_keys (claim_id, provider_id, rx_number, fill_number,
      date_of_service, bin, pcn, provider_id_qualifier, cardholder_id, person_code,
      prescriber_id, product_id, therapeutic_class, quantity, days_supply, accumulator_year,
      deductible_applied, out_of_pocket_applied, benefit_applied)
    SELECT * FROM unnest(p_claim, p_provider, p_rx, p_fill, p_dos, p_bin, p_pcn, p_qualifier,
                         p_cardholder, p_person, p_prescriber, p_product, p_class, p_quantity,
                         p_days, p_year, p_deductible, p_out_of_pocket, p_benefit) AS x(claim_id)
     WHERE x.claim_id <> ALL (lost);
  ELSIF cardinality(p_claim) > 0 THEN
    WITH p AS (
      INSERT INTO active_paid_keys (claim_id, provider_id, rx_number, fill_number,
        date_of_service, bin, pcn, provider_id_qualifier, cardholder_id, person_code,
        prescriber_id, product_id, therapeutic_class, quantity, days_supply, accumulator_year,
        deductible_applied, out_of_pocket_applied, benefit_applied)
      SELECT * FROM unnest(p_claim, p_provider, p_rx, p_fill, p_dos, p_bin, p_pcn, p_qualifier,
                           p_cardholder, p_person, p_prescriber, p_product, p_class, p_quantity,
                           p_days, p_year, p_deductible, p_out_of_pocket, p_benefit) AS x(claim_id)
       WHERE x.claim_id <> ALL (lost)
      ON CONFLICT DO NOTHING
      RETURNING active_paid_keys.claim_id
    )
    SELECT lost || array(SELECT unnest(p_claim) EXCEPT SELECT p.claim_id FROM p) INTO lost;
  END IF;

  -- Duplicate answers: the original must still be the active paid claim, and stay so until
  -- this transaction ends.
  IF cardinality(d_claim) > 0 THEN
    FOR i IN 1 .. cardinality(d_claim) LOOP
      PERFORM 1 FROM active_paid_keys a
        WHERE a.provider_id = d_provider[i] AND a.rx_number = d_rx[i]
          AND a.fill_number = d_fill[i] AND a.date_of_service = d_dos[i]
          AND a.claim_id = d_claim[i]
        FOR SHARE OF a;
      IF NOT FOUND THEN
        lost := lost || d_by[i];
      END IF;
    END LOOP;
  END IF;

  IF cardinality(l_claim) > 0 THEN
    INSERT INTO claim_links (claim_id, replaces_claim_id, kind)
    SELECT l.claim_id, l.replaces, l.kind FROM unnest(l_claim, l_replaces, l_kind) AS l(claim_id, replaces, kind)
     WHERE l.claim_id <> ALL (lost)
    ON CONFLICT DO NOTHING;
  END IF;

  RETURN QUERY SELECT DISTINCT x FROM unnest(lost) AS x;
END $$;
