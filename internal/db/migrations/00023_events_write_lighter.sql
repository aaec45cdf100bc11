-- +goose Up
-- The dashboards hold the event figures in memory (internal/dashboard,
-- eventmem.go) and no longer read open events by state, supervised events
-- or reports by source from the table: the three indexes made for that
-- only cost every report and every transition their upkeep.
DROP INDEX dashboard_events_open;
DROP INDEX dashboard_events_supervised;
DROP INDEX dashboard_events_source;

-- +goose Down
CREATE INDEX dashboard_events_open ON events (state, region_path, grid_code, warning, step_due);
CREATE INDEX dashboard_events_supervised ON events (region_path, id) WHERE supervised = 1;
CREATE INDEX dashboard_events_source ON events (source, created_at, region_path);
