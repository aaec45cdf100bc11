-- +goose Up
-- When the reported thing happened, as the reporter says (a report drafted
-- offline is sent later); NULL when not given. Deadlines still run from
-- created_at, when the center received the report.
ALTER TABLE events ADD COLUMN occurred_at {{time}};

-- A device's action on an event (self-handle, feedback) is a device write
-- too (kind 'action', target 'event:<id>'); action_id is the history line
-- it made. A visit photo is one of kind 'visit_photo', its attachment_id
-- the visit_photos row.
ALTER TABLE device_writes ADD COLUMN action_id BIGINT;
-- A claim left under way is taken over by a later retry: taken_at is when
-- (created_at stays the first claim's time, from which what the crashed
-- request made is looked for), takeovers counts them so that of two
-- retries taking over at once one wins.
ALTER TABLE device_writes ADD COLUMN taken_at {{time}};
ALTER TABLE device_writes ADD COLUMN takeovers INTEGER NOT NULL DEFAULT 0;

-- Photos taken on a visit, uploaded from the worker's device before the
-- visit is sent: a visit names them by id. visit_id is set when a visit
-- takes the photo; a photo goes on one visit only.
CREATE TABLE visit_photos (
    id           {{pk}},
    worker_id    BIGINT NOT NULL REFERENCES workers (id),
    device_id    BIGINT NOT NULL REFERENCES worker_devices (id),
    visit_id     BIGINT REFERENCES visits (id),
    blob_key     TEXT NOT NULL,
    public_key   TEXT NOT NULL,
    thumb_key    TEXT NOT NULL DEFAULT '',
    content_type TEXT NOT NULL,
    name         TEXT NOT NULL,
    size         BIGINT NOT NULL,
    width        INTEGER NOT NULL DEFAULT 0,
    height       INTEGER NOT NULL DEFAULT 0,
    lng          DOUBLE PRECISION,
    lat          DOUBLE PRECISION,
    taken_at     {{time}},
    created_at   {{time}} NOT NULL
);
CREATE INDEX visit_photos_worker ON visit_photos (worker_id, id);
CREATE INDEX visit_photos_visit ON visit_photos (visit_id);
-- A sweep of unreferenced blobs looks keys up here as well as on events.
CREATE INDEX visit_photos_blob ON visit_photos (blob_key);

-- +goose Down
DROP TABLE visit_photos;
ALTER TABLE device_writes DROP COLUMN takeovers;
ALTER TABLE device_writes DROP COLUMN taken_at;
ALTER TABLE device_writes DROP COLUMN action_id;
ALTER TABLE events DROP COLUMN occurred_at;
