-- +goose Up
-- The deadline sweep's memory on each event (internal/event/deadlines.go):
-- which step it last raised something in (warn_step_at, the step's start),
-- the card and overdue mark raised there, the next moment something may be
-- due (next_warn_at), and the version it last looked at (swept_version).
-- Every action bumps version, so "swept_version <> version" is the set of
-- events changed since the last sweep; both partial indexes stay small.
ALTER TABLE events ADD COLUMN warn_step_at {{time}};
ALTER TABLE events ADD COLUMN warn_level TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN warn_overdue INTEGER NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN next_warn_at {{time}};
ALTER TABLE events ADD COLUMN swept_version INTEGER NOT NULL DEFAULT 0;
-- Events without a timed step (closed, rejected, parked…) need no sweep.
UPDATE events SET swept_version = version WHERE step_due IS NULL;
CREATE INDEX events_next_warn ON events (next_warn_at) WHERE next_warn_at IS NOT NULL;
CREATE INDEX events_unswept ON events (id) WHERE swept_version <> version;

-- Periodic jobs (internal/jobs): the lease that lets one server of several
-- run a job at a time, and the job's last run, kept across restarts.
CREATE TABLE job_leases (
    name        TEXT PRIMARY KEY,
    holder      TEXT NOT NULL DEFAULT '',
    expires_at  {{time}} NOT NULL,
    last_run_at {{time}},
    last_ok_at  {{time}},
    last_error  TEXT NOT NULL DEFAULT '',
    runs        BIGINT NOT NULL DEFAULT 0
);

-- In-app notifications: to a region's center (region code, a grid is a
-- region too), a department (department code) or a user (user id).
CREATE TABLE notifications (
    id             {{pk}},
    recipient_kind TEXT NOT NULL,
    recipient      TEXT NOT NULL,
    event_id       BIGINT REFERENCES events (id) ON DELETE CASCADE,
    kind           TEXT NOT NULL,
    title          TEXT NOT NULL,
    body           TEXT NOT NULL DEFAULT '',
    created_at     {{time}} NOT NULL,
    read_at        {{time}}
);
CREATE INDEX notifications_recipient ON notifications (recipient_kind, recipient, id);
CREATE INDEX notifications_event ON notifications (event_id);

-- Webhook deliveries, retried with backoff: next_attempt_at is NULL once
-- delivered or given up; claimed_until/claimed_by keep two workers from
-- sending one delivery at once.
CREATE TABLE webhook_deliveries (
    id              {{pk}},
    url             TEXT NOT NULL,
    kind            TEXT NOT NULL,
    payload         TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at {{time}},
    claimed_until   {{time}},
    claimed_by      TEXT NOT NULL DEFAULT '',
    last_status     INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      {{time}} NOT NULL,
    delivered_at    {{time}}
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE next_attempt_at IS NOT NULL;

-- +goose Down
DROP TABLE webhook_deliveries;
DROP TABLE notifications;
DROP TABLE job_leases;
DROP INDEX events_unswept;
DROP INDEX events_next_warn;
ALTER TABLE events DROP COLUMN swept_version;
ALTER TABLE events DROP COLUMN next_warn_at;
ALTER TABLE events DROP COLUMN warn_overdue;
ALTER TABLE events DROP COLUMN warn_level;
ALTER TABLE events DROP COLUMN warn_step_at;
