-- +goose Up
-- The open events by id: the duplicate search on SQLite (internal/event,
-- nearby.go) finds a report's nearest candidates in memory and reads here
-- which of them are still open. The newest events sit together at the end
-- of this narrow index, where the table holds them a page or more apart.
CREATE INDEX events_open ON events (id, state) WHERE state NOT IN ('closed', 'rejected', 'duplicate', 'voided');

-- +goose Down
DROP INDEX events_open;
