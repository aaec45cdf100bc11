-- +goose Up
-- Big-screen terminals (大屏终端): a wall display that an admin, center or
-- leader turned into a display. Its session is a sessions row marked with
-- display_id, tied to the creator's account; it may only read the
-- dashboards of the display's region. used_on is the last day (server
-- date) whose first use was audited, so that only one row a day is written.
CREATE TABLE displays (
    id           {{pk}},
    name         TEXT NOT NULL,
    region_code  TEXT NOT NULL REFERENCES regions (code),
    created_by   BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   {{time}} NOT NULL,
    last_seen_at {{time}} NOT NULL,
    used_on      TEXT NOT NULL DEFAULT '',
    revoked_at   {{time}},
    revoked_by   BIGINT REFERENCES users (id)
);
CREATE INDEX displays_region ON displays (region_code);

-- No foreign key, so that the column can be dropped on SQLite; displays
-- are never deleted, and revoking one deletes its sessions.
ALTER TABLE sessions ADD COLUMN display_id BIGINT;
CREATE INDEX sessions_display ON sessions (display_id);

-- +goose Down
DELETE FROM sessions WHERE display_id IS NOT NULL;
DROP INDEX sessions_display;
ALTER TABLE sessions DROP COLUMN display_id;
DROP TABLE displays;
