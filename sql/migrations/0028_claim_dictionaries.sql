-- 0028: zstd dictionaries for the raw request and response of claims (sql/claim_bytes.h).
--
-- The raw request and response are most of a claims row and too short for zstd to compress on
-- their own; with a dictionary trained on the payer's own recent claims they shrink 4-5x
-- (bench/RESULTS.md, the zstd section). `rxgate dictionaries train` makes one dictionary per kind
-- from recent claims; the writers pack new rows with the newest of each kind and every reader
-- unpacks with the one a value's frame names. A dictionary is never changed or deleted: rows
-- written with it need it for as long as they are kept. Rows written before any dictionary keep
-- their bytes as they are.
--
-- Ids are zstd dictionary ids (the frame header carries them): 32768 and up, below 2^31, the
-- range zstd leaves to private use.
CREATE SEQUENCE claim_dictionary_id_seq AS integer START 32768 MINVALUE 32768 MAXVALUE 2147483647;

CREATE TABLE claim_dictionaries (
  id            integer PRIMARY KEY CHECK (id >= 32768),
  kind          text NOT NULL CHECK (kind IN ('request', 'response')),
  dictionary    bytea NOT NULL,
  samples       integer NOT NULL,          -- values trained on
  held_out_raw    bigint NOT NULL,         -- bytes of the values held out of training
  held_out_packed bigint NOT NULL,         -- the same values packed with this dictionary
  created_at    timestamptz NOT NULL DEFAULT now()
);

-- A dictionary is kept for as long as any row may use it. The function serves any append-only
-- table from here on (worklist_actions, 0017, has its own).
CREATE FUNCTION rxgate_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% rows are never changed or deleted', TG_TABLE_NAME;
END $$;
CREATE TRIGGER claim_dictionaries_are_kept BEFORE UPDATE OR DELETE ON claim_dictionaries
  FOR EACH ROW EXECUTE FUNCTION rxgate_append_only();
