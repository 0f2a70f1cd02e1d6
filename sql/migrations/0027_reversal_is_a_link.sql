-- 0027: a reversal no longer rewrites the claims row it reverses.
--
-- rxgate_write_keys (0013, 0018, 0026) deleted the reversed claim's key row and then updated its
-- claims row (reversed_at, reversed_by). A claims row is about 1.2 kB on a full page (fillfactor
-- 100), so that update was almost never HOT: a whole new row version on another page, an entry
-- in each of the partition's three unconditional indexes, a dead version for vacuum, about 100
-- us of PostgreSQL's time per reversal (bench/RESULTS.md, 2026-12-06). The same facts were
-- already written once: the reversing claim (B2 answered A, B3 paid) inserts its claim_links row
-- in the same transaction, with created_at = now(), the time the update wrote. So:
-- - reversed_at and reversed_by leave claims; a claim's reversal is its 'reversal' or 'rebill'
--   link from a claim that is not an S (a B2 answered S links 'reversal' to the claim it found
--   reversed, and its transaction may have started before the reversal's), the first by
--   (created_at, claim_id) (claim_links_replaces, then the linking claim by id: sql/reversal.h);
-- - the writer's history tells an active paid claim by its key row (active_paid_keys holds
--   exactly the paid, unreversed claims: 0002), and a reversed one by its reversal link;
-- - a reversal recorded only in the columns (none is expected: every version wrote the link
--   with the update) gets its link here before the columns go.
--
-- Readers from before this migration select the columns and fail: upgrade the gateways with
-- the schema (docs/operations.md).
-- With the gateways stopped nothing else should hold claims; a session that does (a dump, a long
-- query) makes the DROP COLUMN below fail after 30 s instead of queueing every claims read and
-- write behind it. Run the migration again once it is gone.
SET LOCAL lock_timeout = '30s';

INSERT INTO claim_links (claim_id, replaces_claim_id, kind, created_at)
SELECT c.reversed_by, c.id,
       CASE WHEN (SELECT r.transaction_code FROM claims r
                   WHERE r.id = c.reversed_by AND r.date_of_service = c.date_of_service LIMIT 1) = 'B3'
            THEN 'rebill' ELSE 'reversal' END,
       c.reversed_at
  FROM claims c
 WHERE c.reversed_at IS NOT NULL AND c.reversed_by IS NOT NULL
   AND NOT EXISTS (SELECT 1 FROM claim_links x
                    WHERE x.replaces_claim_id = c.id AND x.claim_id = c.reversed_by)
ON CONFLICT DO NOTHING;

ALTER TABLE claims DROP COLUMN reversed_at, DROP COLUMN reversed_by;

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
