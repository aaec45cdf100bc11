-- +goose Up
-- Reports look for open events of the same category nearby (±200 m): a
-- latitude band of one category, then longitude, from the index alone.
CREATE INDEX events_similar ON events (category_code, lat, lng);

-- +goose Down
DROP INDEX events_similar;
