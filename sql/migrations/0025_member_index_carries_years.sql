-- 0025: one index of active_paid_keys for a member's fills and a family's plan year.
--
-- A paid claim of a plan that keeps accumulators inserted its key row into three B-trees: the
-- primary key (the claim key), the member index (0024: the F rows of the history) and the
-- family-year index (0011: the Y rows, the sums of a family's plan year; partial, so claims of
-- other plans were not in it). The member and family-year indexes lead with the same two columns
-- (BIN, cardholder ID), so a family's rows are already neighbours in the member index; carrying
-- the plan year and the three applied amounts there too lets the Y probe read them from it alone
-- (an index-only scan on (bin, cardholder_id), filtered by year), and the family-year index goes:
-- one B-tree insert less per paid claim of such a plan, and one index less whose inserts land at
-- random places once the database outgrows shared_buffers (at 12.5 million claims the family-year
-- index was 0.75 GB; bench/RESULTS.md, "## soak", the run of 2026-12-03 19:58-21:10 UTC). Every
-- member-index entry grows by the year and the three amounts (about 28 bytes), claims of plans
-- without accumulators included.
--
-- What the Y probe reads grows with the family's paid, unreversed keys of every year instead of
-- one (the filter skips the others inside the leaves); a family's keys are a few leaves.
--
-- Built without CONCURRENTLY (a migration runs in a transaction): payments wait while it builds.
-- Migrate between runs of the gateways.
CREATE INDEX active_paid_keys_member_years
  ON active_paid_keys (bin, cardholder_id, person_code, date_of_service)
  INCLUDE (claim_id, provider_id, prescriber_id, rx_number, product_id, therapeutic_class,
           fill_number, quantity, days_supply, accumulator_year, deductible_applied,
           out_of_pocket_applied, benefit_applied);
DROP INDEX active_paid_keys_member;
DROP INDEX active_paid_keys_family_year;
ALTER INDEX active_paid_keys_member_years RENAME TO active_paid_keys_member;
