-- 0015: bearer tokens of the status API get a lifetime, and the read audit log records reads that
-- failed.
--
-- A token is refused (401 "token expired") from expires_at on. `rxgate token create` sets it from
-- --ttl (default 90 days). Tokens made before this migration get 90 days from now: nothing that
-- works today stops at the upgrade, and nothing lives forever.
ALTER TABLE access_tokens ADD COLUMN expires_at timestamptz;
UPDATE access_tokens SET expires_at = now() + interval '90 days' WHERE expires_at IS NULL;
ALTER TABLE access_tokens
  ALTER COLUMN expires_at SET DEFAULT now() + interval '90 days',
  ALTER COLUMN expires_at SET NOT NULL;

-- claim_reads.outcome (0010) also takes "error": the read was attempted but failed (the database
-- could not answer, 503) and nothing was shown. Outcomes: ok, denied, not_found, error.
COMMENT ON COLUMN claim_reads.outcome IS 'ok | denied (outside the token''s pharmacies) | not_found | error (the read failed; nothing shown)';
