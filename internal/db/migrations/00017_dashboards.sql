-- +goose Up
-- The dashboards' pre-aggregated figures. The people figures of each grid
-- (persons by residence type and age band, tags, houses by usage,
-- households, the sampling month's checks) are counted from the registry
-- after each change batch, at start-up when stale and every night (age
-- bands move with the date); the dashboards roll them up the region tree
-- in memory. figures is a JSON object of measure → count.
CREATE TABLE dashboard_people (
    grid_code    TEXT PRIMARY KEY,
    region_path  {{path}} NOT NULL,
    figures      TEXT NOT NULL,
    refreshed_at {{time}} NOT NULL
);
CREATE INDEX dashboard_people_path ON dashboard_people (region_path);
-- Each grid's persons and houses as last counted in a month, for the trend.
CREATE TABLE dashboard_people_months (
    month       TEXT NOT NULL,
    grid_code   TEXT NOT NULL,
    region_path {{path}} NOT NULL,
    persons     BIGINT NOT NULL,
    houses      BIGINT NOT NULL,
    PRIMARY KEY (month, grid_code)
);
-- Settings of the refresh: the day the age bands were counted on and the
-- sampling month counted.
CREATE TABLE dashboard_state (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
-- Event figures read from the events table (open events by state, colour
-- and grid; supervised; reports by source) and operations figures of the
-- day or month, each an index range instead of a scan.
CREATE INDEX dashboard_events_open ON events (state, region_path, grid_code, warning, step_due);
CREATE INDEX dashboard_events_supervised ON events (region_path, id) WHERE supervised = 1;
CREATE INDEX dashboard_events_source ON events (source, created_at, region_path);
CREATE INDEX dashboard_attendance_day ON attendance (day, region_path, kind, worker_id);
CREATE INDEX dashboard_patrols_started ON patrols (started_at, region_path);
CREATE INDEX dashboard_visits_month ON visits (month, region_path, at);

-- +goose Down
DROP INDEX dashboard_visits_month;
DROP INDEX dashboard_patrols_started;
DROP INDEX dashboard_attendance_day;
DROP INDEX dashboard_events_source;
DROP INDEX dashboard_events_supervised;
DROP INDEX dashboard_events_open;
DROP TABLE dashboard_state;
DROP TABLE dashboard_people_months;
DROP TABLE dashboard_people;
