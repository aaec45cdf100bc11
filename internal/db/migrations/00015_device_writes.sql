-- +goose Up
-- Writes from a worker's device that end in another service's rows (an
-- event, a photo on an event). The Idempotency-Key is claimed here before
-- the write is made, so that a retried request, or the same request sent
-- twice at once, finds the first one's result instead of making a second
-- event; body_sha256 tells a retry from a different request reusing a key.
CREATE TABLE device_writes (
    id              {{pk}},
    device_id       BIGINT NOT NULL REFERENCES worker_devices (id),
    idempotency_key TEXT NOT NULL,
    -- 'event' or 'photo'; target is what the write was for ('event:<id>'
    -- for a photo, empty for an event).
    kind            TEXT NOT NULL,
    target          TEXT NOT NULL DEFAULT '',
    body_sha256     TEXT NOT NULL,
    event_id        BIGINT,
    attachment_id   BIGINT,
    created_at      {{time}} NOT NULL,
    -- NULL while the write is under way.
    done_at         {{time}},
    UNIQUE (device_id, idempotency_key)
);
CREATE INDEX device_writes_event ON device_writes (event_id);

-- +goose Down
DROP TABLE device_writes;
