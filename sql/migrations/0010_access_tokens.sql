-- 0010: bearer tokens of the technician status API, the pharmacies each token may see, prior
-- authorization numbers, and "from where" and the outcome on the read audit log.
--
-- A token is shown once when it is created and never stored: only its SHA-256 digest is kept, so
-- a copy of this table lets nobody in. Roles (DESIGN.md §1): technician (claims of the listed
-- pharmacies only), operator (every claim, prior authorizations), admin (everything).

CREATE TABLE access_tokens (
  id           bigserial PRIMARY KEY,
  name         text NOT NULL,                        -- who holds it, for lists and the audit log
  role         text NOT NULL CHECK (role IN ('technician', 'operator', 'admin')),
  token_sha256 bytea NOT NULL CHECK (length(token_sha256) = 32),
  created_at   timestamptz NOT NULL DEFAULT now(),
  revoked_at   timestamptz
);
CREATE UNIQUE INDEX access_tokens_digest ON access_tokens (token_sha256);

-- Service provider IDs (201-B1) a technician token may see. Operators and admins have none here.
CREATE TABLE access_token_pharmacies (
  token_id    bigint NOT NULL REFERENCES access_tokens (id) ON DELETE CASCADE,
  provider_id text NOT NULL,
  PRIMARY KEY (token_id, provider_id)
);

-- Prior authorization numbers issued through the API (462-EV is 9(11)). They start at
-- 20000000001 so that they never look like the EU=9 emergency values (911xxxxxxxx).
CREATE SEQUENCE prior_authorization_number_seq AS bigint START 20000000001 MINVALUE 20000000001
  MAXVALUE 89999999999;

-- The read audit log (0001) also records where the read came from, the token, and whether it was
-- allowed ("ok"), refused because the claim is outside the token's pharmacies ("denied") or
-- asked for a claim that does not exist ("not_found"). A refused read looks like a missing claim
-- to the caller, but not here.
ALTER TABLE claim_reads
  ADD COLUMN remote   text NOT NULL DEFAULT '',
  ADD COLUMN token_id bigint,
  ADD COLUMN outcome  text NOT NULL DEFAULT 'ok';
