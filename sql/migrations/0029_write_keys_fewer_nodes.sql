-- 0029: rxgate_write_keys starts fewer executor nodes per batch.
--
-- The writer runs this function once a batch, and at a batch of one claim most of what
-- PostgreSQL spends on the batch is executor start-up, not rows (bench/instructions,
-- bench/RESULTS.md). Two of the function's statements started more than they needed:
-- - The paid keys' INSERT read unnest(19 arrays) in FROM: a function scan that sets up each of
--   the 19 functions, with a result type and a tuplestore, at every execution. The unnests now
--   sit in a select list, where they run in step one value at a time (the arrays are all as
--   long; a shorter one would be padded with NULLs in either form), as the writer's own INSERTs
--   do since 3b513e1.
-- - The answer, the claims that lost, was a SELECT DISTINCT over the array at every call: a hash
--   aggregate and a function scan started for an array that is empty in nearly every batch. It
--   is now run only when something was lost.
-- What the function writes and answers is unchanged; so are its signature and its callers.
CREATE OR REPLACE FUNCTION rxgate_write_keys(
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
  -- still point at the claim being reversed; with its key row the claim leaves the member's
  -- history and accumulators. When and by which claim it was reversed is the reversing claim's
  -- link, inserted below (0027).
  IF cardinality(r_claim) > 0 THEN
    -- Two entries of one batch reversing one claim: the first in batch order wins (the key row
    -- is deleted once), the others lose.
    FOR i IN 1 .. cardinality(r_claim) LOOP
      DELETE FROM active_paid_keys a
       WHERE a.provider_id = r_provider[i] AND a.rx_number = r_rx[i]
         AND a.fill_number = r_fill[i] AND a.date_of_service = r_dos[i]
         AND a.claim_id = r_claim[i];
      IF NOT FOUND THEN
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
    SELECT * FROM (
      SELECT unnest(p_claim) AS claim_id, unnest(p_provider), unnest(p_rx), unnest(p_fill),
             unnest(p_dos), unnest(p_bin), unnest(p_pcn), unnest(p_qualifier), unnest(p_cardholder),
             unnest(p_person), unnest(p_prescriber), unnest(p_product), unnest(p_class),
             unnest(p_quantity), unnest(p_days), unnest(p_year), unnest(p_deductible),
             unnest(p_out_of_pocket), unnest(p_benefit)) AS x
     WHERE x.claim_id <> ALL (lost);
  ELSIF cardinality(p_claim) > 0 THEN
    WITH p AS (
      INSERT INTO active_paid_keys (claim_id, provider_id, rx_number, fill_number,
        date_of_service, bin, pcn, provider_id_qualifier, cardholder_id, person_code,
        prescriber_id, product_id, therapeutic_class, quantity, days_supply, accumulator_year,
        deductible_applied, out_of_pocket_applied, benefit_applied)
      SELECT * FROM (
        SELECT unnest(p_claim) AS claim_id, unnest(p_provider), unnest(p_rx), unnest(p_fill),
               unnest(p_dos), unnest(p_bin), unnest(p_pcn), unnest(p_qualifier), unnest(p_cardholder),
               unnest(p_person), unnest(p_prescriber), unnest(p_product), unnest(p_class),
               unnest(p_quantity), unnest(p_days), unnest(p_year), unnest(p_deductible),
               unnest(p_out_of_pocket), unnest(p_benefit)) AS x
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

  IF cardinality(lost) > 0 THEN
    RETURN QUERY SELECT DISTINCT x FROM unnest(lost) AS x;
  END IF;
END $$;
