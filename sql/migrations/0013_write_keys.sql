-- 0013: the writer's key statements in one round trip.
--
-- insert() used to send up to four statements one after the other, each waiting for the last:
-- the reversals (delete the reversed claim's key), the payments (insert the key), the duplicate
-- checks (the original must still be the active paid claim) and the reversal/rebill/duplicate
-- links. The later ones depend on the earlier ones (a rebill pays only when its reversal found
-- its key; a link is written only with its claim), so they cannot be sent blind. This function
-- runs them in that order, on the server, in the caller's transaction, and answers with the
-- claim ids that lost their key (the caller writes none of their rows and re-adjudicates them).
-- Every statement is the one the writer sent before, so the guarantees are unchanged: the key
-- insert (ON CONFLICT DO NOTHING, waiting on another node's uncommitted key) is still what makes
-- one paid claim per key true across nodes, FOR SHARE still keeps a concurrent reversal from
-- slipping in under a duplicate answer. Each argument group is a set of parallel arrays (empty
-- arrays skip the step); the column order is the one of the statements they replace.
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
    WITH u AS (
      SELECT DISTINCT ON (claim_id) *
        FROM unnest(r_claim, r_provider, r_rx, r_fill, r_dos, r_bin, r_pcn, r_qualifier, r_by)
             WITH ORDINALITY AS u(claim_id, provider_id, rx_number, fill_number, date_of_service, bin, pcn, qualifier, reversed_by, n)
       ORDER BY claim_id, n
    ), d AS (
      DELETE FROM active_paid_keys a USING u
       WHERE a.provider_id = u.provider_id AND a.rx_number = u.rx_number
         AND a.fill_number = u.fill_number AND a.date_of_service = u.date_of_service
         AND a.bin = u.bin AND a.pcn = u.pcn AND a.provider_id_qualifier = u.qualifier
         AND a.claim_id = u.claim_id
      RETURNING a.claim_id, a.date_of_service, u.reversed_by
    ), r AS (
      UPDATE claims c SET reversed_at = now(), reversed_by = d.reversed_by FROM d
       WHERE c.id = d.claim_id AND c.date_of_service = d.date_of_service
      RETURNING c.id
    )
    SELECT array(SELECT unnest(r_by) EXCEPT SELECT d.reversed_by FROM d) INTO lost;
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
    WITH s AS (
      SELECT u.answer_id FROM active_paid_keys a,
             unnest(d_claim, d_provider, d_rx, d_fill, d_dos, d_bin, d_pcn, d_qualifier, d_by)
               AS u(claim_id, provider_id, rx_number, fill_number, date_of_service, bin, pcn, qualifier, answer_id)
       WHERE a.provider_id = u.provider_id AND a.rx_number = u.rx_number
         AND a.fill_number = u.fill_number AND a.date_of_service = u.date_of_service
         AND a.bin = u.bin AND a.pcn = u.pcn AND a.provider_id_qualifier = u.qualifier
         AND a.claim_id = u.claim_id
      FOR SHARE OF a
    )
    SELECT lost || array(SELECT unnest(d_by) EXCEPT SELECT s.answer_id FROM s) INTO lost;
  END IF;

  IF cardinality(l_claim) > 0 THEN
    INSERT INTO claim_links (claim_id, replaces_claim_id, kind)
    SELECT l.claim_id, l.replaces, l.kind FROM unnest(l_claim, l_replaces, l_kind) AS l(claim_id, replaces, kind)
     WHERE l.claim_id <> ALL (lost)
    ON CONFLICT DO NOTHING;
  END IF;

  RETURN QUERY SELECT DISTINCT x FROM unnest(lost) AS x;
END $$;
