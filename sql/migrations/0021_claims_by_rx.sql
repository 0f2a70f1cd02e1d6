-- 0021: a technician's search for an Rx number at a pharmacy reads its newest claims only.
--
-- `GET /v1/claims?pharmacy=P&rx=N` wants the newest claims of one prescription. claims_key
-- (provider_id, rx_number, fill_number, date_of_service) groups them by fill number, so the search
-- fetched every claim of the Rx from the heap (one page each) and sorted them to keep the newest
-- 26: at 10 million claims, with an Rx that had hundreds of claims, 40-350 ms under load. The
-- index on (provider_id, rx_number, date_of_service, id) is in the search's order, so it stops
-- after a page. It replaces claims_key, whose other users keep a probe by index: the writer's
-- history K row and the claim read's history give the date of service (same prefix, fill number
-- checked on the few rows of that day), the worklist's later payment gives the pharmacy and Rx
-- (the claims of one prescription). A claim costs the writer the same number of index entries.
CREATE INDEX claims_rx ON claims (provider_id, rx_number, date_of_service, id);
DROP INDEX claims_key;
