-- +goose Up
-- Residents sign in with their phone. The account is a users row of role
-- resident; this table ties it to the phone (sealed, found by its blind
-- index, which is unique: one account per phone) and keeps the grid the
-- resident chose as theirs.
CREATE TABLE resident_accounts (
    user_id     BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    phone_index TEXT NOT NULL UNIQUE,
    phone_enc   {{bytes}} NOT NULL,
    phone_mask  TEXT NOT NULL,
    grid_code   TEXT REFERENCES regions (code),
    created_at  {{time}} NOT NULL,
    updated_at  {{time}} NOT NULL
);

-- The one-time sign-in code of each phone (by blind index): only its keyed
-- hash, when it expires, the wrong tries so far, whether it was used, and
-- the sends of the current day for the daily cap.
CREATE TABLE resident_codes (
    phone_index TEXT PRIMARY KEY,
    code_hash   TEXT NOT NULL,
    expires_at  {{time}} NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    used        BOOLEAN NOT NULL DEFAULT FALSE,
    sent_at     {{time}} NOT NULL,
    day         TEXT NOT NULL,
    day_sends   INTEGER NOT NULL
);

-- Residents following an event someone else reported (instead of
-- reporting it again).
CREATE TABLE event_follows (
    event_id   BIGINT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at {{time}} NOT NULL,
    PRIMARY KEY (event_id, user_id)
);
CREATE INDEX event_follows_user ON event_follows (user_id, event_id);

-- Notices a center posts for a region; residents read those of every
-- region on the path of their grid.
CREATE TABLE notices (
    id              {{pk}},
    title           TEXT NOT NULL,
    body            TEXT NOT NULL,
    region_code     TEXT NOT NULL REFERENCES regions (code),
    region_path     {{path}} NOT NULL,
    publish_at      {{time}} NOT NULL,
    expires_at      {{time}},
    created_by      BIGINT REFERENCES users (id),
    created_by_name TEXT NOT NULL DEFAULT '',
    created_at      {{time}} NOT NULL,
    withdrawn_at    {{time}},
    withdrawn_by    BIGINT REFERENCES users (id),
    version         INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX notices_region ON notices (region_code, publish_at);
CREATE INDEX notices_path ON notices (region_path, id);

-- +goose Down
DROP TABLE notices;
DROP TABLE event_follows;
DROP TABLE resident_codes;
DROP TABLE resident_accounts;
