-- 0019: prior authorization requests over the wire (P1-P4, issue 15).
--
-- A P1 or P4 files a pending PA in the batch transaction that stores its claim; a reviewer
-- approves it (setting its validity and quantity) or denies it through the status API. Only an
-- approved, unrevoked PA is history for the rules: a pending or denied one never pays a B1.
-- Existing rows and the PAs operators issue are approved from the start. Revocation stays
-- revoked_at / revoked_by (an operator's DELETE, or a P2: revoked_by 'P2 <provider id>').
--
-- While a request is pending, effective/expires hold the period it asked for (498-PB/PC); the
-- approval replaces them with the validity granted. The period asked for stays in
-- requested_effective / requested_expires.
ALTER TABLE prior_authorizations
  ADD COLUMN state text NOT NULL DEFAULT 'approved'
    CHECK (state IN ('pending', 'approved', 'denied')),
  ADD COLUMN reviewed_by text,
  ADD COLUMN reviewed_at timestamptz,
  ADD COLUMN denial_reason text,
  -- the request (P1/P4 only; NULL for operator-issued PAs)
  ADD COLUMN request_type text,                 -- 498-PA: 1 initial, 2 reauthorization, 3 deferred
  ADD COLUMN request_basis text,                -- 498-PD: ME, PR, PL
  ADD COLUMN requested_effective date,          -- 498-PB
  ADD COLUMN requested_expires date,            -- 498-PC
  ADD COLUMN request_transaction_code text,     -- P1 | P4
  -- the request's claim key (DESIGN.md §3): a retransmit finds its PA by it
  ADD COLUMN request_pcn text,
  ADD COLUMN request_provider_id_qualifier text,
  ADD COLUMN request_provider_id text,
  ADD COLUMN request_rx_number text,
  ADD COLUMN request_fill_number smallint,
  ADD COLUMN request_date_of_service date,
  ADD CONSTRAINT prior_authorizations_decided
    CHECK (state = 'pending' OR reviewed_at IS NOT NULL OR request_provider_id IS NULL);

-- One live (unrevoked) PA per request key: a retransmitted P1/P4 answers the PA it filed; a
-- second, different request under the same key cannot file another (the batch fails, 99, and the
-- retransmit is then answered from the one on file).
CREATE UNIQUE INDEX prior_authorizations_request_key
  ON prior_authorizations (request_provider_id, request_rx_number, request_fill_number,
                           request_date_of_service, bin, request_pcn, request_provider_id_qualifier)
  WHERE request_provider_id IS NOT NULL AND revoked_at IS NULL;

-- The reviewers' worklist: pending requests, oldest first.
CREATE INDEX prior_authorizations_pending ON prior_authorizations (created_at, id) WHERE state = 'pending';

-- The reviewer role: decides pending requests (server/status/auth.h says what each role may do).
ALTER TABLE access_tokens DROP CONSTRAINT access_tokens_role_check;
ALTER TABLE access_tokens ADD CONSTRAINT access_tokens_role_check
  CHECK (role IN ('technician', 'operator', 'admin', 'reviewer'));
