-- 0018: the key statements of rxgate_write_keys (0013) probe active_paid_keys by the claim and the
-- leading columns of its key, one entry at a time.
--
-- PL/pgSQL keeps a generic plan for each statement of a function once it has run a few times. On a
-- young database that plan is made while active_paid_keys holds a few rows, and for the set-wise
-- DELETE ... USING and duplicate check it was a hash join over a sequential scan of the whole
-- table. The plan stays until the next ANALYZE while the table grows: in bench/e2e on a fresh
-- database the gateway fell from 8,000 to 2,000 answers/s in 20 s, most of PostgreSQL's time in
-- those scans. The reversals and duplicate checks now loop over their entries, each a probe on
-- (provider, Rx, fill, date of service) and the claim id: only the primary key serves it. With
-- BIN, PCN and qualifier in the condition too, a plan made on a nearly empty table may take the
-- (bin, cardholder, person, date) index at the same estimated cost and then read every key row of
-- the BIN per entry; the claim id pins the row, so they add nothing (the arguments stay, unused,
-- for the callers). What each step does and guarantees is unchanged (0013): the first reversal of
-- a claim in batch order deletes its key and the others lose; a duplicate answer holds its
-- original's key row FOR SHARE until the transaction ends; payments and links stay set-wise
-- (INSERT ... ON CONFLICT probes the key's index).
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
  l_claim bigint[], l_replaces bigint[], l_kind text[])
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
  -- inserts nothing. A rebill whose reversal lost is not paid.
  IF cardinality(p_claim) > 0 THEN
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
