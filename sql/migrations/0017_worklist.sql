-- 0017: the technicians' reject worklist (issue 15 part 1).
--
-- A reject is a rejected claim (claims.status = 'R') with its claim_rejects rows: nothing is
-- written per claim for the worklist. Whether a reject is open is derived when it is read:
--   closed by a payment    a later claim (higher id) under the same pharmacy, Rx number and fill
--                          is paid (status P) and not reversed; reversing that payment reopens
--                          the reject by itself (the Rx is unpaid again);
--   closed by a technician the last close/reopen action on it is a close.
-- What technicians do is the only thing written, here, append-only: close (with a reason from
-- a fixed list; "other" needs a note), reopen, assign (an empty assignee unassigns) and note.
CREATE TABLE worklist_actions (
  id              bigserial PRIMARY KEY,
  claim_id        bigint NOT NULL,                 -- the rejected claim
  date_of_service date NOT NULL,                   -- its partition key
  provider_id     text NOT NULL,                   -- its pharmacy (201-B1), as scoped
  action          text NOT NULL CHECK (action IN ('close', 'reopen', 'assign', 'note')),
  reason          text CHECK (reason IN ('resolved_by_resubmission', 'sent_to_prescriber',
                                         'patient_paid_cash', 'pa_requested', 'transferred', 'other')),
  assignee        text,
  note            text NOT NULL DEFAULT '',
  actor           text NOT NULL,                   -- token:<id>:<name>
  token_id        bigint,
  at              timestamptz NOT NULL DEFAULT now(),
  CHECK ((action = 'close') = (reason IS NOT NULL)),
  CHECK ((action = 'assign') = (assignee IS NOT NULL)),
  CHECK (reason IS DISTINCT FROM 'other' OR note <> ''),
  CHECK (action <> 'note' OR note <> '')
);
-- A reject's state, assignee and history: the last action of a kind for one claim.
CREATE INDEX worklist_actions_claim ON worklist_actions (claim_id, id);

-- Who did what, when and why stays as written.
CREATE FUNCTION rxgate_worklist_actions_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'worklist_actions is append-only';
END $$;
CREATE TRIGGER worklist_actions_append_only BEFORE UPDATE OR DELETE ON worklist_actions
  FOR EACH ROW EXECUTE FUNCTION rxgate_worklist_actions_append_only();

-- A pharmacy's rejects, newest first (keyset on date of service, id). Partial: paid claims do not
-- pay for it. claims_rejected_date (date, pharmacy) cannot give one pharmacy's rows in that order.
CREATE INDEX claims_rejected_pharmacy ON claims (provider_id, date_of_service, id) WHERE status = 'R';
