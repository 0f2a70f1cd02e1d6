-- 0001: claims, their rejects and DUR alerts, reversal links, the active paid key table, prior
-- authorizations and the read audit log.
--
-- Identities used throughout (DESIGN.md §3):
--   claim key = (bin, pcn, provider_id_qualifier, provider_id, rx_number, fill_number,
--                date_of_service); an absent PCN is '' and an absent fill number is 0.
--   member    = (bin, cardholder_id, person_code); an absent person code is ''.
-- Money is in cents, quantities in thousandths (codec/numeric.h), as bigint.

-- Claim ids come from one sequence so that a claim keeps its id across partitions and every
-- gateway node draws from the same series. The store reserves ids in bulk (nextval over
-- generate_series) before it writes a batch, so COPY and INSERT paths share one protocol.
CREATE SEQUENCE claim_id_seq AS bigint CACHE 1;

-- One row per transaction received (B1/B2/B3/E1, paid or rejected, syntax rejects included).
-- Partitioned by month of date of service: the claim key and member history both bound the date
-- of service, so lookups prune to one or a few partitions, and retention is DETACH + archive.
CREATE TABLE claims (
  id                      bigint NOT NULL DEFAULT nextval('claim_id_seq'),
  date_of_service         date NOT NULL,
  received_at             timestamptz NOT NULL DEFAULT now(),
  source                  text NOT NULL,            -- ncpdp | json | test ...
  transaction_code        text NOT NULL,            -- B1 B2 B3 E1 (as sent)
  transaction_index       smallint NOT NULL DEFAULT 0,
  -- claim key
  bin                     text NOT NULL,
  pcn                     text NOT NULL DEFAULT '',
  provider_id_qualifier   text NOT NULL DEFAULT '',
  provider_id             text NOT NULL,
  rx_number               text NOT NULL DEFAULT '',
  fill_number             smallint NOT NULL DEFAULT 0,
  -- member
  cardholder_id           text NOT NULL DEFAULT '',
  person_code             text NOT NULL DEFAULT '',
  group_id                text NOT NULL DEFAULT '',
  -- outcome
  plan_id                 text,
  plan_version            integer,
  status                  "char" NOT NULL,          -- 112-AN: P D C Q R A S ...
  authorization_number    text,
  request_fingerprint     bigint,
  -- product as submitted and as the plan knows it
  product_qualifier       text,
  product_id              text,
  product_name            text,
  therapeutic_class       text,
  tier                    smallint,
  quantity                bigint,                   -- thousandths
  days_supply             integer,
  prescriber_id           text,
  -- pricing paid (AM23), cents; NULL when nothing was priced
  patient_pay             bigint,
  ingredient_cost_paid    bigint,
  dispensing_fee_paid     bigint,
  incentive_paid          bigint,
  professional_fee_paid   bigint,
  total_paid              bigint,
  basis_of_reimbursement  text,
  copay                   bigint,
  coinsurance             bigint,
  deductible_applied      bigint,
  product_selection_brand bigint,
  other_amounts           text,                     -- "qualifier:cents" joined by ','
  -- reversal of this claim (set on the paid claim when a B2/B3 reverses it)
  reversed_at             timestamptz,
  reversed_by             bigint,
  -- what the technician status API shows without re-running rules: DUR alerts, rejects with
  -- field and occurrence, refill-too-soon and limit detail, PA flags, preferred alternatives,
  -- messages and texts, help-desk phone
  detail                  jsonb NOT NULL DEFAULT '{}',
  request                 bytea NOT NULL,           -- the transmission as received
  response                bytea NOT NULL,           -- the response as sent
  PRIMARY KEY (id, date_of_service)
) PARTITION BY RANGE (date_of_service);

CREATE TABLE claims_default PARTITION OF claims DEFAULT;

-- Technicians: a pharmacy's claims by date (keyset pagination on (date_of_service, id)).
CREATE INDEX claims_pharmacy_date ON claims (provider_id, date_of_service, id);
-- Technicians and the claim key: Rx number at a pharmacy. Also finds reversed and rejected
-- claims under a key (the active paid one is in active_paid_keys).
CREATE INDEX claims_key ON claims (provider_id, rx_number, fill_number, date_of_service);
-- Technicians: by status (rejects of the day).
CREATE INDEX claims_status_date ON claims (status, date_of_service);
-- Rules: member history in a look-back window (refill too soon, step therapy, accumulators).
CREATE INDEX claims_member_date ON claims (bin, cardholder_id, person_code, date_of_service);

-- Reject codes of a claim with the field at fault (511-FB, 546-4F), in payer order.
CREATE TABLE claim_rejects (
  claim_id        bigint NOT NULL,
  date_of_service date NOT NULL,
  seq             smallint NOT NULL,
  code            text NOT NULL,
  field           text NOT NULL DEFAULT '',         -- two-character NCPDP field id, '' = none
  occurrence      smallint NOT NULL DEFAULT 0,
  PRIMARY KEY (claim_id, seq, date_of_service)
) PARTITION BY RANGE (date_of_service);
CREATE TABLE claim_rejects_default PARTITION OF claim_rejects DEFAULT;
CREATE INDEX claim_rejects_code_date ON claim_rejects (code, date_of_service);

-- DUR alerts returned with a claim (AM24).
CREATE TABLE claim_dur_alerts (
  claim_id          bigint NOT NULL,
  date_of_service   date NOT NULL,
  seq               smallint NOT NULL,
  reason            text NOT NULL,
  significance      text NOT NULL DEFAULT '',
  other_pharmacy    text NOT NULL DEFAULT '',
  previous_fill     date,
  previous_quantity bigint,
  free_text         text NOT NULL DEFAULT '',
  PRIMARY KEY (claim_id, seq, date_of_service)
) PARTITION BY RANGE (date_of_service);
CREATE TABLE claim_dur_alerts_default PARTITION OF claim_dur_alerts DEFAULT;

