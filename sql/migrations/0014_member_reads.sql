-- 0014: the read audit log names the member when what was read is a member rather than a claim.
-- A member's plan-year accumulators (rxgate accumulators show, GET /v1/members/{bin}/{cardholder}
-- /accumulators) are PHI without a claim id, so claim_reads gains the member read; `detail` stays
-- free of patient data. NULL on every claim read.
ALTER TABLE claim_reads
  ADD COLUMN bin           text,
  ADD COLUMN cardholder_id text,
  ADD COLUMN person_code   text;

-- Who read this member's data, and when.
CREATE INDEX claim_reads_member ON claim_reads (bin, cardholder_id, read_at) WHERE cardholder_id IS NOT NULL;
