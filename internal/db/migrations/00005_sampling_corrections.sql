-- +goose Up
-- Sampling checks become reproducible and close the loop: a round keeps the
-- seed its draw was made with (the same month, region and seed draw the same
-- records), each item is assigned to its grid's worker, and a check that
-- corrected the record names the fields it changed (the values are in the
-- audit log, as for any other update).
ALTER TABLE sampling_rounds ADD COLUMN seed BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sampling_items ADD COLUMN assigned_to BIGINT;
ALTER TABLE sampling_items ADD COLUMN corrected TEXT NOT NULL DEFAULT '';
CREATE INDEX sampling_rounds_path ON sampling_rounds (region_path);
CREATE INDEX sampling_items_assigned ON sampling_items (assigned_to, status);

-- +goose Down
DROP INDEX sampling_items_assigned;
DROP INDEX sampling_rounds_path;
ALTER TABLE sampling_items DROP COLUMN corrected;
ALTER TABLE sampling_items DROP COLUMN assigned_to;
ALTER TABLE sampling_rounds DROP COLUMN seed;