-- A reversal (B2), a rebill (B3) or a duplicate answer (D) and the paid claim it refers to.
CREATE TABLE claim_links (
  claim_id          bigint NOT NULL,
  replaces_claim_id bigint NOT NULL,
  kind              text NOT NULL CHECK (kind IN ('reversal', 'rebill', 'duplicate')),
  created_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (claim_id, replaces_claim_id)
);
CREATE INDEX claim_links_replaces ON claim_links (replaces_claim_id);

-- "One active paid claim per claim key", across every gateway node.
-- A unique index on a partitioned table must contain the partition key; claims are partitioned
-- by date_of_service, which IS part of the claim key, but a unique index on claims could not
-- express "unique among the paid, not reversed ones" cheaply and would be checked per
-- partition. So the invariant lives in this small non-partitioned table instead: the store
-- inserts the key here (INSERT ... ON CONFLICT DO NOTHING) in the same transaction as the paid
-- claim, and deletes it in the transaction that reverses the claim. A second node that tries to
-- pay the same key blocks on the first one's uncommitted row; once that commits it finds the key
-- taken (no row inserted), and its batcher re-adjudicates the claim (duplicate or 83). The table
-- only holds active paid keys, so it stays small and hot.
CREATE TABLE active_paid_keys (
  bin                   text NOT NULL,
  pcn                   text NOT NULL,
  provider_id_qualifier text NOT NULL,
  provider_id           text NOT NULL,
  rx_number             text NOT NULL,
  fill_number           smallint NOT NULL,
  date_of_service       date NOT NULL,
  claim_id              bigint NOT NULL,
  paid_at               timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (provider_id, rx_number, fill_number, date_of_service, bin, pcn, provider_id_qualifier)
);

-- Prior authorizations on file: issued by an operator, a P-transaction or an import.
CREATE TABLE prior_authorizations (
  id                bigserial PRIMARY KEY,
  number            text NOT NULL,                  -- 462-EV, 11 digits
  bin               text NOT NULL,
  cardholder_id     text NOT NULL,
  person_code       text NOT NULL DEFAULT '',
  product_id        text NOT NULL DEFAULT '',       -- NDC, '' when it covers a class
  therapeutic_class text NOT NULL DEFAULT '',
  effective         date NOT NULL,
  expires           date NOT NULL,                  -- inclusive
  max_quantity      bigint NOT NULL DEFAULT 0,      -- thousandths per fill, 0 = no limit
  source            text NOT NULL,                  -- operator | p-transaction | import ...
  created_by        text NOT NULL DEFAULT '',
  created_at        timestamptz NOT NULL DEFAULT now(),
  revoked_at        timestamptz,
  revoked_by        text,
  CHECK (product_id <> '' OR therapeutic_class <> ''),
  CHECK (expires >= effective)
);
CREATE UNIQUE INDEX prior_authorizations_number ON prior_authorizations (bin, number);
CREATE INDEX prior_authorizations_member ON prior_authorizations (bin, cardholder_id, person_code, expires);

-- Who read which claim through the status API (and other reads of PHI).
CREATE TABLE claim_reads (
  id        bigserial PRIMARY KEY,
  read_at   timestamptz NOT NULL DEFAULT now(),
  actor     text NOT NULL,                          -- token subject
  action    text NOT NULL,                          -- get | search | summary ...
  claim_id  bigint,                                 -- NULL for searches
  detail    text NOT NULL DEFAULT ''                -- the filters of a search, never PHI values
);
CREATE INDEX claim_reads_claim ON claim_reads (claim_id);
CREATE INDEX claim_reads_actor_time ON claim_reads (actor, read_at);

-- Monthly partitions of the three claim tables for [from_month, from_month + months).
-- Rows that landed in a default partition for such a month are moved into the new partition
-- (attaching a range that the default partition already holds would fail otherwise).
-- Idempotent; `rxgate migrate` calls it on every run for the past 13 and the next 3 months.
CREATE FUNCTION rxgate_ensure_claim_partitions(from_month date, months integer)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  parent text;
  lo date;
  hi date;
  part text;
  created integer := 0;
  moved bigint;
BEGIN
  FOREACH parent IN ARRAY ARRAY['claims', 'claim_rejects', 'claim_dur_alerts'] LOOP
    FOR i IN 0 .. months - 1 LOOP
      lo := (date_trunc('month', from_month) + make_interval(months => i))::date;
      hi := (lo + interval '1 month')::date;
      part := format('%s_%s', parent, to_char(lo, 'YYYY_MM'));
      CONTINUE WHEN to_regclass(part) IS NOT NULL;
      EXECUTE format('CREATE TEMP TABLE rxgate_moving ON COMMIT DROP AS
                        SELECT * FROM %I WHERE date_of_service >= %L AND date_of_service < %L',
                     parent || '_default', lo, hi);
      GET DIAGNOSTICS moved = ROW_COUNT;
      IF moved > 0 THEN
        EXECUTE format('DELETE FROM %I WHERE date_of_service >= %L AND date_of_service < %L',
                       parent || '_default', lo, hi);
      END IF;
      EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
                     part, parent, lo, hi);
      IF moved > 0 THEN
        EXECUTE format('INSERT INTO %I SELECT * FROM rxgate_moving', parent);
      END IF;
      DROP TABLE rxgate_moving;
      created := created + 1;
    END LOOP;
  END LOOP;
  RETURN created;
END $$;

SELECT rxgate_ensure_claim_partitions((date_trunc('month', current_date) - interval '13 months')::date, 17);
