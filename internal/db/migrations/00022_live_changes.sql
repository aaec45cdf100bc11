-- +goose Up
-- On SQLite the processes sharing one database file (the server, and the
-- import and demo commands run beside it) pass dashboard changes to each
-- other through this table, as PostgreSQL's servers do with LISTEN/NOTIFY:
-- each process appends its changes, coalesced, a few times a second at
-- most, and every server tails the table. Rows older than an hour go.
CREATE TABLE live_changes (
    id     {{pk}},
    origin TEXT NOT NULL,
    topic  TEXT NOT NULL,
    paths  TEXT NOT NULL,
    at     {{time}} NOT NULL
);

-- +goose Down
DROP TABLE live_changes;
