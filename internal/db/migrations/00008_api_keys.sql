-- +goose Up
-- Keys of API clients (Open311 and other systems). The key itself reaches the
-- client once; only its SHA-256 is kept, with a short prefix to recognise it
-- in lists. Revoked keys stay for the record.
CREATE TABLE api_keys (
    id           {{pk}},
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    key_hash     TEXT NOT NULL UNIQUE,
    created_by   TEXT NOT NULL DEFAULT '',
    created_at   {{time}} NOT NULL,
    last_used_at {{time}},
    revoked_at   {{time}},
    revoked_by   TEXT NOT NULL DEFAULT ''
);
-- A client's name is its identity in event histories: one live key per name.
CREATE UNIQUE INDEX api_keys_live_name ON api_keys (name) WHERE revoked_at IS NULL;

-- Open311 lists requests in a window of report times and the update feed in
-- a window of history times, newest or oldest first.
CREATE INDEX events_created ON events (created_at, id);
CREATE INDEX event_actions_at ON event_actions (at, id);

-- +goose Down
DROP INDEX event_actions_at;
DROP INDEX events_created;
DROP TABLE api_keys;
