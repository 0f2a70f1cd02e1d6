-- 0024: the member index of active_paid_keys carries what the history's F rows read, so a
-- member's fills come from the index alone.
--
-- The history statement reads a member's paid, unreversed fills of the last 400 days (F rows):
-- claim, pharmacy, prescriber, Rx, product, class, fill, quantity, days supply. Found through
-- (bin, cardholder, person, date) and then fetched from the heap, each fill was a heap page of
-- its own: a member's fills are paid weeks apart and land on pages far apart. On a database of 10
-- million claims the heap (1.2 GB) outgrows shared_buffers, and the history statement read 2.5
-- million blocks from outside them in a minute and a half of bench/e2e, 4 ms a batch, the
-- largest cost of PostgreSQL per claim (bench/RESULTS.md, "history reads at 10 million claims").
-- With the columns in the index a member's fills are one leaf; the heap is visited only for rows
-- autovacuum has not yet marked all-visible (the newest few percent).
--
-- The index is built without CONCURRENTLY (a migration runs in a transaction): payments wait while
-- it builds, about 12 s for 6.4 million keys on a 2-CPU box. Migrate between runs of the gateways.
CREATE INDEX active_paid_keys_member_fills
  ON active_paid_keys (bin, cardholder_id, person_code, date_of_service)
  INCLUDE (claim_id, provider_id, prescriber_id, rx_number, product_id, therapeutic_class,
           fill_number, quantity, days_supply);
DROP INDEX active_paid_keys_member;
ALTER INDEX active_paid_keys_member_fills RENAME TO active_paid_keys_member;
