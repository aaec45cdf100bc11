-- +goose Up
-- Monthly sampling checks (抽检) of registry accuracy: a round draws records
-- per grid; workers confirm each one correct or not.
CREATE TABLE sampling_rounds (
    id          {{pk}},
    month       TEXT NOT NULL,
    region_code TEXT NOT NULL REFERENCES regions (code),
    region_path {{path}} NOT NULL,
    per_grid    INTEGER NOT NULL,
    created_by  BIGINT NOT NULL,
    created_at  {{time}} NOT NULL,
    UNIQUE (month, region_code)
);

CREATE TABLE sampling_items (
    id          {{pk}},
    round_id    BIGINT NOT NULL REFERENCES sampling_rounds (id) ON DELETE CASCADE,
    record_type TEXT NOT NULL,
    record_id   BIGINT NOT NULL,
    grid_code   TEXT NOT NULL,
    region_path {{path}} NOT NULL,
    status      TEXT NOT NULL DEFAULT 'pending',
    note        TEXT NOT NULL DEFAULT '',
    checked_by  BIGINT,
    checked_at  {{time}},
    version     INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX sampling_items_round ON sampling_items (round_id, region_path);
CREATE INDEX sampling_items_pending ON sampling_items (region_path, status);

-- +goose Down
DROP TABLE sampling_items;
DROP TABLE sampling_rounds;
