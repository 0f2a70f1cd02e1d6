-- 0011: plan-year accumulators (deductible, out-of-pocket, benefit maximum) derived from the
-- ledger, amounts imported from a prior carrier, and the accumulator fields of the answer.
--
-- There is no mutable counter. What a member and a family have accumulated in a plan year is the
-- sum of what their paid, unreversed claims of that year applied (active_paid_keys: inserted with
-- the paid claim, deleted by the reversal, so a B2 restores exactly what its claim applied) plus
-- what was imported for that year. The store sums them with the member history, under a
-- transaction-scoped advisory lock per family (BIN + cardholder ID) taken before the read, so
-- two batches of one family on any gateway node run one after the other and never both spend
-- the same remaining deductible.

-- What each paid claim applied, and to which plan year. accumulator_year is the first day of the
-- plan year the claim counted in (NULL: its plan keeps no accumulators). Summing by the stored
-- year rather than by date of service keeps plans that count by processing date right.
ALTER TABLE active_paid_keys
  ADD COLUMN accumulator_year      date,
  ADD COLUMN deductible_applied    bigint NOT NULL DEFAULT 0,   -- cents
  ADD COLUMN out_of_pocket_applied bigint NOT NULL DEFAULT 0,
  ADD COLUMN benefit_applied       bigint NOT NULL DEFAULT 0;

-- A family's rows of one plan year, read without touching the heap for plans that keep
-- accumulators; claims of other plans (accumulator_year NULL) are not in it and cost nothing.
CREATE INDEX active_paid_keys_family_year
  ON active_paid_keys (bin, cardholder_id, accumulator_year)
  INCLUDE (person_code, deductible_applied, out_of_pocket_applied, benefit_applied)
  WHERE accumulator_year IS NOT NULL;

-- The claim as answered and as counted. claims.deductible_applied (0001) is 517-FH as answered;
-- on an accepted reversal (no pricing) it holds minus what the reversed claim applied, like the
-- two columns below. accumulated_deductible .. other_payer_recognized are 512-FC, 513-FD, 514-FE,
-- 520-FK and 566-J5 as answered: a duplicate (D) replays them.
ALTER TABLE claims
  ADD COLUMN accumulator_year       date,
  ADD COLUMN out_of_pocket_applied  bigint NOT NULL DEFAULT 0,
  ADD COLUMN benefit_applied        bigint NOT NULL DEFAULT 0,
  ADD COLUMN accumulated_deductible bigint,
  ADD COLUMN remaining_deductible   bigint,
  ADD COLUMN remaining_benefit      bigint,
  ADD COLUMN over_benefit_maximum   bigint,
  ADD COLUMN other_payer_recognized bigint;

-- Amounts a member brings from a prior carrier for a plan year (rxgate accumulators import).
-- One row per member, plan year and source file/carrier: importing the same file again replaces
-- its row instead of counting it twice.
CREATE TABLE accumulator_imports (
  id              bigserial PRIMARY KEY,
  bin             text NOT NULL,
  cardholder_id   text NOT NULL,
  person_code     text NOT NULL DEFAULT '',
  plan_year_start date NOT NULL,
  deductible      bigint NOT NULL DEFAULT 0 CHECK (deductible >= 0),     -- cents
  out_of_pocket   bigint NOT NULL DEFAULT 0 CHECK (out_of_pocket >= 0),
  benefit         bigint NOT NULL DEFAULT 0 CHECK (benefit >= 0),
  source          text NOT NULL,
  imported_at     timestamptz NOT NULL DEFAULT now(),
  -- also the family's lookup: (bin, cardholder_id) leads it
  UNIQUE (bin, cardholder_id, person_code, plan_year_start, source)
);
