-- 0002: the rules' member history comes from the active paid claims; the status index becomes a
-- partial index on rejects.
--
-- Reading a member's fills from `claims` meant one index descent per monthly partition in the
-- look-back window (about 14) for every member of every batch. The rows the rules want (paid,
-- not reversed) are exactly the rows of active_paid_keys: inserted in the transaction that pays
-- a claim, deleted in the one that reverses it. So that table also carries what the history
-- needs, and a member's history is one index range scan on one small table. This costs one
-- index on active_paid_keys instead of one on every claims partition.
ALTER TABLE active_paid_keys
  ADD COLUMN cardholder_id     text NOT NULL DEFAULT '',
  ADD COLUMN person_code       text NOT NULL DEFAULT '',
  ADD COLUMN prescriber_id     text NOT NULL DEFAULT '',
  ADD COLUMN product_id        text NOT NULL DEFAULT '',
  ADD COLUMN therapeutic_class text NOT NULL DEFAULT '',
  ADD COLUMN quantity          bigint NOT NULL DEFAULT 0,   -- thousandths
  ADD COLUMN days_supply       integer NOT NULL DEFAULT 0;

UPDATE active_paid_keys a
   SET cardholder_id = c.cardholder_id, person_code = c.person_code,
       prescriber_id = coalesce(c.prescriber_id, ''), product_id = coalesce(c.product_id, ''),
       therapeutic_class = coalesce(c.therapeutic_class, ''), quantity = coalesce(c.quantity, 0),
       days_supply = coalesce(c.days_supply, 0)
  FROM claims c
 WHERE c.id = a.claim_id AND c.date_of_service = a.date_of_service;

CREATE INDEX active_paid_keys_member
  ON active_paid_keys (bin, cardholder_id, person_code, date_of_service);

-- Only the rules' history used it.
DROP INDEX claims_member_date;

-- Technicians look for rejected claims by status; paid ones they reach by pharmacy, Rx number or
-- id. An index on status over every claim cost one more index insert per paid claim for no
-- query; a partial index on the rejects keeps the search and drops that cost.
DROP INDEX claims_status_date;
CREATE INDEX claims_rejected_date ON claims (date_of_service, provider_id) WHERE status = 'R';
