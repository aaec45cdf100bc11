-- +goose Up
-- The working calendar (工作日历) against which event time limits are
-- counted: the working periods of a day, the weekend and the time zone in
-- one row, and the dates that differ from the weekly pattern (public
-- holidays and make-up working days, 调休) as data that can be edited and
-- imported per year from the holiday-cn files.

-- The one row of settings. Its version is bumped by every change of the
-- settings or of any day, so that each server knows when to reload its
-- in-memory calendar and edits can be refused when stale. Version 0 means
-- "never seeded": the first start stores the compiled-in years.
CREATE TABLE work_calendar (
    id         SMALLINT PRIMARY KEY CHECK (id = 1),
    time_zone  TEXT NOT NULL,
    periods    TEXT NOT NULL, -- JSON [{"start":"08:30","end":"12:00"}, …]
    weekend    TEXT NOT NULL, -- JSON [0, 6] (0 = Sunday)
    version    BIGINT NOT NULL,
    updated_at {{time}}, -- NULL until the first change
    updated_by TEXT NOT NULL DEFAULT ''
);
INSERT INTO work_calendar (id, time_zone, periods, weekend, version)
VALUES (1, 'Asia/Shanghai', '[{"start":"08:30","end":"12:00"},{"start":"13:30","end":"17:30"}]', '[0,6]', 0);

-- One year's arrangement (the State Council notice for that year): where it
-- came from and when it last changed.
CREATE TABLE work_calendar_years (
    year       INTEGER PRIMARY KEY,
    papers     TEXT NOT NULL DEFAULT '[]', -- JSON list of the notices' addresses
    source     TEXT NOT NULL CHECK (source IN ('default', 'import', 'manual')),
    updated_at {{time}} NOT NULL,
    updated_by TEXT NOT NULL DEFAULT ''
);

-- The dates each arrangement declares. The notice for a year may declare
-- the last days of the December before it, so a date can belong to two
-- arrangements (always with the same off_day: the service refuses a clash).
CREATE TABLE work_calendar_days (
    year    INTEGER NOT NULL REFERENCES work_calendar_years (year),
    day     TEXT NOT NULL, -- YYYY-MM-DD, which sorts as the date
    name    TEXT NOT NULL,
    off_day BOOLEAN NOT NULL,
    PRIMARY KEY (year, day)
);
CREATE INDEX work_calendar_days_day ON work_calendar_days (day);

-- +goose Down
DROP TABLE work_calendar_days;
DROP TABLE work_calendar_years;
DROP TABLE work_calendar;
