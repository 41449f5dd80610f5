-- How far the rollups job has folded `events` into the rollups: the last block number of
-- that table it folded, and which table (its uuid: a table made anew numbers its blocks
-- from 1 again, and the position must not skip them).
CREATE TABLE IF NOT EXISTS rollup_position (
    name        text PRIMARY KEY,
    table_uuid  text NOT NULL,
    position    bigint NOT NULL CONSTRAINT rollup_position_check CHECK (position >= 0),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
