-- +goose Up
-- A group commit of reports moves hundreds of counter rows, each on a page
-- of its own in event_counters: most of what the single writer wrote per
-- report. The group now appends its merged moves here, one row, in the
-- same transaction as its events (so they are as durable as the events),
-- and a committer moves the counters by the journal's rows and deletes
-- them in one transaction, once a second, at start (after a crash) and
-- before the counters are read.
CREATE TABLE event_counter_journal (
    id    {{pk}},
    moves TEXT NOT NULL
);

-- +goose Down
DROP TABLE event_counter_journal;
