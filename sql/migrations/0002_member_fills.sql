-- 0002: the members' paid fills in a table of their own, for the rules' history.
--
-- Reading a member's fills from `claims` meant one index descent per monthly partition in the
-- look-back window (about 14) for every member of every batch: a quarter of PostgreSQL's CPU per
-- claim in bench/sql/store_bench.cpp. This table holds one row per paid, not reversed claim,
-- keyed by member and date of service, so a member's history is one index range scan. The store
-- inserts the row in the transaction that pays the claim and deletes it in the one that
-- reverses it; rows older than any look-back window can be deleted by retention.
CREATE TABLE member_fills (
  bin               text NOT NULL,
  cardholder_id     text NOT NULL,
  person_code       text NOT NULL,
  date_of_service   date NOT NULL,
  claim_id          bigint NOT NULL,
  provider_id       text NOT NULL,
  prescriber_id     text NOT NULL DEFAULT '',
  rx_number         text NOT NULL,
  fill_number       smallint NOT NULL,
  product_id        text NOT NULL DEFAULT '',
  therapeutic_class text NOT NULL DEFAULT '',
  quantity          bigint NOT NULL DEFAULT 0,
  days_supply       integer NOT NULL DEFAULT 0,
  PRIMARY KEY (bin, cardholder_id, person_code, date_of_service, claim_id)
);

INSERT INTO member_fills
SELECT bin, cardholder_id, person_code, date_of_service, id, provider_id,
       coalesce(prescriber_id, ''), rx_number, fill_number, coalesce(product_id, ''),
       coalesce(therapeutic_class, ''), coalesce(quantity, 0), coalesce(days_supply, 0)
  FROM claims WHERE status = 'P' AND reversed_at IS NULL;

-- Only the rules' history used it.
DROP INDEX claims_member_date;
