-- +goose Up
-- Events (事件) and their closed loop. The current state of an event is a
-- projection of its append-only history (event_actions); version guards
-- every transition so that of two concurrent actions exactly one wins.
CREATE TABLE events (
    id              {{pk}},
    code            TEXT NOT NULL UNIQUE,
    source          TEXT NOT NULL,
    category_code   TEXT NOT NULL,
    title           TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    urgency         TEXT NOT NULL,
    state           TEXT NOT NULL,
    -- level and region_code name the center that holds the event now; an
    -- escalation (吹哨) moves them up one level.
    level           TEXT NOT NULL,
    region_code     TEXT NOT NULL,
    grid_code       TEXT NOT NULL REFERENCES regions (code),
    region_path     {{path}} NOT NULL,
    lng             DOUBLE PRECISION,
    lat             DOUBLE PRECISION,
    address         TEXT NOT NULL DEFAULT '',
    reporter_id     BIGINT,
    reporter_name   TEXT NOT NULL DEFAULT '',
    reporter_phone_enc  {{bytes}},
    reporter_phone_mask TEXT NOT NULL DEFAULT '',
    lead_department TEXT NOT NULL DEFAULT '',
    duplicate_of    BIGINT,
    self_handled    INTEGER NOT NULL DEFAULT 0,
    supervised      INTEGER NOT NULL DEFAULT 0,
    supervise_due   {{time}},
    step            TEXT NOT NULL DEFAULT '',
    step_started_at {{time}},
    step_due        {{time}},
    warning         TEXT NOT NULL DEFAULT '',
    rework_count    INTEGER NOT NULL DEFAULT 0,
    extended        INTEGER NOT NULL DEFAULT 0,
    rating          TEXT NOT NULL DEFAULT '',
    -- measures is the bit set of counted facts (internal/event/measures.go).
    measures        INTEGER NOT NULL DEFAULT 0,
    token           TEXT NOT NULL UNIQUE,
    created_at      {{time}} NOT NULL,
    updated_at      {{time}} NOT NULL,
    closed_at       {{time}},
    version         INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX events_region ON events (region_path, id);
CREATE INDEX events_state ON events (state, region_path);
CREATE INDEX events_due ON events (step_due);
CREATE INDEX events_lead ON events (lead_department, state);
CREATE INDEX events_category ON events (category_code, created_at);
CREATE INDEX events_reporter ON events (reporter_id, id);

-- The departments an event is dispatched to: one lead, any assisting.
CREATE TABLE event_departments (
    event_id    BIGINT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    department  TEXT NOT NULL,
    role        TEXT NOT NULL,
    accepted_at {{time}},
    PRIMARY KEY (event_id, department)
);
CREATE INDEX event_departments_dept ON event_departments (department, event_id);

-- The history: who did what, in which role and department, when, from which
-- state to which, and whether the step it ended was on time.
CREATE TABLE event_actions (
    id         {{pk}},
    event_id   BIGINT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    action     TEXT NOT NULL,
    actor_id   BIGINT,
    actor_name TEXT NOT NULL,
    role       TEXT NOT NULL,
    department TEXT NOT NULL DEFAULT '',
    from_state TEXT NOT NULL,
    to_state   TEXT NOT NULL,
    note       TEXT NOT NULL DEFAULT '',
    detail     TEXT NOT NULL DEFAULT '{}',
    step       TEXT NOT NULL DEFAULT '',
    step_on_time INTEGER,
    at         {{time}} NOT NULL
);
CREATE INDEX event_actions_event ON event_actions (event_id, id);

CREATE TABLE event_attachments (
    id           {{pk}},
    event_id     BIGINT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    action_id    BIGINT,
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
    created_by   BIGINT,
    created_at   {{time}} NOT NULL
);
CREATE INDEX event_attachments_event ON event_attachments (event_id, id);

-- Measure counters, kept on every write: one row per (region at every level
-- of the event's grid, month of report, category and each of its groups, or
-- '*' for all) and measure. Dashboards sum them instead of scanning events.
CREATE TABLE event_counters (
    region_code   TEXT NOT NULL,
    month         TEXT NOT NULL,
    category_code TEXT NOT NULL,
    measure       TEXT NOT NULL,
    n             BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (region_code, month, category_code, measure)
);

-- Daily serials for readable event codes.
CREATE TABLE event_serials (
    day    TEXT NOT NULL,
    county TEXT NOT NULL,
    last   INTEGER NOT NULL,
    PRIMARY KEY (day, county)
);

-- +goose Down
DROP TABLE event_serials;
DROP TABLE event_counters;
DROP TABLE event_attachments;
DROP TABLE event_actions;
DROP TABLE event_departments;
DROP TABLE events;
